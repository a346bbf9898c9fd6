// The fleet benchmark's delivery ledger: what the wildcard subscriber received, each device's message counted once.
// A message is `bench/fleet/{index}` with a JSON payload holding `seq` (0, 1, 2, … per device) and `ts` (epoch ms
// when the device produced it). QoS 1 is at least once, so a (device, seq) seen again is a duplicate, not a delivery.
import { Histogram } from '../lib/histogram.js';

const TOPIC_PREFIX = 'bench/fleet/';

export class DeliveryLedger {
  /** Messages received, duplicates included. */
  received = 0;
  /** Distinct (device, seq) pairs received. */
  unique = 0;
  duplicates = 0;
  /** Messages whose topic or payload is not a benchmark reading (counted, not otherwise used). */
  foreign = 0;
  /**
   * Device produced → subscriber received, epoch-ms clocks of one machine (1 ms resolution), of unique messages
   * received while `timing` is on.
   */
  readonly latency = new Histogram();
  timing = true;
  private readonly seen: Uint8Array[] = [];

  /** Records one received PUBLISH; `nowMs` is the receive time (Date.now()). */
  record(topic: string, payload: Buffer, nowMs: number): void {
    this.received++;
    const index = topic.startsWith(TOPIC_PREFIX) ? Number(topic.slice(TOPIC_PREFIX.length)) : NaN;
    let seq = NaN;
    let ts = NaN;
    try {
      const doc = JSON.parse(payload.toString('utf8')) as { seq?: unknown; ts?: unknown };
      seq = typeof doc.seq === 'number' ? doc.seq : NaN;
      ts = typeof doc.ts === 'number' ? doc.ts : NaN;
    } catch { /* not JSON */ }
    if (!Number.isInteger(index) || index < 0 || !Number.isInteger(seq) || seq < 0) {
      this.foreign++;
      return;
    }
    let bits = this.seen[index];
    if (!bits || seq >> 3 >= bits.length) {
      const grown = new Uint8Array(Math.max(16, (seq >> 3) + 1) * 2);
      if (bits) grown.set(bits);
      this.seen[index] = bits = grown;
    }
    const mask = 1 << (seq & 7);
    if (bits[seq >> 3] & mask) {
      this.duplicates++;
      return;
    }
    bits[seq >> 3] |= mask;
    this.unique++;
    if (this.timing && Number.isFinite(ts)) this.latency.record(Math.max(0, nowMs - ts) * 1e6);
  }

  /** Devices from which at least one message arrived. */
  devicesHeard(): number {
    let n = 0;
    for (const b of this.seen) if (b) n++;
    return n;
  }
}
