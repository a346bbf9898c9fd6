/** What every sink kind shares: the store, time, logs, limits, id allocation and the record log. */
import type { JsonObject, SinkKind, SinkNotified, SinkRecord, SinkRecordQuery } from '../contract/index.js';
import type { Clock, Logger } from '../core/index.js';
import type { Statement, Store } from '../storage/index.js';

/** Bounds that keep memory and disk finite (ARCHITECTURE: bounded retention). */
export interface SinkLimits {
  /** Records kept per target in the record log (inbox, data points, alarm states, deliveries). */
  records: number;
  /** Events a log group keeps (the oldest are dropped first). */
  logEvents: number;
  /** Messages a queue may hold; a send beyond it fails. */
  queueMessages: number;
  /** Records a stream keeps besides its retention period (the oldest are trimmed). */
  streamRecords: number;
  /** Items a table may hold; a new item beyond it fails. */
  tableItems: number;
  /** Webhook deliveries: attempts, first backoff (doubles per retry), per-attempt timeout. */
  webhook: { attempts: number; backoffMs: number; timeoutMs: number };
  /** Webhook deliveries waiting or running at once; more are dropped with a warning. */
  webhookPending: number;
  /** Desktop notifications per second, all topics together; more are kept in the inbox only (a flood would bury the desktop). */
  desktopPerSecond: number;
}

export const defaultSinkLimits: SinkLimits = {
  records: 10_000,
  logEvents: 100_000,
  queueMessages: 10_000,
  streamRecords: 100_000,
  tableItems: 100_000,
  webhook: { attempts: 3, backoffMs: 1_000, timeoutMs: 5_000 },
  webhookPending: 1_000,
  desktopPerSecond: 5,
};

/**
 * The seam for local functions (Kinesis consumers, Firehose transforms): the lambda runner satisfies it. A failed
 * invocation rejects with an EngineError whose `details.reason` is why (`NotFound`, `Busy`, `Threw`, `Timeout`, …).
 */
export interface FunctionRunner {
  /** Runs a function from the project's functions folder with an AWS-shaped event; resolves with its result. */
  invoke(name: string, event: unknown): Promise<unknown>;
}

/** The seam to the local S3 that Firehose delivers into (the objects service satisfies it). */
export interface ObjectPort {
  /** Creates the bucket unless it exists (Firehose's default bucket). */
  ensureBucket(bucket: string): Promise<void>;
  /** Stores an object; resolves once it is durable. NoSuchBucket when the bucket is missing. */
  put(bucket: string, key: string, body: Uint8Array, attrs?: { headers?: { 'content-type'?: string } }): Promise<unknown>;
  /** The first `max` bytes of an object; throws when it is gone. */
  readPrefix(bucket: string, key: string, max: number): Buffer;
}

export interface Target {
  kind: SinkKind;
  name: string;
  options: JsonObject;
  /** Kept by the sink (table view and columns, alarm state, consumer checkpoints). */
  state: JsonObject;
  created: number;
}

export interface SinkContext {
  store: Store;
  clock: Clock;
  logger: Logger;
  limits: SinkLimits;
  dataDir: string;
  functions: FunctionRunner | undefined;
  /** The local S3 (Firehose delivers into it); without it Firehose deliveries fail and stay buffered. */
  objects: ObjectPort | undefined;
  publish: ((msg: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean }) => Promise<void>) | undefined;
  /** Webhook hosts allowed besides loopback. */
  webhookHosts: readonly string[];
  ids: IdAllocator;
  log: RecordLog;
  /** The target or NotFound. */
  target(kind: SinkKind, name: string): Target;
  /** Persists a target's state; returns the statement to write with the change it belongs to. */
  stateStatement(target: Target): Statement;
  /** Tells listeners (the UI) about a new record. */
  recorded(kind: SinkKind, name: string, id: number, traceId: string | null, time: number): void;
  /** Wakes the readers of a stream's records or a table's change feed (Lambda event source mappings): new ones are durable. */
  appended(kind: 'stream' | 'table', name: string): void;
  /** Asks the UI to show a desktop notification (a notification topic's `desktop` subscription). */
  notified(notification: SinkNotified): void;
}

