/**
 * The broker in `aws` mode reproduces AWS IoT Core's documented departures from MQTT 3.1.1, each seen by a real client
 * AND explained in the log (warn, source `broker.aws`, details.deviation + details.doc), plus the lifecycle events
 * (https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html).
 * Negative checks prefer an ordered marker (a later packet on the same connection) and use a short bounded wait only
 * where nothing can follow, e.g. "no SUBACK".
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import type { MqttClient, IClientOptions } from 'mqtt';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { open, closeAll, deviationLogs, eventually, quietPeriod, RawClient, uid, on, type Recorded } from '../helpers/broker-clients.js';
import { deviations, type DeviationId } from '../../engine/broker/index.js';

interface LifecycleEvent {
  clientId: string;
  timestamp: number;
  eventType: 'connected' | 'disconnected' | 'subscribed' | 'unsubscribed';
  sessionIdentifier: string;
  principalIdentifier: string;
  ipAddress?: string;
  versionNumber?: number;
  clientInitiatedDisconnect?: boolean;
  disconnectReason?: string;
  topics?: string[];
}

/** One engine plus an observer subscribed to every lifecycle event. */
function engineFixture(limits: Parameters<typeof startTestEngine>[0] = {}) {
  const fx = {
    te: undefined as unknown as TestEngine,
    observer: undefined as unknown as Recorded,
    clients: [] as Array<MqttClient | RawClient>,
    async client(opts: IClientOptions = {}): Promise<Recorded> {
      const r = await open(fx.te.mqttPort, opts);
      fx.clients.push(r.client);
      return r;
    },
    async raw(connect: Parameters<typeof RawClient.open>[1] = {}) {
      const r = await RawClient.open(fx.te.mqttPort, connect);
      fx.clients.push(r.raw);
      return r;
    },
    /** Lifecycle events about one client id, in arrival order, with the topic they came on. */
    events(clientId: string): Array<LifecycleEvent & { topic: string }> {
      return fx.observer.messages
        .filter((m) => m.topic.startsWith('$aws/events/'))
        .map((m) => ({ ...(JSON.parse(m.payload.toString()) as LifecycleEvent), topic: m.topic }))
        .filter((e) => e.clientId === clientId);
    },
    async event(clientId: string, eventType: LifecycleEvent['eventType'], nth = 1): Promise<LifecycleEvent & { topic: string }> {
      const find = () => fx.events(clientId).filter((e) => e.eventType === eventType)[nth - 1];
      await until(() => !!find(), 5000, `${eventType} event #${nth} for ${clientId}`);
      return find();
    },
    expectDeviation(id: DeviationId, details: Record<string, unknown> = {}) {
      expect(deviations[id].doc).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(deviationLogs(fx.te.logs, id)).toContainEqual(expect.objectContaining({
        level: 'warn',
        source: 'broker.aws',
        details: expect.objectContaining({ deviation: id, doc: deviations[id].doc, ...details }),
      }));
    },
    isConnected: async (clientId: string) => (await fx.te.engine.api.broker.clients()).some((c) => c.clientId === clientId),
  };
  beforeAll(async () => {
    fx.te = await startTestEngine({ mode: 'aws', ...limits });
    fx.observer = await open(fx.te.mqttPort, { clientId: uid('observer') });
    await fx.observer.client.subscribeAsync('$aws/events/#', { qos: 1 });
  });
  afterEach(() => closeAll(fx.clients));
  afterAll(async () => {
    await closeAll(fx.clients);
    await fx.observer?.client.endAsync(true);
    await fx.te?.stop();
    expect(fx.te.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
  return fx;
}

const payloads = (r: Recorded) => r.messages.map((m) => m.payload.toString());

/** The SUBACK return codes for one SUBSCRIBE (mqtt.js rejects when any is 0x80; the SUBACK rides on the error). */
async function subscribeCodes(c: MqttClient, filters: string | string[], qos: 0 | 1 = 1): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filters, { qos })).map((g) => g.qos);
  } catch (e) {
    const granted = (e as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw e;
    return granted;
  }
}

