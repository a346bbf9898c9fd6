/**
 * The poller of a stream event source mapping (Kinesis or DynamoDB Streams) [Lambda DG: "Using AWS Lambda with
 * Amazon Kinesis", "Using AWS Lambda with Amazon DynamoDB"]: one loop per shard reads up to `batchSize` records
 * past the shard's checkpoint, waits up to `MaximumBatchingWindowInSeconds` for a fuller batch, and invokes the
 * function synchronously; the next batch of a shard starts only once the previous one succeeded or was given up, so
 * records stay in order per shard. A loop with nothing to read sleeps until the source says it has new records
 * (`wake`), never on a polling timer.
 *
 * Errors: a failed batch is retried (with backoff) until `MaximumRetryAttempts` or `MaximumRecordAgeInSeconds`
 * gives it up, or its records leave the stream (its retention period); `BisectBatchOnFunctionError` splits a failing batch in two first (splits do not count as retries).
 * With `ReportBatchItemFailures`, the checkpoint moves to the first failed record (the lowest sequence number the
 * function lists) and only the rest is retried; an identifier that is empty or not in the batch fails the whole
 * batch. A batch given up goes to `DestinationConfig.OnFailure` as Lambda's invocation record (`requestContext`,
 * `responseContext`, `KinesisBatchInfo` or `DDBStreamBatchInfo`), and the checkpoint moves past it. Checkpoints
 * are saved (`save`) after every batch, so a restart resumes where the mapping was.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/index.js';
import type { FunctionResult } from './invocation.js';
import type { EventSourceMapping } from './mapping-settings.js';
import { matchesAny, parseFilterCriteria } from './event-filter.js';

/** One record of a shard, as the function will see it. */
export interface SourceRecord {
  /** The sequence number: what `batchItemFailures[].itemIdentifier` names. */
  id: string;
  /** Arrival (Kinesis) or creation (DynamoDB) time, epoch ms. */
  arrival: number;
  /** The event record (one of `Records`). */
  event: Record<string, unknown>;
  /** The position just after this record (the checkpoint once it is done). */
  after: string;
}

/** A stream as the poller reads it (stream-sources.ts makes one for Kinesis and one for DynamoDB). */
export interface StreamSource {
  /** The shards to read now (new ones may appear). */
  shards(): string[];
  /** Where a shard's reading starts: the mapping's StartingPosition, or the shard's first record (`fromStart`). */
  initial(shard: string, fromStart?: boolean): string;
  read(shard: string, position: string, limit: number): SourceRecord[];
  /** The invocation record's member that describes a failed batch. */
  batchInfo: 'KinesisBatchInfo' | 'DDBStreamBatchInfo';
  /** How that member writes arrival times. */
  arrivalText(ms: number): string;
  /** How long the stream keeps records (undefined: unknown). */
  retentionMs(): number | undefined;
  /** What a filter pattern sees of an event record (event-filter.ts). */
  filterView(event: Record<string, unknown>): unknown;
}

export interface StreamPollerDeps {
  logger: Logger;
  now(): number;
  /** The ARN of the function a mapping invokes (it may change with UpdateEventSourceMapping). */
  functionArn(name: string): string;
  invoke(name: string, event: unknown): Promise<FunctionResult>;
  /** Persists the mapping (its checkpoints). */
  save(): Promise<void>;
  /** Sends an invocation record to an SQS queue or SNS topic ARN. */
  sendFailure(destination: string, record: string): Promise<void>;
}

/** An invocation payload stays under Lambda's 6 MB synchronous limit. */
const MAX_PAYLOAD = 6 * 1024 * 1024 - 1024;
const BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 10_000;
/** After a read error (the stream deleted, …) a shard tries again after this long, or at its next write. */
const ERROR_WAIT_MS = 5_000;
const SHARD_CHECK_MS = 1_000;

type Outcome = { ok: true } | { ok: false; functionError?: string; statusCode: number };

export class StreamPoller {
  private readonly controller = new AbortController();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  private warned = false;
  private shardsCheckedAt = -Infinity;

  constructor(private readonly m: EventSourceMapping, private readonly source: StreamSource, private readonly deps: StreamPollerDeps) {}

  /** Starts a loop for every shard the source has (call again, or `wake`, to pick up new shards). */
  start(): void {
    this.shardsCheckedAt = this.deps.now();
    let shards: string[];
    try {
      shards = this.source.shards();
    } catch (e) {
      this.warnOnce(`cannot list the shards of ${this.m.eventSourceArn}: ${(e as Error).message}`);
      return;
    }
    for (const shard of shards) {
      if (this.loops.has(shard)) continue;
      this.loops.set(shard, this.runShard(shard).catch((e: Error) => this.deps.logger.log('error', 'functions', `event source mapping ${this.m.uuid}: shard ${shard} stopped: ${e.message}`)));
    }
  }

