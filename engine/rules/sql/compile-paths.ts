/**
 * Field access: `a.b.c`, `a[0]`, `x.y` on any expression. A chain rooted at a payload field with constant keys
 * compiles to one precompiled accessor (specialized for depths 1–3, which covers most telemetry rules).
 */
import type { Expr, Identifier, Index, Member } from './ast.js';
import type { Evaluator } from './evaluator.js';
import { getElement, getField, type SqlValue } from './values.js';

type Segment = string | number;

/** The constant key path of `e` when it is a field chain rooted at the row, else null. */
export function staticPath(e: Expr): Segment[] | null {
  if (e.kind === 'Identifier') return [e.name];
  if (e.kind === 'Member') {
    const base = staticPath(e.object);
    return base && [...base, e.name];
  }
  if (e.kind === 'Index' && (e.index.kind === 'Number' || e.index.kind === 'String')) {
    const base = staticPath(e.object);
    return base && [...base, e.index.value];
  }
  return null;
}

const step = (o: SqlValue, s: Segment): SqlValue => (typeof s === 'number' ? getElement(o, s) : getField(o, s));

export function pathAccessor(path: Segment[]): Evaluator {
  if (path.every((s) => typeof s === 'string')) {
    const [a, b, c] = path as string[];
    switch (path.length) {
      case 1: return (_ctx, row) => getField(row, a);
      case 2: return (_ctx, row) => getField(getField(row, a), b);
      case 3: return (_ctx, row) => getField(getField(getField(row, a), b), c);
      default: break;
    }
  }
  return (_ctx, row) => {
    let v = row;
    for (let i = 0; i < path.length && v !== undefined; i++) v = step(v, path[i]);
    return v;
  };
}

/** Member or Index on an arbitrary expression (a call result, a variable, a nested query). */
export function memberAccessor(node: Member | Index, object: Evaluator, index: Evaluator | null): Evaluator {
  if (node.kind === 'Member') {
    const name = node.name;
    return (ctx, row) => getField(object(ctx, row), name);
  }
  const idx = index as Evaluator;
  return (ctx, row) => {
    const o = object(ctx, row);
    const i = idx(ctx, row);
    return typeof i === 'number' ? getElement(o, i) : typeof i === 'string' ? getField(o, i) : undefined;
  };
}

/** The output key an unaliased SELECT item gets: the last path segment, or the function name. */
export function implicitKey(e: Expr, position: number): string {
  if (e.kind === 'Identifier') return (e as Identifier).name;
  if (e.kind === 'Member') return e.name;
  if (e.kind === 'Call') return e.name;
  return `_${position + 1}`;
}
