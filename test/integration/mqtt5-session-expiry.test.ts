/**
 * MQTT 5 Clean Start and Session Expiry Interval (§3.1.2.4, §3.1.2.11.2, §3.2.2.3.2, §3.14.2.2.2), as AWS IoT Core
 * applies them (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-persistent-sessions): real engine,
 * a fake engine clock, mqtt.js with `protocolVersion: 5`, raw MQTT 5 packets where mqtt.js hides the server's answer,
 * and mosquitto_sub -V mqttv5. What must be gone is proved with a marker message sent after it.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IClientOptions, MqttClient } from 'mqtt';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { closeAll, open, run, type Recorded } from '../helpers/broker-clients.js';
import { rawMqtt5Connect } from './helpers/raw-mqtt.js';

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

/** mqtt.js over MQTT 5; `expiry` is the CONNECT's Session Expiry Interval (undefined: absent, i.e. 0). */
async function client5(te: TestEngine, clientId: string, clean: boolean, expiry?: number, extra: IClientOptions = {}): Promise<Recorded> {
  const r = await open(te.mqttPort, { clientId, clean, protocolVersion: 5, properties: expiry === undefined ? {} : { sessionExpiryInterval: expiry }, ...extra });
  clients.push(r.client);
  return r;
}

async function disconnected(te: TestEngine, clientId: string): Promise<void> {
  await vi.waitFor(async () => expect((await te.engine.api.broker.clients()).map((c) => c.clientId)).not.toContain(clientId), { timeout: 5000 });
}

async function leave(te: TestEngine, r: Recorded, clientId: string): Promise<void> {
  await r.client.endAsync();
  await disconnected(te, clientId);
}

const queue = (te: TestEngine, topic: string, payload: string) => te.engine.api.broker.publish({ topic, payload, qos: 1 });
const payloads = (r: Recorded) => r.messages.map((m) => String(m.payload));
const endedLog = (te: TestEngine, clientId: string) => te.logs.find((l) => l.source === 'broker' && l.message.includes(`persistent session of client ${clientId} ended`));

/** Everything `r` received up to and including a marker published on `topic` (subscribing first when asked). */
async function upToMarker(te: TestEngine, r: Recorded, topic: string, subscribe: boolean): Promise<string[]> {
  if (subscribe) await r.client.subscribeAsync(topic, { qos: 1 });
  await queue(te, topic, 'marker');
  await vi.waitFor(() => expect(payloads(r)).toContain('marker'), { timeout: 5000 });
  return payloads(r);
}

