/**
 * Recursive-descent parser for AWS IoT SQL [DG:iot-sql-reference]: `[SET @v = e, …] SELECT … [FROM 'filter']
 * [WHERE e]`. Operator precedence is the usual SQL order (AWS does not document one): OR < AND < NOT <
 * comparison < `+ -` < `* / %` < unary minus < `.`/`[]`. The first syntax error throws a `SqlError` whose
 * diagnostic says what was expected and where.
 */
import type { Assignment, BinaryOperator, Expr, Query, SelectClause, SelectItem, Span, SubQuery } from './ast.js';
import { SqlError, makeDiagnostic } from './diagnostics.js';
import { RESERVED, tokenize, type Token } from './lexer.js';
import { childrenOf, queryExprs } from './walk.js';

/**
 * How deeply expressions may nest (parentheses, NOT, function calls, operator chains, `.field` chains). AWS
 * documents no figure; real rules stay far below it, and every pass over the tree (check, compile, print,
 * evaluate) is recursive, so a deeper rule is a SqlParseException instead of a stack overflow.
 */
export const MAX_NESTING = 400;
/** The parser's own recursion bound: parentheses recurse without adding a tree level, so they get twice the room. */
const MAX_PARSE_DEPTH = 2 * MAX_NESTING;

/** Binding power of each infix operator; higher binds tighter. */
export const PRECEDENCE: Record<BinaryOperator, number> = {
  OR: 1, AND: 2, '=': 4, '<>': 4, '<': 4, '<=': 4, '>': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6,
};
export const NOT_PRECEDENCE = 3;
export const UNARY_MINUS_PRECEDENCE = 7;

const INFIX: Record<string, BinaryOperator> = {
  OR: 'OR', AND: 'AND', '=': '=', '<>': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=', '+': '+', '-': '-', '*': '*', '/': '/', '%': '%',
};
const EXPRESSION_START = ['an expression'];

export function parse(sql: string): Query {
  const q = new Parser(sql).query();
  for (const e of queryExprs(q)) checkDepth(sql, e);
  return q;
}

/** Parses one expression (a substitution-template body, for example `topic(3)`). */
export function parseExpression(text: string): Expr {
  const p = new Parser(text);
  const e = p.expression(0);
  p.expectEnd();
  checkDepth(text, e);
  return e;
}

function tooDeep(source: string, span: Span): never {
  throw new SqlError([makeDiagnostic(source, 'TooDeep', 'error', span,
    `Expression nested too deeply (more than ${MAX_NESTING} levels)`)]);
}

