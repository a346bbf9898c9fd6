/**
 * The pipeline, trace and log data the UI reads, over the real contract client on browser mode's WebSocket `/rpc`:
 * the pipeline graph and its live `pipeline.updated` events, `rules.trace({ messageId })` with the failed condition
 * and each action's outcome and record, `logs.recent` filters, and aws-mode explanations carrying their topic.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { type PipelineGraph, type PipelineUpdated, type ThingbenchClient } from '../../engine/contract/index.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';
import { RawClient } from '../helpers/broker-clients.js';

const ROLE = 'arn:aws:iam::123456789012:role/rules';
let te: TestEngine;
let contract: OpenContract;
let api: ThingbenchClient;
let device: MqttClient;

beforeAll(async () => {
  te = await startTestEngine();
  contract = await openContract(te);
  api = contract.api;
  device = await connect(te.mqttPort, { clientId: 'sensor-1' });
});

afterAll(async () => {
  await device?.endAsync();
  await contract?.close();
  await te?.stop();
});

/** The next `pipeline.updated` event for which `pred` holds. */
function nextUpdate(pred: (u: PipelineUpdated) => boolean): Promise<PipelineUpdated> {
  return new Promise((resolve) => {
    const sub = api.on('pipeline.updated', (u) => {
      if (!pred(u)) return;
      sub.dispose();
      resolve(u);
    });
  });
}

const edge = (g: PipelineGraph, from: string, to: string) => g.edges.find((e) => e.from === from && e.to === to);
const node = (g: PipelineGraph, id: string) => g.nodes.find((n) => n.id === id);

