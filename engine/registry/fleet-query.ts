/**
 * AWS IoT fleet-indexing query syntax [DG:query-syntax, DG:example-queries]: a parser into a small AST.
 *
 *   query   := or
 *   or      := and ( OR and )*
 *   and     := unary ( [AND] unary )*          (the default operator is AND)
 *   unary   := ( NOT | '-' ) unary | primary
 *   primary := '(' or ')' | term
 *   term    := field ':' value | field ':' range | field '<' value | field '>' value | value
 *   range   := ( '[' | '{' ) value TO value ( ']' | '}' )
 *   value   := "quoted" | bare word, with '*' (any run) and '?' (one character) wildcards in bare words
 *
 * A bare value without a field searches the thing name. `*` alone matches every thing. At most 7 terms.
 *
 * LIMITATIONS:
 * - No `<=`/`>=` (AWS documents only `<` and `>`), no fuzzy, proximity or boost syntax (AWS has none either).
 */
import { EngineError } from '../core/index.js';

export type FleetQuery =
  | { kind: 'all' }
  | { kind: 'and' | 'or'; items: FleetQuery[] }
  | { kind: 'not'; item: FleetQuery }
  | { kind: 'match'; field: string; value: QueryValue }
  | { kind: 'range'; field: string; lower?: QueryValue; upper?: QueryValue; lowerInclusive: boolean; upperInclusive: boolean };

/** A literal; `pattern` is set when a bare word had wildcards. */
export interface QueryValue {
  text: string;
  pattern?: RegExp;
}

export const MAX_QUERY_TERMS = 7;

type Token =
  | { t: 'word'; v: string; quoted: boolean; at: number }
  | { t: 'op'; v: '(' | ')' | ':' | '<' | '>' | '[' | ']' | '{' | '}' | '-'; at: number };

/** InvalidInput with `reason: 'query'`, so the HTTP edge answers InvalidQueryException. */
export function invalidQuery(message: string): EngineError {
  return new EngineError('InvalidInput', message, { reason: 'query' });
}

const SPECIALS = '():<>[]{}';

function tokenize(query: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (/\s/.test(c)) {
      i++;
    } else if (SPECIALS.includes(c)) {
      out.push({ t: 'op', v: c as never, at: i++ });
    } else if (c === '-' && (out.length === 0 || isBoundary(out[out.length - 1]))) {
      out.push({ t: 'op', v: '-', at: i++ }); // exclusion prefix, not a hyphen inside a word
    } else if (c === '"') {
      const start = i++;
      let v = '';
      while (i < query.length && query[i] !== '"') {
        if (query[i] === '\\' && i + 1 < query.length) i++;
        v += query[i++];
      }
      if (i >= query.length) throw invalidQuery(`Unterminated quoted string at offset ${start}`);
      i++;
      out.push({ t: 'word', v, quoted: true, at: start });
    } else {
      const start = i;
      let v = '';
      while (i < query.length && !/\s/.test(query[i]) && !SPECIALS.includes(query[i]) && query[i] !== '"') {
        if (query[i] === '\\' && i + 1 < query.length) i++;
        v += query[i++];
      }
      out.push({ t: 'word', v, quoted: false, at: start });
    }
  }
  return out;
}

/** A `-` starts an exclusion only at the start of a term (after space-separated tokens or an opening bracket). */
function isBoundary(prev: Token): boolean {
  return prev.t === 'op' ? prev.v === '(' || prev.v === '-' : true;
}

function toValue(word: { v: string; quoted: boolean; at: number }): QueryValue {
  if (word.quoted || !/[*?]/.test(word.v)) return { text: word.v };
  if (word.v !== '*' && /^[*?]/.test(word.v)) throw invalidQuery(`Leading wildcard characters are not supported: ${word.v}`);
  const source = word.v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return { text: word.v, pattern: new RegExp(`^${source}$`, 'is') };
}

class Parser {
  private i = 0;
  terms = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FleetQuery {
    const q = this.or();
    const rest = this.tokens[this.i];
    if (rest) throw invalidQuery(`Unexpected ${rest.t === 'op' ? `'${rest.v}'` : `'${rest.v}'`} at offset ${rest.at}`);
    return q;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t?.t === 'word' && !t.quoted && t.v === word;
  }

