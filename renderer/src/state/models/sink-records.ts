/** What the Sinks view shows of each kind of sink: its names, the columns and facets of its records, a metric's points. */
import type { JsonValue, SinkKind, SinkRecord } from '../../../../engine/contract/index.js';

export interface KindInfo {
  /** The group's heading in the list. */
  title: string;
  /** The AWS service it stands in for. */
  service: string;
  /** What one record is. */
  record: string;
  /** The rule actions that write to it. */
  actions: string;
}

export const kindInfo: Record<SinkKind, KindInfo> = {
  queue: { title: 'Queues', service: 'SQS', record: 'message', actions: 'sqs' },
  notify: { title: 'Topics (SNS)', service: 'SNS', record: 'notification', actions: 'sns' },
  stream: { title: 'Kinesis streams', service: 'Kinesis', record: 'record', actions: 'kinesis' },
  firehose: { title: 'Firehose streams', service: 'Firehose', record: 'delivered file', actions: 'firehose' },
  table: { title: 'DynamoDB tables', service: 'DynamoDB', record: 'item', actions: 'dynamoDB, dynamoDBv2' },
  metric: { title: 'Metric namespaces', service: 'CloudWatch', record: 'data point', actions: 'cloudwatchMetric' },
  log: { title: 'Log groups', service: 'CloudWatch Logs', record: 'event', actions: 'cloudwatchLogs' },
  alarm: { title: 'Alarms', service: 'CloudWatch', record: 'state change', actions: 'cloudwatchAlarm' },
};

/** A record column: its heading, width (CSS grid track) and the text of a record's cell. */
export interface Column {
  title: string;
  width: string;
  cell: (r: SinkRecord) => string;
  /** Rendered monospace. */
  mono?: boolean;
  /** Shown as a badge of this tone (`ok`, `warn`, `error` or '' for plain). */
  tone?: (r: SinkRecord) => string;
}

/** A field a kind's records are narrowed by (a stream's shard, a metric's name, a log stream). */
export interface Facet {
  label: string;
  value: (r: SinkRecord) => string;
}

export function facetOf(kind: SinkKind): Facet | null {
  switch (kind) {
    case 'stream': return { label: 'Shard', value: (r) => oneLine(field(r, 'shardId')) };
    case 'metric': return { label: 'Metric', value: (r) => oneLine(field(r, 'metricName')) };
    case 'log': return { label: 'Log stream', value: (r) => oneLine(field(r, 'logStream')) };
    case 'notify': return { label: 'Delivered to', value: (r) => deliveredTo(obj(field(r, 'delivery'))) };
    case 'queue': return { label: 'State', value: (r) => (field(r, 'visible') === false ? 'in flight' : 'visible') };
    default: return null;
  }
}

/** The badge tone of an alarm state. */
export const alarmTone = (state: string) => (state === 'ALARM' ? 'error' : state === 'OK' ? 'ok' : '');

type Obj = { [k: string]: JsonValue };
const obj = (v: JsonValue | undefined): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {});
const field = (r: SinkRecord, name: string): JsonValue | undefined => obj(r.data)[name];
/** A value on one line: strings as they are, the rest as compact JSON. */
export function oneLine(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '';
  const s = (typeof v === 'string' ? v : JSON.stringify(v)).replace(/\s+/g, ' ');
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}
const text = (name: string) => (r: SinkRecord) => oneLine(field(r, name));

