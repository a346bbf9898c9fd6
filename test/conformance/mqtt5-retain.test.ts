/**
 * MQTT 5 retained messages in both modes: Retain Handling 0/1/2 on SUBSCRIBE (OASIS MQTT 5.0 §3.8.3.1), the RETAIN flag
 * of a retained message sent on SUBSCRIBE (§3.3.1.3), and the retained message's own properties, which an MQTT 5
 * subscriber receives as they were published (user properties in order [MQTT-3.3.2-18], read from the bytes on the
 * wire, as mqtt-packet would group them by name), also after a restart. Real engine, raw MQTT 5 peers, mqtt.js v5,
 * the AWS SDK v3's Publish. A retained message that must not be sent is proved absent by a marker published after the
 * SUBACK: it is the next packet. AWS sends retained messages only to a filter equal to the topic (aws mode), so the
 * filters here are topics, except where standard mode's wildcards are the point.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { decodePropertyBlock, type Properties } from '../../engine/broker/mqtt5/properties.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { uid } from '../helpers/broker-clients.js';
import { connect5, markerArrives, subscribe5, type Peer5 } from './helpers/mqtt5-peer.js';

const peers: Peer5[] = [];
const mqttClients: MqttClient[] = [];
afterEach(async () => {
  peers.splice(0).forEach((p) => p.peer.destroy());
  await Promise.all(mqttClients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
});

async function peer(te: TestEngine, clientId = uid('r5'), opts: Parameters<typeof connect5>[2] = {}): Promise<Peer5> {
  const c = await connect5(te.mqttPort, clientId, opts);
  peers.push(c);
  return c;
}

/** Retained message `payload` on `topic`, published by an MQTT 5 client at QoS 1. */
async function retain(te: TestEngine, topic: string, payload: string): Promise<void> {
  const pub = await peer(te);
  const messageId = 60_000 + Math.floor(Math.random() * 5000);
  pub.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, messageId, retain: true, dup: false });
  expect((await pub.expect('puback')).messageId).toBe(messageId);
}

/**
 * The properties of every PUBLISH the broker writes to `c` from now on, decoded from the bytes with the engine's own
 * MQTT 5 property decoder (which keeps User Properties as ordered pairs).
 */
function wireProperties(c: Peer5): Properties[] {
  const seen: Properties[] = [];
  let pending = Buffer.alloc(0);
  c.peer.socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      let length = 0;
      let multiplier = 1;
      let at = 1;
      for (; at < pending.length; at++) {
        length += (pending[at] & 0x7f) * multiplier;
        multiplier *= 128;
        if (!(pending[at] & 0x80)) break;
      }
      if (at >= pending.length || pending.length < at + 1 + length) return;
      const frame = pending.subarray(0, at + 1 + length);
      pending = pending.subarray(at + 1 + length);
      if (frame[0] >> 4 !== 3) continue;
      const qos = (frame[0] >> 1) & 3;
      let offset = at + 1;
      offset += 2 + frame.readUInt16BE(offset);
      if (qos) offset += 2;
      const decoded = decodePropertyBlock(frame, offset, 'publish', frame.length, true);
      if (decoded instanceof Error) throw decoded;
      seen.push(decoded.properties);
    }
  });
  return seen;
}