describe('aws mode', () => {
  it('grants at most the account period, and says so in CONNACK (AWS: "the adjusted value in the CONNACK")', async () => {
    const te = await engine({});
    const asked = await client5(te, uid('cap'), false, 7200);
    expect(asked.connack.properties?.sessionExpiryInterval).toBe(3600);
    const never = await client5(te, uid('never'), false, 0xffffffff);
    expect(never.connack.properties?.sessionExpiryInterval).toBe(3600);
    const within = await client5(te, uid('within'), false, 600);
    expect(within.connack.properties?.sessionExpiryInterval).toBeUndefined(); // granted as asked: absent means the CONNECT's value (§3.2.2.3.2)
  });

  it('a session lives for its Session Expiry Interval after the disconnect, then ends', async () => {
    const clock = fakeClock();
    const te = await engine({ clock });
    const clientId = uid('interval');
    const topic = `${clientId}/t`;
    const first = await client5(te, clientId, true, 600);
    await first.client.subscribeAsync(topic, { qos: 1 });
    await leave(te, first, clientId);
    await queue(te, topic, 'kept');
    clock.advance(540_000); // short of the interval by a minute: the fake clock also runs with real time
    const back = await client5(te, clientId, false, 600);
    expect(back.connack.sessionPresent).toBe(true);
    await vi.waitFor(() => expect(payloads(back)).toEqual(['kept']), { timeout: 5000 });
    await leave(te, back, clientId);

    await queue(te, topic, 'lost');
    clock.advance(600_000);
    await vi.waitFor(() => expect(endedLog(te, clientId)?.details).toMatchObject({ protocol: 5, expirySeconds: 600, subscriptions: 1, queued: 1 }), { timeout: 5000 });
    expect(te.logs.some((l) => l.details?.deviation === 'sessionExpired' && l.details.clientId === clientId)).toBe(false); // MQTT 5's own rule, no departure
    const again = await client5(te, clientId, false, 600);
    expect(again.connack.sessionPresent).toBe(false);
    expect(await upToMarker(te, again, topic, true)).toEqual(['marker']);
  });

  it('Session Expiry Interval 0 (absent) ends the session at disconnect, after resuming an existing one [MQTT-3.1.2-23]', async () => {
    const te = await engine({});
    const clientId = uid('zero');
    const topic = `${clientId}/t`;
    const first = await client5(te, clientId, true, 300);
    await first.client.subscribeAsync(topic, { qos: 1 });
    await leave(te, first, clientId);
    await queue(te, topic, 'waiting');
    const resumed = await client5(te, clientId, false); // Clean Start 0, interval absent: resumes [MQTT-3.1.2-5]
    expect(resumed.connack.sessionPresent).toBe(true);
    await vi.waitFor(() => expect(payloads(resumed)).toEqual(['waiting']), { timeout: 5000 });
    await leave(te, resumed, clientId); // … and the session ends with this connection
    await queue(te, topic, 'nobody');
    const after = await client5(te, clientId, false, 300);
    expect(after.connack.sessionPresent).toBe(false);
    expect(await upToMarker(te, after, topic, true)).toEqual(['marker']);
  });

  it('Clean Start 1 discards the existing session [MQTT-3.1.2-4] and, with an interval, keeps the new one', async () => {
    const te = await engine({});
    const clientId = uid('clean-start');
    const old = `${clientId}/old`;
    const fresh = `${clientId}/new`;
    const first = await client5(te, clientId, false, 300);
    await first.client.subscribeAsync(old, { qos: 1 });
    await leave(te, first, clientId);
    await queue(te, old, 'stale');
    const second = await client5(te, clientId, true, 300);
    expect(second.connack.sessionPresent).toBe(false); // [MQTT-3.2.2-2]
    await second.client.subscribeAsync(fresh, { qos: 1 });
    await leave(te, second, clientId);
    await queue(te, fresh, 'for the new session');
    const third = await client5(te, clientId, false, 300);
    expect(third.connack.sessionPresent).toBe(true);
    expect(await upToMarker(te, third, old, true)).toEqual(['for the new session', 'marker']); // nothing of `old` survived

    // Clean Start 1 with interval 0: a plain clean session, nothing left behind either.
    await leave(te, third, clientId);
    await queue(te, fresh, 'stale too');
    const clean = await client5(te, clientId, true);
    expect(clean.connack.sessionPresent).toBe(false);
    await leave(te, clean, clientId);
    const last = await client5(te, clientId, false, 300);
    expect(last.connack.sessionPresent).toBe(false);
    expect(await upToMarker(te, last, fresh, true)).toEqual(['marker']);
  });

  it('DISCONNECT with 0 ends a session that had an interval; with another value it replaces it', async () => {
    const clock = fakeClock();
    const te = await engine({ clock });
    const ended = uid('disc-zero');
    const a = await client5(te, ended, true, 300);
    await a.client.subscribeAsync(`${ended}/t`, { qos: 1 });
    a.client.end(false, { properties: { sessionExpiryInterval: 0 } });
    await disconnected(te, ended);
    expect((await client5(te, ended, false, 300)).connack.sessionPresent).toBe(false);

    const longer = uid('disc-longer');
    const b = await client5(te, longer, true, 60);
    await b.client.subscribeAsync(`${longer}/t`, { qos: 1 });
    b.client.end(false, { properties: { sessionExpiryInterval: 900 } });
    await disconnected(te, longer);
    clock.advance(600_000); // past the CONNECT's 60 s, within the DISCONNECT's 900 s
    expect((await client5(te, longer, false, 60)).connack.sessionPresent).toBe(true);
  });

  it('DISCONNECT setting an interval after CONNECT set 0 is a Protocol Error: DISCONNECT 0x82, and the session still ends [MQTT-3.14.2-2]', async () => {
    const te = await engine({});
    const clientId = uid('disc-error');
    const { peer, connack } = await rawMqtt5Connect(te.mqttPort, { clientId, clean: false });
    expect(connack).toMatchObject({ reasonCode: 0 });
    peer.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${clientId}/t`, qos: 1 }] } as never);
    expect((await peer.next()).cmd).toBe('suback');
    peer.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } } as never);
    const answer = await peer.next();
    expect(answer).toMatchObject({ cmd: 'disconnect', reasonCode: 0x82 });
    await peer.closed;
    await disconnected(te, clientId);
    const back = await client5(te, clientId, false, 300);
    expect(back.connack.sessionPresent).toBe(false);
  });

  it('does not resume a session across MQTT versions (AWS: "An MQTT 3 persistent session can\'t be resumed as an MQTT 5 session")', async () => {
    const te = await engine({});
    const clientId = uid('cross');
    const topic = `${clientId}/t`;
    const v3 = await open(te.mqttPort, { clientId, clean: false });
    clients.push(v3.client);
    await v3.client.subscribeAsync(topic, { qos: 1 });
    await leave(te, v3, clientId);
    await queue(te, topic, 'for 3.1.1');
    const v5 = await client5(te, clientId, false, 300);
    expect(v5.connack.sessionPresent).toBe(false);
    expect(await upToMarker(te, v5, topic, true)).toEqual(['marker']);
    expect(te.logs.some((l) => l.details?.deviation === 'crossVersionSession' && l.details.clientId === clientId)).toBe(true);
  });
});

describe('standard mode', () => {
  it("uses the client's interval: 0xFFFFFFFF never expires, a finite one ends the session after it", async () => {
    const clock = fakeClock();
    const te = await engine({ clock, mode: 'standard' });
    const forever = uid('forever');
    const brief = uid('brief');
    const f = await client5(te, forever, true, 0xffffffff);
    expect(f.connack.properties?.sessionExpiryInterval).toBeUndefined();
    await f.client.subscribeAsync(`${forever}/t`, { qos: 1 });
    await leave(te, f, forever);
    const b = await client5(te, brief, true, 100_000);
    await b.client.subscribeAsync(`${brief}/t`, { qos: 1 });
    await leave(te, b, brief);
    clock.advance(100_000_000);
    await vi.waitFor(() => expect(endedLog(te, brief)?.details).toMatchObject({ expirySeconds: 100_000 }), { timeout: 5000 });
    expect(endedLog(te, forever)).toBeUndefined();
    expect((await client5(te, forever, false, 0xffffffff)).connack.sessionPresent).toBe(true);
    expect((await client5(te, brief, false, 100_000)).connack.sessionPresent).toBe(false);
  });

  it('resumes a session across MQTT versions, as the specification allows', async () => {
    const te = await engine({ mode: 'standard' });
    const clientId = uid('cross-std');
    const v5 = await client5(te, clientId, true, 300);
    await v5.client.subscribeAsync(`${clientId}/t`, { qos: 1 });
    await leave(te, v5, clientId);
    const v3 = await open(te.mqttPort, { clientId, clean: false });
    clients.push(v3.client);
    expect(v3.connack.sessionPresent).toBe(true);
  });
});

describe.skipIf(!fs.existsSync('/usr/bin/mosquitto_sub'))('mosquitto_sub -V mqttv5 -x', () => {
  it('-c -x 600 keeps the session for 600 s: a message published meanwhile is received on return, not after', async () => {
    const clock = fakeClock();
    const te = await engine({ clock });
    const clientId = uid('mosq');
    const topic = `${clientId}/t`;
    const args = ['-h', '127.0.0.1', '-p', String(te.mqttPort), '-V', 'mqttv5', '-i', clientId, '-c', '-x', '600', '-q', '1', '-t', topic];
    // First run: subscribes, then exits on its own once it has received one message (the session stays).
    const first = run('/usr/bin/mosquitto_sub', [...args, '-C', '1'], 15_000);
    await vi.waitFor(async () => expect((await te.engine.api.broker.clients()).some((c) => c.clientId === clientId && c.subscriptions.includes(topic))).toBe(true), { timeout: 10_000 });
    await queue(te, topic, 'one');
    expect((await first.done).stdout.trim()).toBe('one');
    await disconnected(te, clientId);
    await queue(te, topic, 'while away');
    clock.advance(540_000); // short of the interval by a minute: starting mosquitto_sub takes real time too
    const back = run('/usr/bin/mosquitto_sub', [...args, '-C', '1'], 15_000);
    expect((await back.done).stdout.trim()).toBe('while away');
    await disconnected(te, clientId);
    clock.advance(600_000);
    await vi.waitFor(() => expect(endedLog(te, clientId)).toBeDefined(), { timeout: 5000 });
  });
});
