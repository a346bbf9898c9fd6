/** A SQL console result: its CSV (RFC 4180) and its chart (an x column, numeric y columns, optionally one line per value of a column). */
import type { SqlCell } from './sql-tables.js';

export interface SqlResult {
  columns: string[];
  rows: SqlCell[][];
  /** Milliseconds the query took in the database. */
  ms: number;
  /** Rows changed by the last statement (INSERT, UPDATE, DELETE), when it returned no rows. */
  changes?: number;
}

/** One CSV field: quoted (quotes doubled) when it holds a comma, a quote, CR or LF, or starts or ends with a space. */
export function csvField(v: SqlCell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The result as RFC 4180 CSV: a header line, then one line per row, each line ended by CRLF. */
export function toCsv(columns: readonly string[], rows: readonly (readonly SqlCell[])[]): string {
  const line = (cells: readonly SqlCell[]) => `${cells.map(csvField).join(',')}\r\n`;
  return line(columns) + rows.map(line).join('');
}

/** A column whose non-NULL values are all numbers (and that has at least one). */
export function numericColumns(result: Pick<SqlResult, 'columns' | 'rows'>): number[] {
  const out: number[] = [];
  result.columns.forEach((_, c) => {
    let seen = false;
    for (const row of result.rows) {
      const v = row[c];
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number') return;
      seen = true;
    }
    if (seen) out.push(c);
  });
  return out;
}

/** Epoch milliseconds between 2001 and 2286: an x column of these is drawn as time. */
const isEpochMs = (v: number) => v > 1e12 && v < 1e13;

export interface ChartSpec {
  x: number;
  ys: number[];
  /** One line per distinct value of this column (e.g. per device); -1 for none. */
  splitBy: number;
}

export interface ChartData {
  /** `[x, ...ys]`, x ascending (seconds for time), null where a line has no point. */
  data: [number[], ...(number | null)[][]];
  lines: { label: string }[];
  time: boolean;
  /** Rows left out: their x was not a number. */
  skipped: number;
}

/** At most this many lines (split values × y columns); the rest are left out. */
export const MAX_LINES = 12;

/**
 * The chart of a result: rows sorted by x, one line per y column (or per y column and value of `splitBy`, at most
 * MAX_LINES); rows at the same x share one point. An x of epoch milliseconds is drawn as time.
 */
export function chartData(result: Pick<SqlResult, 'columns' | 'rows'>, spec: ChartSpec): ChartData {
  const usable = result.rows.filter((r) => typeof r[spec.x] === 'number');
  const time = usable.length > 0 && usable.every((r) => isEpochMs(r[spec.x] as number));
  const xOf = (r: SqlCell[]) => (time ? (r[spec.x] as number) / 1000 : (r[spec.x] as number));
  const xs = [...new Set(usable.map(xOf))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const groups = spec.splitBy >= 0 ? [...new Set(usable.map((r) => String(r[spec.splitBy] ?? 'NULL')))] : [''];
  const lines: { label: string }[] = [];
  const ys: (number | null)[][] = [];
  const index = new Map<string, number>();
  for (const group of groups) {
    for (const y of spec.ys) {
      if (lines.length >= MAX_LINES) break;
      index.set(`${group}\u0000${y}`, lines.length);
      const name = result.columns[y]!;
      lines.push({ label: spec.splitBy >= 0 ? (spec.ys.length > 1 ? `${group} ${name}` : group) : name });
      ys.push(new Array<number | null>(xs.length).fill(null));
    }
  }
  for (const r of usable) {
    const group = spec.splitBy >= 0 ? String(r[spec.splitBy] ?? 'NULL') : '';
    for (const y of spec.ys) {
      const line = index.get(`${group}\u0000${y}`);
      const v = r[y];
      if (line !== undefined && typeof v === 'number') ys[line]![at.get(xOf(r))!] = v;
    }
  }
  return { data: [xs, ...ys], lines, time, skipped: result.rows.length - usable.length };
}

/** A first chart for a result: x the first time-like or numeric column, y the next numeric column, split by a repeating text column if one. */
export function defaultChart(result: Pick<SqlResult, 'columns' | 'rows'>): ChartSpec | null {
  const numeric = numericColumns(result);
  if (numeric.length === 0) return null;
  const timeLike = numeric.find((c) => /time|minute|hour|day|^t$|^ts$|_at$/i.test(result.columns[c]!));
  const x = timeLike ?? (numeric.length > 1 ? numeric[0]! : -1);
  const ys = numeric.filter((c) => c !== x);
  if (x < 0 || ys.length === 0) return null;
  // A text column that repeats (2 to MAX_LINES values over more rows), like a device per minute: one line per value.
  const splitBy = result.columns.findIndex((_, c) => {
    if (numeric.includes(c) || !result.rows.some((r) => typeof r[c] === 'string')) return false;
    const values = new Set(result.rows.map((r) => r[c])).size;
    return values >= 2 && values <= MAX_LINES && values < result.rows.length;
  });
  return { x, ys: ys.slice(0, 1), splitBy };
}
