import type { StoredEventInfo } from '../contract/index.js';
import type { Logger } from '../core/index.js';
import type { Properties } from '../broker/index.js';
import type { Statement, Store } from '../storage/index.js';

/** An event kept for consumers that were away when it was published. */
export interface KeptEvent {
  seq: number;
  topic: string;
  payload: Buffer;
  properties?: Properties;
  publishedAt: number;
  expiresAt: number;
}

/** How much one consumer may have waiting; beyond either bound its oldest events are dropped. */
export interface EventBounds {
  events: number;
  bytes: number;
}

export const DEFAULT_EVENT_BOUNDS: EventBounds = { events: 10_000, bytes: 64 * 1024 * 1024 };

/**
 * Events kept durably for absent consumers, in publish order: one row per event and one per consumer still waiting
 * for it (an event goes when no consumer waits). Every change is a journaled write, so what a publisher saw
 * acknowledged is still here after `kill -9`.
 */
export class EventStore {
  private readonly events = new Map<number, KeptEvent & { waiting: number }>();
  /** Per consumer, the seqs it waits for, oldest first, and their payload bytes. */
  private readonly queues = new Map<string, { seqs: number[]; bytes: number; full: boolean }>();
  private nextSeq: number;
  /** Events dropped undelivered because a consumer's store was full, since the start. */
  dropped = 0;

  constructor(private readonly store: Store, private readonly bounds: EventBounds, private readonly logger: Logger) {
    for (const r of store.all<{ seq: number; topic: string; payload: Uint8Array; properties: string | null; published_at: number; expires_at: number }>(
      'SELECT seq, topic, payload, properties, published_at, expires_at FROM delivery_events ORDER BY seq')) {
      this.events.set(r.seq, {
        seq: r.seq, topic: r.topic, payload: Buffer.from(r.payload), ...(r.properties ? { properties: JSON.parse(r.properties) as Properties } : {}),
        publishedAt: r.published_at, expiresAt: r.expires_at, waiting: 0,
      });
    }
    for (const r of store.all<{ consumer: string; seq: number }>('SELECT consumer, seq FROM delivery_pending ORDER BY seq')) {
      const e = this.events.get(r.seq);
      if (!e) continue;
      e.waiting++;
      const q = this.queue(r.consumer);
      q.seqs.push(r.seq);
      q.bytes += e.payload.length;
    }
    this.nextSeq = Math.max(0, ...this.events.keys()) + 1;
  }

  /** Keeps one event for these consumers; resolves once durable. */
  keep(msg: Omit<KeptEvent, 'seq'>, consumers: string[]): Promise<void> {
    const seq = this.nextSeq++;
    const event = { ...msg, seq, waiting: consumers.length };
    this.events.set(seq, event);
    const writes: Statement[] = [{
      sql: 'INSERT INTO delivery_events (seq, topic, payload, properties, published_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      params: [seq, msg.topic, msg.payload, msg.properties ? JSON.stringify(msg.properties) : null, msg.publishedAt, msg.expiresAt],
    }];
    for (const consumer of consumers) {
      const q = this.queue(consumer);
      q.seqs.push(seq);
      q.bytes += msg.payload.length;
      writes.push({ sql: 'INSERT INTO delivery_pending (consumer, seq) VALUES (?, ?)', params: [consumer, seq] });
      this.bound(consumer, q, writes);
    }
    return this.store.write(writes);
  }

  /**
   * Removes and returns, oldest first, what `consumer` waits for on topics `wanted` accepts and that has not expired
   * by `now`; expired ones it waited for go too.
   */
  take(consumer: string, wanted: (topic: string) => boolean, now: number): KeptEvent[] {
    const q = this.queues.get(consumer);
    if (!q) return [];
    const taken: KeptEvent[] = [];
    const writes: Statement[] = [];
    q.seqs = q.seqs.filter((seq) => {
      const e = this.events.get(seq)!;
      const expired = now > e.expiresAt;
      if (!expired && !wanted(e.topic)) return true;
      if (!expired) taken.push(e);
      this.release(consumer, q, e, writes);
      return false;
    });
    this.settle(consumer, q, writes);
    return taken;
  }

  /** Drops what `consumer` waits for on topics `kept` no longer accepts (it unsubscribed). */
  forget(consumer: string, kept: (topic: string) => boolean): void {
    const q = this.queues.get(consumer);
    if (!q) return;
    const writes: Statement[] = [];
    q.seqs = q.seqs.filter((seq) => {
      const e = this.events.get(seq)!;
      if (kept(e.topic)) return true;
      this.release(consumer, q, e, writes);
      return false;
    });
    this.settle(consumer, q, writes);
  }

  /** Drops every event whose time-to-live has passed. */
  sweep(now: number): number {
    let swept = 0;
    for (const [consumer, q] of this.queues) {
      const writes: Statement[] = [];
      q.seqs = q.seqs.filter((seq) => {
        const e = this.events.get(seq)!;
        if (now <= e.expiresAt) return true;
        this.release(consumer, q, e, writes);
        swept++;
        return false;
      });
      this.settle(consumer, q, writes);
    }
    return swept;
  }

  list(consumer?: string, limit = 1000): StoredEventInfo[] {
    const out: StoredEventInfo[] = [];
    for (const [c, q] of this.queues) {
      if (consumer !== undefined && c !== consumer) continue;
      for (const seq of q.seqs) {
        const e = this.events.get(seq)!;
        out.push({ consumer: c, topic: e.topic, size: e.payload.length, seq, publishedAt: e.publishedAt, expiresAt: e.expiresAt });
      }
    }
    return out.sort((a, b) => a.seq - b.seq || a.consumer.localeCompare(b.consumer)).slice(0, limit);
  }

  private queue(consumer: string) {
    let q = this.queues.get(consumer);
    if (!q) this.queues.set(consumer, (q = { seqs: [], bytes: 0, full: false }));
    return q;
  }

  /** Over a bound: the oldest go, counted, with one log line per time the consumer's store fills up. */
  private bound(consumer: string, q: { seqs: number[]; bytes: number; full: boolean }, writes: Statement[]): void {
    let dropped = 0;
    while (q.seqs.length > 1 && (q.seqs.length > this.bounds.events || q.bytes > this.bounds.bytes)) {
      this.release(consumer, q, this.events.get(q.seqs.shift()!)!, writes);
      dropped++;
    }
    if (!dropped) return;
    this.dropped += dropped;
    if (!q.full) {
      this.logger.log('warn', 'delivery', `events for ${consumer} fill its store (${this.bounds.events} events or ${this.bounds.bytes} bytes): the oldest are dropped undelivered until it returns`, { consumer });
    }
    q.full = true;
  }

  /** `consumer` no longer waits for `e` (already out of its seq list or about to be). */
  private release(consumer: string, q: { bytes: number }, e: KeptEvent & { waiting: number }, writes: Statement[]): void {
    q.bytes -= e.payload.length;
    writes.push({ sql: 'DELETE FROM delivery_pending WHERE consumer = ? AND seq = ?', params: [consumer, e.seq] });
    if (--e.waiting > 0) return;
    this.events.delete(e.seq);
    writes.push({ sql: 'DELETE FROM delivery_events WHERE seq = ?', params: [e.seq] });
  }

  private settle(consumer: string, q: { seqs: number[]; full: boolean }, writes: Statement[]): void {
    if (!q.seqs.length) this.queues.delete(consumer);
    else if (q.full && q.seqs.length < this.bounds.events) q.full = false;
    if (writes.length) void this.store.write(writes).catch((e: unknown) => this.logger.log('error', 'delivery', `stored events not updated: ${String(e)}`));
  }
}