/** The tree's depth, without recursion: left-leaning chains (`a AND b AND …`, `a.b.c…`) are deep but parse in a loop. */
function checkDepth(source: string, root: Expr): void {
  const stack: Array<[Expr, number]> = [[root, 1]];
  while (stack.length) {
    const [e, d] = stack.pop()!;
    if (d > MAX_NESTING) tooDeep(source, e);
    for (const c of childrenOf(e)) stack.push([c, d + 1]);
  }
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;
  private depth = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  // ── statement ──────────────────────────────────────────────────────────────

  query(): Query {
    const start = this.peek().start;
    const set = this.isWord('SET') ? this.setClause() : [];
    this.expectWord('SELECT');
    const select = this.selectClause();
    let from: string | null = null;
    let fromSpan: Span | null = null;
    if (this.acceptWord('FROM')) {
      const t = this.peek();
      // [DG:iot-sql-from] the topic filter must be quoted.
      if (t.kind !== 'string') this.fail(t, ['a quoted topic filter, for example \'topic/subtopic/#\'']);
      this.pos++;
      from = t.value;
      fromSpan = { start: t.start, end: t.end };
    }
    const where = this.acceptWord('WHERE') ? this.expression(0) : null;
    this.expectEnd(from === null ? ['FROM', 'WHERE', "','"] : where === null ? ['WHERE'] : undefined);
    return { kind: 'Query', set, select, from, fromSpan, where, start, end: this.source.length };
  }

  private setClause(): Assignment[] {
    this.pos++; // SET
    const out: Assignment[] = [];
    do {
      const t = this.peek();
      if (t.kind !== 'variable') this.fail(t, ['a variable such as @name']);
      this.pos++;
      this.expectPunct('=');
      const value = this.expression(0);
      out.push({ name: t.value, value, start: t.start, end: value.end });
    } while (this.acceptPunct(','));
    return out;
  }

  private selectClause(): SelectClause {
    const start = this.peek().start;
    // `VALUE` is a keyword only right after SELECT [DG:iot-sql-select]; elsewhere it can name a field.
    if (this.isWord('VALUE') && !this.startsItemEnd(this.tokens[this.pos + 1])) {
      this.pos++;
      const expr = this.expression(0);
      return { kind: 'Value', expr, start, end: expr.end };
    }
    const items: SelectItem[] = [];
    do items.push(this.selectItem()); while (this.acceptPunct(','));
    return { kind: 'List', items, start, end: items[items.length - 1].end };
  }

  private startsItemEnd(t: Token | undefined): boolean {
    return !t || t.kind === 'eof' || (t.kind === 'punct' && (t.value === ',' || t.value === '.' || t.value === ')'))
      || (t.kind === 'word' && (t.upper === 'FROM' || t.upper === 'AS' || t.upper === 'WHERE'));
  }

  private selectItem(): SelectItem {
    const t = this.peek();
    if (t.kind === 'punct' && t.value === '*' && this.startsItemEnd(this.tokens[this.pos + 1])) {
      this.pos++;
      return { kind: 'StarItem', start: t.start, end: t.end };
    }
    const expr = this.expression(0);
    if (!this.acceptWord('AS')) return { kind: 'ExprItem', expr, alias: null, aliasSpan: null, start: expr.start, end: expr.end };
    const first = this.peek();
    if ((first.kind !== 'word' || RESERVED.has(first.upper)) && first.kind !== 'string') this.fail(first, ['an alias name']);
    let alias = first.value;
    let end = first.end;
    this.pos++;
    // `AS bar.baz` appears in AWS's docs (output shape undocumented): kept as a dotted name.
    while (first.kind === 'word' && this.isPunct('.') && this.tokens[this.pos + 1]?.kind === 'word') {
      this.pos++;
      const part = this.next();
      alias += '.' + part.value;
      end = part.end;
    }
    return { kind: 'ExprItem', expr, alias, aliasSpan: { start: first.start, end }, start: expr.start, end };
  }

  // ── expressions (precedence climbing) ─────────────────────────────────────

  expression(minPrecedence: number): Expr {
    if (++this.depth > MAX_PARSE_DEPTH) tooDeep(this.source, this.peek());
    const e = this.climb(minPrecedence);
    this.depth--;
    return e;
  }

  private climb(minPrecedence: number): Expr {
    let left = this.prefix();
    for (;;) {
      const t = this.peek();
      const op = t.kind === 'punct' ? INFIX[t.value] : t.kind === 'word' ? INFIX[t.upper] : undefined;
      if (t.kind === 'punct' && t.value === '!=') this.fail(t, ["'<>' (AWS IoT SQL writes not-equal as <>)"]);
      if (!op) return left;
      const prec = PRECEDENCE[op];
      if (prec <= minPrecedence) return left;
      this.pos++;
      const right = this.expression(prec);
      left = { kind: 'Binary', op, left, right, opSpan: { start: t.start, end: t.end }, start: left.start, end: right.end };
    }
  }

  private prefix(): Expr {
    const t = this.peek();
    if (t.kind === 'word' && t.upper === 'NOT') {
      this.pos++;
      const operand = this.expression(NOT_PRECEDENCE - 0.5);
      return { kind: 'Unary', op: 'NOT', operand, start: t.start, end: operand.end };
    }
    if (t.kind === 'punct' && t.value === '-') {
      this.pos++;
      const operand = this.expression(UNARY_MINUS_PRECEDENCE - 0.5);
      return { kind: 'Unary', op: '-', operand, start: t.start, end: operand.end };
    }
    return this.postfix(this.primary());
  }

  private postfix(expr: Expr): Expr {
    for (;;) {
      if (this.acceptPunct('.')) {
        const t = this.peek();
        // After a dot any word names a field, keywords included (`state.value`) [DG:iot-sql-json].
        if (t.kind !== 'word') this.fail(t, ['a field name']);
        this.pos++;
        expr = { kind: 'Member', object: expr, name: t.value, start: expr.start, end: t.end };
      } else if (this.acceptPunct('[')) {
        const index = this.expression(0);
        const close = this.expectPunct(']');
        expr = { kind: 'Index', object: expr, index, start: expr.start, end: close.end };
      } else {
        return expr;
      }
    }
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.pos++;
        return { kind: 'Number', value: Number(t.value), raw: t.value, start: t.start, end: t.end };
      case 'string':
        this.pos++;
        return { kind: 'String', value: t.value, start: t.start, end: t.end };
      case 'variable':
        this.pos++;
        return { kind: 'Variable', name: t.value, start: t.start, end: t.end };
      case 'word':
        return this.wordPrimary(t);
      case 'punct':
        if (t.value === '(') return this.parenthesized(t);
        if (t.value === '{') return this.objectLiteral(t);
        if (t.value === '[') return this.arrayLiteral(t);
        if (t.value === '*') { this.pos++; return { kind: 'Star', start: t.start, end: t.end }; }
        break;
      default:
        break;
    }
    return this.fail(t, EXPRESSION_START);
  }

  private wordPrimary(t: Token): Expr {
    const span = { start: t.start, end: t.end };
    switch (t.upper) {
      case 'TRUE': case 'FALSE': this.pos++; return { kind: 'Boolean', value: t.upper === 'TRUE', ...span };
      case 'NULL': this.pos++; return { kind: 'Null', ...span };
      case 'CASE': return this.caseExpression(t);
      default: break;
    }
    if (RESERVED.has(t.upper)) this.fail(t, EXPRESSION_START);
    this.pos++;
    if (!this.isPunct('(')) return { kind: 'Identifier', name: t.value, ...span };
    this.pos++;
    if (t.upper === 'CAST') return this.castRest(t);
    const args: Expr[] = [];
    if (!this.isPunct(')')) do args.push(this.expression(0)); while (this.acceptPunct(','));
    const close = this.expectPunct(')', args.length ? ["','", "')'"] : undefined);
    return { kind: 'Call', name: t.value, nameSpan: span, args, start: t.start, end: close.end };
  }

  private castRest(name: Token): Expr {
    const value = this.expression(0);
    this.expectWord('AS');
    const type = this.peek();
    if (type.kind !== 'word') this.fail(type, ['a type name (String, Int, Decimal, Boolean, …)']);
    this.pos++;
    const close = this.expectPunct(')');
    return { kind: 'Cast', value, type: type.value, typeSpan: { start: type.start, end: type.end }, start: name.start, end: close.end };
  }

  private caseExpression(t: Token): Expr {
    this.pos++;
    const subject = this.expression(0);
    const whens: Array<{ when: Expr; then: Expr }> = [];
    // [DG:iot-sql-case] at least one WHEN clause.
    if (!this.isWord('WHEN')) this.fail(this.peek(), ['WHEN']);
    while (this.acceptWord('WHEN')) {
      const when = this.expression(0);
      this.expectWord('THEN');
      whens.push({ when, then: this.expression(0) });
    }
    const otherwise = this.acceptWord('ELSE') ? this.expression(0) : null;
    const end = this.expectWord('END', otherwise ? undefined : ['WHEN', 'ELSE', 'END']);
    return { kind: 'Case', subject, whens, otherwise, start: t.start, end: end.end };
  }

  private parenthesized(open: Token): Expr {
    this.pos++;
    if (this.isWord('SELECT')) return this.subQuery(open);
    const inner = this.expression(0);
    this.expectPunct(')');
    return inner;
  }

  private subQuery(open: Token): SubQuery {
    this.pos++; // SELECT
    const select = this.selectClause();
    this.expectWord('FROM');
    const from = this.expression(0);
    const where = this.acceptWord('WHERE') ? this.expression(0) : null;
    const close = this.expectPunct(')', where ? undefined : ['WHERE', "')'"]);
    return { kind: 'SubQuery', select, from, where, start: open.start, end: close.end };
  }

  private objectLiteral(open: Token): Expr {
    this.pos++;
    const entries: Array<{ key: string; value: Expr }> = [];
    if (!this.isPunct('}')) {
      do {
        const k = this.peek();
        if (k.kind !== 'string' && k.kind !== 'word') this.fail(k, ['a quoted key']);
        this.pos++;
        this.expectPunct(':');
        entries.push({ key: k.value, value: this.expression(0) });
      } while (this.acceptPunct(','));
    }
    const close = this.expectPunct('}', ["','", "'}'"]);
    return { kind: 'Object', entries, start: open.start, end: close.end };
  }

  private arrayLiteral(open: Token): Expr {
    this.pos++;
    const items: Expr[] = [];
    if (!this.isPunct(']')) do items.push(this.expression(0)); while (this.acceptPunct(','));
    const close = this.expectPunct(']', ["','", "']'"]);
    return { kind: 'Array', items, start: open.start, end: close.end };
  }

  // ── token helpers ─────────────────────────────────────────────────────────

  private peek(): Token { return this.tokens[this.pos]; }
  private next(): Token { return this.tokens[this.pos++]; }
  private isWord(upper: string): boolean { const t = this.peek(); return t.kind === 'word' && t.upper === upper; }
  private isPunct(p: string): boolean { const t = this.peek(); return t.kind === 'punct' && t.value === p; }
  private acceptWord(upper: string): boolean { if (!this.isWord(upper)) return false; this.pos++; return true; }
  private acceptPunct(p: string): boolean { if (!this.isPunct(p)) return false; this.pos++; return true; }

  private expectWord(upper: string, expected?: string[]): Token {
    if (!this.isWord(upper)) this.fail(this.peek(), expected ?? [upper]);
    return this.next();
  }

  private expectPunct(p: string, expected?: string[]): Token {
    if (!this.isPunct(p)) this.fail(this.peek(), expected ?? [`'${p}'`]);
    return this.next();
  }

  expectEnd(expected?: string[]): void {
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t, expected ?? ['end of input']);
  }

  private fail(t: Token, expected: string[]): never {
    const found = t.kind === 'eof' ? 'end of input' : `'${t.text}'`;
    const list = expected.length === 1 ? expected[0] : `${expected.slice(0, -1).join(', ')} or ${expected[expected.length - 1]}`;
    const span = t.kind === 'eof' ? { start: t.start, end: t.start } : t;
    throw new SqlError([makeDiagnostic(this.source, 'UnexpectedToken', 'error', span, `Expected ${list} but found ${found}`, expected)]);
  }
}
