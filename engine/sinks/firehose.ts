/**
 * Firehose-like delivery streams: records are buffered durably (in the store) and delivered by size or time as
 * objects into the local S3, under Firehose's key layout `<prefix>YYYY/MM/DD/HH/<stream>-1-YYYY-MM-DD-HH-MM-SS-<id>`.
 * The bucket is the `bucket` option (it must exist, as on AWS: until it does, deliveries fail and the records stay
 * buffered) or, without one, `thingbench-firehose` (created on first delivery) with the prefix `<stream>/`.
 * Each record is written as sent (the rule action appends its `separator`), followed by a newline
 * unless `appendNewline` is false or it already ends with one, so files are newline-delimited JSON for JSON records.
 * An optional `transform` function gets AWS's transformation event and returns records marked Ok/Dropped/ProcessingFailed.
 *
 * LIMITATIONS: delivery is at-least-once (a crash between storing an object and recording it delivers it again);
 * no compression, format conversion, dynamic partitioning or error-output prefix; a transform needs the function
 * runner (without it records are delivered untransformed, with a warning). Delivered objects are the user's, as in
 * S3: the record log of deliveries is bounded, the objects are not removed.
 */
import crypto from 'node:crypto';
import type { SinkRecord, SinkRecordQuery } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import type { Statement } from '../storage/index.js';
import type { SinkContext, Target } from './sink-context.js';
import { arnOf, REGION } from './sink-options.js';

interface Buffered { id: number; data: Uint8Array; time: number; trace_id: string | null }

const pad = (n: number) => String(n).padStart(2, '0');

/** Where a delivery stream without a `bucket` option delivers. */
export const DEFAULT_FIREHOSE_BUCKET = 'thingbench-firehose';

