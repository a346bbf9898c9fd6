/**
 * Amazon Kinesis Data Streams on the engine's endpoint (awsJson 1.1, `X-Amz-Target: Kinesis_20131202.*`, what both
 * the AWS SDK v3 client and the AWS CLI send), over the sink streams a rule's `kinesis` action writes to.
 *
 * Tags are kept (CreateStream's `Tags`, AddTagsToStream, RemoveTagsFromStream, ListTagsForStream, TagResource,
 * UntagResource, ListTagsForResource: kinesis-tags.ts).
 *
 * LIMITATIONS: no resharding (SplitShard, MergeShards, UpdateShardCount), enhanced fan-out consumers
 * (SubscribeToShard), encryption or ExplicitHashKey routing (accepted, records still go by partition key);
 * streams are ACTIVE at once (no CREATING state); per-shard throughput is not limited; at most 64 shards.
 */
import type { Clock } from '../../../core/index.js';
import { kinesisModel, serviceError, validationMessage, type AwsService } from '../protocols/index.js';
import type { KinesisPort } from './kinesis-port.js';
import { recordOperations } from './kinesis-records.js';
import { streamOperations } from './kinesis-streams.js';
import { kinesisTagOperations } from './kinesis-tags.js';

export type { KinesisPort } from './kinesis-port.js';

export function kinesisService(port: KinesisPort, clock: Clock): AwsService {
  return {
    title: 'Amazon Kinesis',
    model: kinesisModel,
    // PutRecords: 500 records of up to 1 MiB, 5 MiB in all, base64-encoded in JSON.
    maxBodyBytes: 8 * 1024 * 1024,
    operations: { ...streamOperations(port), ...recordOperations(port, clock), ...(port.tags ? kinesisTagOperations(port, port.tags) : {}) },
    errors: { NotFound: 'ResourceNotFoundException', InvalidInput: 'InvalidArgumentException', TooLarge: 'InvalidArgumentException' },
    validationError: (p) => serviceError('ValidationException', validationMessage(p)),
  };
}
