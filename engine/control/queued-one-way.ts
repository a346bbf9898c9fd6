/**
 * One-way commands queued for a device that asks, written through to the store: a device asking after a restart
 * (or a `kill -9`) still gets them, until their deadline. Nobody waits for them then: their callers were told the
 * engine stopped.
 */
import type { Logger } from '../core/index.js';
import type { SqlValue, Store } from '../storage/index.js';

export interface QueuedRow {
  requestId: string;
  thing: string;
  name: string;
  payload: Buffer;
  contentType?: string;
  sentAt: number;
  deadline: number;
}

export class QueuedOneWay {
  constructor(private readonly store: Pick<Store, 'all' | 'write'>, private readonly logger: Logger) {}

  /** The kept commands, oldest first. */
  load(): QueuedRow[] {
    return this.store.all<{ request_id: string; thing: string; name: string; payload: Uint8Array; content_type: string | null; sent_at: number; deadline: number }>(
      'SELECT request_id, thing, name, payload, content_type, sent_at, deadline FROM control_one_way ORDER BY sent_at, rowid',
    ).map((r) => ({
      requestId: r.request_id, thing: r.thing, name: r.name, payload: Buffer.from(r.payload), sentAt: r.sent_at, deadline: r.deadline,
      ...(r.content_type ? { contentType: r.content_type } : {}),
    }));
  }

  keep(row: QueuedRow): Promise<void> {
    return this.write('INSERT OR REPLACE INTO control_one_way (request_id, thing, name, payload, content_type, sent_at, deadline) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [row.requestId, row.thing, row.name, row.payload, row.contentType ?? null, row.sentAt, row.deadline]);
  }

  /** Handed over or past its deadline. */
  forget(requestId: string): void {
    void this.write('DELETE FROM control_one_way WHERE request_id = ?', [requestId]);
  }

  private write(sql: string, params: SqlValue[]): Promise<void> {
    return this.store.write([{ sql, params }]).catch((e: unknown) => this.logger.log('error', 'control', `a queued one-way command was not stored: ${String(e)}`));
  }
}