describe('aws mode: deviations', () => {
  const fx = engineFixture();

  it('QoS 2 PUBLISH: no PUBREC/PUBACK, not delivered, connection stays open', async () => {
    const topic = uid('q2pub');
    const sub = await fx.client();
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const clientId = uid('q2-publisher');
    const { raw } = await fx.raw({ clientId });
    raw.send({ cmd: 'publish', topic, payload: Buffer.from('two'), qos: 2, messageId: 7, retain: false, dup: false });
    await raw.ping(); // handled after the PUBLISH: any acknowledgement would already be on its way
    await quietPeriod(300);
    expect(raw.packets.map((p) => p.cmd)).toEqual(['connack', 'pingresp']);
    expect(raw.isClosed).toBe(false);
    // A QoS 0 publish after it on the same connection arrives alone.
    raw.send({ cmd: 'publish', topic, payload: Buffer.from('after'), qos: 0, retain: false, dup: false });
    await until(() => sub.messages.length >= 1);
    expect(payloads(sub)).toEqual(['after']);
    fx.expectDeviation('qos2Publish', { clientId, topic });
  });

  it('QoS 2 SUBSCRIBE: no SUBACK and no subscription', async () => {
    const topic = uid('q2sub');
    const clientId = uid('q2-subscriber');
    const { raw } = await fx.raw({ clientId });
    raw.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic, qos: 2 }] });
    await raw.ping();
    await quietPeriod(300);
    expect(raw.packets.map((p) => p.cmd)).toEqual(['connack', 'pingresp']);
    const me = (await fx.te.engine.api.broker.clients()).find((c) => c.clientId === clientId);
    expect(me?.subscriptions).toEqual([]);
    fx.expectDeviation('qos2Subscribe', { clientId, topic });
  });

  it("'#' does not match the parent level: sensor/# gets sensor/ and sensor/x, not sensor", async () => {
    const sensor = uid('sensor');
    const clientId = uid('hash-sub');
    const sub = await fx.client({ clientId });
    await sub.client.subscribeAsync(`${sensor}/#`);
    const pub = await fx.client();
    for (const t of [sensor, `${sensor}/`, `${sensor}/x`]) pub.client.publish(t, t);
    await until(() => on(sub.messages, `${sensor}/x`).length === 1);
    expect(sub.messages.map((m) => m.topic)).toEqual([`${sensor}/`, `${sensor}/x`]);
    fx.expectDeviation('hashParent', { clientId, topic: sensor });
  });

  it("'#' not matching the parent does not hide it from another filter that matches it", async () => {
    const sensor = uid('sensor');
    const sub = await fx.client();
    await sub.client.subscribeAsync([`${sensor}/#`, sensor]);
    const pub = await fx.client();
    pub.client.publish(sensor, 'parent');
    pub.client.publish(`${sensor}/x`, 'child');
    await until(() => on(sub.messages, `${sensor}/x`).length === 1);
    expect(sub.messages.map((m) => m.topic)).toEqual([sensor, `${sensor}/x`]);
  });

  it("'#' still does not match the parent after a persistent session resumes", async () => {
    const sensor = uid('sensor');
    const clientId = uid('hash-persist');
    const first = await fx.client({ clientId, clean: false });
    await first.client.subscribeAsync(`${sensor}/#`, { qos: 1 });
    await first.client.endAsync();
    await eventually(async () => !(await fx.isConnected(clientId)), 5000, 'client unregistered');
    const resumed = await fx.client({ clientId, clean: false });
    expect(resumed.connack.sessionPresent).toBe(true);
    const pub = await fx.client();
    pub.client.publish(sensor, 'parent');
    pub.client.publish(`${sensor}/x`, 'child');
    await until(() => on(resumed.messages, `${sensor}/x`).length === 1);
    expect(resumed.messages.map((m) => m.topic)).toEqual([`${sensor}/x`]);
  });

  it('retained messages go only to a filter equal to the topic; a wildcard subscriber still gets live messages', async () => {
    const base = uid('ret');
    const topic = `${base}/state`;
    const pub = await fx.client();
    await pub.client.publishAsync(topic, 'stored', { qos: 1, retain: true });

    const exact = await fx.client();
    await exact.client.subscribeAsync(topic, { qos: 1 });
    await until(() => exact.messages.length === 1);
    expect(exact.messages[0]).toMatchObject({ topic, retain: true });
    expect(payloads(exact)).toEqual(['stored']);

    const wildId = uid('ret-wild');
    const wild = await fx.client({ clientId: wildId });
    await wild.client.subscribeAsync([`${base}/+`, `${base}/#`], { qos: 1 });
    await pub.client.publishAsync(topic, 'live', { qos: 1 });
    await until(() => wild.messages.length >= 1 && exact.messages.length === 2);
    await quietPeriod(100);
    expect(wild.messages.map((m) => [m.payload.toString(), m.retain])).toEqual([['live', false]]);
    expect(exact.messages[1]).toMatchObject({ retain: false });
    fx.expectDeviation('retainedWildcard', { clientId: wildId, topic: `${base}/+`, withheld: 1 });
  });

  it('RETAIN on a reserved $ topic closes the connection (a plain publish to one clients may use is fine)', async () => {
    const clientId = uid('retain-reserved');
    const c = await fx.client({ clientId });
    await c.client.publishAsync(`$aws/things/${clientId}/shadow/get`, '', { qos: 1 });
    expect(c.client.connected).toBe(true);
    c.client.publish(`$aws/things/${clientId}/kept`, 'no', { qos: 0, retain: true });
    await c.closed;
    fx.expectDeviation('retainReserved', { clientId, topic: `$aws/things/${clientId}/kept` });
    expect((await fx.event(clientId, 'disconnected')).disconnectReason).toBe('CLIENT_ERROR');
  });

  it('a payload of 128 KB is delivered; 128 KB + 1 disconnects the client (CLIENT_ERROR)', async () => {
    const topic = uid('big');
    const sub = await fx.client();
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const clientId = uid('big-publisher');
    const pub = await fx.client({ clientId });
    await pub.client.publishAsync(topic, Buffer.alloc(128 * 1024, 1), { qos: 1 });
    await until(() => sub.messages.length === 1);
    expect(sub.messages[0].payload.length).toBe(128 * 1024);

    pub.client.publish(topic, Buffer.alloc(128 * 1024 + 1, 2), { qos: 0 });
    await pub.closed;
    const ev = await fx.event(clientId, 'disconnected');
    expect(ev).toMatchObject({ disconnectReason: 'CLIENT_ERROR', clientInitiatedDisconnect: false });
    expect(sub.messages).toHaveLength(1);
    fx.expectDeviation('payloadTooLarge', { clientId, topic });
  });

  it('a topic with 8 slashes is refused: PUBLISH disconnects, SUBSCRIBE gets 0x80; 7 slashes are fine', async () => {
    const base = uid('deep');
    const seven = `${base}/1/2/3/4/5/6/7`;
    const eight = `${base}/1/2/3/4/5/6/7/8`;
    const clientId = uid('deep-client');
    const c = await fx.client({ clientId });
    expect(await subscribeCodes(c.client, [seven, eight])).toEqual([1, 128]);
    fx.expectDeviation('topicTooDeep', { clientId, topic: eight });
    await c.client.publishAsync(seven, 'ok', { qos: 1 });
    await until(() => c.messages.length === 1);

    const pubId = uid('deep-publisher');
    const pub = await fx.client({ clientId: pubId });
    pub.client.publish(eight, 'too deep');
    await pub.closed;
    fx.expectDeviation('topicTooDeep', { clientId: pubId, topic: eight });
  });

  it('a topic of 257 bytes is refused (PUBLISH disconnects); 256 bytes is fine', async () => {
    const base = uid('long');
    const ok = `${base}/${'a'.repeat(255 - base.length)}`;
    const tooLong = `${ok}b`;
    expect(Buffer.byteLength(ok)).toBe(256);
    const clientId = uid('long-topic');
    const c = await fx.client({ clientId });
    await c.client.subscribeAsync(ok);
    await c.client.publishAsync(ok, 'fits');
    await until(() => c.messages.length === 1);
    c.client.publish(tooLong, 'does not fit');
    await c.closed;
    fx.expectDeviation('topicTooLong', { clientId, topic: tooLong });
    expect((await fx.event(clientId, 'disconnected')).disconnectReason).toBe('CLIENT_ERROR');
  });

  it('a client id of 129 bytes gets CONNACK 2 (identifier rejected); 128 bytes is fine', async () => {
    const ok = await fx.client({ clientId: 'k'.repeat(128) });
    expect(ok.client.connected).toBe(true);
    await expect(open(fx.te.mqttPort, { clientId: 'r'.repeat(129) })).rejects.toMatchObject({ code: 2 });
    fx.expectDeviation('clientIdTooLong', { bytes: 129 });
  });

  it('the 51st subscription of a connection gets 0x80 in its SUBACK', async () => {
    const base = uid('subs');
    const clientId = uid('many-subs');
    const c = await fx.client({ clientId });
    const filters = Array.from({ length: 50 }, (_, i) => `${base}/${i}`);
    for (let i = 0; i < filters.length; i += 8) expect(await subscribeCodes(c.client, filters.slice(i, i + 8))).toEqual(filters.slice(i, i + 8).map(() => 1));
    expect(await subscribeCodes(c.client, `${base}/50`)).toEqual([128]);
    expect(await subscribeCodes(c.client, `${base}/0`, 0)).toEqual([0]); // replacing an existing filter is not a new one
    const me = (await fx.te.engine.api.broker.clients()).find((x) => x.clientId === clientId);
    expect(me?.subscriptions).toHaveLength(50);
    fx.expectDeviation('tooManySubscriptions', { clientId, topic: `${base}/50` });
    // The refused filter is not reported as subscribed.
    await until(() => fx.events(clientId).filter((e) => e.eventType === 'subscribed').length >= 8);
    expect(fx.events(clientId).flatMap((e) => e.topics ?? [])).not.toContain(`${base}/50`);
  });

  it('more than 8 filters in one SUBSCRIBE: the extra ones get 0x80', async () => {
    const base = uid('filters');
    const clientId = uid('wide-subscribe');
    const c = await fx.client({ clientId });
    const filters = Array.from({ length: 10 }, (_, i) => `${base}/${i}`);
    expect(await subscribeCodes(c.client, filters)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 128, 128]);
    fx.expectDeviation('tooManyFilters', { clientId, count: 10 });
    const subscribed = await fx.event(clientId, 'subscribed');
    expect(subscribed.topics).toEqual(filters.slice(0, 8));
  });

  it('publishes over 100 per second on one connection are discarded', async () => {
    const topic = uid('burst');
    const sub = await fx.client();
    await sub.client.subscribeAsync(topic);
    const clientId = uid('burster');
    const pub = await fx.client({ clientId });
    const started = Date.now();
    for (let i = 0; i < 150; i++) pub.client.publish(topic, String(i));
    // SUBSCRIBE is not throttled and is handled after the publishes before it: a barrier.
    await pub.client.subscribeAsync(uid('barrier'));
    const elapsed = Date.now() - started;
    const accepted = async () => (await fx.te.engine.api.broker.topics(topic)).find((t) => t.topic === topic)?.count ?? 0;
    await eventually(async () => sub.messages.length > 0 && sub.messages.length === (await accepted()), 5000, 'deliveries to settle');
    // A full bucket of 100, plus what refills at 100/s while the burst is processed (well under a second).
    expect(elapsed).toBeLessThan(1000);
    expect(sub.messages.length).toBeGreaterThanOrEqual(100);
    expect(sub.messages.length).toBeLessThanOrEqual(100 + Math.ceil(elapsed / 10) + 1);
    expect(sub.messages.length).toBeLessThan(150);
    expect(pub.client.connected).toBe(true);
    fx.expectDeviation('publishThrottled', { clientId, topic });
  });

  it('keep-alive is clamped to 30-1200 s (0 becomes 1200)', async () => {
    const cases = [[5, 30], [0, 1200], [2000, 1200], [60, 60]] as const;
    for (const [requested, granted] of cases) {
      const clientId = uid(`ka-${requested}`);
      await fx.client({ clientId, keepalive: requested });
      const me = (await fx.te.engine.api.broker.clients()).find((x) => x.clientId === clientId);
      expect(me?.keepalive, `keepalive ${requested}`).toBe(granted);
      if (requested !== granted) fx.expectDeviation('keepAliveClamped', { clientId, requested, granted });
      else expect(deviationLogs(fx.te.logs, 'keepAliveClamped').filter((l) => l.details?.clientId === clientId)).toEqual([]);
    }
  });

  it("a resumed persistent session's backlog arrives at about 10 messages per second", async () => {
    const clientId = uid('backlog');
    const topic = uid('backlog-topic');
    const first = await fx.client({ clientId, clean: false });
    await first.client.subscribeAsync(topic, { qos: 1 });
    await first.client.endAsync();
    await eventually(async () => !(await fx.isConnected(clientId)), 5000, 'client unregistered');
    const pub = await fx.client();
    for (let i = 0; i < 25; i++) await pub.client.publishAsync(topic, String(i), { qos: 1 });
    // aedes sends PUBACK before it queues the message; the capture hook runs after the queueing.
    await eventually(async () => (await fx.te.engine.api.broker.topics(topic)).find((t) => t.topic === topic)?.count === 25, 5000, '25 queued');

    const started = Date.now();
    const resumed = await fx.client({ clientId, clean: false });
    expect(resumed.connack.sessionPresent).toBe(true);
    await until(() => resumed.messages.length >= 25, 10_000, '25 stored messages');
    const took = resumed.messages[24].at - started;
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(payloads(resumed)).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect(resumed.messages.every((m) => m.qos === 1)).toBe(true);
    fx.expectDeviation('backlogRate', { clientId });
  }, 20_000);
});

