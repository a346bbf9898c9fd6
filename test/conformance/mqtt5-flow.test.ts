/**
 * MQTT 5 flow control from server to client (§4.9): the broker never has more QoS 1 and QoS 2 PUBLISHes
 * unacknowledged at an MQTT 5 client than the Receive Maximum of its CONNECT, and sends the waiting ones as
 * acknowledgements come back — for clean sessions (the broker's batched delivery) and persistent ones (aedes' own
 * path, whose queue resends what waited after a reconnect). QoS 0 is never held back. Raw MQTT 5 peers that choose
 * when to acknowledge, and mqtt.js v5 as a real client; "nothing more arrives" is proved with a QoS 0 marker sent
 * afterwards on the same subscription connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient, type Packet } from 'mqtt';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { rawMqtt5Connect, type RawPeer } from '../integration/helpers/raw-mqtt.js';

type Publish = Packet & { cmd: 'publish'; topic: string; payload: Buffer; qos: number; messageId?: number; dup?: boolean };

let seq = 0;
const uid = (p: string) => `${p}-${process.pid}-${++seq}`;

async function subscribe(peer: RawPeer, subscriptions: Array<{ topic: string; qos: 0 | 1 | 2 }>): Promise<void> {
  peer.send({ cmd: 'subscribe', messageId: 1, subscriptions } as Packet);
  const suback = await peer.next();
  expect(suback.cmd).toBe('suback');
}

/** The next `n` PUBLISHes the peer receives (anything else in between fails the test). */
async function publishes(peer: RawPeer, n: number): Promise<Publish[]> {
  const got: Publish[] = [];
  while (got.length < n) {
    const p = await peer.next();
    expect(p.cmd).toBe('publish');
    got.push(p as Publish);
  }
  return got;
}

const text = (ps: Publish[]) => ps.map((p) => p.payload.toString());

