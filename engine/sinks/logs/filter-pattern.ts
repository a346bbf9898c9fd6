/**
 * CloudWatch Logs filter patterns [CWL:FilterAndPatternSyntax], compiled once into a predicate over a message.
 * - Terms: `ERROR`, `"quoted phrase"`, `ERROR Exception` (all must occur), `-term` (must not occur), `?ERROR ?WARN`
 *   (at least one), case-sensitive substring matches.
 * - Regular expressions: `%ERROR|WARN%` (RE2, linear time).
 * - JSON: `{ $.a.b[0] = "x*" }` with `=`, `!=` (strings with `*` wildcards, numbers), `<`, `>`, `<=`, `>=`
 *   (numbers), `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`, `EXISTS`, `&&`, `||` and parentheses. A message
 *   that is not a JSON object never matches.
 *
 * - Space-delimited: `[ip, user, ..., status=4*, bytes>1000]` (see space-delimited.ts).
 *
 * LIMITATIONS: JSON selectors with `*` are refused with InvalidParameterException naming them; term patterns do not
 * split on AWS's word boundaries (a term is a substring).
 */
import { RE2JS } from 're2js';
import { EngineError } from '../../core/index.js';
import { invalid, quoted, wildcard } from './pattern-text.js';
import { spaceDelimitedPattern } from './space-delimited.js';

export type MessageFilter = (message: string) => boolean;

const MAX_PATTERN = 1024;

/** Compiles a filter pattern; an empty one matches every message. Throws InvalidInput naming what is wrong. */
export function compileFilterPattern(pattern: string): MessageFilter {
  if (pattern.length > MAX_PATTERN) throw invalid(`the filter pattern is longer than ${MAX_PATTERN} characters`);
  const text = pattern.trim();
  if (text === '') return () => true;
  if (text.startsWith('{')) return jsonPattern(text);
  if (text.startsWith('[')) return spaceDelimitedPattern(text);
  if (text.startsWith('%')) return regexPattern(text);
  return termPattern(text);
}


// ---- terms ----

interface Term { text: string; mode: 'all' | 'not' | 'any' }

function termPattern(text: string): MessageFilter {
  const terms: Term[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) { i++; continue; }
    let mode: Term['mode'] = 'all';
    if ((text[i] === '-' || text[i] === '?') && i + 1 < text.length && !/\s/.test(text[i + 1])) {
      mode = text[i] === '-' ? 'not' : 'any';
      i++;
    }
    if (text[i] === '"') {
      const [value, end] = quoted(text, i);
      terms.push({ text: value, mode });
      i = end;
    } else {
      const start = i;
      while (i < text.length && !/\s/.test(text[i])) i++;
      terms.push({ text: text.slice(start, i), mode });
    }
  }
  const all = terms.filter((t) => t.mode === 'all').map((t) => t.text);
  const not = terms.filter((t) => t.mode === 'not').map((t) => t.text);
  const any = terms.filter((t) => t.mode === 'any').map((t) => t.text);
  return (m) => all.every((t) => m.includes(t)) && !not.some((t) => m.includes(t)) && (any.length === 0 || any.some((t) => m.includes(t)));
}

// ---- regular expressions ----

function regexPattern(text: string): MessageFilter {
  if (text.length < 3 || !text.endsWith('%')) throw invalid('a regular expression pattern is written %expression%');
  let re: RE2JS;
  try {
    re = RE2JS.compile(text.slice(1, -1));
  } catch (e) {
    throw invalid(`the regular expression does not compile (${(e as Error).message})`);
  }
  return (m) => re.matcher(m).find();
}

// ---- JSON ----

type Path = Array<string | number>;
type Cond = (doc: unknown) => boolean;
type Value = { kind: 'string'; text: string; wildcard: boolean } | { kind: 'number'; n: number };

const MISSING = Symbol('missing');

function jsonPattern(text: string): MessageFilter {
  const p = new JsonParser(text);
  const cond = p.parse();
  return (m) => {
    const start = m.search(/\S/);
    if (start < 0 || m[start] !== '{') return false;
    let doc: unknown;
    try {
      doc = JSON.parse(m);
    } catch {
      return false;
    }
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) && cond(doc);
  };
}

class JsonParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Cond {
    this.expect('{');
    const c = this.or();
    this.expect('}');
    this.ws();
    if (this.i < this.s.length) throw this.err('unexpected text after the closing }');
    return c;
  }

  private or(): Cond {
    const parts = [this.and()];
    while (this.eat('||')) parts.push(this.and());
    return parts.length === 1 ? parts[0] : (d) => parts.some((p) => p(d));
  }

  private and(): Cond {
    const parts = [this.primary()];
    while (this.eat('&&')) parts.push(this.primary());
    return parts.length === 1 ? parts[0] : (d) => parts.every((p) => p(d));
  }

  private primary(): Cond {
    if (this.eat('(')) {
      const c = this.or();
      this.expect(')');
      return c;
    }
    const path = this.selector();
    const get = (d: unknown) => select(d, path);
    if (this.word('IS')) {
      if (this.word('NULL')) return (d) => get(d) === null;
      if (this.word('TRUE')) return (d) => get(d) === true;
      if (this.word('FALSE')) return (d) => get(d) === false;
      throw this.err('IS is followed by NULL, TRUE or FALSE');
    }
    if (this.word('NOT')) {
      if (this.word('EXISTS')) return (d) => get(d) === MISSING;
      throw this.err('NOT is followed by EXISTS');
    }
    if (this.word('EXISTS')) return (d) => get(d) !== MISSING;
    const op = this.operator();
    const value = this.value();
    if (value.kind === 'string') {
      if (op !== '=' && op !== '!=') throw this.err(`${op} compares numbers, not strings`);
      const test = value.wildcard ? wildcard(value.text) : (s: string) => s === value.text;
      return (d) => {
        const v = get(d);
        if (typeof v !== 'string') return false;
        return op === '=' ? test(v) : !test(v);
      };
    }
    const n = value.n;
    const cmp: Record<string, (a: number) => boolean> = {
      '=': (a) => a === n, '!=': (a) => a !== n, '<': (a) => a < n, '>': (a) => a > n, '<=': (a) => a <= n, '>=': (a) => a >= n,
    };
    const test = cmp[op];
    return (d) => {
      const v = get(d);
      return typeof v === 'number' && test(v);
    };
  }

  private selector(): Path {
    this.ws();
    if (this.s[this.i] !== '$') throw this.err('a JSON condition starts with a selector such as $.field');
    this.i++;
    const path: Path = [];
    for (;;) {
      const c = this.s[this.i];
      if (c === '.') {
        this.i++;
        const m = /^[A-Za-z0-9_@$-]+/.exec(this.s.slice(this.i));
        if (this.s[this.i] === '*') throw this.err('selectors with * wildcards are not supported by Thingbench');
        if (!m) throw this.err('a property name follows "."');
        path.push(m[0]);
        this.i += m[0].length;
      } else if (c === '[') {
        const m = /^\[(\d+)\]/.exec(this.s.slice(this.i));
        if (!m) throw this.err(this.s.startsWith('[*]', this.i) ? 'selectors with * wildcards are not supported by Thingbench' : 'an array index is written [n]');
        path.push(Number(m[1]));
        this.i += m[0].length;
      } else {
        break;
      }
    }
    if (path.length === 0) throw this.err('a selector names a property: $.field');
    return path;
  }

  private operator(): string {
    this.ws();
    const m = /^(!=|<=|>=|=|<|>)/.exec(this.s.slice(this.i));
    if (!m) throw this.err('expected an operator (=, !=, <, >, <=, >=, IS NULL, NOT EXISTS)');
    this.i += m[0].length;
    return m[0];
  }

  private value(): Value {
    this.ws();
    if (this.s[this.i] === '"') {
      const [text, end] = quoted(this.s, this.i);
      this.i = end;
      return { kind: 'string', text, wildcard: text.includes('*') };
    }
    const m = /^[^\s()&|}]+/.exec(this.s.slice(this.i));
    if (!m) throw this.err('expected a value');
    this.i += m[0].length;
    const raw = m[0];
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return { kind: 'number', n: Number(raw) };
    return { kind: 'string', text: raw, wildcard: raw.includes('*') };
  }

  private word(w: string): boolean {
    this.ws();
    if (this.s.startsWith(w, this.i) && !/[A-Za-z0-9_]/.test(this.s[this.i + w.length] ?? '')) {
      this.i += w.length;
      return true;
    }
    return false;
  }

  private eat(tok: string): boolean {
    this.ws();
    if (this.s.startsWith(tok, this.i)) {
      this.i += tok.length;
      return true;
    }
    return false;
  }

  private expect(tok: string): void {
    if (!this.eat(tok)) throw this.err(`expected "${tok}"`);
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private err(problem: string): EngineError {
    return invalid(`${problem} at column ${this.i + 1}`);
  }
}

function select(doc: unknown, path: Path): unknown {
  let v: unknown = doc;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(v) || key >= v.length) return MISSING;
      v = v[key];
    } else {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, key)) return MISSING;
      v = (v as Record<string, unknown>)[key];
    }
  }
  return v;
}
