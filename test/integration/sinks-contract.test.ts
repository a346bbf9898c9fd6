/**
 * What the Sinks view does beyond reading records, over the real contract client on browser mode's WebSocket `/rpc`:
 * queue messages (send, receive with receipt handles, delete, purge, counts), topic subscriptions and publishing,
 * a bucket's objects (text, JSON lines, gzip, binary), DynamoDB queries by key, older records page by page, and
 * local functions (configuration, package files, invoke with a test event, recent invocations from their logs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetFunctionCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { ThingbenchClient } from '../../engine/contract/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';

const ROLE = 'arn:aws:iam::123456789012:role/rules';
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
let te: TestEngine;
let contract: OpenContract;
let api: ThingbenchClient;

beforeAll(async () => {
  te = await startTestEngine();
  fs.mkdirSync(path.join(te.dataDir, 'functions'), { recursive: true });
  contract = await openContract(te);
  api = contract.api;
});

afterAll(async () => {
  await contract?.close();
  await te?.stop();
});

/** Resolves once a sink of this kind and name keeps a new record. */
function recorded(kind: string, name: string): Promise<void> {
  return new Promise((resolve) => {
    const sub = api.on('sinks.recorded', (batch) => {
      if (!batch.some((r) => r.kind === kind && r.name === name)) return;
      sub.dispose();
      resolve();
    });
  });
}

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('resolved'); }, (e: Error & { code?: string }) => e);

