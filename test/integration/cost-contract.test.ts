/**
 * `metering.cost` over the real contract client on browser mode's WebSocket `/rpc`: after known traffic (MQTT
 * messages of 6 KB, a rule with an SQS action, shadow updates, registry calls and SQS requests from the AWS SDK) every
 * figure is the engine's counters at the shipped price table's prices, exactly; per topic, rule and device too.
 * The engine's clock is held still and moved by the test, so connection minutes and the projection are exact.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand,
  DescribeThingCommand, IoTClient,
} from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  BatchGetItemCommand, CreateTableCommand, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, UpdateItemCommand,
  type ConsumedCapacity,
} from '@aws-sdk/client-dynamodb';
import { HTTP_PUBLISH_CALLER, type CostReport, type PriceTableInfo, type ThingbenchClient } from '../../engine/contract/index.js';
import { PRICE_TABLE_FILE } from '../../engine/metering/index.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';

const ROLE = 'arn:aws:iam::123456789012:role/rules';
const table = JSON.parse(fs.readFileSync(PRICE_TABLE_FILE, 'utf8')) as PriceTableInfo;
const price = (id: string) => {
  const p = table.prices.find((x) => x.id === id)!;
  return (n: number) => (n * p.price) / p.per;
};
const credentials = { accessKeyId: 'AKIDCOST', secretAccessKey: 'secret' };

let t = Date.parse('2026-03-01T10:00:00Z');
const clock = { now: () => t };
let te: TestEngine;
let contract: OpenContract;
let api: ThingbenchClient;
let dev: MqttClient;
let sub: MqttClient;

/** A JSON document of exactly `bytes` bytes. */
const doc = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

beforeAll(async () => {
  te = await startTestEngine({ clock });
  contract = await openContract(te);
  api = contract.api;
});

afterAll(async () => {
  await dev?.endAsync();
  await sub?.endAsync();
  await contract?.close();
  await te?.stop();
});