describe('pipeline graph', () => {
  it('draws clients, broker, shadow, rules, actions and targets, with counts and errors on each edge', async () => {
    await api.sinks.create('queue', 'readings');
    await api.sinks.create('stream', 'raw', { consumer: 'absent-fn' });
    await api.rules.put('hot', {
      sql: "SELECT temp, topic(2) AS device FROM 'dt/+/telemetry' WHERE temp > 30",
      actions: [
        { sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/readings', roleArn: ROLE } },
        { dynamoDBv2: { putItem: { tableName: 'NoSuchTable' }, roleArn: ROLE } },
      ],
      errorAction: { republish: { topic: 'errors/hot', roleArn: ROLE } },
    });
    const structure = (await api.pipeline.graph()).structure;
    const updated = nextUpdate((u) => (u.edges['action:hot:0→sink:queue:readings']?.[0] ?? 0) >= 1 && (u.edges['action:hot:error→topic:errors/hot']?.[0] ?? 0) >= 1);
    await device.publishAsync('dt/s1/telemetry', JSON.stringify({ temp: 35 }), { qos: 1 });
    await device.publishAsync('dt/s1/telemetry', JSON.stringify({ temp: 20 }), { qos: 1 });
    const u = await updated;
    expect(u.structure).toBeGreaterThanOrEqual(structure);

    const g = await api.pipeline.graph();
    expect(node(g, 'clients')).toMatchObject({ layer: 0, counts: { connected: 1 } });
    expect(node(g, 'broker')).toMatchObject({ layer: 1 });
    expect(node(g, 'shadow')).toMatchObject({ layer: 1 });
    expect(node(g, 'rule:hot')).toMatchObject({ layer: 2, kind: 'rule', detail: 'dt/+/telemetry' });
    expect(node(g, 'action:hot:0')).toMatchObject({ layer: 3, kind: 'action', label: 'sqs', actionIndex: 0, rule: 'hot' });
    expect(node(g, 'action:hot:error')).toMatchObject({ layer: 3, actionIndex: -1 });
    expect(node(g, 'sink:queue:readings')).toMatchObject({ layer: 4, kind: 'queue', sink: { kind: 'queue', name: 'readings' }, counts: { records: 1 } });
    expect(node(g, 'sink:table:NoSuchTable')).toMatchObject({ layer: 4, kind: 'table', missing: true });
    expect(node(g, 'topic:errors/hot')).toMatchObject({ kind: 'topic', layer: 4 });
    expect(node(g, 'function:absent-fn')).toMatchObject({ missing: true });
    expect(edge(g, 'sink:stream:raw', 'function:absent-fn')).toMatchObject({ uncounted: true });

    expect(edge(g, 'clients', 'broker')!.messages).toBeGreaterThanOrEqual(2);
    expect(edge(g, 'broker', 'rule:hot')).toMatchObject({ messages: 2, errors: 0 });
    expect(edge(g, 'rule:hot', 'action:hot:0')).toMatchObject({ messages: 1, errors: 0 });
    expect(edge(g, 'action:hot:0', 'sink:queue:readings')).toMatchObject({ messages: 1, errors: 0 });
    expect(edge(g, 'rule:hot', 'action:hot:1')).toMatchObject({ messages: 1, errors: 1 });
    expect(edge(g, 'action:hot:1', 'sink:table:NoSuchTable')).toMatchObject({ messages: 0, errors: 1 });
    expect(edge(g, 'action:hot:error', 'topic:errors/hot')).toMatchObject({ messages: 1, errors: 0 });
  });

  it('sends the whole graph when rules or sinks change, and only changed counts otherwise', async () => {
    const withRule = nextUpdate((u) => !!u.graph?.nodes.some((n) => n.id === 'rule:cold'));
    await api.rules.put('cold', { sql: "SELECT * FROM 'dt/+/telemetry' WHERE temp < 0", actions: [{ republish: { topic: 'alerts/cold', roleArn: ROLE } }] });
    const u = await withRule;
    expect(edge(u.graph!, 'rule:cold', 'action:cold:0')).toMatchObject({ messages: 0, errors: 0 });
    expect(edge(u.graph!, 'action:cold:0', 'topic:alerts/cold')).toBeDefined();

    const counted = nextUpdate((x) => x.edges['broker→rule:cold'] !== undefined);
    await device.publishAsync('dt/s2/telemetry', JSON.stringify({ temp: -5 }), { qos: 1 });
    const c = await counted;
    expect(c.edges['broker→rule:cold']).toEqual([1, 0]);
    expect(c.graph).toBeUndefined();
    // An unchanged edge is not resent.
    expect(c.edges['action:hot:0→sink:queue:readings']).toBeUndefined();

    const gone = nextUpdate((x) => !!x.graph && !x.graph.nodes.some((n) => n.id === 'rule:cold'));
    await api.rules.delete('cold');
    expect((await gone).structure).toBeGreaterThan(u.structure);
  });

  it('counts shadow requests and rejections on broker → shadow', async () => {
    const before = edge(await api.pipeline.graph(), 'broker', 'shadow')!;
    const rejected = nextUpdate((u) => (u.edges['broker→shadow']?.[1] ?? 0) > before.errors);
    await device.publishAsync('$aws/things/lamp/shadow/update', JSON.stringify({ state: { desired: { on: true } } }), { qos: 1 });
    await device.publishAsync('$aws/things/lamp/shadow/update', 'not json', { qos: 1 });
    const [messages, errors] = (await rejected).edges['broker→shadow'];
    expect(messages).toBe(before.messages + 2);
    expect(errors).toBe(before.errors + 1);
  });
});

describe('rules.trace by captured message', () => {
  it('names the WHERE term that failed, and for a match each action outcome with the record it wrote', async () => {
    await api.rules.put('trace_me', {
      sql: "SELECT temp, 'x' AS tag FROM 'trace/+/t' WHERE topic(2) = 'dev' AND temp > 30",
      actions: [{ sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/readings', roleArn: ROLE } }],
    });
    await device.publishAsync('trace/dev/t', JSON.stringify({ temp: 12 }), { qos: 1 });
    await device.publishAsync('trace/dev/t', JSON.stringify({ temp: 42 }), { qos: 1 });
    const [hit, miss] = await api.broker.messages({ filter: 'trace/dev/t' });

    const missed = await api.rules.trace({ messageId: miss.id });
    expect(missed).toEqual([expect.objectContaining({ rule: 'trace_me', messageId: miss.id, matched: false, reason: 'where-false', condition: { text: 'temp > 30', value: 'false' } })]);

    await vi.waitFor(async () => expect((await api.rules.trace({ messageId: hit.id }))[0].actions).toHaveLength(1));
    const [e] = await api.rules.trace({ messageId: hit.id, includeTopicMisses: true }).then((all) => all.filter((x) => x.rule === 'trace_me'));
    expect(e).toMatchObject({ matched: true, messageId: hit.id, output: '{"temp":42,"tag":"x"}', actions: [{ index: 0, kind: 'sqs', ok: true, detail: { queue: 'readings' } }] });
    const records = await api.sinks.records('queue', 'readings', { traceId: e.traceId });
    expect(records).toHaveLength(1);
    expect(records[0].data).toMatchObject({ body: '{"temp":42,"tag":"x"}' });

    // Rules whose FROM did not match are listed with reason `topic` when asked.
    const all = await api.rules.trace({ messageId: hit.id, includeTopicMisses: true });
    expect(all.find((x) => x.rule === 'hot')).toMatchObject({ matched: false, reason: 'topic' });
    // A message no rule saw (or an id the trace no longer holds) has no evaluations.
    expect(await api.rules.trace({ messageId: 999_999 })).toEqual([]);
  });

  it('says Undefined when a term reads a field the payload lacks', async () => {
    await device.publishAsync('trace/dev/t', JSON.stringify({ humidity: 3 }), { qos: 1 });
    const [m] = await api.broker.messages({ filter: 'trace/dev/t', limit: 1 });
    const [e] = await api.rules.trace({ messageId: m.id, rule: 'trace_me' });
    expect(e).toMatchObject({ reason: 'where-undefined', condition: { text: 'temp > 30', value: 'Undefined' } });
  });

  it('refuses a messageId that is not a non-negative integer', async () => {
    await expect(api.rules.trace({ messageId: -1 })).rejects.toMatchObject({ code: 'InvalidInput' });
  });
});

describe('logs', () => {
  it('filters by level, source and text, and keeps the old limit argument', async () => {
    const { raw } = await RawClient.open(te.mqttPort, { clientId: 'qos2-asker' });
    raw.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'sensors/qos2/#', qos: 2 }] });
    // AWS sends no SUBACK for it: the PINGRESP after it shows the SUBSCRIBE was handled.
    await raw.ping();
    raw.socket.destroy();

    const warnings = await api.logs.recent({ source: 'broker.aws', level: 'warn' });
    const qos2 = warnings.find((r) => r.details?.deviation === 'qos2Subscribe');
    expect(qos2).toMatchObject({ level: 'warn', source: 'broker.aws', details: { topic: 'sensors/qos2/#', clientId: 'qos2-asker' } });
    expect(warnings.every((r) => r.source === 'broker.aws' && (r.level === 'warn' || r.level === 'error'))).toBe(true);

    const byTopic = await api.logs.recent({ text: 'SENSORS/QOS2' });
    expect(byTopic.map((r) => r.details?.deviation)).toContain('qos2Subscribe');
    expect(await api.logs.recent({ source: 'broker', text: 'qos 2' })).toContainEqual(qos2);
    expect(await api.logs.recent({ source: 'broke' })).toEqual([]);
    expect(await api.logs.recent({ level: 'error', text: 'sensors/qos2' })).toEqual([]);

    expect(await api.logs.recent(2)).toHaveLength(2);
    expect(await api.logs.recent({ limit: 1 })).toHaveLength(1);
    await expect(api.logs.recent({ level: 'loud' } as never)).rejects.toMatchObject({ code: 'InvalidInput' });
  });
});
