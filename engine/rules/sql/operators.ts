/**
 * AWS IoT SQL operators with AWS's type rules [DG:iot-sql-operators]. Every operator returns Undefined when an
 * operand has a type the operator's table does not list; Undefined operands propagate.
 */
import type { BinaryOperator } from './ast.js';
import { checkLength } from './limits.js';
import { sqlEquals, tidyDecimal, toBoolean, toNumber, toText, type SqlValue } from './values.js';

export type BinaryFn = (a: SqlValue, b: SqlValue) => SqlValue;

/** AND/OR: Boolean operands, or strings "true"/"false" in any case; anything else gives Undefined. */
export function and(a: SqlValue, b: SqlValue): SqlValue {
  const x = typeof a === 'boolean' ? a : toBoolean(a);
  if (x === undefined) return undefined;
  const y = typeof b === 'boolean' ? b : toBoolean(b);
  return y === undefined ? undefined : x && y;
}

export function or(a: SqlValue, b: SqlValue): SqlValue {
  const x = typeof a === 'boolean' ? a : toBoolean(a);
  if (x === undefined) return undefined;
  const y = typeof b === 'boolean' ? b : toBoolean(b);
  return y === undefined ? undefined : x || y;
}

export function not(a: SqlValue): SqlValue {
  const x = typeof a === 'boolean' ? a : toBoolean(a);
  return x === undefined ? undefined : !x;
}

export const equals: BinaryFn = (a, b) => (typeof a === 'number' && typeof b === 'number' ? a === b : sqlEquals(a, b));

/** `<>`: the inverse of `=`: mismatched types give true, Null <> Null false, Undefined stays Undefined. */
export const notEquals: BinaryFn = (a, b) => {
  if (typeof a === 'number' && typeof b === 'number') return a !== b;
  const eq = sqlEquals(a, b);
  return eq === undefined ? undefined : !eq;
};

/** `> >= < <=`: both operands converted to Decimal (numeric strings too); any other type gives Undefined. */
function comparison(test: (x: number, y: number) => boolean): BinaryFn {
  return (a, b) => {
    const x = typeof a === 'number' ? a : toNumber(a);
    if (x === undefined) return undefined;
    const y = typeof b === 'number' ? b : toNumber(b);
    return y === undefined ? undefined : test(x, y);
  };
}
export const greater = comparison((x, y) => x > y);
export const greaterOrEqual = comparison((x, y) => x >= y);
export const less = comparison((x, y) => x < y);
export const lessOrEqual = comparison((x, y) => x <= y);

/** `+`: a String on either side concatenates (the other side converted); Int + Int is Int; else Decimal. */
export const add: BinaryFn = (a, b) => {
  if (typeof a === 'number' && typeof b === 'number') return Number.isInteger(a) && Number.isInteger(b) ? a + b : tidyDecimal(a + b);
  if (typeof a === 'string' || typeof b === 'string') {
    const x = toText(a);
    const y = toText(b);
    if (x === undefined || y === undefined) return undefined;
    checkLength(x.length + y.length, "'+'");
    return x + y;
  }
  return undefined;
};

/**
 * `- * / %`: Int op Int is Int (so `/` divides whole numbers, truncating, as Java's BigInteger does); Decimals
 * and numeric strings give a Decimal; other types Undefined. Division by zero gives Undefined.
 */
function arithmetic(intOp: (x: number, y: number) => number | undefined, decimalOp: (x: number, y: number) => number | undefined): BinaryFn {
  return (a, b) => {
    if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) return intOp(a, b);
    const x = toNumber(a);
    if (x === undefined) return undefined;
    const y = toNumber(b);
    if (y === undefined) return undefined;
    const r = decimalOp(x, y);
    return r === undefined ? undefined : tidyDecimal(r);
  };
}
export const subtract = arithmetic((x, y) => x - y, (x, y) => x - y);
export const multiply = arithmetic((x, y) => x * y, (x, y) => x * y);
export const divide = arithmetic((x, y) => (y === 0 ? undefined : Math.trunc(x / y)), (x, y) => (y === 0 ? undefined : x / y));
export const remainder = arithmetic((x, y) => (y === 0 ? undefined : x % y), (x, y) => (y === 0 ? undefined : x % y));

/** Unary minus: numbers and numeric strings; else Undefined. */
export function negate(a: SqlValue): SqlValue {
  const x = toNumber(a);
  return x === undefined ? undefined : x === 0 ? 0 : -x;
}

export const BINARY: Record<BinaryOperator, BinaryFn> = {
  OR: or, AND: and, '=': equals, '<>': notEquals, '<': less, '<=': lessOrEqual, '>': greater, '>=': greaterOrEqual,
  '+': add, '-': subtract, '*': multiply, '/': divide, '%': remainder,
};
