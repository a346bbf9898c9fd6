/**
 * Query and Scan, on a table or one of its secondary indexes: each reads only the rows it returns (in batches up to
 * its Limit and DynamoDB's 1 MB page) in key order from the store, the key condition pushed into the read as a range
 * of sortable key text. Index reads are sparse (items without the index's keys are not in it) and see the index's
 * projection; their LastEvaluatedKey holds the index's keys and the table's.
 */
import { itemSize, typeOf, validateItem, type Item } from './attribute-value.js';
import { capacityOf, readUnits, capacityMode, type ConsumedCapacity } from './capacity.js';
import { ddbValidation } from './ddb-errors.js';
import { compileExpressions, matches, projectItem, type CompiledExpressions, type ExpressionInput } from './expressions.js';
import { indexKeyNames, indexKeySchema, projectForIndex } from './index-schema.js';
import { keyCondition } from './key-condition.js';
import { checkKey, keyAttributes, keyOf, keyText, type IndexSchema, type ItemStore, type KeyPosition, type KeySchema } from './key-schema.js';
import { sortKey } from './sort-key.js';
import { EngineError } from '../../core/index.js';

export interface QueryInput extends ExpressionInput {
  TableName: string; Limit?: number; ExclusiveStartKey?: Record<string, unknown>; ScanIndexForward?: boolean; Select?: string;
  IndexName?: string; Segment?: number; TotalSegments?: number; ConsistentRead?: boolean; ReturnConsumedCapacity?: string;
}
export interface QueryOutput { Items?: Item[]; Count: number; ScannedCount: number; LastEvaluatedKey?: Item; ConsumedCapacity?: ConsumedCapacity }

/** DynamoDB's 1 MB page: Query and Scan stop after reading this much. */
const PAGE_BYTES = 1024 * 1024;
/** Rows read from the store at a time (fewer when the Limit is nearer). */
const BATCH = 256;
const LEGACY = ['Expected', 'AttributesToGet', 'KeyConditions', 'QueryFilter', 'ScanFilter', 'AttributeUpdates', 'ConditionalOperator'];

export function refuseLegacy(input: object): void {
  const found = LEGACY.find((k) => (input as Record<string, unknown>)[k] !== undefined);
  if (found) throw new EngineError('InvalidInput', `${found} (a legacy parameter) is not supported by Thingbench's DynamoDB: use the expression parameters`, { reason: 'ValidationException' });
}

