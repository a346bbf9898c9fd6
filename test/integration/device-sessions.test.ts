/**
 * Device sessions: a device that is not an MQTT connection (HTTPS, CoAP) acting in the broker as its client id. Real
 * broker, real store, an MQTT.js subscriber over TCP; the guard is a plain object standing in for the security
 * service's (whose policies the HTTPS device endpoint's tests exercise end to end).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { BrokerService, defaultLimits, type ConnectionGuard, type TappedMessage } from '../../engine/broker/index.js';
import { EngineError, silentLogger } from '../../engine/core/index.js';
import { SqlJsStore } from '../../engine/storage/index.js';
import { connect, nextMessages } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A broker on an offset clock (`clock.offset` moves it), in `mode`, with `deviceIdleMs`. */
async function broker(opts: { mode?: 'aws' | 'standard'; deviceIdleMs?: number; maxPayloadBytes?: number } = {}) {
  const store = await SqlJsStore.open(tempDir('tb-devsess-'));
  const clock = { offset: 0 };
  const mode = opts.mode ?? 'aws';
  const limits = { ...defaultLimits(mode), ...(opts.maxPayloadBytes ? { maxPayloadBytes: opts.maxPayloadBytes } : {}) };
  const b = new BrokerService(store, { mode, limits, host: '127.0.0.1', ports: { mqtt: 0, ws: 0 }, historySize: 1000, deviceIdleMs: opts.deviceIdleMs }, silentLogger, () => Date.now() + clock.offset);
  await b.start();
  cleanup.push(async () => {
    await b.stop();
    await store.close();
  });
  return { broker: b, clock };
}

async function subscriber(port: number, ...filters: string[]): Promise<MqttClient> {
  const c = await connect(port, { clientId: `sub-${Math.random().toString(36).slice(2)}` });
  cleanup.push(() => c.endAsync(true));
  for (const f of filters) await c.subscribeAsync(f, { qos: 1 });
  return c;
}

/** A guard allowing everything except what `deny` names (topic or filter prefixes). */
function guard(principal: string, deny: { publish?: string; subscribe?: string; receive?: string } = {}): ConnectionGuard {
  const allowed = (prefix: string | undefined, name: string) => !prefix || !name.startsWith(prefix);
  return {
    principal,
    publish: (t) => allowed(deny.publish, t),
    subscribe: (f) => allowed(deny.subscribe, f),
    receive: (t) => allowed(deny.receive, t),
  };
}

const errorCode = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof EngineError ? e.code : String(e)));