export class FirehoseSink {
  private readonly bytes = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly flushing = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly ctx: SinkContext) {}

  /** PutRecord: buffered durably; delivered when the buffer reaches its size or interval. */
  async put(stream: string, data: Buffer, traceId: string | null = null): Promise<{ recordId: string }> {
    const target = this.ctx.target('firehose', stream);
    if (data.length > 1000 * 1024) throw new EngineError('TooLarge', 'Firehose records are at most 1,000 KiB');
    const now = this.ctx.clock.now();
    const id = this.ctx.ids.take('sink_firehose_buffer');
    await this.ctx.store.write([{ sql: 'INSERT INTO sink_firehose_buffer (id, stream, data, time, trace_id) VALUES (?, ?, ?, ?, ?)', params: [id, stream, new Uint8Array(data), now, traceId] }]);
    const size = (this.bytes.get(stream) ?? 0) + data.length;
    this.bytes.set(stream, size);
    if (size >= (target.options.bufferSizeBytes as number)) void this.flush(stream).catch(() => {});
    else this.schedule(target, now);
    return { recordId: `${id}` };
  }

  /** Delivers what is buffered now (also used by the size and time triggers); resolves when the file is recorded. */
  flush(stream: string): Promise<void> {
    const previous = this.flushing.get(stream) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(stream)).catch((e: Error) => {
      this.ctx.logger.log('warn', 'sinks.firehose', `delivery stream ${stream}: delivery failed: ${e.message}; the records stay buffered`);
      throw e;
    });
    this.flushing.set(stream, next.catch(() => {}));
    return next;
  }

  /** Schedules delivery of records buffered before a restart. */
  resume(targets: Target[]): void {
    for (const t of targets) {
      const row = this.ctx.store.get<{ n: number; bytes: number | null; oldest: number | null }>(
        'SELECT COUNT(*) AS n, SUM(length(data)) AS bytes, MIN(time) AS oldest FROM sink_firehose_buffer WHERE stream = ?', [t.name]);
      if (!row?.n) continue;
      this.bytes.set(t.name, row.bytes ?? 0);
      this.schedule(t, row.oldest ?? this.ctx.clock.now());
    }
  }

  /** Delivered objects, newest first, each with its bucket and key and its first 16 KiB (null once deleted). */
  records(stream: string, q?: SinkRecordQuery): SinkRecord[] {
    return this.ctx.log.records('firehose', stream, q).map((r) => {
      const { bucket, key } = r.data as { bucket: string; key: string };
      let content: string | null = null;
      try {
        content = this.ctx.objects?.readPrefix(bucket, key, 16_384).toString('utf8') ?? null;
      } catch { /* deleted from the bucket */ }
      return { ...r, data: { ...(r.data as object), content } };
    });
  }

  /** Records waiting in the buffer. */
  buffered(stream: string): number {
    return this.ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM sink_firehose_buffer WHERE stream = ?', [stream])?.n ?? 0;
  }

  clear(stream: string): Statement[] {
    this.bytes.delete(stream);
    clearTimeout(this.timers.get(stream));
    this.timers.delete(stream);
    return [{ sql: 'DELETE FROM sink_firehose_buffer WHERE stream = ?', params: [stream] }];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.flushing.values());
  }

  private schedule(target: Target, since: number): void {
    if (this.timers.has(target.name) || this.stopped) return;
    const delay = Math.max(0, since + (target.options.bufferIntervalSeconds as number) * 1000 - this.ctx.clock.now());
    const timer = setTimeout(() => {
      this.timers.delete(target.name);
      void this.flush(target.name).catch(() => {});
    }, delay);
    timer.unref();
    this.timers.set(target.name, timer);
  }

  private async deliver(stream: string): Promise<void> {
    clearTimeout(this.timers.get(stream));
    this.timers.delete(stream);
    let target: Target;
    try {
      target = this.ctx.target('firehose', stream);
    } catch {
      return; // deleted meanwhile
    }
    const rows = this.ctx.store.all<Buffered>('SELECT id, data, time, trace_id FROM sink_firehose_buffer WHERE stream = ? ORDER BY id', [stream]);
    this.bytes.set(stream, 0);
    if (!rows.length) return;
    const parts = await this.transform(target, rows);
    const newline = target.options.appendNewline !== false;
    const body = Buffer.concat(parts.flatMap((p) => (newline && p[p.length - 1] !== 0x0a ? [p, Buffer.from('\n')] : [p])));
    const now = this.ctx.clock.now();
    const d = new Date(now);
    const stamp = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
    const bucket = (target.options.bucket as string | undefined) ?? DEFAULT_FIREHOSE_BUCKET;
    const prefix = (target.options.prefix as string | undefined) ?? (target.options.bucket === undefined ? `${stream}/` : '');
    const key = `${prefix}${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}/${stream}-1-${stamp}-${crypto.randomUUID()}`;
    const objects = this.ctx.objects;
    if (!objects) throw new EngineError('Unavailable', 'Firehose delivers into the local S3, which this engine does not run');
    if (bucket === DEFAULT_FIREHOSE_BUCKET) await objects.ensureBucket(bucket);
    await objects.put(bucket, key, body);
    const traceIds = [...new Set(rows.map((r) => r.trace_id).filter((t): t is string => t !== null))].slice(0, 100);
    const { id, statements } = this.ctx.log.append('firehose', stream, now, traceIds[0] ?? null, { bucket, key, bytes: body.length, records: parts.length, traceIds });
    await this.ctx.store.write([{ sql: 'DELETE FROM sink_firehose_buffer WHERE stream = ? AND id <= ?', params: [stream, rows.at(-1)!.id] }, ...statements]);
    this.ctx.recorded('firehose', stream, id, traceIds[0] ?? null, now);
  }

  private async transform(target: Target, rows: Buffered[]): Promise<Buffer[]> {
    const fn = target.options.transform as string | undefined;
    const plain = rows.map((r) => Buffer.from(r.data));
    if (fn === undefined) return plain;
    if (!this.ctx.functions) {
      this.ctx.logger.log('warn', 'sinks.firehose', `delivery stream ${target.name}: transform ${fn} needs the function runner; delivering untransformed`);
      return plain;
    }
    const result = await this.ctx.functions.invoke(fn, {
      invocationId: crypto.randomUUID(), deliveryStreamArn: arnOf('firehose', target.name), region: REGION,
      records: rows.map((r) => ({ recordId: String(r.id), approximateArrivalTimestamp: r.time, data: Buffer.from(r.data).toString('base64') })),
    }) as { records?: Array<{ recordId: string; result: string; data?: string }> };
    if (!Array.isArray(result?.records)) throw new EngineError('InvalidInput', `transform ${fn} returned no records list`);
    return result.records.filter((r) => r.result === 'Ok' && typeof r.data === 'string').map((r) => Buffer.from(r.data!, 'base64'));
  }
}
