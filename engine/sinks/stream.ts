/**
 * Kinesis-like local streams: shards own even ranges of the 128-bit hash key space, a record goes to the shard
 * whose range holds the MD5 of its partition key (as AWS does), sequence numbers grow per stream, records expire
 * after the retention period, and shard iterators of every AWS type read them back. A stream's `consumer` is a
 * local function fed batches in AWS's Kinesis event shape, checkpointed per shard.
 *
 * LIMITATIONS: no resharding, explicit hash keys, enhanced fan-out or per-shard throughput limits; a consumer runs
 * only when the engine has a function runner (the lambda runner's seam: `FunctionRunner`).
 */
import crypto from 'node:crypto';
import type { SinkRecord, SinkRecordQuery } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import type { Statement } from '../storage/index.js';
import { ACCOUNT, arnOf, REGION } from './sink-options.js';
import { clampLimit, type SinkContext, type Target } from './sink-context.js';

export type IteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';

export interface StreamRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Buffer;
  approximateArrivalTimestamp: number;
  traceId: string | null;
}

interface Row {
  id: number;
  shard: number;
  seq: string;
  partition_key: string;
  data: Uint8Array;
  time: number;
  trace_id: string | null;
}

const SPACE = 1n << 128n;

/** The shard (0-based) whose hash key range holds MD5(partitionKey), ranges split evenly as CreateStream does. */
export function shardFor(partitionKey: string, shardCount: number): number {
  return shardOfHash(BigInt('0x' + crypto.createHash('md5').update(partitionKey, 'utf8').digest('hex')), shardCount);
}

/** The shard whose hash key range holds `hash` (a 128-bit key: an MD5, or PutRecord's ExplicitHashKey). */
export function shardOfHash(hash: bigint, shardCount: number): number {
  for (let i = 0; i < shardCount; i++) if (hash <= endingHashKey(i, shardCount)) return i;
  return shardCount - 1;
}

export const startingHashKey = (i: number, n: number) => (SPACE * BigInt(i)) / BigInt(n);
export const endingHashKey = (i: number, n: number) => (SPACE * BigInt(i + 1)) / BigInt(n) - 1n;
export const shardId = (i: number) => `shardId-${String(i).padStart(12, '0')}`;

/** 56 digits like AWS's: '49', the shard, then a per-stream counter; fixed width, so text order is numeric order. */
const sequenceNumber = (shard: number, n: number) => `49${String(shard).padStart(3, '0')}${String(n).padStart(51, '0')}`;

/** One record of a PutRecords batch. */
export interface StreamEntry { data: Buffer; partitionKey: string; explicitHashKey?: string; traceId?: string | null }

interface Position { stream: string; shard: number; op: '>' | '>='; seq: string }

export class StreamSink {
  /** Per stream: last counter, records kept, oldest arrival time. */
  private readonly meta = new Map<string, { counter: number; count: number; oldest: number }>();
  private readonly draining = new Set<string>();

  constructor(private readonly ctx: SinkContext) {}

  /** PutRecord: NotFound for a missing stream. */
  async put(stream: string, data: Buffer, partitionKey: string, traceId: string | null = null): Promise<{ shardId: string; sequenceNumber: string }> {
    return (await this.putMany(stream, [{ data, partitionKey, traceId }]))[0]!;
  }