export function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw ddbValidation(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`);
  }
}

/** What a read reads: the table, or one of its indexes. */
interface ReadTarget { table: string; schema: KeySchema; index?: IndexSchema; keys: KeySchema }

function readTarget(store: ItemStore, input: QueryInput): ReadTarget {
  const schema = store.schema(input.TableName);
  if (input.IndexName === undefined) {
    if (input.Select === 'ALL_PROJECTED_ATTRIBUTES') throw ddbValidation('One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is supported only for index queries');
    return { table: input.TableName, schema, keys: schema };
  }
  const index = schema.indexes?.find((i) => i.name === input.IndexName);
  if (!index) throw ddbValidation(`The table does not have the specified index: ${input.IndexName}`);
  if (index.backfilling) throw ddbValidation(`Cannot read from backfilling global secondary index: ${index.name}`);
  if (index.global && input.ConsistentRead) throw ddbValidation('Consistent reads are not supported on global secondary indexes');
  if (index.global && input.Select === 'ALL_ATTRIBUTES' && index.projection !== 'ALL') {
    throw ddbValidation(`One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ${index.name} because its projection type is not ALL`);
  }
  return { table: input.TableName, schema, index, keys: indexKeySchema(index) };
}

/** A row's place in the target's key order. */
function positionOf(t: ReadTarget, item: Item): KeyPosition {
  const sortOf = (s: KeySchema) => (s.range ? sortKey(item[s.range.name]) : '');
  const own = { itemHash: keyText(item[t.schema.hash.name]), itemSort: sortOf(t.schema) };
  return t.index ? { hash: keyText(item[t.keys.hash.name]), sort: sortOf(t.keys), ...own } : { hash: own.itemHash, sort: own.itemSort, ...own };
}

/** ExclusiveStartKey as a position: the table's key, or for an index its keys and the table's. */
function startPosition(t: ReadTarget, raw: Record<string, unknown>): KeyPosition {
  const start = validateItem(raw);
  if (!t.index) {
    try {
      return positionOf(t, checkKey(t.schema, start));
    } catch {
      throw ddbValidation('The provided starting key is invalid: The provided key element does not match the schema');
    }
  }
  const names = indexKeyNames(t.schema, t.index);
  if (Object.keys(start).length !== names.length || names.some((n) => start[n] === undefined)) throw ddbValidation('The provided starting key is invalid');
  const attrs = [...keyAttributes(t.keys), ...keyAttributes(t.schema)];
  if (attrs.some((k) => typeOf(start[k.name]) !== k.type)) throw ddbValidation('The provided starting key is invalid: The provided key element does not match the schema');
  return positionOf(t, start);
}

const lastKey = (t: ReadTarget, item: Item): Item => {
  if (!t.index) return keyOf(t.schema, item);
  const out: Item = {};
  for (const n of indexKeyNames(t.schema, t.index)) out[n] = item[n];
  return out;
};

/**
 * Reads rows, filters and projects them: stops at the Limit (rows read, before the filter) or once 1 MB is read,
 * and then names the last row read as LastEvaluatedKey.
 */
function page(t: ReadTarget, c: CompiledExpressions, input: QueryInput, read: (after: KeyPosition | undefined, limit: number) => { pos: KeyPosition; item: Item }[], keep: (pos: KeyPosition) => boolean = () => true): QueryOutput {
  checkLimit(input.Limit);
  const mode = capacityMode(input.ReturnConsumedCapacity);
  let after = input.ExclusiveStartKey ? startPosition(t, input.ExclusiveStartKey) : undefined;
  // a GSI holds only its projection; an LSI fetches other attributes from the table when asked for them
  const full = !!t.index && !t.index.global && (input.Select === 'ALL_ATTRIBUTES' || c.projection !== undefined);
  const out: Item[] = [];
  let scanned = 0, bytes = 0, more = false, last: Item | undefined;
  for (;;) {
    const want = input.Limit === undefined ? BATCH : Math.min(BATCH, input.Limit - scanned);
    const rows = read(after, want);
    for (const row of rows) {
      after = row.pos;
      if (!keep(row.pos)) continue;
      const seen = t.index?.global ? projectForIndex(t.schema, t.index, row.item) : row.item;
      scanned++;
      bytes += itemSize(seen);
      last = row.item;
      const shown = t.index && !full ? projectForIndex(t.schema, t.index, row.item) : seen;
      if (matches(c.filter, seen)) out.push(projectItem(shown, c.projection));
      if ((input.Limit !== undefined && scanned >= input.Limit) || bytes >= PAGE_BYTES) { more = true; break; }
    }
    if (more || rows.length < want) break;
  }
  return {
    ...(input.Select === 'COUNT' ? {} : { Items: out }), Count: out.length, ScannedCount: scanned,
    ...(more && last ? { LastEvaluatedKey: lastKey(t, last) } : {}),
    // What was read, before the filter: DynamoDB bills the items it reads, not those it returns.
    ...capacityOf(mode, t.table, readUnits(bytes, input.ConsistentRead)),
  };
}

export function query(store: ItemStore, input: QueryInput): QueryOutput {
  refuseLegacy(input);
  const t = readTarget(store, input);
  if (input.KeyConditionExpression === undefined) throw ddbValidation('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
  const c = compileExpressions(input);
  const kc = keyCondition(t.keys, c.keyCondition!);
  const hash = keyText(kc.hash);
  return page(t, c, input, (after, limit) => store.queryItems(t.table, {
    ...(t.index ? { index: t.index.name } : {}), hash, ...(kc.sortRange ? { range: kc.sortRange } : {}),
    ...(after ? { after } : {}), descending: input.ScanIndexForward === false, limit,
  }));
}

export function scan(store: ItemStore, input: QueryInput): QueryOutput {
  refuseLegacy(input);
  const t = readTarget(store, input);
  if (input.KeyConditionExpression !== undefined) throw ddbValidation('Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}');
  const segmented = input.Segment !== undefined || input.TotalSegments !== undefined;
  if (segmented && (input.Segment === undefined || input.TotalSegments === undefined)) throw ddbValidation('The TotalSegments parameter is required but was not present in the request when Segment parameter is present');
  if (segmented && input.Segment! >= input.TotalSegments!) throw ddbValidation(`The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${input.Segment} is not less than TotalSegments: ${input.TotalSegments}`);
  const c = compileExpressions(input);
  // the store's own stable order (AWS's scan order is its own too); a segment is a stable share of the partitions
  return page(t, c, input, (after, limit) => store.scanItems(t.table, t.index?.name, after, segmented ? BATCH : limit),
    segmented ? (pos) => segmentOf(pos.hash, input.TotalSegments!) === input.Segment : undefined);
}

/** The scan segment of a partition key: a stable hash of its stored text. */
function segmentOf(hash: string, total: number): number {
  let h = 2166136261;
  for (const b of Buffer.from(hash, 'utf8')) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h % total;
}
