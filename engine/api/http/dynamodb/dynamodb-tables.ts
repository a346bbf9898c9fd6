/**
 * DynamoDB's table operations: CreateTable, DescribeTable, ListTables, DeleteTable over the sink tables, so a table
 * created here is the one a rule's `dynamoDBv2` action writes to, the UI shows and the SQL console queries.
 */
import { tagProblem } from '../../../sinks/index.js';
import { asTagMap, dynamoTagRefusal } from './dynamodb-tags.js';
import type { JsonValue, SinkInfo } from '../../../contract/index.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../../core/index.js';
import { serviceError } from '../protocols/index.js';
import type { DynamoTablesPort } from './dynamodb-service.js';
import { attributeDefinitions, checkProjected, describeIndexes, MAX_GLOBAL, parseIndex, parseIndexes, type IndexInput, type IndexOptions } from './dynamodb-indexes.js';

interface KeyElement { AttributeName: string; KeyType: 'HASH' | 'RANGE' }
interface AttributeDefinition { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }
interface TableOptions {
  hashKey: { name: string; type: 'S' | 'N' | 'B' }; rangeKey?: { name: string; type: 'S' | 'N' | 'B' }; streamViewType?: string; billingMode?: string;
  readCapacityUnits?: number; writeCapacityUnits?: number; indexes?: IndexOptions[];
}

const NAME = /^[a-zA-Z0-9_.-]+$/;
const invalid = (message: string) => serviceError('ValidationException', message);

function checkTableName(name: unknown, member = 'tableName'): string {
  if (typeof name !== 'string' || name.length < 3) throw invalid(`1 validation error detected: Value '${String(name)}' at '${member}' failed to satisfy constraint: Member must have length greater than or equal to 3`);
  if (name.length > 255) throw invalid(`1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to 255`);
  if (!NAME.test(name)) throw invalid(`1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`);
  return name;
}

const notFound = (name: string) => serviceError('ResourceNotFoundException', `Requested resource not found: Table: ${name} not found`);

const streamLabel = (created: number) => new Date(created).toISOString().replace('Z', '');

export function describe(port: DynamoTablesPort, info: SinkInfo, status = 'ACTIVE', indexStatus?: Map<string, string>) {
  const o = info.options as unknown as TableOptions;
  const keys = o.rangeKey ? [o.hashKey, o.rangeKey] : [o.hashKey];
  const created = new Date(info.createdAt);
  const provisioned = o.billingMode !== 'PAY_PER_REQUEST';
  return {
    TableName: info.name,
    TableArn: info.arn,
    TableId: tableId(info),
    TableStatus: status,
    CreationDateTime: created,
    AttributeDefinitions: attributeDefinitions(keys, o.indexes ?? []),
    KeySchema: keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
    ProvisionedThroughput: { NumberOfDecreasesToday: 0, ReadCapacityUnits: provisioned ? o.readCapacityUnits ?? 0 : 0, WriteCapacityUnits: provisioned ? o.writeCapacityUnits ?? 0 : 0 },
    ...(o.billingMode ? { BillingModeSummary: { BillingMode: o.billingMode, LastUpdateToPayPerRequestDateTime: o.billingMode === 'PAY_PER_REQUEST' ? created : undefined } } : {}),
    TableSizeBytes: port.sizeBytes(info.name),
    ItemCount: info.count,
    ...(o.indexes?.length ? describeIndexes(info.arn, o.indexes, port.indexStats(info.name), provisioned, indexStatus) : {}),
    ...(o.streamViewType ? {
      StreamSpecification: { StreamEnabled: true, StreamViewType: o.streamViewType },
      LatestStreamLabel: streamLabel(info.createdAt),
      LatestStreamArn: `${info.arn}/stream/${streamLabel(info.createdAt)}`,
    } : {}),
    DeletionProtectionEnabled: false,
  };
}