describe('queues', () => {
  it('shows a rule-written message, receives it with a receipt handle, counts it in flight and deletes it', async () => {
    await api.sinks.create('queue', 'readings', { visibilityTimeoutSeconds: 40 });
    await api.rules.put('to_queue', {
      sql: "SELECT * FROM 'q/in'", awsIotSqlVersion: '2016-03-23',
      actions: [{ sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/readings', roleArn: ROLE } }],
    });
    const arrived = recorded('queue', 'readings');
    await api.broker.publish({ topic: 'q/in', payload: '{"t":21}', qos: 1 });
    await arrived;
    expect(await api.sinks.queueCounts('readings')).toEqual({ visible: 1, inFlight: 0, delayed: 0 });

    const before = Date.now();
    const [m, ...rest] = await api.sinks.receive('readings', { maxMessages: 10 });
    expect(rest).toEqual([]);
    expect(m).toMatchObject({ body: '{"t":21}', attributes: { ApproximateReceiveCount: '1' } });
    expect(m.receiptHandle.length).toBeGreaterThan(20);
    expect(m.visibleAgainAt).toBeGreaterThanOrEqual(before + 40_000);
    expect(await api.sinks.queueCounts('readings')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    expect(await api.sinks.receive('readings')).toEqual([]);

    await api.sinks.deleteMessage('readings', m.receiptHandle);
    expect(await api.sinks.queueCounts('readings')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(await api.sinks.records('queue', 'readings')).toEqual([]);
  });

  it('sends with attributes and a delay, and refuses what SQS refuses with its messages', async () => {
    await api.sinks.create('queue', 'outbox');
    const sent = await api.sinks.send('outbox', { body: 'hello', attributes: { kind: { DataType: 'String', StringValue: 'greeting' } } });
    expect(sent.md5OfMessageBody).toBe('5d41402abc4b2a76b9719d911017c592');
    await api.sinks.send('outbox', { body: 'later', delaySeconds: 600 });
    expect(await api.sinks.queueCounts('outbox')).toEqual({ visible: 1, inFlight: 0, delayed: 1 });
    const [got] = await api.sinks.receive('outbox', { visibilityTimeoutSeconds: 0 });
    expect(got).toMatchObject({ body: 'hello', messageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } } });

    expect(await failure(api.sinks.send('outbox', { body: 'x', delaySeconds: 901 }))).toMatchObject({
      code: 'InvalidInput', message: 'Value 901 for parameter DelaySeconds is invalid. Reason: Must be >= 0 and <= 900, if provided.',
    });
    await api.sinks.create('queue', 'orders.fifo');
    expect(await failure(api.sinks.send('orders.fifo', { body: 'x' }))).toMatchObject({ code: 'InvalidInput', message: 'The request must contain the parameter MessageGroupId.' });
    const fifo = await api.sinks.send('orders.fifo', { body: 'x', messageGroupId: 'g1', messageDeduplicationId: 'd1' });
    expect(fifo.sequenceNumber).toMatch(/^\d{20}$/);
    expect(await failure(api.sinks.receive('outbox', { maxMessages: 11 }))).toMatchObject({
      code: 'InvalidInput', message: 'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    });
    expect(await failure(api.sinks.queueCounts('nope'))).toMatchObject({ code: 'NotFound' });
    expect(await failure(api.sinks.send('outbox', { body: 'x', colour: 'red' } as never))).toMatchObject({ message: expect.stringContaining('unknown field "colour"') });
  });

  it('purges every message once a minute, as SQS does', async () => {
    await api.sinks.create('queue', 'flood');
    for (let i = 0; i < 3; i++) await api.sinks.send('flood', { body: `m${i}` });
    await api.sinks.purge('flood');
    expect(await api.sinks.queueCounts('flood')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(await failure(api.sinks.purge('flood'))).toMatchObject({ code: 'Conflict', message: 'Only one PurgeQueue operation on flood is allowed every 60 seconds.' });
  });
});

describe('notification topics', () => {
  it('subscribes a queue by name with raw delivery and a filter policy, publishes a test message, unsubscribes', async () => {
    await api.sinks.create('notify', 'alerts', { subscriptions: [{ protocol: 'mqtt', endpoint: 'alerts/out' }] });
    await api.sinks.create('queue', 'alert-inbox');
    const sub = await api.sinks.subscribe('alerts', { protocol: 'sqs', endpoint: 'alert-inbox', rawMessageDelivery: true, filterPolicy: '{"level":["high"]}' });
    expect(sub).toMatchObject({
      protocol: 'sqs', endpoint: 'arn:aws:sqs:us-east-1:000000000000:alert-inbox', rawMessageDelivery: true, filterPolicy: '{"level":["high"]}',
      filterPolicyScope: 'MessageAttributes', confirmed: true, fromOptions: false,
    });
    expect(sub.arn).toMatch(/^arn:aws:sns:us-east-1:000000000000:alerts:[0-9a-f-]{36}$/);
    const listed = await api.sinks.subscriptions('alerts');
    expect(listed.map((s) => [s.protocol, s.endpoint, s.fromOptions])).toEqual([['mqtt', 'alerts/out', true], ['sqs', 'arn:aws:sqs:us-east-1:000000000000:alert-inbox', false]]);

    await api.sinks.publish('alerts', { message: 'quiet', attributes: { level: { DataType: 'String', StringValue: 'low' } } });
    const delivered = recorded('queue', 'alert-inbox');
    const published = await api.sinks.publish('alerts', { message: 'too hot', subject: 'Heat', attributes: { level: { DataType: 'String', StringValue: 'high' } } });
    expect(published.messageId).toMatch(/^[0-9a-f-]{36}$/);
    await delivered;
    expect((await api.sinks.receive('alert-inbox', { maxMessages: 10 })).map((m) => m.body)).toEqual(['too hot']);
    expect((await api.sinks.records('notify', 'alerts')).map((r) => (r.data as { message: string }).message)).toEqual(['too hot', 'quiet']);

    await api.sinks.unsubscribe(sub.arn);
    expect((await api.sinks.subscriptions('alerts')).map((s) => s.protocol)).toEqual(['mqtt']);
    expect(await failure(api.sinks.subscribe('alerts', { protocol: 'http', endpoint: 'ftp://x' }))).toMatchObject({
      code: 'InvalidInput', message: 'Invalid parameter: Endpoint must match the specified protocol',
    });
    expect(await failure(api.sinks.subscriptions('missing'))).toMatchObject({ code: 'NotFound', message: 'Topic does not exist' });
  });
});

describe('objects', () => {
  it('lists a bucket by prefix and opens text, JSON lines, gzip and binary objects', async () => {
    const s3 = new S3Client({ endpoint: te.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
    await api.sinks.create('firehose', 'archive', { bucket: 'lake', prefix: 'raw/', bufferIntervalSeconds: 0 });
    await api.rules.put('to_lake', {
      sql: "SELECT * FROM 'lake/in'", awsIotSqlVersion: '2016-03-23',
      actions: [{ firehose: { deliveryStreamName: 'archive', separator: '\n', roleArn: ROLE } }],
    });
    const delivered = recorded('firehose', 'archive');
    await api.broker.publish({ topic: 'lake/in', payload: '{"t":21}', qos: 1 });
    await delivered;
    const page = await api.sinks.objects('lake', { prefix: 'raw/' });
    expect(page.truncated).toBe(false);
    expect(page.objects).toHaveLength(1);
    const written = await api.sinks.object('lake', page.objects[0].key);
    expect(written).toMatchObject({ bucket: 'lake', size: 9, gzip: false, text: '{"t":21}\n', json: { t: 21 }, textTruncated: false });
    expect(Buffer.from(written.base64!, 'base64').toString()).toBe('{"t":21}\n');

    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'mixed' }));
      await s3.send(new PutObjectCommand({ Bucket: 'mixed', Key: 'a/b.json.gz', Body: gzipSync('{"n":1}\n{"n":2}\n'), ContentEncoding: 'gzip' }));
      await s3.send(new PutObjectCommand({ Bucket: 'mixed', Key: 'a/c.bin', Body: Buffer.from([0, 1, 2, 255, 254]) }));
      await s3.send(new PutObjectCommand({ Bucket: 'mixed', Key: 'top.txt', Body: 'plain' }));
    } finally {
      s3.destroy();
    }
    expect((await api.sinks.buckets()).map((b) => b.name)).toEqual(['lake', 'mixed']);
    expect(await api.sinks.objects('mixed', { delimiter: '/' })).toMatchObject({ objects: [{ key: 'top.txt', size: 5 }], prefixes: ['a/'] });
    expect((await api.sinks.objects('mixed', { prefix: 'a/' })).objects.map((o) => o.key)).toEqual(['a/b.json.gz', 'a/c.bin']);
    expect(await api.sinks.object('mixed', 'a/b.json.gz')).toMatchObject({ gzip: true, contentEncoding: 'gzip', text: '{"n":1}\n{"n":2}\n', json: [{ n: 1 }, { n: 2 }] });
    expect(await api.sinks.object('mixed', 'a/c.bin')).toMatchObject({ gzip: false, text: null, json: null, hexHead: '000102fffe', size: 5 });
    expect(await failure(api.sinks.object('mixed', 'nope'))).toMatchObject({ code: 'NotFound' });
  });
});

describe('tables', () => {
  it('queries by partition key and a sort key condition through the table service', async () => {
    await api.sinks.create('table', 'Readings', { hashKey: { name: 'device', type: 'S' }, rangeKey: { name: 'ts', type: 'N' } });
    const ddb = new DynamoDBClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    try {
      for (const [device, ts] of [['a', 1], ['a', 2], ['a', 3], ['b', 1]] as const) {
        await ddb.send(new PutItemCommand({ TableName: 'Readings', Item: { device: { S: device }, ts: { N: String(ts) }, temp: { N: String(20 + ts) } } }));
      }
    } finally {
      ddb.destroy();
    }
    expect(await api.sinks.query('Readings', { partition: 'a' })).toMatchObject({ count: 3, more: false, items: [{ ts: 1 }, { ts: 2 }, { ts: 3 }] });
    expect((await api.sinks.query('Readings', { partition: 'a', sort: { op: '>=', value: '2' }, descending: true })).items).toEqual([
      { device: 'a', ts: 3, temp: 23 }, { device: 'a', ts: 2, temp: 22 },
    ]);
    expect((await api.sinks.query('Readings', { partition: 'a', sort: { op: 'between', value: '1', value2: '2' }, limit: 1 }))).toMatchObject({ count: 1, more: true });
    expect((await api.sinks.query('Readings', { partition: 'c' })).items).toEqual([]);
    expect(await failure(api.sinks.query('Readings', { partition: 'a', sort: { op: '>', value: 'x' } }))).toMatchObject({ code: 'InvalidInput' });
  });
});

describe('older records', () => {
  it('reads a log group page by page with `before`', async () => {
    await api.sinks.create('log', '/tb/many');
    await te.engine.api.logs.recent(); // the engine is up
    const sinks = (te.engine as unknown as { api: ThingbenchClient }).api.sinks;
    for (let i = 0; i < 5; i++) await sinksLogAppend(`line ${i}`);
    const newest = await sinks.records('log', '/tb/many', { limit: 2 });
    const older = await api.sinks.records('log', '/tb/many', { limit: 2, before: newest[1].id });
    const oldest = await api.sinks.records('log', '/tb/many', { limit: 2, before: older[1].id });
    expect([...newest, ...older, ...oldest].map((r) => (r.data as { message: string }).message)).toEqual(['line 4', 'line 3', 'line 2', 'line 1', 'line 0']);
  });
});

/** PutLogEvents through the CloudWatch Logs edge. */
async function sinksLogAppend(message: string): Promise<void> {
  const { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const logs = new CloudWatchLogsClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
  try {
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/tb/many', logStreamName: 's' })).catch(() => undefined);
    await logs.send(new PutLogEventsCommand({ logGroupName: '/tb/many', logStreamName: 's', logEvents: [{ message, timestamp: Date.now() }] }));
  } finally {
    logs.destroy();
  }
}

describe('functions', () => {
  it('shows configuration and code, invokes with a test event and lists recent invocations with their logs', async () => {
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'greet.mjs'), `export const handler = async (event) => {
  console.log('greeting', event.name);
  if (event.fail) throw new TypeError('no name');
  return { hello: event.name };
};\n`);
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'greet.config.json'), '{"timeout": 5, "environment": {"variables": {"MODE": "test"}}}');
    expect((await api.functions.list()).find((f) => f.name === 'greet')).toMatchObject({
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:greet', runtime: 'nodejs20.x', timeout: 5, environment: { MODE: 'test' }, source: 'folder',
    });
    const detail = await api.functions.get('greet');
    expect(detail.handlerFile).toBe('greet.mjs');
    expect(detail.files).toEqual([expect.objectContaining({ path: 'greet.mjs', text: expect.stringContaining("console.log('greeting'") })]);

    const ok = await api.functions.invoke('greet', { name: 'Ada' });
    expect(ok).toMatchObject({ ok: true, result: { hello: 'Ada' } });
    expect(ok.durationMs).toBeGreaterThanOrEqual(0);
    expect(ok.log).toMatch(new RegExp(`^START RequestId: ${ok.requestId} Version: \\$LATEST\\n[^]*greeting Ada[^]*REPORT RequestId: ${ok.requestId}\\tDuration: `));

    const failed = await api.functions.invoke('greet', { name: 'Bob', fail: true });
    expect(failed).toMatchObject({ ok: false, error: { kind: 'Threw', errorType: 'TypeError', errorMessage: 'no name' } });

    // Each invocation's log is written once it ends, beside the answer.
    const invocations = await vi.waitFor(async () => {
      const got = await api.functions.invocations('greet');
      expect(got.map((i) => i.requestId)).toEqual([failed.requestId, ok.requestId]);
      return got;
    });
    expect(invocations[1]).toMatchObject({ failed: false, durationMs: expect.any(Number) });
    expect(invocations[1].lines.map((l) => l.message).join('\n')).toContain('greeting Ada');
    expect(invocations[0].failed).toBe(true);

    expect(await failure(api.functions.get('missing'))).toMatchObject({ code: 'NotFound', message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing' });
    expect(await api.functions.invoke('missing', {})).toMatchObject({ ok: false, error: { kind: 'NotFound', errorType: 'ResourceNotFoundException' } });
  });

  it('creates a function from one handler file as CreateFunction does, and deletes it', async () => {
    const code = "exports.handler = async (event) => { console.log('made here', event.n); return { twice: event.n * 2 }; };\n";
    const made = await api.functions.create({ name: 'made-here', runtime: 'nodejs20.x', handler: 'index.handler', code, environment: { MODE: 'ui' } });
    expect(made).toMatchObject({
      name: 'made-here', arn: 'arn:aws:lambda:us-east-1:000000000000:function:made-here', runtime: 'nodejs20.x', handler: 'index.handler',
      role: 'arn:aws:iam::000000000000:role/lambda-local', timeout: 3, memorySize: 128, environment: { MODE: 'ui' }, source: 'api',
    });
    const detail = await api.functions.get('made-here');
    expect(detail.handlerFile).toBe('index.js');
    expect(detail.files).toEqual([{ path: 'index.js', size: Buffer.byteLength(code), text: code }]);
    expect(await api.functions.invoke('made-here', { n: 21 })).toMatchObject({ ok: true, result: { twice: 42 } });

    // The same function through the Lambda API: the package is a zip of that one file.
    const lambda = new LambdaClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'made-here' }));
    expect(got.Configuration).toMatchObject({ FunctionName: 'made-here', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/lambda-local' });

    // A file named in the package and a role given are kept.
    const nested = await api.functions.create({ name: 'nested_fn', runtime: 'nodejs22.x', handler: 'src/app.main', code: 'exports.main = async () => 1;\n', fileName: 'src/app.js', role: ROLE, timeout: 10 });
    expect(nested).toMatchObject({ role: ROLE, timeout: 10, handler: 'src/app.main' });
    expect((await api.functions.get('nested_fn')).handlerFile).toBe('src/app.js');

    // Lambda's refusals, with its codes and messages.
    expect(await failure(api.functions.create({ name: 'made-here', runtime: 'nodejs20.x', handler: 'index.handler', code }))).toMatchObject({ code: 'AlreadyExists', message: 'Function already exist: made-here' });
    expect(await failure(api.functions.create({ name: 'bad name!', runtime: 'nodejs20.x', handler: 'index.handler', code }))).toMatchObject({
      code: 'InvalidInput', message: expect.stringMatching(/^1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: /),
    });
    expect(await failure(api.functions.create({ name: 'cobol', runtime: 'cobol9', handler: 'index.handler', code }))).toMatchObject({
      code: 'InvalidInput', message: expect.stringMatching(/^1 validation error detected: Value 'cobol9' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[nodejs18.x, /),
    });
    expect(await failure(api.functions.create({ name: 'slow', runtime: 'nodejs20.x', handler: 'index.handler', code, timeout: 901 }))).toMatchObject({
      code: 'InvalidInput', message: "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
    });
    expect(await failure(api.functions.create({ name: 'nofile', runtime: 'nodejs20.x', handler: 'main.handler', code, fileName: 'index.js' }))).toMatchObject({ code: 'InvalidInput' });
    expect(await failure(api.functions.create({ name: 'x', runtime: 'nodejs20.x', handler: 'index.handler' } as never))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/^functions.create: /) });
    expect((await api.functions.list()).map((f) => f.name)).not.toContain('slow');

    await api.functions.delete('made-here');
    await api.functions.delete('nested_fn');
    expect((await api.functions.list()).map((f) => f.name)).not.toContain('made-here');
    expect(await failure(api.functions.get('made-here'))).toMatchObject({ code: 'NotFound' });
    expect(await failure(api.functions.delete('made-here'))).toMatchObject({ code: 'NotFound', message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:made-here' });
    // A file in <dataDir>/functions is deleted by removing the file.
    expect(await failure(api.functions.delete('greet'))).toMatchObject({ code: 'Conflict' });
    lambda.destroy();
  });

  it('changes the timeout, memory size and environment of a function as UpdateFunctionConfiguration does', async () => {
    const code = 'exports.handler = async () => ({ mode: process.env.MODE ?? null, level: process.env.LEVEL ?? null });\n';
    await api.functions.create({ name: 'tuned', runtime: 'nodejs20.x', handler: 'index.handler', code, environment: { MODE: 'first' } });
    expect(await api.functions.invoke('tuned', {})).toMatchObject({ ok: true, result: { mode: 'first', level: null } });

    const updated = await api.functions.update('tuned', { timeout: 30, memorySize: 512, environment: { MODE: 'second', LEVEL: 'debug' } });
    expect(updated).toMatchObject({ name: 'tuned', timeout: 30, memorySize: 512, environment: { MODE: 'second', LEVEL: 'debug' }, source: 'api' });
    // The running instance is replaced: the next invocation sees the new variables.
    expect(await api.functions.invoke('tuned', {})).toMatchObject({ ok: true, result: { mode: 'second', level: 'debug' } });
    const lambda = new LambdaClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    const conf = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'tuned' }));
    expect(conf).toMatchObject({ Timeout: 30, MemorySize: 512, Environment: { Variables: { MODE: 'second', LEVEL: 'debug' } } });

    // Only the members given change; an empty environment removes the variables.
    expect(await api.functions.update('tuned', { environment: {} })).toMatchObject({ timeout: 30, memorySize: 512, environment: {} });

    // Lambda's refusals, with its codes and messages; nothing changes.
    expect(await failure(api.functions.update('tuned', { timeout: 0 }))).toMatchObject({
      code: 'InvalidInput', message: "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    expect(await failure(api.functions.update('tuned', { memorySize: 10241 }))).toMatchObject({
      code: 'InvalidInput', message: "1 validation error detected: Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240",
    });
    expect(await failure(api.functions.update('tuned', { environment: { AWS_REGION: 'eu-west-1' } }))).toMatchObject({
      code: 'InvalidInput', message: expect.stringMatching(/reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION$/),
    });
    expect(await failure(api.functions.update('tuned', { environment: { '1st': 'x' } }))).toMatchObject({
      code: 'InvalidInput', message: expect.stringMatching(/^1 validation error detected: Value '1st' at 'environment.variables' failed to satisfy constraint/),
    });
    expect(await failure(api.functions.update('tuned', { timeout: '5' } as never))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/^functions.update: /) });
    expect((await api.functions.get('tuned'))).toMatchObject({ timeout: 30, memorySize: 512 });
    expect(await failure(api.functions.update('missing', { timeout: 5 }))).toMatchObject({ code: 'NotFound', message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing' });
    // A file in <dataDir>/functions takes its settings from its .config.json.
    expect(await failure(api.functions.update('greet', { timeout: 5 }))).toMatchObject({ code: 'Conflict', message: expect.stringContaining('greet.config.json') });
    await api.functions.delete('tuned');
    lambda.destroy();
  });
});
