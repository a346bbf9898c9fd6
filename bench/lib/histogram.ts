// Log-linear latency histogram: 64 linear sub-buckets per power of two (~1.6 % resolution), values in nanoseconds.
// Fixed size (about 2.3k counters covers 0 ns .. ~18 min), so recording never allocates.

const SUB = 64;
const MAX_EXP = 34;
const SIZE = SUB * (MAX_EXP + 1) + SUB * 2;

function indexOf(v: number): number {
  if (v < SUB * 2) return v < 0 ? 0 : Math.floor(v);
  let e = Math.floor(Math.log2(v)) - 6;
  let m = Math.floor(v / 2 ** e);
  if (m >= SUB * 2) { e++; m = Math.floor(v / 2 ** e); } else if (m < SUB) { e--; m = Math.floor(v / 2 ** e); }
  if (e > MAX_EXP) return SIZE - 1;
  return SUB * e + m;
}

/** Lower bound and width of bucket `i`. */
function bucketRange(i: number): [number, number] {
  if (i < SUB * 2) return [i, 1];
  const e = Math.floor(i / SUB) - 1;
  return [(i - SUB * e) * 2 ** e, 2 ** e];
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export class Histogram {
  private readonly counts = new Float64Array(SIZE);
  count = 0;
  private sum = 0;
  private maxValue = 0;

  record(ns: number): void {
    this.counts[indexOf(ns)]++;
    this.count++;
    this.sum += ns;
    if (ns > this.maxValue) this.maxValue = ns;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < SIZE; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sum += other.sum;
    if (other.maxValue > this.maxValue) this.maxValue = other.maxValue;
  }

  /** Value (bucket midpoint, ns) at quantile q in [0, 1]. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        const [lo, width] = bucketRange(i);
        return Math.min(lo + width / 2, this.maxValue);
      }
    }
    return this.maxValue;
  }

  /** Summary in milliseconds. */
  summaryMs(): LatencySummary {
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e3) / 1e3 : NaN);
    return {
      count: this.count,
      mean: this.count ? ms(this.sum / this.count) : NaN,
      p50: ms(this.quantile(0.5)),
      p90: ms(this.quantile(0.9)),
      p99: ms(this.quantile(0.99)),
      p999: ms(this.quantile(0.999)),
      max: ms(this.maxValue),
    };
  }
}
