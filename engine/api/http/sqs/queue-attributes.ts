/**
 * Queue attributes under AWS's names ↔ the queue's options (engine/sinks: camelCase), with SQS's validation and
 * texts: `InvalidAttributeName` "Unknown Attribute X.", `InvalidAttributeValue` "Invalid value for the parameter X.".
 * Read-only attributes (counts, timestamps, `QueueArn`) are computed on GetQueueAttributes.
 */
import type { JsonObject, JsonValue } from '../../../contract/index.js';
import type { QueueStats } from '../../../sinks/index.js';
import { queueArn, queueNameOfArn } from './queue-url.js';
import { sqsError } from './sqs-errors.js';

type Codec = { option: string; parse(v: string, name: string): JsonValue; show(v: JsonValue): string; fifoOnly?: boolean; clearable?: boolean };

const intIn = (min: number, max: number, option: string): Codec => ({
  option,
  parse: (v, name) => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw badValue(name);
    return Number(v);
  },
  show: (v) => String(v),
});
const bool = (option: string, fifoOnly = false): Codec => ({
  option, fifoOnly,
  parse: (v, name) => {
    if (v !== 'true' && v !== 'false') throw badValue(name);
    return v === 'true';
  },
  show: (v) => String(v),
});
/** Free text (policies, key ids); an empty value removes it. */
const text = (option: string): Codec => ({ option, clearable: true, parse: (v) => v, show: (v) => String(v) });
const oneOf = (option: string, values: string[]): Codec => ({
  option, fifoOnly: true,
  parse: (v, name) => {
    if (!values.includes(v)) throw badValue(name);
    return v;
  },
  show: (v) => String(v),
});

const codecs: Record<string, Codec> = {
  DelaySeconds: intIn(0, 900, 'delaySeconds'),
  MaximumMessageSize: intIn(1024, 262_144, 'maximumMessageSize'),
  MessageRetentionPeriod: intIn(60, 1_209_600, 'retentionSeconds'),
  ReceiveMessageWaitTimeSeconds: intIn(0, 20, 'receiveWaitSeconds'),
  VisibilityTimeout: intIn(0, 43_200, 'visibilityTimeoutSeconds'),
  Policy: text('policy'),
  RedriveAllowPolicy: text('redriveAllowPolicy'),
  KmsMasterKeyId: text('kmsMasterKeyId'),
  KmsDataKeyReusePeriodSeconds: intIn(60, 86_400, 'kmsDataKeyReusePeriodSeconds'),
  SqsManagedSseEnabled: bool('sqsManagedSseEnabled'),
  ContentBasedDeduplication: bool('contentBasedDeduplication', true),
  DeduplicationScope: oneOf('deduplicationScope', ['queue', 'messageGroup']),
  FifoThroughputLimit: oneOf('fifoThroughputLimit', ['perQueue', 'perMessageGroupId']),
};

/** The AWS attribute name of an option (for messages). */
export function attributeOfOption(option: string): string {
  if (option === 'deadLetterQueue' || option === 'maxReceiveCount') return 'RedrivePolicy';
  return Object.entries(codecs).find(([, c]) => c.option === option)?.[0] ?? option;
}

/** Every attribute GetQueueAttributes knows (besides `All`). */
export const readableAttributes = [
  'QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp', 'LastModifiedTimestamp', 'VisibilityTimeout', 'MaximumMessageSize', 'MessageRetentionPeriod', 'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds', 'RedrivePolicy', 'RedriveAllowPolicy', 'Policy', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled', 'FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit',
];

function badValue(name: string): Error {
  return sqsError('attributeValue', `Invalid value for the parameter ${name}.`);
}
function unknown(name: string): Error {
  return sqsError('attributeName', `Unknown Attribute ${name}.`);
}

/**
 * Options from CreateQueue/SetQueueAttributes attributes. An empty RedrivePolicy (or Policy, …) removes it: the
 * option comes back `null`. `creating` allows FifoQueue (it must agree with the name).
 */
export function optionsFromAttributes(attrs: Record<string, string> | undefined, fifo: boolean, creating: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value !== 'string') throw badValue(name);
    if (name === 'FifoQueue') {
      if (value !== 'true' && value !== 'false') throw badValue(name);
      if (!creating || (value === 'true') !== fifo) {
        if (creating && value === 'true') throw fifoName();
        if (creating && fifo) throw fifoName();
        throw sqsError('invalidParameter', 'Invalid value for the parameter FifoQueue. Reason: a queue cannot change its type.');
      }
      continue;
    }
    if (name === 'RedrivePolicy') {
      Object.assign(out, value === '' ? { deadLetterQueue: null, maxReceiveCount: null } : redrive(value));
      continue;
    }
    const codec = codecs[name];
    if (!codec || (codec.fifoOnly && !fifo)) throw unknown(name);
    out[codec.option] = value === '' && codec.clearable ? null : codec.parse(value, name);
  }
  if (creating && fifo && attrs?.FifoQueue !== 'true') throw fifoName();
  return out;
}

const fifoName = () => sqsError('invalidParameter', 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.');

function redrive(value: string): JsonObject {
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch {
    throw sqsError('attributeValue', 'Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.');
  }
  const d = doc as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw sqsError('attributeValue', 'Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.');
  const dlq = typeof d.deadLetterTargetArn === 'string' ? queueNameOfArn(d.deadLetterTargetArn) : undefined;
  if (dlq === undefined) {
    throw sqsError('attributeValue', `Value ${value} for parameter RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn.`);
  }
  const count = typeof d.maxReceiveCount === 'number' ? d.maxReceiveCount : typeof d.maxReceiveCount === 'string' && /^\d+$/.test(d.maxReceiveCount) ? Number(d.maxReceiveCount) : NaN;
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw sqsError('attributeValue', `Value ${value} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: ${String(d.maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`);
  }
  return { deadLetterQueue: dlq, maxReceiveCount: count };
}

/** The queue's attributes under AWS's names: `All`, or the names asked for (an unknown one is refused). */
export function attributesOf(name: string, options: JsonObject, stats: QueueStats, wanted: readonly string[] | undefined): Record<string, string> {
  const fifo = name.endsWith('.fifo');
  const all: Record<string, string> = {
    QueueArn: queueArn(name),
    ApproximateNumberOfMessages: String(stats.visible),
    ApproximateNumberOfMessagesNotVisible: String(stats.inFlight),
    ApproximateNumberOfMessagesDelayed: String(stats.delayed),
    CreatedTimestamp: String(Math.floor(stats.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(stats.lastModified / 1000)),
  };
  for (const [attr, codec] of Object.entries(codecs)) {
    if (codec.fifoOnly && !fifo) continue;
    const v = options[codec.option];
    if (v !== undefined && v !== null) all[attr] = codec.show(v);
  }
  all.SqsManagedSseEnabled ??= options.kmsMasterKeyId === undefined ? 'true' : 'false';
  if (fifo) {
    all.FifoQueue = 'true';
    all.ContentBasedDeduplication ??= 'false';
    all.DeduplicationScope ??= 'queue';
    all.FifoThroughputLimit ??= 'perQueue';
  }
  if (typeof options.deadLetterQueue === 'string') {
    all.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: queueArn(options.deadLetterQueue), maxReceiveCount: options.maxReceiveCount });
  }
  if (!wanted || wanted.length === 0) return {};
  if (wanted.includes('All')) return all;
  const out: Record<string, string> = {};
  for (const w of wanted) {
    if (!readableAttributes.includes(w)) throw unknown(w);
    if (all[w] !== undefined) out[w] = all[w];
  }
  return out;
}