  /**
   * PutRecords: every entry in one durable write (one fsync for the batch, not one per record), in the order given, so
   * records of a shard keep the batch's order. An explicit hash key picks the shard instead of the partition key's MD5.
   */
  async putMany(stream: string, entries: StreamEntry[]): Promise<Array<{ shardId: string; sequenceNumber: string }>> {
    const target = this.ctx.target('stream', stream);
    for (const e of entries) {
      if (e.partitionKey.length < 1 || e.partitionKey.length > 256) throw new EngineError('InvalidInput', 'the partition key must have 1 to 256 characters');
      if (e.data.length > 1024 * 1024) throw new EngineError('TooLarge', 'Kinesis records are at most 1 MiB');
    }
    const meta = this.metaOf(stream);
    const now = this.ctx.clock.now();
    const shardCount = target.options.shardCount as number;
    const statements: Statement[] = [];
    const written = entries.map((e) => {
      const shard = e.explicitHashKey === undefined ? shardFor(e.partitionKey, shardCount) : shardOfHash(BigInt(e.explicitHashKey), shardCount);
      const seq = sequenceNumber(shard, ++meta.counter);
      const id = this.ctx.ids.take('sink_stream_records');
      statements.push({
        sql: 'INSERT INTO sink_stream_records (id, stream, shard, seq, partition_key, data, time, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        params: [id, stream, shard, seq, e.partitionKey, new Uint8Array(e.data), now, e.traceId ?? null],
      });
      return { id, shard, seq, traceId: e.traceId ?? null };
    });
    if (meta.count === 0 && written.length) meta.oldest = now;
    meta.count += written.length;
    statements.push(...this.trim(target, meta, now, written.length));
    await this.ctx.store.write(statements);
    for (const w of written) this.ctx.recorded('stream', stream, w.id, w.traceId, now);
    this.ctx.appended('stream', stream);
    if (target.options.consumer !== undefined) this.drain(target);
    return written.map((w) => ({ shardId: shardId(w.shard), sequenceNumber: w.seq }));
  }

  /** GetShardIterator: an opaque iterator string; AT_/AFTER_SEQUENCE_NUMBER need `sequenceNumber`, AT_TIMESTAMP `timestamp` (epoch ms). */
  iterator(stream: string, shard: string, type: IteratorType, opts: { sequenceNumber?: string; timestamp?: number } = {}): string {
    const target = this.ctx.target('stream', stream);
    const index = /^shardId-(\d{12})$/.exec(shard) ? Number(shard.slice(8)) : -1;
    if (index < 0 || index >= (target.options.shardCount as number)) throw new EngineError('NotFound', `shard ${shard} of stream ${stream} does not exist`);
    let pos: Position;
    switch (type) {
      case 'TRIM_HORIZON': pos = { stream, shard: index, op: '>', seq: '' }; break;
      case 'LATEST': pos = { stream, shard: index, op: '>', seq: this.lastSeq(stream, index) }; break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER':
        if (!opts.sequenceNumber || !/^\d{1,128}$/.test(opts.sequenceNumber)) throw new EngineError('InvalidInput', `${type} needs a StartingSequenceNumber`);
        pos = { stream, shard: index, op: type === 'AT_SEQUENCE_NUMBER' ? '>=' : '>', seq: opts.sequenceNumber.padStart(56, '0') };
        break;
      case 'AT_TIMESTAMP': {
        if (typeof opts.timestamp !== 'number' || !Number.isFinite(opts.timestamp)) throw new EngineError('InvalidInput', 'AT_TIMESTAMP needs a Timestamp');
        const first = this.ctx.store.get<{ seq: string }>('SELECT seq FROM sink_stream_records WHERE stream = ? AND shard = ? AND time >= ? ORDER BY seq LIMIT 1', [stream, index, opts.timestamp]);
        pos = first ? { stream, shard: index, op: '>=', seq: first.seq } : { stream, shard: index, op: '>', seq: this.lastSeq(stream, index) };
        break;
      }
      default: throw new EngineError('InvalidInput', `unknown ShardIteratorType ${String(type)}`);
    }
    return encode(pos);
  }

  /** GetRecords: up to `limit` (1–10000) records from the iterator's position, the next iterator and the lag. */
  read(iterator: string, limit = 10_000): { records: StreamRecord[]; nextShardIterator: string; millisBehindLatest: number } {
    const pos = decode(iterator);
    this.ctx.target('stream', pos.stream);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new EngineError('InvalidInput', 'Limit must be from 1 to 10000');
    const rows = this.ctx.store.all<Row>(
      `SELECT id, shard, seq, partition_key, data, time, trace_id FROM sink_stream_records WHERE stream = ? AND shard = ? AND seq ${pos.op} ? ORDER BY seq LIMIT ?`,
      [pos.stream, pos.shard, pos.seq, limit]);
    const records = rows.map((r) => ({
      sequenceNumber: r.seq, partitionKey: r.partition_key, data: Buffer.from(r.data), approximateArrivalTimestamp: r.time, traceId: r.trace_id,
    }));
    const last = rows.at(-1);
    const next: Position = last ? { ...pos, op: '>', seq: last.seq } : pos;
    const latest = this.ctx.store.get<{ time: number }>('SELECT time FROM sink_stream_records WHERE stream = ? AND shard = ? ORDER BY seq DESC LIMIT 1', [pos.stream, pos.shard]);
    const behind = last && latest ? Math.max(0, latest.time - last.time) : 0;
    return { records, nextShardIterator: encode(next), millisBehindLatest: behind };
  }

