/**
 * A table's key schema (hash, or hash and range; key types S, N, B), the checks of keys and items against it with
 * AWS's messages, and the port the DynamoDB operations use to reach the table store.
 */
import { typeOf, type AttributeValue, type Item } from './attribute-value.js';
import { ddbValidation } from './ddb-errors.js';
import type { SortRange } from './sort-key.js';

export interface KeyAttribute { name: string; type: 'S' | 'N' | 'B' }
export interface KeySchema {
  hash: KeyAttribute;
  range?: KeyAttribute;
  /** The table's secondary indexes (none for an index's own schema). */
  indexes?: IndexSchema[];
  /** The time-to-live attribute, when TTL is on. */
  ttlAttribute?: string;
}
export type ProjectionType = 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
/** A global or local secondary index [DynamoDB DG: "Improving data access with secondary indexes"]. */
export interface IndexSchema {
  name: string;
  global: boolean;
  hash: KeyAttribute;
  range?: KeyAttribute;
  projection: ProjectionType;
  nonKeyAttributes?: string[];
  /** Still being filled from the table's items: writes keep it, reads are refused. */
  backfilling?: boolean;
}

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

/** An empty S or B key: an item's is "are not valid", a request Key's "were invalid" (AWS words them apart). */
function checkNotEmpty(k: KeyAttribute, v: AttributeValue, inKey = false): void {
  if (('S' in v && v.S === '') || ('B' in v && v.B === '')) {
    throw ddbValidation(`${inKey ? 'One or more parameter values were invalid:' : 'One or more parameter values are not valid.'} The AttributeValue for a key attribute cannot contain ${'S' in v ? 'an empty string' : 'an empty binary'} value. Key: ${k.name}`);
  }
}

/** A request's `Key`: exactly the schema's attributes with its types, else "The provided key element does not match the schema". */
export function checkKey(schema: KeySchema, key: Item): Item {
  const attrs = keyAttributes(schema);
  if (Object.keys(key).length !== attrs.length || attrs.some((k) => key[k.name] === undefined || typeOf(key[k.name]) !== k.type)) {
    throw ddbValidation('The provided key element does not match the schema');
  }
  for (const k of attrs) checkNotEmpty(k, key[k.name], true);
  return key;
}

export function keyOf(schema: KeySchema, item: Item): Item {
  const out: Item = {};
  for (const k of keyAttributes(schema)) out[k.name] = item[k.name];
  return out;
}

/** A key value as the store's key column: S as is, N canonical, B base64. */
export const keyText = (v: AttributeValue | undefined): string => (v === undefined ? '' : String(Object.values(v)[0]));

/** The store's key columns: S as is, N canonical, B base64; '' for a table without a range key. */
export function keyColumn(schema: KeySchema, key: Item): [string, string] {
  return [keyText(key[schema.hash.name]), schema.range ? keyText(key[schema.range.name]) : ''];
}

/** A put (new), delete (no new) or replacement of one item. */
export interface ItemChange { table: string; hash: string; range: string; old?: Item; new?: Item; userIdentity?: { type: string; principalId: string } }

/**
 * Where a row sits in a table's or an index's key order: the partition key column, the sort key as sortable text
 * ('' without one) and, for an index, the item's own table key (for a table row, the same two again).
 */
export interface KeyPosition { hash: string; sort: string; itemHash: string; itemSort: string }

/** One partition's rows in key order, within a range of the sort key and after a position. */
export interface PartitionRead {
  index?: string;
  hash: string;
  range?: SortRange;
  after?: KeyPosition;
  descending?: boolean;
  limit: number;
}

/** What the DynamoDB operations need of the table store (TableSink implements it). */
export interface ItemStore {
  schema(table: string): KeySchema;
  getItem(table: string, hash: string, range: string): Item | undefined;
  /** Query: up to `limit` rows of a partition of the table or one of its indexes, in key order. */
  queryItems(table: string, read: PartitionRead): { pos: KeyPosition; item: Item }[];
  /** Scan: up to `limit` rows of the table or one of its indexes after `after`, in the store's key order. */
  scanItems(table: string, index: string | undefined, after: KeyPosition | undefined, limit: number): { pos: KeyPosition; item: Item }[];
  write(changes: ItemChange[], traceId?: string | null): Promise<void>;
}