/** A stable table id (UUID-shaped) from the table's name and creation time. */
function tableId(info: SinkInfo): string {
  const h = Buffer.from(`${info.name}\0${info.createdAt}`).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function find(port: DynamoTablesPort, name: string): SinkInfo {
  const info = port.list('table').find((t) => t.name === name);
  if (!info) throw notFound(name);
  return info;
}

export const createTable = (port: DynamoTablesPort) => async (input: {
  TableName: string; KeySchema: KeyElement[]; AttributeDefinitions: AttributeDefinition[]; BillingMode?: string;
  ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  StreamSpecification?: { StreamEnabled: boolean; StreamViewType?: string };
  GlobalSecondaryIndexes?: IndexInput[]; LocalSecondaryIndexes?: IndexInput[]; Tags?: Array<{ Key: string; Value: string }>;
}) => {
  const name = checkTableName(input.TableName);
  const tags = asTagMap(input.Tags);
  const tagRefusal = tagProblem({}, tags);
  if (tagRefusal) throw dynamoTagRefusal(tagRefusal);
  const ks = input.KeySchema ?? [];
  const hash = ks.filter((k) => k.KeyType === 'HASH'), range = ks.filter((k) => k.KeyType === 'RANGE');
  if (ks.length < 1 || ks.length > 2) throw invalid(`1 validation error detected: Value '${JSON.stringify(ks)}' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2`);
  if (hash.length !== 1 || ks[0].KeyType !== 'HASH') throw invalid('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  if (ks.length === 2 && range.length !== 1) throw invalid('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
  if (ks.length === 2 && ks[0].AttributeName === ks[1].AttributeName) throw invalid('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  const defs = input.AttributeDefinitions ?? [];
  const missing = ks.filter((k) => !defs.some((d) => d.AttributeName === k.AttributeName));
  if (missing.length) {
    throw invalid(`One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${missing.map((k) => k.AttributeName).join(', ')}], AttributeDefinitions: [${defs.map((d) => d.AttributeName).join(', ')}]`);
  }
  const dupDef = defs.find((d, i) => defs.findIndex((e) => e.AttributeName === d.AttributeName) !== i);
  if (dupDef) throw invalid(`Attribute Name is duplicated: ${dupDef.AttributeName}`);
  const withIndexes = input.GlobalSecondaryIndexes !== undefined || input.LocalSecondaryIndexes !== undefined;
  if (!withIndexes && defs.length !== ks.length) throw invalid('One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions');
  const typeOf = (n: string) => {
    const t = defs.find((d) => d.AttributeName === n)!.AttributeType;
    if (t !== 'S' && t !== 'N' && t !== 'B') throw invalid(`1 validation error detected: Value '${String(t)}' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]`);
    return t;
  };
  const billing = input.BillingMode ?? 'PROVISIONED';
  for (const d of defs) typeOf(d.AttributeName);
  const indexes = parseIndexes(input, defs, ks, billing);
  if (withIndexes) {
    const used = new Set([...ks.map((k) => k.AttributeName), ...indexes.flatMap((i) => [i.hashKey.name, ...(i.rangeKey ? [i.rangeKey.name] : [])])]);
    if (defs.some((d) => !used.has(d.AttributeName))) {
      throw invalid(`One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [${defs.map((d) => d.AttributeName).join(', ')}], keys used: [${[...used].join(', ')}]`);
    }
  }
  if (billing === 'PROVISIONED' && !input.ProvisionedThroughput) throw invalid('One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED');
  if (billing === 'PAY_PER_REQUEST' && input.ProvisionedThroughput) throw invalid('One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST');
  const stream = input.StreamSpecification;
  if (stream?.StreamEnabled && !stream.StreamViewType) throw invalid('One or more parameter values were invalid: Table is being created with a stream enabled, UpdateViewType is required');
  if (stream && !stream.StreamEnabled && stream.StreamViewType) throw invalid('One or more parameter values were invalid: Table is being created with a stream disabled, UpdateViewType should not be specified');
  if (port.list('table').some((t) => t.name === name)) throw serviceError('ResourceInUseException', `Table already exists: ${name}`);
  const info = await port.create('table', name, {
    hashKey: { name: hash[0].AttributeName, type: typeOf(hash[0].AttributeName) },
    ...(range.length ? { rangeKey: { name: range[0].AttributeName, type: typeOf(range[0].AttributeName) } } : {}),
    ...(stream?.StreamEnabled ? { streamViewType: stream.StreamViewType! } : {}),
    billingMode: billing,
    ...(input.ProvisionedThroughput ? { readCapacityUnits: input.ProvisionedThroughput.ReadCapacityUnits, writeCapacityUnits: input.ProvisionedThroughput.WriteCapacityUnits } : {}),
    ...(indexes.length ? { indexes: indexes as unknown as JsonValue } : {}),
  });
  if (Object.keys(tags).length) await port.tags.tag('table', name, tags);
  return { TableDescription: describe(port, info) };
};

export const describeTable = (port: DynamoTablesPort) => (input: { TableName: string }) => {
  return { Table: describe(port, find(port, checkTableName(input.TableName))) };
};

export const deleteTable = (port: DynamoTablesPort) => async (input: { TableName: string }) => {
  const info = find(port, checkTableName(input.TableName));
  const description = describe(port, info, 'DELETING');
  await port.delete('table', info.name);
  return { TableDescription: description };
};

interface IndexUpdate { Create?: IndexInput; Update?: { IndexName: string; ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number } }; Delete?: { IndexName: string } }
const PREFIX = 'One or more parameter values were invalid: ';

export const updateTable = (port: DynamoTablesPort) => async (input: {
  TableName: string; BillingMode?: string; ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  StreamSpecification?: { StreamEnabled: boolean; StreamViewType?: string }; GlobalSecondaryIndexUpdates?: IndexUpdate[]; AttributeDefinitions?: AttributeDefinition[];
}) => {
  const info = find(port, checkTableName(input.TableName));
  const updates = input.GlobalSecondaryIndexUpdates;
  if (!input.BillingMode && !input.ProvisionedThroughput && !input.StreamSpecification && !updates) {
    throw invalid('At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required');
  }
  const o = info.options as unknown as TableOptions;
  const billing = input.BillingMode ?? o.billingMode ?? 'PROVISIONED';
  if (billing === 'PAY_PER_REQUEST' && input.ProvisionedThroughput) throw invalid('One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST');
  if (input.BillingMode === 'PROVISIONED' && o.billingMode === 'PAY_PER_REQUEST' && !input.ProvisionedThroughput) throw invalid('One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED');
  const plan = indexPlan(info, o, updates, input.AttributeDefinitions ?? [], billing);
  if (plan.changes && input.ProvisionedThroughput) throw invalid(`${PREFIX}You cannot create or delete index while updating table IOPS`);
  if (plan.changes && input.StreamSpecification) throw invalid(`${PREFIX}You cannot create or delete index while changing stream status`);
  const patch: Record<string, string | number | null | undefined> = { billingMode: billing };
  if (billing === 'PAY_PER_REQUEST') Object.assign(patch, { readCapacityUnits: null, writeCapacityUnits: null });
  if (input.ProvisionedThroughput) Object.assign(patch, { readCapacityUnits: input.ProvisionedThroughput.ReadCapacityUnits, writeCapacityUnits: input.ProvisionedThroughput.WriteCapacityUnits });
  const stream = input.StreamSpecification;
  if (stream?.StreamEnabled) {
    if (!stream.StreamViewType) throw invalid(`${PREFIX}If stream is being enabled then UpdateViewType is required`);
    if (o.streamViewType) throw invalid(`Table already has an enabled stream: TableName: ${info.name}`);
    patch.streamViewType = stream.StreamViewType;
  } else if (stream && !stream.StreamEnabled) {
    if (!o.streamViewType) throw invalid(`Table has no stream to disable: TableName: ${info.name}`);
    if (stream.StreamViewType) throw invalid(`${PREFIX}If stream is being disabled, then UpdateViewType must not be specified`);
    patch.streamViewType = null;
  }
  await port.setOptions(info.name, patch);
  for (const [name, t] of plan.throughput) await port.setIndexThroughput(info.name, name, t);
  const status = new Map<string, string>();
  for (const ix of plan.creates) {
    await port.addIndex(info.name, ix);
    status.set(ix.name, 'CREATING');
  }
  const stats = port.indexStats(info.name);
  for (const name of plan.deletes) await port.removeIndex(info.name, name);
  const after = find(port, info.name);
  const description = describe(port, after, 'UPDATING', status);
  // a deleted index is still described, DELETING, in UpdateTable's answer
  const deleted = (o.indexes ?? []).filter((i) => plan.deletes.includes(i.name));
  if (deleted.length) {
    const extra = describeIndexes(after.arn, deleted, stats, billing !== 'PAY_PER_REQUEST', new Map(deleted.map((i) => [i.name, 'DELETING']))).GlobalSecondaryIndexes ?? [];
    Object.assign(description, { GlobalSecondaryIndexes: [...((description as { GlobalSecondaryIndexes?: unknown[] }).GlobalSecondaryIndexes ?? []), ...extra] });
  }
  return { TableDescription: description };
};

/** UpdateTable's GlobalSecondaryIndexUpdates checked against the table: what to create, delete and re-provision. */
function indexPlan(info: SinkInfo, o: TableOptions, updates: IndexUpdate[] | undefined, defs: AttributeDefinition[], billing: string) {
  const indexes = o.indexes ?? [];
  const creates: IndexOptions[] = [], deletes: string[] = [];
  const throughput = new Map<string, { readCapacityUnits: number; writeCapacityUnits: number }>();
  if (updates !== undefined && updates.length === 0) throw invalid(`${PREFIX}List of GlobalSecondaryIndexUpdates is empty`);
  const seen = new Set<string>();
  const table: KeyElement[] = [{ AttributeName: o.hashKey.name, KeyType: 'HASH' }, ...(o.rangeKey ? [{ AttributeName: o.rangeKey.name, KeyType: 'RANGE' as const }] : [])];
  for (const u of updates ?? []) {
    const actions = [u.Create, u.Update, u.Delete].filter((x) => x !== undefined && x !== null);
    if (actions.length === 0) throw invalid(`${PREFIX}One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null`);
    if (actions.length > 1) throw invalid(`${PREFIX}Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object`);
    const name = actions[0]!.IndexName;
    if (seen.has(name)) throw invalid(`${PREFIX}Only one global secondary index update per index is allowed simultaneously. Index: ${name}`);
    seen.add(name);
    const existing = indexes.find((i) => i.name === name);
    if (u.Create) {
      if (existing) throw invalid('Attempting to create an index which already exists');
      if (defs.length === 0) throw invalid(`${PREFIX}AttributeDefinitions is not specified for index: ${name}`);
      creates.push(parseIndex(u.Create, true, defs, table, billing));
    } else if (u.Delete) {
      if (!existing?.global) throw invalid(`Cannot delete an index that is not a GlobalSecondaryIndex: ${name}`);
      deletes.push(name);
    } else {
      if (!existing?.global) throw invalid(`Cannot update an index that is not a GlobalSecondaryIndex: ${name}`);
      if (billing === 'PAY_PER_REQUEST') throw invalid(`${PREFIX}The only Updates for index: ${name} when TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput`);
      const t = u.Update!.ProvisionedThroughput;
      if (!t || t.ReadCapacityUnits === undefined || t.WriteCapacityUnits === undefined) throw invalid(`${PREFIX}Both ReadCapacityUnits and WriteCapacityUnits must be specified for index: ${name}`);
      throughput.set(name, { readCapacityUnits: t.ReadCapacityUnits, writeCapacityUnits: t.WriteCapacityUnits });
    }
  }
  if (billing === 'PROVISIONED' && o.billingMode === 'PAY_PER_REQUEST') {
    const missing = indexes.filter((i) => i.global && !deletes.includes(i.name) && !throughput.has(i.name)).map((i) => i.name);
    if (missing.length) throw invalid(`${PREFIX}ProvisionedThroughput must be specified for index: ${missing.join(',')}`);
  }
  if (creates.length + deletes.length > 1) throw serviceError('LimitExceededException', 'Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table');
  if (indexes.filter((i) => i.global).length + creates.length > MAX_GLOBAL) {
    throw serviceError('LimitExceededException', `${PREFIX}GlobalSecondaryIndex count exceeds the per-table limit of ${MAX_GLOBAL}`);
  }
  checkProjected([...indexes, ...creates]);
  void info;
  return { creates, deletes, throughput, changes: creates.length + deletes.length > 0 };
}

export const listTables = (port: DynamoTablesPort) => (input: { ExclusiveStartTableName?: string; Limit?: number }) => {
  const limit = input.Limit ?? 100;
  if (limit < 1 || limit > 100) throw invalid(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`);
  const names = port.list('table').map((t) => t.name).sort();
  const rest = input.ExclusiveStartTableName === undefined ? names : names.filter((n) => n > input.ExclusiveStartTableName!);
  const page = rest.slice(0, limit);
  return { TableNames: page, ...(rest.length > limit ? { LastEvaluatedTableName: page[page.length - 1] } : {}) };
};

export const tableArn = (name: string) => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${name}`;
