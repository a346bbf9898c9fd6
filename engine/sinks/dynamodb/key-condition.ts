/**
 * Query's KeyConditionExpression: an equality on the hash key, optionally AND one condition on the range key
 * (`=`, `<`, `<=`, `>`, `>=`, BETWEEN, begins_with), with AWS's messages for anything else.
 */
import { compareScalars, typeOf, type AttributeValue } from './attribute-value.js';
import { ddbValidation } from './ddb-errors.js';
import type { Condition, Operand } from './expression-parser.js';
import type { KeySchema } from './key-schema.js';
import { prefixEnd, sortKey, type SortRange } from './sort-key.js';

export interface KeyCondition {
  hash: AttributeValue;
  /** The range key test (or none). */
  range?: (v: AttributeValue) => boolean;
  /** The same test as a range of sortable key text (sort-key.ts), for the store to read only matching rows. */
  sortRange?: SortRange;
}

const show = (v: AttributeValue) => `AttributeValue: {${typeOf(v)}:${String(Object.values(v)[0])}}`;

/** The key attribute an operand names (undefined for a value); nested paths and functions are AWS's errors. */
function keyPath(o: Operand): string | undefined {
  if (o.kind === 'path') {
    if (o.path.length !== 1 || typeof o.path[0] !== 'string') throw ddbValidation('KeyConditionExpressions cannot have conditions on nested attributes');
    return o.path[0];
  }
  if (o.kind !== 'value') throw ddbValidation('KeyConditionExpressions cannot contain nested operations');
  return undefined;
}

export function keyCondition(schema: KeySchema, c: Condition): KeyCondition {
  const parts: Condition[] = [];
  const flatten = (x: Condition): void => {
    if (x.kind === 'and') { flatten(x.left); flatten(x.right); return; }
    if (x.kind === 'or' || x.kind === 'not') throw ddbValidation(`Invalid operator used in KeyConditionExpression: ${x.kind.toUpperCase()}`);
    parts.push(x);
  };
  flatten(c);
  const byKey = new Map<string, { test: (v: AttributeValue) => boolean; value: AttributeValue; eq: boolean; sortRange: () => SortRange }>();
  for (const p of parts) {
    let name: string | undefined, value: AttributeValue, test: (v: AttributeValue) => boolean, eq = false, sortRange: () => SortRange;
    const valueOf = (o: Operand): AttributeValue => {
      if (o.kind === 'path') throw ddbValidation('Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition');
      if (o.kind !== 'value') throw ddbValidation('KeyConditionExpressions cannot contain nested operations');
      return o.value;
    };
    if (p.kind === 'compare') {
      if (p.op === '<>') throw ddbValidation('Invalid operator used in KeyConditionExpression: <>');
      let op = p.op;
      name = keyPath(p.left);
      let other = p.right;
      if (name === undefined) { // ":v < key" is "key > :v"
        name = keyPath(p.right);
        if (name === undefined) throw ddbValidation('Invalid condition in KeyConditionExpression: No key attribute specified');
        other = p.left;
        op = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' } as const)[op as '<' | '<=' | '>' | '>=' | '='];
      }
      const v = valueOf(other);
      value = v;
      eq = op === '=';
      test = (x) => { const o = compareScalars(x, v); return op === '=' ? o === 0 : op === '<' ? o < 0 : op === '<=' ? o <= 0 : op === '>' ? o > 0 : o >= 0; };
      sortRange = () => {
        const k = sortKey(v);
        return op === '=' ? { lo: k, hi: k } : op === '<' ? { hi: k, hiOpen: true } : op === '<=' ? { hi: k } : op === '>' ? { lo: k, loOpen: true } : { lo: k };
      };
    } else if (p.kind === 'between') {
      name = keyPath(p.operand);
      if (name === undefined) throw ddbValidation('Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand');
      const lo = valueOf(p.low), hi = valueOf(p.high);
      value = lo;
      if (typeOf(lo) !== typeOf(hi)) {
        throw ddbValidation(`Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: ${show(lo)}, upper bound operand: ${show(hi)}`);
      }
      if (['S', 'N', 'B'].includes(typeOf(lo)) && compareScalars(lo, hi) > 0) {
        throw ddbValidation(`Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: ${show(lo)}, upper bound operand: ${show(hi)}`);
      }
      test = (x) => compareScalars(x, lo) >= 0 && compareScalars(x, hi) <= 0;
      sortRange = () => ({ lo: sortKey(lo), hi: sortKey(hi) });
    } else if (p.kind === 'fn' && p.fn === 'begins_with') {
      name = keyPath(p.args[0]);
      if (name === undefined) throw ddbValidation('Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand');
      const v = valueOf(p.args[1]);
      value = v;
      if (typeOf(v) !== 'S' && typeOf(v) !== 'B') throw ddbValidation(`Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: ${typeOf(v)}`);
      sortRange = () => { const k = sortKey(v), end = prefixEnd(k); return end === undefined ? { lo: k } : { lo: k, hi: end, hiOpen: true }; };
      test = (x) => ('S' in x && 'S' in v ? x.S.startsWith(v.S) : 'B' in x && 'B' in v ? Buffer.from(x.B, 'base64').subarray(0, Buffer.from(v.B, 'base64').length).equals(Buffer.from(v.B, 'base64')) : false);
    } else {
      throw ddbValidation(`Invalid operator used in KeyConditionExpression: ${p.kind === 'fn' ? p.fn : p.kind === 'in' ? 'IN' : p.kind}`);
    }
    if (name === undefined) throw ddbValidation('Invalid condition in KeyConditionExpression: No key attribute specified');
    if (name !== schema.hash.name && name !== schema.range?.name) throw ddbValidation('Query key condition not supported');
    if (byKey.has(name)) throw ddbValidation('KeyConditionExpressions must only contain one condition per key');
    const attr = name === schema.hash.name ? schema.hash : schema.range!;
    if (typeOf(value) !== attr.type) throw ddbValidation('One or more parameter values were invalid: Condition parameter type does not match schema type');
    byKey.set(name, { test, value, eq, sortRange });
  }
  const hash = byKey.get(schema.hash.name);
  if (!hash) throw ddbValidation(`Query condition missed key schema element: ${schema.hash.name}`);
  if (!hash.eq) throw ddbValidation('Query key condition not supported');
  const range = schema.range ? byKey.get(schema.range.name) : undefined;
  return { hash: hash.value, ...(range ? { range: range.test, sortRange: range.sortRange() } : {}) };
}