describe.each(['aws', 'standard'] as const)('outbound Receive Maximum in %s mode', (mode) => {
  let t: TestEngine;
  let publisher: MqttClient;
  const peers: RawPeer[] = [];

  beforeAll(async () => {
    // AWS's 100 publishes a second per connection would cut the publisher off in the 105-message case.
    t = await startTestEngine({ mode, limits: { publishesPerSecond: 0 } });
    publisher = await connect(t.mqttPort, { clientId: uid('pub') });
  });
  afterAll(async () => {
    for (const p of peers) p.destroy();
    await publisher.endAsync();
    await t.stop();
    expect(t.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  /** Publishes `payloads` at QoS 1 (each acknowledged to the publisher), then a QoS 0 marker. */
  async function publishThenMark(topic: string, marker: string, payloads: string[]): Promise<void> {
    for (const p of payloads) await publisher.publishAsync(topic, p, { qos: 1 });
    await publisher.publishAsync(marker, 'marker', { qos: 0 });
  }

  it.each([true, false])('holds QoS 1 PUBLISHes beyond the client\'s Receive Maximum and sends them as PUBACKs come back (clean start %s) [MQTT-3.3.4-7] [MQTT-3.3.4-8]', async (clean) => {
    const topic = uid('flow');
    const marker = uid('marker');
    const { peer, connack } = await rawMqtt5Connect(t.mqttPort, {
      clientId: uid('rm2'), clean, properties: { receiveMaximum: 2, ...(clean ? {} : { sessionExpiryInterval: 600 }) },
    });
    peers.push(peer);
    expect(connack.reasonCode).toBe(0);
    await subscribe(peer, [{ topic, qos: 1 }, { topic: marker, qos: 0 }]);

    // Publishers are acknowledged while their messages wait for this subscriber's window.
    await publishThenMark(topic, marker, ['m1', 'm2', 'm3', 'm4', 'm5']);
    const first = await publishes(peer, 3);
    // Two QoS 1 in flight, then the QoS 0 marker, which no window holds back: m3 waits [MQTT-3.3.4-7].
    expect(text(first)).toEqual(['m1', 'm2', 'marker']);
    expect(first[2].qos).toBe(0);

    // Each PUBACK lets exactly one more go, in order [MQTT-3.3.4-8].
    peer.send({ cmd: 'puback', messageId: first[0].messageId } as Packet);
    const [third] = await publishes(peer, 1);
    expect(third.payload.toString()).toBe('m3');
    await publisher.publishAsync(marker, 'marker2', { qos: 0 });
    expect(text(await publishes(peer, 1))).toEqual(['marker2']); // m4 still waits: m2 and m3 are unacknowledged

    peer.send({ cmd: 'puback', messageId: first[1].messageId } as Packet);
    peer.send({ cmd: 'puback', messageId: third.messageId } as Packet);
    const rest = await publishes(peer, 2);
    expect(text(rest)).toEqual(['m4', 'm5']);
    expect(new Set([first[0], first[1], third, ...rest].map((p) => p.messageId)).size).toBe(5);
  });

  it('a PUBACK for a packet identifier the server never sent frees nothing', async () => {
    const topic = uid('flow');
    const marker = uid('marker');
    const { peer } = await rawMqtt5Connect(t.mqttPort, { clientId: uid('rm1'), properties: { receiveMaximum: 1 } });
    peers.push(peer);
    await subscribe(peer, [{ topic, qos: 1 }, { topic: marker, qos: 0 }]);
    await publishThenMark(topic, marker, ['a', 'b']);
    const [a, mark] = await publishes(peer, 2);
    expect(text([a, mark])).toEqual(['a', 'marker']);
    peer.send({ cmd: 'puback', messageId: a.messageId! === 65535 ? 1 : a.messageId! + 1 } as Packet);
    await publisher.publishAsync(marker, 'marker2', { qos: 0 });
    expect(text(await publishes(peer, 1))).toEqual(['marker2']);
    peer.send({ cmd: 'puback', messageId: a.messageId } as Packet);
    expect(text(await publishes(peer, 1))).toEqual(['b']);
  });

  it('a persistent session\'s messages that waited for the window are sent after a reconnect, with a fresh window [MQTT-4.4.0-1]', async () => {
    const topic = uid('flow');
    const clientId = uid('persist');
    const properties = { receiveMaximum: 1, sessionExpiryInterval: 600 };
    const first = await rawMqtt5Connect(t.mqttPort, { clientId, clean: false, properties });
    peers.push(first.peer);
    await subscribe(first.peer, [{ topic, qos: 1 }]);
    for (const p of ['p1', 'p2', 'p3']) await publisher.publishAsync(topic, p, { qos: 1 });
    const [p1] = await publishes(first.peer, 1);
    expect(p1.payload.toString()).toBe('p1');
    first.peer.send({ cmd: 'puback', messageId: p1.messageId } as Packet);
    const [p2] = await publishes(first.peer, 1);
    expect(p2.payload.toString()).toBe('p2');
    // Gone with p2 unacknowledged and p3 waiting.
    first.peer.destroy();
    await first.peer.closed;

    const again = await rawMqtt5Connect(t.mqttPort, { clientId, clean: false, properties: { ...properties, receiveMaximum: 5 } });
    peers.push(again.peer);
    expect(again.connack.sessionPresent).toBe(true);
    const resent = await publishes(again.peer, 2);
    expect(text(resent)).toEqual(['p2', 'p3']);
    for (const p of resent) again.peer.send({ cmd: 'puback', messageId: p.messageId } as Packet);
    await publisher.publishAsync(topic, 'p4', { qos: 1 });
    expect(text(await publishes(again.peer, 1))).toEqual(['p4']);
  });

  it(mode === 'aws'
    ? 'no more than 100 QoS 1 messages are unacknowledged at a client, whatever its Receive Maximum (AWS: Maximum outbound unacknowledged messages)'
    : 'a client without a Receive Maximum may have up to 65,535 unacknowledged, its default (§3.1.2.11.3)', async () => {
    const topic = uid('flow');
    const marker = uid('marker');
    const { peer } = await rawMqtt5Connect(t.mqttPort, { clientId: uid('many') });
    peers.push(peer);
    await subscribe(peer, [{ topic, qos: 1 }, { topic: marker, qos: 0 }]);
    const sent = Array.from({ length: 105 }, (_, i) => `q${i}`);
    await publishThenMark(topic, marker, sent);
    const inFlight = mode === 'aws' ? 100 : 105;
    const got = await publishes(peer, inFlight + 1);
    expect(text(got)).toEqual([...sent.slice(0, inFlight), 'marker']);
    if (mode === 'aws') {
      peer.send({ cmd: 'puback', messageId: got[0].messageId } as Packet);
      expect(text(await publishes(peer, 1))).toEqual(['q100']);
    }
  });

  it('mqtt.js v5 with Receive Maximum 1 gets every QoS 1 message, in order', async () => {
    const topic = uid('flow');
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.mqttPort}`, { protocolVersion: 5, clientId: uid('js'), reconnectPeriod: 0, properties: { receiveMaximum: 1 } });
    try {
      await sub.subscribeAsync(topic, { qos: 1 });
      const got: string[] = [];
      const all = new Promise<void>((resolve) => sub.on('message', (_t, payload) => {
        got.push(payload.toString());
        if (got.length === 20) resolve();
      }));
      const sent = Array.from({ length: 20 }, (_, i) => `n${i}`);
      await Promise.all(sent.map((p) => publisher.publishAsync(topic, p, { qos: 1 })));
      await all;
      expect(got).toEqual(sent);
    } finally {
      await sub.endAsync();
    }
  });
});

describe('outbound Receive Maximum and QoS 2 (standard mode)', () => {
  let t: TestEngine;
  let publisher: MqttClient;
  const peers: RawPeer[] = [];
  beforeAll(async () => {
    t = await startTestEngine({ mode: 'standard' });
    publisher = await connect(t.mqttPort, { clientId: uid('pub2') });
  });
  afterAll(async () => {
    for (const p of peers) p.destroy();
    await publisher.endAsync();
    await t.stop();
  });

  it('a QoS 2 PUBLISH holds its place until PUBCOMP; a PUBREC with an error reason code frees it at once (§4.9)', async () => {
    const topic = uid('flow2');
    const marker = uid('marker');
    const { peer } = await rawMqtt5Connect(t.mqttPort, { clientId: uid('q2'), properties: { receiveMaximum: 1 } });
    peers.push(peer);
    await subscribe(peer, [{ topic, qos: 2 }, { topic: marker, qos: 0 }]);
    for (const p of ['x1', 'x2', 'x3']) await publisher.publishAsync(topic, p, { qos: 2 });
    await publisher.publishAsync(marker, 'marker', { qos: 0 });
    const [x1, mark] = await publishes(peer, 2);
    expect(text([x1, mark])).toEqual(['x1', 'marker']);
    expect(x1.qos).toBe(2);

    peer.send({ cmd: 'pubrec', messageId: x1.messageId } as Packet);
    const pubrel = await peer.next();
    expect(pubrel).toMatchObject({ cmd: 'pubrel', messageId: x1.messageId });
    await publisher.publishAsync(marker, 'marker2', { qos: 0 });
    expect(text(await publishes(peer, 1))).toEqual(['marker2']); // PUBREC 0x00 does not free the window
    peer.send({ cmd: 'pubcomp', messageId: x1.messageId } as Packet);
    const [x2] = await publishes(peer, 1);
    expect(x2.payload.toString()).toBe('x2');

    // PUBREC 0x80 (Unspecified error) ends the exchange: the window moves on (§4.9: "a PUBREC packet with a Return Code greater than or equal to 128").
    peer.send({ cmd: 'pubrec', messageId: x2.messageId, reasonCode: 0x80 } as Packet);
    const next = await peer.next();
    // aedes answers every PUBREC with a PUBREL; the waiting x3 follows
    const after = next.cmd === 'pubrel' ? await peer.next() : next;
    expect(after).toMatchObject({ cmd: 'publish' });
    expect((after as Publish).payload.toString()).toBe('x3');
  });
});
