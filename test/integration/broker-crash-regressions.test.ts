/**
 * Input that once killed the engine, over raw sockets, in both broker modes:
 * - a client's publish of `null` to `$aws/events/presence/connected/{id}` was taken for a lifecycle event by the
 *   registry's connectivity tracker (TypeError, process exit). A client's publish there is data (standard mode) or
 *   refused as AWS refuses it (aws mode), and in neither case changes anyone's connectivity;
 * - CONNECT, a 70 KB PUBLISH and UNSUBSCRIBE in one write, before CONNACK: the PUBLISH spans socket reads, and aedes
 *   handled the packets of the later read before the CONNECT completed, with no client id yet (TypeError). They are
 *   processed after the CONNECT, in order [MQTT-3.1.4-5]; SUBSCRIBE and PUBLISH likewise;
 * - HTTP Publish to a topic of more than 100 levels answered 500 from aedes' level limit: it is a 400.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { randomBytes } from 'node:crypto';
import mqttPacket, { type Packet } from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { IoTClient, CreateThingCommand, CreateTopicRuleCommand } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { startTestEngine, connect, nextMessages, type TestEngine } from '../helpers/engine.js';
import { deviationLogs, uid } from '../helpers/broker-clients.js';
import { rawConnect, rawMqttConnect, type RawPeer } from './helpers/raw-mqtt.js';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

describe.each(['aws', 'standard'] as const)('crash regressions (%s mode)', (mode) => {
  let te: TestEngine;
  const clients: MqttClient[] = [];
  const peers: RawPeer[] = [];

  beforeEach(async () => {
    te = await startTestEngine({ mode });
  });

  afterEach(async () => {
    peers.splice(0).forEach((p) => p.destroy());
    for (const c of clients.splice(0)) await c.endAsync(true).catch(() => {});
    await te.stop();
    expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  async function client(clientId = uid('c')): Promise<MqttClient> {
    const c = await connect(te.mqttPort, { clientId });
    clients.push(c);
    return c;
  }

  /** The engine still serves: a new client publishes and receives its own message. */
  async function expectStillServing(): Promise<void> {
    const c = await client();
    await c.subscribeAsync('ok/alive', { qos: 1 });
    const got = nextMessages(c, 1);
    await c.publishAsync('ok/alive', 'yes', { qos: 1 });
    expect((await got)[0].payload.toString()).toBe('yes');
  }

  const connectivity = async (thing: string) => (await te.engine.api.registry.thing(thing)).connectivity;

  it("a client's publish to $aws/events/presence/… is never taken for a lifecycle event", async () => {
    const thing = uid('lamp');
    const iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
    await iot.send(new CreateThingCommand({ thingName: thing }));
    iot.destroy();
    const watcher = await client();
    const seen: Array<{ topic: string; payload: string }> = [];
    watcher.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
    await watcher.subscribeAsync(`$aws/events/presence/+/${thing}`, { qos: 1 });
    const lamp = await client(thing);
    await expect.poll(() => seen.length).toBe(1); // the broker's own connected event
    expect(await connectivity(thing)).toMatchObject({ connected: true });

    const { peer } = await rawMqttConnect(te.mqttPort, { clientId: uid('forger') });
    peers.push(peer);
    const forged = [
      { topic: `$aws/events/presence/connected/${thing}`, payload: 'null' },
      { topic: `$aws/events/presence/disconnected/${thing}`, payload: JSON.stringify({ clientId: thing, eventType: 'disconnected', versionNumber: 99, timestamp: 1, disconnectReason: 'CONNECTION_LOST' }) },
      { topic: `$aws/events/presence/connected/${thing}`, payload: '[]' },
    ];
    forged.forEach((f, i) => peer.send({ cmd: 'publish', topic: f.topic, payload: Buffer.from(f.payload), qos: 1, messageId: i + 1, retain: false, dup: false }));

    if (mode === 'standard') {
      // Data like any other: acknowledged and delivered as sent.
      for (let i = 1; i <= forged.length; i++) expect(await peer.next()).toMatchObject({ cmd: 'puback', messageId: i });
      await expect.poll(() => seen.length).toBe(1 + forged.length);
      expect(seen.slice(1)).toEqual(forged);
    } else {
      // AWS: clients may not publish to lifecycle topics; the connection is closed, nothing is acknowledged or delivered.
      expect(await peer.closesWithin(5000)).toBe(true);
      expect(peer.inbox.filter((p) => p.cmd === 'puback')).toEqual([]);
      expect(deviationLogs(te.logs, 'reservedTopic')).toContainEqual(expect.objectContaining({
        details: expect.objectContaining({ deviation: 'reservedTopic', topic: forged[0].topic }),
      }));
    }
    expect(await connectivity(thing)).toMatchObject({ connected: true });

    // HTTP Publish is a client's message too, whatever the topic: delivered as data, never taken for an event.
    const data = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
    const before = seen.length;
    await data.send(new PublishCommand({ topic: forged[1].topic, payload: Buffer.from(forged[1].payload), qos: 1 }));
    data.destroy();
    await expect.poll(() => seen.length).toBe(before + 1);
    expect(seen[before]).toEqual(forged[1]);
    expect(await connectivity(thing)).toMatchObject({ connected: true });

    // The broker's own disconnected event still counts, and is the next thing the watcher hears (marker for aws mode).
    await lamp.endAsync();
    await expect.poll(() => seen.length).toBe(mode === 'standard' ? 3 + forged.length : 3);
    expect(JSON.parse(seen[seen.length - 1].payload)).toMatchObject({ clientId: thing, disconnectReason: 'CLIENT_INITIATED_DISCONNECT' });
    expect(await connectivity(thing)).toMatchObject({ connected: false, disconnectReason: 'CLIENT_INITIATED_DISCONNECT' });
    await expectStillServing();
  });

  it("a rule's republish onto $aws/events/presence/… is the user's data, never a lifecycle event", async () => {
    const thing = uid('lamp');
    const iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
    await iot.send(new CreateThingCommand({ thingName: thing }));
    await iot.send(new CreateTopicRuleCommand({
      ruleName: uid('forge').replace(/-/g, '_'),
      topicRulePayload: {
        sql: "SELECT 'CONNECTION_LOST' AS disconnectReason, clientid() AS clientId, 'disconnected' AS eventType, 99 AS versionNumber, 1 AS timestamp FROM 'forge/in'",
        awsIotSqlVersion: '2016-03-23',
        actions: [{ republish: { topic: `$$aws/events/presence/disconnected/${thing}`, roleArn: 'arn:aws:iam::000000000000:role/r', qos: 1 } }],
      },
    }));
    iot.destroy();
    const watcher = await client();
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    await watcher.subscribeAsync(`$aws/events/presence/+/${thing}`, { qos: 1 });
    await client(thing);
    await expect.poll(() => seen.length).toBe(1); // the broker's own connected event
    expect(await connectivity(thing)).toMatchObject({ connected: true });

    const device = await client();
    await device.publishAsync('forge/in', '{}', { qos: 1 });
    await expect.poll(() => seen.length).toBe(2); // the republish reached subscribers as data
    expect(await connectivity(thing)).toMatchObject({ connected: true });
  });

  /** Writes `packets` in one socket write and collects what comes back. */
  async function burst(packets: Packet[]): Promise<RawPeer> {
    const peer = await rawConnect(te.mqttPort);
    peers.push(peer);
    peer.write(Buffer.concat(packets.map((p) => mqttPacket.generate(p))));
    return peer;
  }

  const connectPacket = (clientId: string): Packet => ({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 60 });

  it('CONNECT, a 70 KB PUBLISH and UNSUBSCRIBE in one write: handled after CONNACK, in order', async () => {
    const id = uid('fast');
    const bystander = await client();
    await bystander.subscribeAsync('ok/#', { qos: 1 });
    const watcher = await client();
    await watcher.subscribeAsync(`$aws/events/subscriptions/unsubscribed/${id}`, { qos: 1 });
    const delivered = nextMessages(bystander, 1);
    const unsubscribed = nextMessages(watcher, 1);
    const payload = randomBytes(70 * 1024);
    const peer = await burst([
      connectPacket(id),
      { cmd: 'publish', topic: 'ok/fast', payload, qos: 1, messageId: 1, retain: false, dup: false },
      { cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['a/b'] },
    ]);
    expect(await peer.next()).toMatchObject({ cmd: 'connack', returnCode: 0 });
    expect(await peer.next()).toMatchObject({ cmd: 'puback', messageId: 1 });
    expect(await peer.next()).toMatchObject({ cmd: 'unsuback', messageId: 2 });
    expect((await delivered)[0].payload.equals(payload)).toBe(true);
    expect(JSON.parse((await unsubscribed)[0].payload.toString())).toMatchObject({ clientId: id, eventType: 'unsubscribed', topics: ['a/b'] });
    await expectStillServing();
  });

  it('CONNECT, SUBSCRIBEs and PUBLISHes in one write, spanning reads: handled after CONNACK, subscribed in time', async () => {
    const id = uid('eager');
    const [first, second] = [`ok/${id}/1`, `ok/${id}/2`];
    const big = randomBytes(70 * 1024);
    const peer = await burst([
      connectPacket(id),
      { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: first, qos: 1 }] },
      { cmd: 'publish', topic: first, payload: big, qos: 1, messageId: 2, retain: false, dup: false },
      // From here on, a later socket read than the CONNECT's.
      { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: second, qos: 1 }] },
      { cmd: 'publish', topic: second, payload: Buffer.from('after'), qos: 1, messageId: 4, retain: false, dup: false },
      { cmd: 'pingreq' },
    ]);
    expect(await peer.next()).toMatchObject({ cmd: 'connack', returnCode: 0 });
    // After CONNACK, aedes handles the held packets as it handles one read's packets at any time: together, so a
    // SUBACK may follow a later PUBACK (the server may publish before the SUBACK [MQTT-3.8.4-4]).
    const rest: Packet[] = [];
    while (!rest.some((p) => p.cmd === 'pingresp') || rest.filter((p) => p.cmd === 'publish').length < 2) rest.push(await peer.next());
    expect(rest.filter((p) => p.cmd === 'suback')).toEqual([
      expect.objectContaining({ messageId: 1, granted: [1] }), expect.objectContaining({ messageId: 3, granted: [1] }),
    ]);
    expect(rest.filter((p) => p.cmd === 'puback').map((p) => p.messageId)).toEqual([2, 4]); // [MQTT-4.6.0-2]
    const own = rest.filter((p): p is mqttPacket.IPublishPacket => p.cmd === 'publish');
    expect(own.map((p) => p.topic)).toEqual([first, second]);
    expect((own[0].payload as Buffer).equals(big)).toBe(true);
    expect(own[1].payload.toString()).toBe('after');
    await expectStillServing();
  });
});