describe('device sessions', () => {
  it('publish as the device: subscribers get it, taps see its client id and principal, metering counts it', async () => {
    const { broker: b } = await broker();
    const sub = await subscriber(b.ports.mqtt, 'dev/#');
    const tapped: TappedMessage[] = [];
    b.tap('dev/#', (m) => tapped.push(m));
    const session = b.openDeviceSession({ clientId: 'sensor-1', protocol: 'https', remoteAddress: '127.0.0.1', guard: guard('cert-123') });
    const got = nextMessages(sub, 2);
    await session.publish({ topic: 'dev/a', payload: Buffer.from('{"t":21}'), qos: 1, retain: false });
    await session.publish({ topic: 'dev/b', payload: Buffer.from('x'), qos: 0, retain: true });
    expect((await got).map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([['dev/a', '{"t":21}', 1], ['dev/b', 'x', 0]]);
    expect(tapped.map((m) => [m.clientId, m.principal, m.origin])).toEqual([['sensor-1', 'cert-123', 'client'], ['sensor-1', 'cert-123', 'client']]);
    expect(b.getRetained('dev/b')?.payload.toString()).toBe('x');
    expect(b.messages({ filter: 'dev/#' }).map((m) => m.clientId)).toEqual(['sensor-1', 'sensor-1']);
    expect(b.usage().clients.find((c) => c.clientId === 'sensor-1')).toMatchObject({ messagesIn: 2 });
  });

  it('presence events say the protocol; clients() lists the session; close and idle end it', async () => {
    const { broker: b, clock } = await broker({ deviceIdleMs: 60_000 });
    const sub = await subscriber(b.ports.mqtt, '$aws/events/presence/+/+');
    const events = nextMessages(sub, 4);
    const s = b.openDeviceSession({ clientId: 'meter-7', protocol: 'coap', remoteAddress: '127.0.0.1', guard: guard('token-abc') });
    expect(b.openDeviceSession({ clientId: 'meter-7', protocol: 'coap', remoteAddress: '127.0.0.1', guard: guard('token-abc') })).toBe(s);
    expect(b.clients().find((c) => c.clientId === 'meter-7')).toMatchObject({ transport: 'coap', ipAddress: '127.0.0.1', keepalive: 0 });
    expect(b.flow().connected).toBe(2);
    s.close();
    const idle = b.openDeviceSession({ clientId: 'meter-7', protocol: 'coap', remoteAddress: '127.0.0.1', guard: guard('token-abc') });
    expect(idle).not.toBe(s);
    clock.offset += 60_000; // the sweep finds it idle for the device idle time
    const [connected, disconnected, again, idled] = (await events).map((m) => [m.topic, JSON.parse(m.payload.toString()) as Record<string, unknown>] as const);
    expect(connected[0]).toBe('$aws/events/presence/connected/meter-7');
    expect(connected[1]).toMatchObject({ clientId: 'meter-7', eventType: 'connected', principalIdentifier: 'token-abc', ipAddress: '127.0.0.1', protocol: 'coap', versionNumber: 0 });
    expect(disconnected[1]).toMatchObject({ eventType: 'disconnected', disconnectReason: 'CLIENT_INITIATED_DISCONNECT', clientInitiatedDisconnect: true, protocol: 'coap' });
    expect(again[1]).toMatchObject({ eventType: 'connected', versionNumber: 1 });
    expect(idled[1]).toMatchObject({ eventType: 'disconnected', disconnectReason: 'CONNECTION_LOST', protocol: 'coap' });
    expect(b.clients().some((c) => c.clientId === 'meter-7')).toBe(false);
    // An MQTT connection's events stay as AWS sends them: no protocol field.
    const mqttEvents = nextMessages(sub, 1);
    await subscriber(b.ports.mqtt);
    expect(JSON.parse((await mqttEvents)[0].payload.toString())).not.toHaveProperty('protocol');
  });

  it('a touch, a hold (a ttd wait) or a subscription (an Observe) keeps an idle session alive', async () => {
    const { broker: b, clock } = await broker({ deviceIdleMs: 1_000 });
    const open = (clientId: string) => b.openDeviceSession({ clientId, protocol: 'https', remoteAddress: '127.0.0.1', guard: null });
    const touched = open('touched');
    const waiting = open('waiting').hold();
    const observing = open('observing').subscribe('cmd/#', () => {});
    open('left');
    clock.offset += 900;
    touched.touch();
    clock.offset += 200; // `left` is idle for 1.1 s, `touched` for 0.2 s
    await vi.waitFor(() => expect(b.clients().map((c) => c.clientId).sort()).toEqual(['observing', 'touched', 'waiting']));
    waiting.dispose(); // the end of a wait is activity: idle from now
    observing.dispose();
    clock.offset += 1_000;
    await vi.waitFor(() => expect(b.clients()).toEqual([]));
  });

  it('refusals: policy (Forbidden), payload limit (TooLarge), topic (InvalidInput), a closed session (Unavailable)', async () => {
    const { broker: b } = await broker({ maxPayloadBytes: 1024 });
    const s = b.openDeviceSession({ clientId: 'dev', protocol: 'https', remoteAddress: '127.0.0.1', guard: guard('p', { publish: 'secret/' }) });
    expect(await errorCode(s.publish({ topic: 'secret/x', payload: Buffer.from('x'), qos: 0, retain: false }))).toBe('Forbidden');
    expect(await errorCode(s.publish({ topic: 'big', payload: Buffer.alloc(2048), qos: 0, retain: false }))).toBe('TooLarge');
    expect(await errorCode(s.publish({ topic: 'a/+', payload: Buffer.from('x'), qos: 0, retain: false }))).toBe('InvalidInput');
    expect(await errorCode(s.publish({ topic: '$aws/things/x/shadow/update', payload: Buffer.from('{}'), qos: 0, retain: true }))).toBe('Forbidden');
    expect(await errorCode(s.publish({ topic: 'fine', payload: Buffer.from('x'), qos: 0, retain: false }))).toBe('resolved');
    s.close();
    expect(await errorCode(s.publish({ topic: 'fine', payload: Buffer.from('x'), qos: 0, retain: false }))).toBe('Unavailable');
  });

  it('publishes over the per-device rate are Throttled', async () => {
    const store = await SqlJsStore.open(tempDir('tb-devsess-'));
    const b = new BrokerService(store, { mode: 'aws', limits: { ...defaultLimits('aws'), publishesPerSecond: 2 }, host: '127.0.0.1', ports: { mqtt: 0, ws: 0 }, historySize: 100 }, silentLogger, () => 1_000);
    await b.start();
    cleanup.push(async () => {
      await b.stop();
      await store.close();
    });
    const s = b.openDeviceSession({ clientId: 'chatty', protocol: 'coap', remoteAddress: '127.0.0.1', guard: null });
    const msg = { topic: 't', payload: Buffer.from('x'), qos: 0 as const, retain: false };
    expect([await errorCode(s.publish(msg)), await errorCode(s.publish(msg)), await errorCode(s.publish(msg))]).toEqual(['resolved', 'resolved', 'Throttled']);
  });

  it('subscribe: retained first, then live messages; iot:Subscribe and iot:Receive are checked', async () => {
    const { broker: b } = await broker({ mode: 'standard' });
    await b.publish({ topic: 'cmd/lamp', payload: Buffer.from('on'), qos: 1, retain: true });
    const s = b.openDeviceSession({ clientId: 'lamp', protocol: 'coap', remoteAddress: '127.0.0.1', guard: guard('t', { subscribe: 'private/', receive: 'cmd/lamp/hidden' }) });
    expect(() => s.subscribe('private/#', () => {})).toThrow(expect.objectContaining({ code: 'Forbidden' }));
    const got: Array<[string, string, boolean]> = [];
    const sub = s.subscribe('cmd/#', (m) => got.push([m.topic, m.payload.toString(), m.retain]));
    expect(b.clients().find((c) => c.clientId === 'lamp')?.subscriptions).toEqual(['cmd/#']);
    await b.publish({ topic: 'cmd/lamp/hidden', payload: Buffer.from('no'), qos: 0, retain: false });
    await b.publish({ topic: 'cmd/lamp', payload: Buffer.from('off'), qos: 1, retain: false });
    await vi.waitFor(() => expect(got).toEqual([['cmd/lamp', 'on', true], ['cmd/lamp', 'off', false]]));
    sub.dispose();
    await b.publish({ topic: 'cmd/lamp', payload: Buffer.from('after'), qos: 1, retain: false });
    expect(got).toHaveLength(2); // the publish resolved after dispatch: a tap still there would have run
    expect(b.clients().find((c) => c.clientId === 'lamp')?.subscriptions).toEqual([]);
  });
});
