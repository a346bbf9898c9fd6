/**
 * Amazon DynamoDB on the engine's endpoint, through the real clients: `@aws-sdk/client-dynamodb`, the document
 * client of `@aws-sdk/lib-dynamodb`, and Debian's AWS CLI. A table created here is the table a rule's `dynamoDBv2`
 * action writes to; acknowledged writes survive kill -9.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ConditionalCheckFailedException, CreateTableCommand, DeleteItemCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand,
  ListTablesCommand, PutItemCommand, QueryCommand, ResourceInUseException, ResourceNotFoundException, TransactionCanceledException,
  TransactWriteItemsCommand, UpdateItemCommand, UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand as DocQueryCommand, UpdateCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { startCli } from './helpers/cli-process.js';

let tb: TestEngine;
let ddb: DynamoDBClient;
let doc: DynamoDBDocumentClient;
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

beforeAll(async () => {
  tb = await startTestEngine();
  ddb = new DynamoDBClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
  doc = DynamoDBDocumentClient.from(ddb);
});
afterAll(async () => {
  ddb?.destroy();
  await tb.stop();
});

const failure = <T>(p: Promise<T>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);

const createReadings = (TableName: string, extra: Partial<ConstructorParameters<typeof CreateTableCommand>[0]> = {}) => ddb.send(new CreateTableCommand({
  TableName, BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [{ AttributeName: 'device', AttributeType: 'S' }, { AttributeName: 'ts', AttributeType: 'N' }],
  KeySchema: [{ AttributeName: 'device', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }],
  ...extra,
}));

describe('DynamoDB through the SDK v3 client', () => {
  it('creates, describes, lists and deletes tables with AWS errors for a taken or missing name', async () => {
    const created = await createReadings('sdk-tables', { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    expect(created.TableDescription).toMatchObject({
      TableName: 'sdk-tables', TableStatus: 'ACTIVE', TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/sdk-tables', ItemCount: 0,
      KeySchema: [{ AttributeName: 'device', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' }, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(created.TableDescription!.CreationDateTime).toBeInstanceOf(Date);
    expect(created.TableDescription!.LatestStreamArn).toMatch(/^arn:aws:dynamodb:us-east-1:000000000000:table\/sdk-tables\/stream\/\d{4}-/);
    const taken = await failure(createReadings('sdk-tables'));
    expect(taken).toBeInstanceOf(ResourceInUseException);
    expect(taken.message).toBe('Table already exists: sdk-tables');
    expect((await ddb.send(new ListTablesCommand({}))).TableNames).toContain('sdk-tables');
    expect((await ddb.send(new DescribeTableCommand({ TableName: 'sdk-tables' }))).Table?.AttributeDefinitions).toEqual([{ AttributeName: 'device', AttributeType: 'S' }, { AttributeName: 'ts', AttributeType: 'N' }]);
    const updated = await ddb.send(new UpdateTableCommand({ TableName: 'sdk-tables', StreamSpecification: { StreamEnabled: false }, BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }));
    expect(updated.TableDescription).toMatchObject({ TableStatus: 'UPDATING', BillingModeSummary: { BillingMode: 'PROVISIONED' }, ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } });
    expect(updated.TableDescription?.StreamSpecification).toBeUndefined();
    expect((await ddb.send(new DescribeTableCommand({ TableName: 'sdk-tables' }))).Table?.TableStatus).toBe('ACTIVE');
    expect((await failure(ddb.send(new UpdateTableCommand({ TableName: 'sdk-tables' })))).message).toMatch(/^At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled/);
    expect((await ddb.send(new DeleteTableCommand({ TableName: 'sdk-tables' }))).TableDescription?.TableStatus).toBe('DELETING');
    const missing = await failure(ddb.send(new DescribeTableCommand({ TableName: 'sdk-tables' })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing.message).toBe('Requested resource not found: Table: sdk-tables not found');
  });

  it('writes and reads typed items (binary, sets, exact numbers), with conditions, updates and queries', async () => {
    await createReadings('sdk-items');
    await ddb.send(new PutItemCommand({ TableName: 'sdk-items', Item: {
      device: { S: 'd1' }, ts: { N: '1' }, raw: { B: Buffer.from([0, 1, 254, 255]) }, tags: { SS: ['a', 'b'] }, blobs: { BS: [Buffer.from('x'), Buffer.from('y')] },
      big: { N: '12345678901234567890.123456789' }, nested: { M: { list: { L: [{ NULL: true }, { BOOL: false }] } } },
    } }));
    const got = (await ddb.send(new GetItemCommand({ TableName: 'sdk-items', Key: { device: { S: 'd1' }, ts: { N: '1' } } }))).Item!;
    expect(Buffer.from(got.raw.B!)).toEqual(Buffer.from([0, 1, 254, 255]));
    expect(got.blobs.BS!.map((b) => Buffer.from(b).toString())).toEqual(['x', 'y']);
    expect(got.big).toEqual({ N: '12345678901234567890.123456789' });
    expect(got.nested).toEqual({ M: { list: { L: [{ NULL: true }, { BOOL: false }] } } });
    const failed = await failure(ddb.send(new PutItemCommand({ TableName: 'sdk-items', Item: { device: { S: 'd1' }, ts: { N: '1' } }, ConditionExpression: 'attribute_not_exists(device)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })));
    expect(failed).toBeInstanceOf(ConditionalCheckFailedException);
    expect(failed.message).toBe('The conditional request failed');
    expect((failed as ConditionalCheckFailedException).Item?.tags).toEqual({ SS: ['a', 'b'] });
    const updated = await ddb.send(new UpdateItemCommand({ TableName: 'sdk-items', Key: { device: { S: 'd1' }, ts: { N: '1' } }, UpdateExpression: 'SET big = big + :x ADD tags :t', ExpressionAttributeValues: { ':x': { N: '0.876543211' }, ':t': { SS: ['c'] } }, ReturnValues: 'UPDATED_NEW' }));
    expect(updated.Attributes).toEqual({ big: { N: '12345678901234567891' }, tags: { SS: ['a', 'b', 'c'] } });
    const syntax = await failure(ddb.send(new UpdateItemCommand({ TableName: 'sdk-items', Key: { device: { S: 'd1' }, ts: { N: '1' } }, UpdateExpression: 'SET book-price = :p', ExpressionAttributeValues: { ':p': { N: '1' } } })));
    expect(syntax.name).toBe('ValidationException');
    expect(syntax.message).toBe('Invalid UpdateExpression: Syntax error; token: "-", near: "book-price"');
    expect(syntax.$metadata?.httpStatusCode).toBe(400);
    for (let ts = 2; ts <= 6; ts++) await ddb.send(new PutItemCommand({ TableName: 'sdk-items', Item: { device: { S: 'd1' }, ts: { N: String(ts) } } }));
    const q = await ddb.send(new QueryCommand({ TableName: 'sdk-items', KeyConditionExpression: 'device = :d AND ts >= :t', ExpressionAttributeValues: { ':d': { S: 'd1' }, ':t': { N: '3' } }, ScanIndexForward: false, Limit: 2 }));
    expect(q.Items!.map((i) => i.ts.N)).toEqual(['6', '5']);
    expect(q.LastEvaluatedKey).toEqual({ device: { S: 'd1' }, ts: { N: '5' } });
    const missing = await failure(ddb.send(new GetItemCommand({ TableName: 'no-such-table', Key: { id: { S: 'x' } } })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });

  it('cancels a transaction with CancellationReasons the SDK reads', async () => {
    await createReadings('sdk-tx');
    await ddb.send(new PutItemCommand({ TableName: 'sdk-tx', Item: { device: { S: 'a' }, ts: { N: '1' }, n: { N: '1' } } }));
    const e = await failure(ddb.send(new TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: 'sdk-tx', Item: { device: { S: 'a' }, ts: { N: '2' } } } },
      { ConditionCheck: { TableName: 'sdk-tx', Key: { device: { S: 'a' }, ts: { N: '1' } }, ConditionExpression: 'n > :z', ExpressionAttributeValues: { ':z': { N: '5' } } } },
    ] })));
    expect(e).toBeInstanceOf(TransactionCanceledException);
    expect((e as TransactionCanceledException).CancellationReasons).toEqual([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }]);
    expect((await ddb.send(new GetItemCommand({ TableName: 'sdk-tx', Key: { device: { S: 'a' }, ts: { N: '2' } } }))).Item).toBeUndefined();
  });

  it('works unchanged through the document client (lib-dynamodb) and its paginator', async () => {
    await createReadings('doc-items');
    await doc.send(new PutCommand({ TableName: 'doc-items', Item: { device: 'doc', ts: 1, reading: { value: 21.5, unit: 'C' }, labels: new Set(['x']) } }));
    await doc.send(new UpdateCommand({ TableName: 'doc-items', Key: { device: 'doc', ts: 1 }, UpdateExpression: 'SET reading.#v = reading.#v + :d', ExpressionAttributeNames: { '#v': 'value' }, ExpressionAttributeValues: { ':d': 0.5 } }));
    expect((await doc.send(new GetCommand({ TableName: 'doc-items', Key: { device: 'doc', ts: 1 } }))).Item).toEqual({ device: 'doc', ts: 1, reading: { value: 22, unit: 'C' }, labels: new Set(['x']) });
    for (let ts = 2; ts <= 12; ts++) await doc.send(new PutCommand({ TableName: 'doc-items', Item: { device: 'doc', ts } }));
    expect((await doc.send(new DocQueryCommand({ TableName: 'doc-items', KeyConditionExpression: 'device = :d AND ts BETWEEN :a AND :b', ExpressionAttributeValues: { ':d': 'doc', ':a': 2, ':b': 4 } }))).Items!.map((i) => i.ts)).toEqual([2, 3, 4]);
    const seen: number[] = [];
    for await (const page of paginateScan({ client: doc, pageSize: 5 }, { TableName: 'doc-items', Limit: 5 })) seen.push(...page.Items!.map((i) => i.ts as number));
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it("is the table a rule's dynamoDBv2 action writes into", async () => {
    await ddb.send(new CreateTableCommand({ TableName: 'rule-readings', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'device', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'device', KeyType: 'HASH' }] }));
    await tb.engine.api.rules.put('to_ddb', {
      sql: "SELECT topic(2) AS device, temp FROM 'sensors/+/temp'", awsIotSqlVersion: '2016-03-23',
      actions: [{ dynamoDBv2: { putItem: { tableName: 'rule-readings' }, roleArn: 'arn:aws:iam::000000000000:role/rules' } }],
    });
    const device = await connect(tb.mqttPort, { clientId: 'ddb-rule-device' });
    await device.publishAsync('sensors/s9/temp', JSON.stringify({ temp: 21.5 }), { qos: 1 });
    await device.endAsync();
    await vi.waitFor(async () => {
      expect((await ddb.send(new GetItemCommand({ TableName: 'rule-readings', Key: { device: { S: 's9' } } }))).Item).toEqual({ device: { S: 's9' }, temp: { N: '21.5' } });
    }, { timeout: 10_000 });
    expect((await tb.engine.api.sinks.list('table')).find((t) => t.name === 'rule-readings')?.sql).toBe('SELECT * FROM "rule-readings"');
  });
});

describe('DynamoDB Streams through the SDK v3 client', () => {
  it('lists and describes a table\'s stream and reads its records in order, shaped by the view type', async () => {
    const streams = new DynamoDBStreamsClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
    try {
      const arn = (await createReadings('streamed', { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } })).TableDescription!.LatestStreamArn!;
      await createReadings('keys-only', { StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } });
      expect((await streams.send(new ListStreamsCommand({ TableName: 'streamed' }))).Streams).toEqual([{ StreamArn: arn, TableName: 'streamed', StreamLabel: arn.split('/stream/')[1] }]);
      const described = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!;
      expect(described).toMatchObject({ StreamStatus: 'ENABLED', StreamViewType: 'NEW_AND_OLD_IMAGES', TableName: 'streamed', KeySchema: [{ AttributeName: 'device', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }] });
      const shard = described.Shards![0].ShardId!;
      const latest = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard, ShardIteratorType: 'LATEST' }))).ShardIterator!;
      const key = { device: { S: 's' }, ts: { N: '1' } };
      await ddb.send(new PutItemCommand({ TableName: 'streamed', Item: { ...key, v: { N: '1' }, raw: { B: Buffer.from([9]) } } }));
      await ddb.send(new UpdateItemCommand({ TableName: 'streamed', Key: key, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '2' } } }));
      await ddb.send(new DeleteItemCommand({ TableName: 'streamed', Key: key }));
      await ddb.send(new PutItemCommand({ TableName: 'keys-only', Item: { ...key, v: { N: '1' } } }));
      const got = await streams.send(new GetRecordsCommand({ ShardIterator: latest }));
      expect(got.Records!.map((r) => [r.eventName, r.dynamodb?.OldImage?.v, r.dynamodb?.NewImage?.v])).toEqual([
        ['INSERT', undefined, { N: '1' }], ['MODIFY', { N: '1' }, { N: '2' }], ['REMOVE', { N: '2' }, undefined],
      ]);
      expect(got.Records![0]).toMatchObject({ eventSource: 'aws:dynamodb', eventVersion: '1.1', awsRegion: 'us-east-1', dynamodb: { Keys: key, StreamViewType: 'NEW_AND_OLD_IMAGES' } });
      expect(Buffer.from(got.Records![0].dynamodb!.NewImage!.raw.B!)).toEqual(Buffer.from([9]));
      const seqs = got.Records!.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
      expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
      const after = await streams.send(new GetRecordsCommand({ ShardIterator: got.NextShardIterator! }));
      expect(after.Records).toEqual([]);
      const keysOnlyArn = (await streams.send(new ListStreamsCommand({ TableName: 'keys-only' }))).Streams![0].StreamArn!;
      const shard2 = (await streams.send(new DescribeStreamCommand({ StreamArn: keysOnlyArn }))).StreamDescription!.Shards![0].ShardId!;
      const it2 = (await streams.send(new GetShardIteratorCommand({ StreamArn: keysOnlyArn, ShardId: shard2, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator!;
      const [rec] = (await streams.send(new GetRecordsCommand({ ShardIterator: it2 }))).Records!;
      expect(rec.dynamodb).toMatchObject({ Keys: key, StreamViewType: 'KEYS_ONLY' });
      expect(rec.dynamodb!.NewImage).toBeUndefined();
      const missing = await failure(streams.send(new DescribeStreamCommand({ StreamArn: `${arn}x` })));
      expect(missing.name).toBe('ResourceNotFoundException');
    } finally {
      streams.destroy();
    }
  });
});

describeAwsCli('DynamoDB through the AWS CLI', () => {
  it('create-table, put-item, get-item, query, scan, a failed condition, update-table turning on a stream and dynamodbstreams reading it', async () => {
    const endpoint = tb.httpUrl;
    const table = await awsCliJson(['dynamodb', 'create-table', '--table-name', 'cli-music', '--attribute-definitions', 'AttributeName=Artist,AttributeType=S', 'AttributeName=SongTitle,AttributeType=S',
      '--key-schema', 'AttributeName=Artist,KeyType=HASH', 'AttributeName=SongTitle,KeyType=RANGE', '--billing-mode', 'PAY_PER_REQUEST'], { endpoint });
    expect(table.TableDescription.TableStatus).toBe('ACTIVE');
    await awsCliJson(['dynamodb', 'put-item', '--table-name', 'cli-music', '--item', JSON.stringify({ Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' }, AlbumTitle: { S: 'Somewhat Famous' }, Awards: { N: '1' } })], { endpoint });
    const got = await awsCliJson(['dynamodb', 'get-item', '--table-name', 'cli-music', '--key', JSON.stringify({ Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' } })], { endpoint });
    expect(got.Item).toEqual({ Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' }, AlbumTitle: { S: 'Somewhat Famous' }, Awards: { N: '1' } });
    const q = await awsCliJson(['dynamodb', 'query', '--table-name', 'cli-music', '--key-condition-expression', 'Artist = :name', '--expression-attribute-values', JSON.stringify({ ':name': { S: 'No One You Know' } })], { endpoint });
    expect(q.Count).toBe(1);
    const scan = await awsCliJson(['dynamodb', 'scan', '--table-name', 'cli-music'], { endpoint });
    expect(scan.Items).toHaveLength(1);
    const r = await runAwsCli(['dynamodb', 'put-item', '--table-name', 'cli-music', '--item', JSON.stringify({ Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' } }), '--condition-expression', 'attribute_not_exists(Artist)'], { endpoint });
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/ConditionalCheckFailedException.*The conditional request failed/);
    await awsCliJson(['dynamodb', 'update-table', '--table-name', 'cli-music', '--stream-specification', 'StreamEnabled=true,StreamViewType=NEW_IMAGE'], { endpoint });
    await awsCliJson(['dynamodb', 'delete-item', '--table-name', 'cli-music', '--key', JSON.stringify({ Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' } })], { endpoint });
    const listed = await awsCliJson(['dynamodbstreams', 'list-streams', '--table-name', 'cli-music'], { endpoint });
    expect(listed.Streams).toHaveLength(1);
    const shard = (await awsCliJson(['dynamodbstreams', 'describe-stream', '--stream-arn', listed.Streams[0].StreamArn], { endpoint })).StreamDescription.Shards[0].ShardId;
    const iterator = (await awsCliJson(['dynamodbstreams', 'get-shard-iterator', '--stream-arn', listed.Streams[0].StreamArn, '--shard-id', shard, '--shard-iterator-type', 'TRIM_HORIZON'], { endpoint })).ShardIterator;
    const records = await awsCliJson(['dynamodbstreams', 'get-records', '--shard-iterator', iterator], { endpoint });
    expect(records.Records.map((x: { eventName: string }) => x.eventName)).toEqual(['REMOVE']);
  });
});

describe('DynamoDB durability', () => {
  it('keeps every acknowledged write across kill -9', async () => {
    const dataDir = tempDir('tb-ddb-crash-');
    const first = await startCli(dataDir);
    const client = new DynamoDBClient({ endpoint: first.httpUrl, region: 'us-east-1', credentials });
    await client.send(new CreateTableCommand({ TableName: 'durable', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }));
    for (let id = 0; id < 30; id++) await client.send(new PutItemCommand({ TableName: 'durable', Item: { id: { N: String(id) }, v: { S: `v${id}` } } }));
    await client.send(new UpdateItemCommand({ TableName: 'durable', Key: { id: { N: '0' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { S: 'changed' } } }));
    client.destroy();
    await first.kill9();
    const second = await startCli(dataDir);
    const again = new DynamoDBClient({ endpoint: second.httpUrl, region: 'us-east-1', credentials });
    try {
      const all = [];
      for await (const page of paginateScan({ client: DynamoDBDocumentClient.from(again) }, { TableName: 'durable' })) all.push(...page.Items!);
      expect(all).toHaveLength(30);
      expect(all.find((i) => i.id === 0)?.v).toBe('changed');
    } finally {
      again.destroy();
      await second.kill9();
    }
  });
});
