import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openSinks, type SinkHarness } from '../../../test/helpers/sinks.js';
import type { ActionDeps, ActionInput } from './action.js';
import { actionFactories } from './registry.js';

const open: SinkHarness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.close().catch(() => {});
    fs.rmSync(h.dataDir, { recursive: true, force: true });
  }
});

async function setup() {
  const h = await openSinks();
  open.push(h);
  const deps: ActionDeps = { publish: async () => {}, functions: {} as ActionDeps['functions'], sinks: h.sinks };
  const build = (key: string, params: Record<string, unknown>) => actionFactories[key](params, deps);
  return { h, sinks: h.sinks, build };
}

/** One message: `${field}` templates read the output's top-level fields. */
function input(output: unknown, traceId = 'trace-1'): ActionInput {
  const payload = Buffer.from(typeof output === 'string' ? output : JSON.stringify(output));
  return {
    payload, output, traceId, ruleName: 'r1', topic: 'dt/x', clientId: 'c1', timestamp: Date.UTC(2026, 0, 1),
    substitute: (t) => t.replace(/\$\{(\w+)\}/g, (_, k: string) => String((output as Record<string, unknown>)[k] ?? '')),
  };
}

describe('sink actions invoked directly', () => {
  it('sqs: sends to the queue named by queueUrl, base64 when useBase64, and fails for a missing queue', async () => {
    const { sinks, build } = await setup();
    await sinks.create('queue', 'q-dev1');
    const plain = build('sqs', { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q-${device}', roleArn: 'arn:aws:iam::123456789012:role/r' });
    expect(await plain.invoke(input({ device: 'dev1', t: 1 }))).toMatchObject({ ok: true, detail: { queue: 'q-dev1' } });
    const b64 = build('sqs', { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q-dev1', useBase64: true });
    await b64.invoke(input({ t: 2 }, 'trace-2'));
    const bodies = sinks.records('queue', 'q-dev1').map((r) => [(r.data as { body: string }).body, r.traceId]);
    expect(bodies).toEqual([[Buffer.from('{"t":2}').toString('base64'), 'trace-2'], ['{"device":"dev1","t":1}', 'trace-1']]);
    expect(await plain.invoke(input({ device: 'nope' }))).toMatchObject({ ok: false, error: expect.stringMatching(/queue q-nope does not exist/) });
    expect(() => build('sqs', {})).toThrow(/sqs.queueUrl is required/);
    expect(() => build('sqs', { queueUrl: 'x', useBase64: 'yes' })).toThrow(/useBase64 must be a boolean/);
  });

  it('sns: publishes to the topic of targetArn, RAW or JSON', async () => {
    const { sinks, build } = await setup();
    await sinks.create('notify', 'alerts');
    const a = build('sns', { targetArn: 'arn:aws:sns:us-east-1:123456789012:alerts', roleArn: 'r', messageFormat: 'RAW' });
    expect(await a.invoke(input({ temp: 90 }))).toMatchObject({ ok: true });
    expect(sinks.records('notify', 'alerts')[0]).toMatchObject({ traceId: 'trace-1', data: { message: '{"temp":90}' } });
    const j = build('sns', { targetArn: 'arn:aws:sns:us-east-1:123456789012:alerts', messageFormat: 'JSON' });
    expect(await j.invoke(input({ temp: 90 }))).toMatchObject({ ok: false, error: expect.stringMatching(/default/) });
    expect(() => build('sns', { targetArn: 'alerts' })).toThrow(/not an SNS topic ARN/);
    expect(() => build('sns', { targetArn: 'arn:aws:sns:us-east-1:123456789012:a', messageFormat: 'XML' })).toThrow(/RAW or JSON/);
  });

  it('kinesis: puts with the templated partition key', async () => {
    const { sinks, build } = await setup();
    await sinks.create('stream', 'readings', { shardCount: 2 });
    const k = build('kinesis', { streamName: 'readings', partitionKey: '${device}' });
    const r = await k.invoke(input({ device: 'b' }));
    expect(r).toMatchObject({ ok: true, detail: { stream: 'readings', partitionKey: 'b', shardId: 'shardId-000000000001' } });
    expect(sinks.records('stream', 'readings')[0]).toMatchObject({ traceId: 'trace-1', data: { partitionKey: 'b', text: '{"device":"b"}' } });
    expect(await build('kinesis', { streamName: 'missing' }).invoke(input({}))).toMatchObject({ ok: false });
  });

  it('firehose: appends the separator, and splits a JSON array in batchMode', async () => {
    const { sinks, build } = await setup();
    await sinks.create('firehose', 'archive');
    await build('firehose', { deliveryStreamName: 'archive', separator: ',' }).invoke(input({ a: 1 }));
    await build('firehose', { deliveryStreamName: 'archive', batchMode: true, separator: '\n' }).invoke(input([{ b: 1 }, { b: 2 }]));
    expect(await build('firehose', { deliveryStreamName: 'archive', batchMode: true }).invoke(input({ not: 'array' }))).toMatchObject({ ok: false });
    await sinks.firehose.flush('archive');
    // The delivered object's record carries its bucket, key and first bytes, read back from the local S3.
    const delivered = sinks.records('firehose', 'archive')[0].data as { bucket: string; key: string; content: string };
    expect(delivered).toMatchObject({ bucket: 'thingbench-firehose', key: expect.stringMatching(/^archive\//) });
    expect(delivered.content).toBe('{"a":1},\n{"b":1}\n{"b":2}\n');
    expect(() => build('firehose', { deliveryStreamName: 'a', separator: ';' })).toThrow(/separator/);
  });

  it('dynamoDB: writes the payload under payloadField keyed by hash and range, updates and deletes', async () => {
    const { h, sinks, build } = await setup();
    await sinks.create('table', 'Telemetry', { hashKey: { name: 'device', type: 'S' }, rangeKey: { name: 'ts', type: 'N' } });
    const params = {
      tableName: 'Telemetry', hashKeyField: 'device', hashKeyValue: '${device}', rangeKeyField: 'ts', rangeKeyValue: '${ts}', rangeKeyType: 'NUMBER',
      payloadField: 'data', roleArn: 'r',
    };
    expect(await build('dynamoDB', params).invoke(input({ device: 'd1', ts: 5, temp: 20 }))).toMatchObject({ ok: true });
    expect(h.store.all('SELECT device, ts, data FROM "Telemetry"')).toEqual([{ device: 'd1', ts: 5, data: '{"device":"d1","ts":5,"temp":20}' }]);
    await build('dynamoDB', { ...params, operation: 'DELETE' }).invoke(input({ device: 'd1', ts: 5 }));
    expect(sinks.records('table', 'Telemetry')).toEqual([]);
    expect(await build('dynamoDB', { ...params, rangeKeyType: 'STRING' }).invoke(input({ device: 'd1', ts: 5 }))).toMatchObject({ ok: false, error: expect.stringMatching(/Type mismatch/) });
    expect(() => build('dynamoDB', { ...params, operation: 'UPSERT' })).toThrow(/INSERT, UPDATE or DELETE/);
  });

  it('dynamoDBv2: writes the whole output object as an item', async () => {
    const { h, sinks, build } = await setup();
    await sinks.create('table', 'Devices', { hashKey: { name: 'id', type: 'S' } });
    const a = build('dynamoDBv2', { putItem: { tableName: 'Devices' }, roleArn: 'r' });
    expect(await a.invoke(input({ id: 'd1', temp: 21, on: true }))).toMatchObject({ ok: true });
    expect(h.store.all('SELECT * FROM Devices')).toEqual([{ id: 'd1', temp: 21, on: 1 }]);
    expect(sinks.records('table', 'Devices')[0].traceId).toBe('trace-1');
    expect(await a.invoke(input({ temp: 1 }))).toMatchObject({ ok: false, error: expect.stringMatching(/Missing the key id/) });
    expect(await a.invoke(input('text'))).toMatchObject({ ok: false });
    expect(() => build('dynamoDBv2', { tableName: 'Devices' })).toThrow(/putItem/);
  });

  it('cloudwatchMetric, cloudwatchLogs and cloudwatchAlarm write to the local store', async () => {
    const { sinks, build } = await setup();
    const metric = build('cloudwatchMetric', { metricNamespace: 'Factory', metricName: '${name}', metricValue: '${v}', metricUnit: 'Count', metricTimestamp: '1767225600', roleArn: 'r' });
    expect(await metric.invoke(input({ name: 'Widgets', v: 3 }))).toMatchObject({ ok: true });
    expect(sinks.records('metric', 'Factory')[0].data).toEqual({ metricName: 'Widgets', value: 3, unit: 'Count', timestamp: 1767225600000 });
    expect(await metric.invoke(input({ name: 'Widgets', v: 'x' }))).toMatchObject({ ok: false, error: expect.stringMatching(/not a number/) });

    await sinks.create('log', '/iot/rules');
    await build('cloudwatchLogs', { logGroupName: '/iot/rules', roleArn: 'r' }).invoke(input({ hello: 1 }));
    await build('cloudwatchLogs', { logGroupName: '/iot/rules', batchMode: true }).invoke(input([{ timestamp: 5, message: 'a' }, { message: { b: 1 } }]));
    expect(sinks.records('log', '/iot/rules').map((r) => (r.data as { message: string }).message)).toEqual(['{"b":1}', 'a', '{"hello":1}']);
    expect(await build('cloudwatchLogs', { logGroupName: 'missing' }).invoke(input({}))).toMatchObject({ ok: false, error: expect.stringMatching(/log group missing does not exist/) });

    await sinks.create('alarm', 'Hot');
    await build('cloudwatchAlarm', { alarmName: 'Hot', stateValue: '${s}', stateReason: 'reading ${v}', roleArn: 'r' }).invoke(input({ s: 'ALARM', v: 90 }));
    expect(sinks.cloudwatch.alarmState('Hot')).toEqual({ state: 'ALARM', reason: 'reading 90' });
    expect(() => build('cloudwatchAlarm', { alarmName: 'Hot', stateValue: 'RED', stateReason: 'x' })).toThrow(/stateValue/);
  });

  it('refuses to build without the sink service', () => {
    const deps: ActionDeps = { publish: async () => {}, functions: {} as ActionDeps['functions'] };
    expect(() => actionFactories.sqs({ queueUrl: 'x' }, deps)).toThrow(/needs the local sinks/);
  });
});
