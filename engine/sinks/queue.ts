/**
 * SQS-like local queues: send, receive with a visibility timeout, delete by receipt handle, dead-letter after
 * `maxReceiveCount` receives, retention period, AWS's MD5 digests of the body and message attributes.
 *
 * LIMITATIONS: standard queues only (a `.fifo` name is accepted but not ordered by group or deduplicated); no long
 * polling, delay seconds or ChangeMessageVisibility; retention is enforced when the queue is next written or read.
 */
import crypto from 'node:crypto';
import type { SinkRecord, SinkRecordQuery } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import type { Statement } from '../storage/index.js';
import { clampLimit, type SinkContext, type Target } from './sink-context.js';

/** An SQS message attribute, as in SendMessage. */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface SentMessage {
  messageId: string;
  md5OfMessageBody: string;
  md5OfMessageAttributes?: string;
}

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  attributes: { ApproximateReceiveCount: string; SentTimestamp: string };
  messageAttributes?: Record<string, MessageAttribute>;
}

interface Row {
  id: number;
  message_id: string;
  body: string;
  attributes: string | null;
  md5: string;
  sent: number;
  visible_at: number;
  receive_count: number;
  trace_id: string | null;
}

const md5 = (data: string | Buffer) => crypto.createHash('md5').update(data).digest('hex');

/** AWS's MD5OfMessageAttributes: names sorted; each length-prefixed name, type, transport byte and value. */
export function md5OfAttributes(attrs: Record<string, MessageAttribute>): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  };
  for (const name of Object.keys(attrs).sort()) {
    const a = attrs[name];
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(a.DataType, 'utf8'));
    if (a.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(a.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(a.StringValue ?? '', 'utf8'));
    }
  }
  return md5(Buffer.concat(parts));
}

export class QueueSink {
  constructor(private readonly ctx: SinkContext) {}

  /** SendMessage: fails with NotFound for a missing queue and Throttled when the queue is full. */
  async send(queue: string, body: string, opts: { attributes?: Record<string, MessageAttribute>; traceId?: string | null } = {}): Promise<SentMessage> {
    const target = this.ctx.target('queue', queue);
    if (body.length === 0) throw new EngineError('InvalidInput', 'the message body must not be empty');
    if (Buffer.byteLength(body) > 262_144) throw new EngineError('TooLarge', 'SQS messages are at most 256 KiB');
    const now = this.ctx.clock.now();
    const expired = this.expiry(target, now);
    if (this.count(queue) >= this.ctx.limits.queueMessages) {
      throw new EngineError('Throttled', `queue ${queue} holds ${this.ctx.limits.queueMessages} messages, the local limit`);
    }
    const attrs = opts.attributes && Object.keys(opts.attributes).length ? opts.attributes : undefined;
    const sent: SentMessage = { messageId: crypto.randomUUID(), md5OfMessageBody: md5(body), ...(attrs ? { md5OfMessageAttributes: md5OfAttributes(attrs) } : {}) };
    const id = this.ctx.ids.take('sink_queue_messages');
    const traceId = opts.traceId ?? null;
    await this.ctx.store.write([...expired, {
      sql: 'INSERT INTO sink_queue_messages (id, queue, message_id, body, attributes, md5, sent, visible_at, receive_count, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)',
      params: [id, queue, sent.messageId, body, attrs ? JSON.stringify(attrs) : null, sent.md5OfMessageBody, now, now, traceId],
    }]);
    this.ctx.recorded('queue', queue, id, traceId, now);
    return sent;
  }

