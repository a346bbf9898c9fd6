/**
 * A table's key schema, secondary indexes and time to live as its sink options keep them, read as the DynamoDB
 * operations see them (`KeySchema`), and the statement that stores changed options.
 */
import type { JsonObject } from '../contract/index.js';
import type { Statement } from '../storage/index.js';
import type { IndexSchema, KeySchema } from './dynamodb/index.js';
import type { Target } from './sink-context.js';

export interface KeyDef { name: string; type: 'S' | 'N' | 'B' }

/** A secondary index as a table's options keep it. */
export interface IndexOptions {
  name: string; global: boolean; hashKey: KeyDef; rangeKey?: KeyDef; projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; nonKeyAttributes?: string[];
  readCapacityUnits?: number; writeCapacityUnits?: number;
  /** Still being filled from the table's items (UpdateTable's Create): not readable yet. */
  backfilling?: boolean;
}

/** The table's key attributes, hash key first. */
export function tableKeys(target: Target): KeyDef[] {
  const o = target.options as unknown as { hashKey: KeyDef; rangeKey?: KeyDef };
  return o.rangeKey ? [o.hashKey, o.rangeKey] : [o.hashKey];
}

export function indexOptions(target: Target): IndexOptions[] {
  return ((target.options as { indexes?: unknown }).indexes ?? []) as IndexOptions[];
}

/** The table's key schema with its indexes and time to live attribute. */
export function schemaOf(target: Target): KeySchema {
  const [hash, range] = tableKeys(target);
  const indexes: IndexSchema[] = indexOptions(target).map((i) => ({
    name: i.name, global: i.global, hash: i.hashKey, ...(i.rangeKey ? { range: i.rangeKey } : {}), projection: i.projection,
    ...(i.nonKeyAttributes ? { nonKeyAttributes: i.nonKeyAttributes } : {}), ...(i.backfilling ? { backfilling: true } : {}),
  }));
  const ttlAttribute = (target.options as { ttlAttribute?: string }).ttlAttribute;
  return { hash, ...(range ? { range } : {}), ...(indexes.length ? { indexes } : {}), ...(ttlAttribute ? { ttlAttribute } : {}) };
}

export function optionsStatement(table: string, options: JsonObject): Statement {
  return { sql: 'UPDATE sink_targets SET options = ? WHERE kind = ? AND name = ?', params: [JSON.stringify(options), 'table', table] };
}
