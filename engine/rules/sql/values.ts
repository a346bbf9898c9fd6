/**
 * Runtime values and AWS's standard conversions [DG:iot-sql-data-types].
 *
 * Representation: Undefined is `undefined`, Null is `null`, Int and Decimal are JavaScript numbers (a number is
 * an Int when it is whole: SQL 2016-03-23 processes whole decimals such as `10.0` as Int `10`), strings,
 * booleans, arrays and plain objects as JSON.parse builds them.
 */

export type SqlValue = undefined | null | boolean | number | string | SqlValue[] | SqlObject;
export interface SqlObject { [key: string]: SqlValue }

export type SqlType = 'Int' | 'Decimal' | 'Boolean' | 'String' | 'Array' | 'Object' | 'Null' | 'Undefined';

export function typeOf(v: SqlValue): SqlType {
  switch (typeof v) {
    case 'undefined': return 'Undefined';
    case 'number': return Number.isInteger(v) ? 'Int' : 'Decimal';
    case 'string': return 'String';
    case 'boolean': return 'Boolean';
    default: return v === null ? 'Null' : Array.isArray(v) ? 'Array' : 'Object';
  }
}

export const isObject = (v: SqlValue): v is SqlObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** [DG:iot-sql-data-types] strings convert to Decimal only when they match this pattern. */
const DECIMAL_STRING = /^-?\d+(\.\d+)?([eE]-?\d+)?$/;

/** Standard conversion to Decimal, for functions and operators: numbers and numeric strings, else Undefined. */
export function toNumber(v: SqlValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && DECIMAL_STRING.test(v)) return Number(v);
  return undefined;
}

/** Standard conversion to Int: Decimal rounds to nearest, String parses then truncates [DG:iot-sql-data-types]. */
export function toInt(v: SqlValue): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : Math.round(v);
  const n = toNumber(v);
  return n === undefined ? undefined : Math.trunc(n);
}

/** Int as the function tables use it ("rounded down to the nearest Int"): floor of numbers and numeric strings. */
export function toFlooredInt(v: SqlValue): number | undefined {
  const n = toNumber(v);
  return n === undefined || !Number.isFinite(n) ? undefined : Math.floor(n);
}

/** Standard conversion to Boolean: booleans and the strings "true"/"false" (any case), else Undefined. */
export function toBoolean(v: SqlValue): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const lower = v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

/** Standard conversion to String; Null and Undefined give Undefined [DG:iot-sql-data-types]. */
export function toText(v: SqlValue): string | undefined {
  switch (typeof v) {
    case 'string': return v;
    case 'number': return numberToText(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return undefined;
    default: return v === null ? undefined : toJsonText(v);
  }
}

/** Int in standard notation; Decimal possibly in scientific notation (Java BigDecimal style `1E+21`). */
export function numberToText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) >= 1e21) return BigInt(n).toString();
  return String(n).replace('e', 'E');
}

/** JSON text of a value; Undefined members are left out, as AWS serializes them [DG:iot-sql-data-types]. */
export function toJsonText(v: SqlValue): string {
  return v === undefined ? '' : JSON.stringify(v);
}

/**
 * Removes binary floating-point noise from a Decimal result: AWS computes Decimals with 34 digits, so
 * `0.1 + 0.2` is `0.3` there. A result within two ulps of a 15-significant-digit decimal becomes that decimal.
 */
export function tidyDecimal(r: number): number {
  if (Number.isInteger(r) || !Number.isFinite(r)) return r;
  const a = Math.abs(r);
  const exponent = Math.floor(Math.log10(a));
  if (exponent < -290 || exponent > 290) return r;
  const scale = 10 ** (14 - exponent);
  const t = Math.round(r * scale) / scale;
  return Math.abs(t - r) <= a * 4.5e-16 ? t : r;
}

/**
 * `=` [DG:iot-sql-operators]: Undefined on either side gives Undefined; mismatched types give false; Int and
 * Decimal compare as numbers; arrays item by item in order; objects by keys and values, in any order.
 */
export function sqlEquals(a: SqlValue, b: SqlValue): boolean | undefined {
  if (a === undefined || b === undefined) return undefined;
  return deepEqual(a, b);
}

export function deepEqual(a: SqlValue, b: SqlValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
  return true;
}

/** Reads an own field of an object; anything else (arrays, scalars, inherited members) is Undefined. */
export function getField(o: SqlValue, key: string): SqlValue {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  if (key === '__proto__') return getOwnField(o, key);
  const v = o[key];
  // JSON values are never functions: a function here is an inherited Object.prototype member.
  return typeof v === 'function' ? undefined : v;
}

/** `getField` for `__proto__`, which plain property reads would resolve to the prototype. */
export function getOwnField(o: SqlValue, key: string): SqlValue {
  return isObject(o) && Object.hasOwn(o, key) ? o[key] : undefined;
}

export function getElement(a: SqlValue, index: number): SqlValue {
  return Array.isArray(a) && Number.isInteger(index) && index >= 0 ? a[index] : undefined;
}

/** Sets a key on an object being built; `__proto__` becomes an own data property, not the prototype. */
export function setKey(o: SqlObject, key: string, v: SqlValue): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
  else o[key] = v;
}
