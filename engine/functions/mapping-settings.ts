/**
 * An event source mapping's record and its settings, checked as Lambda checks them [Lambda API Reference:
 * CreateEventSourceMapping, UpdateEventSourceMapping] per kind of source: an SQS queue, a Kinesis stream
 * (`arn:aws:kinesis:<region>:<account>:stream/<name>`) or a DynamoDB stream (a table's `LatestStreamArn`).
 */
import { EngineError, LOCAL_REGION } from '../core/index.js';
import { parseFilterCriteria, type FilterCriteria } from './event-filter.js';

export type SourceKind = 'sqs' | 'kinesis' | 'dynamodb';
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

export interface EventSourceMapping {
  uuid: string;
  functionName: string;
  eventSourceArn: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  enabled: boolean;
  functionResponseTypes: string[];
  /** Epoch ms. */
  lastModified: number;
  lastProcessingResult: string;
  /** Event filtering: records that match none of its patterns are dropped. */
  filterCriteria?: FilterCriteria;
  // Streams only (Kinesis, DynamoDB):
  startingPosition?: StartingPosition;
  /** Epoch seconds (AT_TIMESTAMP). */
  startingPositionTimestamp?: number;
  /** -1: until the records expire. */
  maximumRetryAttempts?: number;
  /** -1: no limit. */
  maximumRecordAgeInSeconds?: number;
  bisectBatchOnFunctionError?: boolean;
  parallelizationFactor?: number;
  /** `DestinationConfig.OnFailure.Destination`: an SQS queue or SNS topic ARN. */
  onFailure?: string;
  /** Per shard: where the next batch starts (a checkpoint, persisted). */
  positions?: Record<string, string>;
}

export interface MappingSettings {
  /** UpdateEventSourceMapping only: another function to invoke. */
  functionName?: string;
  batchSize?: number;
  enabled?: boolean;
  maximumBatchingWindowInSeconds?: number;
  functionResponseTypes?: string[];
  startingPosition?: string;
  startingPositionTimestamp?: number;
  maximumRetryAttempts?: number;
  maximumRecordAgeInSeconds?: number;
  bisectBatchOnFunctionError?: boolean;
  parallelizationFactor?: number;
  /** `DestinationConfig`: OnFailure's destination (null: none), and whether OnSuccess was given (Lambda refuses it here). */
  destination?: { onFailure: string | null; onSuccess?: boolean };
  tumblingWindowInSeconds?: number;
  /** `FilterCriteria` as sent (`{}` or no filters: none). */
  filterCriteria?: unknown;
}

