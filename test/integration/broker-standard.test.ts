/**
 * The broker in `standard` mode behaves as MQTT 3.1.1 says, seen from real clients over real sockets: mqtt.js over TCP
 * and WebSocket, raw mqtt-packet sockets for what mqtt.js will not send, and the mosquitto command-line clients.
 * Negative checks use an ordered marker message where they can (one publisher's messages reach a subscriber in order),
 * and a short bounded wait only where nothing can follow.
 */
import fs from 'node:fs';
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import type { MqttClient, IClientOptions, IConnackPacket } from 'mqtt';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { open, closeAll, eventually, quietPeriod, RawClient, run, uid, on, type Recorded } from '../helpers/broker-clients.js';

let te: TestEngine;
const clients: Array<MqttClient | RawClient> = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'standard' });
});
afterEach(() => closeAll(clients));
afterAll(async () => {
  await closeAll(clients);
  await te?.stop();
  // Standard mode explains no AWS deviation, and nothing here is an internal failure.
  expect(te.logs.filter((l) => l.source === 'broker.aws' || l.level === 'error')).toEqual([]);
});

async function client(opts: IClientOptions = {}, url: string | number = te.mqttPort): Promise<Recorded> {
  const r = await open(url, opts);
  clients.push(r.client);
  return r;
}

async function raw(connect: Parameters<typeof RawClient.open>[1] = {}) {
  const r = await RawClient.open(te.mqttPort, connect);
  clients.push(r.raw);
  return r;
}

const isConnected = async (clientId: string) => (await te.engine.api.broker.clients()).some((c) => c.clientId === clientId);
const payloads = (r: Recorded | Recorded['messages']) => ('messages' in r ? r.messages : r).map((m) => m.payload.toString());

