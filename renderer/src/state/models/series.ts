import type { MessageRecord } from '../../../../engine/contract/index.js';
import { decodePayload } from '../../lib/format.js';
import { numberAt, numericPaths } from '../../lib/json-tools.js';

/** Points of one line: times (epoch ms, ascending) and values. */
export interface Points {
  t: number[];
  v: number[];
}

/** A message's JSON document, or undefined when its payload is not JSON. */
export function payloadJson(m: MessageRecord): unknown {
  const decoded = decodePayload(m.payload, m.truncated);
  return decoded.kind === 'text' && decoded.isJson ? decoded.json : undefined;
}

/** The numeric field paths seen in any of the messages, sorted. */
export function numericFieldsOf(messages: readonly MessageRecord[]): string[] {
  const seen = new Set<string>();
  for (const m of messages) for (const path of numericPaths(payloadJson(m))) seen.add(path);
  return [...seen].sort();
}

/**
 * The numeric lines of a chart, keyed by `topic path`, each bounded to `maxPoints` (the oldest go). Plain data: the
 * chart store says when it changed.
 */
export class SeriesSet {
  private readonly points = new Map<string, Points & { topic: string; path: string }>();
  /**
   * The lines of the last `view`, aligned over all their points and extended in place as live points arrive at the
   * end (the usual case); anything else (a late point, history put in front, trimming, other lines) rebuilds it.
   */
  private cache: { id: string; keys: readonly string[]; data: [number[], ...(number | null)[][]] } | null = null;

  constructor(private readonly maxPoints: number) {}

  add(key: string, topic: string, path: string): void {
    if (!this.points.has(key)) this.points.set(key, { topic, path, t: [], v: [] });
  }

  remove(key: string): void {
    this.points.delete(key);
    this.cache = null;
  }

  has(key: string): boolean {
    return this.points.has(key);
  }

  count(key: string): number {
    return this.points.get(key)?.t.length ?? 0;
  }

  /**
   * Puts a line's history (`[time, value]`, oldest first, from `broker.series`) in front of what is held: the points
   * before the first one held (live points that arrived while the history loaded stay as they are).
   */
  prepend(key: string, history: readonly (readonly [number, number])[]): void {
    const p = this.points.get(key);
    if (!p) return;
    const first = p.t[0] ?? Infinity;
    let n = 0;
    while (n < history.length && history[n][0] < first) n++;
    p.t.unshift(...history.slice(0, n).map(([t]) => t));
    p.v.unshift(...history.slice(0, n).map(([, v]) => v));
    this.trim(p);
    if (n) this.cache = null;
  }

  /** Adds a live message to every line of its topic; true when a point was added. */
  take(m: MessageRecord): boolean {
    let doc: unknown;
    let added = false;
    for (const p of this.points.values()) {
      if (p.topic !== m.topic) continue;
      doc ??= payloadJson(m);
      const value = numberAt(doc, p.path);
      if (value === null) continue;
      let i = p.t.length;
      while (i > 0 && p.t[i - 1] > m.time) i--; // a late message still lands in place
      if (i === p.t.length) {
        p.t.push(m.time);
        p.v.push(value);
        this.extendView(p, value);
      } else {
        p.t.splice(i, 0, m.time);
        p.v.splice(i, 0, value);
        this.cache = null;
      }
      this.trim(p);
      added = true;
    }
    return added;
  }

  /**
   * The lines `keys` over all their points on one time axis (seconds), as uPlot takes them: the same arrays as
   * `aligned(keys, -Infinity)`, kept and extended in place while points arrive in order, so a live chart costs the new
   * points, not all of them. A chart shows a window of it by setting its x scale.
   */
  view(keys: readonly string[]): [number[], ...(number | null)[][]] {
    const id = keys.join('\n');
    if (this.cache?.id !== id) this.cache = { id, keys: [...keys], data: this.aligned(keys, -Infinity) };
    return this.cache.data;
  }

  /** Adds the point just appended to `p` to the cached view, or drops the view when it cannot go at its end. */
  private extendView(p: Points, value: number): void {
    const cache = this.cache;
    if (!cache) return;
    const line = cache.keys.findIndex((k) => this.points.get(k) === p);
    if (line < 0) return;
    const n = p.t.length;
    // The same offset `aligned` gives the k-th point of one millisecond.
    let k = 0;
    while (k < 999 && n - 2 - k >= 0 && p.t[n - 2 - k] === p.t[n - 1]) k++;
    const x = (p.t[n - 1]! + k / 1000) / 1000;
    const [xs, ...ys] = cache.data;
    const last = xs.length - 1;
    if (last < 0 || x > xs[last]!) {
      xs.push(x);
      ys.forEach((y, i) => y.push(i === line ? value : null));
    } else if (x === xs[last] && ys[line]![last] === null) {
      ys[line]![last] = value;
    } else {
      this.cache = null;
    }
  }

  /** The lines `keys` since `since` on one time axis in seconds, as uPlot takes them: `[x, ...ys]` (null: no point). */
  aligned(keys: readonly string[], since: number): [number[], ...(number | null)[][]] {
    const lines = keys.map((k) => this.points.get(k) ?? { t: [], v: [] });
    // Several messages in one millisecond each keep their point: the k-th at t + k µs (ms precision is all a
    // timestamp has, and an epoch in ms as a double still resolves microseconds).
    const xOf = (p: Points): number[] => {
      const out: number[] = [];
      for (let i = firstAtOrAfter(p.t, since), k = 0; i < p.t.length; i++) {
        k = i > 0 && p.t[i] === p.t[i - 1] ? Math.min(k + 1, 999) : 0;
        out.push(p.t[i] + k / 1000);
      }
      return out;
    };
    const lineXs = lines.map(xOf);
    // Each line's times ascend: merge them in one pass per line (no sort), then place each line's values by walking.
    let xs: number[] = [];
    for (const lx of lineXs) xs = mergeAscending(xs, lx);
    const ys = lines.map((p, l) => {
      const lx = lineXs[l];
      const from = p.t.length - lx.length;
      const y = new Array<number | null>(xs.length).fill(null);
      for (let i = 0, at = 0; i < lx.length; i++) {
        while (xs[at] !== lx[i]) at++;
        y[at] = p.v[from + i];
      }
      return y;
    });
    return [xs.map((t) => t / 1000), ...ys];
  }

  /** Drops the oldest points past the bound, a tenth of it at a time (each drop rebuilds the view). */
  private trim(p: Points): void {
    if (p.t.length <= this.maxPoints + Math.floor(this.maxPoints / 10)) return;
    const extra = p.t.length - this.maxPoints;
    p.t.splice(0, extra);
    p.v.splice(0, extra);
    this.cache = null;
  }
}

/** The values of two ascending arrays, ascending, each value once. */
function mergeAscending(a: number[], b: number[]): number[] {
  if (!a.length) return b;
  if (!b.length) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (out[out.length - 1] !== next) out.push(next);
  }
  return out;
}

/** Index of the first time ≥ `since` in an ascending array. */
function firstAtOrAfter(times: number[], since: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < since) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
