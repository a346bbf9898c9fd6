/**
 * What the topic explorer reads from the engine, over the browser-mode `/rpc` WebSocket against a real engine with real
 * MQTT clients: per-topic history (a flood on busy topics leaves a quiet topic its message), search and RE2 regexes in
 * payloads, numeric series for charts, retained messages listed and cleared (one topic or a subtree, as MQTT does),
 * presence and subscription events (`broker.events` and the live `broker.activity`), and export as JSON lines that
 * `thingbench replay` plays into a fresh engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { MqttClient } from 'mqtt';
import { createClient, RpcError, type ActivityBatch, type MessageBatch, type ThingbenchClient } from '../../engine/contract/index.js';
import { silentLogger } from '../../engine/core/index.js';
import { connectEngine, openEngineControl, runningEngine, startUiServer, type UiServer } from '../../engine/host/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { closeAll, eventually, on, open, run, uid, type Recorded } from '../helpers/broker-clients.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { nodeTransport } from '../helpers/ui-transport.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HISTORY = { size: 8000, perTopic: 100 };

let te: TestEngine;
let ui: UiServer;
let socket: WebSocket;
let api: ThingbenchClient;
const clients: MqttClient[] = [];
const batches: MessageBatch[] = [];
const activity: ActivityBatch[] = [];

async function connectUi(engine: TestEngine): Promise<{ ui: UiServer; socket: WebSocket; api: ThingbenchClient }> {
  const staticDir = tempDir('tb-explorer-ui-');
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>tb</title>');
  const server = await startUiServer(engine.engine, { host: '127.0.0.1', port: 0, staticDir, logger: silentLogger });
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/rpc?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ui: server, socket: ws, api: createClient(nodeTransport(ws)) };
}

beforeAll(async () => {
  // AWS's 100 publishes per second per connection would make the flood take minutes.
  te = await startTestEngine({ mode: 'aws', history: HISTORY, limits: { publishesPerSecond: 0 } });
  ({ ui, socket, api } = await connectUi(te));
  api.on('broker.messages', (b) => batches.push(b));
  api.on('broker.activity', (b) => activity.push(b));
});
afterAll(async () => {
  await closeAll(clients);
  api?.dispose();
  socket?.close();
  await ui?.close();
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
});

async function client(clientId = uid('explorer'), protocolVersion: 4 | 5 = 4): Promise<Recorded> {
  const r = await open(te.mqttPort, { clientId, protocolVersion });
  clients.push(r.client);
  return r;
}
const text = (b64: string) => Buffer.from(b64, 'base64').toString();
const rpcError = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the call to fail'); }, (e: RpcError) => e);

describe('per-topic history', () => {
  it('a flood on 200 busy topics beyond the history leaves a quiet topic published once before its message', async () => {
    const base = uid('flood');
    const quiet = `${base}/quiet/temp`;
    const pub = await client();
    await pub.client.publishAsync(quiet, '{"temp":21.5}', { qos: 1 });
    // 20,000 messages on 200 topics: more than twice what the history holds in all.
    for (let round = 0; round < 100; round++) {
      for (let t = 0; t < 200; t++) pub.client.publish(`${base}/busy/${t}`, `{"n":${round}}`, { qos: 0 });
      await pub.client.publishAsync(`${base}/marker`, String(round), { qos: 1 }); // paces the flood
    }
    await eventually(async () => (await api.broker.messages({ filter: `${base}/marker` }))[0]?.payload === Buffer.from('99').toString('base64'), 10_000, 'the flood captured');

    const kept = await api.broker.messages({ filter: quiet });
    expect(kept.map((m) => text(m.payload))).toEqual(['{"temp":21.5}']);
    expect(kept[0]).toMatchObject({ topic: quiet, qos: 1, clientId: pub.client.options.clientId });
    expect((await api.broker.message(kept[0].id))?.payload).toBe(kept[0].payload);

    // The busy topics shared what was left, each keeping its newest messages; the history stayed within its bound.
    const all = await api.broker.messages({ filter: `${base}/#`, limit: 10_000 });
    expect(all.length).toBeLessThanOrEqual(HISTORY.size);
    expect(all.length).toBeGreaterThan(HISTORY.size - 300);
    const perTopic = new Map<string, string[]>();
    for (const m of all) perTopic.set(m.topic, [...(perTopic.get(m.topic) ?? []), text(m.payload)]);
    const busy = [...perTopic.entries()].filter(([t]) => t.includes('/busy/'));
    expect(busy).toHaveLength(200);
    for (const [, payloads] of busy) {
      expect(payloads[0]).toBe('{"n":99}');
      expect(payloads.length).toBeGreaterThanOrEqual(15);
    }
    // `#` merges every topic newest first.
    expect(all.map((m) => m.id)).toEqual([...all.map((m) => m.id)].sort((a, b) => b - a));
    // One topic's history comes from that topic alone, newest first, limited.
    const one = await api.broker.messages({ filter: `${base}/busy/7`, limit: 3 });
    expect(one.map((m) => text(m.payload))).toEqual(['{"n":99}', '{"n":98}', '{"n":97}']);
  });
});

describe('live batches during a burst', () => {
  it('carry every new topic even when messages beyond a batch are only counted', async () => {
    const base = uid('burst');
    batches.length = 0;
    const pub = await client();
    const n = 4000; // four times what one batch carries
    for (let i = 0; i < n; i++) pub.client.publish(`${base}/${i}`, String(i), { qos: 0 });
    await pub.client.publishAsync(`${base}/quiet`, 'q', { qos: 1 });
    await vi.waitFor(() => expect(batches.some((b) => b.topics.some((t) => t.topic === `${base}/quiet`))).toBe(true), { timeout: 10_000 });
    const seen = new Set(batches.flatMap((b) => b.topics.map((t) => t.topic)).filter((t) => t.startsWith(`${base}/`)));
    expect(seen.size).toBe(n + 1);
    const carried = batches.reduce((a, b) => a + b.messages.filter((m) => m.topic.startsWith(`${base}/`)).length, 0);
    const dropped = batches.reduce((a, b) => a + b.dropped, 0);
    expect(carried + dropped).toBeGreaterThanOrEqual(n + 1);
    console.log(`burst of ${n}: ${carried} messages carried live, ${dropped} counted as dropped; every topic delivered`);
  });
});

describe('compact topic table', () => {
  it('topicTable gives every topic column by column without payloads; topicStats the rows on screen', async () => {
    const base = uid('table');
    const pub = await client();
    await pub.client.publishAsync(`${base}/b`, 'bee', { qos: 1, retain: true });
    await pub.client.publishAsync(`${base}/a`, 'a1', { qos: 1 });
    await pub.client.publishAsync(`${base}/a`, 'a22', { qos: 1 });
    await eventually(async () => (await api.broker.topicTable(`${base}/`)).count[0] === 2, 5000, 'captured');
    const table = await api.broker.topicTable(`${base}/`);
    expect(table).toEqual({
      topics: [`${base}/a`, `${base}/b`], count: [2, 1], rate: [0.2, 0.1], lastTime: [expect.any(Number), expect.any(Number)], lastSize: [3, 3], retained: [1],
    });
    const page = await api.broker.topicTable(`${base}/`, { limit: 1 });
    expect([page.topics, page.next]).toEqual([[`${base}/a`], `${base}/a`]);
    expect(await api.broker.topicTable(`${base}/`, { after: page.next, limit: 1 })).toMatchObject({ topics: [`${base}/b`], retained: [0] });
    expect(await rpcError(api.broker.topicTable(undefined, { limit: 0 }))).toMatchObject({ code: 'InvalidInput' });
    const all = await api.broker.topicTable();
    expect(all.topics).toEqual([...all.topics].sort());
    expect(all.topics).toContain(`${base}/a`);
    const rows = await api.broker.topicStats([`${base}/b`, `${base}/none`, `${base}/a`]);
    expect(rows.map((r) => [r.topic, text(r.lastPayload), r.retained])).toEqual([[`${base}/b`, 'bee', true], [`${base}/a`, 'a22', false]]);
    expect(await rpcError(api.broker.topicStats(Array(10_001).fill('x')))).toMatchObject({ code: 'InvalidInput', message: 'broker.topicStats: argument 1 must name at most 10000 topics' });
  });
});

describe('search in payloads', () => {
  it('finds text ignoring case and RE2 regexes; an invalid regex is InvalidInput with its message', async () => {
    const base = uid('search');
    const pub = await client();
    const payloads = ['{"level":"ALARM","temp":91}', '{"level":"ok","temp":20}', '{"level":"alarm","temp":88}', 'plain Alarm text'];
    for (const p of payloads) await pub.client.publishAsync(`${base}/${payloads.indexOf(p) % 2}`, p, { qos: 1 });
    await eventually(async () => (await api.broker.messages({ filter: `${base}/#` })).length === 4, 5000, 'captured');

    const found = await api.broker.messages({ filter: `${base}/#`, search: 'alarm' });
    expect(found.map((m) => text(m.payload))).toEqual([payloads[3], payloads[2], payloads[0]]);
    const regex = await api.broker.messages({ filter: `${base}/#`, regex: '"temp":(8|9)\\d' });
    expect(regex.map((m) => text(m.payload))).toEqual([payloads[2], payloads[0]]);
    const both = await api.broker.messages({ filter: `${base}/0`, search: 'ALARM', regex: '^\\{' });
    expect(both.map((m) => text(m.payload))).toEqual([payloads[2], payloads[0]]);
    expect(await api.broker.messages({ filter: `${base}/#`, search: 'nowhere' })).toEqual([]);
    // A pattern that backtracking engines take exponential time on answers at once.
    expect(await api.broker.messages({ filter: `${base}/#`, regex: '(a+)+$' })).toEqual([]);

    const bad = await rpcError(api.broker.messages({ regex: 'temp(' }));
    expect(bad).toMatchObject({ code: 'InvalidInput', message: 'invalid regular expression: error parsing regexp: missing closing ): `temp(`' });
    expect(await rpcError(api.broker.messages({ search: 3 as unknown as string }))).toMatchObject({ code: 'InvalidInput' });
  });
});

describe('numeric series', () => {
  it('gives [time, value] of a JSON field, oldest first, skipping payloads without a number there', async () => {
    const topic = `${uid('series')}/sensor`;
    const pub = await client();
    const sent = ['{"env":{"temp":20.5}}', '{"env":{"temp":21}}', 'not json', '{"env":{"temp":"hot"}}', '{"env":{}}', '{"env":{"temp":-3}}', '{"env":{"temp":1e3},"list":[4,5]}'];
    for (const p of sent) await pub.client.publishAsync(topic, p, { qos: 1 });
    await eventually(async () => (await api.broker.messages({ filter: topic })).length === sent.length, 5000, 'captured');
    const times = (await api.broker.messages({ filter: topic })).map((m) => m.time).reverse();

    const series = await api.broker.series({ topic, path: '$.env.temp' });
    expect(series).toEqual([[times[0], 20.5], [times[1], 21], [times[5], -3], [times[6], 1000]]);
    expect(await api.broker.series({ topic, path: 'env.temp', limit: 2 })).toEqual([[times[5], -3], [times[6], 1000]]);
    expect(await api.broker.series({ topic, path: "$['list'][1]" })).toEqual([[times[6], 5]]);
    expect(await api.broker.series({ topic, path: 'env.temp', from: times[5] })).toEqual(series.filter(([t]) => t >= times[5]));
    expect(await api.broker.series({ topic: `${topic}/none`, path: 'env.temp' })).toEqual([]);

    expect(await rpcError(api.broker.series({ topic, path: 'env..temp' }))).toMatchObject({ code: 'InvalidInput', message: 'field path "env..temp": expected a field name at character 5' });
    expect(await rpcError(api.broker.series({ topic: 'a/+', path: 'x' }))).toMatchObject({ code: 'InvalidInput', message: 'a series reads one topic: "a/+" is a filter' });
  });
});

describe('retained messages', () => {
  it('lists them and clears one topic or a subtree with empty retained publishes, reflected in the topic tree', async () => {
    const base = uid('retained');
    const pub = await client();
    for (const t of ['a', 'a/1', 'a/2/x', 'ab', 'b']) await pub.client.publishAsync(`${base}/${t}`, `v-${t}`, { qos: 1, retain: true });
    const listed = await api.broker.retained(`${base}/`);
    expect(listed.map((r) => r.topic)).toEqual(['a', 'a/1', 'a/2/x', 'ab', 'b'].map((t) => `${base}/${t}`));
    expect(listed[1]).toEqual({ topic: `${base}/a/1`, payload: Buffer.from('v-a/1').toString('base64'), size: 5, truncated: false, qos: 1, lastModifiedTime: expect.any(Number) });

    // A subscriber on the exact topics sees the empty retained publishes, as with any MQTT client clearing them.
    const sub = await client();
    await sub.client.subscribeAsync([`${base}/a/1`, `${base}/a/2/x`, `${base}/b`, `${base}/marker`], { qos: 1 });
    await eventually(async () => sub.messages.length === 3, 5000, 'retained messages delivered on subscribe');

    batches.length = 0;
    expect(await api.broker.deleteRetained(`${base}/a`, { subtree: true })).toEqual(['a', 'a/1', 'a/2/x'].map((t) => `${base}/${t}`));
    expect((await api.broker.retained(`${base}/`)).map((r) => r.topic)).toEqual([`${base}/ab`, `${base}/b`]);
    await pub.client.publishAsync(`${base}/marker`, 'm', { qos: 1 });
    await eventually(async () => on(sub.messages, `${base}/marker`).length === 1, 5000, 'marker');
    expect(on(sub.messages, `${base}/a/1`).map((m) => m.payload.length)).toEqual([5, 0]);
    expect(on(sub.messages, `${base}/a/2/x`).map((m) => m.payload.length)).toEqual([7, 0]);
    expect(on(sub.messages, `${base}/b`)).toHaveLength(1);
    // The live topic deltas carry retained: false for the cleared topics.
    await vi.waitFor(() => {
      const cleared = batches.flatMap((b) => b.topics).filter((t) => t.topic.startsWith(`${base}/a`) && t.topic !== `${base}/ab`);
      expect(new Set(cleared.filter((t) => !t.retained).map((t) => t.topic))).toEqual(new Set(['a', 'a/1', 'a/2/x'].map((t) => `${base}/${t}`)));
    });
    expect((await api.broker.topics(`${base}/b`)).find((t) => t.topic === `${base}/b`)?.retained).toBe(true);

    // Without subtree, only the topic itself; a topic without a retained message clears nothing.
    expect(await api.broker.deleteRetained(`${base}/b`)).toEqual([`${base}/b`]);
    expect(await api.broker.deleteRetained(`${base}/b`)).toEqual([]);
    expect(await rpcError(api.broker.deleteRetained(`${base}/#`))).toMatchObject({ code: 'InvalidInput', message: `"${base}/#" is not a topic name (no wildcards)` });
  });
});

describe('retained messages after a restart', () => {
  it('are in the topic tree with their marker and value before any new message', async () => {
    const other = await startTestEngine({ mode: 'aws' });
    await other.engine.api.broker.publish({ topic: 'plant/boiler/state', payload: '{"on":true}', qos: 1, retain: true });
    await other.engine.api.broker.publish({ topic: 'plant/boiler/temp', payload: '71', qos: 0 });
    await other.stop();
    const again = await other.restart();
    try {
      expect(await again.engine.api.broker.topics('plant/')).toEqual([{
        topic: 'plant/boiler/state', count: 0, rate: 0, lastPayload: Buffer.from('{"on":true}').toString('base64'), lastSize: 11, lastQos: 1,
        retained: true, lastPublisher: null, lastTime: expect.any(Number),
      }]);
      expect((await again.engine.api.broker.topicTable('plant/')).retained).toEqual([0]);
      await again.engine.api.broker.deleteRetained('plant/boiler/state');
      expect(await again.engine.api.broker.topics('plant/')).toMatchObject([{ topic: 'plant/boiler/state', count: 1, retained: false, lastSize: 0 }]);
    } finally {
      await again.stop();
    }
  });
});

describe('presence and subscription events', () => {
  it('records connections, subscriptions with QoS, unsubscriptions and disconnections with their reason, live too', async () => {
    const clientId = uid('timeline');
    activity.length = 0;
    const c = await client(clientId, 5);
    await c.client.subscribeAsync({ 'tl/a/#': { qos: 1 }, 'tl/b': { qos: 0 } });
    await c.client.unsubscribeAsync('tl/b');
    await c.client.endAsync();
    const expected = [
      { kind: 'connected', clientId, ipAddress: expect.any(String), transport: 'tcp' },
      { kind: 'subscribed', clientId, subscriptions: [{ filter: 'tl/a/#', qos: 1 }, { filter: 'tl/b', qos: 0 }] },
      { kind: 'unsubscribed', clientId, filters: ['tl/b'] },
      { kind: 'disconnected', clientId, reason: 'CLIENT_INITIATED_DISCONNECT' },
    ];
    await vi.waitFor(async () => expect(await api.broker.events({ clientId })).toMatchObject(expected));
    const events = await api.broker.events({ clientId });
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    await vi.waitFor(() => expect(activity.flatMap((b) => b.events).filter((e) => e.clientId === clientId)).toEqual(events));
    expect((await api.broker.events({ clientId, limit: 1 })).map((e) => e.kind)).toEqual(['disconnected']);
    expect((await api.broker.events({ from: events[3].time })).map((e) => e.id)).toContain(events[3].id);

    // A connection that drops without DISCONNECT.
    const lostId = uid('timeline-lost');
    const lost = await client(lostId);
    (lost.client as unknown as { stream: { destroy(): void } }).stream.destroy();
    await vi.waitFor(async () => expect((await api.broker.events({ clientId: lostId })).at(-1)).toMatchObject({ kind: 'disconnected', reason: 'CONNECTION_LOST' }));
  });
});

describe('export', () => {
  it('writes JSON lines that thingbench replay plays into a fresh engine: the same messages arrive', async () => {
    const base = uid('export');
    const d1 = uid('dev');
    const d2 = uid('dev');
    const p1 = await client(d1, 5);
    const p2 = await client(d2, 5);
    await p1.client.publishAsync(`${base}/1/telemetry`, '{"temp":20}', { qos: 1 });
    await p2.client.publishAsync(`${base}/2/raw`, Buffer.from([0, 255, 1]), { qos: 0, properties: { contentType: 'application/octet-stream', userProperties: { site: 'north' } } });
    await p1.client.publishAsync(`${base}/1/state`, 'on', { qos: 1, retain: true });
    await p1.client.publishAsync(`${base}/1/telemetry`, '{"temp":21}', { qos: 1 });
    await eventually(async () => (await api.broker.messages({ filter: `${base}/#` })).length === 4, 5000, 'captured');

    const lines = await api.broker.export({ filter: `${base}/#` });
    const parsed = lines.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => [l.topic, l.payload, l.clientId, l.qos, l.retain])).toEqual([
      [`${base}/1/telemetry`, '{"temp":20}', d1, 1, false],
      [`${base}/2/raw`, 'AP8B', d2, 0, false],
      [`${base}/1/state`, 'on', d1, 1, true],
      [`${base}/1/telemetry`, '{"temp":21}', d1, 1, false],
    ]);
    expect(parsed[0].t).toBe(0);
    expect(parsed[1]).toMatchObject({ encoding: 'base64', properties: { contentType: 'application/octet-stream', userProperties: [['site', 'north']] } });
    expect(await api.broker.export({ filter: `${base}/nothing` })).toBe('');

    // Into a fresh engine with the real CLI.
    const fresh = await startTestEngine({ mode: 'aws' });
    try {
      const file = path.join(tempDir('tb-export-'), 'export.jsonl');
      fs.writeFileSync(file, lines);
      const replayed = await run(process.execPath, [path.join(repoRoot, 'bin/thingbench.js'), 'replay', file, '--speed', '100', '--mqtt-url', `mqtt://127.0.0.1:${fresh.mqttPort}`], 30_000).done;
      expect(replayed.stderr).toMatch(/^replayed 4 message\(s\) from 2 client\(s\)/);
      expect(replayed.code).toBe(0);
      await eventually(async () => (await fresh.engine.api.broker.messages({ filter: `${base}/#` })).length === 4, 5000, 'replayed');
      const again = (await fresh.engine.api.broker.messages({ filter: `${base}/#` })).reverse();
      expect(again.map((m) => [m.topic, m.payload, m.clientId, m.qos, m.retain, m.properties])).toEqual([
        [`${base}/1/telemetry`, Buffer.from('{"temp":20}').toString('base64'), d1, 1, false, undefined],
        [`${base}/2/raw`, 'AP8B', d2, 0, false, { contentType: 'application/octet-stream', userProperties: [['site', 'north']] }],
        [`${base}/1/state`, Buffer.from('on').toString('base64'), d1, 1, true, undefined],
        [`${base}/1/telemetry`, Buffer.from('{"temp":21}').toString('base64'), d1, 1, false, undefined],
      ]);
    } finally {
      await fresh.stop();
    }
  });
});

describe('the control socket', () => {
  it('serves the explorer methods and the broker.activity event through the same dispatch', async () => {
    const control = await openEngineControl(te.engine, te.dataDir, te.info.endpoints, silentLogger);
    const cli = await connectEngine(runningEngine(te.dataDir)!);
    try {
      const seen: ActivityBatch[] = [];
      cli.on('broker.activity', (b) => seen.push(b));
      const clientId = uid('over-control');
      const c = await client(clientId);
      await c.client.publishAsync(`${clientId}/t`, '{"x":4}', { qos: 1 });
      await vi.waitFor(() => expect(seen.flatMap((b) => b.events).some((e) => e.clientId === clientId && e.kind === 'connected')).toBe(true));
      await vi.waitFor(async () => expect(await cli.broker.series({ topic: `${clientId}/t`, path: 'x' })).toEqual([[expect.any(Number), 4]]));
      expect((await cli.broker.events({ clientId })).map((e) => e.kind)).toEqual(['connected']);
      expect(await cli.broker.export({ filter: `${clientId}/#` })).toBe(`{"t":0,"topic":"${clientId}/t","qos":1,"retain":false,"payload":"{\\"x\\":4}","clientId":"${clientId}"}\n`);
      expect((await cli.broker.topicTable(`${clientId}/`)).topics).toEqual([`${clientId}/t`]);
    } finally {
      cli.dispose();
      await control.close();
    }
  });
});
