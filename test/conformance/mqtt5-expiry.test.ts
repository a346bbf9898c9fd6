/**
 * MQTT 5 Message Expiry Interval (OASIS MQTT 5.0 §3.3.2.3.3) in both modes, on a frozen engine clock that the test
 * moves: real engine, real sockets, raw MQTT 5 peers (mqtt-packet) and mqtt.js v5, the AWS SDK v3's Publish and
 * GetRetainedMessage. A message that must not arrive is proved absent by a marker sent after it: the marker arrives
 * first. AWS adjusts the interval to 1..604,800 s and sends 0 once 999 ms or less are left
 * (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt5-message-expiry).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import { GetRetainedMessageCommand, IoTDataPlaneClient, ListRetainedMessagesCommand, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { deviationLogs, run, uid } from '../helpers/broker-clients.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { rawMqtt5Connect, type RawPeer } from '../integration/helpers/raw-mqtt.js';
import { startCli } from '../integration/helpers/cli-process.js';

type Publish = Packet & { cmd: 'publish'; topic: string; payload: Buffer; retain: boolean; qos: number; properties?: { messageExpiryInterval?: number; userProperties?: Record<string, unknown> } };

/** The engine's clock, frozen: it moves only when the test says. */
function frozenClock() {
  const clock = { t: Date.now(), now: () => clock.t, advance: (ms: number) => void (clock.t += ms) };
  return clock;
}

const peers: RawPeer[] = [];
const mqttClients: MqttClient[] = [];
afterEach(async () => {
  peers.splice(0).forEach((p) => p.destroy());
  await Promise.all(mqttClients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
});

let nextId = 1;

async function peer5(te: TestEngine, clientId = uid('p5'), opts: { clean?: boolean; properties?: object } = {}): Promise<RawPeer & { sessionPresent: boolean }> {
  const { peer, connack } = await rawMqtt5Connect(te.mqttPort, { clientId, clean: opts.clean, properties: opts.properties });
  peers.push(peer);
  expect(connack.reasonCode).toBe(0);
  return Object.assign(peer, { sessionPresent: !!connack.sessionPresent });
}

/** SUBSCRIBE, then the packets up to and including its SUBACK (retained messages may come right after it). */
async function subscribe(p: RawPeer, topic: string, qos = 1, options: { rh?: number; rap?: boolean } = {}): Promise<void> {
  const messageId = nextId++;
  p.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos, nl: false, rap: options.rap ?? false, rh: options.rh ?? 0 }] } as Packet);
  for (;;) {
    const got = await p.next();
    if (got.cmd === 'suback') return;
    p.inbox.unshift(got); // something sent before the SUBACK: keep it for the test
    throw new Error(`expected SUBACK, got ${got.cmd}`);
  }
}

function publish5(p: RawPeer, topic: string, payload: string, opts: { qos?: 0 | 1; retain?: boolean; expiry?: number } = {}): Promise<void> {
  const qos = opts.qos ?? 1;
  const messageId = qos ? nextId++ : undefined;
  p.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: opts.retain ?? false, messageId, properties: opts.expiry === undefined ? {} : { messageExpiryInterval: opts.expiry } } as Packet);
  if (!qos) return Promise.resolve();
  return p.next().then((ack) => expect(ack).toMatchObject({ cmd: 'puback', messageId }));
}

/** The next PUBLISH, acknowledged when QoS 1. */
async function nextPublish(p: RawPeer): Promise<Publish> {
  const got = (await p.next()) as Publish;
  expect(got.cmd).toBe('publish');
  if (got.qos === 1) p.send({ cmd: 'puback', messageId: got.messageId } as Packet);
  return got;
}

const expiryOf = (m: Publish) => m.properties?.messageExpiryInterval;