const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:([a-zA-Z0-9_-]{1,80}(?:\.fifo)?)$/;
const KINESIS_ARN = /^arn:aws[a-zA-Z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/([a-zA-Z0-9_.-]{1,128})$/;
const DYNAMODB_STREAM_ARN = /^arn:aws[a-zA-Z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/([a-zA-Z0-9_.-]{3,255})\/stream\/(.+)$/;
const SNS_ARN = /^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:\d{12}:([a-zA-Z0-9_-]{1,256}(?:\.fifo)?)$/;

export const queueOfArn = (arn: string): string | null => SQS_ARN.exec(arn)?.[1] ?? null;
export const topicOfArn = (arn: string): string | null => SNS_ARN.exec(arn)?.[1] ?? null;

/** The kind of source an ARN names and its name (queue, stream or table); InvalidInput for anything else. */
export function sourceOf(arn: string): { kind: SourceKind; name: string } {
  const queue = queueOfArn(arn);
  if (queue) return { kind: 'sqs', name: queue };
  const stream = KINESIS_ARN.exec(arn)?.[1];
  if (stream) return { kind: 'kinesis', name: stream };
  const table = DYNAMODB_STREAM_ARN.exec(arn)?.[1];
  if (table) return { kind: 'dynamodb', name: table };
  if (/:(kafka|mq|docdb):/.test(arn)) {
    throw new EngineError('InvalidInput', `The local Lambda maps SQS queues, Kinesis streams and DynamoDB streams: ${arn} is none of them.`);
  }
  throw new EngineError('InvalidInput', `Invalid EventSourceArn: ${arn} (expected an SQS queue, arn:aws:kinesis:${LOCAL_REGION}:<account>:stream/<name>, or a table's stream ARN)`);
}

const validation = (message: string) => new EngineError('InvalidInput', `1 validation error detected: ${message}`, { reason: 'validation' });
const invalid = (message: string) => new EngineError('InvalidInput', message);

function range(value: number | undefined, member: string, min: number, max: number): void {
  if (value === undefined) return;
  if (value < min) throw validation(`Value '${value}' at '${member}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
  if (value > max) throw validation(`Value '${value}' at '${member}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
}

/** Settings Lambda takes only for streams, with their request member names. */
const STREAM_ONLY: Array<[keyof MappingSettings, string]> = [
  ['maximumRetryAttempts', 'MaximumRetryAttempts'], ['maximumRecordAgeInSeconds', 'MaximumRecordAgeInSeconds'],
  ['bisectBatchOnFunctionError', 'BisectBatchOnFunctionError'], ['parallelizationFactor', 'ParallelizationFactor'],
  ['tumblingWindowInSeconds', 'TumblingWindowInSeconds'],
];

/**
 * Checks settings for a source kind (`create`: a new mapping, where streams need a starting position). Throws
 * InvalidInput with Lambda's messages: ValidationException for a member out of its range, InvalidParameterValue
 * for a combination Lambda refuses.
 */
export function checkSettings(kind: SourceKind, s: MappingSettings, arn: string, create: boolean): void {
  if (s.batchSize !== undefined && (!Number.isInteger(s.batchSize) || s.batchSize < 1 || s.batchSize > 10000)) {
    throw validation(`Value '${s.batchSize}' at 'batchSize' failed to satisfy constraint: Member must have value between 1 and 10000`);
  }
  range(s.maximumBatchingWindowInSeconds, 'maximumBatchingWindowInSeconds', 0, 300);
  for (const t of s.functionResponseTypes ?? []) {
    if (t !== 'ReportBatchItemFailures') throw validation(`Value '[${t}]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy enum value set: [ReportBatchItemFailures]`);
  }
  parseFilterCriteria(s.filterCriteria);
  if (s.destination?.onSuccess) throw invalid('Unsupported DestinationConfig parameter for given event source mapping type.');
  if (kind === 'sqs') {
    if (s.batchSize !== undefined && s.batchSize > 10 && !s.maximumBatchingWindowInSeconds) {
      throw invalid('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
    }
    if (s.startingPosition !== undefined || s.startingPositionTimestamp !== undefined) throw invalid('StartingPosition is not valid for SQS event sources.');
    if (s.destination?.onFailure) throw invalid('Unsupported DestinationConfig parameter for given event source mapping type.');
    for (const [key, member] of STREAM_ONLY) {
      if (s[key] !== undefined) throw invalid(`Unsupported ${member} parameter for given event source mapping type.`);
    }
    return;
  }
  if (create) {
    if (s.startingPosition === undefined) throw invalid("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.");
    if (!['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(s.startingPosition)) {
      throw validation(`Value '${s.startingPosition}' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]`);
    }
    if (kind === 'dynamodb' && s.startingPosition === 'AT_TIMESTAMP') throw invalid(`Unsupported starting position for arn type: ${arn}`);
    if (s.startingPosition === 'AT_TIMESTAMP' && s.startingPositionTimestamp === undefined) throw invalid('Need to specify a timestamp for StartingPosition AT_TIMESTAMP.');
    if (s.startingPosition !== 'AT_TIMESTAMP' && s.startingPositionTimestamp !== undefined) throw invalid('StartingPositionTimestamp is only valid for StartingPosition AT_TIMESTAMP.');
  }
  range(s.maximumRetryAttempts, 'maximumRetryAttempts', -1, 10000);
  range(s.maximumRecordAgeInSeconds, 'maximumRecordAgeInSeconds', -1, 604800);
  if (s.maximumRecordAgeInSeconds !== undefined && s.maximumRecordAgeInSeconds >= 0 && s.maximumRecordAgeInSeconds < 60) {
    throw invalid(`MaximumRecordAgeInSeconds must be -1 (no limit) or between 60 and 604800: ${s.maximumRecordAgeInSeconds}`);
  }
  range(s.parallelizationFactor, 'parallelizationFactor', 1, 10);
  if (s.parallelizationFactor !== undefined && s.parallelizationFactor !== 1) {
    throw invalid(`The local Lambda processes each shard one batch at a time: ParallelizationFactor must be 1, not ${s.parallelizationFactor}.`);
  }
  range(s.tumblingWindowInSeconds, 'tumblingWindowInSeconds', 0, 900);
  if (s.tumblingWindowInSeconds) throw invalid('The local Lambda does not support tumbling windows yet: TumblingWindowInSeconds must be 0.');
  const dest = s.destination?.onFailure;
  if (dest && !queueOfArn(dest) && !topicOfArn(dest)) {
    throw invalid(`The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination=${dest})) is invalid: the local Lambda sends failed batches to an SQS queue or an SNS topic.`);
  }
}

/** A new mapping's record from its settings, with Lambda's defaults per kind (BatchSize 10 for SQS, 100 for streams). */
export function newMapping(kind: SourceKind, base: { uuid: string; functionName: string; eventSourceArn: string; now: number }, s: MappingSettings): EventSourceMapping {
  const m: EventSourceMapping = {
    uuid: base.uuid, functionName: base.functionName, eventSourceArn: base.eventSourceArn,
    batchSize: s.batchSize ?? (kind === 'sqs' ? 10 : 100), maximumBatchingWindowInSeconds: s.maximumBatchingWindowInSeconds ?? 0,
    enabled: s.enabled ?? true, functionResponseTypes: s.functionResponseTypes ?? [], lastModified: base.now, lastProcessingResult: 'No records processed',
    ...filterOf(s.filterCriteria),
  };
  if (kind === 'sqs') return m;
  return {
    ...m,
    startingPosition: s.startingPosition as StartingPosition,
    ...(s.startingPositionTimestamp !== undefined ? { startingPositionTimestamp: s.startingPositionTimestamp } : {}),
    maximumRetryAttempts: s.maximumRetryAttempts ?? -1, maximumRecordAgeInSeconds: s.maximumRecordAgeInSeconds ?? -1,
    bisectBatchOnFunctionError: s.bisectBatchOnFunctionError ?? false, parallelizationFactor: s.parallelizationFactor ?? 1,
    ...(s.destination?.onFailure ? { onFailure: s.destination.onFailure } : {}),
    positions: {},
  };
}

/** Applies an update's settings to a mapping (StartingPosition cannot change; `destination.onFailure: null` removes it). */
export function applySettings(m: EventSourceMapping, s: MappingSettings, now: number): void {
  const { destination, filterCriteria, startingPosition: _p, startingPositionTimestamp: _t, tumblingWindowInSeconds: _w, ...rest } = s;
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (m as unknown as Record<string, unknown>)[k] = v;
  if (destination) {
    if (destination.onFailure) m.onFailure = destination.onFailure;
    else delete m.onFailure;
  }
  if (filterCriteria !== undefined) {
    const f = filterOf(filterCriteria).filterCriteria;
    if (f) m.filterCriteria = f;
    else delete m.filterCriteria;
  }
  m.lastModified = now;
}

/** Checked FilterCriteria as kept (only the patterns), or nothing for `{}` and an empty list. */
function filterOf(criteria: unknown): { filterCriteria?: FilterCriteria } {
  const patterns = parseFilterCriteria(criteria);
  if (!patterns.length) return {};
  return { filterCriteria: { Filters: (criteria as FilterCriteria).Filters.map((f) => ({ Pattern: f.Pattern })) } };
}
