/**
 * The engine contract over the broker's traffic capture, seen after real MQTT traffic: topic statistics, the message
 * history and single-message lookup (16 KiB previews), publishing as the engine, the live `broker.messages` batches,
 * metering in AWS's 5 KB billing increments, and the connected-clients list.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import type { MqttClient, IClientOptions } from 'mqtt';
import type { MessageBatch, MessageRecord } from '../../engine/contract/index.js';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { open, closeAll, eventually, uid, type Recorded } from '../helpers/broker-clients.js';

let te: TestEngine;
const clients: MqttClient[] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
});
afterEach(() => closeAll(clients));
afterAll(async () => {
  await closeAll(clients);
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
});

async function client(opts: IClientOptions = {}, url: string | number = te.mqttPort): Promise<Recorded> {
  const r = await open(url, opts);
  clients.push(r.client);
  return r;
}

const api = () => te.engine.api;
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const statsOf = async (topic: string) => (await api().broker.topics(topic)).find((t) => t.topic === topic);
/** Waits until the history holds `count` messages matching `filter` (the capture runs after the PUBACK). */
async function captured(filter: string, count: number): Promise<MessageRecord[]> {
  await eventually(async () => (await api().broker.messages({ filter })).length >= count, 5000, `${count} captured on ${filter}`);
  return api().broker.messages({ filter });
}

describe('topic statistics', () => {
  it('count, retained, lastPublisher, lastQos, last payload', async () => {
    const topic = `${uid('stats')}/temp`;
    const clientId = uid('stats-pub');
    const pub = await client({ clientId });
    await pub.client.publishAsync(topic, 'one', { qos: 0 });
    await pub.client.publishAsync(topic, 'two', { qos: 1, retain: true });
    await pub.client.publishAsync(topic, 'three', { qos: 1 });
    await eventually(async () => (await statsOf(topic))?.count === 3, 5000, 'three messages counted');
    const stats = await statsOf(topic);
    expect(stats).toMatchObject({
      topic, count: 3, retained: true, lastPublisher: clientId, lastQos: 1, lastPayload: b64('three'), lastSize: 5,
    });
    expect(stats!.rate).toBeGreaterThan(0);
    expect(stats!.lastTime).toBeLessThanOrEqual(Date.now());

    await pub.client.publishAsync(topic, '', { qos: 0, retain: true }); // clears the retained message
    await eventually(async () => (await statsOf(topic))?.count === 4, 5000, 'clear counted');
    expect(await statsOf(topic)).toMatchObject({ count: 4, retained: false, lastQos: 0, lastSize: 0 });

    // The prefix narrows the list.
    const listed = await api().broker.topics(topic.split('/')[0]);
    expect(listed.map((t) => t.topic)).toEqual([topic]);
  });
});