  /** The source has new records: sleeping shards read again, new shards get a loop. */
  wake(): void {
    if (this.controller.signal.aborted) return;
    const sleepers = [...this.sleepers];
    this.sleepers.clear();
    for (const s of sleepers) s();
    // New shards are looked for at most once a second, not on every write.
    if (this.deps.now() - this.shardsCheckedAt >= SHARD_CHECK_MS) this.start();
  }

  /** Stops reading; resolves once every shard's batch in flight has finished and its checkpoint is saved. */
  async stop(): Promise<void> {
    this.controller.abort();
    for (const s of [...this.sleepers]) s();
    this.sleepers.clear();
    await Promise.all(this.loops.values());
  }

  private get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  /** Resolves at the next `wake`, after `ms` (if given), or when the poller stops. */
  private sleep(ms?: number): Promise<void> {
    if (this.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      this.sleepers.add(done);
      if (ms !== undefined) timer = setTimeout(done, Math.max(0, ms));
    });
  }

  private async runShard(shard: string): Promise<void> {
    const positions = (this.m.positions ??= {});
    if (positions[shard] === undefined) {
      // A shard that appeared after the mapping was created is read from its first record, as Lambda reads child shards.
      positions[shard] = this.source.initial(shard, true);
      await this.deps.save();
    }
    while (!this.aborted) {
      let records = this.read(shard, positions[shard]);
      if (!records) {
        await this.sleep(ERROR_WAIT_MS);
        continue;
      }
      if (!records.length) {
        await this.sleep();
        continue;
      }
      const windowMs = this.m.maximumBatchingWindowInSeconds * 1000;
      if (records.length < this.m.batchSize && windowMs > 0) {
        const deadline = this.deps.now() + windowMs;
        while (!this.aborted && records.length < this.m.batchSize && this.deps.now() < deadline) {
          await this.sleep(deadline - this.deps.now());
          records = this.read(shard, positions[shard]) ?? records;
        }
        if (this.aborted) return;
      }
      records = fitPayload(records);
      // Records no filter matches are passed over: the checkpoint moves past them.
      const patterns = parseFilterCriteria(this.m.filterCriteria);
      const kept = patterns.length ? records.filter((r) => matchesAny(patterns, this.source.filterView(r.event))) : records;
      if (kept.length && !(await this.process(shard, kept))) return;
      if (kept.at(-1) !== records.at(-1)) await this.checkpoint(shard, records.at(-1)!.after);
    }
  }

  /** The next records past `position`; null (logged once) when the source cannot be read. */
  private read(shard: string, position: string): SourceRecord[] | null {
    try {
      const records = this.source.read(shard, position, this.m.batchSize);
      this.warned = false;
      return records;
    } catch (e) {
      this.warnOnce(`cannot read ${shard} of ${this.m.eventSourceArn}: ${(e as Error).message}`);
      return null;
    }
  }

  private async checkpoint(shard: string, position: string): Promise<void> {
    this.m.positions![shard] = position;
    await this.deps.save();
  }

  /** One batch, to success or given up (true), or until the poller stops (false); bisected halves are processed in order. */
  private async process(shard: string, records: SourceRecord[]): Promise<boolean> {
    const work: SourceRecord[][] = [records];
    while (work.length) {
      let batch = work.shift()!;
      let attempts = 0;
      let last: Outcome | undefined;
      for (;;) {
        // Without MaximumRecordAgeInSeconds, a failing batch is retried until its records leave the stream.
        const maxAge = this.m.maximumRecordAgeInSeconds ?? -1;
        const limitMs = maxAge >= 0 ? maxAge * 1000 : this.source.retentionMs();
        if (limitMs !== undefined) {
          const now = this.deps.now();
          const expired = batch.findIndex((r) => now - r.arrival <= limitMs);
          const count = expired < 0 ? batch.length : expired;
          if (count > 0) {
            await this.giveUp(shard, batch.slice(0, count), 'RecordAgeExceeded', attempts, last);
            batch = batch.slice(count);
            if (!batch.length) break;
          }
        }
        const r = await this.deps.invoke(this.m.functionName, { Records: batch.map((x) => x.event) });
        if (!r.ok && r.kind === 'Busy') {
          // Throttled before the function ran: not an attempt; retried until the records expire.
          if (this.aborted) return false;
          await this.sleep(BACKOFF_MS);
          continue;
        }
        attempts++;
        let failedAt = 0;
        if (r.ok) {
          this.m.lastProcessingResult = 'OK';
          const first = this.m.functionResponseTypes.includes('ReportBatchItemFailures') ? firstFailure(r.result, batch) : -1;
          if (first < 0) {
            await this.checkpoint(shard, batch.at(-1)!.after);
            break;
          }
          failedAt = first;
          last = { ok: false, statusCode: 200 };
        } else {
          this.m.lastProcessingResult = 'PROBLEM: Function call failed';
          last = { ok: false, statusCode: 200, functionError: 'Unhandled' };
          this.deps.logger.log('warn', 'functions', `event source mapping ${this.m.uuid}: ${this.m.functionName} failed on ${batch.length} records of ${shard}: ${r.error}`);
        }
        if (failedAt > 0) {
          // ReportBatchItemFailures: the records before the first failure are done.
          await this.checkpoint(shard, batch[failedAt - 1].after);
          batch = batch.slice(failedAt);
        }
        if (this.m.bisectBatchOnFunctionError && !r.ok && batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          work.unshift(batch.slice(0, half), batch.slice(half));
          break;
        }
        const maxRetries = this.m.maximumRetryAttempts ?? -1;
        if (maxRetries >= 0 && attempts > maxRetries) {
          await this.giveUp(shard, batch, 'RetryAttemptsExhausted', attempts, last);
          break;
        }
        if (this.aborted) return false;
        await this.sleep(Math.min(MAX_BACKOFF_MS, BACKOFF_MS * 2 ** (attempts - 1)));
        if (this.aborted) return false;
      }
      if (this.aborted && work.length) return false;
    }
    return true;
  }

  /** Sends a batch's invocation record to the OnFailure destination (if any) and moves the checkpoint past it. */
  private async giveUp(shard: string, batch: SourceRecord[], condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded', attempts: number, last: Outcome | undefined): Promise<void> {
    const dest = this.m.onFailure;
    this.deps.logger.log('warn', 'functions', `event source mapping ${this.m.uuid}: gave up ${batch.length} records of ${shard} (${condition})${dest ? `; sent to ${dest}` : ''}`);
    if (dest) {
      const first = batch[0], lastRecord = batch.at(-1)!;
      const record = {
        requestContext: { requestId: randomUUID(), functionArn: this.deps.functionArn(this.m.functionName), condition, approximateInvokeCount: attempts },
        ...(last && !last.ok ? { responseContext: { statusCode: last.statusCode, executedVersion: '$LATEST', ...(last.functionError ? { functionError: last.functionError } : {}) } } : {}),
        version: '1.0',
        timestamp: new Date(this.deps.now()).toISOString(),
        [this.source.batchInfo]: {
          shardId: shard, startSequenceNumber: first.id, endSequenceNumber: lastRecord.id,
          approximateArrivalOfFirstRecord: this.source.arrivalText(first.arrival), approximateArrivalOfLastRecord: this.source.arrivalText(lastRecord.arrival),
          batchSize: batch.length, streamArn: this.m.eventSourceArn,
        },
      };
      await this.deps.sendFailure(dest, JSON.stringify(record)).catch((e: Error) =>
        this.deps.logger.log('warn', 'functions', `event source mapping ${this.m.uuid}: could not send the failed batch's record to ${dest}: ${e.message}`));
    }
    await this.checkpoint(shard, batch.at(-1)!.after);
  }

  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    this.deps.logger.log('warn', 'functions', `event source mapping ${this.m.uuid}: ${message}; it retries`);
  }
}

/**
 * `{ batchItemFailures: [{ itemIdentifier }] }` → the index of the first failed record (the lowest sequence number
 * listed), -1 for a complete success (no list, an empty list, a null or empty response). An identifier that is
 * empty, null or not in the batch fails the whole batch (0), as Lambda treats it.
 */
export function firstFailure(result: unknown, batch: SourceRecord[]): number {
  if (result === null || result === undefined || typeof result !== 'object') return -1;
  const list = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === null || list === undefined || (Array.isArray(list) && list.length === 0)) return -1;
  if (!Array.isArray(list)) return 0;
  let first = -1;
  for (const f of list) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const i = typeof id === 'string' && id ? batch.findIndex((r) => r.id === id) : -1;
    if (i < 0) return 0;
    if (first < 0 || i < first) first = i;
  }
  return first;
}

/** The longest prefix whose event stays under the payload limit (at least one record). */
function fitPayload(records: SourceRecord[]): SourceRecord[] {
  let size = 16;
  for (let i = 0; i < records.length; i++) {
    size += JSON.stringify(records[i].event).length + 1;
    if (size > MAX_PAYLOAD && i > 0) return records.slice(0, i);
  }
  return records;
}