describe('publish / subscribe', () => {
  it.each([0, 1, 2] as const)('QoS %i round trip: acknowledged and delivered at the publish QoS', async (qos) => {
    const topic = uid('qos');
    const sub = await client();
    const [grant] = await sub.client.subscribeAsync(topic, { qos: 2 });
    expect(grant.qos).toBe(2);
    const pub = await client();
    // publishAsync resolves on PUBACK (QoS 1) / PUBCOMP (QoS 2), at once for QoS 0
    await pub.client.publishAsync(topic, `q${qos}`, { qos });
    await until(() => sub.messages.length === 1);
    expect(sub.messages[0]).toMatchObject({ topic, qos, retain: false, dup: false });
    expect(sub.messages[0].payload.toString()).toBe(`q${qos}`);
  });

  it('delivers at the lower of publish and subscription QoS', async () => {
    const topic = uid('downgrade');
    const sub = await client();
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const pub = await client();
    await pub.client.publishAsync(topic, 'two', { qos: 2 });
    await until(() => sub.messages.length === 1);
    expect(sub.messages[0]).toMatchObject({ topic, qos: 1 });
  });

  it('a QoS 2 publish reaches a QoS 1 wildcard subscription at QoS 1 [MQTT-3.8.4-6]', async () => {
    const base = uid('downgrade-wild');
    const sub = await client();
    await sub.client.subscribeAsync(`${base}/+`, { qos: 1 });
    const pub = await client();
    await pub.client.publishAsync(`${base}/x`, 'two', { qos: 2 });
    await until(() => sub.messages.length === 1);
    expect(sub.messages[0]).toMatchObject({ topic: `${base}/x`, qos: 1 });
  });

  it('a retained publish followed at once by a plain one: a live subscriber gets both, in order', async () => {
    const base = uid('burst-retained');
    const sub = await client();
    await sub.client.subscribeAsync(`${base}/#`, { qos: 1 });
    const pub = await client();
    // Written back to back, these usually arrive in one TCP read.
    pub.client.publish(`${base}/state`, 'retained', { qos: 0, retain: true });
    pub.client.publish(`${base}/telemetry`, 'plain', { qos: 0 });
    pub.client.publish(`${base}/state`, 'retained again', { qos: 0, retain: true });
    pub.client.publish(`${base}/telemetry`, 'plain again', { qos: 0 });
    await until(() => sub.messages.length >= 4);
    expect(payloads(sub)).toEqual(['retained', 'plain', 'retained again', 'plain again']);
  });

  it('QoS 1 publishes to one topic keep their order when only the first needs storing (retained) [MQTT-4.6.0-6]', async () => {
    const topic = uid('ordered');
    const sub = await client();
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const pub = await client();
    await Promise.all([
      pub.client.publishAsync(topic, 'retained', { qos: 1, retain: true }),
      pub.client.publishAsync(topic, 'plain', { qos: 1 }),
      pub.client.publishAsync(topic, 'retained again', { qos: 1, retain: true }),
      pub.client.publishAsync(topic, 'plain again', { qos: 1 }),
    ]);
    await until(() => sub.messages.length >= 4);
    expect(payloads(sub)).toEqual(['retained', 'plain', 'retained again', 'plain again']);
  });

  it('a QoS 1 publish queued for an offline session is not lost to live subscribers when a QoS 0 one follows', async () => {
    const topic = uid('queued-then-plain');
    const offline = await client({ clientId: uid('offline'), clean: false });
    await offline.client.subscribeAsync(topic, { qos: 1 });
    await offline.client.endAsync();
    await eventually(async () => !(await isConnected(String(offline.client.options.clientId))), 5000, 'client unregistered');
    const live = await client();
    await live.client.subscribeAsync(topic, { qos: 1 });
    const pub = await client();
    await pub.client.publishAsync(topic, 'queued too', { qos: 1 });
    await pub.client.publishAsync(topic, 'plain', { qos: 0 });
    await until(() => live.messages.length >= 2);
    expect(payloads(live)).toEqual(['queued too', 'plain']);
  });

  it('retained: set, replace, delivered to a matching wildcard subscription with RETAIN; live deliveries without RETAIN; cleared by an empty payload', async () => {
    const base = uid('ret');
    const pub = await client();
    await pub.client.publishAsync(`${base}/a`, 'one', { qos: 1, retain: true });
    await pub.client.publishAsync(`${base}/a`, 'two', { qos: 1, retain: true }); // replaces 'one'
    await pub.client.publishAsync(`${base}/b`, 'b', { qos: 1, retain: true });

    const sub = await client();
    await sub.client.subscribeAsync(`${base}/+`, { qos: 1 });
    await until(() => sub.messages.length === 2);
    expect(sub.messages.map((m) => [m.topic, m.payload.toString(), m.retain]).sort()).toEqual([
      [`${base}/a`, 'two', true],
      [`${base}/b`, 'b', true],
    ]);

    // A retained publish reaching an existing subscription is a live delivery: RETAIN 0 [MQTT-3.3.1-9].
    await pub.client.publishAsync(`${base}/a`, 'three', { qos: 1, retain: true });
    await until(() => sub.messages.length === 3);
    expect(sub.messages[2]).toMatchObject({ topic: `${base}/a`, retain: false });
    expect(sub.messages[2].payload.toString()).toBe('three');

    // A zero-byte retained publish clears the topic [MQTT-3.3.1-10] and is itself delivered normally.
    await pub.client.publishAsync(`${base}/a`, '', { qos: 1, retain: true });
    await until(() => sub.messages.length === 4);
    expect(sub.messages[3]).toMatchObject({ topic: `${base}/a`, retain: false });
    expect(sub.messages[3].payload.length).toBe(0);

    // A new subscriber gets only what is still retained ('a' was stored first, so it would have come first).
    const late = await client();
    await late.client.subscribeAsync(`${base}/#`, { qos: 1 });
    await until(() => late.messages.length >= 1);
    await quietPeriod(100);
    expect(late.messages.map((m) => [m.topic, m.payload.toString(), m.retain])).toEqual([[`${base}/b`, 'b', true]]);
  });

  it('+ matches one level, # any number including the parent level', async () => {
    const base = uid('wild');
    const plus = await client();
    await plus.client.subscribeAsync(`${base}/+/t`);
    const hash = await client();
    await hash.client.subscribeAsync(`${base}/#`);
    const pub = await client();
    for (const t of [base, `${base}/x/t`, `${base}/x/y/t`, `${base}/x`, `${base}/t`, `${base}/end/t`]) pub.client.publish(t, t);
    await until(() => on(plus.messages, `${base}/end/t`).length === 1 && on(hash.messages, `${base}/end/t`).length === 1);
    expect(plus.messages.map((m) => m.topic)).toEqual([`${base}/x/t`, `${base}/end/t`]);
    expect(hash.messages.map((m) => m.topic)).toEqual([base, `${base}/x/t`, `${base}/x/y/t`, `${base}/x`, `${base}/t`, `${base}/end/t`]);
  });

  it('$ topics are not matched by a leading wildcard, but are by an explicit $aws/... filter', async () => {
    const id = uid('dollar');
    const hash = await client();
    await hash.client.subscribeAsync('#');
    const plus = await client();
    await plus.client.subscribeAsync(`+/things/${id}`);
    const explicit = await client();
    await explicit.client.subscribeAsync([`$aws/things/${id}`, `$aws/+/${id}/#`]);
    const pub = await client();
    pub.client.publish(`$aws/things/${id}`, 'reserved');
    pub.client.publish(`m/things/${id}`, 'marker'); // matches '#' and '+/things/{id}'
    await until(() => on(hash.messages, `m/things/${id}`).length === 1 && on(plus.messages, `m/things/${id}`).length === 1);
    expect(hash.messages.filter((m) => m.topic.startsWith('$'))).toEqual([]);
    expect(plus.messages.map((m) => m.topic)).toEqual([`m/things/${id}`]);
    await until(() => explicit.messages.length >= 1);
    expect(explicit.messages.map((m) => [m.topic, m.payload.toString()])).toEqual([[`$aws/things/${id}`, 'reserved']]);
  });
});

