/**
 * CloudWatch Logs, locally: log groups (the sinks' `log` targets, so the rules' cloudwatchLogs action, local
 * functions' `/aws/lambda/<name>` groups and the Logs API are the same groups), their log streams and events, kept
 * in the store (`log_streams`, `log_events`).
 * - Retention (`retentionDays`): events older than it are dropped when the group is written to and never read.
 * - Sequence tokens are returned and ignored when given, as AWS does since 2023.
 * - `append()` is the port writers inside the engine use (rule actions, function logs): it creates the stream
 *   (and, when asked, the group) and accepts any timestamp within the retention, sorting the batch.
 *
 * LIMITATIONS: no metric filters, subscription filters, KMS, Logs Insights, export tasks, log classes, data
 * protection or live tail; each group keeps at most `limits.logEvents` events (the oldest are dropped first).
 */
import type { JsonObject, SinkRecord, SinkRecordQuery } from '../../contract/index.js';
import { EngineError } from '../../core/index.js';
import type { Statement } from '../../storage/index.js';
import type { SinkContext, Target } from '../sink-context.js';
import { ACCOUNT, REGION } from '../sink-options.js';
import { checkBatch, type InputLogEvent, type RejectedLogEventsInfo } from './log-batch.js';
import { eventKey, keyToken, orderStreams, page, parseKey, streamStats, type EventRow, type StreamStats } from './log-queries.js';
import { compileFilterPattern } from './filter-pattern.js';

/** The sink service's log targets as this file sees them. */
export interface LogGroupTargets {
  create(name: string): Promise<unknown>;
  remove(name: string): Promise<void>;
  find(name: string): Target | undefined;
  all(): Target[];
}

export interface LogGroupInfo {
  logGroupName: string;
  creationTime: number;
  retentionInDays?: number;
  metricFilterCount: number;
  arn: string;
  logGroupArn: string;
  storedBytes: number;
  logGroupClass: 'STANDARD';
}

export interface LogStreamInfo {
  logStreamName: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  uploadSequenceToken: string;
  arn: string;
  storedBytes: number;
}

export interface OutputLogEvent { timestamp: number; message: string; ingestionTime: number }
export interface FilteredLogEvent extends OutputLogEvent { logStreamName: string; eventId: string }

export const retentionValues = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const DAY = 86_400_000;
const MAX_RESPONSE_BYTES = 1_048_576;
const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_NAME = /^[^:*]{1,512}$/;

