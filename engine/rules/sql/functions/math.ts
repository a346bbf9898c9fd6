/** Math and bitwise functions [DG:iot-sql-functions]. Numeric strings convert; other types give Undefined. */
import { tidyDecimal, toFlooredInt, toNumber, type SqlValue } from '../values.js';
import { pure, type SqlFunction } from './types.js';

/** "Decimal arguments are rounded to double precision"; imaginary (NaN) and infinite results are Undefined. */
function double(name: string, f: (x: number) => number): SqlFunction {
  return pure(name, 1, 1, (a) => {
    const x = toNumber(a);
    if (x === undefined) return undefined;
    const r = f(x);
    return Number.isFinite(r) ? r : undefined;
  });
}

function double2(name: string, f: (x: number, y: number) => number): SqlFunction {
  return pure(name, 2, 2, (a, b) => {
    const x = toNumber(a);
    const y = toNumber(b);
    if (x === undefined || y === undefined) return undefined;
    const r = f(x, y);
    return Number.isFinite(r) ? r : undefined;
  });
}

function toIntResult(name: string, f: (x: number) => number): SqlFunction {
  return pure(name, 1, 1, (a) => {
    const x = toNumber(a);
    return x === undefined ? undefined : f(x) + 0; // + 0 turns -0 into 0
  });
}

/** mod/remainder/`%`: Int % Int is Int; otherwise Decimal; division by zero Undefined. */
function remainderOf(a: SqlValue, b: SqlValue): SqlValue {
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === undefined || y === undefined || y === 0) return undefined;
  return tidyDecimal(x % y) + 0;
}

/** trunc(x, places): toward zero, places clamped to 0..34, trailing zeros dropped; done on the decimal text. */
function trunc(a: SqlValue, b: SqlValue): SqlValue {
  const x = toNumber(a);
  const p = toFlooredInt(b);
  if (x === undefined || p === undefined) return undefined;
  if (Number.isInteger(x)) return x;
  const places = Math.min(34, Math.max(0, p));
  const text = Math.abs(x) >= 1e-6 && Math.abs(x) < 1e21 ? String(x) : x.toFixed(Math.min(100, places + 1));
  const dot = text.indexOf('.');
  return dot < 0 ? x : Number(text.slice(0, places === 0 ? dot : dot + 1 + places)) + 0;
}

/** Bitwise functions: arguments rounded down to Int, computed on arbitrary-precision integers as AWS's Int is. */
function bitwise(name: string, f: (x: bigint, y: bigint) => bigint): SqlFunction {
  return pure(name, 2, 2, (a, b) => {
    const x = toFlooredInt(a);
    const y = toFlooredInt(b);
    return x === undefined || y === undefined ? undefined : Number(f(BigInt(x), BigInt(y)));
  });
}

export const mathFunctions: SqlFunction[] = [
  pure('abs', 1, 1, (a) => { const x = toNumber(a); return x === undefined ? undefined : Math.abs(x); }),
  double('acos', Math.acos), double('asin', Math.asin), double('atan', Math.atan), double2('atan2', Math.atan2),
  double('cos', Math.cos), double('cosh', Math.cosh), double('sin', Math.sin), double('sinh', Math.sinh),
  double('tan', Math.tan), double('tanh', Math.tanh), double('exp', Math.exp), double('ln', Math.log),
  double('log', Math.log10), double('sqrt', Math.sqrt), double2('power', Math.pow),
  toIntResult('ceil', Math.ceil), toIntResult('floor', Math.floor), toIntResult('sign', Math.sign),
  // round: half away from zero, as the examples show (Round(-1.5) = -2) [DG:iot-sql-functions#iot-func-round].
  toIntResult('round', (x) => Math.sign(x) * Math.round(Math.abs(x))),
  pure('mod', 2, 2, remainderOf), pure('remainder', 2, 2, remainderOf),
  pure('trunc', 2, 2, trunc),
  bitwise('bitand', (x, y) => x & y), bitwise('bitor', (x, y) => x | y), bitwise('bitxor', (x, y) => x ^ y),
  pure('bitnot', 1, 1, (a) => { const x = toFlooredInt(a); return x === undefined ? undefined : Number(~BigInt(x)); }),
];
