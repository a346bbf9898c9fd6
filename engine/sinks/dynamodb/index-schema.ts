/**
 * Secondary indexes of a table [DynamoDB DG: "Improving data access with secondary indexes"]: which items an index
 * holds (sparse: only items with all of its key attributes), what it projects (ALL, KEYS_ONLY, or INCLUDE with
 * NonKeyAttributes; the table's and the index's keys always), and the checks of an item's index key attributes with
 * AWS's messages.
 */
import { itemSize, typeOf, type Item } from './attribute-value.js';
import { ddbValidation } from './ddb-errors.js';
import { keyAttributes, keyText, type IndexSchema, type KeySchema } from './key-schema.js';
import { sortKey } from './sort-key.js';

/** An index's own key schema (what its KeyConditionExpression and LastEvaluatedKey name). */
export const indexKeySchema = (ix: IndexSchema): KeySchema => (ix.range ? { hash: ix.hash, range: ix.range } : { hash: ix.hash });

/** The index's keys and then the table's (no duplicates): the attributes of an index's LastEvaluatedKey. */
export function indexKeyNames(schema: KeySchema, ix: IndexSchema): string[] {
  return [...new Set([...keyAttributes(indexKeySchema(ix)), ...keyAttributes(schema)].map((k) => k.name))];
}

/** The item as the index stores it. */
export function projectForIndex(schema: KeySchema, ix: IndexSchema, item: Item): Item {
  if (ix.projection === 'ALL') return item;
  const keep = new Set([...indexKeyNames(schema, ix), ...(ix.projection === 'INCLUDE' ? ix.nonKeyAttributes ?? [] : [])]);
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (keep.has(k)) out[k] = v;
  return out;
}

/** The item's entry in an index (its keys as store columns and its projected size), or undefined when it is not in it. */
export function indexEntry(schema: KeySchema, ix: IndexSchema, item: Item): { hash: string; sort: string; size: number } | undefined {
  const h = item[ix.hash.name];
  if (!h || typeOf(h) !== ix.hash.type) return undefined;
  let sort = '';
  if (ix.range) {
    const r = item[ix.range.name];
    if (!r || typeOf(r) !== ix.range.type) return undefined;
    sort = sortKey(r);
  }
  return { hash: keyText(h), sort, size: itemSize(projectForIndex(schema, ix, item)) };
}

/** An item's index key attributes, where present, must have the index's types and not be empty (PutItem, UpdateItem). */
export function checkIndexKeys(schema: KeySchema, item: Item): Item {
  for (const ix of schema.indexes ?? []) {
    for (const k of keyAttributes(indexKeySchema(ix))) {
      const v = item[k.name];
      if (v === undefined) continue;
      if (typeOf(v) !== k.type) {
        throw ddbValidation(`One or more parameter values were invalid: Type mismatch for Index Key ${k.name} Expected: ${k.type} Actual: ${typeOf(v)} IndexName: ${ix.name}`);
      }
      if (('S' in v && v.S === '') || ('B' in v && v.B === '')) {
        throw ddbValidation(`One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${'S' in v ? 'string' : 'binary'} value. IndexName: ${ix.name}, IndexKey: ${k.name}`);
      }
    }
  }
  return item;
}
