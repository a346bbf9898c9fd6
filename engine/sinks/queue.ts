/**
 * SQS queues: the queue a rule's `sqs` action writes to, the UI shows and the SQS API serves. Standard and FIFO
 * (`.fifo` names) queues; send with per-message or queue delay, receive with a visibility timeout and long polling
 * (woken by the send, not polled), delete and change visibility by receipt handle, dead-letter after
 * `maxReceiveCount` receives, retention, purge, AWS's MD5 digests, and FIFO message groups (a group's next message
 * waits while one of it is in flight) with the 5-minute deduplication window.
 *
 * LIMITATIONS: retention is enforced when the queue is next written or read; ReceiveRequestAttemptId is not kept (a
 * retried FIFO receive is a new receive); the 12-hour ceiling on a message's total visibility timeout is not
 * checked; in-flight messages are not capped (AWS: 120,000, or 20,000 on FIFO queues); a deleted queue's name can be
 * used again at once (AWS waits 60 s); `policy`, `redriveAllowPolicy` and the KMS options are kept without effect.
 */
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { JsonObject, SinkRecord, SinkRecordQuery } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import type { Statement } from '../storage/index.js';
import {
  checkBody, checkReceipt, MAX_MESSAGE_BYTES, md5, md5OfAttributes, MESSAGE_COLUMNS, messageSize, sequenceNumber,
  type MessageRow, type ReceivedMessage, type SendOptions, type SentMessage,
} from './queue-message.js';
import { expiryStatements, nextVisibleIn, pickMessages } from './queue-pick.js';
import { QueueWaiters } from './queue-waiters.js';
import { clampLimit, type SinkContext, type Target } from './sink-context.js';
import { normalizeOptions } from './sink-options.js';

export { md5OfAttributes, type MessageAttribute, type ReceivedMessage, type SendOptions, type SentMessage } from './queue-message.js';

export interface ReceiveOptions {
  /** 1–10 (default 1). */
  maxMessages?: number;
  /** Overrides the queue's visibility timeout for this receive (0–43200 s). */
  visibilityTimeoutSeconds?: number;
  /** Long polling, 0–20 s (default: the queue's `receiveWaitSeconds`). */
  waitTimeSeconds?: number;
  /** Ends a long poll early (the client went away). */
  signal?: AbortSignal;
}

/** A queue's counts and dates, as GetQueueAttributes reports them. */
export interface QueueStats {
  visible: number;
  inFlight: number;
  delayed: number;
  createdAt: number;
  lastModified: number;
}

const DEDUP_WINDOW_MS = 5 * 60_000;
const PURGE_INTERVAL_MS = 60_000;
const FIFO_ID = /^[\x21-\x7E]{1,128}$/;

export const isFifo = (queue: string) => queue.endsWith('.fifo');

const invalid = (name: string, value: unknown, reason: string) =>
  new EngineError('InvalidInput', `Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`, { reason: 'invalidParameter', parameter: name });

function checkInt(name: string, value: number | undefined, min: number, max: number, reason: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) throw invalid(name, value, reason);
}

export class QueueSink {
  private readonly waiters = new QueueWaiters();
  private readonly purged = new Map<string, number>();

  constructor(private readonly ctx: SinkContext) {}

  start(): void {
    this.waiters.open();
  }

  /** Ends every long poll (it answers with no messages). */
  stop(): void {
    this.waiters.close();
  }