  /**
   * ReceiveMessage: up to `maxMessages` (1–10) visible messages, hidden for the visibility timeout. A message received
   * more than the redrive policy's `maxReceiveCount` times moves to the dead-letter queue instead.
   */
  async receive(queue: string, opts: { maxMessages?: number; visibilityTimeoutSeconds?: number } = {}): Promise<ReceivedMessage[]> {
    const target = this.ctx.target('queue', queue);
    const max = opts.maxMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10) throw new EngineError('InvalidInput', 'MaxNumberOfMessages must be from 1 to 10');
    const now = this.ctx.clock.now();
    const timeout = (opts.visibilityTimeoutSeconds ?? (target.options.visibilityTimeoutSeconds as number)) * 1000;
    const statements = this.expiry(target, now);
    const rows = this.ctx.store.all<Row>(
      'SELECT id, message_id, body, attributes, md5, sent, visible_at, receive_count, trace_id FROM sink_queue_messages WHERE queue = ? AND visible_at <= ? ORDER BY id LIMIT ?',
      [queue, now, max * 2]);
    const maxReceives = target.options.maxReceiveCount as number | undefined;
    const dlq = target.options.deadLetterQueue as string | undefined;
    const out: ReceivedMessage[] = [];
    for (const row of rows) {
      if (out.length === max) break;
      if (maxReceives !== undefined && dlq !== undefined && row.receive_count >= maxReceives && this.exists(dlq)) {
        // Redrive: the message keeps its id, body, attributes and sent time; its receive count starts again.
        statements.push({ sql: 'UPDATE sink_queue_messages SET queue = ?, receive_count = 0, visible_at = ?, receipt = NULL WHERE id = ?', params: [dlq, now, row.id] });
        this.ctx.logger.log('info', 'sinks.queue', `message ${row.message_id} moved from ${queue} to its dead-letter queue ${dlq} after ${row.receive_count} receives`);
        continue;
      }
      const receipt = Buffer.from(`${row.id}:${crypto.randomUUID()}`).toString('base64');
      statements.push({ sql: 'UPDATE sink_queue_messages SET receive_count = receive_count + 1, visible_at = ?, receipt = ? WHERE id = ?', params: [now + timeout, receipt, row.id] });
      out.push({
        messageId: row.message_id,
        receiptHandle: receipt,
        body: row.body,
        md5OfBody: row.md5,
        attributes: { ApproximateReceiveCount: String(row.receive_count + 1), SentTimestamp: String(row.sent) },
        ...(row.attributes ? { messageAttributes: JSON.parse(row.attributes) as Record<string, MessageAttribute> } : {}),
      });
    }
    if (statements.length) await this.ctx.store.write(statements);
    return out;
  }

  /** DeleteMessage by the receipt handle of the latest receive; an already deleted message is not an error (as AWS). */
  async delete(queue: string, receiptHandle: string): Promise<void> {
    this.ctx.target('queue', queue);
    const row = this.ctx.store.get<{ id: number }>('SELECT id FROM sink_queue_messages WHERE queue = ? AND receipt = ?', [queue, receiptHandle]);
    if (row) await this.ctx.store.write([{ sql: 'DELETE FROM sink_queue_messages WHERE id = ?', params: [row.id] }]);
  }

  count(queue: string): number {
    return this.ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM sink_queue_messages WHERE queue = ?', [queue])?.n ?? 0;
  }

  /** Messages in the queue, newest first, whether visible or in flight. */
  records(queue: string, q?: SinkRecordQuery): SinkRecord[] {
    const now = this.ctx.clock.now();
    return this.ctx.store.all<Row>(
      `SELECT id, message_id, body, attributes, md5, sent, visible_at, receive_count, trace_id FROM sink_queue_messages WHERE queue = ? AND id > ?${q?.traceId === undefined ? '' : ' AND trace_id = ?'} ORDER BY id DESC LIMIT ?`,
      [queue, q?.after ?? 0, ...(q?.traceId === undefined ? [] : [q.traceId]), clampLimit(q)],
    ).map((r) => ({
      id: r.id,
      time: r.sent,
      traceId: r.trace_id,
      data: {
        messageId: r.message_id, body: r.body, md5OfBody: r.md5, receiveCount: r.receive_count, visible: r.visible_at <= now,
        ...(r.attributes ? { messageAttributes: JSON.parse(r.attributes) } : {}),
      },
    }));
  }

  clear(queue: string): Statement[] {
    return [{ sql: 'DELETE FROM sink_queue_messages WHERE queue = ?', params: [queue] }];
  }

  private exists(queue: string): boolean {
    try {
      this.ctx.target('queue', queue);
      return true;
    } catch {
      return false;
    }
  }

  /** Drops messages older than the retention period (written with the caller's change). */
  private expiry(target: Target, now: number): Statement[] {
    const cutoff = now - (target.options.retentionSeconds as number) * 1000;
    const old = this.ctx.store.get<{ n: number }>('SELECT 1 AS n FROM sink_queue_messages WHERE queue = ? AND sent < ? LIMIT 1', [target.name, cutoff]);
    return old ? [{ sql: 'DELETE FROM sink_queue_messages WHERE queue = ? AND sent < ?', params: [target.name, cutoff] }] : [];
  }
}
