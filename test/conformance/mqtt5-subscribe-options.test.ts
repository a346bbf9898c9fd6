/**
 * MQTT 5 conformance: SUBSCRIBE, its options and SUBACK, UNSUBSCRIBE and UNSUBACK, Subscription Identifiers
 * (OASIS MQTT 5.0 §3.8–§3.11, §3.3.4), in both broker modes, over raw MQTT 5 connections. Each case cites the
 * normative statement it checks; where aws mode departs (AWS IoT Core's documented limits), the departure is asserted
 * from the deviation log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { rawMqttConnect } from '../integration/helpers/raw-mqtt.js';
import {
  ACCOUNT, connect5, deviationFor, deviceWithPolicy, disconnected, logsAbout, markerArrives, packetId, publish1, subscribe5, subscriptionIds, type Peer5,
} from './helpers/mqtt5-peer.js';

const open: Peer5[] = [];
afterAll(() => open.splice(0).forEach((c) => c.peer.destroy()));

describe.each(['aws', 'standard'] as const)('MQTT 5 SUBSCRIBE and its options, %s mode', (mode) => {
  const aws = mode === 'aws';
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine({ mode });
  });
  afterAll(() => t?.stop());

  const peer = async (clientId: string, opts: Parameters<typeof connect5>[2] = {}) => {
    const c = await connect5(t.mqttPort, `${mode}-${clientId}`, opts);
    open.push(c);
    return c;
  };

  it('SUBACK has one reason code per filter, in order: the granted QoS or why the filter was refused [MQTT-3.9.3-1, MQTT-3.9.3-2]', async () => {
    const c = await peer('suback-codes');
    const codes = await subscribe5(c, [
      { topic: 'sc/zero', qos: 0 },
      { topic: 'sc/one', qos: 1 },
      { topic: '$share/g+/sc/x', qos: 1 }, // a '+' in a ShareName [MQTT-4.8.2-2]: 0x8F Topic Filter invalid
      { topic: 'sc/a/b/c/d/e/f/g/h', qos: 0 }, // 8 slashes: AWS allows 7 (0x8F), MQTT any number
    ]);
    expect(codes).toEqual([0, 1, 0x8f, aws ? 0x8f : 0]);
    expect(logsAbout(t.logs, `${mode}-suback-codes`, /\$share\/g\+\/sc\/x/)).not.toHaveLength(0);
    if (aws) expect(deviationFor(t.logs, 'topicTooDeep', `${mode}-suback-codes`)).toBeDefined();
    // The connection stays: a refused filter is not a protocol error.
    await markerArrives(c, c, 'sc/one');
  });

  it('over a quota: SUBACK 0x97 for the filters past AWS\'s 8 per SUBSCRIBE (aws); the specification has no such limit (standard)', async () => {
    const c = await peer('suback-quota');
    const filters = Array.from({ length: 9 }, (_, i) => ({ topic: `sq/${i}`, qos: 0 }));
    const codes = await subscribe5(c, filters);
    expect(codes).toEqual(aws ? [0, 0, 0, 0, 0, 0, 0, 0, 0x97] : Array(9).fill(0));
    if (aws) expect(deviationFor(t.logs, 'tooManyFilters', `${mode}-suback-quota`)).toBeDefined();
    await markerArrives(c, c, 'sq/0');
  });

  it('a QoS 2 request: granted QoS 1 where CONNACK said Maximum QoS 1 (aws), granted 2 otherwise [MQTT-3.2.2-10, MQTT-3.8.4-8]', async () => {
    const c = await peer('qos2-sub');
    expect(c.connack.properties?.maximumQoS).toBe(aws ? 1 : undefined);
    expect(await subscribe5(c, [{ topic: 'q2/t', qos: 2 }])).toEqual([aws ? 1 : 2]);
    await markerArrives(c, c, 'q2/t');
  });

  it('No Local: the client\'s own messages are not sent back to it; other clients\' are [MQTT-3.8.3-3]', async () => {
    const a = await peer('nolocal-a');
    const b = await peer('nolocal-b');
    expect(await subscribe5(a, [{ topic: 'nl/t', qos: 1, nl: true }])).toEqual([1]);
    expect(await publish1(a, 'nl/t', 'own')).toBe(0);
    // b's message is the next thing a receives: its own was not sent back.
    await markerArrives(b, a, 'nl/t');
  });

  it('Retain As Published: the RETAIN flag is kept with rap=1, cleared with rap=0 [MQTT-3.3.1-12, MQTT-3.3.1-13]', async () => {
    const s = await peer('rap-sub');
    const p = await peer('rap-pub');
    expect(await subscribe5(s, [{ topic: 'rap/kept', qos: 0, rap: true }, { topic: 'rap/cleared', qos: 0, rap: false }])).toEqual([0, 0]);
    for (const topic of ['rap/kept', 'rap/cleared']) {
      p.send({ cmd: 'publish', topic, payload: Buffer.from(topic), qos: 1, messageId: packetId(), retain: true, dup: false });
      expect((await p.expect('puback')).reasonCode ?? 0).toBe(0);
      const got = await s.expect('publish');
      expect(got.topic).toBe(topic);
      expect(got.retain).toBe(topic === 'rap/kept');
    }
    for (const topic of ['rap/kept', 'rap/cleared']) {
      p.send({ cmd: 'publish', topic, payload: Buffer.alloc(0), qos: 1, messageId: packetId(), retain: true, dup: false }); // clears the retained message
      await p.expect('puback');
      await s.expect('publish');
    }
  });

  it('overlapping subscriptions: one copy at the highest QoS granted, for MQTT 5 and MQTT 3.1.1 clients alike [MQTT-3.3.4-2; 3.1.1: MQTT-3.3.5-1]', async () => {
    const p = await peer('overlap-pub');
    const v5 = await peer('overlap-v5');
    expect(await subscribe5(v5, [{ topic: 'ov/a', qos: 0 }, { topic: 'ov/+', qos: 1 }])).toEqual([0, 1]);
    const { peer: v3 } = await rawMqttConnect(t.mqttPort, { clientId: `${mode}-overlap-v3` });
    v3.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ov/a', qos: 0 }, { topic: 'ov/+', qos: 1 }] });
    expect(((await v3.next()) as { granted?: number[] }).granted).toEqual([0, 1]);
    expect(await publish1(p, 'ov/a', 'once')).toBe(0);
    const got5 = await v5.expect('publish');
    expect([got5.qos, got5.payload?.toString()]).toEqual([1, 'once']);
    v5.send({ cmd: 'puback', messageId: got5.messageId, reasonCode: 0 });
    const got3 = (await v3.next()) as { cmd: string; qos: number; payload: Buffer; messageId: number };
    expect([got3.cmd, got3.qos, got3.payload.toString()]).toEqual(['publish', 1, 'once']);
    v3.send({ cmd: 'puback', messageId: got3.messageId });
    // No second copy: the next message each gets is a later one.
    expect(await publish1(p, 'ov/b', 'next')).toBe(0);
    expect((await v5.expect('publish')).payload?.toString()).toBe('next');
    expect(((await v3.next()) as { payload: Buffer }).payload.toString()).toBe('next');
    v3.destroy();
  });

  it('UNSUBACK: 0x00 for a removed subscription, 0x11 No subscription existed, in the filters\' order [MQTT-3.11.3-1, MQTT-3.11.3-2]', async () => {
    const c = await peer('unsuback');
    expect(await subscribe5(c, [{ topic: 'us/a', qos: 0 }])).toEqual([0]);
    const messageId = packetId();
    c.send({ cmd: 'unsubscribe', messageId, unsubscriptions: ['us/none', 'us/a'] });
    const unsuback = await c.expect('unsuback');
    expect(unsuback.messageId).toBe(messageId);
    expect(unsuback.granted).toEqual([0x11, 0x00]);
    // The subscription is gone: a message to us/a does not arrive before one to a filter still held.
    expect(await subscribe5(c, [{ topic: 'us/still', qos: 0 }])).toEqual([0]);
    expect(await publish1(c, 'us/a', 'gone')).toBe(0);
    await markerArrives(c, c, 'us/still');
  });

  if (aws) {
    it('Subscription Identifiers are not offered (CONNACK 0x29 = 0), and a SUBSCRIBE carrying one gets DISCONNECT 0xA1, the departure explained', async () => {
      const c = await peer('sid-refused');
      expect(c.connack.properties?.subscriptionIdentifiersAvailable).toBe(false);
      c.send({ cmd: 'subscribe', messageId: packetId(), subscriptions: [{ topic: 'sid/+', qos: 0, nl: false, rap: false, rh: 0 }], properties: { subscriptionIdentifier: 5 } });
      const d = await disconnected(c);
      expect(d.reasonCode).toBe(0xa1);
      expect(d.properties?.reasonString).toMatch(/Subscription Identifier/);
      expect(deviationFor(t.logs, 'subscriptionIdentifiers', `${mode}-sid-refused`)).toBeDefined();
    });
  } else {
    it('Subscription Identifiers are available (no 0x29 in CONNACK) [§3.2.2.3.12]; each PUBLISH carries those of every matching subscription [MQTT-3.3.4-3, MQTT-3.3.4-4]', async () => {
      const s = await peer('sid-sub');
      const p = await peer('sid-pub');
      expect(s.connack.properties?.subscriptionIdentifiersAvailable).toBeUndefined();
      expect(await subscribe5(s, [{ topic: 'sid/+', qos: 1 }], { subscriptionIdentifier: 5 })).toEqual([1]);
      expect(await subscribe5(s, [{ topic: 'sid/a', qos: 0 }], { subscriptionIdentifier: 268_435_455 })).toEqual([0]);
      expect(await subscribe5(s, [{ topic: 'sid/#', qos: 0 }])).toEqual([0]); // no identifier
      expect(await publish1(p, 'sid/a', 'both')).toBe(0);
      const both = await s.expect('publish');
      expect(both.payload?.toString()).toBe('both');
      expect(subscriptionIds(both)).toEqual([5, 268_435_455]); // one copy, at the highest QoS [MQTT-3.3.4-2]
      expect(both.qos).toBe(1);
      expect(await publish1(p, 'sid/b', 'one')).toBe(0);
      expect(subscriptionIds(await s.expect('publish'))).toEqual([5]);
      expect(await publish1(p, 'sid/x/y', 'none')).toBe(0);
      expect(subscriptionIds(await s.expect('publish'))).toEqual([]);
    });

    it('a SUBSCRIBE to the same filter replaces the subscription and its identifier [MQTT-3.8.4-3]; UNSUBSCRIBE removes it', async () => {
      const s = await peer('sid-replace');
      expect(await subscribe5(s, [{ topic: 'sr/t', qos: 0 }], { subscriptionIdentifier: 3 })).toEqual([0]);
      expect(await subscribe5(s, [{ topic: 'sr/t', qos: 0 }], { subscriptionIdentifier: 4 })).toEqual([0]);
      expect(await publish1(s, 'sr/t', 'four')).toBe(0);
      expect(subscriptionIds(await s.expect('publish'))).toEqual([4]);
      expect(await subscribe5(s, [{ topic: 'sr/t', qos: 0 }])).toEqual([0]);
      expect(await publish1(s, 'sr/t', 'none')).toBe(0);
      expect(subscriptionIds(await s.expect('publish'))).toEqual([]);
      expect(await subscribe5(s, [{ topic: 'sr/+', qos: 0 }], { subscriptionIdentifier: 8 })).toEqual([0]);
      s.send({ cmd: 'unsubscribe', messageId: packetId(), unsubscriptions: ['sr/+'] });
      expect((await s.expect('unsuback')).granted).toEqual([0]);
      expect(await publish1(s, 'sr/t', 'after')).toBe(0);
      expect(subscriptionIds(await s.expect('publish'))).toEqual([]);
    });

    it('a shared subscription\'s identifier comes with the messages its group sends the member [§4.8.2, MQTT-3.3.4-3]', async () => {
      const s = await peer('sid-shared');
      const p = await peer('sid-shared-pub');
      expect(await subscribe5(s, [{ topic: '$share/sidg/ssh/t', qos: 1 }], { subscriptionIdentifier: 9 })).toEqual([1]);
      expect(await publish1(p, 'ssh/t', 'shared')).toBe(0);
      const got = await s.expect('publish');
      expect([got.topic, got.payload?.toString()]).toEqual(['ssh/t', 'shared']);
      expect(subscriptionIds(got)).toEqual([9]);
    });

    it('a retained message sent on SUBSCRIBE carries the new subscription\'s identifier', async () => {
      const p = await peer('sid-retain-pub');
      p.send({ cmd: 'publish', topic: 'sret/t', payload: Buffer.from('kept'), qos: 1, messageId: packetId(), retain: true, dup: false });
      await p.expect('puback');
      const s = await peer('sid-retain-sub');
      expect(await subscribe5(s, [{ topic: 'sret/#', qos: 0 }], { subscriptionIdentifier: 42 })).toEqual([0]);
      const got = await s.expect('publish');
      expect(got.retain).toBe(true);
      expect(subscriptionIds(got)).toEqual([42]);
    });

    it('a persistent session keeps its subscriptions\' identifiers, also across an engine restart', async () => {
      const id = `${mode}-sid-persistent`;
      const first = await connect5(t.mqttPort, id, { clean: false, properties: { sessionExpiryInterval: 3600 } });
      expect(await subscribe5(first, [{ topic: 'sp/t', qos: 1 }], { subscriptionIdentifier: 77 })).toEqual([1]);
      first.send({ cmd: 'disconnect', reasonCode: 0 });
      await first.peer.closed;
      await t.stop();
      t = await t.restart();
      const p = await peer('sid-persistent-pub');
      expect(await publish1(p, 'sp/t', 'queued')).toBe(0);
      const again = await connect5(t.mqttPort, id, { clean: false, properties: { sessionExpiryInterval: 3600 } });
      open.push(again);
      expect(again.connack.sessionPresent).toBe(true);
      const queued = await again.expect('publish');
      expect(queued.payload?.toString()).toBe('queued');
      expect(subscriptionIds(queued)).toEqual([77]);
      again.send({ cmd: 'puback', messageId: queued.messageId, reasonCode: 0 });
      expect(await publish1(p, 'sp/t', 'live')).toBe(0);
      const live = await again.expect('publish');
      expect(live.payload?.toString()).toBe('live');
      expect(subscriptionIds(live)).toEqual([77]);
    });
  }

  if (!aws) {
    it('a session stored with Subscription Identifiers in standard mode and resumed in aws mode gets messages without them', async () => {
      const standard = await startTestEngine({ mode: 'standard' });
      const clientId = 'sid-mode-switch';
      const first = await connect5(standard.mqttPort, clientId, { clean: false, properties: { sessionExpiryInterval: 3600 } });
      expect(await subscribe5(first, [{ topic: 'msw/t', qos: 1 }], { subscriptionIdentifier: 5 })).toEqual([1]);
      first.send({ cmd: 'disconnect', reasonCode: 0 });
      await first.peer.closed;
      await standard.stop();
      const aws = await startTestEngine({ mode: 'aws', dataDir: standard.dataDir });
      try {
        const again = await connect5(aws.mqttPort, clientId, { clean: false, properties: { sessionExpiryInterval: 3600 } });
        open.push(again);
        expect([again.connack.sessionPresent, again.connack.properties?.subscriptionIdentifiersAvailable]).toEqual([true, false]);
        expect(await publish1(again, 'msw/t', 'plain')).toBe(0);
        const got = await again.expect('publish');
        expect([got.payload?.toString(), subscriptionIds(got)]).toEqual(['plain', []]);
      } finally {
        await aws.stop();
      }
    });
  }

  it('a PUBLISH from a client carrying a Subscription Identifier is a Protocol Error: DISCONNECT 0x82 [MQTT-3.3.4-6]', async () => {
    const c = await peer('sid-in-publish');
    c.send({ cmd: 'publish', topic: 'sip/t', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { subscriptionIdentifier: 1 } });
    const d = await disconnected(c);
    expect(d.reasonCode).toBe(0x82);
    expect(logsAbout(t.logs, `${mode}-sid-in-publish`, /Subscription Identifier/)).not.toHaveLength(0);
  });
});

describe.each(['aws', 'standard'] as const)('MQTT 5 SUBSCRIBE denied by policy (mutual TLS), %s mode', (mode) => {
  let t: TestEngine;
  let creds: { key: string; cert: string; ca: string };
  beforeAll(async () => {
    t = await startTestEngine({ mode });
    creds = await deviceWithPolicy(t.httpUrl, t.dataDir, `sub-policy-${mode}`, [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${ACCOUNT}:topicfilter/allowed/*` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${ACCOUNT}:topic/allowed/*` },
    ]);
  });
  afterAll(() => t?.stop());

  it('SUBACK 0x87 Not authorized for the denied filter alone; the connection stays [MQTT-3.9.3-1]', async () => {
    const c = await connect5(Number(new URL(t.info.endpoints.mqtts!).port), `${mode}-denied-sub`, { creds });
    open.push(c);
    expect(await subscribe5(c, [{ topic: 'allowed/t', qos: 1 }, { topic: 'secret/t', qos: 1 }])).toEqual([1, 0x87]);
    expect(logsAbout(t.logs, `${mode}-denied-sub`, /denied iot:Subscribe .*secret\/t/)).not.toHaveLength(0);
    await markerArrives(c, c, 'allowed/t');
  });
});
