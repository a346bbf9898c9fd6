/**
 * DynamoDB secondary indexes and time to live on the engine's endpoint, through the real clients: the SDK v3 client,
 * lib-dynamodb's document client, the Streams client and Debian's AWS CLI (`aws dynamodb query --index-name`).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CreateTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, ExecuteStatementCommand, LimitExceededException, PutItemCommand,
  QueryCommand, ScanCommand, UpdateItemCommand, UpdateTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand, DescribeStreamCommand } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, PutCommand, QueryCommand as DocQueryCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

let tb: TestEngine;
let ddb: DynamoDBClient;
let doc: DynamoDBDocumentClient;
/** The engine's clock: real time plus an offset a test may move forward. */
const clock = { offset: 0, now() { return Date.now() + this.offset; } };
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

beforeAll(async () => {
  tb = await startTestEngine({ clock, sinks: { ttlSweepMs: 50 } });
  ddb = new DynamoDBClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
  doc = DynamoDBDocumentClient.from(ddb);
});
afterAll(async () => {
  ddb?.destroy();
  await tb.stop();
});

const failure = <T>(p: Promise<T>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error) => e);

/** Orders: one customer's orders by date (table), by status (GSI, KEYS_ONLY), by amount (LSI, INCLUDE). */
const ordersTable = (TableName: string, extra: Partial<CreateTableCommandInput> = {}) => ddb.send(new CreateTableCommand({
  TableName, BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'customer', AttributeType: 'S' }, { AttributeName: 'date', AttributeType: 'S' },
    { AttributeName: 'status', AttributeType: 'S' }, { AttributeName: 'amount', AttributeType: 'N' },
  ],
  KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'date', KeyType: 'RANGE' }],
  GlobalSecondaryIndexes: [{ IndexName: 'by-status', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'amount', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
  LocalSecondaryIndexes: [{ IndexName: 'by-amount', KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'amount', KeyType: 'RANGE' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['item'] } }],
  ...extra,
}));

async function putOrders(TableName: string): Promise<void> {
  const orders = [
    { customer: 'ana', date: '2026-01-01', status: 'OPEN', amount: 30, item: 'lamp', note: 'x' },
    { customer: 'ana', date: '2026-01-02', status: 'SHIPPED', amount: -5, item: 'refund', note: 'y' },
    { customer: 'ana', date: '2026-01-03', status: 'OPEN', amount: 100.5, item: 'desk', note: 'z' },
    { customer: 'ben', date: '2026-01-01', status: 'OPEN', amount: 9, item: 'pen', note: 'w' },
    { customer: 'ben', date: '2026-01-04', amount: 12, item: 'ink', note: 'no status: not in by-status' },
    { customer: 'cy', date: '2026-01-05', status: 'OPEN', item: 'gift', note: 'no amount: in neither index' },
  ];
  for (const o of orders) await doc.send(new PutCommand({ TableName, Item: o }));
}

