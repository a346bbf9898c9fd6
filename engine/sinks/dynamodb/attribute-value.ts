/**
 * DynamoDB's typed attribute values (the wire's `{ "S": "…" }` shape, binary as base64): validation with AWS's
 * messages, canonical form (N normalized), equality, key ordering, item size as AWS counts it, and the conversion
 * from and to plain JSON for the rule actions and the SQL view.
 */
import { canonicalNumber, compareNumbers, parseNumber } from './ddb-number.js';
import { ddbValidation } from './ddb-errors.js';

export type AttributeValue =
  | { S: string } | { N: string } | { B: string } | { BOOL: boolean } | { NULL: true }
  | { M: Item } | { L: AttributeValue[] } | { SS: string[] } | { NS: string[] } | { BS: string[] };
export type Item = Record<string, AttributeValue>;
export type AttributeType = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'M' | 'L' | 'SS' | 'NS' | 'BS';
export const attributeTypes: readonly AttributeType[] = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'];

/** DynamoDB's 400 KB item limit, in bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;

export const typeOf = (v: AttributeValue): AttributeType => Object.keys(v)[0] as AttributeType;
/** The one member's value (`{ S: "x" }` → "x"). */
export const payloadOf = (v: AttributeValue): unknown => (v as Record<string, unknown>)[typeOf(v)];

const PREFIX = 'One or more parameter values were invalid: ';
const MAX_DEPTH = 32;

/**
 * Checks a value from a request and returns its canonical form (numbers normalized). Messages are AWS's:
 * empty or multi-typed values, empty sets, duplicates in sets, NULL false, malformed or out-of-range numbers.
 */
export function validateValue(raw: unknown, depth = 0): AttributeValue {
  // DynamoDB allows 32 levels of nested maps and lists
  if (depth > MAX_DEPTH) throw ddbValidation('Nesting Levels have exceeded supported limits');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw ddbValidation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  const keys = Object.keys(raw).filter((k) => (raw as Record<string, unknown>)[k] !== undefined && (raw as Record<string, unknown>)[k] !== null);
  if (keys.length === 0) throw ddbValidation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  if (keys.length > 1) throw ddbValidation('Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
  const t = keys[0];
  const v = (raw as Record<string, unknown>)[t];
  switch (t) {
    case 'S': if (typeof v === 'string') return { S: v }; break;
    case 'N': if (typeof v === 'string') return { N: canonicalNumber(v) }; break;
    case 'B': if (typeof v === 'string') return { B: canonicalBinary(v) }; break;
    case 'BOOL': if (typeof v === 'boolean') return { BOOL: v }; break;
    case 'NULL':
      if (v === true) return { NULL: true };
      if (v === false) throw ddbValidation(`${PREFIX}Null attribute value types must have the value of true`);
      break;
    case 'M':
      if (typeof v === 'object' && !Array.isArray(v)) return { M: validateItem(v as Record<string, unknown>, depth + 1) };
      break;
    case 'L': if (Array.isArray(v)) return { L: v.map((e) => validateValue(e, depth + 1)) }; break;
    case 'SS': case 'NS': case 'BS': if (Array.isArray(v) && v.every((e) => typeof e === 'string')) return validateSet(t, v as string[]); break;
    default: break;
  }
  throw ddbValidation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
}

export function validateItem(raw: Record<string, unknown>, depth = 0): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(raw)) out[k] = validateValue(v, depth);
  return out;
}

function canonicalBinary(b64: string): string {
  return Buffer.from(b64, 'base64').toString('base64');
}

function validateSet(t: 'SS' | 'NS' | 'BS', values: string[]): AttributeValue {
  if (values.length === 0) {
    throw ddbValidation(PREFIX + (t === 'SS' ? 'An string set  may not be empty' : t === 'NS' ? 'An number set  may not be empty' : 'Binary sets should not be empty'));
  }
  const canon = t === 'NS' ? values.map(canonicalNumber) : t === 'BS' ? values.map(canonicalBinary) : values;
  // AWS's three wordings [as DynamoDB answers PutItem with a duplicate in an SS, NS or BS]
  if (new Set(canon).size !== canon.length) {
    throw ddbValidation(t === 'NS' ? 'Input collection contains duplicates' : t === 'SS' ? `${PREFIX}Input collection [${values.join(', ')}] contains duplicates.` : `${PREFIX}Input collection [${values.join(', ')}]of type BS contains duplicates.`);
  }
  return { [t]: canon } as AttributeValue;
}

