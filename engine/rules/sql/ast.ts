/**
 * AST of AWS IoT SQL [DG:iot-sql-reference]. Every node keeps its source span (`start`, `end`: UTF-16 offsets)
 * so diagnostics can point at it. `print(parse(sql))` gives canonical SQL that parses to the same tree.
 */

export type SqlVersion = '2015-10-08' | '2016-03-23';
export const SQL_VERSIONS: readonly SqlVersion[] = ['2015-10-08', '2016-03-23'];

export interface Span { start: number; end: number }

export type BinaryOperator = 'OR' | 'AND' | '=' | '<>' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';
export type UnaryOperator = 'NOT' | '-';

export type Expr =
  | NumberLiteral | StringLiteral | BooleanLiteral | NullLiteral | ObjectLiteral | ArrayLiteral
  | Identifier | Variable | Star | Member | Index | Call | Cast | Case | Unary | Binary | SubQuery;

export interface NumberLiteral extends Span { kind: 'Number'; value: number; raw: string }
export interface StringLiteral extends Span { kind: 'String'; value: string }
export interface BooleanLiteral extends Span { kind: 'Boolean'; value: boolean }
export interface NullLiteral extends Span { kind: 'Null' }
/** `{'k': expr, …}` (2016-03-23) [DG:iot-sql-literals]. */
export interface ObjectLiteral extends Span { kind: 'Object'; entries: Array<{ key: string; value: Expr }> }
/** `[expr, …]` (2016-03-23) [DG:iot-sql-literals]. */
export interface ArrayLiteral extends Span { kind: 'Array'; items: Expr[] }
/** A payload field (or, inside a nested query, a field of the current element). */
export interface Identifier extends Span { kind: 'Identifier'; name: string }
/** `@name`, defined by SET [DG:iot-sql-set]. */
export interface Variable extends Span { kind: 'Variable'; name: string }
/** `*` as a value: the whole payload, as in `encode(*, 'base64')`. */
export interface Star extends Span { kind: 'Star' }
export interface Member extends Span { kind: 'Member'; object: Expr; name: string }
/** `a[0]`: array indexing (and `o['key']`). AWS documents `get(a, 0)`; brackets are accepted too. */
export interface Index extends Span { kind: 'Index'; object: Expr; index: Expr }
export interface Call extends Span { kind: 'Call'; name: string; nameSpan: Span; args: Expr[] }
/** `cast(value AS type)`; `type` as written (`Int`, `Decimal`, `String`, …). */
export interface Cast extends Span { kind: 'Cast'; value: Expr; type: string; typeSpan: Span }
/** The simple CASE form only: `CASE v WHEN t THEN r … [ELSE e] END` [DG:iot-sql-case]. */
export interface Case extends Span { kind: 'Case'; subject: Expr; whens: Array<{ when: Expr; then: Expr }>; otherwise: Expr | null }
export interface Unary extends Span { kind: 'Unary'; op: UnaryOperator; operand: Expr }
export interface Binary extends Span { kind: 'Binary'; op: BinaryOperator; left: Expr; right: Expr; opSpan: Span }
/** `(SELECT … FROM path [WHERE …])` over an array or object in the payload [DG:iot-sql-nested-queries]. */
export interface SubQuery extends Span { kind: 'SubQuery'; select: SelectClause; from: Expr; where: Expr | null }

export interface SelectItemStar extends Span { kind: 'StarItem' }
export interface SelectItemExpr extends Span { kind: 'ExprItem'; expr: Expr; alias: string | null; aliasSpan: Span | null }
export type SelectItem = SelectItemStar | SelectItemExpr;

export type SelectClause =
  | ({ kind: 'List'; items: SelectItem[] } & Span)
  | ({ kind: 'Value'; expr: Expr } & Span);

export interface Assignment extends Span { name: string; value: Expr }

/** A whole rule statement: `[SET …] SELECT … [FROM 'filter'] [WHERE …]`. */
export interface Query extends Span {
  kind: 'Query';
  set: Assignment[];
  select: SelectClause;
  /** The topic filter, unquoted; null when FROM is omitted (Basic Ingest only) [DG:iot-sql-from]. */
  from: string | null;
  fromSpan: Span | null;
  where: Expr | null;
}
