/**
 * Telemetry and events (engine/delivery) with real MQTT.js clients on a real engine: an event published while its
 * consumer is away reaches it when it returns, in order, once; telemetry never waits for anyone; a time-to-live ends
 * on the engine's (offset) clock; a device mapping beats a topic mapping; a restart keeps mappings and stored events.
 * Every "not delivered" is proved with a marker published after it: the marker arrives, and alone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { offsetClock, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { closeAll, open, type Recorded } from '../helpers/broker-clients.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';

let n = 0;
const uid = (p: string) => `${p}-${process.pid}-${++n}`;
const clients: MqttClient[] = [];
const engines: TestEngine[] = [];
afterEach(async () => {
  await closeAll(clients);
  for (const e of engines.splice(0)) await e.stop();
});

async function engine(opts: Parameters<typeof startTestEngine>[0] = {}): Promise<TestEngine> {
  const te = await startTestEngine({ mode: 'standard', ...opts });
  engines.push(te);
  return te;
}

async function client(te: TestEngine, clientId: string, opts: { clean?: boolean; protocolVersion?: 4 | 5 } = {}): Promise<Recorded> {
  const r = await open(te.mqttPort, { clientId, ...opts });
  clients.push(r.client);
  return r;
}

/** The consumer subscribes, then goes away (the broker has seen it leave). */
async function leave(te: TestEngine, clientId: string, filter: string, clean = true): Promise<void> {
  const c = await client(te, clientId, { clean });
  await c.client.subscribeAsync(filter, { qos: 1 });
  await c.client.endAsync();
  await vi.waitFor(async () => expect((await te.engine.api.broker.clients()).map((x) => x.clientId)).not.toContain(clientId), { timeout: 5000 });
}

const payloads = (r: Recorded, topic?: string) => r.messages.filter((m) => topic === undefined || m.topic === topic).map((m) => m.payload.toString());

/** Publishes `marker` from a fresh client and waits until the consumer has it: everything before it has arrived too. */
async function marker(te: TestEngine, r: Recorded, topic: string): Promise<void> {
  const p = await client(te, uid('marker-pub'));
  await p.client.publishAsync(topic, 'marker', { qos: 1 });
  await vi.waitFor(() => expect(payloads(r)).toContain('marker'), { timeout: 5000 });
}

