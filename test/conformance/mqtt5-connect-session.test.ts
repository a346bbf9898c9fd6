/**
 * MQTT 5 conformance: CONNECT and CONNACK, the session's end (DISCONNECT both ways, take-over, keep-alive, shutdown),
 * AUTH, wills and Request Problem Information (OASIS MQTT 5.0 §3.1, §3.2, §3.14, §3.15, §4.13), in both broker modes,
 * over raw MQTT 5 connections. Each case cites the normative statement it checks; aws mode's departures are asserted
 * from the deviation log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { rawConnect } from '../integration/helpers/raw-mqtt.js';
import {
  connect5, deviationFor, disconnected, logsAbout, markerArrives, publish1, rawConnect5, subscribe5, vbi, frame, wrap, type Packet5, type Peer5,
} from './helpers/mqtt5-peer.js';

const open: Peer5[] = [];
afterAll(() => open.splice(0).forEach((c) => c.peer.destroy()));

describe.each(['aws', 'standard'] as const)('MQTT 5 CONNECT, CONNACK and the end of a session, %s mode', (mode) => {
  const aws = mode === 'aws';
  let t: TestEngine;
  // aws mode keeps its keep-alive range except the floor, so a keep-alive timeout is seen in seconds, not in 45.
  beforeAll(async () => {
    t = await startTestEngine({ mode, limits: aws ? { keepAliveMin: 1 } : {} });
  });
  afterAll(() => t?.stop());

  const id = (name: string) => `${mode}-${name}`;
  const peer = async (name: string, opts: Parameters<typeof connect5>[2] = {}) => {
    const c = await connect5(t.mqttPort, id(name), opts);
    open.push(c);
    return c;
  };
  /** The CONNACK (and the closed connection) a hand-built CONNECT gets. */
  const refusedConnect = async (bytes: Buffer): Promise<Packet5> => {
    const raw = await rawConnect(t.mqttPort, '127.0.0.1', 5);
    raw.write(bytes);
    const connack = (await raw.next()) as Packet5;
    await raw.closed; // [MQTT-3.2.2-7] a CONNACK with a reason code of 0x80 or more closes the connection
    return connack;
  };

  it('CONNACK states what the broker offers: Receive Maximum, Topic Alias Maximum, Maximum QoS, Maximum Packet Size, Subscription Identifiers [MQTT-3.2.2-9, §3.2.2.3]', async () => {
    const c = await peer('offer');
    expect(c.connack.sessionPresent).toBe(false); // [MQTT-3.2.2-2] Clean Start 1
    const offered = c.connack.properties ?? {};
    if (aws) {
      expect(offered).toMatchObject({ receiveMaximum: 100, topicAliasMaximum: 8, maximumQoS: 1, subscriptionIdentifiersAvailable: false });
    } else {
      expect(offered).toMatchObject({ receiveMaximum: 65535, topicAliasMaximum: 64 });
      expect([offered.maximumQoS, offered.subscriptionIdentifiersAvailable]).toEqual([undefined, undefined]);
    }
    expect(offered.maximumPacketSize).toBeGreaterThan(aws ? 128 * 1024 : 16 * 1024 * 1024);
    expect([offered.retainAvailable, offered.wildcardSubscriptionAvailable, offered.sharedSubscriptionAvailable]).toEqual([undefined, undefined, undefined]); // all available
    expect(offered.assignedClientIdentifier).toBeUndefined();
  });

  it('a zero-length client id gets an Assigned Client Identifier in CONNACK [MQTT-3.1.3-6, MQTT-3.2.2-16]', async () => {
    const raw = await rawConnect(t.mqttPort, '127.0.0.1', 5);
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: '', keepalive: 60 } as never);
    const c = wrap(raw, (await raw.next()) as Packet5);
    open.push(c);
    expect(c.connack.reasonCode).toBe(0);
    const assigned = c.connack.properties?.assignedClientIdentifier as string;
    expect(assigned).toMatch(/\S/);
    // It is the connection's client id: a second connection with it takes the session over.
    const again = await connect5(t.mqttPort, assigned);
    open.push(again);
    expect((await disconnected(c)).reasonCode).toBe(0x8e);
  });

  it('Server Keep Alive: CONNACK says which keep-alive applies when it is not the one asked for [MQTT-3.2.2-21]', async () => {
    const c = await peer('keepalive-clamp', { keepalive: 0 });
    if (aws) {
      expect(c.connack.properties?.serverKeepAlive).toBe(1200); // AWS: 0 means 1200 s
      expect(deviationFor(t.logs, 'keepAliveClamped', id('keepalive-clamp'))).toBeDefined();
    } else {
      expect(c.connack.properties?.serverKeepAlive).toBeUndefined(); // 0: no keep-alive, as asked
    }
  });

  it('no packet within 1.5 times the keep-alive: DISCONNECT 0x8D Keep alive timeout, then the connection closes [MQTT-3.1.2-22]', async () => {
    const c = await peer('keepalive-timeout', { keepalive: 1 });
    const d = await disconnected(c, 10_000);
    expect(d.reasonCode).toBe(0x8d);
    expect(logsAbout(t.logs, id('keepalive-timeout'), /DISCONNECT 0x8d/)).not.toHaveLength(0);
  });

  it('a second connection with the same client id takes over: DISCONNECT 0x8E Session taken over to the first [MQTT-3.1.4-3]', async () => {
    const first = await peer('takeover');
    const second = await peer('takeover');
    const d = await disconnected(first);
    expect(d.reasonCode).toBe(0x8e);
    expect(d.properties?.reasonString).toMatch(/took over/);
    expect(logsAbout(t.logs, id('takeover'), /DISCONNECT 0x8e/)).not.toHaveLength(0);
    expect(await subscribe5(second, [{ topic: 'to/t', qos: 0 }])).toEqual([0]);
    await markerArrives(second, second, 'to/t'); // the new connection is unaffected
  });

  it('an Authentication Method: CONNACK 0x8C Bad authentication method, logged (AWS IoT has no enhanced authentication) [§3.1.2.11.9, MQTT-3.2.2-7]', async () => {
    const c = await connect5(t.mqttPort, id('auth-method'), { properties: { authenticationMethod: 'SCRAM-SHA-1' }, refusable: true });
    expect(c.connack.reasonCode).toBe(0x8c);
    await c.peer.closed;
    expect(logsAbout(t.logs, id('auth-method'), /0x8C/)).not.toHaveLength(0);
  });

  it(aws ? 'a Will QoS 2, over the Maximum QoS 1 offered: CONNACK 0x9B QoS not supported, logged [MQTT-3.2.2-12]' : 'a Will QoS 2 is accepted (Maximum QoS 2) and the will is published at QoS 2 [§3.1.2.6]', async () => {
    const will = { topic: `will-q2/${mode}`, payload: Buffer.from('gone'), qos: 2, retain: false };
    const c = await connect5(t.mqttPort, id('will-qos2'), { will, refusable: true });
    if (aws) {
      expect(c.connack.reasonCode).toBe(0x9b);
      expect(c.connack.properties?.reasonString).toMatch(/Will QoS 2 .* Maximum QoS 1/);
      await c.peer.closed;
      expect(logsAbout(t.logs, id('will-qos2'), /CONNACK 0x9B/)).not.toHaveLength(0);
      expect(deviationFor(t.logs, 'qos2Will', id('will-qos2'))).toBeDefined();
      return;
    }
    open.push(c);
    expect(c.connack.reasonCode).toBe(0);
    const watcher = await peer('will-qos2-watcher');
    expect(await subscribe5(watcher, [{ topic: will.topic, qos: 2 }])).toEqual([2]);
    c.peer.destroy(); // connection lost: the will goes out
    const got = await watcher.expect('publish');
    expect([got.topic, got.payload?.toString(), got.qos]).toEqual([will.topic, 'gone', 2]);
  });

  it('a malformed CONNECT property block: CONNACK 0x81 Malformed Packet [§2.2.2.2, MQTT-3.2.2-7]', async () => {
    const connack = await refusedConnect(rawConnect5(id('bad-props'), Buffer.from([0x7f, 0x00]))); // 0x7F is no property
    expect(connack.reasonCode).toBe(0x81);
    expect(connack.properties?.reasonString).toMatch(/unknown property identifier/);
    expect(logsAbout(t.logs, id('bad-props'), /CONNACK 0x81: .*unknown property identifier/)).not.toHaveLength(0);
  });

  it('a duplicate CONNECT property: CONNACK 0x82 Protocol Error [§3.1.2.11.2]', async () => {
    const expiry = Buffer.from([0x11, 0, 0, 0, 10]);
    const connack = await refusedConnect(rawConnect5(id('dup-props'), Buffer.concat([expiry, expiry])));
    expect(connack.reasonCode).toBe(0x82);
    expect(connack.properties?.reasonString).toMatch(/more than once/);
    expect(logsAbout(t.logs, id('dup-props'), /CONNACK 0x82: .*more than once/)).not.toHaveLength(0);
  });

  it('protocol level 6: CONNACK 0x84 Unsupported Protocol Version in MQTT 5 shape, logged with the client id and the level [MQTT-3.1.2-2]', async () => {
    const raw = await rawConnect(t.mqttPort, '127.0.0.1', 5);
    const bytes: Buffer[] = [];
    raw.socket.on('data', (d: Buffer) => bytes.push(d));
    raw.write(rawConnect5(id('level6'), Buffer.alloc(0), 6));
    await raw.closed;
    const wire = Buffer.concat(bytes);
    expect(wire[0]).toBe(0x20); // CONNACK
    expect(wire[3]).toBe(0x84); // after Remaining Length and the flags: the reason code, then a property block
    expect(wire.length).toBeGreaterThanOrEqual(5);
    expect(logsAbout(t.logs, id('level6'), /\b6\b/)).not.toHaveLength(0);
  });

  it('an AUTH packet without enhanced authentication: DISCONNECT 0x82 Protocol Error [MQTT-4.12.0-1]; other clients unaffected', async () => {
    const bystander = await peer('auth-bystander');
    expect(await subscribe5(bystander, [{ topic: 'auth/t', qos: 0 }])).toEqual([0]);
    const c = await peer('auth-packet');
    c.peer.write(frame(0xf0, Buffer.from([0x00]), vbi(0))); // AUTH, reason 0x00, no properties
    const d = await disconnected(c);
    expect(d.reasonCode).toBe(0x82);
    expect(logsAbout(t.logs, id('auth-packet'), /DISCONNECT 0x82/)).not.toHaveLength(0);
    await markerArrives(bystander, bystander, 'auth/t');
  });

  it('DISCONNECT 0x04 Disconnect with Will Message publishes the will; 0x00 discards it [MQTT-3.14.4-3, §3.14.2.1]', async () => {
    const watcher = await peer('will-watcher');
    expect(await subscribe5(watcher, [{ topic: 'will/+', qos: 1 }])).toEqual([1]);
    const will = (topic: string) => ({ topic, payload: Buffer.from(`${topic} gone`), qos: 1, retain: false, properties: { contentType: 'text/plain' } });
    const normal = await peer('will-normal', { will: will('will/normal') });
    normal.send({ cmd: 'disconnect', reasonCode: 0x00 });
    await normal.peer.closed;
    const withWill = await peer('will-sent', { will: will('will/sent') });
    withWill.send({ cmd: 'disconnect', reasonCode: 0x04 });
    await withWill.peer.closed;
    const got = await watcher.expect('publish'); // the first will to arrive is the 0x04 one: the 0x00 one was discarded
    expect(got.topic).toBe('will/sent');
    expect(got.properties?.contentType).toBe('text/plain');
    watcher.send({ cmd: 'puback', messageId: got.messageId, reasonCode: 0 });
    await markerArrives(watcher, watcher, 'will/marker');
  });

  it('Request Problem Information 0: no Reason String where the client turned them off; 1 (default): a Reason String says why [MQTT-3.1.2-29]', async () => {
    const quiet = await peer('rpi-0', { properties: { requestProblemInformation: false } });
    quiet.peer.write(frame(0xf0, Buffer.from([0x00]), vbi(0)));
    const q = await disconnected(quiet);
    expect(q.reasonCode).toBe(0x82);
    expect(q.properties?.reasonString).toBeUndefined();
    const told = await peer('rpi-1');
    told.peer.write(frame(0xf0, Buffer.from([0x00]), vbi(0)));
    const d = await disconnected(told);
    expect(d.properties?.reasonString).toMatch(/AUTH/);
  });

  it('a persistent session: sessionPresent 1 when it is resumed [MQTT-3.2.2-3]; Clean Start 1 discards it [MQTT-3.1.2-4]', async () => {
    const first = await peer('persistent', { clean: false, properties: { sessionExpiryInterval: 600 } });
    expect(first.connack.sessionPresent).toBe(false);
    expect(await subscribe5(first, [{ topic: 'ps/t', qos: 1 }])).toEqual([1]);
    first.send({ cmd: 'disconnect', reasonCode: 0 });
    await first.peer.closed;
    const resumed = await peer('persistent', { clean: false, properties: { sessionExpiryInterval: 600 } });
    expect(resumed.connack.sessionPresent).toBe(true);
    resumed.send({ cmd: 'disconnect', reasonCode: 0 });
    await resumed.peer.closed;
    const fresh = await peer('persistent', { clean: true, properties: { sessionExpiryInterval: 600 } });
    expect(fresh.connack.sessionPresent).toBe(false);
    // Its subscription is gone with it: a message to ps/t does not arrive before the marker.
    expect(await subscribe5(fresh, [{ topic: 'ps/marker', qos: 0 }])).toEqual([0]);
    expect(await publish1(fresh, 'ps/t', 'gone')).toBe(0);
    await markerArrives(fresh, fresh, 'ps/marker');
  });

  // Last: it stops the engine (and starts it again on the same data directory).
  it('the broker shutting down: DISCONNECT 0x8B Server shutting down to every MQTT 5 client [§4.13.2]', async () => {
    const c = await peer('shutdown');
    const stopped = t.stop();
    const d = await disconnected(c);
    expect(d.reasonCode).toBe(0x8b);
    await stopped; // not a refusal: one DISCONNECT per client, not one log line each
    t = await t.restart();
  });
});