describe('DynamoDB secondary indexes through the SDK v3 client', () => {
  it('creates a table with a GSI and an LSI, describes them, queries them sparse with their projections, in pages', async () => {
    const created = await ordersTable('orders');
    expect(created.TableDescription!.GlobalSecondaryIndexes).toEqual([expect.objectContaining({
      IndexName: 'by-status', IndexStatus: 'ACTIVE', Projection: { ProjectionType: 'KEYS_ONLY' },
      IndexArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/by-status', ItemCount: 0, IndexSizeBytes: 0,
      KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'amount', KeyType: 'RANGE' }],
    })]);
    expect(created.TableDescription!.LocalSecondaryIndexes).toEqual([expect.objectContaining({ IndexName: 'by-amount', Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['item'] } })]);
    expect(created.TableDescription!.AttributeDefinitions!.map((d) => d.AttributeName).sort()).toEqual(['amount', 'customer', 'date', 'status']);
    await putOrders('orders');
    const described = (await ddb.send(new DescribeTableCommand({ TableName: 'orders' }))).Table!;
    expect(described.GlobalSecondaryIndexes![0]).toMatchObject({ ItemCount: 4 });
    expect(described.GlobalSecondaryIndexes![0].IndexSizeBytes).toBeGreaterThan(0);
    expect(described.LocalSecondaryIndexes![0]).toMatchObject({ ItemCount: 5 });

    // GSI: only the keys are projected; ordered by amount, numerically (negative first)
    const open = await ddb.send(new QueryCommand({ TableName: 'orders', IndexName: 'by-status', KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'OPEN' } } }));
    expect(open.Items).toEqual([
      { status: { S: 'OPEN' }, amount: { N: '9' }, customer: { S: 'ben' }, date: { S: '2026-01-01' } },
      { status: { S: 'OPEN' }, amount: { N: '30' }, customer: { S: 'ana' }, date: { S: '2026-01-01' } },
      { status: { S: 'OPEN' }, amount: { N: '100.5' }, customer: { S: 'ana' }, date: { S: '2026-01-03' } },
    ]);
    // a filter on an attribute the GSI does not project matches nothing
    const filtered = await ddb.send(new QueryCommand({ TableName: 'orders', IndexName: 'by-status', KeyConditionExpression: '#s = :s', FilterExpression: 'attribute_exists(#i)', ExpressionAttributeNames: { '#s': 'status', '#i': 'item' }, ExpressionAttributeValues: { ':s': { S: 'OPEN' } } }));
    expect(filtered).toMatchObject({ Count: 0, ScannedCount: 3 });

    // pages of one item carry the index key and the table key
    const pages: unknown[][] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(new QueryCommand({ TableName: 'orders', IndexName: 'by-status', KeyConditionExpression: '#s = :s AND amount > :min', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'OPEN' }, ':min': { N: '-100' } }, Limit: 1, ScanIndexForward: false, ...(start ? { ExclusiveStartKey: start as never } : {}) }));
      pages.push(page.Items!.map((i) => i.amount.N));
      if (page.LastEvaluatedKey) expect(Object.keys(page.LastEvaluatedKey).sort()).toEqual(['amount', 'customer', 'date', 'status']);
      start = page.LastEvaluatedKey;
    } while (start);
    expect(pages.flat()).toEqual(['100.5', '30', '9']);

    // LSI: within one customer, by amount; projected item plus INCLUDE's attribute; the table's other attributes when asked
    const ana = await ddb.send(new QueryCommand({ TableName: 'orders', IndexName: 'by-amount', KeyConditionExpression: 'customer = :c AND amount BETWEEN :a AND :b', ExpressionAttributeValues: { ':c': { S: 'ana' }, ':a': { N: '-10' }, ':b': { N: '50' } } }));
    expect(ana.Items).toEqual([
      { customer: { S: 'ana' }, date: { S: '2026-01-02' }, amount: { N: '-5' }, item: { S: 'refund' } },
      { customer: { S: 'ana' }, date: { S: '2026-01-01' }, amount: { N: '30' }, item: { S: 'lamp' } },
    ]);
    const full = await ddb.send(new QueryCommand({ TableName: 'orders', IndexName: 'by-amount', KeyConditionExpression: 'customer = :c', ExpressionAttributeValues: { ':c': { S: 'ana' } }, Select: 'ALL_ATTRIBUTES', ConsistentRead: true, Limit: 1 }));
    expect(full.Items![0]).toMatchObject({ note: { S: 'y' }, status: { S: 'SHIPPED' } });

    // Scan of an index: sparse, projected
    const scanned = await ddb.send(new ScanCommand({ TableName: 'orders', IndexName: 'by-status' }));
    expect(scanned.Count).toBe(4);
    expect(scanned.Items!.every((i) => Object.keys(i).sort().join() === 'amount,customer,date,status')).toBe(true);

    // an update moves an item within the index; removing its key takes it out
    await ddb.send(new UpdateItemCommand({ TableName: 'orders', Key: { customer: { S: 'ben' }, date: { S: '2026-01-01' } }, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'SHIPPED' } } }));
    await ddb.send(new UpdateItemCommand({ TableName: 'orders', Key: { customer: { S: 'ana' }, date: { S: '2026-01-03' } }, UpdateExpression: 'REMOVE amount' }));
    const after = await ddb.send(new QueryCommand({ TableName: 'orders', IndexName: 'by-status', KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'OPEN' } } }));
    expect(after.Items!.map((i) => i.customer.S)).toEqual(['ana']);
  });

  it('refuses what AWS refuses, with its messages', async () => {
    await ordersTable('orders-bad');
    const q = (extra: Record<string, unknown>) => failure(ddb.send(new QueryCommand({ TableName: 'orders-bad', KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'OPEN' } }, ...extra })));
    expect((await q({ IndexName: 'nope' })).message).toBe('The table does not have the specified index: nope');
    expect((await q({ IndexName: 'by-status', ConsistentRead: true })).message).toBe('Consistent reads are not supported on global secondary indexes');
    expect((await q({ IndexName: 'by-status', Select: 'ALL_ATTRIBUTES' })).message).toBe('One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index by-status because its projection type is not ALL');
    expect((await q({ IndexName: 'by-status', ExclusiveStartKey: { status: { S: 'OPEN' }, amount: { N: '1' } } })).message).toBe('The provided starting key is invalid');
    const wrongType = await failure(ddb.send(new PutItemCommand({ TableName: 'orders-bad', Item: { customer: { S: 'a' }, date: { S: 'd' }, status: { N: '1' } } })));
    expect(wrongType.name).toBe('ValidationException');
    expect(wrongType.message).toBe('One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N IndexName: by-status');
    const empty = await failure(ddb.send(new PutItemCommand({ TableName: 'orders-bad', Item: { customer: { S: 'a' }, date: { S: 'd' }, status: { S: '' } } })));
    expect(empty.message).toBe('One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: by-status, IndexKey: status');

    const gsi = (n: number) => Array.from({ length: n }, (_, i) => ({ IndexName: `g${String(i).padStart(2, '0')}`, KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' as const }], Projection: { ProjectionType: 'KEYS_ONLY' as const } }));
    expect((await failure(ordersTable('too-many', { GlobalSecondaryIndexes: gsi(21), LocalSecondaryIndexes: undefined }))).message).toBe('One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20');
    const lsi = Array.from({ length: 6 }, (_, i) => ({ IndexName: `l${i}xx`, KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' as const }, { AttributeName: 'amount', KeyType: 'RANGE' as const }], Projection: { ProjectionType: 'ALL' as const } }));
    expect((await failure(ordersTable('too-many', { LocalSecondaryIndexes: lsi }))).message).toBe('One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5');
    expect((await failure(ordersTable('bad-lsi', { LocalSecondaryIndexes: [{ IndexName: 'lsi', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'amount', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }] }))).message)
      .toBe('One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: lsi. index hash key: status, table hash key: customer');
    expect((await failure(ordersTable('bad-defs', { GlobalSecondaryIndexes: undefined, LocalSecondaryIndexes: undefined, AttributeDefinitions: [{ AttributeName: 'customer', AttributeType: 'S' }, { AttributeName: 'date', AttributeType: 'S' }, { AttributeName: 'extra', AttributeType: 'S' }] }))).message)
      .toBe('One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions');
    expect((await failure(ordersTable('bad-defs', { LocalSecondaryIndexes: undefined, GlobalSecondaryIndexes: gsi(1) }))).message)
      .toBe('One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [customer, date, status, amount], keys used: [customer, date, status]');
  });

  it('adds a GSI to a table with items (backfilled) and deletes it with UpdateTable; lib-dynamodb pages through it', async () => {
    await ddb.send(new CreateTableCommand({
      TableName: 'readings', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'device', AttributeType: 'S' }, { AttributeName: 'ts', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'device', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }],
    }));
    for (let i = 0; i < 30; i++) await doc.send(new PutCommand({ TableName: 'readings', Item: { device: `d${i % 3}`, ts: i, site: i % 2 ? 'north' : 'south', temp: 20 + i } }));
    const created = await ddb.send(new UpdateTableCommand({
      TableName: 'readings', AttributeDefinitions: [{ AttributeName: 'site', AttributeType: 'S' }, { AttributeName: 'ts', AttributeType: 'N' }],
      GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'by-site', KeySchema: [{ AttributeName: 'site', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } } }],
    }));
    expect(created.TableDescription!.GlobalSecondaryIndexes).toEqual([expect.objectContaining({ IndexName: 'by-site', IndexStatus: 'CREATING' })]);
    const described = (await ddb.send(new DescribeTableCommand({ TableName: 'readings' }))).Table!;
    expect(described.GlobalSecondaryIndexes![0]).toMatchObject({ IndexName: 'by-site', IndexStatus: 'ACTIVE', ItemCount: 30 });
    expect(described.AttributeDefinitions!.map((d) => d.AttributeName)).toEqual(['device', 'ts', 'site']);
    const north: number[] = [];
    for await (const page of paginateQuery({ client: doc, pageSize: 4 }, { TableName: 'readings', IndexName: 'by-site', KeyConditionExpression: 'site = :s AND ts >= :t', ExpressionAttributeValues: { ':s': 'north', ':t': 10 } })) {
      north.push(...page.Items!.map((i) => i.ts as number));
    }
    expect(north).toEqual([11, 13, 15, 17, 19, 21, 23, 25, 27, 29]);
    const one = await doc.send(new DocQueryCommand({ TableName: 'readings', IndexName: 'by-site', KeyConditionExpression: 'site = :s', ExpressionAttributeValues: { ':s': 'south' }, Limit: 1 }));
    expect(one.Items).toEqual([{ device: 'd0', ts: 0, site: 'south', temp: 20 }]);

    expect((await failure(ddb.send(new UpdateTableCommand({ TableName: 'readings', AttributeDefinitions: [{ AttributeName: 'site', AttributeType: 'S' }], GlobalSecondaryIndexUpdates: [{ Create: { IndexName: 'by-site', KeySchema: [{ AttributeName: 'site', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } }] })))).message)
      .toBe('Attempting to create an index which already exists');
    const two = await failure(ddb.send(new UpdateTableCommand({ TableName: 'readings', AttributeDefinitions: [{ AttributeName: 'site', AttributeType: 'S' }], GlobalSecondaryIndexUpdates: [
      { Create: { IndexName: 'a-site', KeySchema: [{ AttributeName: 'site', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } },
      { Create: { IndexName: 'b-site', KeySchema: [{ AttributeName: 'site', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } } },
    ] })));
    expect(two).toBeInstanceOf(LimitExceededException);
    const deleted = await ddb.send(new UpdateTableCommand({ TableName: 'readings', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'by-site' } }] }));
    expect(deleted.TableDescription!.GlobalSecondaryIndexes).toEqual([expect.objectContaining({ IndexName: 'by-site', IndexStatus: 'DELETING' })]);
    expect((await ddb.send(new DescribeTableCommand({ TableName: 'readings' }))).Table!.GlobalSecondaryIndexes).toBeUndefined();
    expect((await failure(ddb.send(new QueryCommand({ TableName: 'readings', IndexName: 'by-site', KeyConditionExpression: 'site = :s', ExpressionAttributeValues: { ':s': { S: 'north' } } })))).message)
      .toBe('The table does not have the specified index: by-site');
    expect((await failure(ddb.send(new UpdateTableCommand({ TableName: 'readings', GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: 'by-site' } }] })))).message)
      .toBe('Cannot delete an index that is not a GlobalSecondaryIndex: by-site');
  });

  it('answers PartiQL with one sentence', async () => {
    const e = await failure(ddb.send(new ExecuteStatementCommand({ Statement: 'SELECT * FROM "orders"' })));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toMatch(/^Thingbench does not support PartiQL yet \(ExecuteStatement\)/);
  });
});

