/** String functions [DG:iot-sql-functions]. Arguments go through the standard String conversion. */
import { toFlooredInt, toNumber, toText, type SqlValue } from '../values.js';
import type { SqlVersion } from '../ast.js';
import { checkedText, checkLength, sized } from '../limits.js';
import { pure, V1, V2, type SqlFunction } from './types.js';

function text1(name: string, f: (s: string) => SqlValue, since: SqlVersion = V1): SqlFunction {
  return pure(name, 1, 1, (a) => { const s = toText(a); return s === undefined ? undefined : f(s); }, since);
}

function text2(name: string, f: (s: string, t: string) => SqlValue, since: SqlVersion = V1): SqlFunction {
  return pure(name, 2, 2, (a, b) => {
    const s = toText(a);
    const t = toText(b);
    return s === undefined || t === undefined ? undefined : f(s, t);
  }, since);
}

/** lpad/rpad: the count is rounded down and clamped to 0..1000; a non-numeric count gives Undefined. */
function pad(name: string, left: boolean): SqlFunction {
  return pure(name, 2, 2, (a, b) => {
    const s = toText(a);
    const n = toFlooredInt(b);
    if (s === undefined || n === undefined) return undefined;
    const spaces = ' '.repeat(Math.min(1000, Math.max(0, n)));
    checkLength(s.length + spaces.length, name);
    return left ? spaces + s : s + spaces;
  });
}

/** concat: 0 args Undefined; 1 arg unchanged; any Array → one flat array; else string concatenation. */
function concat(...args: SqlValue[]): SqlValue {
  if (args.length === 0) return undefined;
  if (args.length === 1) return args[0];
  if (args.some(Array.isArray)) {
    let count = 0;
    for (const a of args) count += Array.isArray(a) ? a.length : 1;
    checkLength(count, 'concat');
    const out: SqlValue[] = [];
    for (const a of args) if (Array.isArray(a)) for (const x of a) out.push(x); else out.push(a);
    return sized(out, 'concat');
  }
  if (!args.some((a) => typeof a === 'string')) return undefined;
  let s = '';
  for (const a of args) {
    const t = toText(a);
    if (t === undefined) return undefined;
    checkLength(s.length + t.length, 'concat');
    s += t;
  }
  return s;
}

/** substring(s, start[, end]): 0-based, end exclusive, indices clamped to the string, start ≥ end gives "". */
function substring(a: SqlValue, b: SqlValue, c?: SqlValue): SqlValue {
  const s = toText(a);
  const start = toNumber(b);
  if (s === undefined || start === undefined) return undefined;
  const clamp = (n: number) => Math.min(s.length, Math.max(0, Math.trunc(n)));
  if (c === undefined) return s.slice(clamp(start));
  const end = toNumber(c);
  if (end === undefined) return undefined;
  return clamp(start) >= clamp(end) ? '' : s.slice(clamp(start), clamp(end));
}

/** How many pieces `split(from)` inserts `to` between: occurrences, or the gaps between characters for ''. */
function countOf(s: string, from: string): number {
  if (from === '') return Math.max(0, s.length - 1);
  let n = 0;
  for (let at = s.indexOf(from); at >= 0; at = s.indexOf(from, at + from.length)) n++;
  return n;
}

const blank = (c: number) => c === 0x20 || c === 0x09;

/** Spaces and tabs off either end, by scanning (a `[ \t]+$` regex is quadratic on "   …x"). */
function trimBlanks(s: string, left: boolean, right: boolean): string {
  let start = 0;
  let end = s.length;
  if (left) while (start < end && blank(s.charCodeAt(start))) start++;
  if (right) while (end > start && blank(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

export const stringFunctions: SqlFunction[] = [
  pure('chr', 1, 1, (a) => {
    const n = toFlooredInt(a);
    return n === undefined || n < 0 || n > 127 ? undefined : String.fromCharCode(n); // ASCII only
  }),
  pure('concat', 0, Infinity, concat),
  text2('endswith', (s, t) => s.endsWith(t)),
  text2('startswith', (s, t) => s.startsWith(t)),
  text2('indexof', (s, t) => s.indexOf(t), V2),
  text1('length', (s) => s.length, V2),
  text1('numbytes', (s) => Buffer.byteLength(s, 'utf8'), V2),
  text1('lower', (s) => checkedText(s.toLowerCase(), 'lower')),
  text1('upper', (s) => checkedText(s.toUpperCase(), 'upper')),
  pad('lpad', true), pad('rpad', false),
  text1('ltrim', (s) => trimBlanks(s, true, false)),
  text1('rtrim', (s) => trimBlanks(s, false, true)),
  text1('trim', (s) => trimBlanks(s, true, true)),
  pure('replace', 3, 3, (a, b, c) => {
    const s = toText(a); const from = toText(b); const to = toText(c);
    if (s === undefined || from === undefined || to === undefined) return undefined;
    checkLength(s.length + countOf(s, from) * (to.length - from.length), 'replace');
    return s.split(from).join(to);
  }),
  pure('substring', 2, 3, substring),
];