  shards(stream: string): Array<{ shardId: string; startingHashKey: string; endingHashKey: string }> {
    const n = this.ctx.target('stream', stream).options.shardCount as number;
    return Array.from({ length: n }, (_, i) => ({ shardId: shardId(i), startingHashKey: String(startingHashKey(i, n)), endingHashKey: String(endingHashKey(i, n)) }));
  }

  /** IncreaseStreamRetentionPeriod / DecreaseStreamRetentionPeriod: the new retention applies from the next write. */
  async setRetention(stream: string, hours: number): Promise<void> {
    const target = this.ctx.target('stream', stream);
    if (!Number.isInteger(hours) || hours < 1 || hours > 8760) throw new EngineError('InvalidInput', 'the retention period must be from 1 to 8760 hours');
    target.options.retentionHours = hours;
    await this.ctx.store.write([{ sql: "UPDATE sink_targets SET options = ? WHERE kind = 'stream' AND name = ?", params: [JSON.stringify(target.options), stream] }]);
  }

  count(stream: string): number {
    return this.metaOf(stream).count;
  }

  records(stream: string, q?: SinkRecordQuery): SinkRecord[] {
    return this.ctx.store.all<Row>(
      `SELECT id, shard, seq, partition_key, data, time, trace_id FROM sink_stream_records WHERE stream = ? AND id > ? AND id < ?${q?.traceId === undefined ? '' : ' AND trace_id = ?'} ORDER BY id DESC LIMIT ?`,
      [stream, q?.after ?? 0, q?.before ?? Number.MAX_SAFE_INTEGER, ...(q?.traceId === undefined ? [] : [q.traceId]), clampLimit(q)],
    ).map((r) => ({
      id: r.id, time: r.time, traceId: r.trace_id,
      data: { shardId: shardId(r.shard), sequenceNumber: r.seq, partitionKey: r.partition_key, data: Buffer.from(r.data).toString('base64'), text: textPreview(r.data) },
    }));
  }

  clear(stream: string): Statement[] {
    this.meta.delete(stream);
    return [{ sql: 'DELETE FROM sink_stream_records WHERE stream = ?', params: [stream] }];
  }

  /** Starts consumers that have records past their checkpoint (after a restart). */
  resume(targets: Target[]): void {
    for (const t of targets) if (t.options.consumer !== undefined) this.drain(t);
  }

  private metaOf(stream: string) {
    let meta = this.meta.get(stream);
    if (!meta) {
      const row = this.ctx.store.get<{ n: number; oldest: number | null; seq: string | null }>(
        'SELECT COUNT(*) AS n, MIN(time) AS oldest, MAX(substr(seq, 6)) AS seq FROM sink_stream_records WHERE stream = ?', [stream]);
      const counterRow = this.ctx.store.get<{ c: number | null }>(
        "SELECT CAST(json_extract(state, '$.counter') AS INTEGER) AS c FROM sink_targets WHERE kind = 'stream' AND name = ?", [stream]);
      meta = { counter: Math.max(Number(row?.seq ?? 0), counterRow?.c ?? 0), count: row?.n ?? 0, oldest: row?.oldest ?? 0 };
      this.meta.set(stream, meta);
    }
    return meta;
  }

  private lastSeq(stream: string, shard: number): string {
    return this.ctx.store.get<{ seq: string }>('SELECT seq FROM sink_stream_records WHERE stream = ? AND shard = ? ORDER BY seq DESC LIMIT 1', [stream, shard])?.seq ?? '';
  }

