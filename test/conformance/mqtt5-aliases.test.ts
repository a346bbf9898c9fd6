/**
 * MQTT 5 conformance: Topic Aliases (OASIS MQTT 5.0 §3.3.2.3.4, §3.2.2.3.8), in both broker modes, over raw MQTT 5
 * connections. The broker accepts aliases up to the Topic Alias Maximum its CONNACK gave (aws: 8, AWS IoT Core's
 * documented limit; standard: 64). Towards a client that accepts aliases, standard mode sets and uses its own on QoS 0
 * PUBLISHes; aws mode sends none (AWS documents none). Each case cites the normative statement it checks; every
 * refusal is a DISCONNECT with its reason code and a log line naming the client, and leaves other clients unaffected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { rawMqttConnect } from '../integration/helpers/raw-mqtt.js';
import { connect5, disconnected, logsAbout, markerArrives, publish0, publish1, rawPublish5, subscribe5, type Peer5 } from './helpers/mqtt5-peer.js';

const open: Peer5[] = [];
afterAll(() => open.splice(0).forEach((c) => c.peer.destroy()));

/** The Topic Alias property, as bytes. */
const alias = (n: number) => Buffer.from([0x23, n >> 8, n & 0xff]);

describe.each(['aws', 'standard'] as const)('MQTT 5 Topic Aliases, %s mode', (mode) => {
  const aws = mode === 'aws';
  const maximum = aws ? 8 : 64;
  let t: TestEngine;
  let watcher: Peer5;
  beforeAll(async () => {
    t = await startTestEngine({ mode });
    watcher = await peer('watcher'); // takes no aliases [MQTT-3.3.2-11]
    expect(await subscribe5(watcher, [{ topic: 'al/#', qos: 1 }])).toEqual([1]);
  });
  afterAll(() => t?.stop());

  const id = (name: string) => `${mode}-${name}`;
  async function peer(name: string, opts: Parameters<typeof connect5>[2] = {}): Promise<Peer5> {
    const c = await connect5(t.mqttPort, id(name), opts);
    open.push(c);
    return c;
  }
  /** The watcher's next message: its topic and payload, and that it came with no Topic Alias [MQTT-3.3.2-11]. */
  async function watched(): Promise<[string | undefined, string | undefined]> {
    const got = await watcher.expect('publish');
    expect(got.properties?.topicAlias).toBeUndefined();
    if (got.qos) watcher.send({ cmd: 'puback', messageId: got.messageId, reasonCode: 0 });
    return [got.topic, got.payload?.toString()];
  }
  async function refusedWith(c: Peer5, name: string, reasonCode: number, why: RegExp): Promise<void> {
    const d = await disconnected(c);
    expect(d.reasonCode).toBe(reasonCode);
    expect(d.properties?.reasonString).toMatch(why);
    expect(logsAbout(t.logs, id(name), new RegExp(`DISCONNECT 0x${reasonCode.toString(16)}`))).not.toHaveLength(0);
    await markerArrives(watcher, watcher, 'al/marker'); // other clients unaffected
  }

  it(aws ? 'sends no Topic Alias to a client that accepts them (AWS documents none)' : 'sets and uses Topic Aliases towards a client that accepts them, up to its Topic Alias Maximum [§3.3.2.3.4, MQTT-3.3.2-10]', async () => {
    const taker = await peer('alias-taker', { properties: { topicAliasMaximum: 2 } });
    expect(await subscribe5(taker, [{ topic: 'alias-out/#', qos: 0 }])).toEqual([0]);
    const sender = await peer('alias-sender');
    const sent = ['alias-out/a', 'alias-out/a', 'alias-out/b', 'alias-out/a', 'alias-out/c', 'alias-out/c', 'alias-out/b'];
    sent.forEach((topic, i) => publish0(sender, topic, `m${i}`));
    const seen: Array<[string | undefined, number | undefined, string | undefined]> = [];
    for (let i = 0; i < sent.length; i++) {
      const got = await taker.expect('publish');
      seen.push([got.topic, got.properties?.topicAlias as number | undefined, got.payload?.toString()]);
    }
    expect(seen).toEqual(aws
      ? sent.map((topic, i) => [topic, undefined, `m${i}`])
      // a and b take the two aliases; c, past the client's maximum of 2, always goes in full.
      : [['alias-out/a', 1, 'm0'], ['', 1, 'm1'], ['alias-out/b', 2, 'm2'], ['', 1, 'm3'], ['alias-out/c', undefined, 'm4'], ['alias-out/c', undefined, 'm5'], ['', 2, 'm6']]);
  });

  it(aws ? 'sends no Topic Alias on QoS 1 messages either' : 'uses a Topic Alias already set on QoS 1 messages too, and sets one only on QoS 0 ones [§3.3.2.3.4, MQTT-3.3.2-12]', async () => {
    const taker = await peer('alias-qos1-taker', { properties: { topicAliasMaximum: 2 } });
    expect(await subscribe5(taker, [{ topic: 'alias-q/#', qos: 1 }])).toEqual([1]);
    const sender = await peer('alias-qos1-sender');
    const sent: Array<[string, 0 | 1]> = [['alias-q/b', 1], ['alias-q/a', 0], ['alias-q/a', 1], ['alias-q/b', 0], ['alias-q/b', 1], ['alias-q/c', 1]];
    for (const [i, [topic, qos]] of sent.entries()) {
      if (qos === 1) expect(await publish1(sender, topic, `m${i}`)).toBe(0);
      else publish0(sender, topic, `m${i}`);
    }
    const seen: Array<[string | undefined, number | undefined, number | undefined, string | undefined]> = [];
    for (let i = 0; i < sent.length; i++) {
      const got = await taker.expect('publish');
      if (got.qos) taker.send({ cmd: 'puback', messageId: got.messageId, reasonCode: 0 });
      seen.push([got.topic, got.properties?.topicAlias as number | undefined, got.qos, got.payload?.toString()]);
    }
    expect(seen).toEqual(aws
      ? sent.map(([topic, qos], i) => [topic, undefined, qos, `m${i}`])
      // b's first QoS 1 message sets no alias (it could wait for the Receive Maximum behind QoS 0 ones naming it).
      : [['alias-q/b', undefined, 1, 'm0'], ['alias-q/a', 1, 0, 'm1'], ['', 1, 1, 'm2'], ['alias-q/b', 2, 0, 'm3'], ['', 2, 1, 'm4'], ['alias-q/c', undefined, 1, 'm5']]);
  });

  it('a QoS 1 message held for the Receive Maximum never names an alias the client has not been sent [MQTT-3.3.2-12, MQTT-3.3.4-7]', async () => {
    const taker = await peer('alias-held-taker', { properties: { topicAliasMaximum: 2, receiveMaximum: 1 } });
    expect(await subscribe5(taker, [{ topic: 'alias-h/#', qos: 1 }])).toEqual([1]);
    const sender = await peer('alias-held-sender');
    publish0(sender, 'alias-h/z', 'z0'); // sets z's alias (standard)
    expect(await publish1(sender, 'alias-h/x', 'x1')).toBe(0); // in flight: the window of 1 is full
    expect(await publish1(sender, 'alias-h/y', 'y2')).toBe(0); // held: no alias for y yet, so it carries its topic
    expect(await publish1(sender, 'alias-h/z', 'z3')).toBe(0); // held: may name z's alias, already sent
    publish0(sender, 'alias-h/y', 'y4'); // QoS 0 is never held: goes ahead, and sets y's alias
    const take = async () => {
      const got = await taker.expect('publish');
      return [got.topic, got.properties?.topicAlias as number | undefined, got.payload?.toString(), got.qos, got.messageId] as const;
    };
    const first = [await take(), await take(), await take()];
    expect(first.map(([topic, alias, payload]) => [topic, alias, payload])).toEqual(aws
      ? [['alias-h/z', undefined, 'z0'], ['alias-h/x', undefined, 'x1'], ['alias-h/y', undefined, 'y4']]
      : [['alias-h/z', 1, 'z0'], ['alias-h/x', undefined, 'x1'], ['alias-h/y', 2, 'y4']]);
    const rest: Array<readonly [string | undefined, number | undefined, string | undefined]> = [];
    let inFlight = first[1][4];
    for (let i = 0; i < 2; i++) {
      taker.send({ cmd: 'puback', messageId: inFlight, reasonCode: 0 }); // frees the window for the next held one
      const [topic, alias, payload, , messageId] = await take();
      rest.push([topic, alias, payload]);
      inFlight = messageId;
    }
    expect(rest).toEqual(aws ? [['alias-h/y', undefined, 'y2'], ['alias-h/z', undefined, 'z3']] : [['alias-h/y', undefined, 'y2'], ['', 1, 'z3']]);
  });

  it(`CONNACK gives the Topic Alias Maximum: ${maximum} [§3.2.2.3.8]`, async () => {
    expect(watcher.connack.properties?.topicAliasMaximum).toBe(maximum);
  });

  it('an alias is set by a PUBLISH with a topic and used by one with an empty topic; it can be mapped again [§3.3.2.3.4, MQTT-3.3.2-12]', async () => {
    const c = await peer('set-reuse');
    c.peer.write(rawPublish5('al/first', alias(1), 'set', 1, 1));
    expect((await c.expect('puback')).reasonCode ?? 0).toBe(0);
    expect(await watched()).toEqual(['al/first', 'set']);
    c.peer.write(rawPublish5('', alias(1), 'reused', 1, 2));
    expect((await c.expect('puback')).reasonCode ?? 0).toBe(0);
    expect(await watched()).toEqual(['al/first', 'reused']);
    c.peer.write(rawPublish5('al/second', alias(1), 'remapped', 1, 3));
    await c.expect('puback');
    expect(await watched()).toEqual(['al/second', 'remapped']);
    c.peer.write(rawPublish5('', alias(1), 'again', 0));
    expect(await watched()).toEqual(['al/second', 'again']);
    // The highest alias the CONNACK allowed is accepted.
    c.peer.write(rawPublish5('al/top', alias(maximum), 'max', 1, 4));
    expect((await c.expect('puback')).reasonCode ?? 0).toBe(0);
    expect(await watched()).toEqual(['al/top', 'max']);
  });

  it('Topic Alias 0: DISCONNECT 0x82 Protocol Error [MQTT-3.3.2-8]', async () => {
    const c = await peer('zero');
    c.peer.write(rawPublish5('al/zero', alias(0)));
    await refusedWith(c, 'zero', 0x82, /Topic Alias/);
  });

  it(`a Topic Alias over the maximum (${maximum + 1}): DISCONNECT 0x94 Topic Alias invalid [MQTT-3.3.2-9]`, async () => {
    const c = await peer('over');
    c.peer.write(rawPublish5('al/over', alias(maximum + 1)));
    await refusedWith(c, 'over', 0x94, new RegExp(`Topic Alias Maximum of ${maximum}`));
  });

  it('an empty topic with an alias this connection never set: DISCONNECT 0x82 Protocol Error [§3.3.2.3.4]', async () => {
    const c = await peer('unknown');
    c.peer.write(rawPublish5('', alias(3)));
    await refusedWith(c, 'unknown', 0x82, /never set/);
  });

  it('an empty topic and no alias: DISCONNECT 0x82 Protocol Error [§3.3.2.3.4]', async () => {
    const c = await peer('no-topic');
    c.peer.write(rawPublish5('', Buffer.alloc(0)));
    await refusedWith(c, 'no-topic', 0x82, /neither a topic name nor a Topic Alias/);
  });

  it('aliases belong to one connection: not to another client, not to the same client id\'s next connection [MQTT-3.3.2-7]', async () => {
    const a = await peer('per-connection-a');
    const b = await peer('per-connection-b');
    a.peer.write(rawPublish5('al/a', alias(2), 'a1', 1, 1));
    await a.expect('puback');
    expect(await watched()).toEqual(['al/a', 'a1']);
    b.peer.write(rawPublish5('al/b', alias(2), 'b1', 1, 1));
    await b.expect('puback');
    expect(await watched()).toEqual(['al/b', 'b1']);
    a.peer.write(rawPublish5('', alias(2), 'a2', 1, 2)); // still a's own mapping
    await a.expect('puback');
    expect(await watched()).toEqual(['al/a', 'a2']);
    a.send({ cmd: 'disconnect', reasonCode: 0 });
    await a.peer.closed;
    const again = await peer('per-connection-a');
    again.peer.write(rawPublish5('', alias(2)));
    await refusedWith(again, 'per-connection-a', 0x82, /never set/);
  });

  it('a message published through an alias reaches an MQTT 3.1.1 subscriber on its topic', async () => {
    const { peer: v3 } = await rawMqttConnect(t.mqttPort, { clientId: id('v3-sub') });
    v3.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'al/v3', qos: 0 }] });
    expect((await v3.next()).cmd).toBe('suback');
    const c = await peer('to-v3');
    c.peer.write(rawPublish5('al/v3', alias(5), 'one', 0));
    c.peer.write(rawPublish5('', alias(5), 'two', 0));
    expect(await publish1(c, 'al/v3', 'three')).toBe(0);
    for (const payload of ['one', 'two', 'three']) {
      const got = (await v3.next()) as { cmd: string; topic: string; payload: Buffer };
      expect([got.cmd, got.topic, got.payload.toString()]).toEqual(['publish', 'al/v3', payload]);
    }
    for (let i = 0; i < 3; i++) await watched();
    v3.destroy();
  });
});