describe('aws mode: lifecycle events', () => {
  const fx = engineFixture();

  it('connected and disconnected events: fields, types, shared session identity, versionNumber across reconnects', async () => {
    const clientId = uid('presence');
    const before = Date.now();
    const c = await fx.client({ clientId });
    const connected = await fx.event(clientId, 'connected');
    expect(connected.topic).toBe(`$aws/events/presence/connected/${clientId}`);
    expect(connected).toEqual({
      topic: connected.topic,
      clientId,
      timestamp: expect.any(Number),
      eventType: 'connected',
      sessionIdentifier: expect.stringMatching(/^[0-9a-f]{32}$/),
      principalIdentifier: expect.any(String),
      ipAddress: '127.0.0.1',
      versionNumber: expect.any(Number),
    });
    expect(connected.timestamp).toBeGreaterThanOrEqual(before);
    expect(connected.timestamp).toBeLessThanOrEqual(Date.now());

    await c.client.endAsync();
    const disconnected = await fx.event(clientId, 'disconnected');
    expect(disconnected.topic).toBe(`$aws/events/presence/disconnected/${clientId}`);
    expect(disconnected).toEqual({
      topic: disconnected.topic,
      clientId,
      timestamp: expect.any(Number),
      eventType: 'disconnected',
      sessionIdentifier: connected.sessionIdentifier,
      principalIdentifier: connected.principalIdentifier,
      clientInitiatedDisconnect: true,
      disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
      versionNumber: connected.versionNumber,
    });
    expect(disconnected.timestamp).toBeGreaterThanOrEqual(connected.timestamp);

    const again = await fx.client({ clientId });
    const reconnected = await fx.event(clientId, 'connected', 2);
    expect(reconnected.versionNumber).toBe(connected.versionNumber! + 1);
    expect(reconnected.sessionIdentifier).not.toBe(connected.sessionIdentifier);
    await again.client.endAsync();
    expect((await fx.event(clientId, 'disconnected', 2)).versionNumber).toBe(reconnected.versionNumber);
  });

  it('a destroyed socket is CONNECTION_LOST', async () => {
    const clientId = uid('lost');
    const c = await fx.client({ clientId });
    await fx.event(clientId, 'connected');
    c.client.stream.destroy();
    expect(await fx.event(clientId, 'disconnected')).toMatchObject({ disconnectReason: 'CONNECTION_LOST', clientInitiatedDisconnect: false });
  });

  it('a duplicate client id disconnects the old connection with DUPLICATE_CLIENTID', async () => {
    const clientId = uid('dup');
    const older = await fx.client({ clientId });
    const first = await fx.event(clientId, 'connected');
    await fx.client({ clientId });
    await older.closed;
    const second = await fx.event(clientId, 'connected', 2);
    const gone = await fx.event(clientId, 'disconnected');
    expect(gone).toMatchObject({
      disconnectReason: 'DUPLICATE_CLIENTID',
      clientInitiatedDisconnect: false,
      sessionIdentifier: first.sessionIdentifier,
      versionNumber: first.versionNumber,
    });
    expect(second.sessionIdentifier).not.toBe(first.sessionIdentifier);
    expect(second.versionNumber).toBe(first.versionNumber! + 1);
  });

  it('no lifecycle events for a client id containing +', async () => {
    const odd = `${uid('odd')}+x`;
    const c = await fx.client({ clientId: odd });
    await c.client.subscribeAsync(uid('odd-topic'));
    await c.client.endAsync();
    // Events are published in order: once a later client's connect is seen, any event for `odd` would have been too.
    const marker = uid('marker');
    await fx.client({ clientId: marker });
    await fx.event(marker, 'connected');
    expect(fx.events(odd)).toEqual([]);
    expect(fx.observer.messages.filter((m) => m.topic.includes('+'))).toEqual([]);
  });

  it('subscribed / unsubscribed events carry the topics; a disconnect is not an unsubscribe', async () => {
    const clientId = uid('subev');
    const base = uid('subev-topic');
    const c = await fx.client({ clientId });
    await c.client.subscribeAsync([`${base}/a`, `${base}/b`], { qos: 1 });
    const subscribed = await fx.event(clientId, 'subscribed');
    expect(subscribed).toMatchObject({
      topic: `$aws/events/subscriptions/subscribed/${clientId}`,
      clientId,
      eventType: 'subscribed',
      topics: [`${base}/a`, `${base}/b`],
      sessionIdentifier: expect.stringMatching(/^[0-9a-f]{32}$/),
      timestamp: expect.any(Number),
    });
    await c.client.unsubscribeAsync(`${base}/a`);
    const unsubscribed = await fx.event(clientId, 'unsubscribed');
    expect(unsubscribed).toMatchObject({
      topic: `$aws/events/subscriptions/unsubscribed/${clientId}`,
      eventType: 'unsubscribed',
      topics: [`${base}/a`],
      sessionIdentifier: subscribed.sessionIdentifier,
    });
    await c.client.endAsync();
    await fx.event(clientId, 'disconnected');
    await quietPeriod(100);
    expect(fx.events(clientId).map((e) => e.eventType)).toEqual(['connected', 'subscribed', 'unsubscribed', 'disconnected']);
  });
});

describe('aws mode: keep-alive timeout (keepAliveMin lowered to 1 s)', () => {
  const fx = engineFixture({ limits: { keepAliveMin: 1 } });

  it('a silent client is disconnected with MQTT_KEEP_ALIVE_TIMEOUT', async () => {
    const clientId = uid('silent');
    const { raw, connack } = await fx.raw({ clientId, keepalive: 1 });
    expect(connack.returnCode).toBe(0);
    await raw.closed;
    expect(await fx.event(clientId, 'disconnected')).toMatchObject({ disconnectReason: 'MQTT_KEEP_ALIVE_TIMEOUT', clientInitiatedDisconnect: false });
  });
});
