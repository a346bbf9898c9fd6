/**
 * A hand-written recursive-descent parser for DynamoDB's expressions. Expression attribute names (`#n`) are resolved
 * while parsing and values (`:v`) are looked up, both recorded as used so the request can refuse unused ones as AWS
 * does. Bare names that are reserved words are refused with AWS's message.
 */
import type { AttributeValue } from './attribute-value.js';
import { ddbValidation } from './ddb-errors.js';
import { syntaxError, tokenize, type ExpressionKind, type Token } from './expression-tokens.js';
import { isReservedWord } from './reserved-words.js';

/** A document path: attribute names and list indexes (`a.b[2].c` → ['a', 'b', 2, 'c']). */
export type PathElem = string | number;
export interface PathNode { kind: 'path'; path: PathElem[] }
export interface ValueNode { kind: 'value'; name: string; value: AttributeValue }
export interface CallNode { kind: 'call'; fn: string; args: Operand[] }
export interface ArithNode { kind: 'arith'; op: '+' | '-'; left: Operand; right: Operand }
export type Operand = PathNode | ValueNode | CallNode | ArithNode;

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type Condition =
  | { kind: 'compare'; op: Comparator; left: Operand; right: Operand }
  | { kind: 'between'; operand: Operand; low: Operand; high: Operand }
  | { kind: 'in'; operand: Operand; list: Operand[] }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; cond: Condition }
  | { kind: 'fn'; fn: string; args: Operand[] };

export interface SetAction { path: PathElem[]; value: Operand }
export interface UpdatePlan {
  set: SetAction[];
  remove: PathElem[][];
  add: { path: PathElem[]; value: ValueNode }[];
  delete: { path: PathElem[]; value: ValueNode }[];
}

/** The request's ExpressionAttributeNames/Values and what the expressions used of them. */
export class ExpressionContext {
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();
  constructor(readonly names: Record<string, string> = {}, readonly values: Record<string, AttributeValue> = {}) {}
}

const CONDITION_FNS = new Set(['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains']);
const OPERAND_FNS = new Set(['size']);
const UPDATE_FNS = new Set(['if_not_exists', 'list_append']);
const ARITY: Record<string, number> = { attribute_exists: 1, attribute_not_exists: 1, attribute_type: 2, begins_with: 2, contains: 2, size: 1, if_not_exists: 2, list_append: 2 };
const COMPARATORS = new Set(['=', '<>', '<', '<=', '>', '>=']);
/** AWS allows at most 100 operands on the right of IN. */
const MAX_IN = 100;

