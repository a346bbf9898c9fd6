import { describe, expect, it } from 'vitest';
import { EngineError } from '../core/index.js';
import { applySettings, checkSettings, newMapping, sourceOf, type MappingSettings, type SourceKind } from './mapping-settings.js';

const KINESIS = 'arn:aws:kinesis:us-east-1:000000000000:stream/telemetry';
const DDB = 'arn:aws:dynamodb:us-east-1:000000000000:table/Devices/stream/2026-01-01T00:00:00.000';
const SQS = 'arn:aws:sqs:us-east-1:000000000000:jobs';

const refusal = (kind: SourceKind, s: MappingSettings, create = true, arn = KINESIS) => {
  try {
    checkSettings(kind, s, arn, create);
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    return { message: e.message, validation: (e.details as { reason?: string } | undefined)?.reason === 'validation' };
  }
  return null;
};

describe('event source mapping settings', () => {
  it('tells the source from its ARN', () => {
    expect(sourceOf(KINESIS)).toEqual({ kind: 'kinesis', name: 'telemetry' });
    expect(sourceOf(DDB)).toEqual({ kind: 'dynamodb', name: 'Devices' });
    expect(sourceOf(SQS)).toEqual({ kind: 'sqs', name: 'jobs' });
    expect(() => sourceOf('arn:aws:kafka:us-east-1:000000000000:cluster/x/y')).toThrow(/SQS queues, Kinesis streams and DynamoDB streams/);
    expect(() => sourceOf('nonsense')).toThrow(/Invalid EventSourceArn/);
  });

  it.each<[string, SourceKind, MappingSettings, boolean, string | null, boolean?]>([
    ['a stream needs a starting position', 'kinesis', {}, true, "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.", false],
    ['but not on update', 'kinesis', { batchSize: 5 }, false, null],
    ['TRIM_HORIZON', 'kinesis', { startingPosition: 'TRIM_HORIZON' }, true, null],
    ['an unknown position', 'dynamodb', { startingPosition: 'NOW' }, true, "1 validation error detected: Value 'NOW' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]", true],
    ['AT_TIMESTAMP on DynamoDB', 'dynamodb', { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: 1 }, true, `Unsupported starting position for arn type: ${KINESIS}`, false],
    ['AT_TIMESTAMP without a timestamp', 'kinesis', { startingPosition: 'AT_TIMESTAMP' }, true, 'Need to specify a timestamp for StartingPosition AT_TIMESTAMP.', false],
    ['a timestamp without AT_TIMESTAMP', 'kinesis', { startingPosition: 'LATEST', startingPositionTimestamp: 1 }, true, 'StartingPositionTimestamp is only valid for StartingPosition AT_TIMESTAMP.', false],
    ['a position on a queue', 'sqs', { startingPosition: 'LATEST' }, true, 'StartingPosition is not valid for SQS event sources.', false],
    ['retries on a queue', 'sqs', { maximumRetryAttempts: 1 }, true, 'Unsupported MaximumRetryAttempts parameter for given event source mapping type.', false],
    ['an SQS batch over 10 without a window', 'sqs', { batchSize: 11 }, true, 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10', false],
    ['a stream batch over 10 without a window', 'kinesis', { startingPosition: 'LATEST', batchSize: 5000 }, true, null],
    ['a batch over 10,000', 'kinesis', { startingPosition: 'LATEST', batchSize: 10001 }, true, "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: Member must have value between 1 and 10000", true],
    ['retries below -1', 'kinesis', { maximumRetryAttempts: -2 }, false, "1 validation error detected: Value '-2' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to -1", true],
    ['a record age under a minute', 'kinesis', { maximumRecordAgeInSeconds: 30 }, false, 'MaximumRecordAgeInSeconds must be -1 (no limit) or between 60 and 604800: 30', false],
    ['a window over 300 s', 'kinesis', { maximumBatchingWindowInSeconds: 301 }, false, "1 validation error detected: Value '301' at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: Member must have value less than or equal to 300", true],
    ['parallelization', 'kinesis', { parallelizationFactor: 3 }, false, 'The local Lambda processes each shard one batch at a time: ParallelizationFactor must be 1, not 3.', false],
    ['an unknown response type', 'kinesis', { functionResponseTypes: ['Partial'] }, false, "1 validation error detected: Value '[Partial]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy enum value set: [ReportBatchItemFailures]", true],
    ['OnSuccess', 'kinesis', { destination: { onFailure: null, onSuccess: true } }, false, 'Unsupported DestinationConfig parameter for given event source mapping type.', false],
    ['an OnFailure that is no queue or topic', 'kinesis', { destination: { onFailure: 'arn:aws:s3:::bucket' } }, false, expect.stringContaining('an SQS queue or an SNS topic') as unknown as string, false],
    ['an SNS OnFailure', 'dynamodb', { destination: { onFailure: 'arn:aws:sns:us-east-1:000000000000:failed' } }, false, null],
  ])('%s', (_name, kind, s, create, message, validation) => {
    const r = refusal(kind, s, create);
    if (message === null) expect(r).toBeNull();
    else expect(r).toEqual({ message, validation });
  });

  it('defaults as Lambda: batch 10 for queues, 100 for streams; retries and age unlimited', () => {
    const base = { uuid: 'u', functionName: 'f', eventSourceArn: KINESIS, now: 1 };
    expect(newMapping('sqs', base, {})).toMatchObject({ batchSize: 10, enabled: true });
    expect(newMapping('sqs', base, {}).startingPosition).toBeUndefined();
    expect(newMapping('kinesis', base, { startingPosition: 'LATEST' })).toMatchObject({
      batchSize: 100, startingPosition: 'LATEST', maximumRetryAttempts: -1, maximumRecordAgeInSeconds: -1, bisectBatchOnFunctionError: false, parallelizationFactor: 1, positions: {},
    });
  });

  it('an update keeps the starting position and can remove the OnFailure destination', () => {
    const m = newMapping('kinesis', { uuid: 'u', functionName: 'f', eventSourceArn: KINESIS, now: 1 }, { startingPosition: 'TRIM_HORIZON', destination: { onFailure: SQS } });
    applySettings(m, { batchSize: 7, startingPosition: 'LATEST', destination: { onFailure: null } }, 2);
    expect(m).toMatchObject({ batchSize: 7, startingPosition: 'TRIM_HORIZON', lastModified: 2 });
    expect(m.onFailure).toBeUndefined();
  });
});
