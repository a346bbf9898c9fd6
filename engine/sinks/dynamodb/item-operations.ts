/**
 * DynamoDB's item operations on the table store, with their request members as the SDK names them (the edge passes
 * them through): PutItem, GetItem, UpdateItem, DeleteItem, Query, Scan, BatchWriteItem, BatchGetItem,
 * TransactWriteItems, TransactGetItems. Each write is one atomic, durable store write: acknowledged means journaled.
 *
 * Query and Scan are in read-operations.ts.
 *
 * LIMITATIONS: the legacy parameters (Expected, AttributesToGet, KeyConditions, QueryFilter,
 * ScanFilter, AttributeUpdates) are refused; ReturnItemCollectionMetrics is accepted and returns nothing; ConsistentRead
 * is accepted (every read is consistent, billed as asked); client request tokens are not remembered. ConsumedCapacity
 * (capacity.ts) counts the table only: writes to secondary indexes (which AWS bills too) are not in it, and a write
 * refused by its condition (which AWS bills) returns and counts nothing.
 */
import { checkItemSize, validateItem, type Item } from './attribute-value.js';
import { CapacityByTable, capacityOf, itemReadUnits, capacityMode, writeUnits, type ConsumedCapacity } from './capacity.js';
import { ddbConditionFailed, ddbTransactionCanceled, ddbValidation, type CancellationReason } from './ddb-errors.js';
import { applyUpdate, updatedPaths } from './expression-eval.js';
import { compileExpressions, matches, projectItem, type ExpressionInput } from './expressions.js';
import { checkIndexKeys } from './index-schema.js';
import { checkKey, checkKeyAttributes, keyColumn, keyNames, type ItemChange, type ItemStore } from './key-schema.js';
import { query, refuseLegacy, scan, type QueryInput, type QueryOutput } from './read-operations.js';

export type { QueryInput, QueryOutput };

