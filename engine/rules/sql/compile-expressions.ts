/** One compile handler per expression node kind (ARCHITECTURE §5). Each returns an `Evaluator` closure. */
import type { Binary, Call, Case, Cast, Expr, ObjectLiteral, ArrayLiteral, Unary } from './ast.js';
import { memberAccessor, pathAccessor, staticPath } from './compile-paths.js';
import { compileSubQuery } from './compile-select.js';
import { constant, constantValue, type CompileScope, type Evaluator } from './evaluator.js';
import { castTarget, castTo } from './functions/cast.js';
import { encodeBytes } from './functions/encoding.js';
import { lookupFunction } from './functions.js';
import { BINARY, equals, negate, not } from './operators.js';
import { SqlError, SqlEvaluationError, makeDiagnostic } from './diagnostics.js';
import { sized } from './limits.js';
import { setKey, type SqlObject, type SqlValue } from './values.js';


type Handler<K extends Expr['kind']> = (node: Extract<Expr, { kind: K }>, scope: CompileScope) => Evaluator;

const HANDLERS: { [K in Expr['kind']]: Handler<K> } = {
  Number: (n) => constant(n.value),
  String: (n) => constant(n.value),
  Boolean: (n) => constant(n.value),
  Null: () => constant(null),
  Object: compileObject,
  Array: compileArray,
  Identifier: (n) => pathAccessor([n.name]),
  Variable: (n, scope) => {
    const slot = scope.variableSlots.get(n.name) ?? -1;
    const values = scope.variableValues;
    return () => values[slot];
  },
  // `*` as a value: the parsed payload (the current element inside a nested query).
  Star: () => (_ctx, row) => row,
  Member: (n, scope) => {
    const path = staticPath(n);
    return path ? pathAccessor(path) : memberAccessor(n, compileExpr(n.object, scope), null);
  },
  Index: (n, scope) => {
    const path = staticPath(n);
    return path ? pathAccessor(path) : memberAccessor(n, compileExpr(n.object, scope), compileExpr(n.index, scope));
  },
  Call: compileCall,
  Cast: compileCast,
  Case: compileCase,
  Unary: compileUnary,
  Binary: compileBinary,
  SubQuery: (n, scope) => compileSubQuery(n, scope),
};

export function compileExpr(e: Expr, scope: CompileScope): Evaluator {
  return (HANDLERS[e.kind] as Handler<typeof e.kind>)(e as never, scope);
}

/**
 * Folds `f` over constant arguments at compile time; otherwise returns `build()`. A fold that hits a limit (a
 * result over 128 KB, a regex the engine cannot run) rejects the rule, as AWS rejects SQL it cannot run.
 */
function foldOr(node: Expr, scope: CompileScope, args: Evaluator[], f: (...v: SqlValue[]) => SqlValue, build: () => Evaluator): Evaluator {
  const consts = args.map(constantValue);
  if (!consts.every((c) => c !== undefined)) return build();
  try {
    return constant(f(...consts.map((c) => c!.value)));
  } catch (e) {
    if (!(e instanceof SqlEvaluationError)) throw e;
    throw new SqlError([makeDiagnostic(scope.source ?? '', e.diagnosticCode, 'error', node, e.message)]);
  }
}

function compileObject(n: ObjectLiteral, scope: CompileScope): Evaluator {
  const keys = n.entries.map((en) => en.key);
  const values = n.entries.map((en) => compileExpr(en.value, scope));
  return (ctx, row) => {
    const o: SqlObject = {};
    for (let i = 0; i < keys.length; i++) {
      const v = values[i](ctx, row);
      if (v !== undefined) setKey(o, keys[i], v); // Undefined members are left out [DG:iot-sql-data-types]
    }
    return sized(o, 'object literal');
  };
}

function compileArray(n: ArrayLiteral, scope: CompileScope): Evaluator {
  const items = n.items.map((i) => compileExpr(i, scope));
  return (ctx, row) => sized(items.map((ev) => ev(ctx, row)), 'array literal');
}