describe('topic levels (standard mode)', () => {
  let te: TestEngine;

  beforeEach(async () => {
    te = await startTestEngine({ mode: 'standard' });
  });

  afterEach(async () => {
    await te.stop();
    expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  // aws mode stops at 8 levels already (the same 400, from AWS's limit); standard mode has no limit of its own.
  it('HTTP Publish to a topic of 101 levels is a 400, and 100 levels are fine (the broker never throws)', async () => {
    const data = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
    const sub = await connect(te.mqttPort);
    try {
      const deep = Array.from({ length: 101 }, (_, i) => `l${i}`).join('/');
      const err = await data.send(new PublishCommand({ topic: deep, payload: Buffer.from('x') })).then(() => null, (e: unknown) => e);
      expect(err).toMatchObject({ name: 'InvalidRequestException', $metadata: { httpStatusCode: 400 } });
      expect((err as Error).message).toMatch(/100 levels/);
      await expect(te.engine.api.broker.publish({ topic: deep, payload: 'x' })).rejects.toMatchObject({ code: 'InvalidInput' });

      const hundred = Array.from({ length: 100 }, (_, i) => `l${i}`).join('/');
      await sub.subscribeAsync(hundred, { qos: 1 });
      const got = nextMessages(sub, 1);
      await data.send(new PublishCommand({ topic: hundred, payload: Buffer.from('deep'), qos: 1 }));
      expect((await got)[0].payload.toString()).toBe('deep');
      await sub.publishAsync('ok/alive', 'still', { qos: 1 });
    } finally {
      data.destroy();
      await sub.endAsync(true);
    }
  });
});
