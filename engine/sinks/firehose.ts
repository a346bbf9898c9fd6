/**
 * Firehose-like delivery streams: records are buffered durably (in the store) and delivered by size or time as
 * objects into the local S3, under Firehose's key layout `<prefix>YYYY/MM/DD/HH/<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<id>`
 * (prefix expressions: firehose-prefix.ts). The bucket is the `bucket` option (it must exist, as on AWS: until it
 * does, deliveries fail and the records stay buffered) or, without one, `thingbench-firehose` (created on first
 * delivery) with the prefix `<stream>/`. Each record is written as sent (the rule action appends its `separator`),
 * followed by a newline unless `appendNewline` is false or it already ends with one, so files are newline-delimited
 * JSON for JSON records. Delivery streams made through Firehose's API concatenate records as sent, as Firehose does,
 * unless their AppendDelimiterToRecord processor asks for a newline after each (`appendDelimiter`). A `transform` function (Firehose's Lambda processor, firehose-transform.ts) gets AWS's
 * transformation event: records it marks Ok are delivered transformed, Dropped ones not, and ProcessingFailed ones
 * (and every record of a batch whose invocation failed after its retries) are written as Firehose's error records
 * under the error output prefix (`<prefix>processing-failed/YYYY/MM/DD/HH/` by default).
 *
 * LIMITATIONS: delivery is at-least-once (a crash between storing an object and recording it delivers it again, and
 * transforms it again); no compression, format conversion or dynamic partitioning; the transform runs when the
 * destination's buffer is delivered (the processor's own buffer interval is kept, not applied; its buffer size splits
 * the batch into invocations); a transform needs the function runner (without it records are delivered
 * untransformed, with a warning). Delivered objects are the user's, as in S3: the record log of deliveries is
 * bounded, the objects are not removed.
 */
import crypto from 'node:crypto';
import type { JsonObject, JsonValue, SinkRecord, SinkRecordQuery } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import type { Statement } from '../storage/index.js';
import type { SinkContext, Target } from './sink-context.js';
import { ACCOUNT, arnOf, normalizeOptions, REGION } from './sink-options.js';
import { errorPrefix, objectPrefix } from './firehose-prefix.js';
import { transformRecords, type TransformOutcome } from './firehose-transform.js';

interface Buffered { id: number; data: Uint8Array; time: number; trace_id: string | null }

const pad = (n: number) => String(n).padStart(2, '0');
const NEWLINE = Buffer.from('\n');

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

  /**
   * Changes a delivery stream's options (UpdateDestination): `null` removes one; the rest is checked as at creation.
   * Records already buffered are delivered with the new options.
   */
  async setOptions(stream: string, patch: Record<string, JsonValue | undefined>): Promise<void> {
    const target = this.ctx.target('firehose', stream);
    const merged: JsonObject = { ...target.options };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else if (value !== undefined) merged[key] = value;
    }
    const options = normalizeOptions('firehose', merged);
    await this.ctx.store.write([{ sql: 'UPDATE sink_targets SET options = ? WHERE kind = ? AND name = ?', params: [JSON.stringify(options), 'firehose', stream] }]);
    target.options = options;
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
    const objects = this.ctx.objects;
    if (!objects) throw new EngineError('Unavailable', 'Firehose delivers into the local S3, which this engine does not run');
    const outcomes = await this.transform(target, rows);
    const o = target.options;
    const bucket = (o.bucket as string | undefined) ?? DEFAULT_FIREHOSE_BUCKET;
    const prefix = (o.prefix as string | undefined) ?? (o.bucket === undefined ? `${stream}/` : '');
    const now = this.ctx.clock.now();
    const d = new Date(now);
    const stamp = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
    const suffix = () => `${stream}-${(o.versionId as number | undefined) ?? 1}-${stamp}-${crypto.randomUUID()}`;
    const newline = o.appendNewline !== false;
    const delivered = outcomes.flatMap((r) => (r.result === 'Ok' ? [r.data] : []));
    const failed = outcomes.flatMap((r) => (r.result === 'ProcessingFailed' ? [Buffer.from(`${JSON.stringify(r.error)}\n`)] : []));
    if (bucket === DEFAULT_FIREHOSE_BUCKET) await objects.ensureBucket(bucket);
    const traceIds = [...new Set(rows.map((r) => r.trace_id).filter((t): t is string => t !== null))].slice(0, 100);
    const logged: Array<{ id: number; data: JsonObject }> = [];
    const statements: Statement[] = [];
    const write = async (key: string, body: Buffer, records: number, extra: JsonObject) => {
      await objects.put(bucket, key, body);
      const entry = { bucket, key, bytes: body.length, records, traceIds, ...extra };
      const appended = this.ctx.log.append('firehose', stream, now, traceIds[0] ?? null, entry);
      statements.push(...appended.statements);
      logged.push({ id: appended.id, data: entry });
    };
    if (delivered.length) {
      const body = Buffer.concat(delivered.flatMap((p) => (o.appendDelimiter === true || (newline && p[p.length - 1] !== 0x0a) ? [p, NEWLINE] : [p])));
      await write(`${objectPrefix(prefix, d)}${suffix()}`, body, delivered.length, {});
    }
    if (failed.length) {
      await write(`${errorPrefix(prefix, o.errorOutputPrefix as string | undefined, 'processing-failed', d)}${suffix()}`, Buffer.concat(failed), failed.length, { errorOutputType: 'processing-failed' });
    }
    await this.ctx.store.write([{ sql: 'DELETE FROM sink_firehose_buffer WHERE stream = ? AND id <= ?', params: [stream, rows.at(-1)!.id] }, ...statements]);
    for (const l of logged) this.ctx.recorded('firehose', stream, l.id, traceIds[0] ?? null, now);
  }

  private async transform(target: Target, rows: Buffered[]): Promise<TransformOutcome[]> {
    const fn = target.options.transform as string | undefined;
    const plain = rows.map((r): TransformOutcome => ({ result: 'Ok', data: Buffer.from(r.data) }));
    if (fn === undefined) return plain;
    if (!this.ctx.functions) {
      this.ctx.logger.log('warn', 'sinks.firehose', `delivery stream ${target.name}: transform ${fn} needs the function runner; delivering untransformed`);
      return plain;
    }
    const o = target.options;
    const outcomes = await transformRecords(this.ctx.functions, {
      fn, lambdaArn: (o.transformArn as string | undefined) ?? `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`,
      retries: (o.transformRetries as number | undefined) ?? 3, batchBytes: (o.transformBatchBytes as number | undefined) ?? 1024 * 1024,
      deliveryStreamArn: arnOf('firehose', target.name), region: REGION,
    }, rows.map((r) => ({ id: r.id, data: Buffer.from(r.data), time: r.time })), () => this.ctx.clock.now());
    const failed = outcomes.filter((r) => r.result === 'ProcessingFailed');
    if (failed.length) {
      const first = (failed[0] as Extract<TransformOutcome, { result: 'ProcessingFailed' }>).error;
      this.ctx.logger.log('warn', 'sinks.firehose', `delivery stream ${target.name}: ${failed.length} of ${rows.length} records failed processing by ${fn} (${first.errorCode}: ${first.errorMessage}); they go to the error output prefix`);
    }
    return outcomes;
  }
}