export const groupArn = (group: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}`;

export class LogSink {
  private readonly counts = new Map<string, number>();

  constructor(private readonly ctx: SinkContext, private readonly groups: LogGroupTargets) {}

  /** Loads per-group event counts (the store is open). */
  start(): void {
    this.counts.clear();
    for (const r of this.ctx.store.all<{ grp: string; n: number }>('SELECT grp, COUNT(*) AS n FROM log_events GROUP BY grp')) this.counts.set(r.grp, r.n);
  }

  // ---- groups ----

  async createGroup(name: string, tags: Record<string, string> = {}): Promise<void> {
    checkPattern('logGroupName', name, GROUP_NAME, '[\\.\\-_/#A-Za-z0-9]+');
    if (this.groups.find(name)) throw new EngineError('AlreadyExists', 'The specified log group already exists');
    await this.groups.create(name);
    if (Object.keys(tags).length) await this.tag(name, tags);
  }

  async deleteGroup(name: string): Promise<void> {
    this.group(name);
    await this.groups.remove(name);
  }

  describeGroups(opts: { prefix?: string; pattern?: string; token?: string; limit?: number }): { logGroups: LogGroupInfo[]; nextToken?: string } {
    if (opts.prefix !== undefined && opts.pattern !== undefined) {
      throw invalid('LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.');
    }
    const all = this.groups.all()
      .filter((t) => (opts.prefix === undefined || t.name.startsWith(opts.prefix)) && (opts.pattern === undefined || t.name.includes(opts.pattern)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const { items, nextToken } = page(all, opts.token, checkLimit(opts.limit, 50));
    return { logGroups: items.map((t) => this.groupInfo(t)), ...(nextToken ? { nextToken } : {}) };
  }

  /** PutRetentionPolicy (days from AWS's list) or DeleteRetentionPolicy (null); events beyond it are dropped at once. */
  async setRetention(name: string, days: number | null): Promise<void> {
    const target = this.group(name);
    if (days !== null && !retentionValues.includes(days)) {
      throw invalid(`1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${retentionValues.join(', ')}]`);
    }
    const options: JsonObject = { ...target.options };
    if (days === null) delete options.retentionDays;
    else options.retentionDays = days;
    target.options = options;
    await this.ctx.store.write([
      { sql: 'UPDATE sink_targets SET options = ? WHERE kind = ? AND name = ?', params: [JSON.stringify(options), 'log', name] },
      ...this.expire(name),
    ]);
  }

  tags(name: string): Record<string, string> {
    return { ...((this.group(name).state.tags as Record<string, string> | undefined) ?? {}) };
  }

  async tag(name: string, tags: Record<string, string>): Promise<void> {
    const target = this.group(name);
    const merged = { ...this.tags(name), ...tags };
    if (Object.keys(merged).length > 50) throw invalid('A log group can have at most 50 tags.');
    target.state = { ...target.state, tags: merged };
    await this.ctx.store.write([this.ctx.stateStatement(target)]);
  }

  async untag(name: string, keys: readonly string[]): Promise<void> {
    const target = this.group(name);
    const tags = this.tags(name);
    for (const k of keys) delete tags[k];
    target.state = { ...target.state, tags };
    await this.ctx.store.write([this.ctx.stateStatement(target)]);
  }

  /** The group named by a log group ARN (with or without the trailing `:*`), or NotFound. */
  groupOfArn(arn: string): string {
    const m = /^arn:aws:logs:[^:]*:[^:]*:log-group:([^:]+)(:\*)?$/.exec(arn);
    if (!m) throw new EngineError('NotFound', 'The specified resource does not exist.');
    return m[1];
  }

  // ---- streams ----

  async createStream(group: string, stream: string): Promise<void> {
    this.group(group);
    checkPattern('logStreamName', stream, STREAM_NAME, '[^:*]*');
    if (this.streamRow(group, stream)) throw new EngineError('AlreadyExists', 'The specified log stream already exists');
    await this.ctx.store.write([{ sql: 'INSERT INTO log_streams (grp, name, created) VALUES (?, ?, ?)', params: [group, stream, this.ctx.clock.now()] }]);
  }

  async deleteStream(group: string, stream: string): Promise<void> {
    this.group(group);
    this.stream(group, stream);
    const n = this.ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM log_events WHERE grp = ? AND stream = ?', [group, stream])?.n ?? 0;
    this.counts.set(group, (this.counts.get(group) ?? 0) - n);
    await this.ctx.store.write([
      { sql: 'DELETE FROM log_streams WHERE grp = ? AND name = ?', params: [group, stream] },
      { sql: 'DELETE FROM log_events WHERE grp = ? AND stream = ?', params: [group, stream] },
    ]);
  }

  describeStreams(group: string, opts: { prefix?: string; orderBy?: 'LogStreamName' | 'LastEventTime'; descending?: boolean; token?: string; limit?: number }): { logStreams: LogStreamInfo[]; nextToken?: string } {
    this.group(group);
    if (opts.orderBy === 'LastEventTime' && opts.prefix !== undefined) throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
    const cutoff = this.cutoff(group);
    const stats = streamStats(this.ctx.store, group, cutoff);
    const rows = this.ctx.store.all<{ name: string; created: number }>('SELECT name, created FROM log_streams WHERE grp = ?', [group])
      .filter((r) => opts.prefix === undefined || r.name.startsWith(opts.prefix));
    const ordered = orderStreams(rows, stats, opts.orderBy ?? 'LogStreamName', opts.descending ?? false);
    const { items, nextToken } = page(ordered, opts.token, checkLimit(opts.limit, 50));
    return { logStreams: items.map((r) => streamInfo(group, r, stats.get(r.name))), ...(nextToken ? { nextToken } : {}) };
  }

  // ---- events ----

  /** PutLogEvents: AWS's batch rules; the stream must exist. */
  async putEvents(group: string, stream: string, events: readonly InputLogEvent[]): Promise<{ nextSequenceToken: string; rejectedLogEventsInfo?: RejectedLogEventsInfo }> {
    const target = this.group(group);
    this.stream(group, stream);
    const { from, to, rejected } = checkBatch(events, this.ctx.clock.now(), retentionOf(target));
    const ids = await this.write(group, stream, events.slice(from, to), null, false);
    const last = ids.length ? ids[ids.length - 1] : this.ctx.store.get<{ m: number | null }>('SELECT MAX(id) AS m FROM log_events')?.m ?? 0;
    return { nextSequenceToken: String(last).padStart(56, '0'), ...(rejected ? { rejectedLogEventsInfo: rejected } : {}) };
  }

  /**
   * The port for writers inside the engine (rule actions, function logs): creates the stream when missing, and the
   * group too when `createGroup` is set (otherwise a missing group is NotFound); any timestamps, sorted.
   */
  async append(group: string, stream: string, events: ReadonlyArray<{ message: string; timestamp?: number }>, opts: { createGroup?: boolean; traceId?: string | null } = {}): Promise<void> {
    if (!this.groups.find(group)) {
      if (!opts.createGroup) this.ctx.target('log', group); // throws the sink's NotFound
      await this.groups.create(group);
    }
    const now = this.ctx.clock.now();
    const cutoff = this.cutoff(group);
    // Events already beyond the group's retention would never be read: they are not kept.
    const batch = events.map((e) => ({ message: e.message, timestamp: e.timestamp ?? now })).filter((e) => e.timestamp >= cutoff).sort((a, b) => a.timestamp - b.timestamp);
    await this.write(group, stream, batch, opts.traceId ?? null, true);
  }

  /** GetLogEvents: one stream, by time, from the head or the tail, with `f/…` and `b/…` tokens. */
  getEvents(group: string, stream: string, opts: { startTime?: number; endTime?: number; token?: string; limit?: number; startFromHead?: boolean }): {
    events: OutputLogEvent[]; nextForwardToken: string; nextBackwardToken: string;
  } {
    this.group(group);
    this.stream(group, stream);
    const limit = checkLimit(opts.limit, 10_000);
    let forward = opts.startFromHead ?? false;
    let after = { ts: -1, id: 0 };
    let before = { ts: Number.MAX_SAFE_INTEGER, id: 0 };
    if (opts.token !== undefined) {
      const m = /^([fb])\/(\d{36})$/.exec(opts.token);
      if (!m) throw invalid('The specified nextToken is invalid.');
      forward = m[1] === 'f';
      if (forward) after = parseKey(m[2]);
      else before = parseKey(m[2]);
    }
    const lo = Math.max(opts.startTime ?? 0, this.cutoff(group));
    const hi = opts.endTime ?? Number.MAX_SAFE_INTEGER;
    const where = 'grp = ? AND stream = ? AND ts >= ? AND ts < ?';
    const rows = forward
      ? this.ctx.store.all<EventRow>(`SELECT id, stream, ts, ingested, message FROM log_events WHERE ${where} AND (ts > ? OR (ts = ? AND id > ?)) ORDER BY ts, id LIMIT ?`,
        [group, stream, lo, hi, after.ts, after.ts, after.id, limit])
      : this.ctx.store.all<EventRow>(`SELECT id, stream, ts, ingested, message FROM log_events WHERE ${where} AND (ts < ? OR (ts = ? AND id < ?)) ORDER BY ts DESC, id DESC LIMIT ?`,
        [group, stream, lo, hi, before.ts, before.ts, before.id, limit]).reverse();
    const kept = capBytes(rows, forward);
    const events = kept.map((r) => ({ timestamp: r.ts, message: r.message, ingestionTime: r.ingested }));
    if (kept.length === 0) {
      // Nothing (more) this way: the token given comes back, so paginators stop; without one, both point at the head.
      const key = opts.token === undefined ? eventKey(0, 0) : opts.token.slice(2);
      return { events, nextForwardToken: `f/${key}`, nextBackwardToken: `b/${key}` };
    }
    return { events, nextForwardToken: `f/${eventKey(kept[kept.length - 1].ts, kept[kept.length - 1].id)}`, nextBackwardToken: `b/${eventKey(kept[0].ts, kept[0].id)}` };
  }

  /** FilterLogEvents: the group's streams (all, named or by prefix) interleaved by time, through a filter pattern. */
  filterEvents(group: string, opts: { streams?: readonly string[]; streamPrefix?: string; startTime?: number; endTime?: number; pattern?: string; token?: string; limit?: number }): {
    events: FilteredLogEvent[]; nextToken?: string;
  } {
    this.group(group);
    if (opts.streams !== undefined && opts.streamPrefix !== undefined) throw invalid('You cannot specify both LogStreamNames and LogStreamNamePrefix.');
    const limit = checkLimit(opts.limit, 10_000);
    const match = compileFilterPattern(opts.pattern ?? '');
    const streams = opts.streams ? new Set(opts.streams) : undefined;
    let at = { ts: -1, id: 0 };
    if (opts.token !== undefined) {
      const key = tokenKey(opts.token);
      if (!key) throw invalid('The specified nextToken is invalid.');
      at = key;
    }
    const lo = Math.max(opts.startTime ?? 0, this.cutoff(group));
    const hi = opts.endTime ?? Number.MAX_SAFE_INTEGER;
    const out: FilteredLogEvent[] = [];
    let bytes = 0;
    for (;;) {
      const rows = this.ctx.store.all<EventRow>(
        'SELECT id, stream, ts, ingested, message FROM log_events WHERE grp = ? AND ts >= ? AND ts < ? AND (ts > ? OR (ts = ? AND id > ?)) ORDER BY ts, id LIMIT 1000',
        [group, lo, hi, at.ts, at.ts, at.id]);
      for (const r of rows) {
        at = { ts: r.ts, id: r.id };
        if (streams && !streams.has(r.stream)) continue;
        if (opts.streamPrefix !== undefined && !r.stream.startsWith(opts.streamPrefix)) continue;
        if (!match(r.message)) continue;
        out.push({ logStreamName: r.stream, timestamp: r.ts, message: r.message, ingestionTime: r.ingested, eventId: eventKey(r.ts, r.id) });
        bytes += Buffer.byteLength(r.message, 'utf8');
        if (out.length >= limit || bytes >= MAX_RESPONSE_BYTES) return { events: out, nextToken: keyToken(at) };
      }
      if (rows.length < 1000) return { events: out };
    }
  }

  // ---- the sink contract (UI records, counts, deletion) ----

  records(group: string, q?: SinkRecordQuery): SinkRecord[] {
    const limit = Math.min(Math.max(q?.limit ?? 100, 0), 1000);
    return this.ctx.store.all<EventRow & { trace_id: string | null }>(
      `SELECT id, stream, ts, ingested, message, trace_id FROM log_events WHERE grp = ? AND id > ? AND id < ?${q?.traceId === undefined ? '' : ' AND trace_id = ?'} ORDER BY id DESC LIMIT ?`,
      [group, q?.after ?? 0, q?.before ?? Number.MAX_SAFE_INTEGER, ...(q?.traceId === undefined ? [] : [q.traceId]), limit],
    ).map((r) => ({ id: r.id, time: r.ingested, traceId: r.trace_id, data: { logStream: r.stream, timestamp: r.ts, message: r.message } }));
  }

  count(group: string): number {
    return this.counts.get(group) ?? 0;
  }

  /** Statements dropping a group's streams and events (the caller writes them with the group's deletion). */
  clear(group: string): Statement[] {
    this.counts.delete(group);
    return [
      { sql: 'DELETE FROM log_streams WHERE grp = ?', params: [group] },
      { sql: 'DELETE FROM log_events WHERE grp = ?', params: [group] },
    ];
  }

  // ---- internals ----

  private async write(group: string, stream: string, events: readonly InputLogEvent[], traceId: string | null, ensureStream: boolean): Promise<number[]> {
    const now = this.ctx.clock.now();
    const statements: Statement[] = [];
    if (ensureStream) statements.push({ sql: 'INSERT OR IGNORE INTO log_streams (grp, name, created) VALUES (?, ?, ?)', params: [group, stream, now] });
    statements.push(...this.expire(group));
    const ids: number[] = [];
    for (const e of events) {
      const id = this.ctx.ids.take('log_events');
      ids.push(id);
      statements.push({ sql: 'INSERT INTO log_events (id, grp, stream, ts, ingested, message, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?)', params: [id, group, stream, e.timestamp, now, e.message, traceId] });
    }
    const count = (this.counts.get(group) ?? 0) + ids.length;
    const excess = Math.max(0, count - this.ctx.limits.logEvents);
    this.counts.set(group, count - excess);
    if (excess) statements.push({ sql: 'DELETE FROM log_events WHERE id IN (SELECT id FROM log_events WHERE grp = ? ORDER BY id LIMIT ?)', params: [group, excess] });
    await this.ctx.store.write(statements);
    for (const id of ids) this.ctx.recorded('log', group, id, traceId, now);
    return ids;
  }

  /** Statements dropping events beyond the group's retention (the count follows at once). */
  private expire(group: string): Statement[] {
    const cutoff = this.cutoff(group);
    if (cutoff <= 0) return [];
    const n = this.ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM log_events WHERE grp = ? AND ts < ?', [group, cutoff])?.n ?? 0;
    if (n === 0) return [];
    this.counts.set(group, (this.counts.get(group) ?? 0) - n);
    return [{ sql: 'DELETE FROM log_events WHERE grp = ? AND ts < ?', params: [group, cutoff] }];
  }

  private cutoff(group: string): number {
    const days = retentionOf(this.groups.find(group));
    return days === undefined ? 0 : this.ctx.clock.now() - days * DAY;
  }

  private group(name: string): Target {
    const t = this.groups.find(name);
    if (!t) throw new EngineError('NotFound', 'The specified log group does not exist.');
    return t;
  }

  private streamRow(group: string, stream: string): { created: number } | undefined {
    return this.ctx.store.get<{ created: number }>('SELECT created FROM log_streams WHERE grp = ? AND name = ?', [group, stream]);
  }

  private stream(group: string, stream: string): void {
    if (!this.streamRow(group, stream)) throw new EngineError('NotFound', 'The specified log stream does not exist.');
  }

  private groupInfo(t: Target): LogGroupInfo {
    const days = retentionOf(t);
    const cutoff = this.cutoff(t.name);
    const bytes = this.ctx.store.get<{ b: number | null }>('SELECT SUM(LENGTH(CAST(message AS BLOB))) AS b FROM log_events WHERE grp = ? AND ts >= ?', [t.name, cutoff])?.b ?? 0;
    return {
      logGroupName: t.name, creationTime: t.created, ...(days === undefined ? {} : { retentionInDays: days }), metricFilterCount: 0,
      arn: `${groupArn(t.name)}:*`, logGroupArn: groupArn(t.name), storedBytes: bytes, logGroupClass: 'STANDARD',
    };
  }
}

function streamInfo(group: string, r: { name: string; created: number }, s: StreamStats | undefined): LogStreamInfo {
  return {
    logStreamName: r.name, creationTime: r.created,
    ...(s ? { firstEventTimestamp: s.first, lastEventTimestamp: s.last, lastIngestionTime: s.ingested } : {}),
    uploadSequenceToken: String(s?.lastId ?? 1).padStart(56, '0'),
    arn: `${groupArn(group)}:log-stream:${r.name}`, storedBytes: s?.bytes ?? 0,
  };
}

function retentionOf(t: Target | undefined): number | undefined {
  const d = t?.options.retentionDays;
  return typeof d === 'number' ? d : undefined;
}

function tokenKey(token: string): { ts: number; id: number } | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  return /^\d{36}$/.test(text) ? parseKey(text) : undefined;
}

/** Keeps rows up to AWS's 1 MB response size, from the start when reading forward, from the end otherwise. */
function capBytes(rows: EventRow[], forward: boolean): EventRow[] {
  let bytes = 0;
  const ordered = forward ? rows : [...rows].reverse();
  let n = 0;
  for (const r of ordered) {
    bytes += Buffer.byteLength(r.message, 'utf8') + 26;
    if (bytes > MAX_RESPONSE_BYTES && n > 0) break;
    n++;
  }
  return forward ? rows.slice(0, n) : rows.slice(rows.length - n);
}

function checkLimit(limit: number | undefined, max: number): number {
  if (limit === undefined) return max;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) {
    throw invalid(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${max} and greater than or equal to 1`);
  }
  return limit;
}

function checkPattern(member: string, value: string, re: RegExp, shown: string): void {
  if (!re.test(value)) {
    throw invalid(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shown}`);
  }
}

function invalid(message: string): EngineError {
  return new EngineError('InvalidInput', message);
}
