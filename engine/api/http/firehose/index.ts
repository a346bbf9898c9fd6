/**
 * Amazon Data Firehose on the engine's endpoint (awsJson 1.1, `X-Amz-Target: Firehose_20150804.*`), over the sink
 * delivery streams a rule's `firehose` action writes to: DirectPut streams delivering into the local S3.
 *
 * LIMITATIONS: S3 destinations only (ExtendedS3DestinationConfiguration / S3DestinationConfiguration: bucket,
 * prefix and error output prefix with expressions, buffering hints, a Lambda processor; UpdateDestination changes
 * them); no Kinesis or MSK sources, compression, format conversion, dynamic partitioning, processors other than
 * Lambda and AppendDelimiterToRecord, tags or encryption; RoleARN is accepted and not kept.
 */
import { firehoseModel, serviceError, validationMessage, type AwsService } from '../protocols/index.js';
import { recordOperations } from './firehose-records.js';
import { deliveryStreamOperations, type FirehosePort } from './firehose-streams.js';

export type { FirehosePort } from './firehose-streams.js';

export function firehoseService(port: FirehosePort): AwsService {
  return {
    title: 'Amazon Data Firehose',
    model: firehoseModel,
    // PutRecordBatch: 4 MiB of records, base64-encoded in JSON.
    maxBodyBytes: 8 * 1024 * 1024,
    operations: { ...deliveryStreamOperations(port), ...recordOperations(port) },
    errors: { NotFound: 'ResourceNotFoundException', InvalidInput: 'InvalidArgumentException', TooLarge: 'InvalidArgumentException', Unavailable: 'ServiceUnavailableException' },
    validationError: (p) => serviceError('ValidationException', validationMessage(p), { status: 400 }),
  };
}