  private expectOp(v: string): void {
    const t = this.peek();
    if (t?.t !== 'op' || t.v !== v) throw invalidQuery(`Expected '${v}' ${t ? `at offset ${t.at}` : 'at the end of the query'}`);
    this.i++;
  }

  private or(): FleetQuery {
    const items = [this.and()];
    while (this.isKeyword('OR')) {
      this.i++;
      items.push(this.and());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  private and(): FleetQuery {
    const items = [this.unary()];
    for (;;) {
      const t = this.peek();
      if (!t || (t.t === 'op' && t.v === ')') || this.isKeyword('OR')) break;
      if (this.isKeyword('AND')) this.i++;
      items.push(this.unary());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  private unary(): FleetQuery {
    const t = this.peek();
    if (this.isKeyword('NOT') || (t?.t === 'op' && t.v === '-')) {
      this.i++;
      return { kind: 'not', item: this.unary() };
    }
    return this.primary();
  }

  private primary(): FleetQuery {
    const t = this.peek();
    if (!t) throw invalidQuery('Unexpected end of the query');
    if (t.t === 'op' && t.v === '(') {
      this.i++;
      const inner = this.or();
      this.expectOp(')');
      return inner;
    }
    if (t.t !== 'word') throw invalidQuery(`Unexpected '${t.v}' at offset ${t.at}`);
    if (['AND', 'OR', 'TO'].includes(t.v) && !t.quoted) throw invalidQuery(`Unexpected '${t.v}' at offset ${t.at}`);
    this.i++;
    const next = this.peek();
    if (++this.terms > MAX_QUERY_TERMS) throw invalidQuery(`The query has more than the maximum of ${MAX_QUERY_TERMS} terms`);
    if (next?.t === 'op' && (next.v === ':' || next.v === '<' || next.v === '>')) {
      if (t.quoted) throw invalidQuery(`A field name cannot be quoted (offset ${t.at})`);
      this.i++;
      return next.v === ':' ? this.fieldValue(t.v) : this.comparison(t.v, next.v);
    }
    if (t.v === '*' && !t.quoted) return { kind: 'all' };
    return { kind: 'match', field: 'thingName', value: toValue(t) };
  }

  private word(): { v: string; quoted: boolean; at: number } {
    const t = this.peek();
    if (t?.t !== 'word') throw invalidQuery(`Expected a value ${t ? `at offset ${t.at}` : 'at the end of the query'}`);
    this.i++;
    return t;
  }

  private fieldValue(field: string): FleetQuery {
    const t = this.peek();
    if (t?.t === 'op' && (t.v === '[' || t.v === '{')) {
      this.i++;
      const lower = this.bound();
      const to = this.word();
      if (to.v !== 'TO' || to.quoted) throw invalidQuery(`Expected TO at offset ${to.at}`);
      const upper = this.bound();
      const close = this.peek();
      if (close?.t !== 'op' || (close.v !== ']' && close.v !== '}')) throw invalidQuery(`Expected ']' or '}' ${close ? `at offset ${close.at}` : 'at the end of the query'}`);
      this.i++;
      return { kind: 'range', field, lower, upper, lowerInclusive: t.v === '[', upperInclusive: close.v === ']' };
    }
    const w = this.word();
    return { kind: 'match', field, value: toValue(w) };
  }

  /** A range bound: a value, or `*` for open-ended. */
  private bound(): QueryValue | undefined {
    const w = this.word();
    return w.v === '*' && !w.quoted ? undefined : { text: w.v };
  }

  private comparison(field: string, op: '<' | '>'): FleetQuery {
    const w = this.word();
    const value = { text: w.v };
    return op === '<'
      ? { kind: 'range', field, upper: value, lowerInclusive: false, upperInclusive: false }
      : { kind: 'range', field, lower: value, lowerInclusive: false, upperInclusive: false };
  }
}

/** Parses a query string; throws InvalidInput (`reason: 'query'`) with the offset of the problem. */
export function parseFleetQuery(query: string): FleetQuery {
  if (query.trim() === '') throw invalidQuery('The query string must not be empty');
  return new Parser(tokenize(query)).parse();
}
