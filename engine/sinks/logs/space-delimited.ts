/**
 * Space-delimited filter patterns [CWL:FilterAndPatternSyntax]: `[ip, user, ..., status=4*, bytes>1000]`.
 * The message splits at spaces into fields; text in "double quotes" or [brackets] is one field (without them). Each
 * pattern field names a field and may test it: `=`, `!=` (strings with `*` wildcards, or numbers), `<`, `>`, `<=`,
 * `>=` (numbers), joined by `&&` or `||` on the same field (`status=4* || status=5*`); `...` stands for any number
 * of fields. Without `...` the field counts must be equal.
 */
import { invalid, quoted, wildcard } from './pattern-text.js';

type Test = (field: string) => boolean;
type Spec = { ellipsis: true } | { ellipsis: false; test: Test };

export function spaceDelimitedPattern(text: string): (message: string) => boolean {
  if (!text.endsWith(']')) throw invalid('a space-delimited pattern is written [field, field, …]');
  const specs = splitSpecs(text.slice(1, -1)).map(parseSpec);
  return (message) => matches(specs, splitFields(message));
}

function splitSpecs(body: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '"') i = quoted(body, i)[1] - 1;
    else if (body[i] === ',') {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out.map((s) => s.trim());
}

function parseSpec(spec: string): Spec {
  if (spec === '...') return { ellipsis: true };
  if (spec === '') throw invalid('an empty field in a space-delimited pattern');
  let i = 0;
  let name: string | undefined;
  const readName = () => {
    const m = /^\s*([A-Za-z0-9_$@-]+)/.exec(spec.slice(i));
    if (!m) throw invalid(`a field is named before its condition in "${spec}"`);
    if (name !== undefined && m[1] !== name) throw invalid(`&& and || join conditions on one field in "${spec}"`);
    name = m[1];
    i += m[0].length;
  };
  readName();
  let test: Test | undefined;
  let join: '&&' | '||' | undefined;
  for (;;) {
    const op = /^\s*(!=|<=|>=|=|<|>)\s*/.exec(spec.slice(i));
    if (!op) break;
    i += op[0].length;
    let value: string;
    let wasQuoted = false;
    if (spec[i] === '"') {
      [value, i] = quoted(spec, i);
      wasQuoted = true;
    } else {
      const m = /^[^\s&|]+/.exec(spec.slice(i));
      if (!m) throw invalid(`a value follows ${op[1]} in "${spec}"`);
      value = m[0];
      i += value.length;
    }
    const t = condition(op[1], value, wasQuoted, spec);
    const prev = test;
    test = prev === undefined ? t : join === '&&' ? (f) => prev(f) && t(f) : (f) => prev(f) || t(f);
    const j = /^\s*(&&|\|\|)/.exec(spec.slice(i));
    if (!j) break;
    join = j[1] as '&&' | '||';
    i += j[0].length;
    readName();
  }
  if (spec.slice(i).trim() !== '') throw invalid(`unexpected "${spec.slice(i).trim()}" in "${spec}"`);
  return { ellipsis: false, test: test ?? (() => true) };
}

function condition(op: string, value: string, wasQuoted: boolean, spec: string): Test {
  const numeric = !wasQuoted && /^-?\d+(\.\d+)?$/.test(value);
  const num = (f: string) => (f.trim() !== '' && Number.isFinite(Number(f)) ? Number(f) : undefined);
  if (!numeric) {
    if (op !== '=' && op !== '!=') throw invalid(`${op} compares numbers, not strings, in "${spec}"`);
    const test = value.includes('*') ? wildcard(value) : (f: string) => f === value;
    return op === '=' ? test : (f) => !test(f);
  }
  const n = Number(value);
  const cmp: Record<string, (a: number) => boolean> = {
    '=': (a) => a === n, '!=': (a) => a !== n, '<': (a) => a < n, '>': (a) => a > n, '<=': (a) => a <= n, '>=': (a) => a >= n,
  };
  return (f) => {
    const a = num(f);
    return a !== undefined && cmp[op](a);
  };
}

function splitFields(message: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i < message.length) {
    const c = message[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    const close = c === '"' ? '"' : c === '[' ? ']' : undefined;
    if (close) {
      const end = message.indexOf(close, i + 1);
      if (end >= 0) {
        fields.push(message.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    let j = i;
    while (j < message.length && !/\s/.test(message[j])) j++;
    fields.push(message.slice(i, j));
    i = j;
  }
  return fields;
}

function matches(specs: Spec[], fields: string[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (p: number, f: number): boolean => {
    if (p === specs.length) return f === fields.length;
    const key = p * (fields.length + 1) + f;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const s = specs[p];
    const r = s.ellipsis ? go(p + 1, f) || (f < fields.length && go(p, f + 1)) : f < fields.length && s.test(fields[f]) && go(p + 1, f + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}
