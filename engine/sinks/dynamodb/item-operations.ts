/**
 * DynamoDB's item operations on the table store, with their request members as the SDK names them (the edge passes
 * them through): PutItem, GetItem, UpdateItem, DeleteItem, Query, Scan, BatchWriteItem, BatchGetItem,
 * TransactWriteItems, TransactGetItems. Each write is one atomic, durable store write: acknowledged means journaled.
 *
 * LIMITATIONS: no secondary indexes; the legacy parameters (Expected, AttributesToGet, KeyConditions, QueryFilter,
 * ScanFilter, AttributeUpdates) are refused; ReturnConsumedCapacity and ReturnItemCollectionMetrics are accepted and
 * return nothing; ConsistentRead is accepted (every read is consistent); client request tokens are not remembered.
 */
import { checkItemSize, compareScalars, itemSize, validateItem, type Item } from './attribute-value.js';
import { ddbConditionFailed, ddbTransactionCanceled, ddbValidation, type CancellationReason } from './ddb-errors.js';
import { applyUpdate, updatedPaths } from './expression-eval.js';
import { compileExpressions, matches, projectItem, type CompiledExpressions, type ExpressionInput } from './expressions.js';
import { keyCondition, sortByRange } from './key-condition.js';
import { checkKey, checkKeyAttributes, keyColumn, keyNames, keyOf, type ItemChange, type ItemStore, type KeySchema } from './key-schema.js';
import { EngineError } from '../../core/index.js';

type ReturnValues = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
interface WriteInput extends ExpressionInput { TableName: string; ReturnValues?: ReturnValues; ReturnValuesOnConditionCheckFailure?: 'NONE' | 'ALL_OLD' }
export interface PutItemInput extends WriteInput { Item: Record<string, unknown> }
export interface KeyInput extends WriteInput { Key: Record<string, unknown> }
export interface GetItemInput { TableName: string; Key: Record<string, unknown>; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ConsistentRead?: boolean }
export interface QueryInput extends ExpressionInput {
  TableName: string; Limit?: number; ExclusiveStartKey?: Record<string, unknown>; ScanIndexForward?: boolean; Select?: string;
  IndexName?: string; Segment?: number; TotalSegments?: number; ConsistentRead?: boolean;
}
export interface QueryOutput { Items?: Item[]; Count: number; ScannedCount: number; LastEvaluatedKey?: Item }

/** DynamoDB's 1 MB page: Query and Scan stop after reading this much. */
const PAGE_BYTES = 1024 * 1024;
/** Items Scan reads from the store at a time. */
const SCAN_BATCH = 256;
const LEGACY = ['Expected', 'AttributesToGet', 'KeyConditions', 'QueryFilter', 'ScanFilter', 'AttributeUpdates', 'ConditionalOperator'];

function refuseLegacy(input: object): void {
  const found = LEGACY.find((k) => (input as Record<string, unknown>)[k] !== undefined);
  if (found) throw new EngineError('InvalidInput', `${found} (a legacy parameter) is not supported by Thingbench's DynamoDB: use the expression parameters`, { reason: 'ValidationException' });
}

function returnValues(input: WriteInput, allowed: ReturnValues[], op: string): ReturnValues {
  const rv = input.ReturnValues ?? 'NONE';
  if (!allowed.includes(rv)) {
    throw ddbValidation(op === 'UpdateItem' ? `1 validation error detected: Value '${rv}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]` : 'ReturnValues can only be ALL_OLD or NONE');
  }
  return rv;
}

/** A prepared single-item write: the change, the item as it was, and what to return. */
interface Prepared { change: ItemChange; old?: Item; attributes?: Item; failed?: boolean }

export class DynamoItems {
  constructor(private readonly store: ItemStore) {}