describe('DynamoDB time to live', () => {
  it('deletes expired items in the background, each a stream REMOVE by the DynamoDB service; until then they are read', async () => {
    await ddb.send(new CreateTableCommand({
      TableName: 'sessions', BillingMode: 'PAY_PER_REQUEST', StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }));
    expect((await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'sessions' }))).TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
    const now = Math.floor(clock.now() / 1000);
    await doc.send(new PutCommand({ TableName: 'sessions', Item: { id: 'past', expires: now - 60 } }));
    await doc.send(new PutCommand({ TableName: 'sessions', Item: { id: 'soon', expires: now + 3600 } }));
    await doc.send(new PutCommand({ TableName: 'sessions', Item: { id: 'ancient', expires: now - 6 * 365 * 86400 } }));
    await doc.send(new PutCommand({ TableName: 'sessions', Item: { id: 'text', expires: String(now - 60) } }));
    // not swept before TTL is on: the expired item is still read
    const before = await ddb.send(new ScanCommand({ TableName: 'sessions' }));
    expect(before.Count).toBe(4);
    expect((await ddb.send(new UpdateTimeToLiveCommand({ TableName: 'sessions', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } }))).TimeToLiveSpecification)
      .toEqual({ Enabled: true, AttributeName: 'expires' });
    expect((await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'sessions' }))).TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' });
    expect((await failure(ddb.send(new UpdateTimeToLiveCommand({ TableName: 'sessions', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } })))).message).toBe('TimeToLive is already enabled');
    expect((await failure(ddb.send(new UpdateTimeToLiveCommand({ TableName: 'sessions', TimeToLiveSpecification: { Enabled: true, AttributeName: 'other' } })))).message).toBe('TimeToLive is active on a different AttributeName: current AttributeName is expires');

    const ids = async () => ((await ddb.send(new ScanCommand({ TableName: 'sessions' }))).Items ?? []).map((i) => i.id.S).sort();
    await vi.waitFor(async () => expect(await ids()).toEqual(['ancient', 'soon', 'text']), { timeout: 10_000, interval: 50 });
    clock.offset += 2 * 3600_000; // two hours later, on the engine's clock
    await vi.waitFor(async () => expect(await ids()).toEqual(['ancient', 'text']), { timeout: 10_000, interval: 50 });

    const streams = new DynamoDBStreamsClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
    try {
      const arn = (await streams.send(new ListStreamsCommand({ TableName: 'sessions' }))).Streams![0].StreamArn!;
      const shard = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!.Shards![0].ShardId!;
      const it0 = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
      const records = (await streams.send(new GetRecordsCommand({ ShardIterator: it0 }))).Records!;
      const removes = records.filter((r) => r.eventName === 'REMOVE');
      expect(removes.map((r) => r.dynamodb!.Keys!.id.S)).toEqual(['past', 'soon']);
      for (const r of removes) expect(r.userIdentity).toEqual({ Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' });
      expect(records.filter((r) => r.eventName === 'INSERT').every((r) => r.userIdentity === undefined)).toBe(true);
    } finally {
      streams.destroy();
    }
    await ddb.send(new UpdateTimeToLiveCommand({ TableName: 'sessions', TimeToLiveSpecification: { Enabled: false, AttributeName: 'expires' } }));
    expect((await failure(ddb.send(new UpdateTimeToLiveCommand({ TableName: 'sessions', TimeToLiveSpecification: { Enabled: false, AttributeName: 'expires' } })))).message).toBe('TimeToLive is already disabled');
  });
});

