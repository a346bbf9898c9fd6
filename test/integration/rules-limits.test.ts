/**
 * The hostile rules against a real engine, with the AWS SDK: a catastrophic regex folded at CreateTopicRule
 * or applied to a payload answers at once and the broker keeps answering meanwhile; exploding constant strings and
 * deep nesting are 400 SqlParseException without a memory spike; an evaluation over the 128 KB limit fails the
 * rule with the reason in its trace while its other messages still flow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { CreateTopicRuleCommand, IoTClient } from '@aws-sdk/client-iot';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';

const ROLE = 'arn:aws:iam::123456789012:role/any';
let te: TestEngine;
let iot: IoTClient;
let client: MqttClient;

beforeAll(async () => {
  te = await startTestEngine();
  iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  client = await connect(te.mqttPort, { clientId: 'limits' });
});
afterAll(async () => {
  await client?.endAsync();
  iot?.destroy();
  await te?.stop();
});

const create = (ruleName: string, sql: string, actions: object[] = []) =>
  iot.send(new CreateTopicRuleCommand({ ruleName, topicRulePayload: { sql, awsIotSqlVersion: '2016-03-23', actions } as never }));

async function refusal(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected a refusal');
}

describe('hostile rules', () => {
  it('a catastrophic regex in a constant expression is created at once', async () => {
    const started = Date.now();
    await create('redos_const', "SELECT regexp_matches('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', '(a+)+$') AS x FROM 'a/#'");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a catastrophic regex applied to each message answers at once, and the broker keeps delivering', async () => {
    await create('redos_field', "SELECT regexp_matches(s, '(a+)+$') AS m FROM 'redos/in'", [{ republish: { topic: 'redos/out', roleArn: ROLE, qos: 1 } }]);
    await client.subscribeAsync('redos/out', { qos: 1 });
    const got = nextMessages(client, 3);
    const started = Date.now();
    for (const n of [30, 1000, 100_000]) await client.publishAsync('redos/in', JSON.stringify({ s: 'a'.repeat(n) + '!' }), { qos: 1 });
    expect((await got).map((m) => JSON.parse(m.payload.toString()))).toEqual([{ m: false }, { m: false }, { m: false }]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it.each([
    ['eight nested replace()', `SELECT ${'replace('.repeat(8)}'aaaaaaaaaa'${", 'a', 'aaaaaaaaaa')".repeat(8)} AS x FROM 'a/#'`, /128 KB/],
    ['5,000 nested NOTs', `SELECT * FROM 'a/#' WHERE ${'NOT '.repeat(5000)}x`, /nested too deeply/],
    ['30,000 nested parentheses', `SELECT ${'('.repeat(30_000)}1${')'.repeat(30_000)} AS x FROM 'a/#'`, /nested too deeply/],
    ['20,000 nested abs(', `SELECT ${'abs('.repeat(20_000)}1${')'.repeat(20_000)} AS x FROM 'a/#'`, /nested too deeply/],
    ['a backreference', "SELECT regexp_matches(s, '(a)\\\\1') AS x FROM 'a/#'", /backreference/],
  ])('%s is 400 SqlParseException at once, without a memory spike', async (_name, sql, message) => {
    const rss = process.memoryUsage().rss;
    const started = Date.now();
    const e = await refusal(create('hostile', sql));
    expect(e).toMatchObject({ name: 'SqlParseException', status: 400 });
    expect(e.message).toMatch(message);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 2 ** 20);
  });

  it('an evaluation over 128 KB fails the rule with the reason in its trace; its next message still goes through', async () => {
    await create('explode', "SET @a = replace(s, 'a', 'aaaaaaaaaa') SELECT replace(@a, 'a', 'aaaaaaaaaa') AS x FROM 'explode/in'",
      [{ republish: { topic: 'explode/out', roleArn: ROLE, qos: 1 } }]);
    await client.subscribeAsync('explode/out', { qos: 1 });
    const got = nextMessages(client, 1);
    await client.publishAsync('explode/in', JSON.stringify({ s: 'a'.repeat(2000) }), { qos: 1 }); // 200,000 characters
    await client.publishAsync('explode/in', JSON.stringify({ s: 'a' }), { qos: 1 }); // the marker: 100 characters
    expect(JSON.parse((await got)[0].payload.toString())).toEqual({ x: 'a'.repeat(100) });
    const trace = await te.engine.api.rules.trace({ rule: 'explode', limit: 10 });
    expect(trace).toContainEqual(expect.objectContaining({ matched: false, reason: 'error', error: expect.stringMatching(/replace: the result would exceed 128 KB/) }));
    const [m] = await te.engine.api.rules.metrics('explode');
    expect(m.errors).toBe(1);
    expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});
