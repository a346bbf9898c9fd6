/**
 * Shared subscriptions, `$share/{ShareName}/{TopicFilter}`, for MQTT 3.1.1 clients in both broker modes, seen from
 * real clients over real sockets (mqtt.js, raw mqtt-packet sockets, mosquitto_sub).
 *
 * AWS: https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt5-shared-subscription — shared
 * subscriptions for MQTT 3.1.1 and MQTT 5; a message goes to one (random) member of each group; ShareName at most
 * 128 characters without '/', '+' or '#'; the `$share/{ShareName}/` prefix is not counted in the filter's limits;
 * no retained messages on subscribe; messages queued for an offline persistent member.
 * MQTT 5 §4.8.2: [MQTT-4.8.2-1] / [MQTT-4.8.2-2] the filter's form, [MQTT-4.8.2-3] the member's granted QoS.
 *
 * Negatives ("this client got nothing more") are proved with a marker: every member also holds an ordinary
 * subscription to its own marker topic, and once the marker published after the data has arrived, every message
 * dispatched to it before has too (one connection's deliveries keep their order).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import type { IClientOptions, MqttClient } from 'mqtt';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { closeAll, deviationLogs, eventually, open, RawClient, run, uid, on, type Recorded } from '../helpers/broker-clients.js';
import { closed, tlsConnect, type Credentials } from './helpers/tls-client.js';
import { startCli, type RunningCli } from './helpers/cli-process.js';
import { tempDir } from '../helpers/temp-dirs.js';

const payloads = (messages: Recorded['messages'], topic: string) => on(messages, topic).map((m) => m.payload.toString());

describe.each(['aws', 'standard'] as const)('shared subscriptions (%s mode)', (mode) => {
  let te: TestEngine;
  const clients: Array<MqttClient | RawClient> = [];

  beforeAll(async () => {
    te = await startTestEngine({ mode });
  });
  afterEach(() => closeAll(clients));
  afterAll(async () => {
    await closeAll(clients);
    await te?.stop();
    expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  async function client(opts: IClientOptions = {}): Promise<Recorded & { id: string }> {
    const id = (opts.clientId as string | undefined) ?? uid(`m-${mode}`);
    const r = await open(te.mqttPort, { clientId: id, ...opts });
    clients.push(r.client);
    return { ...r, id };
  }

  /** A member of `$share/{share}/{filter}` (granted `qos`) that also listens on its own marker topic. */
  async function member(share: string, filter: string, qos: 0 | 1 = 1, opts: IClientOptions = {}) {
    const c = await client(opts);
    const marker = `marker/${c.id}`;
    const granted = await c.client.subscribeAsync([`$share/${share}/${filter}`, marker], { qos });
    expect(granted.map((g) => g.qos)).toEqual([qos, qos]);
    return { ...c, marker };
  }

  /** Publishes a marker to each member and waits for them all: whatever was dispatched to them before has arrived. */
  async function settle(pub: MqttClient, members: Array<Recorded & { marker: string }>) {
    const n = members.map((m) => on(m.messages, m.marker).length);
    for (const m of members) await pub.publishAsync(m.marker, 'marker', { qos: 1 });
    await until(() => members.every((m, i) => on(m.messages, m.marker).length > n[i]), 5000, 'markers');
  }

  it('each message goes to exactly one member of each group; an ordinary subscriber gets them all', async () => {
    const topic = uid('work');
    const a1 = await member('g1', topic);
    const a2 = await member('g1', topic);
    const b1 = await member('g2', topic);
    const b2 = await member('g2', topic);
    const plain = await client();
    await plain.client.subscribeAsync(topic, { qos: 1 });
    const pub = await client();
    const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
    for (const p of sent) await pub.client.publishAsync(topic, p, { qos: 1 });
    await settle(pub.client, [a1, a2, b1, b2]);
    await until(() => on(plain.messages, topic).length === sent.length);

    for (const [x, y] of [[a1, a2], [b1, b2]]) {
      const got = [...payloads(x.messages, topic), ...payloads(y.messages, topic)];
      expect(got.sort()).toEqual([...sent].sort()); // exactly once per group
      if (mode === 'standard') {
        // Standard mode takes the members in turn.
        expect(payloads(x.messages, topic).length).toBe(10);
        expect(payloads(y.messages, topic).length).toBe(10);
      } else {
        // AWS picks a random member: with 20 messages both are all but certain to get some.
        expect(payloads(x.messages, topic).length).toBeGreaterThan(0);
        expect(payloads(y.messages, topic).length).toBeGreaterThan(0);
      }
    }
    expect(payloads(plain.messages, topic)).toEqual(sent);
    // Delivered on the topic published, never on the `$share/…` filter.
    expect([a1, a2, b1, b2].flatMap((m) => m.messages).filter((m) => m.topic.startsWith('$share'))).toEqual([]);
  });

  it('wildcard filters: a group on a/+/c shares what matches, and a leading wildcard does not take $ topics [MQTT-4.7.2-1]', async () => {
    const base = uid('wild');
    const m1 = await member('w', `${base}/+/c`);
    const m2 = await member('w', `${base}/+/c`);
    const hash = await member('h', '#');
    const pub = await client();
    await pub.client.publishAsync(`${base}/x/c`, '1', { qos: 1 });
    await pub.client.publishAsync(`${base}/y/c`, '2', { qos: 1 });
    await pub.client.publishAsync(`${base}/y/d`, 'no', { qos: 1 });
    await settle(pub.client, [m1, m2, hash]);
    const got = [...m1.messages, ...m2.messages].filter((m) => m.topic.startsWith(base)).map((m) => m.payload.toString());
    expect(got.sort()).toEqual(['1', '2']);
    // '#' shares every non-$ topic, and no lifecycle event ($aws/events/…) reached it.
    expect(hash.messages.filter((m) => m.topic.startsWith('$'))).toEqual([]);
    expect(hash.messages.filter((m) => m.topic.startsWith(base)).map((m) => m.payload.toString()).sort()).toEqual(['1', '2', 'no']);
  });

  it('a member is sent the message at no more than the QoS it was granted [MQTT-4.8.2-3]', async () => {
    const topic = uid('qos');
    const q0 = await member('q', topic, 0);
    const pub = await client();
    await pub.client.publishAsync(topic, 'x', { qos: 1 });
    await settle(pub.client, [q0]);
    expect(on(q0.messages, topic).map((m) => m.qos)).toEqual([0]);
  });

  it(mode === 'aws' ? "AWS's '#' does not match its parent level in a shared filter either" : "'#' matches its parent level in a shared filter (MQTT 3.1.1 §4.7.1.2)", async () => {
    const base = uid('parent');
    const m = await member('hp', `${base}/#`);
    const pub = await client();
    await pub.client.publishAsync(base, 'parent', { qos: 1 });
    await pub.client.publishAsync(`${base}/child`, 'child', { qos: 1 });
    await settle(pub.client, [m]);
    const got = m.messages.filter((x) => x.topic.startsWith(base)).map((x) => x.payload.toString());
    expect(got).toEqual(mode === 'aws' ? ['child'] : ['parent', 'child']);
    if (mode === 'aws') expect(deviationLogs(te.logs, 'hashParent').some((l) => l.details?.filter === `${base}/#`)).toBe(true);
  });

  if (mode === 'standard') {
    it('a member granted QoS 2 gets a QoS 2 message at QoS 2 [MQTT-4.8.2-3]', async () => {
      const topic = uid('qos2');
      const c = await client();
      expect((await c.client.subscribeAsync(`$share/q2/${topic}`, { qos: 2 }))[0].qos).toBe(2);
      const pub = await client();
      await pub.client.publishAsync(topic, 'x', { qos: 2 });
      await until(() => on(c.messages, topic).length === 1);
      expect(on(c.messages, topic)[0].qos).toBe(2);
    });
  }

  it('a persistent member taken over by a new connection with its client id stays one member; a clean take-over ends it', async () => {
    const topic = uid('takeover');
    const id = uid('taken');
    const first = await member('t', topic, 1, { clientId: id, clean: false });
    const second = await client({ clientId: id, clean: false });
    expect(second.connack.sessionPresent).toBe(true);
    await first.closed;
    const pub = await client();
    for (let i = 0; i < 3; i++) await pub.client.publishAsync(topic, `m${i}`, { qos: 1 });
    await until(() => on(second.messages, topic).length === 3);
    expect(payloads(second.messages, topic)).toEqual(['m0', 'm1', 'm2']);
    // A clean session with the same id has no subscriptions: the group is gone, nothing is queued for the old session.
    const third = await client({ clientId: id, clean: true });
    await second.closed;
    await pub.client.publishAsync(topic, 'nobody', { qos: 1 });
    await third.client.subscribeAsync(`marker/${id}`, { qos: 1 });
    await pub.client.publishAsync(`marker/${id}`, 'marker', { qos: 1 });
    await until(() => on(third.messages, `marker/${id}`).length === 1);
    await third.client.endAsync();
    const fourth = await client({ clientId: id, clean: false });
    expect(fourth.connack.sessionPresent).toBe(false);
    await fourth.client.subscribeAsync(`marker/${id}`, { qos: 1 });
    await pub.client.publishAsync(`marker/${id}`, 'marker2', { qos: 1 });
    await until(() => on(fourth.messages, `marker/${id}`).length === 1);
    expect(on(fourth.messages, topic)).toEqual([]);
    expect(on(third.messages, topic)).toEqual([]);
  });

  it('a member that unsubscribes or disconnects leaves the group; the last one to leave ends it', async () => {
    const topic = uid('leave');
    const a = await member('g', topic);
    const b = await member('g', topic);
    const c = await member('g', topic);
    const pub = await client();
    await a.client.unsubscribeAsync(`$share/g/${topic}`);
    await b.client.endAsync();
    for (let i = 0; i < 6; i++) await pub.client.publishAsync(topic, `m${i}`, { qos: 1 });
    await settle(pub.client, [a, c]);
    expect(on(a.messages, topic)).toEqual([]);
    expect(payloads(c.messages, topic)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    await c.client.unsubscribeAsync(`$share/g/${topic}`);
    await pub.client.publishAsync(topic, 'after', { qos: 1 });
    await settle(pub.client, [a, c]);
    expect(payloads(c.messages, topic)).not.toContain('after');
  });

  it('an offline persistent member: messages go to the online members, and are queued for it when none is online', async () => {
    const topic = uid('persist');
    const id = uid('durable');
    const durable = await member('p', topic, 1, { clientId: id, clean: false });
    const other = await member('p', topic);
    const pub = await client();
    await durable.client.endAsync();
    await pub.client.publishAsync(topic, 'to-online', { qos: 1 });
    await settle(pub.client, [other]);
    expect(payloads(other.messages, topic)).toEqual(['to-online']);
    await other.client.endAsync();
    await pub.client.publishAsync(topic, 'queued', { qos: 1 });
    await pub.client.publishAsync(topic, 'dropped-qos0', { qos: 0 });
    // The session resumes with its shared subscription and the queued message [MQTT-4.8.2-4 in spirit; AWS queues].
    const back = await client({ clientId: id, clean: false });
    expect(back.connack.sessionPresent).toBe(true);
    await until(() => payloads(back.messages, topic).includes('queued'));
    // And it is a member again: it takes the group's messages.
    await pub.client.publishAsync(topic, 'live', { qos: 1 });
    await until(() => payloads(back.messages, topic).includes('live'));
    expect(payloads(back.messages, topic)).toEqual(['queued', 'live']);
    expect((await te.engine.api.broker.clients()).find((c) => c.clientId === id)?.subscriptions).toContain(`$share/p/${topic}`);
  });

  it('a new shared subscription gets no retained message; later messages flow as usual', async () => {
    const topic = uid('retained');
    const pub = await client();
    await pub.client.publishAsync(topic, 'kept', { qos: 1, retain: true });
    const plain = await client();
    await plain.client.subscribeAsync(topic, { qos: 1 });
    await until(() => payloads(plain.messages, topic).includes('kept')); // it is retained
    const m = await member('r', topic);
    await pub.client.publishAsync(topic, 'fresh', { qos: 1 });
    await settle(pub.client, [m]);
    expect(on(m.messages, topic).map((x) => [x.payload.toString(), x.retain])).toEqual([['fresh', false]]);
  });

  it('malformed $share filters get SUBACK 0x80 alone, the connection stays up [MQTT-4.8.2-1, MQTT-4.8.2-2]', async () => {
    const { raw } = await RawClient.open(te.mqttPort, { clientId: uid('bad') });
    clients.push(raw);
    const long = 'n'.repeat(129);
    // Eight filters: AWS's limit per SUBSCRIBE.
    const filters = ['$share//t', '$share/a+b/t', '$share/a#/t', '$share/only', '$share/g/', '$share/g/a/#/b', `$share/${long}/t`, '$share/ok/t'];
    raw.send({ cmd: 'subscribe', messageId: 7, subscriptions: filters.map((topic) => ({ topic, qos: 1 })) } as never);
    const suback = (await raw.next('suback')) as { messageId: number; granted: number[] };
    expect(suback.messageId).toBe(7);
    // AWS caps the ShareName at 128 characters; the specification sets no limit.
    expect(suback.granted).toEqual([128, 128, 128, 128, 128, 128, mode === 'aws' ? 128 : 1, 1]);
    await raw.ping();
    expect(raw.isClosed).toBe(false);
    if (mode === 'aws') expect(deviationLogs(te.logs, 'shareNameTooLong').length).toBeGreaterThan(0);
    expect(te.logs.some((l) => l.message.includes('refused shared subscription') && l.message.includes('$share/a+b/t'))).toBe(true);
    // The refused filters were not subscribed under any name.
    const info = (await te.engine.api.broker.clients()).find((c) => c.subscriptions.includes('$share/ok/t'));
    expect(info?.subscriptions).toEqual(mode === 'aws' ? ['$share/ok/t'] : [`$share/${long}/t`, '$share/ok/t']);
  });

  it('the $share/{ShareName}/ prefix is not counted in the filter limits (aws: 7 slashes, 256 bytes)', async () => {
    const { raw } = await RawClient.open(te.mqttPort, { clientId: uid('limits') });
    clients.push(raw);
    const seven = 'a/b/c/d/e/f/g/h';
    const filters = [`$share/${'s'.repeat(100)}/${seven}`, `$share/s/${seven}/i`, `$share/s/${'x'.repeat(250)}`, `$share/s/${'x'.repeat(257)}`];
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: filters.map((topic) => ({ topic, qos: 1 })) } as never);
    const suback = (await raw.next('suback')) as { granted: number[] };
    expect(suback.granted).toEqual(mode === 'aws' ? [1, 128, 1, 128] : [1, 1, 1, 1]);
  });

  it('lifecycle events and the client view show the shared filter as subscribed', async () => {
    const watcher = await client();
    const id = uid('shown');
    await watcher.client.subscribeAsync(`$aws/events/subscriptions/+/${id}`, { qos: 1 });
    const m = await member('view', 'view/topic', 1, { clientId: id });
    await until(() => watcher.messages.length >= 1);
    expect(JSON.parse(watcher.messages[0].payload.toString())).toMatchObject({ clientId: id, eventType: 'subscribed', topics: ['$share/view/view/topic', m.marker] });
    expect((await te.engine.api.broker.clients()).find((c) => c.clientId === id)?.subscriptions).toEqual(['$share/view/view/topic', m.marker]);
    await m.client.unsubscribeAsync('$share/view/view/topic');
    await until(() => watcher.messages.length >= 2);
    expect(JSON.parse(watcher.messages[1].payload.toString())).toMatchObject({ eventType: 'unsubscribed', topics: ['$share/view/view/topic'] });
  });

  it('MQTT 5 and MQTT 3.1.1 members share one group; the MQTT 5 member gets the message with its properties', async () => {
    const topic = uid('v5');
    const v5 = await member('mixed', topic, 1, { protocolVersion: 5 });
    const v4 = await member('mixed', topic);
    const props: Array<Record<string, unknown> | undefined> = [];
    v5.client.on('message', (t, _p, packet) => t === topic && props.push(packet.properties as Record<string, unknown> | undefined));
    const pub = await client({ protocolVersion: 5 });
    for (let i = 0; i < 10; i++) await pub.client.publishAsync(topic, `m${i}`, { qos: 1, properties: { userProperties: { n: String(i) }, contentType: 'text/plain' } });
    await settle(pub.client, [v5, v4]);
    const got = [...payloads(v5.messages, topic), ...payloads(v4.messages, topic)];
    expect(got.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
    if (mode === 'standard') expect(payloads(v5.messages, topic).length).toBe(5);
    expect(props.length).toBe(payloads(v5.messages, topic).length);
    for (const p of props) expect(p).toMatchObject({ contentType: 'text/plain', userProperties: { n: expect.any(String) } });
  });

  it('MQTT 5: a malformed $share filter is refused alone with SUBACK 0x8F; No Local on a shared subscription is DISCONNECT 0x82 [MQTT-3.8.3-4]', async () => {
    const c = await client({ protocolVersion: 5 });
    const suback = new Promise<number[]>((r) => c.client.on('packetreceive', (p) => p.cmd === 'suback' && r((p as { granted: number[] }).granted)));
    await c.client.subscribeAsync(['$share//t', '$share/fine/t'], { qos: 1 }).catch(() => {}); // mqtt.js rejects on a refusal
    expect(await suback).toEqual([0x8f, 1]);
    const disconnect = new Promise<{ reasonCode?: number }>((r) => c.client.once('disconnect', (p) => r(p as { reasonCode?: number })));
    c.client.subscribe('$share/nl/t', { qos: 1, nl: true });
    expect((await disconnect).reasonCode).toBe(0x82);
    await c.closed;
  });

  it('mosquitto_sub joins a group with $share/… beside an mqtt.js member', async () => {
    const topic = uid('mosq');
    const id = uid('mosq-sub');
    const proc = run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(te.mqttPort), '-i', id, '-t', `$share/mix/${topic}`, '-q', '1', '-C', '1', '-W', '10', '-F', '%t|%p']);
    try {
      await eventually(async () => (await te.engine.api.broker.clients()).some((c) => c.clientId === id && c.subscriptions.includes(`$share/mix/${topic}`)), 5000, 'mosquitto_sub subscribed');
      const js = await member('mix', topic);
      const pub = await client();
      // Until mosquitto_sub has its one message and exits, each message goes to one of the two.
      let exited = false;
      void proc.done.then(() => (exited = true));
      for (let i = 0; i < 30 && !exited; i++) {
        await pub.client.publishAsync(topic, `m${i}`, { qos: 1 });
      }
      const result = await proc.done;
      expect(result.code).toBe(0);
      const [t, p] = result.stdout.trim().split('|');
      expect(t).toBe(topic);
      await settle(pub.client, [js]);
      expect(payloads(js.messages, topic)).not.toContain(p); // exactly one member had it
    } finally {
      proc.kill();
    }
  });
});

