import type { TopicStats } from '../../../../engine/contract/index.js';

/** A topic's last figures, as `TopicTree.figures` reads them for the rows on screen. */
export interface TopicFigures {
  count: number;
  /** Messages per second over the last 10 s, as of `lastTime`. */
  rate: number;
  lastSize: number;
  lastQos: 0 | 1 | 2;
  retained: boolean;
  /** The client id, one string per id however many topics it published to (`TopicTree.publishers`). */
  lastPublisher: string | null;
  lastTime: number;
}

const RETAINED = 4;
const QOS = 3;

/**
 * The last figures of every topic of a tree, in typed columns indexed by a slot per topic. An object per topic (and
 * the two boxed doubles each, `rate` and `lastTime`) was 300,000 of the page's million objects with 100,000 topics,
 * all live, which the collector marked again in every cycle of a flood: its concurrent marking then shared the cores
 * with the page's own tasks and stretched them past 50 ms. A column is one object however many topics it holds.
 */
export class FigureColumns {
  private counts = new Float64Array(1024);
  private rates = new Float64Array(1024);
  private times = new Float64Array(1024);
  private sizes = new Uint32Array(1024);
  /** The QoS in the low two bits, RETAINED above them. */
  private flags = new Uint8Array(1024);
  private publishers: (string | null)[] = [];
  /** Slots given back by `release`, used again before the columns grow. */
  private free: number[] = [];
  private used = 0;

  /** A slot for a new topic; its figures are zero until `take`. */
  allocate(): number {
    const slot = this.free.pop();
    if (slot !== undefined) return slot;
    if (this.used === this.counts.length) this.grow(this.used * 2);
    return this.used++;
  }

  release(slot: number): void {
    this.counts[slot] = this.rates[slot] = this.times[slot] = this.sizes[slot] = this.flags[slot] = 0;
    this.publishers[slot] = null;
    this.free.push(slot);
  }

  take(slot: number, stats: TopicStats, publisher: string | null): void {
    this.counts[slot] = stats.count;
    this.rates[slot] = stats.rate;
    this.times[slot] = stats.lastTime;
    this.sizes[slot] = stats.lastSize;
    this.flags[slot] = (stats.lastQos & QOS) | (stats.retained ? RETAINED : 0);
    this.publishers[slot] = publisher;
  }

  count(slot: number): number {
    return this.counts[slot]!;
  }

  lastTime(slot: number): number {
    return this.times[slot]!;
  }

  retained(slot: number): boolean {
    return (this.flags[slot]! & RETAINED) !== 0;
  }

  /** The slot's figures as a fresh object, for a row on screen. */
  read(slot: number): TopicFigures {
    const flags = this.flags[slot]!;
    return {
      count: this.counts[slot]!,
      rate: this.rates[slot]!,
      lastSize: this.sizes[slot]!,
      lastQos: (flags & QOS) as 0 | 1 | 2,
      retained: (flags & RETAINED) !== 0,
      lastPublisher: this.publishers[slot] ?? null,
      lastTime: this.times[slot]!,
    };
  }

  private grow(length: number): void {
    const widen = <T extends Float64Array | Uint32Array | Uint8Array>(column: T, make: new (n: number) => T): T => {
      const wider = new make(length);
      wider.set(column);
      return wider;
    };
    this.counts = widen(this.counts, Float64Array);
    this.rates = widen(this.rates, Float64Array);
    this.times = widen(this.times, Float64Array);
    this.sizes = widen(this.sizes, Uint32Array);
    this.flags = widen(this.flags, Uint8Array);
  }
}
