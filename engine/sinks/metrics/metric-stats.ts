/**
 * CloudWatch data points and their statistics, as PutMetricData, GetMetricStatistics and GetMetricData define them:
 * a datum is a value, a statistic set or values with counts; a period's statistics are SampleCount, Sum, Minimum,
 * Maximum, Average and percentiles (`p90`, from the single values kept).
 *
 * LIMITATIONS: metrics match on their exact dimension set (as GetMetricStatistics does); periods align to the epoch.
 */
import { EngineError } from '../../core/index.js';

export interface Dimension { name: string; value: string }

/** One stored data point (a record of a metric namespace). */
export interface StoredDatum {
  metricName: string;
  dimensions: Dimension[];
  unit: string;
  timestamp: number;
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
  /** The single values, for percentiles (absent for a statistic set). */
  values?: number[];
}

export const basicStatistics = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;

/** A metric's identity: name and sorted dimensions. */
export function metricKey(metricName: string, dimensions: readonly Dimension[]): string {
  return JSON.stringify([metricName, sortDimensions(dimensions).map((d) => [d.name, d.value])]);
}

export function sortDimensions(dimensions: readonly Dimension[]): Dimension[] {
  return [...dimensions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * A datum's record as kept (what the UI shows): `{ metricName, value, unit, timestamp }` for one value, plus
 * `dimensions` when it has any, `statisticValues` for a statistic set, `values` (expanded by counts) for values.
 */
export function recordOf(d: StoredDatum): Record<string, unknown> {
  const single = d.values?.length === 1 && d.sampleCount === 1;
  return {
    metricName: d.metricName,
    ...(single ? { value: d.values![0] } : {}),
    unit: d.unit, timestamp: d.timestamp,
    ...(d.dimensions.length ? { dimensions: d.dimensions } : {}),
    ...(single ? {} : d.values ? { values: d.values, statisticValues: stats(d) } : { statisticValues: stats(d) }),
  };
}
const stats = (d: StoredDatum) => ({ sampleCount: d.sampleCount, sum: d.sum, minimum: d.minimum, maximum: d.maximum });

/** A kept record back as a data point. */
export function storedDatum(data: Record<string, unknown>, time: number): StoredDatum {
  const base = { metricName: String(data.metricName), dimensions: (data.dimensions as Dimension[] | undefined) ?? [], unit: String(data.unit ?? 'None'), timestamp: Number(data.timestamp ?? time) };
  const s = data.statisticValues as { sampleCount: number; sum: number; minimum: number; maximum: number } | undefined;
  if (s) return { ...base, ...s, ...(Array.isArray(data.values) ? { values: data.values as number[] } : {}) };
  const v = Number(data.value);
  return { ...base, sampleCount: 1, sum: v, minimum: v, maximum: v, values: [v] };
}

/** Statistics of the data points in one period; `stat` is a basic statistic or a percentile `pNN`. */
export function statistic(points: readonly StoredDatum[], stat: string): number | undefined {
  if (points.length === 0) return undefined;
  const n = points.reduce((a, p) => a + p.sampleCount, 0);
  switch (stat) {
    case 'SampleCount': return n;
    case 'Sum': return points.reduce((a, p) => a + p.sum, 0);
    case 'Minimum': return Math.min(...points.map((p) => p.minimum));
    case 'Maximum': return Math.max(...points.map((p) => p.maximum));
    case 'Average': return n === 0 ? undefined : points.reduce((a, p) => a + p.sum, 0) / n;
    default: {
      const q = percentileOf(stat);
      const values = points.flatMap((p) => p.values ?? []).sort((a, b) => a - b);
      if (values.length === 0) return undefined;
      const i = Math.min(values.length - 1, Math.max(0, Math.ceil((q / 100) * values.length) - 1));
      return values[i];
    }
  }
}

/** `p90` → 90; anything else is not a statistic CloudWatch knows. */
export function percentileOf(stat: string): number {
  const m = /^p(\d{1,2}(?:\.\d{1,10})?|100)$/.exec(stat);
  if (!m) throw new EngineError('InvalidInput', `The parameter Statistic must be one of SampleCount, Average, Sum, Minimum, Maximum or a percentile pNN.NN, not "${stat}".`);
  return Number(m[1]);
}

export function isStatistic(stat: string): boolean {
  if ((basicStatistics as readonly string[]).includes(stat)) return true;
  try { percentileOf(stat); return true; } catch { return false; }
}

/** Groups points into epoch-aligned periods in [start, end): period start (ms) → points. */
export function byPeriod(points: readonly StoredDatum[], start: number, end: number, periodSeconds: number): Map<number, StoredDatum[]> {
  const ms = periodSeconds * 1000;
  const out = new Map<number, StoredDatum[]>();
  for (const p of points) {
    if (p.timestamp < start || p.timestamp >= end) continue;
    const at = Math.floor(p.timestamp / ms) * ms;
    const list = out.get(at);
    if (list) list.push(p); else out.set(at, [p]);
  }
  return out;
}