describe('shared subscriptions and policies (aws mode, mutual TLS)', () => {
  const ACCOUNT = 'arn:aws:iot:us-east-1:000000000000';
  let te: TestEngine;
  let iot: IoTClient;
  let ca: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    te = await startTestEngine();
    ca = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8');
    iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  });
  afterAll(async () => {
    await closeAll(clients);
    await te?.stop();
  });

  async function device(policyName: string, statements: object[]): Promise<Credentials> {
    const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new CreatePolicyCommand({ policyName, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
    await iot.send(new AttachPolicyCommand({ policyName, target: c.certificateArn }));
    return { key: c.keyPair!.PrivateKey!, cert: c.certificatePem!, ca };
  }

  async function connected(creds: Credentials, clientId: string) {
    const r = await tlsConnect(te.info.endpoints.mqtts, creds, { clientId });
    expect(r.error).toBeUndefined();
    clients.push(r.client!);
    const messages: Array<{ topic: string; payload: string }> = [];
    r.client!.on('message', (topic, payload) => messages.push({ topic, payload: payload.toString() }));
    return { client: r.client!, messages };
  }

  // AWS's shared-subscription sample policy: iot:Subscribe on the whole `$share/…` filter (topicfilter/$share/*/test/topic),
  // iot:Receive on the topic the messages are published to (topic/test/topic).
  const statements = (receive: string[]) => [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${ACCOUNT}:topicfilter/$share/*/pol/topic`, `${ACCOUNT}:topicfilter/marker/*`] },
    { Effect: 'Allow', Action: 'iot:Receive', Resource: [...receive, `${ACCOUNT}:topic/marker/*`] },
  ];

  it('iot:Subscribe is checked on the whole $share/… filter: a filter the policy does not name disconnects (MQTT 3.1.1)', async () => {
    const creds = await device('share-sub', statements([`${ACCOUNT}:topic/pol/topic`]));
    const dev = await connected(creds, 'share-sub-1');
    expect((await dev.client.subscribeAsync('$share/any/pol/topic', { qos: 1 }))[0].qos).toBe(1);
    // The bare filter is another resource: denied, and AWS disconnects an MQTT 3.1.1 client for it.
    const gone = closed(dev.client);
    dev.client.subscribe('pol/topic', { qos: 1 });
    await gone;
    expect(te.logs.some((l) => l.source === 'security' && l.message.includes('topicfilter/pol/topic'))).toBe(true);
  });

  it('iot:Receive is checked on the topic: a member that may not receive it is never the one chosen', async () => {
    const allowed = await connected(await device('share-rx-yes', statements([`${ACCOUNT}:topic/pol/topic`])), 'share-rx-yes');
    const denied = await connected(await device('share-rx-no', statements([])), 'share-rx-no');
    for (const m of [allowed, denied]) await m.client.subscribeAsync(['$share/rx/pol/topic', `marker/${m === allowed ? 'yes' : 'no'}`], { qos: 1 });
    const pub = await open(te.mqttPort, { clientId: uid('share-pub') });
    clients.push(pub.client);
    for (let i = 0; i < 8; i++) await pub.client.publishAsync('pol/topic', `m${i}`, { qos: 1 });
    await pub.client.publishAsync('marker/yes', 'marker', { qos: 1 });
    await pub.client.publishAsync('marker/no', 'marker', { qos: 1 });
    await until(() => allowed.messages.some((m) => m.topic === 'marker/yes') && denied.messages.some((m) => m.topic === 'marker/no'));
    expect(allowed.messages.filter((m) => m.topic === 'pol/topic').map((m) => m.payload)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(denied.messages.filter((m) => m.topic === 'pol/topic')).toEqual([]);
  });
});

describe.each(['aws', 'standard'] as const)('shared subscriptions across a restart (%s mode)', (mode) => {
  it('an offline persistent member keeps its group membership: a message published after the restart is queued for it', async () => {
    let te = await startTestEngine({ mode });
    const id = uid('restart');
    const topic = uid('restart-topic');
    const m = await open(te.mqttPort, { clientId: id, clean: false });
    await m.client.subscribeAsync(`$share/r/${topic}`, { qos: 1 });
    await m.client.endAsync();
    await te.stop();
    te = await te.restart();
    try {
      const pub = await open(te.mqttPort, { clientId: uid('restart-pub') });
      await pub.client.publishAsync(topic, 'while-away', { qos: 1 });
      await pub.client.endAsync();
      const back = await open(te.mqttPort, { clientId: id, clean: false });
      expect(back.connack.sessionPresent).toBe(true);
      await until(() => back.messages.some((x) => x.payload.toString() === 'while-away'));
      expect(back.messages.map((x) => [x.topic, x.payload.toString(), x.qos])).toEqual([[topic, 'while-away', 1]]);
      await back.client.endAsync();
    } finally {
      await te.stop();
    }
  });
});

describe('shared subscriptions and kill -9 (standard mode)', () => {
  it('a QoS 1 message the broker acknowledged and queued for an offline persistent member survives a kill -9', async () => {
    const dataDir = tempDir('tb-shared-kill-');
    const procs: RunningCli[] = [];
    const cli = async () => {
      const p = await startCli(dataDir, ['--broker-mode', 'standard']);
      procs.push(p);
      return p;
    };
    try {
      let proc = await cli();
      const id = 'shared-kill-member';
      const member = await open(proc.mqttUrl, { clientId: id, clean: false });
      await member.client.subscribeAsync('$share/k/kill/q', { qos: 1 });
      await member.client.endAsync();
      // Publishes in flight; the engine is killed the moment the 50th acknowledgement arrives.
      const pub = await open(proc.mqttUrl, { clientId: 'shared-kill-pub' });
      const acked = new Set<string>();
      await new Promise<void>((resolve) => {
        for (let i = 0; i < 300; i++) {
          pub.client.publish('kill/q', `m${i}`, { qos: 1 }, (err) => {
            if (err || acked.size >= 50) return;
            acked.add(`m${i}`);
            if (acked.size === 50) {
              proc.child.kill('SIGKILL');
              resolve();
            }
          });
        }
      });
      await proc.exited;
      pub.client.end(true);
      proc = await cli();
      const back = await open(proc.mqttUrl, { clientId: id, clean: false });
      expect(back.connack.sessionPresent).toBe(true);
      const got = () => new Set(back.messages.map((m) => m.payload.toString()));
      await until(() => [...acked].every((p) => got().has(p)), 10_000, 'every acknowledged message').catch(() => {});
      expect([...acked].filter((p) => !got().has(p))).toEqual([]);
      back.client.end(true);
    } finally {
      for (const p of procs) await p.kill9();
    }
  }, 60_000);
});
