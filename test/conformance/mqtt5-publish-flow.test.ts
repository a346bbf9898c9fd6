/**
 * MQTT 5 conformance: PUBLISH, its acknowledgements and flow control (OASIS MQTT 5.0 §3.3–§3.7, §4.3, §4.9, §4.13),
 * and bad input on a connection (§2.2.2, §4.13.1), in both broker modes, over raw MQTT 5 connections. Each case cites
 * the normative statement it checks; aws mode's departures (AWS IoT Core: no QoS 2, 100 publishes per second) are
 * asserted from the deviation log. Every refusal leaves the other clients' connections as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import {
  ACCOUNT, connect5, deviationFor, deviceWithPolicy, disconnected, frame, logsAbout, markerArrives, packetId, publish1, rawPublish5, subscribe5, vbi, type Peer5,
} from './helpers/mqtt5-peer.js';

const open: Peer5[] = [];
afterAll(() => open.splice(0).forEach((c) => c.peer.destroy()));

describe.each(['aws', 'standard'] as const)('MQTT 5 PUBLISH and flow control, %s mode', (mode) => {
  const aws = mode === 'aws';
  let t: TestEngine;
  let bystander: Peer5;
  beforeAll(async () => {
    // standard: a Receive Maximum a test can exceed in one write (the default is 65,535).
    t = await startTestEngine({ mode, limits: aws ? {} : { receiveMaximum: 20 } });
    bystander = await peer('bystander');
    expect(await subscribe5(bystander, [{ topic: 'by/t', qos: 1 }])).toEqual([1]);
  });
  afterAll(() => t?.stop());

  const id = (name: string) => `${mode}-${name}`;
  async function peer(name: string, opts: Parameters<typeof connect5>[2] = {}): Promise<Peer5> {
    const c = await connect5(t.mqttPort, id(name), opts);
    open.push(c);
    return c;
  }
  /** `c` is refused with DISCONNECT `reasonCode`, logged naming it; the bystander's connection is unaffected. */
  async function refusedWith(c: Peer5, name: string, reasonCode: number, why: RegExp): Promise<void> {
    const d = await disconnected(c);
    expect(d.reasonCode).toBe(reasonCode);
    expect(d.properties?.reasonString).toMatch(why);
    expect(logsAbout(t.logs, id(name), new RegExp(`DISCONNECT 0x${reasonCode.toString(16)}|"deviation"`))).not.toHaveLength(0);
    await markerArrives(bystander, bystander, 'by/t');
  }

  it('QoS 1: PUBACK 0x00 with the packet identifier; the subscriber gets the message with its properties [MQTT-3.3.4-1, §4.3.2]', async () => {
    const s = await peer('q1-sub');
    const p = await peer('q1-pub');
    expect(await subscribe5(s, [{ topic: 'q1/t', qos: 1 }])).toEqual([1]);
    expect(await publish1(p, 'q1/t', 'one', { contentType: 'text/plain', userProperties: { a: '1' } })).toBe(0);
    const got = await s.expect('publish');
    expect([got.qos, got.payload?.toString(), got.properties?.contentType, got.properties?.userProperties]).toEqual([1, 'one', 'text/plain', { a: '1' }]);
    s.send({ cmd: 'puback', messageId: got.messageId, reasonCode: 0 });
  });

  if (aws) {
    it('QoS 2 where CONNACK said Maximum QoS 1: DISCONNECT 0x9B QoS not supported [MQTT-3.2.2-12], the departure explained', async () => {
      const c = await peer('qos2');
      c.send({ cmd: 'publish', topic: 'q2/t', payload: Buffer.from('x'), qos: 2, messageId: packetId(), retain: false, dup: false });
      await refusedWith(c, 'qos2', 0x9b, /QoS 2/);
      expect(deviationFor(t.logs, 'qos2Publish', id('qos2'))).toBeDefined();
    });

    it('over AWS\'s 100 publishes per second per connection: PUBACK 0x97 Quota exceeded, the connection stays, the departure explained', async () => {
      const c = await peer('rate');
      const ids = Array.from({ length: 130 }, () => packetId());
      c.peer.write(Buffer.concat(ids.map((messageId) => rawPublish5('rate/t', Buffer.alloc(0), 'x', 1, messageId))));
      const codes = new Map<number, number>();
      while (codes.size < ids.length) {
        const ack = await c.expect('puback');
        codes.set(ack.messageId!, ack.reasonCode ?? 0);
      }
      const refused = [...codes.values()].filter((r) => r === 0x97).length;
      expect(refused).toBeGreaterThan(0);
      expect(codes.get(ids[0])).toBe(0);
      expect(deviationFor(t.logs, 'publishThrottled', id('rate'))).toBeDefined();
      expect(await subscribe5(c, [{ topic: 'rate/marker', qos: 0 }])).toEqual([0]); // still connected
    });
  } else {
    it('QoS 2 both ways: PUBREC, PUBREL, PUBCOMP, and the message delivered exactly once at QoS 2 [MQTT-4.3.3-*, §4.3.3]', async () => {
      const s = await peer('q2-sub');
      const p = await peer('q2-pub');
      expect(await subscribe5(s, [{ topic: 'q2/t', qos: 2 }])).toEqual([2]);
      const messageId = packetId();
      p.send({ cmd: 'publish', topic: 'q2/t', payload: Buffer.from('two'), qos: 2, messageId, retain: false, dup: false });
      const pubrec = await p.expect('pubrec');
      expect([pubrec.messageId, pubrec.reasonCode ?? 0]).toEqual([messageId, 0]);
      p.send({ cmd: 'pubrel', messageId, reasonCode: 0 });
      expect((await p.expect('pubcomp')).messageId).toBe(messageId);
      const got = await s.expect('publish');
      expect([got.qos, got.payload?.toString()]).toEqual([2, 'two']);
      s.send({ cmd: 'pubrec', messageId: got.messageId, reasonCode: 0 });
      expect((await s.expect('pubrel')).messageId).toBe(got.messageId);
      s.send({ cmd: 'pubcomp', messageId: got.messageId, reasonCode: 0 });
      await markerArrives(p, s, 'q2/t'); // no second copy came before it
    });

    it('no publish rate limit in the specification: 130 QoS 1 publishes in one write are all acknowledged 0x00', async () => {
      const c = await peer('rate');
      const ids = Array.from({ length: 130 }, () => packetId());
      c.peer.write(Buffer.concat(ids.map((messageId) => rawPublish5('rate/t', Buffer.alloc(0), 'x', 1, messageId))));
      for (let i = 0; i < ids.length; i++) {
        const ack = await c.expect('puback');
        expect([ack.messageId, ack.reasonCode ?? 0]).toEqual([ids[i], 0]); // in order [MQTT-4.6.0-2]
      }
    });
  }

  it('more unacknowledged QoS 1 PUBLISHes than the Receive Maximum CONNACK gave: DISCONNECT 0x93 [MQTT-3.3.4-9]', async () => {
    // A persistent QoS 1 subscription makes each publish wait for the journal before its PUBACK: acknowledgements lag.
    const keeper = await peer('receive-max-keeper', { clean: false, properties: { sessionExpiryInterval: 60 } });
    expect(await subscribe5(keeper, [{ topic: 'rm/t', qos: 1 }])).toEqual([1]);
    const c = await peer('receive-max');
    const max = c.connack.properties?.receiveMaximum as number;
    expect(max).toBe(aws ? 100 : 20);
    // All in one write: the broker reads them before it can acknowledge any.
    const burst = Array.from({ length: max + 1 }, () => rawPublish5('rm/t', Buffer.alloc(0), 'x', 1, packetId()));
    c.peer.write(Buffer.concat(burst));
    const d = await (async () => {
      for (;;) {
        const p = await c.peer.next();
        if (p.cmd === 'disconnect') return p as { reasonCode?: number };
        expect(p.cmd).toBe('puback');
      }
    })();
    expect(d.reasonCode).toBe(0x93);
    await c.peer.closed;
    expect(logsAbout(t.logs, id('receive-max'), /DISCONNECT 0x93/)).not.toHaveLength(0);
    await markerArrives(bystander, bystander, 'by/t');
  }, 60_000);

  it('a packet larger than the Maximum Packet Size CONNACK gave: DISCONNECT 0x95 Packet too large, before it is read [MQTT-3.2.2-15, §3.2.2.3.6]', async () => {
    const c = await peer('too-large');
    const max = c.connack.properties?.maximumPacketSize as number;
    // Only the fixed header and a few bytes: the broker refuses on the Remaining Length alone.
    c.peer.write(Buffer.concat([Buffer.from([0x30]), vbi(max), Buffer.from([0, 1, 0x61])]));
    await refusedWith(c, 'too-large', 0x95, /exceeds/);
  });

  it('the client\'s Maximum Packet Size: a message that would not fit is not sent to it [MQTT-3.1.2-24, MQTT-3.1.2-25]', async () => {
    const s = await peer('small-sub', { properties: { maximumPacketSize: 256 } });
    const p = await peer('small-pub');
    expect(await subscribe5(s, [{ topic: 'mps/t', qos: 1 }])).toEqual([1]);
    expect(await publish1(p, 'mps/t', 'x'.repeat(400))).toBe(0); // accepted from the publisher, too large for s
    await markerArrives(p, s, 'mps/t');
  });

  it('a property not allowed in PUBLISH (Session Expiry Interval): DISCONNECT 0x81 Malformed Packet [§2.2.2.2]', async () => {
    const c = await peer('wrong-property');
    c.peer.write(rawPublish5('wp/t', Buffer.from([0x11, 0, 0, 0, 5])));
    await refusedWith(c, 'wrong-property', 0x81, /not allowed in PUBLISH/);
  });

  it('a property twice (Content Type): DISCONNECT 0x82 Protocol Error [§3.3.2.3.9]', async () => {
    const c = await peer('dup-property');
    const contentType = Buffer.from([0x03, 0, 1, 0x61]);
    c.peer.write(rawPublish5('dp/t', Buffer.concat([contentType, contentType])));
    await refusedWith(c, 'dup-property', 0x82, /more than once/);
  });

  it('Payload Format Indicator 2: DISCONNECT 0x82 Protocol Error [§3.3.2.3.2]', async () => {
    const c = await peer('pfi-2');
    c.peer.write(rawPublish5('pfi/t', Buffer.from([0x01, 0x02])));
    await refusedWith(c, 'pfi-2', 0x82, /Payload Format Indicator/);
  });

  it('a Response Topic with a wildcard: DISCONNECT 0x82 Protocol Error [MQTT-3.3.2-14]', async () => {
    const c = await peer('response-wildcard');
    c.peer.write(rawPublish5('rw/t', Buffer.from([0x08, 0, 3, 0x61, 0x2f, 0x23]))); // "a/#"
    await refusedWith(c, 'response-wildcard', 0x82, /wildcard/);
  });

  it('a PUBLISH with QoS 1 and packet identifier 0: DISCONNECT 0x82 Protocol Error [MQTT-2.2.1-3]', async () => {
    const c = await peer('id-zero');
    c.peer.write(rawPublish5('iz/t', Buffer.alloc(0), 'x', 1, 0));
    await refusedWith(c, 'id-zero', 0x82, /identifier 0/);
  });

  it('a truncated property block: DISCONNECT 0x81 Malformed Packet [§2.2.2.1]', async () => {
    const c = await peer('truncated');
    // Property Length 9, but the packet ends after 2 bytes of it.
    c.peer.write(frame(0x30, Buffer.from([0, 2, 0x74, 0x2f]), vbi(9), Buffer.from([0x01, 0x01])));
    await refusedWith(c, 'truncated', 0x81, /runs past|cut short|Property Length/);
  });
});

describe.each(['aws', 'standard'] as const)('MQTT 5 PUBLISH denied by policy (mutual TLS), %s mode', (mode) => {
  let t: TestEngine;
  let creds: { key: string; cert: string; ca: string };
  beforeAll(async () => {
    t = await startTestEngine({ mode });
    creds = await deviceWithPolicy(t.httpUrl, t.dataDir, `pub-policy-${mode}`, [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${ACCOUNT}:topicfilter/allowed/*` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${ACCOUNT}:topic/allowed/*` },
    ]);
  });
  afterAll(() => t?.stop());

  it('PUBACK 0x87 Not authorized, and the connection stays [§3.4.2.1]', async () => {
    const clientId = `${mode}-denied-pub`;
    const c = await connect5(Number(new URL(t.info.endpoints.mqtts!).port), clientId, { creds });
    open.push(c);
    expect(await subscribe5(c, [{ topic: 'allowed/t', qos: 1 }])).toEqual([1]);
    expect(await publish1(c, 'secret/t', 'no')).toBe(0x87);
    expect(logsAbout(t.logs, clientId, /denied iot:Publish .*secret\/t/)).not.toHaveLength(0);
    await markerArrives(c, c, 'allowed/t');
  });
});