/** Next ids per table, so inserts carry explicit ids (known before the write, identical on journal replay). */
export class IdAllocator {
  private readonly next = new Map<string, number>();
  constructor(private readonly store: Store) {}

  take(table: 'sink_records' | 'sink_queue_messages' | 'sink_stream_records' | 'sink_firehose_buffer' | 'sink_table_items' | 'sink_table_changes' | 'log_events'): number {
    let n = this.next.get(table);
    if (n === undefined) n = (this.store.get<{ m: number | null }>(`SELECT MAX(id) AS m FROM ${table}`)?.m ?? 0) + 1;
    this.next.set(table, n + 1);
    return n;
  }
}

export const clampLimit = (q?: SinkRecordQuery) => Math.min(Math.max(q?.limit ?? 100, 0), 1000);

/**
 * The shared log of small records (`sink_records`): bounded per target, the oldest dropped first.
 * Counts live in memory so pruning needs no count query.
 */
export class RecordLog {
  private readonly counts = new Map<string, number>();

  constructor(private readonly store: Store, private readonly ids: IdAllocator, private readonly cap: number) {
    for (const r of store.all<{ kind: string; name: string; n: number }>('SELECT kind, name, COUNT(*) AS n FROM sink_records GROUP BY kind, name')) {
      this.counts.set(`${r.kind}\0${r.name}`, r.n);
    }
  }

  /** Statements appending one record (and dropping the oldest beyond the cap); the id is known at once. */
  append(kind: SinkKind, name: string, time: number, traceId: string | null, data: unknown): { id: number; statements: Statement[] } {
    const id = this.ids.take('sink_records');
    const key = `${kind}\0${name}`;
    const count = (this.counts.get(key) ?? 0) + 1;
    const excess = Math.max(0, count - this.cap);
    this.counts.set(key, count - excess);
    const statements: Statement[] = [{
      sql: 'INSERT INTO sink_records (id, kind, name, time, trace_id, data) VALUES (?, ?, ?, ?, ?, ?)',
      params: [id, kind, name, time, traceId, JSON.stringify(data)],
    }];
    if (excess) {
      statements.push({
        sql: 'DELETE FROM sink_records WHERE id IN (SELECT id FROM sink_records WHERE kind = ? AND name = ? ORDER BY id LIMIT ?)',
        params: [kind, name, excess],
      });
    }
    return { id, statements };
  }

  records(kind: SinkKind, name: string, q?: SinkRecordQuery): SinkRecord[] {
    return this.store.all<{ id: number; time: number; trace_id: string | null; data: string }>(
      `SELECT id, time, trace_id, data FROM sink_records WHERE kind = ? AND name = ? AND id > ? AND id < ?${q?.traceId === undefined ? '' : ' AND trace_id = ?'} ORDER BY id DESC LIMIT ?`,
      [kind, name, q?.after ?? 0, q?.before ?? Number.MAX_SAFE_INTEGER, ...(q?.traceId === undefined ? [] : [q.traceId]), clampLimit(q)],
    ).map((r) => ({ id: r.id, time: r.time, traceId: r.trace_id, data: JSON.parse(r.data) }));
  }

  count(kind: SinkKind, name: string): number {
    return this.counts.get(`${kind}\0${name}`) ?? 0;
  }

  /** Statements dropping a target's records (the caller writes them). */
  clear(kind: SinkKind, name: string): Statement[] {
    this.counts.delete(`${kind}\0${name}`);
    return [{ sql: 'DELETE FROM sink_records WHERE kind = ? AND name = ?', params: [kind, name] }];
  }
}
