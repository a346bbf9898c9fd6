/**
 * Persistent sessions end after their expiry interval (AWS IoT: "Persistent session expiry period", 1 hour by default,
 * https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-persistent-sessions), on a fake engine clock:
 * real engine, real sockets, mqtt.js. A queued message that must be gone is proved gone with a marker message sent
 * after it on the same topic: the marker arrives first and alone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { closeAll, open, type Recorded } from '../helpers/broker-clients.js';
import { startCli } from './helpers/cli-process.js';
import { tempDir } from '../helpers/temp-dirs.js';

const HOUR_MS = 3600 * 1000;

/** The engine's clock: real time plus an offset the test moves forward. */
function fakeClock() {
  const clock = { offset: 0, now: () => Date.now() + clock.offset, advance: (ms: number) => void (clock.offset += ms) };
  return clock;
}

const clients: MqttClient[] = [];
const engines: TestEngine[] = [];
afterEach(async () => {
  await closeAll(clients);
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

let n = 0;
const uid = (p: string) => `${p}-${process.pid}-${++n}`;

async function engine(opts: Parameters<typeof startTestEngine>[0]): Promise<TestEngine> {
  const te = await startTestEngine(opts);
  engines.push(te);
  return te;
}

async function client(te: TestEngine | string, opts: { clientId?: string; clean?: boolean } = {}): Promise<Recorded> {
  const r = await open(typeof te === 'string' ? te : te.mqttPort, opts);
  clients.push(r.client);
  return r;
}

/** A persistent session subscribed to `topic` at QoS 1, then disconnected (the broker has seen the close). */
async function leaveSession(te: TestEngine, clientId: string, topic: string): Promise<void> {
  const s = await client(te, { clientId, clean: false });
  await s.client.subscribeAsync(topic, { qos: 1 });
  await s.client.endAsync();
  await disconnected(te, clientId);
}

async function disconnected(te: TestEngine, clientId: string): Promise<void> {
  await vi.waitFor(async () => expect((await te.engine.api.broker.clients()).map((c) => c.clientId)).not.toContain(clientId), { timeout: 5000 });
}

const queue = (te: TestEngine, topic: string, payload: string) => te.engine.api.broker.publish({ topic, payload, qos: 1 });

/**
 * A session left to expire with the same deadline as the one under test: once its end is logged, the expiry timer has
 * run past that deadline (the marker for "this other session did not end").
 */
async function witness(te: TestEngine): Promise<() => Promise<void>> {
  const clientId = uid('witness');
  await leaveSession(te, clientId, `${clientId}/t`);
  return () => vi.waitFor(() => expect(endedLog(te, clientId)).toBeDefined(), { timeout: 5000 });
}

function endedLog(te: TestEngine, clientId: string) {
  return te.logs.find((l) => l.source === 'broker' && l.message.includes(`persistent session of client ${clientId} ended`));
}

/** The resumed-or-new session gets `marker` on `topic`; what arrived before it is returned with it. */
async function receivedUpToMarker(te: TestEngine, r: Recorded, topic: string, marker: string): Promise<string[]> {
  if (!r.connack.sessionPresent) await r.client.subscribeAsync(topic, { qos: 1 });
  await queue(te, topic, marker);
  await vi.waitFor(() => expect(r.messages.map((m) => String(m.payload))).toContain(marker), { timeout: 5000 });
  return r.messages.map((m) => String(m.payload));
}

describe('aws mode: an MQTT 3.1.1 persistent session ends after the account period (1 hour)', () => {
  it('ends 3600 s after the disconnect: subscriptions and queued QoS 1 messages are gone, CONNACK sessionPresent 0', async () => {
    const clock = fakeClock();
    const te = await engine({ clock });
    const clientId = uid('expires');
    const topic = `${clientId}/t`;
    await leaveSession(te, clientId, topic);
    await queue(te, topic, 'queued');

    clock.advance(HOUR_MS);
    await vi.waitFor(() => expect(endedLog(te, clientId)).toBeDefined(), { timeout: 5000 });
    expect(endedLog(te, clientId)?.details).toMatchObject({ clientId, expirySeconds: 3600, subscriptions: 1, queued: 1 });
    expect(te.logs.some((l) => l.source === 'broker.aws' && l.details?.deviation === 'sessionExpired' && l.details.clientId === clientId)).toBe(true);

    const back = await client(te, { clientId, clean: false });
    expect(back.connack.sessionPresent).toBe(false);
    expect(await receivedUpToMarker(te, back, topic, 'marker')).toEqual(['marker']);
  });

  it('a reconnect after the deadline finds no session even before the expiry timer has run', async () => {
    const clock = fakeClock();
    const te = await engine({ clock });
    const clientId = uid('lazy');
    const topic = `${clientId}/t`;
    await leaveSession(te, clientId, topic);
    await queue(te, topic, 'queued');
    clock.advance(HOUR_MS + 1);
    const back = await client(te, { clientId, clean: false }); // right away: the CONNECT itself ends the due session
    expect(back.connack.sessionPresent).toBe(false);
    expect(await receivedUpToMarker(te, back, topic, 'marker')).toEqual(['marker']);
  });

  it('survives when the client is back in time, and the hour restarts at each disconnect', async () => {
    const clock = fakeClock();
    const te = await engine({ clock });
    const clientId = uid('survives');
    const topic = `${clientId}/t`;
    await leaveSession(te, clientId, topic);
    await queue(te, topic, 'first');
    // A minute short of the hour: the fake clock also runs with real time, which a loaded machine spends on the
    // reconnect and the queued write.
    clock.advance(HOUR_MS - 60_000);
    const back = await client(te, { clientId, clean: false });
    expect(back.connack.sessionPresent).toBe(true);
    await vi.waitFor(() => expect(back.messages.map((m) => String(m.payload))).toEqual(['first']), { timeout: 5000 });
    await back.client.endAsync();
    await disconnected(te, clientId);

    await queue(te, topic, 'second');
    clock.advance(HOUR_MS - 60_000); // nearly two hours after the first disconnect, under one after the second
    const again = await client(te, { clientId, clean: false });
    expect(again.connack.sessionPresent).toBe(true);
    expect(await receivedUpToMarker(te, again, topic, 'marker')).toEqual(['second', 'marker']);
    expect(endedLog(te, clientId)).toBeUndefined();
  });

  it('a connected session never expires, however long it stays', async () => {
    const clock = fakeClock();
    const te = await engine({ clock });
    const clientId = uid('connected');
    const topic = `${clientId}/t`;
    const s = await client(te, { clientId, clean: false });
    await s.client.subscribeAsync(topic, { qos: 1 });
    clock.advance(48 * HOUR_MS);
    await queue(te, topic, 'still here');
    await vi.waitFor(() => expect(s.messages.map((m) => String(m.payload))).toEqual(['still here']), { timeout: 5000 });
    expect(endedLog(te, clientId)).toBeUndefined();
  });

  it('a takeover by the same client id keeps the session alive for the new connection', async () => {
    const clock = fakeClock();
    const te = await engine({ clock });
    const clientId = uid('takeover');
    const topic = `${clientId}/t`;
    const first = await client(te, { clientId, clean: false });
    await first.client.subscribeAsync(topic, { qos: 1 });
    const second = await client(te, { clientId, clean: false });
    expect(second.connack.sessionPresent).toBe(true);
    await first.closed;
    const swept = await witness(te);
    clock.advance(2 * HOUR_MS);
    await swept();
    expect(endedLog(te, clientId)).toBeUndefined();
    await second.client.endAsync();
    await disconnected(te, clientId);
    const third = await client(te, { clientId, clean: false });
    expect(third.connack.sessionPresent).toBe(true);
  });

  it('an ended session leaves its shared subscription groups: later messages are not queued for it', async () => {
    const clock = fakeClock();
    const te = await engine({ clock });
    const clientId = uid('shared');
    const topic = `${clientId}/t`;
    await leaveSession(te, clientId, `$share/g/${topic}`);
    await queue(te, topic, 'queued while a member');
    clock.advance(HOUR_MS);
    await vi.waitFor(() => expect(endedLog(te, clientId)?.details).toMatchObject({ subscriptions: 1, queued: 1 }), { timeout: 5000 });
    await queue(te, topic, 'after the end'); // no member left: dropped, not queued for the ended session
    const back = await client(te, { clientId, clean: false });
    expect(back.connack.sessionPresent).toBe(false);
    await back.client.subscribeAsync(`$share/g/${topic}`, { qos: 1 });
    await queue(te, topic, 'marker');
    await vi.waitFor(() => expect(back.messages.map((m) => String(m.payload))).toContain('marker'), { timeout: 5000 });
    expect(back.messages.map((m) => String(m.payload))).toEqual(['marker']);
  });

  it('the period is configurable (limits.sessionExpiryDefault)', async () => {
    const clock = fakeClock();
    const te = await engine({ clock, limits: { sessionExpiryDefault: 60 } });
    const clientId = uid('minute');
    const topic = `${clientId}/t`;
    await leaveSession(te, clientId, topic);
    clock.advance(50_000);
    const back = await client(te, { clientId, clean: false });
    expect(back.connack.sessionPresent).toBe(true);
    await back.client.endAsync();
    await disconnected(te, clientId);
    clock.advance(60_000);
    await vi.waitFor(() => expect(endedLog(te, clientId)?.details).toMatchObject({ expirySeconds: 60, subscriptions: 1 }), { timeout: 5000 });
    expect((await client(te, { clientId, clean: false })).connack.sessionPresent).toBe(false);
  });

  it('a clean session connect ends the session and its pending expiry', async () => {
    const clock = fakeClock();
    const te = await engine({ clock });
    const clientId = uid('cleaned');
    await leaveSession(te, clientId, `${clientId}/t`);
    const clean = await client(te, { clientId, clean: true });
    await clean.client.endAsync();
    await disconnected(te, clientId);
    const swept = await witness(te);
    clock.advance(2 * HOUR_MS);
    await swept();
    expect(endedLog(te, clientId)).toBeUndefined(); // nothing left to expire: the clean session had ended it
    expect((await client(te, { clientId, clean: false })).connack.sessionPresent).toBe(false);
  });
});

describe('standard mode', () => {
  it('an MQTT 3.1.1 persistent session never expires (MQTT 3.1.1 has no expiry)', async () => {
    const clock = fakeClock();
    const te = await engine({ clock, mode: 'standard' });
    const clientId = uid('forever');
    const topic = `${clientId}/t`;
    await leaveSession(te, clientId, topic);
    await queue(te, topic, 'kept');
    clock.advance(30 * 24 * HOUR_MS);
    const back = await client(te, { clientId, clean: false });
    expect(back.connack.sessionPresent).toBe(true);
    expect(await receivedUpToMarker(te, back, topic, 'marker')).toEqual(['kept', 'marker']);
    expect(endedLog(te, clientId)).toBeUndefined();
  });

  it('limits.sessionExpiryDefault makes MQTT 3.1.1 sessions expire there too', async () => {
    const clock = fakeClock();
    const te = await engine({ clock, mode: 'standard', limits: { sessionExpiryDefault: 600 } });
    const clientId = uid('bounded');
    await leaveSession(te, clientId, `${clientId}/t`);
    clock.advance(600_000);
    await vi.waitFor(() => expect(endedLog(te, clientId)?.details).toMatchObject({ expirySeconds: 600 }), { timeout: 5000 });
    expect(te.logs.some((l) => l.details?.deviation === 'sessionExpired')).toBe(false); // standard mode explains nothing as AWS
  });
});

describe('restarts keep or end sessions by their deadline', () => {
  it('after a clean stop: due sessions end at start, the others keep their deadline', async () => {
    const clock = fakeClock();
    let te = await engine({ clock });
    const gone = uid('stop-gone');
    const kept = uid('stop-kept');
    await leaveSession(te, gone, `${gone}/t`);
    await queue(te, `${gone}/t`, 'lost');
    clock.advance(30 * 60_000);
    await leaveSession(te, kept, `${kept}/t`);
    await queue(te, `${kept}/t`, 'kept');
    await te.stop();

    clock.advance(40 * 60_000); // `gone` was disconnected 70 minutes ago, `kept` 40
    te = await te.restart();
    engines.push(te);
    expect(endedLog(te, gone)?.details).toMatchObject({ subscriptions: 1, queued: 1 }); // ended during start, before any client
    expect(endedLog(te, kept)).toBeUndefined();
    const back = await client(te, { clientId: kept, clean: false });
    expect(back.connack.sessionPresent).toBe(true);
    expect(await receivedUpToMarker(te, back, `${kept}/t`, 'marker')).toEqual(['kept', 'marker']);
    const lost = await client(te, { clientId: gone, clean: false });
    expect(lost.connack.sessionPresent).toBe(false);
    expect(await receivedUpToMarker(te, lost, `${gone}/t`, 'marker')).toEqual(['marker']);
  });

  it('after kill -9: a session disconnected before the kill ends by its deadline; one connected at the kill counts from the start', async () => {
    const dataDir = tempDir('tb-expiry-kill-');
    const proc = await startCli(dataDir); // aws mode, the system clock
    const gone = uid('kill-gone');
    const live = uid('kill-live');
    const pub = await client(proc.mqttUrl);
    await pub.client.subscribeAsync(`$aws/events/presence/disconnected/${gone}`);
    const g = await client(proc.mqttUrl, { clientId: gone, clean: false });
    await g.client.subscribeAsync(`${gone}/t`, { qos: 1 });
    await g.client.endAsync();
    await vi.waitFor(() => expect(pub.messages.map((m) => m.topic)).toContain(`$aws/events/presence/disconnected/${gone}`), { timeout: 5000 });
    const l = await client(proc.mqttUrl, { clientId: live, clean: false });
    await l.client.subscribeAsync(`${live}/t`, { qos: 1 });
    await pub.client.publishAsync(`${gone}/t`, 'lost', { qos: 1 }); // queued for the disconnected session once acknowledged
    await proc.kill9();
    await closeAll(clients);

    const clock = fakeClock();
    clock.advance(HOUR_MS + 60_000); // the engine was down for over an hour
    const te = await engine({ dataDir, clock });
    // The queued message may still have been in the inbound write-ahead log at the kill (then it is replayed after the
    // session ended, to no one): either way it must not reach the new session, which the marker shows.
    expect(endedLog(te, gone)?.details).toMatchObject({ subscriptions: 1 });
    expect(endedLog(te, live)).toBeUndefined();
    const lost = await client(te, { clientId: gone, clean: false });
    expect(lost.connack.sessionPresent).toBe(false);
    expect(await receivedUpToMarker(te, lost, `${gone}/t`, 'marker')).toEqual(['marker']);

    const resumed = await client(te, { clientId: live, clean: false });
    expect(resumed.connack.sessionPresent).toBe(true); // its disconnect was detected at start: an hour from then
    await resumed.client.endAsync();
    await disconnected(te, live);
    clock.advance(HOUR_MS);
    await vi.waitFor(() => expect(endedLog(te, live)).toBeDefined(), { timeout: 5000 });
  }, 30_000);
});
