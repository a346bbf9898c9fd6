/**
 * The rules engine through the real broker: rules created with `@aws-sdk/client-iot`, messages published with mqtt.js,
 * republished output read with mqtt.js. Conformance rows from AWS's documentation, templates, errorAction, Basic Ingest,
 * shadow topics, trace ids, metrics, management API errors and restart survival.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import {
  IoTClient, CreateTopicRuleCommand, GetTopicRuleCommand, ListTopicRulesCommand, ReplaceTopicRuleCommand, DeleteTopicRuleCommand,
  EnableTopicRuleCommand, DisableTopicRuleCommand, type TopicRulePayload,
} from '@aws-sdk/client-iot';
import { startTestEngine, connect, nextMessages, until, type TestEngine } from '../helpers/engine.js';
import type { RulesEvaluated } from '../../engine/contract/index.js';

const ROLE = 'arn:aws:iam::123456789012:role/rules';
const republish = (topic: string, qos = 0) => ({ republish: { topic, roleArn: ROLE, qos } });

describe('rules engine', () => {
  let te: TestEngine;
  let iot: IoTClient;
  let pub: MqttClient;
  let sub: MqttClient;
  let n = 0;

  const client = (url: string) => new IoTClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

  /** Creates a rule, publishes `payload` on `topic` and resolves with the republished payloads (or none in `ms`). */
  async function run(sql: string, topic: string, payload: string | Buffer, opts: { version?: string; count?: number; ms?: number } = {}) {
    const name = `conf_${++n}`;
    const out = `out/${name}`;
    await iot.send(new CreateTopicRuleCommand({ ruleName: name, topicRulePayload: { sql, actions: [republish(out)], awsIotSqlVersion: opts.version ?? '2016-03-23' } }));
    await sub.subscribeAsync(out);
    const got = nextMessages(sub, opts.count ?? 1, opts.ms ?? 3000).then((m) => m.map((x) => x.payload.toString()), () => [] as string[]);
    await pub.publishAsync(topic, payload);
    const result = await got;
    await iot.send(new DeleteTopicRuleCommand({ ruleName: name }));
    await sub.unsubscribeAsync(out);
    return result;
  }

  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws', limits: { publishesPerSecond: 100_000 } });
    iot = client(te.httpUrl);
    pub = await connect(te.mqttPort, { clientId: 'device-1' });
    sub = await connect(te.mqttPort, { clientId: 'reader-1' });
  });

  afterAll(async () => {
    await pub?.endAsync();
    await sub?.endAsync();
    iot?.destroy();
    await te?.stop();
  });

  // (SQL, topic, payload) → expected output, from the AWS IoT SQL reference examples.
  const table: Array<[string, string, string, unknown]> = [
    ["SELECT * FROM 'topic/subtopic'", 'topic/subtopic', '{"color":"red","temperature":100}', { color: 'red', temperature: 100 }],
    ["SELECT color FROM 'topic/subtopic'", 'topic/subtopic', '{"color":"red","temperature":100}', { color: 'red' }],
    ["SELECT color AS my_color FROM 'topic/subtopic'", 'topic/subtopic', '{"color":"red","temperature":100}', { my_color: 'red' }],
    ["SELECT * FROM 'topic/subtopic' WHERE color = 'red'", 'topic/subtopic', '{"color":"red","temperature":100}', { color: 'red', temperature: 100 }],
    ["SELECT topic(2) AS t, clientid() AS c FROM 'sensors/+/temp'", 'sensors/dev7/temp', '{}', { t: 'dev7', c: 'device-1' }],
    ["SELECT a.b AS x FROM 'topic/x'", 'topic/x', '{"a":{"b":"c"}}', { x: 'c' }],
    ["SELECT VALUE temperature FROM 'topic/v'", 'topic/v', '{"temperature":33}', 33],
    ["SELECT (SELECT VALUE v FROM readings WHERE v > 10) AS high FROM 'topic/n'", 'topic/n', '{"readings":[{"v":5},{"v":12},{"v":30}]}', { high: [12, 30] }],
    ["SELECT CASE color WHEN 'red' THEN 1 ELSE 0 END AS alarm FROM 'topic/case'", 'topic/case', '{"color":"red"}', { alarm: 1 }],
    ["SELECT upper(color) AS c, abs(t) AS a FROM 'topic/f'", 'topic/f', '{"color":"red","t":-4}', { c: 'RED', a: 4 }],
  ];

  it.each(table)('%s on %s', async (sql, topic, payload, expected) => {
    const [out] = await run(sql, topic, payload);
    expect(JSON.parse(out)).toEqual(expected);
  });

  it('WHERE false and WHERE on a missing field do not fire; the trace says why', async () => {
    expect(await run("SELECT * FROM 'w/1' WHERE temperature > 50", 'w/1', '{"temperature":20}', { ms: 600 })).toEqual([]);
    expect(await run("SELECT * FROM 'w/2' WHERE nothere > 50", 'w/2', '{"temperature":20}', { ms: 600 })).toEqual([]);
    const trace = await te.engine.api.rules.trace({ limit: 50 });
    expect(trace.find((e) => e.topic === 'w/1')).toMatchObject({ matched: false, reason: 'where-false' });
    expect(trace.find((e) => e.topic === 'w/2')).toMatchObject({ matched: false, reason: 'where-undefined' });
  });

  it('a binary payload passes through SELECT * unchanged', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const name = 'binary_pass';
    await iot.send(new CreateTopicRuleCommand({ ruleName: name, topicRulePayload: { sql: "SELECT * FROM 'bin/in'", actions: [republish('bin/out')] } }));
    await sub.subscribeAsync('bin/out');
    const got = nextMessages(sub, 1);
    await pub.publishAsync('bin/in', bytes);
    expect((await got)[0].payload.equals(bytes)).toBe(true);
    await iot.send(new DeleteTopicRuleCommand({ ruleName: name }));
  });

  it('awsIotSqlVersion defaults to 2015-10-08 as in AWS', async () => {
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'versionless', topicRulePayload: { sql: "SELECT * FROM 'v/x'", actions: [] } }));
    const r = await iot.send(new GetTopicRuleCommand({ ruleName: 'versionless' }));
    expect(r.rule?.awsIotSqlVersion).toBe('2015-10-08');
    expect(r.ruleArn).toBe('arn:aws:iot:us-east-1:000000000000:rule/versionless');
    await iot.send(new DeleteTopicRuleCommand({ ruleName: 'versionless' }));
  });

  it('substitution templates in the republish topic, QoS 1', async () => {
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'templated', topicRulePayload: {
      sql: "SELECT temp FROM 'dev/+/telemetry'", awsIotSqlVersion: '2016-03-23',
      actions: [{ republish: { topic: 'alerts/${topic(2)}/${upper(kind)}', roleArn: ROLE, qos: 1 } }],
    } }));
    await sub.subscribeAsync('alerts/#', { qos: 1 });
    const got = nextMessages(sub, 1);
    await pub.publishAsync('dev/d42/telemetry', '{"temp":71,"kind":"heat"}');
    const [m] = await got;
    expect(m.topic).toBe('alerts/d42/HEAT');
    expect(m.qos).toBe(1);
    expect(JSON.parse(m.payload.toString())).toEqual({ temp: 71 });
    await sub.unsubscribeAsync('alerts/#');
    await iot.send(new DeleteTopicRuleCommand({ ruleName: 'templated' }));
  });

  it('republishes to a shadow topic ($$) and sees shadow topics only when FROM names them', async () => {
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'to_shadow', topicRulePayload: {
      sql: "SELECT VALUE {'state': {'reported': {'temp': temp}}} FROM 'thermo/+/data'", awsIotSqlVersion: '2016-03-23',
      actions: [{ republish: { topic: '$$aws/things/${topic(2)}/shadow/update', roleArn: ROLE } }],
    } }));
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'catch_all', topicRulePayload: {
      sql: "SELECT * FROM '#'", awsIotSqlVersion: '2016-03-23', actions: [] } }));
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'shadow_watch', topicRulePayload: {
      sql: "SELECT state.reported.temp AS t, topic(3) AS thing FROM '$aws/things/+/shadow/update/accepted'", awsIotSqlVersion: '2016-03-23',
      actions: [republish('watch/accepted')] } }));
    await sub.subscribeAsync('watch/accepted');
    const got = nextMessages(sub, 1);
    await pub.publishAsync('thermo/th1/data', '{"temp":22}');
    expect(JSON.parse((await got)[0].payload.toString())).toEqual({ t: 22, thing: 'th1' });
    expect((await te.engine.api.shadow.get('th1')).state.reported).toEqual({ temp: 22 });
    const trace = await te.engine.api.rules.trace({ rule: 'catch_all', limit: 100 });
    expect(trace.some((e) => e.topic === 'thermo/th1/data')).toBe(true);
    expect(trace.some((e) => e.topic.startsWith('$aws/'))).toBe(false);
    for (const ruleName of ['to_shadow', 'catch_all', 'shadow_watch']) await iot.send(new DeleteTopicRuleCommand({ ruleName }));
  });

  it('Basic Ingest: $aws/rules/<name>/<topic> reaches that rule without FROM', async () => {
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'ingest_me', topicRulePayload: {
      sql: "SELECT *, topic() AS t FROM 'ingest/+'", awsIotSqlVersion: '2016-03-23', actions: [republish('ingest/out')] } }));
    await sub.subscribeAsync('ingest/out');
    const got = nextMessages(sub, 1);
    await pub.publishAsync('$aws/rules/ingest_me/some/where', '{"a":1}');
    expect(JSON.parse((await got)[0].payload.toString())).toEqual({ a: 1, t: 'some/where' });
    await iot.send(new DeleteTopicRuleCommand({ ruleName: 'ingest_me' }));
  });

  it('one trace id per message, shared by every rule, kept in evaluations and action results; traceid() returns it', async () => {
    const payload = (topic: string) => ({ sql: `SELECT traceid() AS id FROM 'tr/x'`, awsIotSqlVersion: '2016-03-23', actions: [republish(topic)] });
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'trace_a', topicRulePayload: payload('tr/a') }));
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'trace_b', topicRulePayload: payload('tr/b') }));
    await sub.subscribeAsync(['tr/a', 'tr/b']);
    const got = nextMessages(sub, 2);
    await pub.publishAsync('tr/x', '{}');
    const ids = (await got).map((m) => (JSON.parse(m.payload.toString()) as { id: string }).id);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toBe(ids[0]);
    await until(() => true, 10);
    const trace = await te.engine.api.rules.trace({ traceId: ids[0] });
    expect(trace.map((e) => e.rule).sort()).toEqual(['trace_a', 'trace_b']);
    await until(() => trace.every((e) => e.actions.length === 1), 2000).catch(() => undefined);
    const again = await te.engine.api.rules.trace({ traceId: ids[0] });
    for (const e of again) expect(e.actions[0]).toMatchObject({ traceId: ids[0], kind: 'republish', ok: true });
    for (const ruleName of ['trace_a', 'trace_b']) await iot.send(new DeleteTopicRuleCommand({ ruleName }));
  });

  it('live batches for the UI count each rule\'s evaluations, matches and failed actions, with the latest evaluations', async () => {
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'live_hot', topicRulePayload: {
      sql: "SELECT * FROM 'live/in' WHERE t > 30", awsIotSqlVersion: '2016-03-23', actions: [] } }));
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'live_fail', topicRulePayload: {
      sql: "SELECT * FROM 'live/in'", awsIotSqlVersion: '2016-03-23',
      actions: [{ lambda: { functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:missingFn' } }] } }));
    const batches: RulesEvaluated[] = [];
    const listening = te.engine.events.on('rules.evaluated', (b: RulesEvaluated) => void batches.push(b));
    for (const t of [10, 40, 50]) await pub.publishAsync('live/in', JSON.stringify({ t }));
    const total = (rule: string, key: 'evaluated' | 'matched' | 'actionsFailed') => batches.reduce((n, b) => n + (b.counts[rule]?.[key] ?? 0), 0);
    await until(() => total('live_hot', 'evaluated') === 3 && total('live_fail', 'actionsFailed') === 3, 5000);
    listening.dispose();
    expect([total('live_hot', 'evaluated'), total('live_hot', 'matched'), total('live_hot', 'actionsFailed')]).toEqual([3, 2, 0]);
    expect([total('live_fail', 'evaluated'), total('live_fail', 'matched')]).toEqual([3, 3]);
    const latest = batches.flatMap((b) => b.latest).filter((e) => e.topic === 'live/in');
    expect(latest.filter((e) => e.rule === 'live_hot').map((e) => [e.matched, e.reason])).toEqual([[false, 'where-false'], [true, undefined], [true, undefined]]);
    for (const ruleName of ['live_hot', 'live_fail']) await iot.send(new DeleteTopicRuleCommand({ ruleName }));
  });

  it('a failing action goes to errorAction with AWS error payload; metrics count it', async () => {
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'failing', topicRulePayload: {
      sql: "SELECT * FROM 'fail/in'", awsIotSqlVersion: '2016-03-23',
      actions: [{ lambda: { functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:doesNotExist' } }],
      errorAction: republish('fail/errors'),
    } }));
    await sub.subscribeAsync('fail/errors');
    const got = nextMessages(sub, 1);
    await pub.publishAsync('fail/in', '{"x":1}');
    const err = JSON.parse((await got)[0].payload.toString()) as Record<string, any>;
    expect(err).toMatchObject({
      ruleName: 'failing', topic: 'fail/in', clientId: 'device-1', base64OriginalPayload: Buffer.from('{"x":1}').toString('base64'),
      failures: [{ failedAction: 'LambdaAction', failedResource: 'doesNotExist' }],
    });
    expect(err.cloudwatchTraceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(err.failures[0].errorMessage).toContain('Function not found');
    const [m] = await te.engine.api.rules.metrics('failing');
    expect(m).toMatchObject({ matched: 1, actionsFailed: 1, errorActionsSucceeded: 1, errors: 1 });
    await iot.send(new DeleteTopicRuleCommand({ ruleName: 'failing' }));
  });

  it('a flood of failing messages is bounded: the broker keeps delivering, excess actions are dropped and counted', async () => {
    const fnDir = path.join(te.dataDir, 'functions');
    fs.mkdirSync(fnDir, { recursive: true });
    fs.writeFileSync(path.join(fnDir, 'slowFail.js'), 'export const handler = async () => { await new Promise((r) => setTimeout(r, 200)); throw new Error("nope"); };\n');
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'flood', topicRulePayload: {
      sql: "SELECT * FROM 'flood/in'", awsIotSqlVersion: '2016-03-23', actions: [{ lambda: { functionArn: 'slowFail' } }] } }));
    await sub.subscribeAsync('flood/in');
    const got = nextMessages(sub, 3000, 20_000);
    for (let i = 0; i < 3000; i++) pub.publish('flood/in', `{"i":${i}}`);
    expect((await got).length).toBe(3000);
    const [m] = await te.engine.api.rules.metrics('flood');
    expect(m.matched).toBe(3000);
    expect(m.actionsFailed + m.dropped).toBeGreaterThan(0);
    await sub.unsubscribeAsync('flood/in');
    await iot.send(new DeleteTopicRuleCommand({ ruleName: 'flood' }));
  });

  it('management API: AWS shapes and errors', async () => {
    const payload: TopicRulePayload = { sql: "SELECT * FROM 'mgmt/+'", actions: [republish('mgmt/out')], description: 'd', awsIotSqlVersion: '2016-03-23' };
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'mgmt_1', topicRulePayload: payload }));
    await expect(iot.send(new CreateTopicRuleCommand({ ruleName: 'mgmt_1', topicRulePayload: payload }))).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
    const bad = await iot.send(new CreateTopicRuleCommand({ ruleName: 'mgmt_bad', topicRulePayload: { sql: 'SELECT * FORM x', actions: [] } })).catch((e: Error) => e);
    expect(bad).toMatchObject({ name: 'SqlParseException' });
    expect((bad as Error).message).toMatch(/line 1, column/);
    await expect(iot.send(new CreateTopicRuleCommand({ ruleName: 'bad-name', topicRulePayload: payload }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new CreateTopicRuleCommand({ ruleName: 'mgmt_tpl', topicRulePayload: { ...payload, actions: [republish('x/${nope(}')] } })))
      .rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new CreateTopicRuleCommand({ ruleName: 'mgmt_act', topicRulePayload: { ...payload, actions: [{ iotEvents: { inputName: 'b', roleArn: ROLE } }] } })))
      .rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new GetTopicRuleCommand({ ruleName: 'missing' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(iot.send(new ReplaceTopicRuleCommand({ ruleName: 'missing', topicRulePayload: payload }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(iot.send(new DeleteTopicRuleCommand({ ruleName: 'missing' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    const got = await iot.send(new GetTopicRuleCommand({ ruleName: 'mgmt_1' }));
    expect(got.rule).toMatchObject({ ruleName: 'mgmt_1', sql: payload.sql, description: 'd', ruleDisabled: false, awsIotSqlVersion: '2016-03-23' });
    expect(got.rule?.createdAt).toBeInstanceOf(Date);
    expect(got.rule?.actions?.[0].republish?.topic).toBe('mgmt/out');

    await iot.send(new DisableTopicRuleCommand({ ruleName: 'mgmt_1' }));
    expect((await iot.send(new GetTopicRuleCommand({ ruleName: 'mgmt_1' }))).rule?.ruleDisabled).toBe(true);
    const list = await iot.send(new ListTopicRulesCommand({}));
    expect(list.rules?.find((r) => r.ruleName === 'mgmt_1')).toMatchObject({ topicPattern: 'mgmt/+', ruleDisabled: true });
    await iot.send(new EnableTopicRuleCommand({ ruleName: 'mgmt_1' }));
    await iot.send(new ReplaceTopicRuleCommand({ ruleName: 'mgmt_1', topicRulePayload: { ...payload, sql: "SELECT a FROM 'mgmt2/#'" } }));
    const filtered = await iot.send(new ListTopicRulesCommand({ topic: 'mgmt2/#' }));
    expect(filtered.rules?.map((r) => r.ruleName)).toEqual(['mgmt_1']);
    await iot.send(new DeleteTopicRuleCommand({ ruleName: 'mgmt_1' }));
  });

  it('the contract: check, test, put, metrics', async () => {
    const diags = await te.engine.api.rules.check('SELECT * FROM', '2016-03-23');
    expect(diags[0]).toMatchObject({ severity: 'error', line: 1 });
    expect(await te.engine.api.rules.test({ sql: "SELECT a + 1 AS b FROM 't/+'", topic: 't/1', payload: '{"a":1}', awsIotSqlVersion: '2016-03-23' }))
      .toMatchObject({ ok: true, matched: true, output: '{"b":2}' });
    expect(await te.engine.api.rules.test({ sql: "SELECT * FROM 't/+'", topic: 'u/1', payload: '{}' })).toMatchObject({ ok: true, matched: false, reason: 'topic' });
    await expect(te.engine.api.rules.put('ui_rule', { sql: 'SELECT', actions: [] })).rejects.toMatchObject({ code: 'InvalidInput' });
  });

  it('rules survive a restart; file rules load from <dataDir>/rules', async () => {
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'durable', topicRulePayload: {
      sql: "SELECT * FROM 'dur/in'", awsIotSqlVersion: '2016-03-23', actions: [republish('dur/out')], ruleDisabled: false } }));
    await iot.send(new DisableTopicRuleCommand({ ruleName: 'durable' }));
    await iot.send(new EnableTopicRuleCommand({ ruleName: 'durable' }));
    fs.mkdirSync(path.join(te.dataDir, 'rules'), { recursive: true });
    fs.writeFileSync(path.join(te.dataDir, 'rules', 'lab.json'), JSON.stringify({
      ruleName: 'from_file', topicRulePayload: { sql: "SELECT * FROM 'file/in'", awsIotSqlVersion: '2016-03-23', actions: [republish('file/out')] },
    }));
    await pub.endAsync();
    await sub.endAsync();
    iot.destroy();
    await te.stop();
    te = await te.restart();
    iot = client(te.httpUrl);
    pub = await connect(te.mqttPort, { clientId: 'device-1' });
    sub = await connect(te.mqttPort, { clientId: 'reader-1' });
    await sub.subscribeAsync(['dur/out', 'file/out']);
    const got = nextMessages(sub, 2);
    await pub.publishAsync('dur/in', '{"k":1}');
    await pub.publishAsync('file/in', '{"k":2}');
    expect((await got).map((m) => m.topic).sort()).toEqual(['dur/out', 'file/out']);
    const rule = await iot.send(new GetTopicRuleCommand({ ruleName: 'from_file' }));
    expect(rule.rule?.sql).toBe("SELECT * FROM 'file/in'");
    await expect(iot.send(new DeleteTopicRuleCommand({ ruleName: 'from_file' }))).rejects.toMatchObject({ name: 'ConflictingResourceUpdateException' });
  });
});
