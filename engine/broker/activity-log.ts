import type { ActivityBatch, ActivityQuery, BrokerActivity } from '../contract/index.js';

/** Distributive Omit, so each kind of event keeps its own fields. */
export type NewActivity = BrokerActivity extends infer A ? (A extends BrokerActivity ? Omit<A, 'id' | 'time'> : never) : never;

/**
 * The clients' recent connections, disconnections (with their reason), subscriptions (with QoS) and unsubscriptions:
 * a ring of the last `capacity` events for `broker.events`, and batches for the live `broker.activity` event, sent at
 * most every `intervalMs` and at most `maxPerBatch` at a time (the rest stay readable from the ring; the batch says
 * how many it left out).
 */
export class ActivityLog {
  private readonly ring: Array<BrokerActivity | undefined>;
  private head = 0;
  private count = 0;
  private nextId = 1;
  private pending: BrokerActivity[] = [];
  private skipped = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly now: () => number,
    private readonly emit: ((batch: ActivityBatch) => void) | null,
    readonly capacity = 10_000,
    private readonly intervalMs = 250,
    private readonly maxPerBatch = 500,
  ) {
    this.ring = new Array(capacity);
  }

  add(event: NewActivity): void {
    const full = { ...event, id: this.nextId++, time: this.now() } as BrokerActivity;
    this.ring[this.head] = full;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    if (!this.emit) return;
    if (this.pending.length < this.maxPerBatch) this.pending.push(full);
    else this.skipped++;
  }

  /** The most recent events (at most `limit`), oldest first. */
  query(q: ActivityQuery = {}): BrokerActivity[] {
    const limit = Math.min(Math.max(q.limit ?? 1000, 1), this.capacity);
    const out: BrokerActivity[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i++) {
      const e = this.ring[(this.head - i + this.capacity) % this.capacity]!;
      if (q.from !== undefined && e.time < q.from) break;
      if (q.clientId !== undefined && e.clientId !== q.clientId) continue;
      out.push(e);
    }
    return out.reverse();
  }

  start(): void {
    if (!this.emit) return;
    this.timer ??= setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }

  flush(): void {
    if ((!this.pending.length && !this.skipped) || !this.emit) return;
    const batch = { events: this.pending, skipped: this.skipped };
    this.pending = [];
    this.skipped = 0;
    this.emit(batch);
  }
}
