/** Names and options per sink kind, checked once at creation with AWS's naming rules; AWS-shaped identifiers. */
import type { JsonObject, JsonValue, SinkKind } from '../contract/index.js';
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../core/index.js';

export const REGION = LOCAL_REGION;
export const ACCOUNT = LOCAL_ACCOUNT_ID;

const namePatterns: Record<SinkKind, [RegExp, string]> = {
  queue: [/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/, 'queue names have 1 to 80 letters, digits, hyphens and underscores'],
  notify: [/^(?=.{1,256}$)[A-Za-z0-9_-]+(\.fifo)?$/, 'topic names have 1 to 256 letters, digits, hyphens and underscores (FIFO topics end in .fifo)'],
  stream: [/^[A-Za-z0-9_.-]{1,128}$/, 'stream names have 1 to 128 letters, digits, hyphens, underscores and periods'],
  firehose: [/^[A-Za-z0-9_.-]{1,64}$/, 'delivery stream names have 1 to 64 letters, digits, hyphens, underscores and periods'],
  table: [/^[A-Za-z0-9_.-]{3,255}$/, 'table names have 3 to 255 letters, digits, hyphens, underscores and periods'],
  metric: [/^[^:]{1,255}$/, 'namespaces have 1 to 255 characters and no colon'],
  log: [/^[A-Za-z0-9_./#-]{1,512}$/, 'log group names have 1 to 512 letters, digits and _ - . / #'],
  alarm: [/^[^\0]{1,255}$/, 'alarm names have 1 to 255 characters'],
};

export function checkName(kind: SinkKind, name: string): void {
  const [pattern, rule] = namePatterns[kind];
  if (!pattern.test(name)) throw new EngineError('InvalidInput', `invalid ${kind} name "${name}": ${rule}`);
  // Local guard: delivery stream names are folder names under <dataDir>/firehose.
  if (kind === 'firehose' && /^\.+$/.test(name)) throw new EngineError('InvalidInput', `invalid delivery stream name "${name}": it must not be only periods`);
}

/** The identifier a rule action names the target by (queueUrl, targetArn, streamName, …). */
export function arnOf(kind: SinkKind, name: string): string {
  switch (kind) {
    case 'queue': return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;
    case 'notify': return `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
    case 'stream': return `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
    case 'firehose': return `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${name}`;
    case 'table': return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
    case 'metric': return name;
    case 'log': return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
    case 'alarm': return `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
  }
}

type Field = (value: JsonValue, key: string) => JsonValue;

const int = (min: number, max: number): Field => (v, key) => {
  if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) throw bad(key, `must be an integer from ${min} to ${max}`);
  return v;
};
const bool: Field = (v, key) => {
  if (typeof v !== 'boolean') throw bad(key, 'must be true or false');
  return v;
};
const str: Field = (v, key) => {
  if (typeof v !== 'string' || v === '') throw bad(key, 'must be a non-empty string');
  return v;
};
const object: Field = (v, key) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(key, 'must be an object');
  return v;
};
const oneOf = (...values: string[]): Field => (v, key) => {
  if (typeof v !== 'string' || !values.includes(v)) throw bad(key, `must be one of ${values.join(', ')}`);
  return v;
};
const keySchema: Field = (v, key) => {
  const o = v as JsonObject;
  if (typeof o !== 'object' || o === null || Array.isArray(o) || typeof o.name !== 'string' || o.name === '' || (o.type !== 'S' && o.type !== 'N' && o.type !== 'B')
    || Object.keys(o).some((k) => k !== 'name' && k !== 'type')) {
    throw bad(key, 'must be { "name": attribute, "type": "S" | "N" | "B" }');
  }
  return { name: o.name, type: o.type };
};
const indexes: Field = (v, key) => {
  if (!Array.isArray(v)) throw bad(key, 'must be a list of secondary indexes');
  const names = new Set<string>();
  return v.map((x, i) => {
    const o = x as JsonObject;
    const at = `${key}[${i}]`;
    if (typeof o !== 'object' || o === null || Array.isArray(o) || typeof o.name !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(o.name)) throw bad(at, 'needs a name of 3 to 255 letters, digits, _ - .');
    if (names.has(o.name)) throw bad(at, `repeats the index name ${o.name}`);
    names.add(o.name);
    const projection = oneOf('ALL', 'KEYS_ONLY', 'INCLUDE')(o.projection, `${at}.projection`);
    const nonKey = o.nonKeyAttributes;
    if (nonKey !== undefined && (!Array.isArray(nonKey) || nonKey.some((n) => typeof n !== 'string'))) throw bad(`${at}.nonKeyAttributes`, 'must be a list of attribute names');
    return {
      name: o.name, global: bool(o.global, `${at}.global`), hashKey: keySchema(o.hashKey, `${at}.hashKey`),
      ...(o.rangeKey === undefined ? {} : { rangeKey: keySchema(o.rangeKey, `${at}.rangeKey`) }), projection,
      ...(nonKey === undefined ? {} : { nonKeyAttributes: nonKey }),
      ...(o.readCapacityUnits === undefined ? {} : { readCapacityUnits: int(0, 1_000_000_000)(o.readCapacityUnits, `${at}.readCapacityUnits`) }),
      ...(o.writeCapacityUnits === undefined ? {} : { writeCapacityUnits: int(0, 1_000_000_000)(o.writeCapacityUnits, `${at}.writeCapacityUnits`) }),
      ...(o.backfilling === undefined ? {} : { backfilling: bool(o.backfilling, `${at}.backfilling`) }),
    } as JsonObject;
  });
};
const subscriptions: Field = (v, key) => {
  if (!Array.isArray(v)) throw bad(key, 'must be a list');
  return v.map((s, i) => {
    const o = s as JsonObject;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad(`${key}[${i}]`, 'must be { "protocol", "endpoint" }');
    // A desktop notification goes to whoever runs the UI: there is no endpoint to name.
    if (o.protocol === 'desktop') return { protocol: 'desktop' } as JsonObject;
    if (typeof o.endpoint !== 'string') throw bad(`${key}[${i}]`, 'must be { "protocol", "endpoint" }');
    if (o.protocol === 'mqtt') {
      if (o.endpoint === '' || /[#+]/.test(o.endpoint)) throw bad(`${key}[${i}]`, 'an mqtt endpoint is a topic without wildcards');
    } else if (o.protocol === 'http' || o.protocol === 'https') {
      let url: URL;
      try {
        url = new URL(o.endpoint);
      } catch {
        throw bad(`${key}[${i}]`, 'an http endpoint is a URL');
      }
      if (url.protocol !== `${o.protocol}:`) throw bad(`${key}[${i}]`, `the endpoint must start with ${o.protocol}://`);
    } else {
      throw bad(`${key}[${i}]`, 'protocol must be "mqtt", "http", "https" or "desktop"');
    }
    return { protocol: o.protocol, endpoint: o.endpoint };
  });
};