type ReturnValues = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
interface WriteInput extends ExpressionInput {
  TableName: string; ReturnValues?: ReturnValues; ReturnValuesOnConditionCheckFailure?: 'NONE' | 'ALL_OLD'; ReturnConsumedCapacity?: string;
}
export interface PutItemInput extends WriteInput { Item: Record<string, unknown> }
export interface KeyInput extends WriteInput { Key: Record<string, unknown> }
export interface GetItemInput {
  TableName: string; Key: Record<string, unknown>; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ConsistentRead?: boolean;
  ReturnConsumedCapacity?: string;
}
type Capacity = { ConsumedCapacity?: ConsumedCapacity };
type Capacities = { ConsumedCapacity?: ConsumedCapacity[] };
type ItemRead = { Item?: Item } & Capacity;
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

  async putItem(input: PutItemInput): Promise<{ Attributes?: Item } & Capacity> {
    return this.writeOne(input, this.preparePut(input));
  }

  getItem(input: GetItemInput): ItemRead {
    const mode = capacityMode(input.ReturnConsumedCapacity);
    const { item, shown } = this.read(input);
    return { ...(shown ? { Item: shown } : {}), ...capacityOf(mode, input.TableName, itemReadUnits(item, input.ConsistentRead)) };
  }

  async updateItem(input: KeyInput): Promise<{ Attributes?: Item } & Capacity> {
    return this.writeOne(input, this.prepareUpdate(input));
  }

  async deleteItem(input: KeyInput): Promise<{ Attributes?: Item } & Capacity> {
    return this.writeOne(input, this.prepareDelete(input));
  }

  /** One prepared write: refused when its condition fails, written when it changes something, its units counted. */
  private async writeOne(input: WriteInput, p: Prepared): Promise<{ Attributes?: Item } & Capacity> {
    const mode = capacityMode(input.ReturnConsumedCapacity);
    if (p.failed) throw ddbConditionFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? p.old : undefined);
    if (p.change.new || p.change.old) await this.store.write([p.change]);
    return { ...(p.attributes ? { Attributes: p.attributes } : {}), ...capacityOf(mode, input.TableName, writeUnits(p.old, p.change.new)) };
  }

  /** The item a key names (whole, for its size) and as the projection shows it. */
  private read(input: GetItemInput): { item?: Item; shown?: Item } {
    refuseLegacy(input);
    const schema = this.store.schema(input.TableName);
    const c = compileExpressions({ ProjectionExpression: input.ProjectionExpression, ExpressionAttributeNames: input.ExpressionAttributeNames });
    const key = checkKey(schema, validateItem(input.Key));
    const item = this.store.getItem(input.TableName, ...keyColumn(schema, key));
    return item ? { item, shown: projectItem(item, c.projection) } : {};
  }

  query(input: QueryInput): QueryOutput {
    return query(this.store, input);
  }

  scan(input: QueryInput): QueryOutput {
    return scan(this.store, input);
  }

  async batchWriteItem(input: { RequestItems: Record<string, { PutRequest?: { Item: Record<string, unknown> }; DeleteRequest?: { Key: Record<string, unknown> } }[]>; ReturnConsumedCapacity?: string }): Promise<{ UnprocessedItems: Record<string, never> } & Capacities> {
    const mode = capacityMode(input.ReturnConsumedCapacity);
    const units = new CapacityByTable();
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
      units.add(table, writeUnits(p.old, p.change.new));
      if (p.change.new || p.change.old) changes.push(p.change);
    }
    await this.store.write(changes);
    return { UnprocessedItems: {}, ...(mode ? { ConsumedCapacity: units.list(mode) } : {}) };
  }

  batchGetItem(input: { RequestItems: Record<string, { Keys: Record<string, unknown>[]; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ConsistentRead?: boolean }>; ReturnConsumedCapacity?: string }): { Responses: Record<string, Item[]>; UnprocessedKeys: Record<string, never> } & Capacities {
    const mode = capacityMode(input.ReturnConsumedCapacity);
    const units = new CapacityByTable();
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
        const got = this.read({ TableName: table, Key: k, ProjectionExpression: spec.ProjectionExpression, ExpressionAttributeNames: spec.ExpressionAttributeNames });
        units.add(table, itemReadUnits(got.item, spec.ConsistentRead)); // each key on its own [DG: BatchGetItem]
        if (got.shown) responses[table].push(got.shown);
      }
    }
    return { Responses: responses, UnprocessedKeys: {}, ...(mode ? { ConsumedCapacity: units.list(mode) } : {}) };
  }

  /** All or nothing: every condition is checked before anything is written, in one store write. */
  async transactWriteItems(input: { TransactItems: TransactWriteItem[]; ReturnConsumedCapacity?: string }): Promise<Capacities> {
    const mode = capacityMode(input.ReturnConsumedCapacity);
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
    // A transaction's writes cost twice as much [DG: "Capacity management for transactions"].
    const units = new CapacityByTable();
    for (const p of prepared) units.add(p.change.table, 2 * writeUnits(p.old, p.change.new));
    return mode ? { ConsumedCapacity: units.list(mode) } : {};
  }

  transactGetItems(input: { TransactItems: { Get: GetItemInput }[]; ReturnConsumedCapacity?: string }): { Responses: ({ Item?: Item })[] } & Capacities {
    const mode = capacityMode(input.ReturnConsumedCapacity);
    const list = input.TransactItems ?? [];
    if (list.length === 0 || list.length > 100) throw ddbValidation(`1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length ${list.length === 0 ? 'greater than or equal to 1' : 'less than or equal to 100'}`);
    const units = new CapacityByTable();
    const responses = list.map((t) => {
      const got = this.read(t.Get);
      units.add(t.Get.TableName, 2 * itemReadUnits(got.item, true)); // transactional reads: twice a consistent read
      return got.shown ? { Item: got.shown } : {};
    });
    return { Responses: responses, ...(mode ? { ConsumedCapacity: units.list(mode) } : {}) };
  }

  // ---- preparing single writes (nothing written yet) ----

  private preparePut(input: PutItemInput): Prepared {
    refuseLegacy(input);
    const schema = this.store.schema(input.TableName);
    const rv = returnValues(input, ['NONE', 'ALL_OLD'], 'PutItem');
    const c = compileExpressions(input);
    if (c.update || c.projection || c.filter || c.keyCondition) throw ddbValidation('Can only use ConditionExpression in PutItem');
    if (input.Item === undefined) throw ddbValidation("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null");
    const item = checkIndexKeys(schema, checkKeyAttributes(schema, validateItem(input.Item)));
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
    const next = checkIndexKeys(schema, c.update ? applyUpdate(old ?? key, c.update) : { ...(old ?? key) });
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