/** Deep equality as DynamoDB compares (sets regardless of order; N numerically, already canonical). */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const t = typeOf(a);
  if (t !== typeOf(b)) return false;
  const x = payloadOf(a), y = payloadOf(b);
  switch (t) {
    case 'M': {
      const mx = x as Item, my = y as Item;
      const kx = Object.keys(mx);
      return kx.length === Object.keys(my).length && kx.every((k) => k in my && valuesEqual(mx[k], my[k]));
    }
    case 'L': {
      const lx = x as AttributeValue[], ly = y as AttributeValue[];
      return lx.length === ly.length && lx.every((e, i) => valuesEqual(e, ly[i]));
    }
    case 'SS': case 'NS': case 'BS': {
      const sx = x as string[], sy = new Set(y as string[]);
      return sx.length === sy.size && sx.every((e) => sy.has(e));
    }
    case 'N': return compareNumbers(parseNumber(x as string), parseNumber(y as string)) === 0;
    default: return x === y;
  }
}

/** Order of two scalars of the same type (N numeric, S by UTF-8 bytes, B bytewise), as key ordering and `<` use. */
export function compareScalars(a: AttributeValue, b: AttributeValue): number {
  const t = typeOf(a);
  if (t === 'N') return compareNumbers(parseNumber(payloadOf(a) as string), parseNumber(payloadOf(b) as string));
  if (t === 'S') return Buffer.compare(Buffer.from(payloadOf(a) as string, 'utf8'), Buffer.from(payloadOf(b) as string, 'utf8'));
  return Buffer.compare(Buffer.from(payloadOf(a) as string, 'base64'), Buffer.from(payloadOf(b) as string, 'base64'));
}

/** Size of a value in bytes as DynamoDB counts it [DG: CapacityUnitCalculations, "Item sizes and formats"]. */
export function valueSize(v: AttributeValue): number {
  const p = payloadOf(v);
  switch (typeOf(v)) {
    case 'S': return Buffer.byteLength(p as string, 'utf8');
    case 'N': return numberSize(p as string);
    case 'B': return Buffer.from(p as string, 'base64').length;
    case 'BOOL': case 'NULL': return 1;
    case 'SS': return (p as string[]).reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
    case 'NS': return (p as string[]).reduce((n, s) => n + numberSize(s), 0);
    case 'BS': return (p as string[]).reduce((n, s) => n + Buffer.from(s, 'base64').length, 0);
    case 'L': return 3 + (p as AttributeValue[]).reduce((n, e) => n + 1 + valueSize(e), 0);
    case 'M': return 3 + Object.entries(p as Item).reduce((n, [k, e]) => n + 1 + Buffer.byteLength(k, 'utf8') + valueSize(e), 0);
  }
}

/** A number's size: one byte per two significant digits, plus one. */
function numberSize(n: string): number {
  const digits = n.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

export function itemSize(item: Item): number {
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k, 'utf8') + valueSize(v), 0);
}

export function checkItemSize(item: Item): void {
  if (itemSize(item) > MAX_ITEM_BYTES) throw ddbValidation('Item size has exceeded the maximum allowed size');
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Plain JSON (a rule's output) as typed values: numbers → N, strings → S, arrays → L, objects → M, null → NULL. */
export function fromJson(v: Json): AttributeValue {
  if (v === null) return { NULL: true };
  if (typeof v === 'boolean') return { BOOL: v };
  if (typeof v === 'number') return { N: canonicalNumber(String(v)) };
  if (typeof v === 'string') return { S: v };
  if (Array.isArray(v)) return { L: v.map(fromJson) };
  return { M: itemFromJson(v) };
}

export function itemFromJson(o: { [k: string]: Json }): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = fromJson(v);
  return out;
}

/** Typed values as plain JSON (for the SQL view and the sink records): N as a JS number, sets as arrays, B as base64. */
export function toJson(v: AttributeValue): Json {
  const p = payloadOf(v);
  switch (typeOf(v)) {
    case 'N': return Number(p);
    case 'NS': return (p as string[]).map(Number);
    case 'NULL': return null;
    case 'L': return (p as AttributeValue[]).map(toJson);
    case 'M': return itemToJson(p as Item);
    default: return p as Json;
  }
}

export function itemToJson(item: Item): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(item)) out[k] = toJson(v);
  return out;
}
