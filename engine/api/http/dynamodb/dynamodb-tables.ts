/**
 * DynamoDB's table operations: CreateTable, DescribeTable, ListTables, DeleteTable over the sink tables, so a table
 * created here is the one a rule's `dynamoDBv2` action writes to, the UI shows and the SQL console queries.
 */
import type { SinkInfo } from '../../../contract/index.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../../core/index.js';
import { serviceError } from '../protocols/index.js';
import type { DynamoTablesPort } from './dynamodb-service.js';

interface KeyElement { AttributeName: string; KeyType: 'HASH' | 'RANGE' }
interface AttributeDefinition { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }
interface TableOptions { hashKey: { name: string; type: string }; rangeKey?: { name: string; type: string }; streamViewType?: string; billingMode?: string; readCapacityUnits?: number; writeCapacityUnits?: number }

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

export function describe(port: DynamoTablesPort, info: SinkInfo, status = 'ACTIVE') {
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
    AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
    KeySchema: keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
    ProvisionedThroughput: { NumberOfDecreasesToday: 0, ReadCapacityUnits: provisioned ? o.readCapacityUnits ?? 0 : 0, WriteCapacityUnits: provisioned ? o.writeCapacityUnits ?? 0 : 0 },
    ...(o.billingMode ? { BillingModeSummary: { BillingMode: o.billingMode, LastUpdateToPayPerRequestDateTime: o.billingMode === 'PAY_PER_REQUEST' ? created : undefined } } : {}),
    TableSizeBytes: port.sizeBytes(info.name),
    ItemCount: info.count,
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
  GlobalSecondaryIndexes?: unknown[]; LocalSecondaryIndexes?: unknown[];
}) => {
  const name = checkTableName(input.TableName);
  if (input.GlobalSecondaryIndexes?.length || input.LocalSecondaryIndexes?.length) {
    throw invalid('Secondary indexes are not supported by Thingbench yet: create the table without GlobalSecondaryIndexes and LocalSecondaryIndexes');
  }
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
  if (defs.length !== ks.length) throw invalid('One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions');
  const typeOf = (n: string) => {
    const t = defs.find((d) => d.AttributeName === n)!.AttributeType;
    if (t !== 'S' && t !== 'N' && t !== 'B') throw invalid(`1 validation error detected: Value '${String(t)}' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]`);
    return t;
  };
  const billing = input.BillingMode ?? 'PROVISIONED';
  if (billing === 'PROVISIONED' && !input.ProvisionedThroughput) throw invalid('One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED');
  if (billing === 'PAY_PER_REQUEST' && input.ProvisionedThroughput) throw invalid('One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST');
  const stream = input.StreamSpecification;
  if (stream?.StreamEnabled && !stream.StreamViewType) throw invalid('StreamSpecification: StreamViewType is required when StreamEnabled is true');
  if (port.list('table').some((t) => t.name === name)) throw serviceError('ResourceInUseException', `Table already exists: ${name}`);
  const info = await port.create('table', name, {
    hashKey: { name: hash[0].AttributeName, type: typeOf(hash[0].AttributeName) },
    ...(range.length ? { rangeKey: { name: range[0].AttributeName, type: typeOf(range[0].AttributeName) } } : {}),
    ...(stream?.StreamEnabled ? { streamViewType: stream.StreamViewType! } : {}),
    billingMode: billing,
    ...(input.ProvisionedThroughput ? { readCapacityUnits: input.ProvisionedThroughput.ReadCapacityUnits, writeCapacityUnits: input.ProvisionedThroughput.WriteCapacityUnits } : {}),
  });
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

export const updateTable = (port: DynamoTablesPort) => async (input: {
  TableName: string; BillingMode?: string; ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
  StreamSpecification?: { StreamEnabled: boolean; StreamViewType?: string }; GlobalSecondaryIndexUpdates?: unknown[]; AttributeDefinitions?: unknown[];
}) => {
  const info = find(port, checkTableName(input.TableName));
  if (input.GlobalSecondaryIndexUpdates?.length) throw invalid('Secondary indexes are not supported by Thingbench yet: GlobalSecondaryIndexUpdates cannot be applied');
  if (!input.BillingMode && !input.ProvisionedThroughput && !input.StreamSpecification) {
    throw invalid('At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required');
  }
  const o = info.options as unknown as TableOptions;
  const billing = input.BillingMode ?? o.billingMode ?? 'PROVISIONED';
  if (billing === 'PAY_PER_REQUEST' && input.ProvisionedThroughput) throw invalid('One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST');
  if (input.BillingMode === 'PROVISIONED' && o.billingMode === 'PAY_PER_REQUEST' && !input.ProvisionedThroughput) throw invalid('One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED');
  const patch: Record<string, string | number | null | undefined> = { billingMode: billing };
  if (billing === 'PAY_PER_REQUEST') Object.assign(patch, { readCapacityUnits: null, writeCapacityUnits: null });
  if (input.ProvisionedThroughput) Object.assign(patch, { readCapacityUnits: input.ProvisionedThroughput.ReadCapacityUnits, writeCapacityUnits: input.ProvisionedThroughput.WriteCapacityUnits });
  const stream = input.StreamSpecification;
  if (stream?.StreamEnabled) {
    if (!stream.StreamViewType) throw invalid('StreamSpecification: StreamViewType is required when StreamEnabled is true');
    if (o.streamViewType) throw invalid(`Table already has an enabled stream: ${info.arn}/stream/${streamLabel(info.createdAt)}`);
    patch.streamViewType = stream.StreamViewType;
  } else if (stream && !stream.StreamEnabled) {
    if (!o.streamViewType) throw invalid('Table does not have an enabled stream to disable');
    patch.streamViewType = null;
  }
  await port.setOptions(info.name, patch);
  return { TableDescription: describe(port, find(port, info.name), 'UPDATING') };
};

export const listTables = (port: DynamoTablesPort) => (input: { ExclusiveStartTableName?: string; Limit?: number }) => {
  const limit = input.Limit ?? 100;
  if (limit < 1 || limit > 100) throw invalid(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`);
  const names = port.list('table').map((t) => t.name).sort();
  const rest = input.ExclusiveStartTableName === undefined ? names : names.filter((n) => n > input.ExclusiveStartTableName!);
  const page = rest.slice(0, limit);
  return { TableNames: page, ...(rest.length > limit ? { LastEvaluatedTableName: page[page.length - 1] } : {}) };
};

export const tableArn = (name: string) => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${name}`;
