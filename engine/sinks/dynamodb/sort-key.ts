/**
 * Key attribute values as text whose plain byte order (SQLite's BINARY collation) is DynamoDB's order for that type
 * [DynamoDB DG: Query, "Key condition expressions"]: S by UTF-8 bytes (the text itself), N numerically, B bytewise
 * (lowercase hex). The table store keeps each item's range key, and each index entry's keys, in this form, so a
 * Query reads only the rows it returns, in order, straight from an SQL index.
 */
import { typeOf, type AttributeValue } from './attribute-value.js';
import { parseNumber } from './ddb-number.js';

/** Exponent bias: DynamoDB's exponents of the leading digit run from -130 to 125, so biased they are 070..325. */
const BIAS = 200;

/**
 * N as sortable text: "1" for zero; a positive number is "2", its biased exponent (3 digits) and its significant
 * digits; a negative one is "0", the exponent's nines' complement, the digits' nines' complement and "~" (which
 * sorts after every digit, so -1 > -1.5). Equal numbers ("1.0", "1") get the same text.
 */
export function numberSortKey(text: string): string {
  const n = parseNumber(text);
  if (n.coef === 0n) return '1';
  const negative = n.coef < 0n;
  const digits = (negative ? -n.coef : n.coef).toString();
  const top = n.exp + digits.length - 1 + BIAS;
  if (!negative) return `2${String(top).padStart(3, '0')}${digits}`;
  const complement = [...digits].map((d) => String(9 - Number(d))).join('');
  return `0${String(999 - top).padStart(3, '0')}${complement}~`;
}

/** A key value (S, N or B) as sortable text. */
export function sortKey(v: AttributeValue): string {
  switch (typeOf(v)) {
    case 'S': return (v as { S: string }).S;
    case 'N': return numberSortKey((v as { N: string }).N);
    case 'B': return Buffer.from((v as { B: string }).B, 'base64').toString('hex');
    default: throw new Error(`not a key type: ${typeOf(v)}`);
  }
}

/**
 * The least text greater than every text that starts with `prefix` (begins_with as a range), or undefined when
 * there is none (a prefix of only U+10FFFF).
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1; // no lone surrogates
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/** A range of sortable key text: bounds are inclusive unless marked open. */
export interface SortRange { lo?: string; loOpen?: boolean; hi?: string; hiOpen?: boolean }