describe('last will', () => {
  it('is published when the connection is lost', async () => {
    const topic = uid('will');
    const watcher = await client();
    await watcher.client.subscribeAsync(topic, { qos: 1 });
    const dying = await client({ will: { topic, payload: Buffer.from('gone'), qos: 1, retain: false } });
    dying.client.stream.destroy();
    await until(() => watcher.messages.length === 1);
    expect(watcher.messages[0]).toMatchObject({ topic, qos: 1, retain: false });
    expect(watcher.messages[0].payload.toString()).toBe('gone');
  });

  it('is discarded after a clean DISCONNECT', async () => {
    const topic = uid('will');
    const clientId = uid('polite');
    const watcher = await client();
    await watcher.client.subscribeAsync(topic);
    const polite = await client({ clientId, will: { topic, payload: Buffer.from('gone'), qos: 0, retain: false } });
    await polite.client.endAsync(); // sends DISCONNECT
    // aedes publishes a will before it unregisters the client: once the client is gone, a will would be on its way.
    await eventually(async () => !(await isConnected(clientId)), 5000, 'client unregistered');
    const pub = await client();
    pub.client.publish(topic, 'marker');
    await until(() => watcher.messages.length >= 1);
    expect(payloads(watcher)).toEqual(['marker']);
  });
});

describe('sessions', () => {
  it('a persistent session keeps its subscriptions and queued QoS 1 and 2 messages; CONNACK says sessionPresent', async () => {
    const clientId = uid('persist');
    const topic = uid('ps');
    const first = await client({ clientId, clean: false });
    expect(first.connack.sessionPresent).toBe(false);
    await first.client.subscribeAsync(topic, { qos: 2 });
    await first.client.endAsync();
    await eventually(async () => !(await isConnected(clientId)), 5000, 'client unregistered');

    const pub = await client();
    await pub.client.publishAsync(topic, 'q1', { qos: 1 });
    await pub.client.publishAsync(topic, 'q2', { qos: 2 });

    const second = await client({ clientId, clean: false });
    expect(second.connack.sessionPresent).toBe(true);
    await until(() => second.messages.length === 2);
    expect(second.messages.map((m) => [m.payload.toString(), m.qos])).toEqual([['q1', 1], ['q2', 2]]);

    // The subscription is still there: a live message arrives without subscribing again.
    await pub.client.publishAsync(topic, 'live', { qos: 1 });
    await until(() => second.messages.length === 3);
    expect(second.messages[2].payload.toString()).toBe('live');
    await second.client.endAsync();
    await eventually(async () => !(await isConnected(clientId)), 5000, 'client unregistered');

    // A clean session discards it.
    const clean = await client({ clientId, clean: true });
    expect(clean.connack.sessionPresent).toBe(false);
    await clean.client.endAsync();
    await eventually(async () => !(await isConnected(clientId)), 5000, 'client unregistered');
    const after = await client({ clientId, clean: false });
    expect(after.connack.sessionPresent).toBe(false);
  });

  it('a second connection with the same client id takes over: the old one is closed', async () => {
    const clientId = uid('dup');
    const older = await client({ clientId });
    const newer = await client({ clientId });
    await older.closed;
    expect(newer.client.connected).toBe(true);
    const topic = uid('after-takeover');
    await newer.client.subscribeAsync(topic);
    await newer.client.publishAsync(topic, 'still here');
    await until(() => newer.messages.length === 1);
    expect((await te.engine.api.broker.clients()).filter((c) => c.clientId === clientId)).toHaveLength(1);
  });

  it('a zero-length client id is accepted with clean=true', async () => {
    const anon = await client({ clientId: '', clean: true });
    const topic = uid('anon');
    await anon.client.subscribeAsync(topic);
    await anon.client.publishAsync(topic, 'hi');
    await until(() => anon.messages.length === 1);
  });

  it('a zero-length client id with clean=false is refused: CONNACK 2 (identifier rejected) [MQTT-3.1.3-8]', async () => {
    const socket = await RawClient.connect(te.mqttPort);
    clients.push(socket);
    // mqtt-packet will not encode this CONNECT: MQTT, level 4, flags 0 (clean session off), keepalive 60, client id ''
    socket.sendBytes([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x00, 0, 60, 0, 0]);
    const connack = (await socket.next('connack')) as IConnackPacket;
    expect(connack).toMatchObject({ returnCode: 2, sessionPresent: false });
    await socket.closed;
  });

  it('a chosen client id that happens to look generated is still a normal id with clean=false', async () => {
    const clientId = `aedes_${uid('mine')}`;
    const c = await client({ clientId, clean: false });
    expect(c.connack.returnCode ?? 0).toBe(0);
  });
});