describe('message history', () => {
  it('messages({filter, from, to, limit}): newest first, filtered by topic and time', async () => {
    const base = uid('hist');
    const clientId = uid('hist-pub');
    const pub = await client({ clientId });
    for (let i = 0; i < 5; i++) await pub.client.publishAsync(`${base}/a`, `a${i}`, { qos: 1 });
    for (let i = 0; i < 2; i++) await pub.client.publishAsync(`${base}/b`, `b${i}`, { qos: 1 });

    const all = await captured(`${base}/+`, 7);
    expect(all.map((m) => Buffer.from(m.payload, 'base64').toString())).toEqual(['b1', 'b0', 'a4', 'a3', 'a2', 'a1', 'a0']);
    expect(all[0]).toEqual({
      id: expect.any(Number), topic: `${base}/b`, payload: b64('b1'), size: 2, truncated: false, qos: 1, retain: false, clientId, time: expect.any(Number),
    });
    expect(all.map((m) => m.id)).toEqual([...all.map((m) => m.id)].sort((x, y) => y - x));

    const onlyA = await api().broker.messages({ filter: `${base}/a` });
    expect(onlyA.map((m) => m.topic)).toEqual(Array(5).fill(`${base}/a`));
    expect(await api().broker.messages({ filter: `${base}/#`, limit: 3 })).toEqual(all.slice(0, 3));

    const times = all.map((m) => m.time);
    const from = times[3];
    const to = times[1];
    const window = await api().broker.messages({ filter: `${base}/+`, from, to });
    expect(window).toEqual(all.filter((m) => m.time >= from && m.time <= to));
    expect(window.length).toBeGreaterThanOrEqual(3);
    expect(await api().broker.messages({ filter: `${base}/+`, from: Date.now() + 60_000 })).toEqual([]);
    expect(await api().broker.messages({ filter: `${base}/+`, to: times[6] - 1 })).toEqual([]);
  });

  it('messages() shows a 16 KiB preview with `truncated`; message(id) has the full payload', async () => {
    const topic = uid('large');
    const payload = Buffer.alloc(20 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const pub = await client();
    await pub.client.publishAsync(topic, payload, { qos: 1 });
    const [preview] = await captured(topic, 1);
    expect(preview).toMatchObject({ topic, size: payload.length, truncated: true });
    expect(Buffer.from(preview.payload, 'base64')).toEqual(payload.subarray(0, 16 * 1024));

    const full = await api().broker.message(preview.id);
    expect(full).toMatchObject({ id: preview.id, topic, size: payload.length, truncated: false });
    expect(Buffer.from(full!.payload, 'base64')).toEqual(payload);

    // Exactly 16 KiB is not truncated.
    const exact = Buffer.alloc(16 * 1024, 7);
    await pub.client.publishAsync(`${topic}/exact`, exact, { qos: 1 });
    const [whole] = await captured(`${topic}/exact`, 1);
    expect(whole).toMatchObject({ size: exact.length, truncated: false });
    expect(await api().broker.message(999_999_999)).toBeNull();
  });
});

describe('publishing as the engine', () => {
  it('broker.publish reaches an mqtt.js subscriber and is captured with clientId null', async () => {
    const topic = uid('engine-pub');
    const sub = await client();
    await sub.client.subscribeAsync(topic, { qos: 1 });
    await api().broker.publish({ topic, payload: 'from the engine', qos: 1 });
    await until(() => sub.messages.length === 1);
    expect(sub.messages[0]).toMatchObject({ topic, qos: 1, retain: false });
    expect(sub.messages[0].payload.toString()).toBe('from the engine');
    const [record] = await captured(topic, 1);
    expect(record).toMatchObject({ topic, clientId: null, qos: 1, retain: false, payload: b64('from the engine') });
    expect((await statsOf(topic))?.lastPublisher).toBeNull();
  });

  it('broker.publish with retain and base64 stores a retained message for later subscribers', async () => {
    const topic = uid('engine-retain');
    await api().broker.publish({ topic, payload: b64(Buffer.from([0, 1, 2, 255])), encoding: 'base64', qos: 0, retain: true });
    const sub = await client();
    await sub.client.subscribeAsync(topic, { qos: 1 });
    await until(() => sub.messages.length === 1);
    expect(sub.messages[0]).toMatchObject({ topic, retain: true });
    expect([...sub.messages[0].payload]).toEqual([0, 1, 2, 255]);
  });

  it('broker.publish refuses what the broker would refuse', async () => {
    // Wrapped: engine.ts validates the input synchronously and throws rather than rejecting (see the report).
    const attempt = (msg: Parameters<ReturnType<typeof api>['broker']['publish']>[0]) => (async () => api().broker.publish(msg))();
    await expect(attempt({ topic: 'x', payload: 'p', qos: 2 as never })).rejects.toMatchObject({ code: 'InvalidInput' });
    await expect(attempt({ topic: '$aws/things/x/kept', payload: 'p', retain: true })).rejects.toMatchObject({ code: 'InvalidInput' });
    await expect(attempt({ topic: 'big', payload: 'x'.repeat(128 * 1024 + 1) })).rejects.toMatchObject({ code: 'TooLarge' });
    await expect(attempt({ topic: 'a/b/c/d/e/f/g/h/i', payload: 'p' })).rejects.toMatchObject({ code: 'InvalidInput' });
  });
});

describe('live feed', () => {
  it("engine.events 'broker.messages' batches carry the published messages and their topic stats", async () => {
    const topic = uid('feed');
    const batches: MessageBatch[] = [];
    const listener = te.engine.events.on('broker.messages', (batch) => void batches.push(batch));
    try {
      const pub = await client();
      for (let i = 0; i < 3; i++) await pub.client.publishAsync(topic, `m${i}`, { qos: 1 });
      const mine = () => batches.flatMap((b) => b.messages).filter((m) => m.topic === topic);
      await until(() => mine().length === 3, 5000, 'three messages in batches');
      expect(mine().map((m) => Buffer.from(m.payload, 'base64').toString())).toEqual(['m0', 'm1', 'm2']);
      expect(mine().map((m) => m.clientId)).toEqual(Array(3).fill(pub.client.options.clientId));
      const stats = batches.flatMap((b) => b.topics).filter((t) => t.topic === topic);
      expect(stats.length).toBeGreaterThan(0);
      await until(() => batches.flatMap((b) => b.topics).some((t) => t.topic === topic && t.count === 3), 5000, 'stats with count 3');
      expect(batches.every((b) => b.dropped === 0)).toBe(true);
    } finally {
      listener.dispose();
    }
  });
});

describe('metering', () => {
  it('bills in 5 KB increments and counts messages in and out per client', async () => {
    const topic = uid('meter');
    const subId = uid('meter-sub');
    const pubId = uid('meter-pub');
    const sub = await client({ clientId: subId });
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const pub = await client({ clientId: pubId });
    const sizes = [12 * 1024, 5 * 1024, 5 * 1024 + 1, 10];
    for (const size of sizes) await pub.client.publishAsync(topic, Buffer.alloc(size, 1), { qos: 1 });
    await until(() => sub.messages.length === sizes.length);

    const billed = 3 + 1 + 2 + 1; // ceil(size / 5120), at least 1
    const bytes = sizes.reduce((a, b) => a + b, 0);
    await eventually(async () => ((await api().metering.usage()).clients.find((c) => c.clientId === subId)?.messagesOut ?? 0) === sizes.length);
    const usage = await api().metering.usage();
    const p = usage.clients.find((c) => c.clientId === pubId);
    const s = usage.clients.find((c) => c.clientId === subId);
    expect(p).toMatchObject({ messagesIn: 4, messagesOut: 0, billedMessages: billed, bytesIn: bytes, bytesOut: 0 });
    expect(s).toMatchObject({ messagesIn: 0, messagesOut: 4, billedMessages: billed, bytesIn: 0, bytesOut: bytes });
    expect(p!.connectionMinutes).toBeGreaterThan(0);
    expect(usage.since).toBeLessThanOrEqual(Date.now());
    for (const k of ['messagesIn', 'messagesOut', 'billedMessages', 'bytesIn', 'bytesOut'] as const) {
      expect(usage.totals[k]).toBe(usage.clients.reduce((a, c) => a + c[k], 0));
    }
  });

  it('a single 12 KB publish is billed as 3 messages', async () => {
    const pubId = uid('meter-12k');
    const pub = await client({ clientId: pubId });
    await pub.client.publishAsync(uid('meter-12k-topic'), Buffer.alloc(12 * 1024), { qos: 1 });
    await eventually(async () => ((await api().metering.usage()).clients.find((c) => c.clientId === pubId)?.messagesIn ?? 0) === 1);
    expect((await api().metering.usage()).clients.find((c) => c.clientId === pubId)).toMatchObject({ messagesIn: 1, billedMessages: 3, bytesIn: 12 * 1024 });
  });
});

describe('connected clients', () => {
  it('broker.clients() lists each connection with transport, session, keepalive and subscriptions', async () => {
    const tcpId = uid('list-tcp');
    const wsId = uid('list-ws');
    const before = Date.now();
    const tcp = await client({ clientId: tcpId, clean: false, keepalive: 45 });
    await tcp.client.subscribeAsync([`${tcpId}/a`, `${tcpId}/b/#`], { qos: 1 });
    await client({ clientId: wsId, keepalive: 90 }, te.wsUrl);

    const list = await api().broker.clients();
    expect(list.find((c) => c.clientId === tcpId)).toEqual({
      clientId: tcpId, connectedAt: expect.any(Number), ipAddress: '127.0.0.1', transport: 'tcp', clean: false, keepalive: 45,
      subscriptions: [`${tcpId}/a`, `${tcpId}/b/#`],
    });
    expect(list.find((c) => c.clientId === wsId)).toMatchObject({ transport: 'ws', clean: true, keepalive: 90, subscriptions: [], ipAddress: '127.0.0.1' });
    const connectedAt = list.find((c) => c.clientId === tcpId)!.connectedAt;
    expect(connectedAt).toBeGreaterThanOrEqual(before);
    expect(connectedAt).toBeLessThanOrEqual(Date.now());

    await tcp.client.endAsync();
    await eventually(async () => !(await api().broker.clients()).some((c) => c.clientId === tcpId), 5000, 'tcp client gone');
    expect((await api().broker.clients()).some((c) => c.clientId === wsId)).toBe(true);
  });
});