  /** Retention by age, then by count; the counter is saved in the target's state so trimmed numbers are never reused. */
  private trim(target: Target, meta: { counter: number; count: number; oldest: number }, now: number, added: number): Statement[] {
    const out: Statement[] = [];
    const cutoff = now - (target.options.retentionHours as number) * 3_600_000;
    if (meta.count > 0 && meta.oldest < cutoff) {
      out.push({ sql: 'DELETE FROM sink_stream_records WHERE stream = ? AND time < ?', params: [target.name, cutoff] });
      const left = this.ctx.store.get<{ n: number; oldest: number | null }>('SELECT COUNT(*) AS n, MIN(time) AS oldest FROM sink_stream_records WHERE stream = ? AND time >= ?', [target.name, cutoff]);
      meta.count = (left?.n ?? 0) + added;
      meta.oldest = Math.min(left?.oldest ?? now, now);
    }
    const excess = meta.count - this.ctx.limits.streamRecords;
    if (excess > 0) {
      out.push({ sql: 'DELETE FROM sink_stream_records WHERE id IN (SELECT id FROM sink_stream_records WHERE stream = ? ORDER BY id LIMIT ?)', params: [target.name, excess] });
      meta.count -= excess;
    }
    if (out.length) {
      target.state.counter = meta.counter;
      out.push(this.ctx.stateStatement(target));
    }
    return out;
  }

  /** Feeds a consumer function batches of up to 100 records per shard past its checkpoint, one batch at a time. */
  private drain(target: Target): void {
    const runner = this.ctx.functions;
    if (!runner || this.draining.has(target.name)) return;
    this.draining.add(target.name);
    const name = target.name;
    const fn = target.options.consumer as string;
    void (async () => {
      try {
        for (;;) {
          const current = this.ctx.target('stream', name);
          const checkpoints = (current.state.checkpoints ?? {}) as Record<string, string>;
          let fed = false;
          for (let shard = 0; shard < (current.options.shardCount as number); shard++) {
            const rows = this.ctx.store.all<Row>('SELECT id, shard, seq, partition_key, data, time, trace_id FROM sink_stream_records WHERE stream = ? AND shard = ? AND seq > ? ORDER BY seq LIMIT 100',
              [name, shard, checkpoints[shard] ?? '']);
            if (!rows.length) continue;
            await runner.invoke(fn, kinesisEvent(name, rows));
            current.state.checkpoints = { ...checkpoints, [shard]: rows.at(-1)!.seq };
            await this.ctx.store.write([this.ctx.stateStatement(current)]);
            fed = true;
          }
          if (!fed) return;
        }
      } catch (e) {
        this.ctx.logger.log('warn', 'sinks.stream', `stream ${name}: consumer ${fn} failed: ${(e as Error).message}; it resumes with the next record`);
      } finally {
        this.draining.delete(name);
      }
    })();
  }
}

function kinesisEvent(stream: string, rows: Row[]) {
  return {
    Records: rows.map((r) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0', partitionKey: r.partition_key, sequenceNumber: r.seq,
        data: Buffer.from(r.data).toString('base64'), approximateArrivalTimestamp: r.time / 1000,
      },
      eventSource: 'aws:kinesis', eventVersion: '1.0', eventID: `${shardId(r.shard)}:${r.seq}`, eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/thingbench-local`, awsRegion: REGION, eventSourceARN: arnOf('stream', stream),
    })),
  };
}

const encode = (p: Position) => Buffer.from(JSON.stringify(p)).toString('base64url');

function decode(iterator: string): Position {
  try {
    const p = JSON.parse(Buffer.from(iterator, 'base64url').toString()) as Position;
    if (typeof p.stream === 'string' && Number.isInteger(p.shard) && (p.op === '>' || p.op === '>=') && typeof p.seq === 'string') return p;
  } catch { /* refused below */ }
  throw new EngineError('InvalidInput', 'invalid ShardIterator');
}

function textPreview(data: Uint8Array): string | null {
  const text = Buffer.from(data.subarray(0, 16_384)).toString('utf8');
  return text.includes('\uFFFD') ? null : text;
}
