/** Child expressions of a node, for passes that visit every expression (checker, analyses). */
import type { Expr, Query, SelectClause } from './ast.js';

export function childrenOf(e: Expr): Expr[] {
  switch (e.kind) {
    case 'Object': return e.entries.map((en) => en.value);
    case 'Array': return e.items;
    case 'Member': return [e.object];
    case 'Index': return [e.object, e.index];
    case 'Call': return e.args;
    case 'Cast': return [e.value];
    case 'Case': return [e.subject, ...e.whens.flatMap((w) => [w.when, w.then]), ...(e.otherwise ? [e.otherwise] : [])];
    case 'Unary': return [e.operand];
    case 'Binary': return [e.left, e.right];
    case 'SubQuery': return [...selectExprs(e.select), e.from, ...(e.where ? [e.where] : [])];
    default: return [];
  }
}

export function selectExprs(s: SelectClause): Expr[] {
  return s.kind === 'Value' ? [s.expr] : s.items.flatMap((i) => (i.kind === 'ExprItem' ? [i.expr] : []));
}

/** Top-level expressions of a query, in evaluation order: SET, WHERE, SELECT. */
export function queryExprs(q: Query): Expr[] {
  return [...q.set.map((a) => a.value), ...(q.where ? [q.where] : []), ...selectExprs(q.select)];
}

export function visit(e: Expr, f: (e: Expr) => void): void {
  f(e);
  for (const c of childrenOf(e)) visit(c, f);
}