/** `14:03:07.120` today, `2026-12-04 14:03:07` on another day, local time. */
export function recordTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (d.toDateString() === new Date().toDateString()) return `${time}.${pad(d.getMilliseconds(), 3)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

const TIME: Column = { title: 'Time', width: '96px', cell: (r) => recordTime(r.time), mono: true };

/** The columns of a kind's records (tables get theirs from their items: `tableColumns`). */
export function columnsOf(kind: SinkKind): Column[] {
  switch (kind) {
    case 'queue':
      return [
        TIME,
        { title: 'Body', width: 'minmax(80px, 1fr)', cell: text('body'), mono: true },
        { title: 'State', width: '84px', cell: (r) => (field(r, 'visible') === false ? 'in flight' : 'visible'), tone: (r) => (field(r, 'visible') === false ? 'warn' : '') },
        { title: 'Receives', width: '70px', cell: text('receiveCount'), mono: true },
        { title: 'Message id', width: '120px', cell: text('messageId'), mono: true },
      ];
    case 'notify':
      return [
        TIME,
        { title: 'Subject', width: 'minmax(80px, 160px)', cell: text('subject') },
        { title: 'Message', width: 'minmax(80px, 1fr)', cell: text('message'), mono: true },
        { title: 'Delivered to', width: 'minmax(90px, 180px)', cell: (r) => deliveredTo(obj(field(r, 'delivery'))) },
      ];
    case 'stream':
      return [
        TIME,
        { title: 'Shard', width: '150px', cell: text('shardId'), mono: true },
        { title: 'Sequence number', width: 'minmax(80px, 220px)', cell: text('sequenceNumber'), mono: true },
        { title: 'Partition key', width: 'minmax(70px, 110px)', cell: text('partitionKey'), mono: true },
        { title: 'Data', width: 'minmax(0, 1fr)', cell: (r) => oneLine(field(r, 'text') ?? field(r, 'data')), mono: true },
      ];
    case 'firehose':
      return [
        TIME,
        { title: 'Object', width: 'minmax(80px, 1fr)', cell: (r) => `s3://${oneLine(field(r, 'bucket'))}/${oneLine(field(r, 'key'))}`, mono: true },
        { title: 'Records', width: '70px', cell: text('records'), mono: true },
        { title: 'Bytes', width: '80px', cell: text('bytes'), mono: true },
      ];
    case 'metric':
      return [
        TIME,
        { title: 'Metric', width: 'minmax(90px, 200px)', cell: text('metricName'), mono: true },
        { title: 'Value', width: '110px', cell: (r) => oneLine(field(r, 'value') ?? field(r, 'statisticValues')), mono: true },
        { title: 'Unit', width: '80px', cell: text('unit') },
        { title: 'Dimensions', width: 'minmax(80px, 1fr)', cell: (r) => dimensions(field(r, 'dimensions')), mono: true },
      ];
    case 'log':
      return [
        { title: 'Timestamp', width: '96px', cell: (r) => recordTime(Number(field(r, 'timestamp') ?? r.time)), mono: true },
        { title: 'Stream', width: 'minmax(90px, 160px)', cell: text('logStream'), mono: true },
        { title: 'Message', width: 'minmax(80px, 1fr)', cell: text('message'), mono: true },
      ];
    case 'alarm':
      return [
        TIME,
        { title: 'From', width: '150px', cell: text('previousState'), tone: (r) => alarmTone(oneLine(field(r, 'previousState'))) },
        { title: 'To', width: '150px', cell: text('state'), tone: (r) => alarmTone(oneLine(field(r, 'state'))) },
        { title: 'Reason', width: 'minmax(80px, 1fr)', cell: text('reason') },
      ];
    case 'table':
      return tableColumns([], null, null);
  }
}

/** A table's grid: its key attributes first, then the other attributes seen in the first items, in order of first sight. */
export function tableColumns(records: readonly SinkRecord[], hashKey: string | null, rangeKey: string | null, most = 12): Column[] {
  const names: string[] = [hashKey, rangeKey].filter((n): n is string => !!n);
  for (const r of records.slice(0, 200)) {
    for (const k of Object.keys(obj(r.data))) if (!names.includes(k)) names.push(k);
    if (names.length >= most) break;
  }
  return [
    ...names.slice(0, most).map((n): Column => ({
      title: n, width: 'minmax(90px, 1fr)', cell: (r) => oneLine(obj(r.data)[n]), mono: true,
    })),
    { title: 'Written', width: '96px', cell: (r) => recordTime(r.time), mono: true },
  ];
}

function deliveredTo(d: Obj): string {
  if (!d.protocol) return 'inbox';
  return d.endpoint ? `${oneLine(d.protocol)}: ${oneLine(d.endpoint)}` : oneLine(d.protocol);
}

function dimensions(v: JsonValue | undefined): string {
  if (!Array.isArray(v)) return '';
  return v.map((d) => { const o = obj(d); return `${oneLine(o.name ?? o.Name)}=${oneLine(o.value ?? o.Value)}`; }).join(', ');
}

/** A record's text a filter box searches: its JSON. */
export function recordText(r: SinkRecord): string {
  return JSON.stringify(r.data).toLowerCase();
}

/** Fields of a record that hold JSON as text (a queue body, a notification, a stream's data), parsed for display. */
export function embeddedJson(r: SinkRecord): { field: string; value: JsonValue } | null {
  const o = obj(r.data);
  for (const f of ['body', 'message', 'text']) {
    const s = o[f];
    if (typeof s !== 'string' || !/^\s*[[{]/.test(s)) continue;
    try {
      return { field: f, value: JSON.parse(s) as JsonValue };
    } catch {
      // not JSON after all
    }
  }
  return null;
}

/**
 * A metric's data points as a chart's `[seconds[], values[]]`, oldest first: a point's value, or the average of its
 * statistic values. Records of other metrics and points without a number are left out.
 */
export function metricSeries(records: readonly SinkRecord[], metricName: string): [number[], number[]] {
  const points: Array<[number, number]> = [];
  for (const r of records) {
    const o = obj(r.data);
    if (o.metricName !== metricName) continue;
    const stats = obj(o.statisticValues);
    const value = typeof o.value === 'number' ? o.value
      : typeof stats.sum === 'number' && typeof stats.sampleCount === 'number' && stats.sampleCount > 0 ? stats.sum / stats.sampleCount : null;
    if (value === null) continue;
    points.push([Number(o.timestamp ?? r.time) / 1000, value]);
  }
  points.sort((a, b) => a[0] - b[0]);
  return [points.map((p) => p[0]), points.map((p) => p[1])];
}
