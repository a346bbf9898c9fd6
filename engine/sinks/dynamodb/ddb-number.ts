/**
 * DynamoDB's Number type as an exact decimal: up to 38 significant digits, magnitudes from 1E-130 to
 * 9.9999999999999999999999999999999999999E+125 (and zero) [DynamoDB DG: HowItWorks.NamingRulesDataTypes, "Number"].
 * A value is a BigInt coefficient times a power of ten, normalized (no trailing zeros in the coefficient), so
 * comparison and arithmetic are exact: no JS floats anywhere.
 */
import { ddbValidation } from './ddb-errors.js';

export interface DdbNumber {
  /** Signed coefficient without trailing zeros (0n for zero). */
  readonly coef: bigint;
  /** Power of ten (0 for zero). */
  readonly exp: number;
}

const MAX_DIGITS = 38;
/** Largest decimal exponent of the most significant digit (9.99…E+125) and smallest (1E-130). */
const MAX_TOP = 125;
const MIN_TOP = -130;
const SYNTAX = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const digitsOf = (c: bigint): number => (c < 0n ? -c : c).toString().length;

function normalize(coef: bigint, exp: number): DdbNumber {
  if (coef === 0n) return { coef: 0n, exp: 0 };
  while (coef % 10n === 0n) { coef /= 10n; exp += 1; }
  return { coef, exp };
}

/** Range and precision checks with AWS's ValidationException messages. */
function checked(n: DdbNumber): DdbNumber {
  if (n.coef === 0n) return n;
  const digits = digitsOf(n.coef);
  if (digits > MAX_DIGITS) throw ddbValidation('Attempting to store more than 38 significant digits in a Number');
  const top = n.exp + digits - 1;
  if (top > MAX_TOP) throw ddbValidation('Number overflow. Attempting to store a number with magnitude larger than supported range');
  if (top < MIN_TOP) throw ddbValidation('Number underflow. Attempting to store a number with magnitude smaller than supported range');
  return n;
}

/** Parses an N string as DynamoDB does; a malformed one gets "The parameter cannot be converted to a numeric value". */
export function parseNumber(text: string): DdbNumber {
  if (text === '') throw ddbValidation('The parameter cannot be converted to a numeric value');
  const m = SYNTAX.exec(text);
  if (!m) throw ddbValidation(`The parameter cannot be converted to a numeric value: ${text}`);
  const negative = text.startsWith('-');
  const [int, frac = ''] = m[1].split('.');
  let exp = m[2] ? Number(m[2].slice(1)) : 0;
  if (!Number.isSafeInteger(exp)) throw ddbValidation(exp > 0 ? 'Number overflow. Attempting to store a number with magnitude larger than supported range' : 'Number underflow. Attempting to store a number with magnitude smaller than supported range');
  exp -= frac.length;
  const digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return { coef: 0n, exp: 0 };
  const coef = BigInt(digits);
  return checked(normalize(negative ? -coef : coef, exp));
}

/** The canonical text DynamoDB returns: plain decimal notation, no exponent, no superfluous zeros ("1.50" → "1.5", "1e2" → "100"). */
export function formatNumber(n: DdbNumber): string {
  if (n.coef === 0n) return '0';
  const sign = n.coef < 0n ? '-' : '';
  const digits = (n.coef < 0n ? -n.coef : n.coef).toString();
  if (n.exp >= 0) return sign + digits + '0'.repeat(n.exp);
  const point = digits.length + n.exp;
  return point > 0 ? `${sign}${digits.slice(0, point)}.${digits.slice(point)}` : `${sign}0.${'0'.repeat(-point)}${digits}`;
}

/** Normalizes an N string (validating it). */
export const canonicalNumber = (text: string): string => formatNumber(parseNumber(text));

function align(a: DdbNumber, b: DdbNumber): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.coef * 10n ** BigInt(a.exp - exp), b.coef * 10n ** BigInt(b.exp - exp), exp];
}

export function compareNumbers(a: DdbNumber, b: DdbNumber): number {
  if (a.coef === 0n || b.coef === 0n || (a.coef < 0n) !== (b.coef < 0n)) return Math.sign(sign(a) - sign(b));
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const sign = (n: DdbNumber): number => (n.coef < 0n ? -1 : n.coef > 0n ? 1 : 0);

/** Exact sum; a result beyond DynamoDB's range or precision is its ValidationException. */
export function addNumbers(a: DdbNumber, b: DdbNumber): DdbNumber {
  const [x, y, exp] = align(a, b);
  return checked(normalize(x + y, exp));
}

export const negateNumber = (a: DdbNumber): DdbNumber => ({ coef: -a.coef, exp: a.exp });
export const subtractNumbers = (a: DdbNumber, b: DdbNumber): DdbNumber => addNumbers(a, negateNumber(b));
