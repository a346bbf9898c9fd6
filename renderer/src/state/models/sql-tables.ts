/**
 * The SQL console's tables, built from contract data: every value a SQLite value (number, text or NULL), JSON kept as
 * text so SQLite's JSON functions reach into it (`payload ->> '$.temperature'`), and objects' fields flattened into
 * columns of their own (`attributes.floor`), so most queries need no JSON function at all.
 */
import type {
  CertificateSummary, JsonValue, MessageRecord, PolicySummary, RuleEvaluation, RuleInfo, ShadowSummary, SinkKind, SinkRecord,
  ThingGroupInfo, ThingInfo, ThingTypeInfo,
} from '../../../../engine/contract/index.js';

export type SqlCell = string | number | null;

export interface SqlTable {
  name: string;
  /** What its rows are, for the schema panel. */
  about: string;
  columns: string[];
  rows: SqlCell[][];
}

/** The fields of a nested object become columns down to this depth (`a.b.c`); deeper values stay JSON text. */
const FLATTEN_DEPTH = 3;
/** At most this many flattened columns per table; fields past them are still in the table's JSON column. */
export const MAX_FLAT_COLUMNS = 64;

/** One table per sink kind, named for what AWS calls its records. */
export const sinkTables: Record<SinkKind, { table: string; about: string }> = {
  queue: { table: 'queue_messages', about: 'SQS queue messages' },
  notify: { table: 'sns_notifications', about: 'SNS topic notifications (the UI inbox)' },
  stream: { table: 'stream_records', about: 'Kinesis stream records' },
  firehose: { table: 'firehose_deliveries', about: 'Firehose delivered files' },
  table: { table: 'dynamodb_items', about: 'DynamoDB table items' },
  metric: { table: 'metric_data', about: 'CloudWatch metric data points' },
  log: { table: 'log_events', about: 'CloudWatch Logs events' },
  alarm: { table: 'alarm_history', about: 'CloudWatch alarm state changes' },
};

/** A SQLite value: numbers and text as they are, booleans 1/0, null and undefined NULL, the rest compact JSON. */
export function cellOf(v: unknown): SqlCell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  return JSON.stringify(v);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * An object's fields as `[column, value]` pairs in order: nested objects' fields under dotted names (`a.b`) down to
 * FLATTEN_DEPTH, arrays and deeper objects as JSON text. An empty nested object is one JSON cell (`{}`).
 */
export function flatten(value: Record<string, unknown>, prefix = '', depth = 1, out: [string, SqlCell][] = []): [string, SqlCell][] {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix + key;
    if (isPlainObject(v) && depth < FLATTEN_DEPTH && Object.keys(v).length > 0) flatten(v, `${name}.`, depth + 1, out);
    else out.push([name, cellOf(v)]);
  }
  return out;
}

/**
 * Rows of fixed columns, then the flattened fields of each row's `object` in order of first sight (at most
 * MAX_FLAT_COLUMNS; a field named like a fixed column is prefixed with `prefix`).
 */
