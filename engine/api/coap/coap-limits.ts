/**
 * Flood protection for the CoAP listener: a token bucket per remote address (a flood from one address is answered
 * 4.29 Too Many Requests, RFC 8516, while other addresses are served) and the edge's refusal counters.
 */

/** Addresses tracked at most; the longest-idle ones are forgotten first (a spoofed-source flood cannot grow memory). */
const MAX_ADDRESSES = 10_000;

export class AddressBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** `perSecond` 0 turns the limit off; `burst` is the bucket's size. */
  constructor(private readonly perSecond: number, private readonly burst: number, private readonly now: () => number = Date.now) {}

  /** Takes one request's token for `address`; false when its bucket is empty. */
  take(address: string): boolean {
    if (this.perSecond <= 0) return true;
    const now = this.now();
    let b = this.buckets.get(address);
    if (b) {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.perSecond) / 1000);
      b.at = now;
      this.buckets.delete(address); // re-inserted last: the map's order is least recently seen first
    } else {
      b = { tokens: this.burst, at: now };
      if (this.buckets.size >= MAX_ADDRESSES) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    this.buckets.set(address, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/** What the CoAP edge answered, refused (by response code) and dropped; the engine log (area `coap`) names each refusal. */
export class CoapCounters {
  requests = 0;
  malformed = 0;
  readonly refused: Record<string, number> = {};

  refuse(code: string): void {
    this.refused[code] = (this.refused[code] ?? 0) + 1;
  }
}