class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  /** AWS reports syntax errors before reserved words and undefined names or values: those wait for the end. */
  private pending: string | undefined;

  constructor(private readonly kind: ExpressionKind, private readonly src: string, private readonly ctx: ExpressionContext) {
    if (src.trim() === '') throw ddbValidation(`Invalid ${kind}: The expression can not be empty;`);
    this.tokens = tokenize(kind, src);
  }

  private get tok(): Token { return this.tokens[this.pos]; }
  private peek(n = 1): Token { return this.tokens[Math.min(this.pos + n, this.tokens.length - 1)]; }
  private fail(): never { return syntaxError(this.kind, this.src, this.tokens, this.pos); }
  private invalid(message: string): never { throw ddbValidation(`Invalid ${this.kind}: ${message}`); }
  private isWord(w: string): boolean { return this.tok.kind === 'name' && this.tok.text.toUpperCase() === w; }
  private isPunct(p: string): boolean { return this.tok.kind === 'punct' && this.tok.text === p; }
  private expectPunct(p: string): void { if (!this.isPunct(p)) this.fail(); this.pos++; }
  end(): void {
    if (this.tok.kind !== 'eof') this.fail();
    if (this.pending !== undefined) this.invalid(this.pending);
  }
  private later(message: string): void { this.pending ??= message; }

  // ---- conditions ----
  condition(): Condition {
    let left = this.conjunction();
    while (this.isWord('OR')) { this.pos++; left = { kind: 'or', left, right: this.conjunction() }; }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.isWord('AND')) { this.pos++; left = { kind: 'and', left, right: this.negation() }; }
    return left;
  }

  private negation(): Condition {
    if (this.isWord('NOT')) { this.pos++; return { kind: 'not', cond: this.negation() }; }
    return this.primary();
  }

  private primary(): Condition {
    if (this.isPunct('(')) {
      this.pos++;
      const c = this.condition();
      this.expectPunct(')');
      return c;
    }
    if (this.tok.kind === 'name' && this.peek().kind === 'punct' && this.peek().text === '(') {
      const fn = this.tok.text;
      if (CONDITION_FNS.has(fn)) {
        const args = this.callArgs(fn);
        return { kind: 'fn', fn, args };
      }
    }
    const operand = this.conditionOperand();
    if (this.tok.kind === 'punct' && COMPARATORS.has(this.tok.text)) {
      const op = this.tok.text as Comparator;
      this.pos++;
      return { kind: 'compare', op, left: operand, right: this.conditionOperand() };
    }
    if (this.isWord('BETWEEN')) {
      this.pos++;
      const low = this.conditionOperand();
      if (!this.isWord('AND')) this.fail();
      this.pos++;
      return { kind: 'between', operand, low, high: this.conditionOperand() };
    }
    if (this.isWord('IN')) {
      this.pos++;
      this.expectPunct('(');
      const list = [this.conditionOperand()];
      while (this.isPunct(',')) { this.pos++; list.push(this.conditionOperand()); }
      this.expectPunct(')');
      if (list.length > MAX_IN) this.invalid(`The IN operator is provided with too many operands; number of operands: ${list.length}`);
      return { kind: 'in', operand, list };
    }
    if (operand.kind === 'call') this.invalid(`The function is not allowed to be used this way in an expression; function: ${operand.fn}`);
    return this.fail();
  }

  /** A condition's operand: a path, a value or size(path). */
  private conditionOperand(): Operand {
    if (this.tok.kind === 'name' && this.peek().kind === 'punct' && this.peek().text === '(') {
      const fn = this.tok.text;
      if (OPERAND_FNS.has(fn)) return { kind: 'call', fn, args: this.callArgs(fn) };
      if (CONDITION_FNS.has(fn) || UPDATE_FNS.has(fn)) {
        this.callArgs(fn);
        this.invalid(`The function is not allowed to be used this way in an expression; function: ${fn}`);
      }
      this.invalid(`Invalid function name; function: ${fn}`);
    }
    return this.simpleOperand();
  }

  private simpleOperand(): PathNode | ValueNode {
    if (this.tok.kind === 'valueRef') return this.value();
    return { kind: 'path', path: this.path() };
  }

  value(): ValueNode {
    if (this.tok.kind !== 'valueRef') this.fail();
    const name = this.tok.text;
    const value = this.ctx.values[name];
    if (value === undefined) this.later(`An expression attribute value used in expression is not defined; attribute value: ${name}`);
    this.ctx.usedValues.add(name);
    this.pos++;
    return { kind: 'value', name, value: value ?? { NULL: true } };
  }

  private callArgs(fn: string): Operand[] {
    this.pos += 2; // name, '('
    const args: Operand[] = [];
    if (!this.isPunct(')')) {
      args.push(this.argument(fn));
      while (this.isPunct(',')) { this.pos++; args.push(this.argument(fn)); }
    }
    this.expectPunct(')');
    if (args.length !== ARITY[fn]) this.invalid(`Incorrect number of operands for operator or function; operator or function: ${fn}, number of operands: ${args.length}`);
    return args;
  }

  private argument(fn: string): Operand {
    const arg = UPDATE_FNS.has(fn) ? this.updateOperand() : this.conditionOperand();
    return arg;
  }

  // ---- paths ----
  path(): PathElem[] {
    const out: PathElem[] = [this.pathName()];
    for (;;) {
      if (this.isPunct('.')) { this.pos++; out.push(this.pathName()); continue; }
      if (this.isPunct('[')) {
        this.pos++;
        if (this.tok.kind !== 'index') this.fail();
        out.push(Number(this.tok.text));
        this.pos++;
        this.expectPunct(']');
        continue;
      }
      return out;
    }
  }

  private pathName(): string {
    const t = this.tok;
    if (t.kind === 'nameRef') {
      const name = this.ctx.names[t.text];
      if (name === undefined) this.later(`An expression attribute name used in the document path is not defined; attribute name: ${t.text}`);
      this.ctx.usedNames.add(t.text);
      this.pos++;
      return name ?? t.text;
    }
    if (t.kind !== 'name') this.fail();
    if (isReservedWord(t.text)) this.later(`Attribute name is a reserved keyword; reserved keyword: ${t.text}`);
    this.pos++;
    return t.text;
  }

  // ---- update expressions ----
  update(): UpdatePlan {
    const plan: UpdatePlan = { set: [], remove: [], add: [], delete: [] };
    const seen = new Set<string>();
    do {
      const clause = this.tok.kind === 'name' ? this.tok.text.toUpperCase() : '';
      if (!['SET', 'REMOVE', 'ADD', 'DELETE'].includes(clause)) this.fail();
      if (seen.has(clause)) this.invalid(`The "${clause}" section can only be used once in an update expression;`);
      seen.add(clause);
      this.pos++;
      const list = () => { const r = [this.clauseItem(clause, plan)]; while (this.isPunct(',')) { this.pos++; r.push(this.clauseItem(clause, plan)); } };
      list();
    } while (this.tok.kind !== 'eof');
    return plan;
  }

  private clauseItem(clause: string, plan: UpdatePlan): void {
    const path = this.path();
    if (clause === 'SET') {
      this.expectPunct('=');
      plan.set.push({ path, value: this.setValue() });
    } else if (clause === 'REMOVE') {
      plan.remove.push(path);
    } else {
      const value = this.value();
      (clause === 'ADD' ? plan.add : plan.delete).push({ path, value });
    }
  }

  private setValue(): Operand {
    const left = this.updateOperand();
    if (this.isPunct('+') || this.isPunct('-')) {
      const op = this.tok.text as '+' | '-';
      this.pos++;
      return { kind: 'arith', op, left, right: this.updateOperand() };
    }
    return left;
  }

  private updateOperand(): Operand {
    if (this.tok.kind === 'name' && this.peek().kind === 'punct' && this.peek().text === '(') {
      const fn = this.tok.text;
      if (UPDATE_FNS.has(fn)) {
        const args = this.callArgs(fn);
        if (fn === 'if_not_exists' && args[0].kind !== 'path') this.invalid(`Operator or function requires a document path; operator or function: ${fn}`);
        return { kind: 'call', fn, args };
      }
      if (CONDITION_FNS.has(fn) || OPERAND_FNS.has(fn)) this.invalid(`The function is not allowed in an update expression; function: ${fn}`);
      this.invalid(`Invalid function name; function: ${fn}`);
    }
    return this.simpleOperand();
  }

  projection(): PathElem[][] {
    const out = [this.path()];
    while (this.isPunct(',')) { this.pos++; out.push(this.path()); }
    return out;
  }
}

export function parseCondition(kind: 'ConditionExpression' | 'FilterExpression' | 'KeyConditionExpression', src: string, ctx: ExpressionContext): Condition {
  const p = new Parser(kind, src, ctx);
  const c = p.condition();
  p.end();
  return c;
}

export function parseUpdate(src: string, ctx: ExpressionContext): UpdatePlan {
  const p = new Parser('UpdateExpression', src, ctx);
  const plan = p.update();
  p.end();
  return plan;
}

export function parseProjection(src: string, ctx: ExpressionContext): PathElem[][] {
  const p = new Parser('ProjectionExpression', src, ctx);
  const paths = p.projection();
  p.end();
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const [a, b] = [paths[i], paths[j]];
      if (a.slice(0, Math.min(a.length, b.length)).every((e, k) => e === b[k])) {
        throw ddbValidation(`Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${formatPath(a)}, path two: ${formatPath(b)}`);
      }
    }
  }
  return paths;
}

/** AWS prints a path as `[a, b, [2]]` in its messages. */
export const formatPath = (path: PathElem[]): string => `[${path.map((e) => (typeof e === 'number' ? `[${e}]` : e)).join(', ')}]`;
