/**
 * Sink actions end to end: rules created through the contract, messages published with mqtt.js, sink contents read
 * through the contract with the message's trace id; a missing target goes to the errorAction; restart survival;
 * a Kinesis consumer that is a real local function.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { checkArgs } from '../../engine/host/rpc-args.js';

const ROLE = 'arn:aws:iam::123456789012:role/rules';
const engines: TestEngine[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync();
  for (const e of engines.splice(0)) {
    await e.stop();
    fs.rmSync(e.dataDir, { recursive: true, force: true });
  }
});

async function boot() {
  const te = await startTestEngine();
  engines.push(te);
  const device = await connect(te.mqttPort, { clientId: 'sensor-1' });
  clients.push(device);
  return { te, api: te.engine.api, device };
}

describe('sink actions through the rules engine', () => {
  it('feeds every sink kind from one rule, each record keeping the trace id of the message', async () => {
    const { te, api, device } = await boot();
    await api.sinks.create('queue', 'telemetry');
    await api.sinks.create('notify', 'alerts');
    await api.sinks.create('stream', 'readings', { shardCount: 2 });
    await api.sinks.create('firehose', 'archive', { bufferIntervalSeconds: 0 });
    await api.sinks.create('table', 'Readings', { hashKey: { name: 'device', type: 'S' } });
    await api.sinks.create('table', 'Latest', { hashKey: { name: 'id', type: 'S' }, rangeKey: { name: 'ts', type: 'N' } });
    await api.sinks.create('log', '/rules/all');
    await api.sinks.create('alarm', 'Hot');
    await api.rules.put('all_sinks', {
      sql: "SELECT *, topic(2) AS device FROM 'dt/+/telemetry'",
      awsIotSqlVersion: '2016-03-23',
      actions: [
        { sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/telemetry', roleArn: ROLE } },
        { sns: { targetArn: 'arn:aws:sns:us-east-1:123456789012:alerts', roleArn: ROLE } },
        { kinesis: { streamName: 'readings', partitionKey: '${topic(2)}', roleArn: ROLE } },
        { firehose: { deliveryStreamName: 'archive', separator: '\n', roleArn: ROLE } },
        { dynamoDBv2: { putItem: { tableName: 'Readings' }, roleArn: ROLE } },
        { dynamoDB: { tableName: 'Latest', hashKeyField: 'id', hashKeyValue: '${topic(2)}', rangeKeyField: 'ts', rangeKeyValue: '${ts}', rangeKeyType: 'NUMBER', roleArn: ROLE } },
        { cloudwatchMetric: { metricNamespace: 'Sensors', metricName: 'Temperature', metricValue: '${temp}', metricUnit: 'None', roleArn: ROLE } },
        { cloudwatchLogs: { logGroupName: '/rules/all', roleArn: ROLE } },
        { cloudwatchAlarm: { alarmName: 'Hot', stateValue: "${CASE temp > 30 WHEN true THEN 'ALARM' ELSE 'OK' END}", stateReason: 'temp ${temp}', roleArn: ROLE } },
      ],
    });
    await device.publishAsync('dt/s1/telemetry', JSON.stringify({ temp: 35, ts: 1000 }), { qos: 1 });
    const kinds = ['queue:telemetry', 'notify:alerts', 'stream:readings', 'firehose:archive', 'table:Readings', 'table:Latest', 'metric:Sensors', 'log:/rules/all', 'alarm:Hot'] as const;
    const read = (k: string) => {
      const [kind, name] = k.split(/:(.*)/s) as [Parameters<typeof api.sinks.records>[0], string];
      return api.sinks.records(kind, name).catch(() => []);
    };
    for (let i = 0; i < 300; i++) {
      const all = await Promise.all(kinds.map(read));
      if (all.every((r) => r.length > 0)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const [trace] = await api.rules.trace({ rule: 'all_sinks' });
    expect(trace.actions.filter((a) => !a.ok)).toEqual([]);
    for (const k of kinds) {
      const records = await read(k);
      expect(records.map((r) => r.traceId), k).toEqual([trace.traceId]);
    }
    expect((await read('queue:telemetry'))[0].data).toMatchObject({ body: '{"temp":35,"ts":1000,"device":"s1"}' });
    expect((await read('table:Latest'))[0].data).toEqual({ id: 's1', ts: 1000, payload: { temp: 35, ts: 1000, device: 's1' } });
    expect((await read('alarm:Hot'))[0].data).toMatchObject({ state: 'ALARM', reason: 'temp 35' });
    const delivery = (await read('firehose:archive'))[0].data as { bucket: string; key: string; content: string };
    expect(delivery).toMatchObject({ bucket: 'thingbench-firehose', key: expect.stringMatching(/^archive\/\d{4}\/\d\d\/\d\d\/\d\d\/archive-1-/) });
    expect(delivery.content).toBe('{"temp":35,"ts":1000,"device":"s1"}\n');

    // Restart: the sinks and their contents are still there.
    const before = await Promise.all(kinds.map(read));
    await te.stop();
    engines.splice(engines.indexOf(te), 1);
    const again = await te.restart();
    engines.push(again);
    const api2 = again.engine.api;
    const after = await Promise.all(kinds.map((k) => {
      const [kind, name] = k.split(/:(.*)/s) as [Parameters<typeof api.sinks.records>[0], string];
      return api2.sinks.records(kind, name);
    }));
    expect(after).toEqual(before);
    expect((await api2.sinks.list()).length).toBe(9);
  });

  it("sends a missing queue's failure to the errorAction with AWS's error payload", async () => {
    const { te, api, device } = await boot();
    const watcher = await connect(te.mqttPort, { clientId: 'watcher' });
    clients.push(watcher);
    await watcher.subscribeAsync('errors/#');
    await api.rules.put('to_missing', {
      sql: "SELECT * FROM 'dt/x'",
      actions: [{ sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/nope', roleArn: ROLE } }],
      errorAction: { republish: { topic: 'errors/rules', roleArn: ROLE } },
    });
    const got = nextMessages(watcher, 1);
    await device.publishAsync('dt/x', '{"a":1}');
    const [m] = await got;
    const error = JSON.parse(m.payload.toString()) as { ruleName: string; failures: Array<{ failedAction: string; errorMessage: string }> };
    expect(error.ruleName).toBe('to_missing');
    expect(error.failures[0]).toMatchObject({ failedAction: 'SqsAction' });
    expect(error.failures[0].errorMessage).toMatch(/queue nope does not exist/);
  });

  it('runs a Kinesis consumer that is a local function', async () => {
    const { te, api, device } = await boot();
    const watcher = await connect(te.mqttPort, { clientId: 'watcher' });
    clients.push(watcher);
    await watcher.subscribeAsync('consumed');
    fs.mkdirSync(path.join(te.dataDir, 'functions'), { recursive: true });
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'consume.mjs'), `
      export async function handler(event, context) {
        const data = event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());
        await context.sdk.publish('consumed', JSON.stringify(data));
      }`);
    await api.sinks.create('stream', 'feed', { consumer: 'consume' });
    await api.rules.put('to_stream', { sql: "SELECT * FROM 'dt/feed'", actions: [{ kinesis: { streamName: 'feed', partitionKey: 'k', roleArn: ROLE } }] });
    const got = nextMessages(watcher, 1, 10_000);
    await device.publishAsync('dt/feed', '{"n":1}');
    const [m] = await got.catch((e: Error) => {
      throw new Error(`${e.message}; logs: ${JSON.stringify(te.logs.filter((l) => l.level !== 'debug').map((l) => l.message))}`);
    });
    expect(JSON.parse(m.payload.toString())).toEqual(['{"n":1}']);
  });

  it('checks sink contract arguments at the rpc edge', () => {
    expect(checkArgs('sinks.create', ['queue', 'q'])).toBeNull();
    expect(checkArgs('sinks.create', ['bucket', 'q'])).toMatch(/must be one of/);
    expect(checkArgs('sinks.records', ['queue', 'q', { limit: 5, after: 1, traceId: 't' }])).toBeNull();
    expect(checkArgs('sinks.records', ['queue', 'q', { colour: 1 }])).toMatch(/unknown field/);
    expect(checkArgs('sinks.list', [])).toBeNull();
  });
});
