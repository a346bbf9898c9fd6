/**
 * Canonical SQL text for an AST: keywords upper-case, strings single-quoted, the fewest parentheses that keep
 * the tree. `parse(print(ast))` gives back the same tree (the round-trip tests assert it).
 */
import type { Expr, Query, SelectClause, SelectItem } from './ast.js';
import { NOT_PRECEDENCE, PRECEDENCE, UNARY_MINUS_PRECEDENCE } from './parser.js';
import { RESERVED } from './lexer.js';

const POSTFIX_PRECEDENCE = 8;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function print(node: Query | Expr): string {
  return node.kind === 'Query' ? printQuery(node) : printExpr(node);
}

function printQuery(q: Query): string {
  const parts: string[] = [];
  if (q.set.length) parts.push('SET ' + q.set.map((a) => `@${a.name} = ${printExpr(a.value)}`).join(', '));
  parts.push('SELECT ' + printSelect(q.select));
  if (q.from !== null) parts.push('FROM ' + quote(q.from));
  if (q.where) parts.push('WHERE ' + printExpr(q.where));
  return parts.join(' ');
}

function printSelect(s: SelectClause): string {
  return s.kind === 'Value' ? 'VALUE ' + printExpr(s.expr) : s.items.map(printItem).join(', ');
}

function printItem(item: SelectItem): string {
  if (item.kind === 'StarItem') return '*';
  // `(*) AS x` is the payload under a name; without the parentheses it would read as `SELECT *`.
  const e = item.expr.kind === 'Star' ? '(*)' : printExpr(item.expr);
  if (item.alias === null) return e;
  const aliasIsWords = item.alias.split('.').every((w) => WORD.test(w));
  return `${e} AS ${aliasIsWords ? item.alias : quote(item.alias)}`;
}

export function quote(s: string): string {
  return "'" + s.replace(/[\\'\n\r\t\b\f\0]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\0': '\\0' })[c] ?? c) + "'";
}

function precedenceOf(e: Expr): number {
  if (e.kind === 'Binary') return PRECEDENCE[e.op];
  if (e.kind === 'Unary') return e.op === 'NOT' ? NOT_PRECEDENCE : UNARY_MINUS_PRECEDENCE;
  return POSTFIX_PRECEDENCE + 1;
}

function wrap(e: Expr, needsParens: boolean): string {
  const s = printExpr(e);
  return needsParens ? `(${s})` : s;
}

function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'Number': return e.raw;
    case 'String': return quote(e.value);
    case 'Boolean': return e.value ? 'TRUE' : 'FALSE';
    case 'Null': return 'NULL';
    case 'Identifier': return e.name;
    case 'Variable': return '@' + e.name;
    case 'Star': return '*';
    case 'Object': return '{' + e.entries.map((en) => `${quote(en.key)}: ${printExpr(en.value)}`).join(', ') + '}';
    case 'Array': return '[' + e.items.map(printExpr).join(', ') + ']';
    case 'Member': {
      const name = WORD.test(e.name) ? e.name : quote(e.name);
      return `${wrap(e.object, precedenceOf(e.object) <= POSTFIX_PRECEDENCE)}.${name}`;
    }
    case 'Index': return `${wrap(e.object, precedenceOf(e.object) <= POSTFIX_PRECEDENCE)}[${printExpr(e.index)}]`;
    case 'Call': return `${e.name}(${e.args.map(printExpr).join(', ')})`;
    case 'Cast': return `cast(${printExpr(e.value)} AS ${e.type})`;
    case 'Case': {
      const whens = e.whens.map((w) => `WHEN ${printExpr(w.when)} THEN ${printExpr(w.then)}`).join(' ');
      return `CASE ${printExpr(e.subject)} ${whens}${e.otherwise ? ' ELSE ' + printExpr(e.otherwise) : ''} END`;
    }
    case 'Unary': {
      const p = precedenceOf(e);
      if (e.op === 'NOT') return 'NOT ' + wrap(e.operand, precedenceOf(e.operand) < p);
      // `- -x` must not print as `--x`; a nested unary minus is parenthesized.
      return '-' + wrap(e.operand, precedenceOf(e.operand) <= p);
    }
    case 'Binary': {
      const p = PRECEDENCE[e.op];
      // Left-associative: a right operand of equal precedence needs parentheses (`a - (b - c)`).
      return `${wrap(e.left, precedenceOf(e.left) < p)} ${e.op} ${wrap(e.right, precedenceOf(e.right) <= p)}`;
    }
    case 'SubQuery': {
      const where = e.where ? ' WHERE ' + printExpr(e.where) : '';
      return `(SELECT ${printSelect(e.select)} FROM ${printExpr(e.from)}${where})`;
    }
  }
}

/** True when `name` can be written bare (not a reserved word). */
export function isPlainName(name: string): boolean {
  return WORD.test(name) && !RESERVED.has(name.toUpperCase());
}
