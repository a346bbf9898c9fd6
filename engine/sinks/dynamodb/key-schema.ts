/**
 * A table's key schema (hash, or hash and range; key types S, N, B), the checks of keys and items against it with
 * AWS's messages, and the port the DynamoDB operations use to reach the table store.
 */
import { typeOf, type AttributeValue, type Item } from './attribute-value.js';
import { ddbValidation } from './ddb-errors.js';

export interface KeyAttribute { name: string; type: 'S' | 'N' | 'B' }
export interface KeySchema { hash: KeyAttribute; range?: KeyAttribute }

export const keyAttributes = (s: KeySchema): KeyAttribute[] => (s.range ? [s.hash, s.range] : [s.hash]);
export const keyNames = (s: KeySchema): string[] => keyAttributes(s).map((k) => k.name);

/** An item's key attributes must be present, of the schema's types and not empty (PutItem). */
export function checkKeyAttributes(schema: KeySchema, item: Item): Item {
  for (const k of keyAttributes(schema)) {
    const v = item[k.name];
    if (v === undefined) throw ddbValidation(`One or more parameter values were invalid: Missing the key ${k.name} in the item`);
    if (typeOf(v) !== k.type) throw ddbValidation(`One or more parameter values were invalid: Type mismatch for key ${k.name} expected: ${k.type} actual: ${typeOf(v)}`);
    checkNotEmpty(k, v);
  }
  return item;
}

function checkNotEmpty(k: KeyAttribute, v: AttributeValue): void {
  if (('S' in v && v.S === '') || ('B' in v && v.B === '')) {
    throw ddbValidation(`One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain ${'S' in v ? 'an empty string' : 'an empty binary'} value. Key: ${k.name}`);
  }
}

/** A request's `Key`: exactly the schema's attributes with its types, else "The provided key element does not match the schema". */
export function checkKey(schema: KeySchema, key: Item): Item {
  const attrs = keyAttributes(schema);
  if (Object.keys(key).length !== attrs.length || attrs.some((k) => key[k.name] === undefined || typeOf(key[k.name]) !== k.type)) {
    throw ddbValidation('The provided key element does not match the schema');
  }
  for (const k of attrs) checkNotEmpty(k, key[k.name]);
  return key;
}

export function keyOf(schema: KeySchema, item: Item): Item {
  const out: Item = {};
  for (const k of keyAttributes(schema)) out[k.name] = item[k.name];
  return out;
}

/** The store's key columns: S as is, N canonical, B base64; '' for a table without a range key. */
export function keyColumn(schema: KeySchema, key: Item): [string, string] {
  const text = (v: AttributeValue | undefined): string => (v === undefined ? '' : String(Object.values(v)[0]));
  return [text(key[schema.hash.name]), schema.range ? text(key[schema.range.name]) : ''];
}

/** A put (new), delete (no new) or replacement of one item. */
export interface ItemChange { table: string; hash: string; range: string; old?: Item; new?: Item }

/** What the DynamoDB operations need of the table store (TableSink implements it). */
export interface ItemStore {
  schema(table: string): KeySchema;
  getItem(table: string, hash: string, range: string): Item | undefined;
  items(table: string, hash?: string): Item[];
  /** Up to `limit` items after the key columns `after`, in the store's (hash, range) text order: Scan's order. */
  scanItems(table: string, after: [string, string] | undefined, limit: number): { hash: string; range: string; item: Item }[];
  write(changes: ItemChange[], traceId?: string | null): Promise<void>;
}
