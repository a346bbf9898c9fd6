/**
 * MQTT 5 wills: the will carries its own properties to MQTT 5 subscribers (§3.1.3.2), never its Will Delay Interval;
 * the Will Delay Interval holds it back until the delay passes or the session ends, whichever is first
 * [MQTT-3.1.2-8]; a new connection to the session before then means it is not published [MQTT-3.1.3-9], unless that
 * connection starts clean (which ends the session). A real engine on a fake clock (the delay timer reads the engine's
 * clock), mqtt.js v5 clients; "no will yet" is proved with a marker message the subscriber gets first.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/broker-clients.js';
import { SqlJsStore } from '../../engine/storage/index.js';
import { decodePacket } from '../../engine/broker/packet-codec.js';

type Received = { topic: string; payload: string; properties?: Record<string, unknown> };

let seq = 0;
const uid = (p: string) => `${p}-${process.pid}-${++seq}`;

function fakeClock() {
  const clock = { offset: 0, now: () => Date.now() + clock.offset, advance: (ms: number) => void (clock.offset += ms) };
  return clock;
}

describe.each(['aws', 'standard'] as const)('MQTT 5 wills in %s mode', (mode) => {
  let t: TestEngine;
  const clock = fakeClock();
  const clients: MqttClient[] = [];
  let watcher: MqttClient;
  const inbox: Received[] = [];

  const url = () => `mqtt://127.0.0.1:${t.mqttPort}`;
  async function connect5(clientId: string, opts: IClientOptions = {}): Promise<MqttClient> {
    const c = await mqtt.connectAsync(url(), { protocolVersion: 5, clientId, reconnectPeriod: 0, ...opts });
    clients.push(c);
    return c;
  }
  const connected = async (clientId: string) => (await t.engine.api.broker.clients()).some((c) => c.clientId === clientId);
  /** Ends the connection without DISCONNECT and waits until the broker has let it go (and so handled its will). */
  async function lose(c: MqttClient): Promise<void> {
    const id = String(c.options.clientId);
    c.stream.destroy();
    await vi.waitFor(async () => expect(await connected(id)).toBe(false), { timeout: 5000 });
  }
  /** The watcher's messages on `topic` up to a marker sent now: proves what has (not) arrived by then. */
  async function upToMarker(topic: string): Promise<string[]> {
    const marker = uid('marker');
    await watcher.publishAsync(topic, marker, { qos: 1 });
    await vi.waitFor(() => expect(inbox.some((m) => m.payload === marker)).toBe(true), { timeout: 5000 });
    const got = inbox.filter((m) => m.topic === topic && (!m.payload.startsWith('marker') || m.payload === marker)).map((m) => m.payload);
    return got.slice(0, got.indexOf(marker));
  }
  const wills = (topic: string) => inbox.filter((m) => m.topic === topic && m.payload.startsWith('will'));
  const willTopic = () => `will/${uid(mode)}`;
  const persistent = { clean: false, properties: { sessionExpiryInterval: 3600 } };

  beforeAll(async () => {
    t = await startTestEngine({ mode, clock });
    watcher = await connect5(uid('watcher'));
    await watcher.subscribeAsync('will/#', { qos: 1 });
    watcher.on('message', (topic, payload, packet) => inbox.push({ topic, payload: payload.toString(), properties: packet.properties as Record<string, unknown> | undefined }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await t.stop();
    expect(t.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('a will carries its own properties to an MQTT 5 subscriber, user properties in order, without the Will Delay Interval', async () => {
    const topic = willTopic();
    const dying = await connect5(uid('props'), {
      will: {
        topic, payload: Buffer.from('will: gone'), qos: 1, retain: false,
        properties: {
          willDelayInterval: 0, payloadFormatIndicator: true, messageExpiryInterval: 600, contentType: 'text/plain',
          responseTopic: 'will/replies', correlationData: Buffer.from([1, 2, 3]), userProperties: { a: ['1', '3'], b: '2' },
        },
      },
    });
    await lose(dying);
    await vi.waitFor(() => expect(wills(topic)).toHaveLength(1), { timeout: 5000 });
    const p = wills(topic)[0].properties!;
    expect(p).toMatchObject({ payloadFormatIndicator: true, contentType: 'text/plain', responseTopic: 'will/replies', userProperties: { a: ['1', '3'], b: '2' } });
    expect(Buffer.from(p.correlationData as Buffer)).toEqual(Buffer.from([1, 2, 3]));
    expect(p.messageExpiryInterval).toBeGreaterThan(0);
    expect(p.messageExpiryInterval).toBeLessThanOrEqual(600);
    expect(p.willDelayInterval).toBeUndefined(); // not a PUBLISH property
  });

  it('a will waits for its Will Delay Interval, then is published [MQTT-3.1.2-8]', async () => {
    const topic = willTopic();
    const dying = await connect5(uid('delay'), { ...persistent, will: { topic, payload: Buffer.from('will: late'), qos: 1, retain: false, properties: { willDelayInterval: 60, messageExpiryInterval: 600 } } });
    await lose(dying);
    expect(await upToMarker(topic)).toEqual([]);
    // Ten seconds short of the delay: the fake clock also runs with real time, which the marker's round trips take.
    clock.advance(50_000);
    expect(await upToMarker(topic)).toEqual([]);
    clock.advance(10_000);
    await vi.waitFor(() => expect(wills(topic).map((m) => m.payload)).toEqual(['will: late']), { timeout: 5000 });
    // Its Message Expiry Interval counts from when it is published, not from the disconnect.
    expect(wills(topic)[0].properties?.messageExpiryInterval).toBeGreaterThanOrEqual(599);
  });

  it('a will is published when the session ends before the Will Delay Interval: its Session Expiry Interval [MQTT-3.1.2-8]', async () => {
    const topic = willTopic();
    const dying = await connect5(uid('expiry'), { clean: false, properties: { sessionExpiryInterval: 10 }, will: { topic, payload: Buffer.from('will: session over'), qos: 1, retain: false, properties: { willDelayInterval: 3600 } } });
    await lose(dying);
    expect(await upToMarker(topic)).toEqual([]);
    clock.advance(10_000);
    await vi.waitFor(() => expect(wills(topic).map((m) => m.payload)).toEqual(['will: session over']), { timeout: 5000 });
  });

  it('a session that ends with its connection (Session Expiry Interval 0) publishes the will at once', async () => {
    const topic = willTopic();
    const dying = await connect5(uid('no-session'), { will: { topic, payload: Buffer.from('will: now'), qos: 1, retain: false, properties: { willDelayInterval: 3600 } } });
    await lose(dying);
    await vi.waitFor(() => expect(wills(topic).map((m) => m.payload)).toEqual(['will: now']), { timeout: 5000 });
  });

  it('a reconnect to the session before the delay has passed means the will is not published [MQTT-3.1.3-9]', async () => {
    const topic = willTopic();
    const clientId = uid('back');
    const dying = await connect5(clientId, { ...persistent, will: { topic, payload: Buffer.from('will: never'), qos: 1, retain: false, properties: { willDelayInterval: 60 } } });
    await lose(dying);
    await connect5(clientId, persistent);
    await vi.waitFor(() => expect(t.logs.some((l) => l.message.includes(`will of client ${clientId} is not published`))).toBe(true));
    clock.advance(120_000);
    expect(await upToMarker(topic)).toEqual([]);
  });

  it('a reconnect with Clean Start ends the session: the waiting will is published at once', async () => {
    const topic = willTopic();
    const clientId = uid('fresh');
    const dying = await connect5(clientId, { ...persistent, will: { topic, payload: Buffer.from('will: session discarded'), qos: 1, retain: false, properties: { willDelayInterval: 3600 } } });
    await lose(dying);
    await connect5(clientId, { clean: true });
    await vi.waitFor(() => expect(wills(topic).map((m) => m.payload)).toEqual(['will: session discarded']), { timeout: 5000 });
  });

  it('a connection taken over by one that continues the session does not publish its delayed will [MQTT-3.1.3-9]', async () => {
    const topic = willTopic();
    const clientId = uid('takeover');
    await connect5(clientId, { ...persistent, will: { topic, payload: Buffer.from('will: taken over'), qos: 1, retain: false, properties: { willDelayInterval: 60 } } });
    await connect5(clientId, persistent);
    await vi.waitFor(() => expect(t.logs.some((l) => l.message.includes(`will of client ${clientId} is not published`))).toBe(true));
    clock.advance(120_000);
    expect(await upToMarker(topic)).toEqual([]);
  });

  it('mosquitto_sub -V mqttv5 killed with a delayed will: the will (with its user property and content type) comes after the delay', async () => {
    const topic = willTopic();
    const clientId = uid('mosq');
    const sub = run('mosquitto_sub', [
      '-h', '127.0.0.1', '-p', String(t.mqttPort), '-V', 'mqttv5', '-i', clientId, '-c', '-x', '600', '-t', 'lab/none',
      '--will-topic', topic, '--will-payload', 'will: mosquitto', '--will-qos', '1',
      '-D', 'will', 'will-delay-interval', '30', '-D', 'will', 'user-property', 'site', 'hall', '-D', 'will', 'content-type', 'text/plain',
    ], 20_000);
    await vi.waitFor(async () => expect(await connected(clientId)).toBe(true), { timeout: 5000 });
    sub.kill();
    await sub.done;
    await vi.waitFor(async () => expect(await connected(clientId)).toBe(false), { timeout: 5000 });
    expect(await upToMarker(topic)).toEqual([]);
    clock.advance(30_000);
    await vi.waitFor(() => expect(wills(topic).map((m) => m.payload)).toEqual(['will: mosquitto']), { timeout: 5000 });
    expect(wills(topic)[0].properties).toMatchObject({ contentType: 'text/plain', userProperties: { site: 'hall' } });
  });

  it('DISCONNECT 0x04 that sets the Session Expiry Interval to 0 ends the session with the connection: the will goes out at once', async () => {
    const topic = willTopic();
    const leaving = await connect5(uid('ends'), { ...persistent, will: { topic, payload: Buffer.from('will: session ends now'), qos: 1, retain: false, properties: { willDelayInterval: 3600 } } });
    await leaving.endAsync(false, { reasonCode: 0x04, properties: { sessionExpiryInterval: 0 } });
    await vi.waitFor(() => expect(wills(topic).map((m) => m.payload)).toEqual(['will: session ends now']), { timeout: 5000 });
  });

  it('DISCONNECT 0x04 (with Will Message) publishes the will after its delay as well', async () => {
    const topic = willTopic();
    const leaving = await connect5(uid('with-will'), { ...persistent, will: { topic, payload: Buffer.from('will: asked for'), qos: 1, retain: false, properties: { willDelayInterval: 30 } } });
    const id = String(leaving.options.clientId);
    await leaving.endAsync(false, { reasonCode: 0x04 });
    await vi.waitFor(async () => expect(await connected(id)).toBe(false), { timeout: 5000 });
    expect(await upToMarker(topic)).toEqual([]);
    clock.advance(30_000);
    await vi.waitFor(() => expect(wills(topic).map((m) => m.payload)).toEqual(['will: asked for']), { timeout: 5000 });
  });
});

describe('a stored will (for wills that outlive the engine)', () => {
  it('keeps its MQTT 5 properties: user properties in order, correlation data as bytes, the Will Delay Interval', async () => {
    const t = await startTestEngine({ mode: 'aws' });
    const clientId = uid('stored');
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.mqttPort}`, {
      protocolVersion: 5, clientId, reconnectPeriod: 0, clean: false, properties: { sessionExpiryInterval: 3600 },
      will: {
        topic: 'will/stored', payload: Buffer.from('bye'), qos: 1, retain: false,
        properties: { willDelayInterval: 600, contentType: 'text/plain', correlationData: Buffer.from([9, 8]), userProperties: { k: ['1', '2'], j: 'x' } },
      },
    });
    // The engine stops with the will waiting for its delay: it stays stored.
    await t.stop();
    c.end(true);
    const store = await SqlJsStore.open(t.dataDir);
    try {
      const rows = store.all<{ client_id: string; packet: string }>('SELECT client_id, packet FROM broker_wills WHERE client_id = ?', [clientId]);
      expect(rows).toHaveLength(1);
      const will = decodePacket(rows[0].packet) as { topic: string; payload: Buffer; properties?: Record<string, unknown> };
      expect(will.topic).toBe('will/stored');
      expect(will.payload.toString()).toBe('bye');
      expect(will.properties).toMatchObject({ willDelayInterval: 600, contentType: 'text/plain', userProperties: [['k', '1'], ['k', '2'], ['j', 'x']] });
      expect(Buffer.isBuffer(will.properties?.correlationData) && (will.properties.correlationData as Buffer).equals(Buffer.from([9, 8]))).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('wills of connections the engine still had when it stopped', () => {
  const clock = fakeClock();
  let t: TestEngine;
  const clients: MqttClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await t?.stop();
  });

  async function connect5(port: number, clientId: string, opts: IClientOptions = {}): Promise<MqttClient> {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, clientId, reconnectPeriod: 0, ...opts });
    clients.push(c);
    return c;
  }

  it('wait for their Will Delay Interval again after the restart, keep their properties, and are dropped when the client reconnects first [MQTT-3.1.2-8] [MQTT-3.1.3-9]', async () => {
    t = await startTestEngine({ mode: 'standard', clock });
    const session = { clean: false, properties: { sessionExpiryInterval: 3600 } };
    const will = (payload: string) => ({ topic: 'will/restart', payload: Buffer.from(payload), qos: 1 as const, retain: false, properties: { willDelayInterval: 60, contentType: 'text/plain', userProperties: { why: 'restart' } } });
    const goneId = uid('gone');
    const backId = uid('back');
    await connect5(t.mqttPort, goneId, { ...session, will: will('will: gone for good') });
    await connect5(t.mqttPort, backId, { ...session, will: will('will: came back') });
    await t.stop();
    t = await t.restart();

    const inbox: Received[] = [];
    const watcher = await connect5(t.mqttPort, uid('watcher'));
    watcher.on('message', (topic, payload, packet) => inbox.push({ topic, payload: payload.toString(), properties: packet.properties as Record<string, unknown> | undefined }));
    await watcher.subscribeAsync('will/restart', { qos: 1 });
    await connect5(t.mqttPort, backId, session); // back within the delay (its CONNACK came): its will is dropped
    await watcher.publishAsync('will/restart', 'marker-1', { qos: 1 });
    await vi.waitFor(() => expect(inbox.map((m) => m.payload)).toContain('marker-1'));
    expect(inbox.map((m) => m.payload)).toEqual(['marker-1']);

    clock.advance(60_000);
    await vi.waitFor(() => expect(inbox.map((m) => m.payload)).toContain('will: gone for good'), { timeout: 5000 });
    await watcher.publishAsync('will/restart', 'marker-2', { qos: 1 });
    await vi.waitFor(() => expect(inbox.map((m) => m.payload)).toContain('marker-2'));
    expect(inbox.map((m) => m.payload)).toEqual(['marker-1', 'will: gone for good', 'marker-2']);
    const got = inbox[1].properties!;
    expect(got).toMatchObject({ contentType: 'text/plain', userProperties: { why: 'restart' } });
    expect(got.willDelayInterval).toBeUndefined();
  });
});

describe('a take-over and the stored will', () => {
  it("publishes the old connection's will and keeps the new connection's will stored (it outlives a stop)", async () => {
    const t = await startTestEngine({ mode: 'standard' });
    const url = `mqtt://127.0.0.1:${t.mqttPort}`;
    const clientId = uid('taken');
    const watcher = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: uid('w'), reconnectPeriod: 0 });
    await watcher.subscribeAsync('will/takeover', { qos: 1 });
    const arrived = new Promise<string>((resolve) => watcher.once('message', (_t, payload) => resolve(payload.toString())));
    const session = { protocolVersion: 5 as const, clientId, reconnectPeriod: 0, clean: false, properties: { sessionExpiryInterval: 3600 } };
    // An MQTT 3.1.1 connection, taken over by an MQTT 5 one: aedes closes it only after the new one stored its will.
    const first = await mqtt.connectAsync(url, { protocolVersion: 4, clientId, reconnectPeriod: 0, clean: false, will: { topic: 'will/takeover', payload: Buffer.from('first'), qos: 1, retain: false } });
    first.on('error', () => {});
    const second = await mqtt.connectAsync(url, { ...session, will: { topic: 'will/takeover', payload: Buffer.from('second'), qos: 1, retain: false, properties: { willDelayInterval: 600 } } });
    expect(await arrived).toBe('first'); // taken over: no delay, so the will goes out [MQTT-3.1.2-8]
    await watcher.endAsync();
    await t.stop(); // the second connection's will waits for its delay: it stays stored
    second.end(true);
    first.end(true);
    const store = await SqlJsStore.open(t.dataDir);
    try {
      const rows = store.all<{ packet: string }>('SELECT packet FROM broker_wills WHERE client_id = ?', [clientId]);
      expect(rows.map((r) => (decodePacket(r.packet) as { payload: Buffer }).payload.toString())).toEqual(['second']);
    } finally {
      await store.close();
    }
  });
});