describe('keep-alive', () => {
  it('disconnects a silent client after 1.5 x keepalive and publishes its will', async () => {
    const topic = uid('ka-will');
    const watcher = await client();
    await watcher.client.subscribeAsync(topic);
    // Timed from before the CONNECT: the broker starts its keep-alive timer on receiving it, and the CONNACK may follow
    // later (it waits for the will to be stored).
    const connectedAt = Date.now();
    const { raw: silent, connack } = await raw({ keepalive: 1, will: { topic, payload: Buffer.from('timed out'), qos: 0, retain: false } });
    expect(connack.returnCode).toBe(0);
    const closedAt = await silent.closed;
    expect(closedAt - connectedAt).toBeGreaterThanOrEqual(1400);
    expect(closedAt - connectedAt).toBeLessThan(3000);
    await until(() => watcher.messages.length === 1);
    expect(payloads(watcher)).toEqual(['timed out']);
  });
});

describe('MQTT over WebSocket', () => {
  it('carries traffic both ways between WebSocket and TCP clients', async () => {
    const topic = uid('ws');
    const ws = await client({}, te.wsUrl);
    const tcp = await client();
    await ws.client.subscribeAsync(`${topic}/to-ws`, { qos: 1 });
    await tcp.client.subscribeAsync(`${topic}/to-tcp`, { qos: 1 });
    await ws.client.publishAsync(`${topic}/to-tcp`, 'from ws', { qos: 1 });
    await tcp.client.publishAsync(`${topic}/to-ws`, 'from tcp', { qos: 1 });
    await until(() => ws.messages.length === 1 && tcp.messages.length === 1);
    expect(payloads(tcp)).toEqual(['from ws']);
    expect(payloads(ws)).toEqual(['from tcp']);
    const ids = (await te.engine.api.broker.clients()).filter((c) => c.transport === 'ws').map((c) => c.clientId);
    expect(ids).toContain(ws.client.options.clientId);
  });
});

describe.skipIf(!fs.existsSync('/usr/bin/mosquitto_pub'))('mosquitto command-line clients', () => {
  const common = () => ['-h', '127.0.0.1', '-p', String(te.mqttPort)];

  it('mosquitto_pub -q 1 reaches an mqtt.js subscriber', async () => {
    const topic = uid('mpub');
    const sub = await client();
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const result = await run('mosquitto_pub', [...common(), '-t', topic, '-m', 'from mosquitto', '-q', '1']).done;
    expect(result).toMatchObject({ code: 0, stderr: '' });
    await until(() => sub.messages.length === 1);
    expect(sub.messages[0]).toMatchObject({ topic, qos: 1, retain: false });
    expect(payloads(sub)).toEqual(['from mosquitto']);
  });

  it('mosquitto_pub -r stores a retained message an mqtt.js subscriber receives with RETAIN', async () => {
    const topic = uid('mpub-r');
    const result = await run('mosquitto_pub', [...common(), '-t', topic, '-m', 'kept', '-q', '1', '-r']).done;
    expect(result.code).toBe(0);
    const sub = await client();
    await sub.client.subscribeAsync(topic, { qos: 1 });
    await until(() => sub.messages.length === 1);
    expect(sub.messages[0]).toMatchObject({ topic, retain: true, qos: 1 });
    expect(payloads(sub)).toEqual(['kept']);
  });

  it('mosquitto_sub -q 1 receives what mqtt.js publishes', async () => {
    const topic = uid('msub');
    const id = uid('mosq-sub');
    const proc = run('mosquitto_sub', [...common(), '-i', id, '-t', topic, '-q', '1', '-C', '1', '-W', '10', '-F', '%t|%q|%r|%p']);
    try {
      await eventually(async () => (await te.engine.api.broker.clients()).some((c) => c.clientId === id && c.subscriptions.includes(topic)), 5000, 'mosquitto_sub subscribed');
      const pub = await client();
      await pub.client.publishAsync(topic, 'from mqtt.js', { qos: 1 });
      const result = await proc.done;
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(`${topic}|1|0|from mqtt.js`);
    } finally {
      proc.kill();
    }
  });

  it('mosquitto_sub receives a message retained by mqtt.js, flagged retained', async () => {
    const topic = uid('msub-r');
    const pub = await client();
    await pub.client.publishAsync(topic, 'retained by mqtt.js', { qos: 1, retain: true });
    const result = await run('mosquitto_sub', [...common(), '-t', topic, '-q', '1', '-C', '1', '-W', '10', '-F', '%t|%r|%p']).done;
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`${topic}|1|retained by mqtt.js`);
  });
});