export function tableOf<T>(
  name: string, about: string, items: readonly T[], fixed: readonly [string, (item: T) => unknown][],
  object?: { prefix: string; of: (item: T) => unknown },
): SqlTable {
  const columns = fixed.map(([c]) => c);
  const taken = new Set(columns);
  const extra = new Map<string, number>();
  const flat = items.map((item) => {
    const value = object?.of(item);
    if (!object || !isPlainObject(value)) return [];
    const pairs = flatten(value);
    for (const pair of pairs) {
      if (taken.has(pair[0])) pair[0] = object.prefix + pair[0];
      if (!extra.has(pair[0]) && extra.size < MAX_FLAT_COLUMNS && !taken.has(pair[0])) extra.set(pair[0], columns.length + extra.size);
    }
    return pairs;
  });
  const width = columns.length + extra.size;
  const rows = items.map((item, i) => {
    const row: SqlCell[] = fixed.map(([, get]) => cellOf(get(item)));
    row.length = width;
    row.fill(null, fixed.length);
    for (const [column, v] of flat[i]!) {
      const at = extra.get(column);
      if (at !== undefined) row[at] = v;
    }
    return row;
  });
  return { name, about, columns: [...columns, ...extra.keys()], rows };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A base64 payload as text, or null when it is not UTF-8. */
export function payloadText(base64: string): string | null {
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** A payload that is a JSON object, parsed; anything else null. */
function payloadObject(text: string | null): Record<string, unknown> | null {
  if (text === null || !text.trimStart().startsWith('{')) return null;
  try {
    const v: unknown = JSON.parse(text);
    return isPlainObject(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Captured messages: `payload` is the text (NULL for binary; JSON functions reach into it), a JSON object payload's
 * fields are columns too (`payload.temperature`), `time` is epoch milliseconds.
 */
export function messagesTable(records: readonly MessageRecord[]): SqlTable {
  const texts = records.map((m) => payloadText(m.payload));
  const indexed = records.map((m, i) => ({ m, text: texts[i]! }));
  return tableOf('messages', 'Captured MQTT messages (the broker\'s history)', indexed, [
    ['id', (r) => r.m.id],
    ['time', (r) => r.m.time],
    ['topic', (r) => r.m.topic],
    ['client_id', (r) => r.m.clientId],
    ['qos', (r) => r.m.qos],
    ['retain', (r) => r.m.retain],
    ['size', (r) => r.m.size],
    ['truncated', (r) => r.m.truncated],
    ['payload', (r) => r.text],
    ['content_type', (r) => r.m.properties?.contentType],
    ['response_topic', (r) => r.m.properties?.responseTopic],
    ['user_properties', (r) => r.m.properties?.userProperties],
  ], { prefix: 'payload.', of: (r) => { const o = payloadObject(r.text); return o && Object.fromEntries(Object.entries(o).map(([k, v]) => [`payload.${k}`, v])); } });
}

/** One sink kind's records from every sink of that kind: `sink` names the queue, table, stream…; `data` is the record as JSON. */
export function sinkTable(kind: SinkKind, records: readonly { sink: string; record: SinkRecord }[]): SqlTable {
  const { table, about } = sinkTables[kind];
  return tableOf(table, about, records, [
    ['sink', (r) => r.sink],
    ['id', (r) => r.record.id],
    ['time', (r) => r.record.time],
    ['trace_id', (r) => r.record.traceId],
    ['data', (r) => r.record.data],
  ], { prefix: 'data.', of: (r) => r.record.data as JsonValue });
}

export const registryTables = {
  things: (items: readonly ThingInfo[]) => tableOf('things', 'Registry things', items, [
    ['name', (t) => t.name], ['id', (t) => t.id], ['arn', (t) => t.arn], ['type', (t) => t.type], ['version', (t) => t.version],
    ['attributes', (t) => t.attributes], ['created_at', (t) => t.createdAt], ['updated_at', (t) => t.updatedAt],
  ], { prefix: 'attributes.', of: (t) => Object.fromEntries(Object.entries(t.attributes).map(([k, v]) => [`attributes.${k}`, v])) }),
  thingTypes: (items: readonly ThingTypeInfo[]) => tableOf('thing_types', 'Registry thing types', items, [
    ['name', (t) => t.name], ['id', (t) => t.id], ['arn', (t) => t.arn], ['description', (t) => t.description],
    ['searchable_attributes', (t) => t.searchableAttributes], ['deprecated', (t) => t.deprecated],
    ['deprecated_at', (t) => t.deprecatedAt], ['created_at', (t) => t.createdAt],
  ]),
  groups: (items: readonly ThingGroupInfo[]) => tableOf('thing_groups', 'Registry thing groups', items, [
    ['name', (g) => g.name], ['id', (g) => g.id], ['arn', (g) => g.arn], ['parent', (g) => g.parent],
    ['root_to_parent', (g) => g.rootToParent], ['description', (g) => g.description], ['attributes', (g) => g.attributes],
    ['version', (g) => g.version], ['created_at', (g) => g.createdAt],
  ], { prefix: 'attributes.', of: (g) => Object.fromEntries(Object.entries(g.attributes).map(([k, v]) => [`attributes.${k}`, v])) }),
  certificates: (items: readonly CertificateSummary[]) => tableOf('certificates', 'Certificates', items, [
    ['id', (c) => c.id], ['arn', (c) => c.arn], ['status', (c) => c.status], ['ca_certificate_id', (c) => c.caCertificateId],
    ['subject', (c) => c.subject], ['valid_to', (c) => c.validTo], ['created_at', (c) => c.createdAt], ['policies', (c) => c.policies],
  ]),
  policies: (items: readonly PolicySummary[]) => tableOf('policies', 'IoT policies', items, [
    ['name', (p) => p.name], ['arn', (p) => p.arn], ['default_version', (p) => p.defaultVersion], ['document', (p) => p.document],
    ['targets', (p) => p.targets],
  ]),
  rules: (items: readonly RuleInfo[]) => tableOf('rules', 'Topic rules', items, [
    ['name', (r) => r.name], ['sql', (r) => r.sql], ['topic_filter', (r) => r.topicFilter], ['disabled', (r) => r.disabled],
    ['description', (r) => r.description], ['actions', (r) => r.actions], ['error_action', (r) => r.errorAction],
    ['sql_version', (r) => r.sqlVersion], ['created_at', (r) => r.createdAt], ['source', (r) => r.source], ['arn', (r) => r.arn],
  ]),
  evaluations: (items: readonly RuleEvaluation[]) => tableOf('rule_evaluations', 'Recent rule evaluations (join trace_id to sink records)', items, [
    ['trace_id', (e) => e.traceId], ['message_id', (e) => e.messageId], ['time', (e) => e.time], ['rule', (e) => e.rule],
    ['topic', (e) => e.topic], ['client_id', (e) => e.clientId], ['matched', (e) => e.matched], ['reason', (e) => e.reason],
    ['error', (e) => e.error], ['output', (e) => e.output], ['actions', (e) => e.actions],
  ]),
  shadows: (items: readonly ShadowSummary[]) => tableOf('shadows', 'Device shadows', items, [
    ['thing', (s) => s.thing], ['name', (s) => s.name], ['version', (s) => s.version], ['updated_at', (s) => s.updatedAt],
  ]),
};