describe.each(['aws', 'standard'] as const)('MQTT 5 retained messages, %s mode', (mode) => {
  let te: TestEngine;
  let sdk: IoTDataPlaneClient;
  beforeAll(async () => {
    te = await startTestEngine({ mode });
    sdk = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    sdk?.destroy();
    await te?.stop();
    expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('Retain Handling 0: the retained message is sent on every SUBSCRIBE, also one that replaces an existing subscription [MQTT-3.3.1-9]', async () => {
    const topic = uid('rh0');
    await retain(te, topic, 'state');
    const c = await peer(te);
    for (let i = 0; i < 2; i++) {
      expect(await subscribe5(c, [{ topic, qos: 1, rh: 0 }])).toEqual([1]);
      const got = await c.expect('publish');
      expect([got.payload?.toString(), got.retain]).toEqual(['state', true]);
      c.send({ cmd: 'puback', messageId: got.messageId });
    }
  });

  it('Retain Handling 1: sent only if the subscription did not exist [MQTT-3.3.1-10]', async () => {
    const topic = uid('rh1');
    await retain(te, topic, 'state');
    const c = await peer(te);
    expect(await subscribe5(c, [{ topic, qos: 1, rh: 1 }])).toEqual([1]);
    const got = await c.expect('publish');
    expect([got.payload?.toString(), got.retain]).toEqual(['state', true]);
    c.send({ cmd: 'puback', messageId: got.messageId });
    expect(await subscribe5(c, [{ topic, qos: 1, rh: 1 }])).toEqual([1]);
    await markerArrives(await peer(te), c, topic);
  });

  it('Retain Handling 1 after a persistent session resumed: its restored subscription exists, so a SUBSCRIBE gets no retained message', async () => {
    const topic = uid('rh1-session');
    const clientId = uid('rh1-persist');
    await retain(te, topic, 'state');
    let c = await peer(te, clientId, { clean: false, properties: { sessionExpiryInterval: 600 } });
    expect(await subscribe5(c, [{ topic, qos: 1, rh: 1 }])).toEqual([1]);
    c.send({ cmd: 'puback', messageId: (await c.expect('publish')).messageId });
    c.send({ cmd: 'disconnect' });
    await c.peer.closed;
    c = await peer(te, clientId, { clean: false, properties: { sessionExpiryInterval: 600 } });
    expect(c.connack.sessionPresent).toBe(true);
    expect(await subscribe5(c, [{ topic, qos: 1, rh: 1 }])).toEqual([1]);
    await markerArrives(await peer(te), c, topic);
  });

  it('Retain Handling 2: retained messages are never sent on SUBSCRIBE [MQTT-3.3.1-11]; live messages still arrive', async () => {
    const topic = uid('rh2');
    await retain(te, topic, 'state');
    const c = await peer(te);
    expect(await subscribe5(c, [{ topic, qos: 1, rh: 2 }])).toEqual([1]);
    await markerArrives(await peer(te), c, topic);
  });

  it('one SUBSCRIBE with several filters: each filter follows its own Retain Handling', async () => {
    const a = uid('rh-mix-a');
    const b = uid('rh-mix-b');
    await retain(te, a, 'A');
    await retain(te, b, 'B');
    const c = await peer(te);
    expect(await subscribe5(c, [{ topic: a, qos: 1, rh: 2 }, { topic: b, qos: 1, rh: 0 }])).toEqual([1, 1]);
    const got = await c.expect('publish');
    expect([got.topic, got.payload?.toString()]).toEqual([b, 'B']);
    c.send({ cmd: 'puback', messageId: got.messageId });
    await markerArrives(await peer(te), c, a);
  });

  if (mode === 'standard') {
    it('Retain Handling 1 with a wildcard filter: the retained messages it matches on the first SUBSCRIBE, none on the second', async () => {
      const base = uid('rh-wild');
      await retain(te, `${base}/x`, 'X');
      const c = await peer(te);
      expect(await subscribe5(c, [{ topic: `${base}/+`, qos: 1, rh: 1 }])).toEqual([1]);
      const got = await c.expect('publish');
      expect([got.topic, got.retain]).toEqual([`${base}/x`, true]);
      c.send({ cmd: 'puback', messageId: got.messageId });
      expect(await subscribe5(c, [{ topic: `${base}/+`, qos: 1, rh: 1 }])).toEqual([1]);
      await markerArrives(await peer(te), c, `${base}/y`);
    });
  }

  it('a retained message sent on SUBSCRIBE has RETAIN 1 whatever Retain As Published says (§3.3.1.3); live ones follow RAP [MQTT-3.3.1-12]', async () => {
    const topic = uid('rap');
    await retain(te, topic, 'state');
    const c = await peer(te);
    expect(await subscribe5(c, [{ topic, qos: 1, rh: 0, rap: false }])).toEqual([1]);
    const onSubscribe = await c.expect('publish');
    expect(onSubscribe.retain).toBe(true);
    c.send({ cmd: 'puback', messageId: onSubscribe.messageId });
    await retain(te, topic, 'next');
    const live = await c.expect('publish');
    expect([live.payload?.toString(), live.retain]).toEqual(['next', false]);
  });

  it('a retained message keeps its properties for an MQTT 5 subscriber: user properties in order, duplicates included [MQTT-3.3.2-18], also after a restart', async () => {
    const topic = uid('props');
    const userProperties = [{ zone: 'north' }, { alpha: '1' }, { zone: 'south' }];
    await sdk.send(new PublishCommand({
      topic, qos: 1, retain: true, payload: Buffer.from('{"t":1}'), userProperties: JSON.stringify(userProperties),
      contentType: 'application/json', responseTopic: `${topic}/reply`, correlationData: Buffer.from('req-9').toString('base64'),
      payloadFormatIndicator: 'UTF8_DATA',
    }));
    const expected: Properties = {
      payloadFormatIndicator: true, contentType: 'application/json', responseTopic: `${topic}/reply`, correlationData: Buffer.from('req-9'),
      userProperties: [['zone', 'north'], ['alpha', '1'], ['zone', 'south']],
    };
    const check = async (t: TestEngine) => {
      const c = await connect5(t.mqttPort, uid('props-sub'));
      peers.push(c);
      const wire = wireProperties(c);
      expect(await subscribe5(c, [{ topic, qos: 1 }])).toEqual([1]);
      const got = await c.expect('publish');
      expect([got.payload?.toString(), got.retain]).toEqual(['{"t":1}', true]);
      expect(wire).toEqual([expected]);
    };
    await check(te);
    await te.stop();
    te = await te.restart();
    await check(te);
  });

  it('a retained message from an MQTT 5 client (mqtt.js) keeps its properties; an MQTT 3.1.1 subscriber gets it without', async () => {
    const topic = uid('props-mqttjs');
    const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${te.mqttPort}`, { protocolVersion: 5, clientId: uid('pub-js'), reconnectPeriod: 0 });
    mqttClients.push(pub);
    await pub.publishAsync(topic, 'v', { qos: 1, retain: true, properties: { contentType: 'text/plain', userProperties: { k: 'v' } } });
    const c = await peer(te);
    const wire = wireProperties(c);
    expect(await subscribe5(c, [{ topic, qos: 0 }])).toEqual([0]);
    expect((await c.expect('publish')).retain).toBe(true);
    expect(wire).toEqual([{ contentType: 'text/plain', userProperties: [['k', 'v']] }]);
    const sub4 = await mqtt.connectAsync(`mqtt://127.0.0.1:${te.mqttPort}`, { protocolVersion: 4, clientId: uid('sub4'), reconnectPeriod: 0 });
    mqttClients.push(sub4);
    const got4 = new Promise<{ retain: boolean; properties?: object }>((resolve) => sub4.once('message', (_t, _p, packet) => resolve(packet)));
    await sub4.subscribeAsync(topic, { qos: 1 });
    const m4 = await got4;
    expect(m4.retain).toBe(true);
    expect(m4.properties).toBeUndefined();
  });
});
