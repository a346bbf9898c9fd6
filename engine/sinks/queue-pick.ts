/**
 * What one ReceiveMessage attempt takes from a queue: visible messages in order (FIFO: none of a group with a message
 * in flight), each hidden for the visibility timeout with a new receipt; a message past its redrive policy's
 * `maxReceiveCount` moves to the dead-letter queue instead. Only reads here: the caller writes the statements at once.
 */
import type { Statement } from '../storage/index.js';
import { MESSAGE_COLUMNS, newReceipt, toReceived, type MessageRow, type ReceivedMessage } from './queue-message.js';
import type { SinkContext, Target } from './sink-context.js';

export interface Picked {
  messages: ReceivedMessage[];
  statements: Statement[];
  /** The dead-letter queue a message moved to (its long polls should wake). */
  redrivenTo?: string;
}

export function pickMessages(ctx: SinkContext, target: Target, max: number, visibilitySeconds: number | undefined, exists: (queue: string) => boolean): Picked {
  const queue = target.name;
  const fifo = queue.endsWith('.fifo');
  const now = ctx.clock.now();
  const timeout = (visibilitySeconds ?? (target.options.visibilityTimeoutSeconds as number)) * 1000;
  const cutoff = now - (target.options.retentionSeconds as number) * 1000;
  const statements = expiryStatements(ctx, target, now);
  // FIFO: a group with a message in flight gives nothing until that message is deleted or visible again.
  const groups = fifo ? ' AND (group_id IS NULL OR group_id NOT IN (SELECT group_id FROM sink_queue_messages WHERE queue = ? AND visible_at > ? AND receive_count > 0 AND group_id IS NOT NULL))' : '';
  const rows = ctx.store.all<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM sink_queue_messages WHERE queue = ? AND visible_at <= ? AND sent >= ?${groups} ORDER BY id LIMIT ?`,
    [queue, now, cutoff, ...(fifo ? [queue, now] : []), max * 2]);
  const maxReceives = target.options.maxReceiveCount as number | undefined;
  const dlq = target.options.deadLetterQueue as string | undefined;
  const messages: ReceivedMessage[] = [];
  let redrivenTo: string | undefined;
  for (const row of rows) {
    if (messages.length === max) break;
    if (maxReceives !== undefined && dlq !== undefined && row.receive_count >= maxReceives && exists(dlq)) {
      // Redrive: the message keeps its id, body, attributes and sent time; its receive count starts again.
      statements.push({ sql: 'UPDATE sink_queue_messages SET queue = ?, receive_count = 0, visible_at = ?, receipt = NULL WHERE id = ?', params: [dlq, now, row.id] });
      ctx.logger.log('info', 'sinks.queue', `message ${row.message_id} moved from ${queue} to its dead-letter queue ${dlq} after ${row.receive_count} receives`);
      redrivenTo = dlq;
      continue;
    }
    const receipt = newReceipt(row.id);
    const firstReceived = row.first_received ?? now;
    statements.push({
      sql: 'UPDATE sink_queue_messages SET receive_count = receive_count + 1, visible_at = ?, receipt = ?, first_received = ? WHERE id = ?',
      params: [now + timeout, receipt, firstReceived, row.id],
    });
    messages.push(toReceived(row, receipt, row.receive_count + 1, firstReceived, fifo));
  }
  return { messages, statements, ...(redrivenTo !== undefined ? { redrivenTo } : {}) };
}

/** Milliseconds until the next hidden message of the queue becomes visible by itself (Infinity when none). */
export function nextVisibleIn(ctx: SinkContext, queue: string): number {
  const now = ctx.clock.now();
  const next = ctx.store.get<{ t: number | null }>('SELECT MIN(visible_at) AS t FROM sink_queue_messages WHERE queue = ? AND visible_at > ?', [queue, now])?.t;
  return next === null || next === undefined ? Infinity : Math.max(1, next - now);
}

/** Drops messages older than the retention period (written with the caller's change). */
export function expiryStatements(ctx: SinkContext, target: Target, now: number): Statement[] {
  const cutoff = now - (target.options.retentionSeconds as number) * 1000;
  const old = ctx.store.get<{ n: number }>('SELECT 1 AS n FROM sink_queue_messages WHERE queue = ? AND sent < ? LIMIT 1', [target.name, cutoff]);
  return old ? [{ sql: 'DELETE FROM sink_queue_messages WHERE queue = ? AND sent < ?', params: [target.name, cutoff] }] : [];
}
