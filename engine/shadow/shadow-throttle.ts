/** The counters behind the shadow limits (`shadow-limits.ts`): a token bucket per thing and in-flight requests per connection. */

/** Buckets kept before full ones (idle things) are dropped, so that unknown thing names cannot grow memory. */
const SWEEP_AT = 10_000;

/** Requests per second per thing: a bucket of `perSecond` tokens per thing, refilled continuously. */
export class ThingRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number) {}

  /** Takes a token for `thing`; false when the thing is over its rate. Always true when the limit is off. */
  take(thing: string, now: number): boolean {
    if (!this.perSecond) return true;
    let bucket = this.buckets.get(thing);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now);
      bucket = { tokens: this.perSecond, at: now };
      this.buckets.set(thing, bucket);
    }
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) * this.perSecond) / 1000);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private sweep(now: number): void {
    for (const [thing, b] of this.buckets) if (b.tokens + ((now - b.at) * this.perSecond) / 1000 >= this.perSecond) this.buckets.delete(thing);
  }
}

/** Requests started and not yet answered, per connection (client id). */
export class InFlightPerConnection {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts a request of `clientId` as started; false (and not counted) when it already has `max`. */
  start(clientId: string): boolean {
    if (!this.max) return true;
    const n = this.counts.get(clientId) ?? 0;
    if (this.max && n >= this.max) return false;
    this.counts.set(clientId, n + 1);
    return true;
  }

  finish(clientId: string): void {
    if (!this.max) return;
    const n = (this.counts.get(clientId) ?? 1) - 1;
    if (n > 0) this.counts.set(clientId, n);
    else this.counts.delete(clientId);
  }
}
