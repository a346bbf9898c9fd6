/**
 * Pure helpers over JSON payloads for the explorer: the numeric fields a chart can plot, a field-by-field diff of
 * two documents, a line diff for text, and where a typed JSON document is broken.
 */

/** A field path: `a.b`, with array items as `a[0]`. Keys that are not plain names are quoted: `["a.b"]`. */
export type FieldPath = string;

// The engine's `broker.series` reads the same paths (a leading `$` there is the document, so names start otherwise).
const plainKey = /^[A-Za-z_][\w-]*$/;

function child(prefix: string, key: string | number): string {
  if (typeof key === 'number') return `${prefix}[${key}]`;
  if (plainKey.test(key)) return prefix ? `${prefix}.${key}` : key;
  return `${prefix}[${JSON.stringify(key)}]`;
}

/** Every leaf of a JSON value with its path, depth first, in document order (objects and arrays end at `maxLeaves`). */
export function leaves(value: unknown, maxLeaves = 5000): [FieldPath, unknown][] {
  const out: [FieldPath, unknown][] = [];
  const walk = (v: unknown, path: string): void => {
    if (out.length >= maxLeaves) return;
    if (Array.isArray(v)) {
      if (!v.length) out.push([path, v]);
      v.forEach((item, i) => walk(item, child(path, i)));
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      if (!keys.length) out.push([path, v]);
      for (const k of keys) walk((v as Record<string, unknown>)[k], child(path, k));
    } else out.push([path, v]);
  };
  walk(value, '');
  return out;
}

/** The paths of the finite numbers in a JSON value (what a chart can plot). */
export function numericPaths(value: unknown): FieldPath[] {
  return leaves(value, 500).filter(([path, v]) => path && typeof v === 'number' && Number.isFinite(v)).map(([path]) => path);
}

/** Splits `a.b[0]["c.d"]` into its keys. */
export function parsePath(path: FieldPath): (string | number)[] {
  const keys: (string | number)[] = [];
  const re = /([A-Za-z_][\w-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|(\.)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length && (m = re.exec(path))) {
    if (m[1] !== undefined) keys.push(m[1]);
    else if (m[2] !== undefined) keys.push(Number(m[2]));
    else if (m[3] !== undefined) keys.push(JSON.parse(m[3]) as string);
  }
  return keys;
}

/** The value at `path`, or undefined. */
export function valueAt(value: unknown, path: FieldPath): unknown {
  let v = value;
  for (const key of parsePath(path)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** A number at `path` in a JSON value, or null when there is none. */
export function numberAt(value: unknown, path: FieldPath): number | null {
  const v = valueAt(value, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export interface FieldChange {
  path: FieldPath;
  kind: 'added' | 'removed' | 'changed' | 'same';
  /** The values as JSON text (absent on the side that has none). */
  before?: string;
  after?: string;
}

/** Field-by-field difference from `before` to `after`: every leaf of either, in `after`'s order, then what was removed. */
export function diffFields(before: unknown, after: unknown): FieldChange[] {
  const old = new Map(leaves(before).map(([p, v]) => [p || '(value)', JSON.stringify(v)]));
  const changes: FieldChange[] = [];
  const seen = new Set<string>();
  for (const [p, v] of leaves(after)) {
    const path = p || '(value)';
    const text = JSON.stringify(v);
    seen.add(path);
    const was = old.get(path);
    if (was === undefined) changes.push({ path, kind: 'added', after: text });
    else changes.push({ path, kind: was === text ? 'same' : 'changed', before: was, after: text });
  }
  for (const [path, was] of old) if (!seen.has(path)) changes.push({ path, kind: 'removed', before: was });
  return changes;
}

export interface LineChange {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

/**
 * Line difference (longest common subsequence) from `before` to `after`. Past `maxCells` of work the lines that do
 * not match at the ends are shown as removed then added, which is still true, only less precise.
 */
export function diffLines(before: string, after: string, maxCells = 4_000_000): LineChange[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; }
  const head = a.slice(0, start).map((text): LineChange => ({ kind: 'same', text }));
  const tail = a.slice(endA).map((text): LineChange => ({ kind: 'same', text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  if (n * m > maxCells) {
    return [...head, ...midA.map((text): LineChange => ({ kind: 'removed', text })), ...midB.map((text): LineChange => ({ kind: 'added', text })), ...tail];
  }
  // lcs[i][j]: the common subsequence length of midA[i..] and midB[j..], one flat array.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = midA[i] === midB[j] ? lcs[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
    }
  }
  const mid: LineChange[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (midA[i] === midB[j]) { mid.push({ kind: 'same', text: midA[i] }); i++; j++; }
    else if (lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) mid.push({ kind: 'removed', text: midA[i++] });
    else mid.push({ kind: 'added', text: midB[j++] });
  }
  while (i < n) mid.push({ kind: 'removed', text: midA[i++] });
  while (j < m) mid.push({ kind: 'added', text: midB[j++] });
  return [...head, ...mid, ...tail];
}

/** True when typed text is meant as JSON: it starts with `{` or `[` (what a person types for a document). */
export function looksLikeJson(text: string): boolean {
  return /^\s*[[{]/.test(text);
}

export interface JsonProblem {
  message: string;
  /** 1-based. */
  line: number;
  column: number;
}

/** What is wrong with a JSON text and where, or null when it parses. */
export function jsonProblem(text: string): JsonProblem | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    const lineCol = /\(line (\d+) column (\d+)\)/.exec(raw);
    const at = /at position (\d+)/.exec(raw);
    let line: number;
    let column: number;
    if (lineCol) {
      line = Number(lineCol[1]);
      column = Number(lineCol[2]);
    } else {
      // No position (e.g. "Unexpected end of JSON input"): the end of the text.
      const offset = at ? Number(at[1]) : text.length;
      const before = text.slice(0, offset).split('\n');
      line = before.length;
      column = before[before.length - 1].length + 1;
    }
    const message = raw.replace(/\s*\(line \d+ column \d+\)/, '').replace(/\s*in JSON at position \d+/, '').replace(/^JSON\.parse: /, '');
    return { message, line, column };
  }
}