  /**
   * SendMessage: NotFound for a missing queue, InvalidInput (with AWS's reason) for a body or parameter AWS refuses,
   * TooLarge beyond the queue's maximum message size, Throttled when the queue holds the local limit. A FIFO send
   * whose deduplication id was seen in the last 5 minutes is accepted and not enqueued again (the first send's ids
   * are returned).
   */
  async send(queue: string, body: string, opts: SendOptions = {}): Promise<SentMessage> {
    const target = this.ctx.target('queue', queue);
    const fifo = isFifo(queue);
    checkBody(body);
    const attrs = opts.attributes && Object.keys(opts.attributes).length ? opts.attributes : undefined;
    const system = opts.systemAttributes && Object.keys(opts.systemAttributes).length ? opts.systemAttributes : undefined;
    const max = (target.options.maximumMessageSize as number | undefined) ?? MAX_MESSAGE_BYTES;
    if (messageSize(body, attrs) > max) {
      throw new EngineError('TooLarge', `One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`, { reason: 'invalidParameter' });
    }
    checkInt('DelaySeconds', opts.delaySeconds, 0, 900, 'Must be >= 0 and <= 900, if provided.');
    if (fifo && opts.delaySeconds !== undefined) throw invalid('DelaySeconds', opts.delaySeconds, 'The request include parameter that is not valid for this queue type.');
    if (opts.messageGroupId !== undefined && !FIFO_ID.test(opts.messageGroupId)) {
      throw invalid('MessageGroupId', opts.messageGroupId, 'MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.');
    }
    if (opts.messageDeduplicationId !== undefined && !FIFO_ID.test(opts.messageDeduplicationId)) {
      throw invalid('MessageDeduplicationId', opts.messageDeduplicationId, 'MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.');
    }
    let dedupId: string | undefined;
    if (fifo) {
      if (opts.messageGroupId === undefined) throw new EngineError('InvalidInput', 'The request must contain the parameter MessageGroupId.', { reason: 'missingParameter', parameter: 'MessageGroupId' });
      dedupId = opts.messageDeduplicationId ?? (target.options.contentBasedDeduplication ? crypto.createHash('sha256').update(body).digest('hex') : undefined);
      if (dedupId === undefined) {
        throw new EngineError('InvalidInput', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly', { reason: 'invalidParameter' });
      }
    } else if (opts.messageDeduplicationId !== undefined) {
      throw invalid('MessageDeduplicationId', opts.messageDeduplicationId, 'The request include parameter that is not valid for this queue type.');
    }
    const now = this.ctx.clock.now();
    const digests = {
      md5OfMessageBody: md5(body),
      ...(attrs ? { md5OfMessageAttributes: md5OfAttributes(attrs) } : {}),
      ...(system ? { md5OfMessageSystemAttributes: md5OfAttributes(system) } : {}),
    };
    const statements = expiryStatements(this.ctx, target, now);
    const dedupKey = dedupId === undefined ? undefined : target.options.deduplicationScope === 'messageGroup' ? `${opts.messageGroupId}\0${dedupId}` : dedupId;
    if (dedupKey !== undefined) {
      const seen = this.ctx.store.get<{ message_id: string; seq: string }>(
        'SELECT message_id, seq FROM sink_queue_dedup WHERE queue = ? AND dedup_key = ? AND expires > ?', [queue, dedupKey, now]);
      if (seen) return { messageId: seen.message_id, ...digests, sequenceNumber: seen.seq };
      statements.push({ sql: 'DELETE FROM sink_queue_dedup WHERE queue = ? AND expires <= ?', params: [queue, now] });
    }
    if (this.count(queue) >= this.ctx.limits.queueMessages) {
      throw new EngineError('Throttled', `queue ${queue} holds ${this.ctx.limits.queueMessages} messages, the local limit`);
    }
    const id = this.ctx.ids.take('sink_queue_messages');
    const sent: SentMessage = { messageId: crypto.randomUUID(), ...digests, ...(fifo ? { sequenceNumber: sequenceNumber(id) } : {}) };
    const delay = fifo ? (target.options.delaySeconds as number | undefined) ?? 0 : opts.delaySeconds ?? (target.options.delaySeconds as number | undefined) ?? 0;
    const traceId = opts.traceId ?? null;
    statements.push({
      sql: `INSERT INTO sink_queue_messages (id, queue, message_id, body, attributes, md5, sent, visible_at, receive_count, trace_id, group_id, dedup_id, system_attributes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
      params: [id, queue, sent.messageId, body, attrs ? JSON.stringify(attrs) : null, sent.md5OfMessageBody, now, now + delay * 1000, traceId,
        opts.messageGroupId ?? null, dedupId ?? null, system ? JSON.stringify(system) : null],
    });
    if (dedupKey !== undefined) {
      statements.push({
        sql: 'INSERT INTO sink_queue_dedup (queue, dedup_key, message_id, md5, seq, expires) VALUES (?, ?, ?, ?, ?, ?)',
        params: [queue, dedupKey, sent.messageId, sent.md5OfMessageBody, sent.sequenceNumber ?? '', now + DEDUP_WINDOW_MS],
      });
    }
    await this.ctx.store.write(statements);
    this.waiters.wake(queue);
    this.ctx.recorded('queue', queue, id, traceId, now);
    return sent;
  }

  /**
   * ReceiveMessage: up to `maxMessages` (1–10) visible messages, hidden for the visibility timeout. With a wait
   * time, an empty queue answers as soon as a message can be received, or with nothing when the wait ends. A
   * message received more than the redrive policy's `maxReceiveCount` times moves to the dead-letter queue instead.
   */
  async receive(queue: string, opts: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    const first = this.ctx.target('queue', queue);
    const max = opts.maxMessages ?? 1;
    checkInt('MaxNumberOfMessages', max, 1, 10, 'Must be between 1 and 10, if provided.');
    checkInt('VisibilityTimeout', opts.visibilityTimeoutSeconds, 0, 43_200, 'Must be >= 0 and <= 43200, if provided.');
    const wait = opts.waitTimeSeconds ?? (first.options.receiveWaitSeconds as number | undefined) ?? 0;
    checkInt('WaitTimeSeconds', wait, 0, 20, 'Must be >= 0 and <= 20, if provided.');
    const deadline = performance.now() + wait * 1000;
    for (let attempt = 0; ; attempt++) {
      const target = this.ctx.target('queue', queue); // a queue deleted during a long poll is NotFound
      const { messages, written } = this.take(target, max, opts.visibilityTimeoutSeconds);
      await written;
      if (messages.length || this.waiters.isClosed || opts.signal?.aborted) return messages;
      const left = deadline - performance.now();
      if (left <= 0) return messages;
      if (attempt === 0) this.ctx.logger.log('debug', 'sinks.queue', `a receive on ${queue} waits up to ${wait} s for a message`, { queue });
      await this.waiters.wait(queue, Math.min(left, nextVisibleIn(this.ctx, queue)), opts.signal);
      if (this.waiters.isClosed) return [];
      if (opts.signal?.aborted) {
        this.ctx.logger.log('debug', 'sinks.queue', `a receive on ${queue} ended: its client went away`, { queue });
        return [];
      }
    }
  }

  /** DeleteMessage by the receipt handle of the latest receive; an already deleted message is not an error (as AWS). */
  async delete(queue: string, receiptHandle: string): Promise<void> {
    this.ctx.target('queue', queue);
    checkReceipt(receiptHandle);
    const row = this.ctx.store.get<{ id: number }>('SELECT id FROM sink_queue_messages WHERE queue = ? AND receipt = ?', [queue, receiptHandle]);
    if (!row) return;
    await this.ctx.store.write([{ sql: 'DELETE FROM sink_queue_messages WHERE id = ?', params: [row.id] }]);
    if (isFifo(queue)) this.waiters.wake(queue); // the message's group may go on
  }

  /** ChangeMessageVisibility: the in-flight message of this receipt becomes visible `seconds` from now. */
  async changeVisibility(queue: string, receiptHandle: string, seconds: number): Promise<void> {
    this.ctx.target('queue', queue);
    checkReceipt(receiptHandle);
    checkInt('VisibilityTimeout', seconds, 0, 43_200, 'Must be >= 0 and <= 43200, if provided.');
    const now = this.ctx.clock.now();
    const row = this.ctx.store.get<{ id: number; visible_at: number }>('SELECT id, visible_at FROM sink_queue_messages WHERE queue = ? AND receipt = ?', [queue, receiptHandle]);
    if (!row) throw invalid('ReceiptHandle', receiptHandle, 'Message does not exist or is not available for visibility timeout change.');
    if (row.visible_at <= now) throw new EngineError('InvalidInput', 'The specified message isn\'t in flight.', { reason: 'notInflight' });
    await this.ctx.store.write([{ sql: 'UPDATE sink_queue_messages SET visible_at = ? WHERE id = ?', params: [now + seconds * 1000, row.id] }]);
    this.waiters.wake(queue);
  }

  /** PurgeQueue: deletes every message; once per 60 seconds per queue, as on AWS. */
  async purge(queue: string): Promise<void> {
    this.ctx.target('queue', queue);
    const now = this.ctx.clock.now();
    const last = this.purged.get(queue);
    if (last !== undefined && now - last < PURGE_INTERVAL_MS) {
      throw new EngineError('Conflict', `Only one PurgeQueue operation on ${queue} is allowed every 60 seconds.`, { reason: 'purgeInProgress' });
    }
    this.purged.set(queue, now);
    await this.ctx.store.write([{ sql: 'DELETE FROM sink_queue_messages WHERE queue = ?', params: [queue] }]);
  }

  /**
   * Changes a queue's options (`null` removes one, e.g. the redrive policy); the rest keep their values. The
   * dead-letter queue must exist and be of the same type.
   */
  async configure(queue: string, patch: JsonObject): Promise<void> {
    const target = this.ctx.target('queue', queue);
    const merged: JsonObject = { ...target.options };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else if (value !== undefined) merged[key] = value;
    }
    const options = normalizeOptions('queue', merged);
    this.checkRedrive(queue, options);
    const state = { ...target.state, lastModified: this.ctx.clock.now() };
    await this.ctx.store.write([{ sql: 'UPDATE sink_targets SET options = ?, state = ? WHERE kind = ? AND name = ?', params: [JSON.stringify(options), JSON.stringify(state), 'queue', queue] }]);
    target.options = options;
    target.state = state;
    this.waiters.wake(queue);
  }

  /** Refuses a redrive policy whose dead-letter queue does not exist or is not of the queue's type. */
  checkRedrive(queue: string, options: JsonObject): void {
    const dlq = options.deadLetterQueue as string | undefined;
    if (dlq === undefined) return;
    if (!this.has(dlq)) throw invalid('RedrivePolicy', dlq, 'Dead letter target does not exist.');
    if (isFifo(dlq) !== isFifo(queue)) throw invalid('RedrivePolicy', dlq, 'Dead-letter queue must be same type of queue as the source.');
  }

  /** Counts and dates of a queue (messages past the retention period are not counted). */
  stats(queue: string): QueueStats {
    const target = this.ctx.target('queue', queue);
    const now = this.ctx.clock.now();
    const cutoff = now - (target.options.retentionSeconds as number) * 1000;
    const row = this.ctx.store.get<{ visible: number | null; inflight: number | null; delayed: number | null }>(
      `SELECT SUM(visible_at <= ?) AS visible, SUM(visible_at > ? AND receive_count > 0) AS inflight, SUM(visible_at > ? AND receive_count = 0) AS delayed
       FROM sink_queue_messages WHERE queue = ? AND sent >= ?`, [now, now, now, queue, cutoff]);
    return {
      visible: row?.visible ?? 0, inFlight: row?.inflight ?? 0, delayed: row?.delayed ?? 0,
      createdAt: target.created, lastModified: (target.state.lastModified as number | undefined) ?? target.created,
    };
  }

  tags(queue: string): Record<string, string> {
    return { ...((this.ctx.target('queue', queue).state.tags as Record<string, string> | undefined) ?? {}) };
  }

  /** Adds or replaces tags (`add`) and removes tag keys (`remove`). */
  async retag(queue: string, add: Record<string, string>, remove: readonly string[] = []): Promise<void> {
    const target = this.ctx.target('queue', queue);
    const tags = { ...this.tags(queue), ...add };
    for (const key of remove) delete tags[key];
    const state = { ...target.state, tags };
    await this.ctx.store.write([this.ctx.stateStatement({ ...target, state })]);
    target.state = state;
  }

  count(queue: string): number {
    return this.ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM sink_queue_messages WHERE queue = ?', [queue])?.n ?? 0;
  }

  /** Messages in the queue, newest first, whether visible or in flight. */
  records(queue: string, q?: SinkRecordQuery): SinkRecord[] {
    const now = this.ctx.clock.now();
    return this.ctx.store.all<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM sink_queue_messages WHERE queue = ? AND id > ? AND id < ?${q?.traceId === undefined ? '' : ' AND trace_id = ?'} ORDER BY id DESC LIMIT ?`,
      [queue, q?.after ?? 0, q?.before ?? Number.MAX_SAFE_INTEGER, ...(q?.traceId === undefined ? [] : [q.traceId]), clampLimit(q)],
    ).map((r) => ({
      id: r.id,
      time: r.sent,
      traceId: r.trace_id,
      data: {
        messageId: r.message_id, body: r.body, md5OfBody: r.md5, receiveCount: r.receive_count, visible: r.visible_at <= now,
        ...(r.group_id !== null ? { messageGroupId: r.group_id } : {}),
        ...(r.attributes ? { messageAttributes: JSON.parse(r.attributes) } : {}),
      },
    }));
  }

  /** Statements deleting a queue's messages and deduplication ids (with the queue); its long polls end. */
  clear(queue: string): Statement[] {
    this.purged.delete(queue);
    queueMicrotask(() => this.waiters.wake(queue));
    return [
      { sql: 'DELETE FROM sink_queue_messages WHERE queue = ?', params: [queue] },
      { sql: 'DELETE FROM sink_queue_dedup WHERE queue = ?', params: [queue] },
    ];
  }

  /** One receive attempt: picks, hides and redrives synchronously (so concurrent receives never share a message). */
  private take(target: Target, max: number, visibilitySeconds: number | undefined): { messages: ReceivedMessage[]; written: Promise<void> } {
    const picked = pickMessages(this.ctx, target, max, visibilitySeconds, (q) => this.has(q));
    let written = picked.statements.length ? this.ctx.store.write(picked.statements) : Promise.resolve();
    const dlq = picked.redrivenTo;
    if (dlq !== undefined) written = written.then(() => this.waiters.wake(dlq));
    return { messages: picked.messages, written };
  }

  /** Whether the queue exists. */
  has(queue: string): boolean {
    try {
      this.ctx.target('queue', queue);
      return true;
    } catch {
      return false;
    }
  }
}
