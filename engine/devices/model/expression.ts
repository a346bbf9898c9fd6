/**
 * A tiny, safe expression language for field expressions, guards and templates. No `eval`, no `Function`:
 * source → tokens → closures over a scope object.
 *
 *   literals     12  1.5e3  'text'  "text"  true  false  null
 *   names        temperature  attributes.model  vars['x']     (own properties only)
 *   operators    + - * / %   == != < <= > >=   && || !   c ? a : b   ( )
 *   functions    abs ceil floor round(x[, digits]) sqrt pow exp log sin cos min max clamp(x, lo, hi)
 *                pad(n, width)  str(x)  num(x)
 *
 * `+` concatenates when either side is a string; `==` and `!=` are strict.
 */

export class ExpressionError extends Error {
  constructor(message: string, readonly offset: number) { super(message); this.name = 'ExpressionError'; }
}

export type Scope = Readonly<Record<string, unknown>>;

export interface CompiledExpression {
  readonly source: string;
  /** The root names the expression reads (`a.b + c` → a, c); function names excluded. */
  readonly names: ReadonlySet<string>;
  evaluate(scope: Scope): unknown;
}

type Fn = (...args: unknown[]) => unknown;
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const FUNCTIONS: Readonly<Record<string, Fn>> = {
  abs: (x) => Math.abs(num(x)), ceil: (x) => Math.ceil(num(x)), floor: (x) => Math.floor(num(x)),
  round: (x, d) => roundTo(num(x), d === undefined ? 0 : num(d)),
  sqrt: (x) => Math.sqrt(num(x)), pow: (x, y) => Math.pow(num(x), num(y)), exp: (x) => Math.exp(num(x)),
  log: (x) => Math.log(num(x)), sin: (x) => Math.sin(num(x)), cos: (x) => Math.cos(num(x)),
  min: (...xs) => Math.min(...xs.map(num)), max: (...xs) => Math.max(...xs.map(num)),
  clamp: (x, lo, hi) => Math.min(num(hi), Math.max(num(lo), num(x))),
  pad: (n, w) => String(n).padStart(Math.min(num(w), 64), '0'), // width capped: a template must not allocate at will
  str: (x) => (typeof x === 'string' ? x : JSON.stringify(x) ?? ''),
  num: (x) => num(x),
};
export const EXPRESSION_FUNCTIONS: readonly string[] = Object.keys(FUNCTIONS);

/** Round half away from zero to `digits` decimals. */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
}