function compileCall(n: Call, scope: CompileScope): Evaluator {
  const fn = lookupFunction(n.name);
  if (!fn) return constant(undefined); // the checker has already reported it
  if (fn.name === 'sql_version') return constant(scope.version);
  // [DG:iot-sql-data-types] a wrong number of arguments gives Undefined.
  if (n.args.length < fn.minArgs || n.args.length > fn.maxArgs) return constant(undefined);
  // [DG:iot-sql-functions#iot-sql-encode-payload] `encode(*, …)` encodes the raw payload, JSON or not.
  if (fn.name === 'encode' && n.args[0].kind === 'Star' && !scope.inSubQuery) {
    const scheme = compileExpr(n.args[1], scope);
    return (ctx, row) => encodeBytes(ctx.message.payload, scheme(ctx, row));
  }
  const args = n.args.map((a) => compileExpr(a, scope));
  const [a, b, c] = args;
  if (fn.pure) {
    const f = fn.pure;
    return foldOr(n, scope, args, f, () => {
      switch (args.length) {
        case 0: return () => f();
        case 1: return (ctx, row) => f(a(ctx, row));
        case 2: return (ctx, row) => f(a(ctx, row), b(ctx, row));
        case 3: return (ctx, row) => f(a(ctx, row), b(ctx, row), c(ctx, row));
        default: return (ctx, row) => f(...args.map((ev) => ev(ctx, row)));
      }
    });
  }
  const g = fn.contextual!;
  switch (args.length) {
    case 0: return (ctx) => g(ctx);
    case 1: return (ctx, row) => g(ctx, a(ctx, row));
    case 2: return (ctx, row) => g(ctx, a(ctx, row), b(ctx, row));
    case 3: return (ctx, row) => g(ctx, a(ctx, row), b(ctx, row), c(ctx, row));
    default: return (ctx, row) => g(ctx, ...args.map((ev) => ev(ctx, row)));
  }
}

function compileCast(n: Cast, scope: CompileScope): Evaluator {
  const target = castTarget(n.type)?.target;
  if (!target) return constant(undefined);
  const value = compileExpr(n.value, scope);
  return foldOr(n, scope, [value], (v) => castTo(target, v), () => (ctx, row) => castTo(target, value(ctx, row)));
}

/** [DG:iot-sql-case] first WHEN equal to the subject wins; no match and no ELSE, or an Undefined subject: Undefined. */
function compileCase(n: Case, scope: CompileScope): Evaluator {
  const subject = compileExpr(n.subject, scope);
  const whens = n.whens.map((w) => compileExpr(w.when, scope));
  const thens = n.whens.map((w) => compileExpr(w.then, scope));
  const otherwise = n.otherwise ? compileExpr(n.otherwise, scope) : null;
  return (ctx, row) => {
    const v = subject(ctx, row);
    if (v === undefined) return undefined;
    for (let i = 0; i < whens.length; i++) if (equals(v, whens[i](ctx, row)) === true) return thens[i](ctx, row);
    return otherwise ? otherwise(ctx, row) : undefined;
  };
}

function compileUnary(n: Unary, scope: CompileScope): Evaluator {
  const operand = compileExpr(n.operand, scope);
  const f = n.op === 'NOT' ? not : negate;
  return foldOr(n, scope, [operand], f, () => (ctx, row) => f(operand(ctx, row)));
}

const NUMERIC_FAST_PATHS: Partial<Record<Binary['op'], (x: number, k: number) => boolean>> = {
  '>': (x, k) => x > k, '>=': (x, k) => x >= k, '<': (x, k) => x < k, '<=': (x, k) => x <= k,
  '=': (x, k) => x === k, '<>': (x, k) => x !== k,
};

function compileBinary(n: Binary, scope: CompileScope): Evaluator {
  const left = compileExpr(n.left, scope);
  const right = compileExpr(n.right, scope);
  const f = BINARY[n.op];
  return foldOr(n, scope, [left, right], f, () => {
    // `field > 50`: compare numbers directly; other types take the general conversion path.
    const k = constantValue(right)?.value;
    const fast = NUMERIC_FAST_PATHS[n.op];
    if (fast && typeof k === 'number') {
      return (ctx, row) => {
        const x = left(ctx, row);
        return typeof x === 'number' ? fast(x, k) : f(x, k);
      };
    }
    return (ctx, row) => f(left(ctx, row), right(ctx, row));
  });
}
