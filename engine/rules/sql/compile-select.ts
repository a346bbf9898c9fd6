/**
 * SELECT lists and nested queries [DG:iot-sql-select, iot-sql-nested-queries]. An item whose value is Undefined
 * is left out of the output object; `*` copies the row's keys first.
 */
import type { SelectClause, SelectItemExpr, SubQuery } from './ast.js';
import { implicitKey } from './compile-paths.js';
import { compileExpr } from './compile-expressions.js';
import type { CompileScope, Evaluator } from './evaluator.js';
import { SqlEvaluationError } from './diagnostics.js';
import { limitExceeded, MAX_VALUE_SIZE, sizeOf, withSize } from './limits.js';
import { isObject, setKey, type SqlObject, type SqlValue } from './values.js';

/** A SELECT item reduced to where its value goes: one key, or a dotted alias's path of keys. */
interface OutputField { path: string[]; value: Evaluator }

function outputField(item: SelectItemExpr, position: number, scope: CompileScope): OutputField {
  const path = item.alias === null ? [implicitKey(item.expr, position)] : item.alias.split('.');
  return { path, value: compileExpr(item.expr, scope) };
}

function setPath(o: SqlObject, path: string[], v: SqlValue): void {
  let target = o;
  for (let i = 0; i < path.length - 1; i++) {
    const next = target[path[i]];
    if (isObject(next)) target = next;
    else { const created: SqlObject = {}; setKey(target, path[i], created); target = created; }
  }
  setKey(target, path[path.length - 1], v);
}

/**
 * The SELECT clause for one row. `*` alone returns the row itself (shared, not copied: outputs are read-only).
 * With other items, `*` contributes the row's keys when the row is an object (an empty or non-JSON payload
 * contributes none) [DG:binary-payloads].
 */
export function compileSelect(select: SelectClause, scope: CompileScope): Evaluator {
  if (select.kind === 'Value') return compileExpr(select.expr, scope);
  const hasStar = select.items.some((i) => i.kind === 'StarItem');
  const fields = select.items.flatMap((item, i) => (item.kind === 'ExprItem' ? [outputField(item, i, scope)] : []));
  if (hasStar && fields.length === 0) return (_ctx, row) => row;
  const simple = fields.every((f) => f.path.length === 1 && f.path[0] !== '__proto__');
  const keys = fields.map((f) => f.path[0]);
  const values = fields.map((f) => f.value);
  return (ctx, row) => {
    const o: SqlObject = hasStar && isObject(row) ? { ...row } : {};
    // What the items add (the row `*` copies is the message itself, not something the rule built).
    let size = 1;
    for (let i = 0; i < values.length; i++) {
      const v = values[i](ctx, row);
      if (v === undefined) continue;
      size += sizeOf(v) + keys[i].length + 3;
      if (simple) o[keys[i]] = v;
      else setPath(o, fields[i].path, v);
    }
    if (size > MAX_VALUE_SIZE) throw limitExceeded('SELECT');
    return o;
  };
}

/**
 * `(SELECT … FROM e [WHERE …])`: over an array, one result per element that passes WHERE (Undefined results
 * dropped), as an array; over an object, the single result (AWS's transform example 3 selects from an object).
 */
export function compileSubQuery(n: SubQuery, outer: CompileScope): Evaluator {
  const scope: CompileScope = { ...outer, inSubQuery: true };
  const from = compileExpr(n.from, outer);
  const where = n.where ? compileExpr(n.where, scope) : null;
  const select = compileSelect(n.select, scope);
  const query: Evaluator = (ctx, row) => {
    const source = from(ctx, row);
    if (Array.isArray(source)) {
      const out: SqlValue[] = [];
      let size = 1;
      for (const el of source) {
        if (++iterations > MAX_ITERATIONS) throw new SqlEvaluationError('LimitExceeded', `nested queries: more than ${MAX_ITERATIONS.toLocaleString('en-US')} elements visited for one message`);
        if (where && where(ctx, el) !== true) continue;
        const v = select(ctx, el);
        if (v === undefined) continue;
        // Checked as it grows: nested queries over the same array would otherwise build n² values first.
        size += sizeOf(v);
        if (size > MAX_VALUE_SIZE) throw limitExceeded('nested query');
        out.push(v);
      }
      return withSize(out, size, 'nested query');
    }
    if (isObject(source)) return where && where(ctx, source) !== true ? undefined : select(ctx, source);
    return undefined;
  };
  // The outermost nested query of an evaluation starts the count (evaluation is synchronous, so one counter serves).
  return (ctx, row) => {
    if (depth++ === 0) iterations = 0;
    try {
      return query(ctx, row);
    } finally {
      depth--;
    }
  };
}

/**
 * Nested queries over the same array multiply (`(SELECT (SELECT … FROM @a) FROM @a)` visits n² elements) without
 * building anything large: one message may visit at most this many elements, a few tens of milliseconds of work.
 */
export const MAX_ITERATIONS = 1_000_000;
let iterations = 0;
let depth = 0;
