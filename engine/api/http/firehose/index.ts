/**
 * Amazon Data Firehose on the engine's endpoint (awsJson 1.1, `X-Amz-Target: Firehose_20150804.*`), over the sink
 * delivery streams a rule's `firehose` action writes to: DirectPut streams delivering into the local S3.
 *
 * LIMITATIONS: S3 destinations only (ExtendedS3DestinationConfiguration / S3DestinationConfiguration: bucket,
 * prefix and error output prefix with expressions, buffering hints, a Lambda processor; UpdateDestination changes
 * them); no Kinesis or MSK sources, compression, format conversion, dynamic partitioning, processors other than
 * Lambda and AppendDelimiterToRecord, or encryption; RoleARN is accepted and not kept (`--require-roles` checks it).
 * Tags are kept (CreateDeliveryStream's `Tags`, TagDeliveryStream, UntagDeliveryStream, ListTagsForDeliveryStream).
 */
import { firehoseModel, serviceError, validationMessage, type AwsService } from '../protocols/index.js';
import { recordOperations } from './firehose-records.js';
import { deliveryStreamOperations, findDeliveryStream, type FirehosePort } from './firehose-streams.js';
import { firehoseTagOperations } from './firehose-tags.js';

export type { FirehosePort } from './firehose-streams.js';

export function firehoseService(port: FirehosePort): AwsService {
  return {
    title: 'Amazon Data Firehose',
    model: firehoseModel,
    // PutRecordBatch: 4 MiB of records, base64-encoded in JSON.
    maxBodyBytes: 8 * 1024 * 1024,
    operations: {
      ...deliveryStreamOperations(port), ...recordOperations(port),
      ...(port.tags ? firehoseTagOperations((name) => findDeliveryStream(port, name).name, port.tags) : {}),
    },
    errors: { NotFound: 'ResourceNotFoundException', InvalidInput: 'InvalidArgumentException', TooLarge: 'InvalidArgumentException', Unavailable: 'ServiceUnavailableException' },
    validationError: (p) => serviceError('ValidationException', validationMessage(p), { status: 400 }),
  };
}