interface Token { kind: 'num' | 'str' | 'name' | 'op' | 'end'; text: string; value?: unknown; at: number }

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '+', '-', '*', '/', '%', '<', '>', '!', '?', ':', '(', ')', '.', ',', '[', ']'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const at = i;
    const numMatch = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (numMatch) { out.push({ kind: 'num', text: numMatch[0], value: Number(numMatch[0]), at }); i += numMatch[0].length; continue; }
    const nameMatch = /^[A-Za-z_$][\w$]*/.exec(src.slice(i));
    if (nameMatch) { out.push({ kind: 'name', text: nameMatch[0], at }); i += nameMatch[0].length; continue; }
    if (c === '"' || c === "'") {
      let s = ''; i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\' && i + 1 < src.length) { i++; s += src[i] === 'n' ? '\n' : src[i]; } else s += src[i];
        i++;
      }
      if (i >= src.length) throw new ExpressionError('unterminated string', at);
      i++;
      out.push({ kind: 'str', text: src.slice(at, i), value: s, at });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character '${c}'`, at);
    out.push({ kind: 'op', text: op, at }); i += op.length;
  }
  out.push({ kind: 'end', text: 'end of expression', at: src.length });
  return out;
}

type Node = (s: Scope) => unknown;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

function member(obj: unknown, key: unknown): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  const k = String(key);
  if (FORBIDDEN.has(k) || !Object.prototype.hasOwnProperty.call(obj, k)) return undefined;
  return (obj as Record<string, unknown>)[k];
}

const BINARY: Record<string, (a: unknown, b: unknown) => unknown> = {
  '+': (a, b) => (typeof a === 'string' || typeof b === 'string' ? `${str(a)}${str(b)}` : num(a) + num(b)),
  '-': (a, b) => num(a) - num(b), '*': (a, b) => num(a) * num(b), '/': (a, b) => num(a) / num(b),
  '%': (a, b) => num(a) % num(b),
  '==': (a, b) => a === b, '!=': (a, b) => a !== b,
  '<': (a, b) => (a as number) < (b as number), '<=': (a, b) => (a as number) <= (b as number),
  '>': (a, b) => (a as number) > (b as number), '>=': (a, b) => (a as number) >= (b as number),
};
function str(v: unknown): string { return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v) ?? ''; }

class Parser {
  private i = 0;
  private depth = 0;
  readonly names = new Set<string>();
  constructor(private readonly toks: Token[]) {}
  private peek(): Token { return this.toks[this.i]; }
  private take(): Token { return this.toks[this.i++]; }
  private isOp(text: string): boolean { const t = this.peek(); return t.kind === 'op' && t.text === text; }
  private expect(text: string): void {
    const t = this.take();
    if (t.kind !== 'op' || t.text !== text) throw new ExpressionError(`expected '${text}' but found '${t.text}'`, t.at);
  }
  parseAll(): Node {
    const n = this.ternary();
    const t = this.peek();
    if (t.kind !== 'end') throw new ExpressionError(`unexpected '${t.text}'`, t.at);
    return n;
  }
  private ternary(): Node {
    if (++this.depth > 200) throw new ExpressionError('expression is nested too deeply', this.peek().at);
    try { return this.ternaryInner(); } finally { this.depth--; }
  }
  private ternaryInner(): Node {
    const cond = this.binary(0);
    if (!this.isOp('?')) return cond;
    this.take();
    const a = this.ternary(); this.expect(':'); const b = this.ternary();
    return (s) => (cond(s) ? a(s) : b(s));
  }
  private static readonly LEVELS = [['||'], ['&&'], ['==', '!='], ['<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];
  private binary(level: number): Node {
    if (level >= Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !Parser.LEVELS[level].includes(t.text)) return left;
      this.take();
      const right = this.binary(level + 1), l = left;
      if (t.text === '&&') left = (s) => l(s) && right(s);
      else if (t.text === '||') left = (s) => l(s) || right(s);
      else { const f = BINARY[t.text]; left = (s) => f(l(s), right(s)); }
    }
  }
  private unary(): Node {
    if (++this.depth > 200) throw new ExpressionError('expression is nested too deeply', this.peek().at);
    try { return this.unaryInner(); } finally { this.depth--; }
  }
  private unaryInner(): Node {
    if (this.isOp('-')) { this.take(); const e = this.unary(); return (s) => -num(e(s)); }
    if (this.isOp('!')) { this.take(); const e = this.unary(); return (s) => !e(s); }
    return this.postfix();
  }
  private postfix(): Node {
    const t = this.peek();
    let node: Node;
    if (t.kind === 'name' && this.toks[this.i + 1]?.kind === 'op' && this.toks[this.i + 1].text === '(') {
      this.take(); this.take();
      const fn = Object.prototype.hasOwnProperty.call(FUNCTIONS, t.text) ? FUNCTIONS[t.text] : undefined;
      if (!fn) throw new ExpressionError(`unknown function '${t.text}'; expected one of: ${EXPRESSION_FUNCTIONS.join(', ')}`, t.at);
      const args: Node[] = [];
      if (!this.isOp(')')) { do { args.push(this.ternary()); } while (this.isOp(',') && this.take()); }
      this.expect(')');
      node = (s) => fn(...args.map((a) => a(s)));
    } else node = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.take();
        const k = this.take();
        if (k.kind !== 'name') throw new ExpressionError(`expected a property name after '.' but found '${k.text}'`, k.at);
        const obj = node; node = (s) => member(obj(s), k.text);
      } else if (this.isOp('[')) {
        this.take();
        const key = this.ternary(); this.expect(']');
        const obj = node; node = (s) => member(obj(s), key(s));
      } else return node;
    }
  }
  private primary(): Node {
    const t = this.take();
    if (t.kind === 'num' || t.kind === 'str') { const v = t.value; return () => v; }
    if (t.kind === 'name') {
      if (t.text === 'true') return () => true;
      if (t.text === 'false') return () => false;
      if (t.text === 'null') return () => null;
      this.names.add(t.text);
      const name = t.text;
      return (s) => member(s, name);
    }
    if (t.kind === 'op' && t.text === '(') { const e = this.ternary(); this.expect(')'); return e; }
    throw new ExpressionError(t.kind === 'end' ? 'expression ends too early' : `unexpected '${t.text}'`, t.at);
  }
}

/** Compiles `source`; throws `ExpressionError` (with the offset) when it does not parse. */
export function compileExpression(source: string): CompiledExpression {
  const p = new Parser(tokenize(source));
  const node = p.parseAll();
  return { source, names: p.names, evaluate: node };
}

// ---------------------------------------------------------------------------------------------------------------
// Templates: text with `{expr}` placeholders; `{{` and `}}` are literal braces.

export interface CompiledTemplate {
  readonly source: string;
  readonly names: ReadonlySet<string>;
  /** Each placeholder's expression and the offset of its text in the template (after the `{`). */
  readonly placeholders: readonly { offset: number; expression: CompiledExpression }[];
  render(scope: Scope): string;
}

/** Compiles a template; throws `ExpressionError` with the offset in the template. */
export function compileTemplate(source: string): CompiledTemplate {
  const parts: (string | CompiledExpression)[] = [];
  const names = new Set<string>();
  const placeholders: { offset: number; expression: CompiledExpression }[] = [];
  let text = '', i = 0;
  while (i < source.length) {
    const c = source[i];
    if ((c === '{' || c === '}') && source[i + 1] === c) { text += c; i += 2; continue; }
    if (c === '}') throw new ExpressionError("unmatched '}' (write '}}' for a literal brace)", i);
    if (c !== '{') { text += c; i++; continue; }
    let j = i + 1, quote = '';
    while (j < source.length && (quote || source[j] !== '}')) {
      if (quote) { if (source[j] === '\\') j++; else if (source[j] === quote) quote = ''; } else if (source[j] === '"' || source[j] === "'") quote = source[j];
      j++;
    }
    if (j >= source.length) throw new ExpressionError("unclosed '{' (write '{{' for a literal brace)", i);
    let expr: CompiledExpression;
    try { expr = compileExpression(source.slice(i + 1, j)); } catch (e) {
      if (e instanceof ExpressionError) throw new ExpressionError(e.message, i + 1 + e.offset);
      throw e;
    }
    if (text) parts.push(text);
    text = '';
    parts.push(expr);
    placeholders.push({ offset: i + 1, expression: expr });
    expr.names.forEach((n) => names.add(n));
    i = j + 1;
  }
  if (text) parts.push(text);
  return {
    source, names, placeholders,
    render: (scope) => parts.map((p) => (typeof p === 'string' ? p : str(p.evaluate(scope)))).join(''),
  };
}