describe('metering.cost', () => {
  it('starts at zero, with the price table\'s date, sources and every price line', async () => {
    const report = await api.metering.cost();
    expect(report.total).toBe(0);
    expect(report.projection).toMatchObject({ monthly: 0, perHour: 0 });
    expect(report.table).toMatchObject({ region: 'us-east-1', currency: 'USD', date: table.date });
    expect(report.table.sources.map((s) => s.url)).toContain('https://aws.amazon.com/iot-core/pricing/');
    expect(report.lines.map((l) => l.priceId)).toEqual(table.prices.map((p) => p.id));
    expect(report.lines.every((l) => l.quantity === 0 && l.cost === 0)).toBe(true);
    expect(report.unmetered.length).toBeGreaterThan(0);
  });

  it('prices known traffic exactly: 3 messages of 6 KB are 6 billed messages each way, and so on', async () => {
    await api.sinks.create('queue', 'cost-q');
    await api.rules.put('cost_rule', { sql: "SELECT * FROM 'cost/t'", actions: [{ sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/cost-q', roleArn: ROLE } }] });
    sub = await connect(te.mqttPort, { clientId: 'cost-sub' });
    await sub.subscribeAsync('cost/t', { qos: 1 });
    dev = await connect(te.mqttPort, { clientId: 'cost-dev' });
    let received = 0;
    sub.on('message', () => received++);
    for (let i = 0; i < 3; i++) await dev.publishAsync('cost/t', doc(6 * 1024), { qos: 1 });
    // A shadow update of 1.5 KB (2 operations of 1 KB) from the device, answered on its topic.
    await dev.subscribeAsync('$aws/things/cost-dev/shadow/update/accepted', { qos: 1 });
    const accepted = new Promise((resolve) => dev.once('message', resolve));
    await dev.publishAsync('$aws/things/cost-dev/shadow/update', JSON.stringify({ state: { reported: { blob: 'y'.repeat(1500) } } }), { qos: 1 });
    await accepted;
    // Two registry operations and two SQS requests (one of 70 KB: two 64 KB chunks) through the AWS SDK.
    const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    await iot.send(new CreateThingCommand({ thingName: 'cost-thing' }));
    await iot.send(new DescribeThingCommand({ thingName: 'cost-thing' }));
    iot.destroy();
    const sqs = new SQSClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    const queueUrl = `${te.httpUrl}/000000000000/cost-q`;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'hello' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'z'.repeat(70 * 1024) }));
    sqs.destroy();

    await vi.waitFor(async () => {
      const r = await api.metering.cost();
      expect(received).toBe(3);
      expect(r.rules.find((x) => x.rule === 'cost_rule')?.actions).toBe(3);
    });
    t += 90_000; // both clients connected for 1.5 minutes: 2 billed minutes each
    const report: CostReport = await api.metering.cost();
    const usage = await api.metering.usage();
    const line = (id: string) => report.lines.find((l) => l.priceId === id)!;

    // Messaging: the device's 3 publishes (2 each) + its shadow update (1); the subscriber's 3 deliveries (2 each);
    // the shadow's /update/accepted to the device (1).
    expect(report.topics.find((x) => x.topic === 'cost/t')).toEqual({ topic: 'cost/t', messagesIn: 3, messagesOut: 3, billedMessages: 12, cost: price('iot.messaging')(12) });
    expect(usage.totals.billedMessages).toBe(6 + 1 + 6 + 1);
    expect(line('iot.messaging')).toMatchObject({ quantity: 14, cost: price('iot.messaging')(14) });
    expect(line('iot.connectivity')).toMatchObject({ quantity: 4, cost: price('iot.connectivity')(4) });
    expect(line('iot.shadow')).toMatchObject({ quantity: 2, cost: price('iot.shadow')(2) });
    expect(line('iot.registry')).toMatchObject({ quantity: 2, cost: price('iot.registry')(2) });
    // The rule: triggered 3 times by 6 KB (2 each), 3 SQS actions of 6 KB (2 each), each one SQS request.
    expect(report.rules.find((x) => x.rule === 'cost_rule')).toEqual({
      rule: 'cost_rule', triggered: 3, billedTriggers: 6, actions: 3, billedActions: 6, cost: price('iot.rulesTriggered')(6) + price('iot.actionsExecuted')(6),
    });
    expect(line('iot.rulesTriggered').quantity).toBe(6);
    expect(line('iot.actionsExecuted').quantity).toBe(6);
    expect(line('sqs.requests')).toMatchObject({ quantity: 3 + 1 + 2, cost: price('sqs.requests')(6) });

    // Per device: messages and minutes of each client, and the shadow operations of the thing of the same name.
    expect(report.devices.find((d) => d.device === 'cost-dev')).toEqual({
      device: 'cost-dev', messages: 5, billedMessages: 8, connectionMinutes: 1.5, shadowOperations: 1, billedShadowOperations: 2,
      cost: price('iot.messaging')(8) + price('iot.connectivity')(2) + price('iot.shadow')(2),
    });
    expect(report.devices.find((d) => d.device === 'cost-sub')).toMatchObject({ messages: 3, billedMessages: 6, connectionMinutes: 1.5 });

    // Totals: the lines add up, per service and in all; the projection is the rate since the start (younger than 5 minutes).
    const sum = report.lines.reduce((a, l) => a + l.cost, 0);
    expect(report.total).toBeCloseTo(sum, 15);
    const iotCore = report.services.find((s) => s.service === 'AWS IoT Core')!;
    expect(iotCore.cost).toBeCloseTo(report.lines.filter((l) => l.service === 'AWS IoT Core').reduce((a, l) => a + l.cost, 0), 15);
    expect(report.projection.windowMs).toBe(report.at - report.since);
    expect(report.projection.perHour).toBeCloseTo((report.total / report.projection.windowMs) * 3_600_000, 12);
    expect(report.projection.monthly).toBeCloseTo(report.projection.perHour * 730, 12);
  });
  it('counts HTTP publishes, S3 requests and DynamoDB reads and writes by item size, as the cost view shows them', async () => {
    const before = await api.metering.cost();
    const was = (id: string) => before.lines.find((l) => l.priceId === id)!.quantity;
    // HTTP Publish: 2 KB (1 message) and 11 KB (3 messages of 5 KB), counted where the publish enters.
    const data = new IoTDataPlaneClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    await data.send(new PublishCommand({ topic: 'cost/http', qos: 1, payload: Buffer.from('a'.repeat(2048)) }));
    await data.send(new PublishCommand({ topic: 'cost/http', qos: 0, payload: Buffer.from('b'.repeat(11 * 1024)) }));
    data.destroy();
    // S3: CreateBucket, PutObject and ListObjectsV2 at the PUT price; GetObject at the GET price; DeleteObject free.
    const s3 = new S3Client({ endpoint: te.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'cost-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'cost-bucket', Key: 'k', Body: 'object' }));
    await s3.send(new ListObjectsV2Command({ Bucket: 'cost-bucket' }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'cost-bucket', Key: 'k' }))).Body!.transformToString()).toBe('object');
    await s3.send(new DeleteObjectCommand({ Bucket: 'cost-bucket', Key: 'k' }));
    s3.destroy();
    // DynamoDB: an item of ~2.5 KB is 3 write units; reading it is 1 unit consistent, 0.5 eventually consistent; a 9 KB
    // item read consistently is 3; a Query of both (~11.5 KB) eventually consistent is 1.5; BatchGetItem each item: 0.5 + 1.5.
    const ddb = new DynamoDBClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    await ddb.send(new CreateTableCommand({
      TableName: 'cost-table', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    }));
    const item = (sk: string, bytes: number) => ({ pk: { S: 'p' }, sk: { S: sk }, blob: { S: 'x'.repeat(bytes) } });
    await ddb.send(new PutItemCommand({ TableName: 'cost-table', Item: item('small', 2500) }));
    await ddb.send(new PutItemCommand({ TableName: 'cost-table', Item: item('large', 9000) }));
    const key = (sk: string) => ({ pk: { S: 'p' }, sk: { S: sk } });
    await ddb.send(new GetItemCommand({ TableName: 'cost-table', Key: key('small'), ConsistentRead: true }));
    await ddb.send(new GetItemCommand({ TableName: 'cost-table', Key: key('small') }));
    await ddb.send(new GetItemCommand({ TableName: 'cost-table', Key: key('large'), ConsistentRead: true }));
    const q = await ddb.send(new QueryCommand({ TableName: 'cost-table', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } } }));
    expect(q.Items).toHaveLength(2);
    await ddb.send(new BatchGetItemCommand({ RequestItems: { 'cost-table': { Keys: [key('small'), key('large')] } } }));
    ddb.destroy();

    const after = await api.metering.cost();
    const line = (id: string) => after.lines.find((l) => l.priceId === id)!;
    const added = (id: string) => line(id).quantity - was(id);
    expect(added('iot.messaging')).toBe(1 + 3);
    expect(added('s3.puts')).toBe(3);
    expect(added('s3.gets')).toBe(1);
    expect(added('dynamodb.writes')).toBe(3 + 9);
    expect(added('dynamodb.reads')).toBe(1 + 0.5 + 3 + 1.5 + 0.5 + 1.5);
    for (const id of ['iot.messaging', 's3.puts', 's3.gets', 'dynamodb.writes', 'dynamodb.reads']) expect(line(id).cost).toBeCloseTo(price(id)(line(id).quantity), 15);
  });

  it('splits HTTP publishes into their topic\'s and device\'s shares: an HTTPS device under its thing, the data plane under (HTTP Publish API)', async () => {
    const before = await api.metering.cost();
    // The data plane's Publish (SigV4, no device): 2 KB and 11 KB are 1 + 3 billed messages.
    const data = new IoTDataPlaneClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    await data.send(new PublishCommand({ topic: 'cost/split/api', qos: 1, payload: Buffer.from('a'.repeat(2048)) }));
    await data.send(new PublishCommand({ topic: 'cost/split/api', qos: 0, payload: Buffer.from('b'.repeat(11 * 1024)) }));
    data.destroy();
    // An HTTPS device (curl with its certificate on port 8443, as AWS's docs show it): 6 KB is 2 billed messages.
    const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new CreatePolicyCommand({ policyName: 'cost-https', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iot:Publish'], Resource: '*' }] }) }));
    await iot.send(new AttachPolicyCommand({ policyName: 'cost-https', target: c.certificateArn }));
    await iot.send(new CreateThingCommand({ thingName: 'meter-https' }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'meter-https', principal: c.certificateArn }));
    iot.destroy();
    const dir = tempDir('tb-cost-https-');
    fs.writeFileSync(path.join(dir, 'cert.pem'), c.certificatePem!);
    fs.writeFileSync(path.join(dir, 'key.pem'), c.keyPair!.PrivateKey!);
    const status = await new Promise<string>((resolve, reject) => execFile('curl', [
      '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', path.join(te.dataDir, 'security', 'root-ca.pem'),
      '--cert', path.join(dir, 'cert.pem'), '--key', path.join(dir, 'key.pem'), '--data-binary', doc(6 * 1024),
      `${te.info.endpoints.https}/topics/cost/split/https?qos=1`,
    ], (err, out) => (err ? reject(err) : resolve(out))));
    expect(status).toBe('200');

    const after = await api.metering.cost();
    const topic = (r: CostReport, name: string) => r.topics.find((x) => x.topic === name);
    const device = (r: CostReport, name: string) => r.devices.find((x) => x.device === name);
    const messaging = price('iot.messaging');
    expect(topic(after, 'cost/split/api')).toMatchObject({ messagesIn: 2, messagesOut: 0, billedMessages: 4 });
    expect(topic(after, 'cost/split/https')).toMatchObject({ messagesIn: 1, messagesOut: 0, billedMessages: 2 });
    expect(topic(after, 'cost/split/https')!.cost).toBeCloseTo(messaging(2), 15);
    const caller = device(after, HTTP_PUBLISH_CALLER)!;
    const was = device(before, HTTP_PUBLISH_CALLER) ?? { messages: 0, billedMessages: 0 };
    expect([caller.messages - was.messages, caller.billedMessages - was.billedMessages, caller.connectionMinutes]).toEqual([2, 4, 0]);
    expect(device(after, 'meter-https')).toMatchObject({ messages: 1, billedMessages: 2 });
    // Every billed message is in a topic's share and in a device's share.
    const billed = after.lines.find((l) => l.priceId === 'iot.messaging')!.quantity;
    expect(billed - before.lines.find((l) => l.priceId === 'iot.messaging')!.quantity).toBe(4 + 2);
    expect(after.topics.reduce((n, r) => n + r.billedMessages, 0)).toBe(billed);
    expect(after.devices.reduce((n, r) => n + r.billedMessages, 0)).toBe(billed);
  });

  it('bills DynamoDB writes and reads as DynamoDB does, the report agreeing with the ConsumedCapacity the SDK gets back', async () => {
    const units = (id: string, r: CostReport) => r.lines.find((l) => l.priceId === id)!.quantity;
    const before = await api.metering.cost();
    const ddb = new DynamoDBClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    await ddb.send(new CreateTableCommand({
      TableName: 'cost-units', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    }));
    const key = (sk: string) => ({ pk: { S: 'p' }, sk: { S: sk } });
    const total = { ReturnConsumedCapacity: 'TOTAL' } as const;
    const writes: ConsumedCapacity[] = [];
    const reads: ConsumedCapacity[] = [];
    const put = await ddb.send(new PutItemCommand({ TableName: 'cost-units', Item: { ...key('big'), blob: { S: 'x'.repeat(6000) } }, ...total }));
    writes.push(put.ConsumedCapacity!);
    // A one-attribute update of a 6 KB item is billed the item (6 units), not its key; so is deleting it.
    const upd = await ddb.send(new UpdateItemCommand({ TableName: 'cost-units', Key: key('big'), UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '1' } }, ...total }));
    writes.push(upd.ConsumedCapacity!);
    expect(upd.ConsumedCapacity).toEqual({ TableName: 'cost-units', CapacityUnits: 6 });
    const small = await ddb.send(new PutItemCommand({ TableName: 'cost-units', Item: { ...key('small'), blob: { S: 'y'.repeat(2000) } } }));
    expect(small.ConsumedCapacity).toBeUndefined(); // not asked, not returned, still billed: 2 units
    // A Query whose filter keeps nothing is billed what it read (~8 KB → 2 units, eventually consistent → 1); a consistent Scan → 2.
    const q = await ddb.send(new QueryCommand({ TableName: 'cost-units', KeyConditionExpression: 'pk = :p', FilterExpression: 'n = :none', ExpressionAttributeValues: { ':p': { S: 'p' }, ':none': { N: '7' } }, ...total }));
    expect([q.Count, q.ScannedCount, q.ConsumedCapacity]).toEqual([0, 2, { TableName: 'cost-units', CapacityUnits: 1 }]);
    reads.push(q.ConsumedCapacity!);
    const scan = await ddb.send(new ScanCommand({ TableName: 'cost-units', ConsistentRead: true, ...total }));
    reads.push(scan.ConsumedCapacity!);
    const del = await ddb.send(new DeleteItemCommand({ TableName: 'cost-units', Key: key('big'), ...total }));
    expect(del.ConsumedCapacity).toEqual({ TableName: 'cost-units', CapacityUnits: 6 });
    writes.push(del.ConsumedCapacity!);
    ddb.destroy();

    const after = await api.metering.cost();
    const sum = (list: ConsumedCapacity[]) => list.reduce((n, c) => n + c.CapacityUnits!, 0);
    expect(units('dynamodb.writes', after) - units('dynamodb.writes', before)).toBe(sum(writes) + 2);
    expect(units('dynamodb.reads', after) - units('dynamodb.reads', before)).toBe(sum(reads));
    expect(sum(reads)).toBe(1 + 2);
  });
});