describe.each(['aws', 'standard'] as const)('Message Expiry Interval, %s mode', (mode) => {
  const aws = mode === 'aws';
  const clock = frozenClock();
  let te: TestEngine;
  let sdk: IoTDataPlaneClient;
  beforeAll(async () => {
    te = await startTestEngine({ mode, clock });
    sdk = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    sdk?.destroy();
    await te?.stop();
    expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('[MQTT-3.3.2-6] a live message reaches an MQTT 5 subscriber with the interval left; an MQTT 3.1.1 subscriber gets no property', async () => {
    const topic = uid('exp/live');
    const sub = await peer5(te);
    await subscribe(sub, topic);
    const sub4 = await mqtt.connectAsync(`mqtt://127.0.0.1:${te.mqttPort}`, { protocolVersion: 4, clientId: uid('s4'), reconnectPeriod: 0 });
    mqttClients.push(sub4);
    await sub4.subscribeAsync(topic, { qos: 1 });
    const got4 = new Promise<{ properties?: object }>((resolve) => sub4.once('message', (_t, _p, packet) => resolve(packet)));
    const pub = await peer5(te);
    await publish5(pub, topic, 'hello', { expiry: 60 });
    const m = await nextPublish(sub);
    expect(m.payload.toString()).toBe('hello');
    expect(expiryOf(m)).toBe(60);
    expect((await got4).properties).toBeUndefined();
  });

  it('[MQTT-3.3.2-6] the interval sent is the one received minus the time the message waited, 999 ms or less left being 0', async () => {
    const topic = uid('exp/retained-left');
    const pub = await peer5(te);
    await publish5(pub, topic, 'kept', { retain: true, expiry: 10 });
    clock.advance(4_500);
    let sub = await peer5(te);
    await subscribe(sub, topic);
    let m = await nextPublish(sub);
    expect(m).toMatchObject({ retain: true });
    expect(expiryOf(m)).toBe(5); // 5.5 s left
    clock.advance(5_200); // 300 ms left
    sub = await peer5(te);
    await subscribe(sub, topic);
    m = await nextPublish(sub);
    expect(m.payload.toString()).toBe('kept');
    expect(expiryOf(m)).toBe(0);
  });

  it('[MQTT-3.3.2-6] a QoS 1 message that waited for the client\'s Receive Maximum is sent with the time left then', async () => {
    const topic = uid('exp/window');
    const sub = await peer5(te, uid('narrow'), { properties: { receiveMaximum: 1 } });
    await subscribe(sub, topic);
    const pub = await peer5(te);
    await publish5(pub, topic, 'first', { expiry: 60 });
    await publish5(pub, topic, 'second', { expiry: 60 });
    const first = (await sub.next()) as Publish;
    expect([first.payload.toString(), expiryOf(first)]).toEqual(['first', 60]);
    clock.advance(10_000);
    sub.send({ cmd: 'puback', messageId: first.messageId } as Packet);
    const second = await nextPublish(sub);
    expect([second.payload.toString(), expiryOf(second)]).toEqual(['second', 50]);
  });

  it('[MQTT-3.3.2-5] a retained message whose interval passed is not sent to a new subscription and is removed (GetRetainedMessage: not found)', async () => {
    const topic = uid('exp/retained-gone');
    const pub = await peer5(te);
    await publish5(pub, topic, 'stale', { retain: true, expiry: 2 });
    expect((await sdk.send(new GetRetainedMessageCommand({ topic }))).topic).toBe(topic);
    clock.advance(2_001);
    const sub = await peer5(te);
    await subscribe(sub, topic);
    await publish5(pub, topic, 'marker', { qos: 0 });
    const m = await nextPublish(sub);
    expect(m.payload.toString()).toBe('marker');
    expect(m.retain).toBe(false);
    await expect(sdk.send(new GetRetainedMessageCommand({ topic }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('[MQTT-3.3.2-5] a message queued for an offline persistent session is dropped once its interval passed; the others arrive with the time left', async () => {
    const topic = uid('exp/queued');
    const clientId = uid('persist');
    let sub = await peer5(te, clientId, { clean: false, properties: { sessionExpiryInterval: 3600 } });
    await subscribe(sub, topic);
    sub.send({ cmd: 'disconnect' } as Packet);
    await sub.closed;
    await vi.waitFor(async () => expect((await te.engine.api.broker.clients()).map((c) => c.clientId)).not.toContain(clientId));
    const pub = await peer5(te);
    await publish5(pub, topic, 'short', { expiry: 5 });
    await publish5(pub, topic, 'long', { expiry: 100 });
    await publish5(pub, topic, 'forever');
    clock.advance(10_000);
    sub = await peer5(te, clientId, { clean: false, properties: { sessionExpiryInterval: 3600 } });
    expect(sub.sessionPresent).toBe(true);
    const first = await nextPublish(sub);
    expect([first.payload.toString(), expiryOf(first)]).toEqual(['long', 90]);
    const second = await nextPublish(sub);
    expect([second.payload.toString(), expiryOf(second)]).toEqual(['forever', undefined]);
  });

  it('an MQTT 3.1.1 subscriber\'s queue drops an expired MQTT 5 message too (the publisher\'s version decides)', async () => {
    const topic = uid('exp/queued4');
    const clientId = uid('persist4');
    const sub4 = await mqtt.connectAsync(`mqtt://127.0.0.1:${te.mqttPort}`, { protocolVersion: 4, clientId, clean: false, reconnectPeriod: 0 });
    await sub4.subscribeAsync(topic, { qos: 1 });
    await sub4.endAsync();
    await vi.waitFor(async () => expect((await te.engine.api.broker.clients()).map((c) => c.clientId)).not.toContain(clientId));
    const pub = await peer5(te);
    await publish5(pub, topic, 'short', { expiry: 1 });
    await publish5(pub, topic, 'kept', { expiry: 60 });
    clock.advance(1_001);
    const again = mqtt.connect(`mqtt://127.0.0.1:${te.mqttPort}`, { protocolVersion: 4, clientId, clean: false, reconnectPeriod: 0 });
    mqttClients.push(again);
    const first = await new Promise<string>((resolve) => again.once('message', (_t, payload) => resolve(payload.toString())));
    expect(first).toBe('kept');
  });

  it(`an interval of 0 ${aws ? 'becomes 1 (AWS), logged as a departure' : 'stays 0'}; over 7 days ${aws ? 'becomes 604,800' : 'stays as sent'}`, async () => {
    const topic = uid('exp/clamp');
    const sub = await peer5(te);
    await subscribe(sub, topic);
    const pub = await peer5(te);
    await publish5(pub, topic, 'zero', { expiry: 0 });
    await publish5(pub, topic, 'long', { expiry: 700_000 });
    expect(expiryOf(await nextPublish(sub))).toBe(aws ? 1 : 0);
    expect(expiryOf(await nextPublish(sub))).toBe(aws ? 604_800 : 700_000);
    expect(deviationLogs(te.logs, 'messageExpiryClamped').length > 0).toBe(aws);
  });

  it('mosquitto_pub/_sub -V mqttv5: a retained message published with message-expiry-interval 100 is received 30 s later with 70 left', async () => {
    const topic = uid('exp/mosquitto');
    const pubRun = run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(te.mqttPort), '-V', 'mqttv5', '-q', '1', '-r', '-t', topic, '-m', 'm',
      '-D', 'publish', 'message-expiry-interval', '100']);
    expect((await pubRun.done).code).toBe(0);
    clock.advance(30_000);
    const subRun = run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(te.mqttPort), '-V', 'mqttv5', '-t', topic, '-C', '1', '-W', '10', '-F', '%p|%E']);
    const out = await subRun.done;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toBe('m|70');
  });

  it('HTTP Publish messageExpiry (AWS SDK v3): a live message carries the interval; a retained one expires (ListRetainedMessages and GetRetainedMessage no longer find it)', async () => {
    const topic = uid('exp/http');
    const sub = await peer5(te);
    await subscribe(sub, topic);
    await sdk.send(new PublishCommand({ topic, qos: 1, retain: true, payload: Buffer.from('via-http'), messageExpiry: 30 }));
    const live = await nextPublish(sub);
    expect([live.payload.toString(), expiryOf(live)]).toEqual(['via-http', 30]);
    expect((await sdk.send(new ListRetainedMessagesCommand({}))).retainedTopics?.map((t) => t.topic)).toContain(topic);
    clock.advance(30_001);
    expect((await sdk.send(new ListRetainedMessagesCommand({}))).retainedTopics?.map((t) => t.topic)).not.toContain(topic);
    await expect(sdk.send(new GetRetainedMessageCommand({ topic }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('a will message is published with its full interval, counted from the disconnect (a retained will then expires from there)', async () => {
    const topic = uid('exp/will');
    const sub = await peer5(te);
    await subscribe(sub, topic);
    const { peer: dying } = await rawMqtt5Connect(te.mqttPort, {
      clientId: uid('dying'), will: { topic, payload: Buffer.from('gone'), qos: 1, retain: true, properties: { messageExpiryInterval: 30 } },
    });
    peers.push(dying);
    clock.advance(100_000); // connected for longer than the will's interval
    dying.destroy();
    const m = await nextPublish(sub);
    expect([m.payload.toString(), expiryOf(m)]).toEqual(['gone', 30]);
    clock.advance(10_000);
    const late = await peer5(te);
    await subscribe(late, topic);
    const retained = await nextPublish(late);
    expect([retained.payload.toString(), retained.retain, expiryOf(retained)]).toEqual(['gone', true, 20]);
  });
});

describe('after kill -9 (aws mode)', () => {
  it('[MQTT-3.3.2-5] a queued and a retained message keep their deadlines: the expired ones are gone, the other arrives with the time left', async () => {
    const dataDir = tempDir('tb-msgexp-kill-');
    const proc = await startCli(dataDir); // the system clock
    const url = proc.mqttUrl;
    const clientId = uid('kill-persist');
    const topic = uid('kill/exp');
    const connect5 = (id: string, clean = true) => mqtt.connectAsync(url, { protocolVersion: 5, clientId: id, clean, reconnectPeriod: 0, properties: { sessionExpiryInterval: 3600 } });
    const sub = await connect5(clientId, false);
    await sub.subscribeAsync(topic, { qos: 1 });
    await sub.endAsync();
    const pub = await connect5(uid('kill-pub'));
    mqttClients.push(pub);
    await pub.publishAsync(topic, 'short', { qos: 1, properties: { messageExpiryInterval: 30 } });
    await pub.publishAsync(topic, 'long', { qos: 1, properties: { messageExpiryInterval: 3000 } });
    await pub.publishAsync(`${topic}/r`, 'retained-short', { qos: 1, retain: true, properties: { messageExpiryInterval: 30 } });
    await proc.kill9();
    await pub.endAsync(true);

    const clock = { offset: 60_000, now: () => Date.now() + clock.offset }; // the engine was down for a minute
    const te = await startTestEngine({ dataDir, clock });
    try {
      const got: Array<{ payload: string; expiry?: number }> = [];
      const again = mqtt.connect(`mqtt://127.0.0.1:${te.mqttPort}`, { protocolVersion: 5, clientId, clean: false, reconnectPeriod: 0, properties: { sessionExpiryInterval: 3600 } });
      mqttClients.push(again);
      again.on('message', (_t, payload, packet) => got.push({ payload: payload.toString(), expiry: packet.properties?.messageExpiryInterval }));
      await new Promise((resolve) => again.once('connect', resolve));
      await vi.waitFor(() => expect(got.length).toBeGreaterThan(0), { timeout: 5000 });
      expect(got[0].payload).toBe('long');
      expect(got[0].expiry).toBeGreaterThan(2900);
      expect(got[0].expiry).toBeLessThanOrEqual(2940);
      expect(got.map((m) => m.payload)).not.toContain('short');
      // The retained message is gone too: a new subscription gets the marker first.
      const sub2 = await mqtt.connectAsync(`mqtt://127.0.0.1:${te.mqttPort}`, { protocolVersion: 5, clientId: uid('kill-sub2'), reconnectPeriod: 0 });
      mqttClients.push(sub2);
      const first = new Promise<string>((resolve) => sub2.once('message', (_t, payload) => resolve(payload.toString())));
      await sub2.subscribeAsync(`${topic}/r`, { qos: 1 });
      await sub2.publishAsync(`${topic}/r`, 'marker', { qos: 1 });
      expect(await first).toBe('marker');
    } finally {
      await Promise.all(mqttClients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
      await te.stop();
    }
  });
});