describeAwsCli('DynamoDB secondary indexes through the AWS CLI', () => {
  it('create-table with a GSI, query --index-name, update-time-to-live and describe-time-to-live', async () => {
    const cli = { endpoint: tb.httpUrl };
    await awsCliJson(['dynamodb', 'create-table', '--table-name', 'cli-orders', '--billing-mode', 'PAY_PER_REQUEST',
      '--attribute-definitions', 'AttributeName=pk,AttributeType=S', 'AttributeName=kind,AttributeType=S', 'AttributeName=n,AttributeType=N',
      '--key-schema', 'AttributeName=pk,KeyType=HASH',
      '--global-secondary-indexes', JSON.stringify([{ IndexName: 'by-kind', KeySchema: [{ AttributeName: 'kind', KeyType: 'HASH' }, { AttributeName: 'n', KeyType: 'RANGE' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['label'] } }])], cli);
    for (const [pk, kind, n] of [['a', 'x', '3'], ['b', 'x', '-1'], ['c', 'y', '2']] as const) {
      await awsCliJson(['dynamodb', 'put-item', '--table-name', 'cli-orders', '--item', JSON.stringify({ pk: { S: pk }, kind: { S: kind }, n: { N: n }, label: { S: `L${pk}` }, hidden: { S: 'h' } })], cli);
    }
    const out = await awsCliJson(['dynamodb', 'query', '--table-name', 'cli-orders', '--index-name', 'by-kind', '--key-condition-expression', 'kind = :k', '--expression-attribute-values', '{":k":{"S":"x"}}'], cli);
    expect(out.Items).toEqual([
      { pk: { S: 'b' }, kind: { S: 'x' }, n: { N: '-1' }, label: { S: 'Lb' } },
      { pk: { S: 'a' }, kind: { S: 'x' }, n: { N: '3' }, label: { S: 'La' } },
    ]);
    const bad = await runAwsCli(['dynamodb', 'query', '--table-name', 'cli-orders', '--index-name', 'by-kind', '--consistent-read', '--key-condition-expression', 'kind = :k', '--expression-attribute-values', '{":k":{"S":"x"}}'], cli);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toContain('Consistent reads are not supported on global secondary indexes');
    await awsCliJson(['dynamodb', 'update-time-to-live', '--table-name', 'cli-orders', '--time-to-live-specification', 'Enabled=true,AttributeName=expires'], cli);
    expect((await awsCliJson(['dynamodb', 'describe-time-to-live', '--table-name', 'cli-orders'], cli)).TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' });
  }, 180_000); // eight CLI runs: each starts a Python interpreter, slow on a busy machine
});