const schemas: Record<SinkKind, Record<string, Field>> = {
  queue: {
    visibilityTimeoutSeconds: int(0, 43_200), maxReceiveCount: int(1, 1000), deadLetterQueue: str, retentionSeconds: int(60, 1_209_600),
    delaySeconds: int(0, 900), receiveWaitSeconds: int(0, 20), maximumMessageSize: int(1024, 262_144),
    contentBasedDeduplication: bool, deduplicationScope: oneOf('queue', 'messageGroup'), fifoThroughputLimit: oneOf('perQueue', 'perMessageGroupId'),
    // Kept and returned as given, without effect locally (access and encryption are not emulated).
    policy: str, redriveAllowPolicy: str, kmsMasterKeyId: str, kmsDataKeyReusePeriodSeconds: int(60, 86_400), sqsManagedSseEnabled: bool,
  },
  notify: { subscriptions },
  stream: { shardCount: int(1, 64), retentionHours: int(1, 8760), consumer: str },
  firehose: {
    bufferSizeBytes: int(1, 128 * 1024 * 1024), bufferIntervalSeconds: int(0, 900), appendNewline: bool,
    // Firehose's AppendDelimiterToRecord processor: a newline after every record, whatever it ends with.
    appendDelimiter: bool, bucket: str, prefix: str, errorOutputPrefix: str,
    // The Lambda processor: the function, its ARN as configured, retries and the largest batch per invocation.
    transform: str, transformArn: str, transformRetries: int(0, 300), transformBatchBytes: int(1, 3 * 1024 * 1024),
    // Firehose's ProcessingConfiguration as given (DescribeDeliveryStream returns it) and the destination's version.
    processingConfiguration: object, versionId: int(1, 1_000_000_000),
  },
  table: {
    hashKey: keySchema, rangeKey: keySchema, streamViewType: oneOf('NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'),
    billingMode: oneOf('PROVISIONED', 'PAY_PER_REQUEST'), readCapacityUnits: int(0, 1_000_000_000), writeCapacityUnits: int(0, 1_000_000_000),
    indexes, ttlAttribute: str },
  metric: {},
  log: { retentionDays: int(1, 3653) },
  alarm: { state: (v, key) => alarmState(v, key) },
};

const defaults: Record<SinkKind, JsonObject> = {
  queue: { visibilityTimeoutSeconds: 30, retentionSeconds: 345_600, delaySeconds: 0, receiveWaitSeconds: 0, maximumMessageSize: 262_144 },
  notify: { subscriptions: [] },
  stream: { shardCount: 1, retentionHours: 24 },
  firehose: { bufferSizeBytes: 5 * 1024 * 1024, bufferIntervalSeconds: 300, appendNewline: true },
  table: {},
  metric: {},
  log: {},
  alarm: { state: 'INSUFFICIENT_DATA' },
};

export const alarmStates = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof alarmStates)[number];

export function alarmState(v: unknown, key = 'stateValue'): AlarmState {
  if (!alarmStates.includes(v as AlarmState)) throw bad(key, `must be one of ${alarmStates.join(', ')}`);
  return v as AlarmState;
}

/** Fills defaults and refuses unknown or malformed fields. */
export function normalizeOptions(kind: SinkKind, options: JsonObject = {}): JsonObject {
  const schema = schemas[kind];
  const out: JsonObject = { ...defaults[kind] };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const field = schema[key];
    if (!field) throw new EngineError('InvalidInput', `${kind} sinks have no option "${key}" (known: ${Object.keys(schema).join(', ') || 'none'})`);
    out[key] = field(value, key);
  }
  if (kind === 'table' && !out.hashKey) throw bad('hashKey', 'is required: { "name": attribute, "type": "S" | "N" }');
  if (kind === 'queue' && (out.maxReceiveCount === undefined) !== (out.deadLetterQueue === undefined)) {
    throw bad('deadLetterQueue', 'and maxReceiveCount go together (the redrive policy)');
  }
  return out;
}

function bad(key: string, problem: string): EngineError {
  return new EngineError('InvalidInput', `option "${key}" ${problem}`);
}
