/**
 * Bad input over raw sockets: garbage, malformed packets, oversized frames, silent, half-open and never-reading
 * clients. In each case the offending connection is closed, a client connected before and one connecting after keep
 * publishing and subscribing, and retained state stored before the abuse is intact after a restart.
 *
 * AWS mode runs with `keepAliveMin: 1` (AWS: 30 s) so the keep-alive case takes seconds, and `publishesPerSecond: 0`
 * (AWS: 100 per connection) so one flooding client can fill a slow reader's socket.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { startTestEngine, connect, nextMessages, until, type TestEngine } from '../helpers/engine.js';
import { rawConnect, rawMqttConnect, type RawPeer } from './helpers/raw-mqtt.js';

const MB = 1024 * 1024;

describe.each(['aws', 'standard'] as const)('bad input (%s mode)', (mode) => {
  let te: TestEngine;
  let bystander: MqttClient;
  let sentinel: string;
  const cleanups: Array<() => unknown> = [];
  const peers: RawPeer[] = [];

  beforeEach(async () => {
    te = await startTestEngine({
      mode,
      connectTimeoutMs: 2000, // far from the "at once" closes below, which a stalled moment must not reach
      drainTimeoutMs: 1000,
      limits: mode === 'aws' ? { keepAliveMin: 1, publishesPerSecond: 0 } : {},
    });
    bystander = await client(te.mqttPort, { clientId: 'bystander' });
    await bystander.subscribeAsync('ok/#', { qos: 1 });
    sentinel = `kept-${randomBytes(4).toString('hex')}`;
    await bystander.publishAsync('keep/sentinel', sentinel, { qos: 1, retain: true });
  });

  afterEach(async () => {
    peers.splice(0).forEach((p) => p.destroy());
    for (const f of cleanups.splice(0).reverse()) await Promise.resolve(f()).catch(() => {});
    await te.stop();
  });

  async function client(port: number, opts: Parameters<typeof connect>[1] = {}): Promise<MqttClient> {
    const c = await connect(port, opts);
    cleanups.push(() => c.end(true));
    return c;
  }

  async function raw(): Promise<RawPeer> {
    const peer = await rawConnect(te.mqttPort);
    peers.push(peer);
    return peer;
  }

  const clientIds = async () => (await te.engine.api.broker.clients()).map((c) => c.clientId);

  /** Polls an async condition every 10 ms (rejects after `ms`). */
  async function eventually(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Resolves with how long the connection took to close, from now (rejects after `ms`). */
  async function closeTime(peer: RawPeer, ms: number): Promise<number> {
    const start = Date.now();
    if (!(await peer.closesWithin(ms))) throw new Error(`connection still open after ${ms} ms`);
    return Date.now() - start;
  }

  /** The engine keeps serving: the bystander and a new client publish and receive; then stored state survives a restart. */
  async function expectStillServingAndIntact(): Promise<void> {
    expect(bystander.connected).toBe(true);
    const late = await client(te.mqttPort, { clientId: 'late' });
    await late.subscribeAsync('ok/#', { qos: 1 });
    const both = Promise.all([nextMessages(bystander, 1), nextMessages(late, 1)]);
    await late.publishAsync('ok/ping', 'pong', { qos: 1 });
    const [a, b] = await both;
    expect([a[0].payload.toString(), b[0].payload.toString()]).toEqual(['pong', 'pong']);

    for (const f of cleanups.splice(0).reverse()) await Promise.resolve(f());
    await te.stop();
    te = await te.restart();
    expect(te.logs.filter((l) => l.source === 'storage' && l.level !== 'info')).toEqual([]);
    const reader = await client(te.mqttPort);
    const got = nextMessages(reader, 1);
    await reader.subscribeAsync('keep/sentinel', { qos: 1 });
    expect((await got)[0]).toMatchObject({ topic: 'keep/sentinel', retain: true });
    expect((await got)[0].payload.toString()).toBe(sentinel);
  }

  it('random bytes before CONNECT: closed, no CONNACK', async () => {
    const peer = await raw();
    // Type 0 is reserved [MQTT-2.2.1]; the rest is noise.
    peer.write(Buffer.concat([Buffer.from([0x00]), randomBytes(4095)]));
    // At once, or, when the noise announces a longer packet than it holds, at the 2-s CONNECT timeout.
    await closeTime(peer, 5000);
    expect(peer.inbox.filter((p) => p.cmd === 'connack')).toEqual([]);
    await expectStillServingAndIntact();
  });

  it('a remaining length with five continuation bytes: closed at once', async () => {
    const peer = await raw();
    peer.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])); // [MQTT-2.2.3]: at most four bytes
    expect(await closeTime(peer, 2000)).toBeLessThan(1500); // well before the 2-s CONNECT timeout
    expect(te.logs.some((l) => l.level === 'warn' && /malformed remaining length/.test(l.message))).toBe(true);
    await expectStillServingAndIntact();
  });

  it('a PUBLISH before CONNECT: closed, nothing published', async () => {
    const peer = await raw();
    const heard = nextMessages(bystander, 1, 300).then(() => true, () => false);
    peer.send({ cmd: 'publish', topic: 'ok/sneaky', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
    expect(await closeTime(peer, 2000)).toBeLessThan(1500);
    expect(await heard).toBe(false); // [MQTT-3.1.0-1]: the first packet must be CONNECT
    await expectStillServingAndIntact();
  });

  it('a second CONNECT on a connection: closed [MQTT-3.1.0-2]', async () => {
    const { peer } = await rawMqttConnect(te.mqttPort, { clientId: 'twice' });
    peers.push(peer);
    peer.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'twice', keepalive: 60 });
    await closeTime(peer, 2000);
    await expectStillServingAndIntact();
  });

  it('an invalid protocol name, and an unsupported protocol level: closed', async () => {
    const badName = await raw();
    // CONNECT, protocol name "MQTX", level 4, clean session, keepalive 60, client id "bad".
    badName.write(Buffer.from([0x10, 15, 0, 4, ...Buffer.from('MQTX'), 4, 0x02, 0, 60, 0, 3, ...Buffer.from('bad')]));
    await closeTime(badName, 2000);
    expect(badName.inbox.filter((p) => p.cmd === 'connack' && p.returnCode === 0)).toEqual([]);

    const badLevel = await raw();
    badLevel.write(Buffer.from([0x10, 15, 0, 4, ...Buffer.from('MQTT'), 9, 0x02, 0, 60, 0, 3, ...Buffer.from('bad')]));
    await closeTime(badLevel, 2000);
    // [MQTT-3.1.2-2]: the server may answer 0x01 (unacceptable protocol level) before it disconnects.
    expect(badLevel.inbox.filter((p) => p.cmd === 'connack' && p.returnCode === 0)).toEqual([]);
    await expectStillServingAndIntact();
  });

  it('a frame announcing 200 MB: closed fast, nothing buffered', async () => {
    const { peer } = await rawMqttConnect(te.mqttPort, { clientId: 'huge' });
    peers.push(peer);
    const rssBefore = process.memoryUsage().rss;
    let rssMax = rssBefore;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 20);
    cleanups.push(() => clearInterval(sampler));
    // PUBLISH QoS 0, remaining length 200 MiB (varint), then the start of its topic, then body chunks on demand.
    const length = 200 * MB;
    const varint: number[] = [];
    for (let n = length; ; ) {
      const byte = n % 128;
      n = Math.floor(n / 128);
      varint.push(n > 0 ? byte | 0x80 : byte);
      if (n === 0) break;
    }
    const start = Date.now();
    peer.write(Buffer.from([0x30, ...varint, 0, 8, ...Buffer.from('ok/large')]));
    const chunk = Buffer.alloc(MB, 0x61);
    let sent = 0;
    // Keep streaming the body, respecting backpressure, until the broker closes the connection.
    while (!peer.isClosed() && sent < length) {
      sent += chunk.length;
      if (!peer.socket.write(chunk)) await Promise.race([new Promise((r) => peer.socket.once('drain', r)), peer.closed]);
    }
    await closeTime(peer, 2000);
    clearInterval(sampler);
    expect(Date.now() - start).toBeLessThan(1000);
    expect(sent).toBeLessThan(100 * MB);
    expect(rssMax - rssBefore).toBeLessThan(100 * MB);
    await expectStillServingAndIntact();
  });

  it('CONNECT, then silence past the keep-alive: closed', async () => {
    // Timed from before the CONNECT, which starts the broker's timer: the CONNACK may reach the test much later.
    const connecting = Date.now();
    const { peer } = await rawMqttConnect(te.mqttPort, { clientId: 'silent', keepalive: 1 });
    peers.push(peer);
    await closeTime(peer, 5000);
    expect(Date.now() - connecting).toBeGreaterThanOrEqual(1400); // [MQTT-3.1.2-24]: 1.5 × keep-alive without a packet
    await expectStillServingAndIntact();
  });

  it('a connection that never sends CONNECT: closed after the connect timeout', async () => {
    const peer = await raw();
    const took = await closeTime(peer, 6000);
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(4000);
    await expectStillServingAndIntact();
  });

  it('half-open TCP (reset without FIN): the broker drops the session', async () => {
    const { peer } = await rawMqttConnect(te.mqttPort, { clientId: 'vanishing' });
    peers.push(peer);
    peer.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ok/#', qos: 1 }] });
    expect(await peer.next()).toMatchObject({ cmd: 'suback' });
    await eventually(async () => (await clientIds()).includes('vanishing'), 'the session to be listed');
    peer.socket.resetAndDestroy();
    await eventually(async () => !(await clientIds()).includes('vanishing'), 'the broker to drop the reset connection');
    await expectStillServingAndIntact();
  });

  it('a subscriber that never reads: disconnected after the drain timeout, memory bounded, others keep receiving', async () => {
    const { peer } = await rawMqttConnect(te.mqttPort, { clientId: 'never-reads' });
    peers.push(peer);
    peer.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ok/flood', qos: 0 }] });
    expect(await peer.next()).toMatchObject({ cmd: 'suback' });
    peer.socket.pause(); // from now on the kernel buffers fill and the broker's writes back up

    let goodCount = 0;
    bystander.on('message', (topic) => void (topic === 'ok/flood' && goodCount++));
    const flooder = await client(te.mqttPort, { clientId: 'flooder' });
    const rssBefore = process.memoryUsage().rss;
    let rssMax = rssBefore;
    const payload = randomBytes(512);
    const connected = async () => (await clientIds()).includes('never-reads');
    const deadline = Date.now() + 20_000;
    let sent = 0;
    // Flood (with backpressure) until the broker has dropped the reader; bounded, not a sleep.
    while (await connected()) {
      if (Date.now() > deadline) throw new Error(`reader still connected after ${sent} messages`);
      await new Promise<void>((resolve) => {
        for (let i = 0; i < 499; i++) flooder.publish('ok/flood', payload, { qos: 0 });
        flooder.publish('ok/flood', payload, { qos: 0 }, () => resolve());
      });
      sent += 500;
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
    }
    expect(sent * 512).toBeGreaterThan(MB); // it took a real backlog to trip the drain timeout
    expect(rssMax - rssBefore).toBeLessThan(100 * MB);
    // The well-behaved subscriber on the same topic keeps receiving after the reader is gone.
    const before = goodCount;
    await flooder.publishAsync('ok/flood', 'after', { qos: 1 });
    await until(() => goodCount > before, 10_000, 'the bystander to receive after the flood');
    await expectStillServingAndIntact();
  }, 45_000);
});