  async putItem(input: PutItemInput): Promise<{ Attributes?: Item }> {
    const p = this.preparePut(input);
    if (p.failed) throw ddbConditionFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? p.old : undefined);
    await this.store.write([p.change]);
    return p.attributes ? { Attributes: p.attributes } : {};
  }

  getItem(input: GetItemInput): { Item?: Item } {
    refuseLegacy(input);
    const schema = this.store.schema(input.TableName);
    const c = compileExpressions({ ProjectionExpression: input.ProjectionExpression, ExpressionAttributeNames: input.ExpressionAttributeNames });
    const key = checkKey(schema, validateItem(input.Key));
    const item = this.store.getItem(input.TableName, ...keyColumn(schema, key));
    return item ? { Item: projectItem(item, c.projection) } : {};
  }

  async updateItem(input: KeyInput): Promise<{ Attributes?: Item }> {
    const p = this.prepareUpdate(input);
    if (p.failed) throw ddbConditionFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? p.old : undefined);
    await this.store.write([p.change]);
    return p.attributes ? { Attributes: p.attributes } : {};
  }

  async deleteItem(input: KeyInput): Promise<{ Attributes?: Item }> {
    const p = this.prepareDelete(input);
    if (p.failed) throw ddbConditionFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? p.old : undefined);
    if (p.old) await this.store.write([p.change]);
    return p.attributes ? { Attributes: p.attributes } : {};
  }

  query(input: QueryInput): QueryOutput {
    refuseLegacy(input);
    const schema = this.store.schema(input.TableName);
    if (input.IndexName !== undefined) throw ddbValidation(`The table does not have the specified index: ${input.IndexName}`);
    if (input.KeyConditionExpression === undefined) throw ddbValidation('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
    const c = compileExpressions(input);
    const kc = keyCondition(schema, c.keyCondition!);
    const [hash] = keyColumn(schema, { [schema.hash.name]: kc.hash });
    let items = sortByRange(schema, this.store.items(input.TableName, hash));
    if (kc.range) items = items.filter((i) => kc.range!(i[schema.range!.name]));
    if (input.ScanIndexForward === false) items.reverse();
    return this.page(schema, items, c, input, (a, b) => (schema.range ? compareScalars(a[schema.range.name], b[schema.range.name]) * (input.ScanIndexForward === false ? -1 : 1) : 0));
  }

  scan(input: QueryInput): QueryOutput {
    refuseLegacy(input);
    const schema = this.store.schema(input.TableName);
    if (input.IndexName !== undefined) throw ddbValidation(`The table does not have the specified index: ${input.IndexName}`);
    if (input.KeyConditionExpression !== undefined) throw ddbValidation('Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}');
    const segmented = input.Segment !== undefined || input.TotalSegments !== undefined;
    if (segmented && (input.Segment === undefined || input.TotalSegments === undefined)) throw ddbValidation('The TotalSegments parameter is required but was not present in the request when Segment parameter is present');
    if (segmented && input.Segment! >= input.TotalSegments!) throw ddbValidation(`The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${input.Segment} is not less than TotalSegments: ${input.TotalSegments}`);
    const c = compileExpressions(input);
    checkLimit(input.Limit);
    let after: [string, string] | undefined;
    if (input.ExclusiveStartKey) after = keyColumn(schema, startKey(schema, input.ExclusiveStartKey));
    // pages of the store in its own stable order (AWS's scan order is its own too), read only as far as needed
    const out: Item[] = [];
    let scanned = 0, bytes = 0, more = false, last: Item | undefined;
    for (;;) {
      const batch = this.store.scanItems(input.TableName, after, SCAN_BATCH);
      for (const row of batch) {
        after = [row.hash, row.range];
        if (segmented && segmentOf(row.hash, input.TotalSegments!) !== input.Segment) continue;
        scanned++;
        bytes += itemSize(row.item);
        last = row.item;
        if (matches(c.filter, row.item)) out.push(projectItem(row.item, c.projection));
        if ((input.Limit !== undefined && scanned >= input.Limit) || bytes >= PAGE_BYTES) { more = true; break; }
      }
      if (more || batch.length < SCAN_BATCH) break;
    }
    return {
      ...(input.Select === 'COUNT' ? {} : { Items: out }), Count: out.length, ScannedCount: scanned,
      ...(more && last ? { LastEvaluatedKey: keyOf(schema, last) } : {}),
    };
  }

  /** Limit, ExclusiveStartKey, the 1 MB page, filter and projection, Select COUNT. */
  private page(schema: KeySchema, items: Item[], c: CompiledExpressions, input: QueryInput, order: (a: Item, b: Item) => number): QueryOutput {
    checkLimit(input.Limit);
    if (input.ExclusiveStartKey) {
      const start = startKey(schema, input.ExclusiveStartKey);
      const i = items.findIndex((x) => order(x, start) > 0 || (order(x, start) === 0 && keyColumn(schema, x).join('\0') === keyColumn(schema, start).join('\0')));
      const at = i < 0 ? items.length : keyColumn(schema, items[i]).join('\0') === keyColumn(schema, start).join('\0') ? i + 1 : i;
      items = items.slice(at);
    }
    const out: Item[] = [];
    let scanned = 0, bytes = 0, last: Item | undefined;
    for (const item of items) {
      if ((input.Limit !== undefined && scanned >= input.Limit) || bytes >= PAGE_BYTES) break;
      scanned++;
      bytes += itemSize(item);
      last = item;
      if (matches(c.filter, item)) out.push(projectItem(item, c.projection));
    }
    const more = scanned < items.length || (input.Limit !== undefined && scanned === input.Limit);
    const count = input.Select === 'COUNT';
    return {
      ...(count ? {} : { Items: out }), Count: out.length, ScannedCount: scanned,
      ...(more && last ? { LastEvaluatedKey: keyOf(schema, last) } : {}),
    };
  }

  async batchWriteItem(input: { RequestItems: Record<string, { PutRequest?: { Item: Record<string, unknown> }; DeleteRequest?: { Key: Record<string, unknown> } }[]> }): Promise<{ UnprocessedItems: Record<string, never> }> {
    const requests = Object.entries(input.RequestItems ?? {}).flatMap(([table, list]) => list.map((r) => ({ table, r })));
    if (requests.length === 0) throw ddbValidation("1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
    if (requests.length > 25) throw ddbValidation(`1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]`);
    const changes: ItemChange[] = [];
    const seen = new Set<string>();
    for (const { table, r } of requests) {
      if (!!r.PutRequest === !!r.DeleteRequest) throw ddbValidation('Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
      const p = r.PutRequest ? this.preparePut({ TableName: table, Item: r.PutRequest.Item }) : this.prepareDelete({ TableName: table, Key: r.DeleteRequest!.Key });
      const id = `${table}\0${p.change.hash}\0${p.change.range}`;
      if (seen.has(id)) throw ddbValidation('Provided list of item keys contains duplicates');
      seen.add(id);
      if (p.change.new || p.change.old) changes.push(p.change);
    }
    await this.store.write(changes);
    return { UnprocessedItems: {} };
  }

  batchGetItem(input: { RequestItems: Record<string, { Keys: Record<string, unknown>[]; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ConsistentRead?: boolean }> }): { Responses: Record<string, Item[]>; UnprocessedKeys: Record<string, never> } {
    const total = Object.values(input.RequestItems ?? {}).reduce((n, t) => n + (t.Keys?.length ?? 0), 0);
    if (total > 100) throw ddbValidation('Too many items requested for the BatchGetItem call');
    if (total === 0) throw ddbValidation("1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
    const responses: Record<string, Item[]> = {};
    for (const [table, spec] of Object.entries(input.RequestItems)) {
      const seen = new Set<string>();
      responses[table] = [];
      for (const k of spec.Keys) {
        const schema = this.store.schema(table);
        const id = keyColumn(schema, checkKey(schema, validateItem(k))).join('\0');
        if (seen.has(id)) throw ddbValidation('Provided list of item keys contains duplicates');
        seen.add(id);
        const got = this.getItem({ TableName: table, Key: k, ProjectionExpression: spec.ProjectionExpression, ExpressionAttributeNames: spec.ExpressionAttributeNames });
        if (got.Item) responses[table].push(got.Item);
      }
    }
    return { Responses: responses, UnprocessedKeys: {} };
  }

  /** All or nothing: every condition is checked before anything is written, in one store write. */
  async transactWriteItems(input: { TransactItems: TransactWriteItem[] }): Promise<Record<string, never>> {
    const list = input.TransactItems ?? [];
    if (list.length === 0 || list.length > 100) throw ddbValidation(`1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length ${list.length === 0 ? 'greater than or equal to 1' : 'less than or equal to 100'}`);
    const prepared: Prepared[] = [];
    const seen = new Set<string>();
    for (const t of list) {
      const kinds = (['Put', 'Update', 'Delete', 'ConditionCheck'] as const).filter((k) => t[k] !== undefined);
      if (kinds.length !== 1) throw ddbValidation('TransactItems can only contain one of Check, Put, Update or Delete');
      const p = t.Put ? this.preparePut(t.Put) : t.Update ? this.prepareUpdate(t.Update) : t.Delete ? this.prepareDelete(t.Delete) : this.prepareCheck(t.ConditionCheck!);
      const id = `${p.change.table}\0${p.change.hash}\0${p.change.range}`;
      if (seen.has(id)) throw ddbValidation('Transaction request cannot include multiple operations on one item');
      seen.add(id);
      prepared.push(p);
    }
    if (prepared.some((p) => p.failed)) {
      const reasons: CancellationReason[] = prepared.map((p, i) => {
        if (!p.failed) return { Code: 'None' };
        const want = (list[i].Put ?? list[i].Update ?? list[i].Delete ?? list[i].ConditionCheck)?.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
        return { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...(want && p.old ? { Item: p.old } : {}) };
      });
      throw ddbTransactionCanceled(reasons);
    }
    await this.store.write(prepared.filter((p) => p.change.new || p.change.old).map((p) => p.change));
    return {};
  }

  transactGetItems(input: { TransactItems: { Get: GetItemInput }[] }): { Responses: ({ Item?: Item })[] } {
    const list = input.TransactItems ?? [];
    if (list.length === 0 || list.length > 100) throw ddbValidation(`1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length ${list.length === 0 ? 'greater than or equal to 1' : 'less than or equal to 100'}`);
    return { Responses: list.map((t) => this.getItem(t.Get)) };
  }

  // ---- preparing single writes (nothing written yet) ----

  private preparePut(input: PutItemInput): Prepared {
    refuseLegacy(input);
    const schema = this.store.schema(input.TableName);
    const rv = returnValues(input, ['NONE', 'ALL_OLD'], 'PutItem');
    const c = compileExpressions(input);
    if (c.update || c.projection || c.filter || c.keyCondition) throw ddbValidation('Can only use ConditionExpression in PutItem');
    if (input.Item === undefined) throw ddbValidation("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null");
    const item = checkKeyAttributes(schema, validateItem(input.Item));
    checkItemSize(item);
    const [hash, range] = keyColumn(schema, item);
    const old = this.store.getItem(input.TableName, hash, range);
    return { change: { table: input.TableName, hash, range, old, new: item }, old, failed: !matches(c.condition, old), attributes: rv === 'ALL_OLD' ? old : undefined };
  }

  private prepareUpdate(input: KeyInput): Prepared {
    refuseLegacy(input);
    const schema = this.store.schema(input.TableName);
    const rv = returnValues(input, ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'], 'UpdateItem');
    const c = compileExpressions(input, keyNames(schema));
    const key = checkKey(schema, validateItem(input.Key));
    const [hash, range] = keyColumn(schema, key);
    const old = this.store.getItem(input.TableName, hash, range);
    if (!matches(c.condition, old)) return { change: { table: input.TableName, hash, range, old }, old, failed: true };
    const next = c.update ? applyUpdate(old ?? key, c.update) : { ...(old ?? key) };
    checkItemSize(next);
    const paths = c.update ? updatedPaths(c.update) : [];
    const attributes = rv === 'ALL_OLD' ? old : rv === 'ALL_NEW' ? next
      : rv === 'UPDATED_OLD' ? (old ? projectItem(old, paths) : undefined) : rv === 'UPDATED_NEW' ? projectItem(next, paths) : undefined;
    return { change: { table: input.TableName, hash, range, old, new: next }, old, attributes: attributes && Object.keys(attributes).length ? attributes : undefined };
  }

  private prepareDelete(input: KeyInput): Prepared {
    refuseLegacy(input);
    const schema = this.store.schema(input.TableName);
    const rv = returnValues(input, ['NONE', 'ALL_OLD'], 'DeleteItem');
    const c = compileExpressions(input);
    const key = checkKey(schema, validateItem(input.Key));
    const [hash, range] = keyColumn(schema, key);
    const old = this.store.getItem(input.TableName, hash, range);
    return { change: { table: input.TableName, hash, range, old }, old, failed: !matches(c.condition, old), attributes: rv === 'ALL_OLD' ? old : undefined };
  }

  private prepareCheck(input: KeyInput): Prepared {
    const schema = this.store.schema(input.TableName);
    if (input.ConditionExpression === undefined) throw ddbValidation("1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null");
    const c = compileExpressions(input);
    const key = checkKey(schema, validateItem(input.Key));
    const [hash, range] = keyColumn(schema, key);
    const old = this.store.getItem(input.TableName, hash, range);
    // a check writes nothing: no `new`, and `old` left out of the change
    return { change: { table: input.TableName, hash, range }, old, failed: !matches(c.condition, old) };
  }
}

export interface TransactWriteItem { Put?: PutItemInput; Update?: KeyInput; Delete?: KeyInput; ConditionCheck?: KeyInput }

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw ddbValidation(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`);
  }
}

function startKey(schema: KeySchema, raw: Record<string, unknown>): Item {
  const start = validateItem(raw);
  try {
    return checkKey(schema, start);
  } catch {
    throw ddbValidation('The provided starting key is invalid: The provided key element does not match the schema');
  }
}

/** The scan segment of a partition key: a stable hash of its stored text. */
function segmentOf(hash: string, total: number): number {
  let h = 2166136261;
  for (const b of Buffer.from(hash, 'utf8')) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h % total;
}