describe('delivery classes', () => {
  it('keeps events for a clean consumer while it is away and delivers them in order, once, when it subscribes again', async () => {
    const te = await engine();
    await te.engine.api.delivery.put({ filter: 'alarms/+', class: 'event', ttlSeconds: 600 });
    const consumer = uid('app');
    await leave(te, consumer, 'alarms/#');
    const dev = await client(te, uid('dev'));
    for (let i = 1; i <= 5; i++) await dev.client.publishAsync('alarms/door', `e${i}`, { qos: i % 2 as 0 | 1 });
    await te.engine.api.broker.publish({ topic: 'alarms/door', payload: 'e6', qos: 0 }); // the engine's own publishes too
    expect((await te.engine.api.delivery.stored({ consumer })).map((e) => e.topic)).toEqual(Array(6).fill('alarms/door'));
    const back = await client(te, consumer);
    await back.client.subscribeAsync('alarms/#', { qos: 1 });
    await marker(te, back, 'alarms/door');
    expect(payloads(back)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'marker']);
    expect(back.messages.slice(0, 6).every((m) => m.qos === 1)).toBe(true);
    expect(await te.engine.api.delivery.stored({ consumer })).toEqual([]);
  });

  it('gives a persistent consumer its events once on resuming, not again from the session queue', async () => {
    const te = await engine();
    await te.engine.api.delivery.put({ filter: 'alarms/#', class: 'event' });
    const consumer = uid('app');
    await leave(te, consumer, 'alarms/#', false);
    await te.engine.api.broker.publish({ topic: 'alarms/a', payload: 'e1', qos: 1 });
    await te.engine.api.broker.publish({ topic: 'alarms/b', payload: 'e2', qos: 1 });
    const dev = await client(te, uid('dev'));
    await dev.client.publishAsync('alarms/c', 'e3', { qos: 1 }); // a client's QoS 1: kept before its PUBACK
    await te.engine.api.broker.publish({ topic: 'plain/x', payload: 'p', qos: 1 }); // unmapped: never kept
    expect((await te.engine.api.delivery.stored()).filter((e) => e.consumer === consumer)).toHaveLength(3);
    const back = await client(te, consumer, { clean: false });
    await marker(te, back, 'alarms/z');
    expect(payloads(back)).toEqual(['e1', 'e2', 'e3', 'marker']);
  });

  it('drops telemetry published while its consumer is away, even for a persistent QoS 1 session', async () => {
    const te = await engine();
    await te.engine.api.delivery.put({ filter: 'metrics/#', class: 'telemetry' });
    const consumer = uid('app');
    await leave(te, consumer, 'metrics/#', false);
    const dev = await client(te, uid('dev'));
    await dev.client.publishAsync('metrics/temp', 't1', { qos: 1 });
    const back = await client(te, consumer, { clean: false });
    await marker(te, back, 'metrics/temp');
    expect(payloads(back)).toEqual(['marker']);
    expect(back.messages[0].qos).toBe(0); // telemetry goes out at QoS 0
  });

  it('expires a stored event after its TTL, or sooner by its own Message Expiry Interval', async () => {
    const clock = offsetClock();
    const te = await engine({ clock });
    await te.engine.api.delivery.put({ filter: 'alarms/#', class: 'event', ttlSeconds: 60 });
    const consumer = uid('app');
    await leave(te, consumer, 'alarms/#');
    const dev = await client(te, uid('dev'), { protocolVersion: 5 });
    await dev.client.publishAsync('alarms/a', 'old', { qos: 1 });
    await dev.client.publishAsync('alarms/a', 'short', { qos: 1, properties: { messageExpiryInterval: 10 } });
    clock.advance(30_000);
    await dev.client.publishAsync('alarms/a', 'young', { qos: 1 });
    clock.advance(31_000); // 'old' is 61 s old, 'short' 61 s (its own 10 s long gone), 'young' 31 s
    const back = await client(te, consumer);
    await back.client.subscribeAsync('alarms/#', { qos: 1 });
    await marker(te, back, 'alarms/a');
    expect(payloads(back)).toEqual(['young', 'marker']);
  });

  it('lets a device mapping win over a topic mapping', async () => {
    const te = await engine();
    await te.engine.api.delivery.put({ filter: 'sensors/#', class: 'event' });
    const chatty = uid('chatty');
    await te.engine.api.delivery.put({ device: chatty, class: 'telemetry' });
    const consumer = uid('app');
    await leave(te, consumer, 'sensors/#');
    const a = await client(te, chatty);
    const b = await client(te, uid('quiet'));
    await a.client.publishAsync('sensors/1', 'from-telemetry-device', { qos: 1 });
    await b.client.publishAsync('sensors/2', 'from-event-device', { qos: 1 });
    const back = await client(te, consumer);
    await back.client.subscribeAsync('sensors/#', { qos: 1 });
    await marker(te, back, 'sensors/3');
    expect(payloads(back)).toEqual(['from-event-device', 'marker']);
  });

  it('keeps mappings, consumers and stored events across a restart', async () => {
    const te = await engine();
    const mapping = await te.engine.api.delivery.put({ filter: 'alarms/#', class: 'event', ttlSeconds: 600 });
    const consumer = uid('app');
    await leave(te, consumer, 'alarms/+');
    const dev = await client(te, uid('dev'));
    await dev.client.publishAsync('alarms/fire', 'f1', { qos: 1 }); // acknowledged: durable
    await dev.client.publishAsync('alarms/fire', 'f2', { qos: 1 });
    await closeAll(clients);
    await te.stop();
    const again = await te.restart();
    engines.push(again);
    expect(await again.engine.api.delivery.list()).toEqual([mapping]);
    expect((await again.engine.api.delivery.stored({ consumer })).length).toBe(2);
    const dev2 = await client(again, uid('dev'));
    await dev2.client.publishAsync('alarms/fire', 'f3', { qos: 1 }); // the consumer is still one after the restart
    const back = await client(again, consumer);
    await back.client.subscribeAsync('alarms/+', { qos: 1 });
    await marker(again, back, 'alarms/fire');
    expect(payloads(back)).toEqual(['f1', 'f2', 'f3', 'marker']);
  });

  it('forgets a consumer that unsubscribes, and refuses bad mappings', async () => {
    const te = await engine();
    await te.engine.api.delivery.put({ filter: 'alarms/#', class: 'event' });
    const consumer = uid('app');
    const c = await client(te, consumer);
    await c.client.subscribeAsync('alarms/#', { qos: 1 });
    await c.client.unsubscribeAsync('alarms/#');
    await c.client.endAsync();
    await te.engine.api.broker.publish({ topic: 'alarms/a', payload: 'x', qos: 1 });
    expect(await te.engine.api.delivery.stored({ consumer })).toEqual([]);
    await expect(te.engine.api.delivery.put({ filter: 'a/#/b', class: 'event' })).rejects.toMatchObject({ code: 'InvalidInput' });
    await expect(te.engine.api.delivery.put({ filter: 'a', device: 'd', class: 'event' })).rejects.toMatchObject({ code: 'InvalidInput' });
    await expect(te.engine.api.delivery.put({ filter: 'a', class: 'telemetry', ttlSeconds: 5 })).rejects.toMatchObject({ code: 'InvalidInput' });
    await expect(te.engine.api.delivery.put({ filter: 'alarms/#', class: 'telemetry' })).rejects.toMatchObject({ code: 'AlreadyExists' });
    await expect(te.engine.api.delivery.delete('nope')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('sets mappings from a scenario step, replacing the one of the same filter or device', async () => {
    const te = await engine();
    const run = await runFiles(engineTarget(te), {
      'main.yaml': [
        'name: mappings',
        'steps:',
        '  - delivery: { filter: "gw/+/events/#", class: telemetry }',
        '  - delivery: { filter: "gw/+/events/#", class: event, ttl: 10m }',
        '  - delivery: { device: valve-1, class: telemetry }',
        '',
      ].join('\n'),
    });
    expect(run.result.status).toBe('passed');
    expect(run.result.steps[1].note).toBe('gw/+/events/# → event (ttl 600 s)');
    expect((await te.engine.api.delivery.list()).map((m) => [m.filter ?? m.device, m.class, m.ttlSeconds])).toEqual([
      ['gw/+/events/#', 'event', 600], ['valve-1', 'telemetry', undefined],
    ]);
    const bad = await runFiles(engineTarget(te), { 'main.yaml': 'name: bad\nsteps:\n  - delivery: { filter: "a/#/b", class: event }\n' });
    expect(bad.result.status).not.toBe('passed');
  });
});
