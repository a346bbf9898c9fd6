/**
 * Virtual devices against a real engine over real sockets, on a virtual clock (time moves only when the test says):
 * Device Advisor's device cases — CONNECT, PUBACK for QoS 1, back-off when there is no CONNACK, reported state after
 * connect, reported converging to desired — plus offline buffering, commands with correlated replies, and the will.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { once } from 'node:events';
import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { open, closeAll, on, type Recorded } from '../helpers/broker-clients.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { createEngine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { VirtualClock, VirtualDevice, backoffDelay, seededRandom, type DeviceEvents, type DeviceSpec } from '../../engine/devices/index.js';
import { freePort } from '../helpers/net.js';

let te: TestEngine;
const clients: Recorded['client'][] = [];
const devices: VirtualDevice[] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
});

afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.stop()));
  await closeAll(clients);
});

afterAll(async () => {
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
});

function device(spec: Omit<DeviceSpec, 'connection'> & { connection?: Partial<DeviceSpec['connection']> }, clock: VirtualClock, seed = 1): VirtualDevice {
  const d = new VirtualDevice({ ...spec, connection: { url: `mqtt://127.0.0.1:${te.mqttPort}`, ...spec.connection } }, { clock, seed });
  devices.push(d);
  return d;
}

function next<K extends keyof DeviceEvents>(d: VirtualDevice, name: K): Promise<DeviceEvents[K]> {
  return new Promise((resolve) => {
    const sub = d.events.on(name, (e) => {
      sub.dispose();
      resolve(e);
    });
  });
}

async function watch(filters: string[], port = te.mqttPort, protocolVersion: 4 | 5 = 4): Promise<Recorded> {
  const rec = await open(port, { protocolVersion });
  clients.push(rec.client);
  await rec.client.subscribeAsync(filters, { qos: 1 });
  return rec;
}

const json = (p: Buffer) => JSON.parse(p.toString('utf8'));
const round2 = (x: number) => Math.round(x * 100) / 100;

describe('telemetry', () => {
  it('publishes on its schedule with seeded values, and every QoS 1 message is acknowledged', async () => {
    const sub = await watch(['dev/sensor-1/telemetry']);
    const clock = new VirtualClock(1_000_000);
    const rng = seededRandom(42);
    const d = device({
      thingName: 'sensor-1', clientId: 'sensor-1',
      telemetry: [{ topic: 'dev/sensor-1/telemetry', intervalMs: 1000, qos: 1, payload: ({ t, seq }) => ({ seq, t, temperature: round2(20 + rng() * 10) }) }],
    }, clock);
    const connected = next(d, 'connected');
    d.start();
    await connected;

    clock.advance(999);
    expect(d.stats.published).toBe(0);
    clock.advance(1);
    clock.advance(2000);
    expect(d.stats.published).toBe(3);
    await until(() => on(sub.messages, 'dev/sensor-1/telemetry').length === 3 && d.stats.acked === 3, 5000, 'three acknowledged messages');

    const expected = seededRandom(42);
    expect(on(sub.messages, 'dev/sensor-1/telemetry').map((m) => json(m.payload))).toEqual([0, 1, 2].map((seq) => ({
      seq, t: 1_001_000 + seq * 1000, temperature: round2(20 + expected() * 10),
    })));
    expect(on(sub.messages, 'dev/sensor-1/telemetry').every((m) => m.qos === 1)).toBe(true);
  });

  it('publishes over MQTT over WebSocket', async () => {
    const sub = await watch(['dev/ws-1/telemetry']);
    const clock = new VirtualClock();
    const d = device({ thingName: 'ws-1', clientId: 'ws-1', connection: { url: te.wsUrl }, telemetry: [{ topic: 'dev/ws-1/telemetry', intervalMs: 500, qos: 1, payload: ({ seq }) => ({ seq }) }] }, clock);
    const connected = next(d, 'connected');
    d.start();
    await connected;
    clock.advance(1000);
    await until(() => on(sub.messages, 'dev/ws-1/telemetry').length === 2 && d.stats.acked === 2, 5000, 'two messages over WebSocket');
    expect(on(sub.messages, 'dev/ws-1/telemetry').map((m) => json(m.payload))).toEqual([{ seq: 0 }, { seq: 1 }]);
  });
});

describe('mutual TLS', () => {
  it.each(['mqtts', 'wss'] as const)('publishes over %s with a certificate from CreateKeysAndCertificate', async (listener) => {
    const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      const policyName = `devices-${listener}`;
      await iot.send(new CreatePolicyCommand({ policyName, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) }));
      await iot.send(new AttachPolicyCommand({ policyName, target: c.certificateArn }));
      const ca = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8');
      const topic = `dev/tls-${listener}/telemetry`;
      const sub = await watch([topic]);
      const clock = new VirtualClock();
      const d = device({
        thingName: `tls-${listener}`, clientId: `tls-${listener}`,
        connection: { url: te.info.endpoints[listener], tls: { cert: c.certificatePem!, key: c.keyPair!.PrivateKey!, ca } },
        telemetry: [{ topic, intervalMs: 1000, qos: 1, payload: ({ seq }) => ({ seq }) }],
      }, clock);
      const connected = next(d, 'connected');
      d.start();
      await connected;
      clock.advance(2000);
      await until(() => on(sub.messages, topic).length === 2 && d.stats.acked === 2, 5000, 'two messages over mutual TLS');
      expect(on(sub.messages, topic).map((m) => json(m.payload))).toEqual([{ seq: 0 }, { seq: 1 }]);
    } finally {
      iot.destroy();
    }
  });

  it('without a certificate the listener refuses it, and it keeps backing off', async () => {
    const clock = new VirtualClock();
    const d = device({ thingName: 'tls-none', clientId: 'tls-none', connection: { url: te.info.endpoints.mqtts, tls: { rejectUnauthorized: false } }, reconnect: { minMs: 500, maxMs: 500, jitter: 0 } }, clock);
    const lost = next(d, 'disconnected');
    const retry = next(d, 'reconnecting');
    d.start();
    expect((await lost).reason).toMatch(/lost|refused/);
    expect(await retry).toEqual({ attempt: 1, delayMs: 500 });
    expect(d.stats.connects).toBe(0);
  });
});

describe('reconnecting', () => {
  it('backs off exponentially with seeded jitter while the broker is down, buffers, and replays on connect', async () => {
    const port = await freePort();
    const clock = new VirtualClock();
    const produced: number[] = [];
    const policy = { minMs: 1000, maxMs: 8000, jitter: 0.5 };
    const d = device({
      thingName: 'buffered-1', clientId: 'buffered-1', connection: { url: `mqtt://127.0.0.1:${port}` }, reconnect: policy, offlineBufferSize: 3,
      telemetry: [{ topic: 'dev/buffered-1/telemetry', intervalMs: 1000, qos: 1, payload: ({ seq }) => (produced.push(seq), { seq }) }],
    }, clock, 7);
    let failed = next(d, 'reconnecting');
    d.start();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const r = await failed;
      expect(r.attempt).toBe(attempt);
      delays.push(r.delayMs);
      if (attempt === 5) break;
      failed = next(d, 'reconnecting');
      clock.advance(r.delayMs);
    }
    const jitter = seededRandom(7);
    expect(delays).toEqual([1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, jitter)));
    delays.forEach((ms, i) => {
      const exp = Math.min(8000, 1000 * 2 ** i);
      expect(ms).toBeGreaterThanOrEqual(exp / 2);
      expect(ms).toBeLessThanOrEqual(exp * 1.5);
    });
    expect(d.stats.connectAttempts).toBe(5);
    expect(d.stats.published).toBe(0);

    // The engine comes up on the port the device keeps trying.
    const dataDir = tempDir('tb-devices-');
    const late = await createEngine(defaultConfig({ dataDir, ports: { mqtt: port, ws: 0, http: 0, mqtts: 0, wss: 0 } }));
    await late.start();
    try {
      const sub = await watch(['dev/buffered-1/telemetry'], port);
      const connected = next(d, 'connected');
      clock.advance(delays[4]);
      expect(await connected).toEqual({ attempt: 5, sessionPresent: false });
      await until(() => on(sub.messages, 'dev/buffered-1/telemetry').length === 3 && d.stats.acked === 3, 5000, 'the replayed buffer');
      expect(on(sub.messages, 'dev/buffered-1/telemetry').map((m) => json(m.payload).seq)).toEqual(produced.slice(-3));
      expect(d.stats).toMatchObject({ replayed: 3, dropped: produced.length - 3, buffered: 0 });
      expect(produced.length).toBeGreaterThan(3);
    } finally {
      await d.stop();
      await closeAll(clients);
      await late.stop();
    }
  });

  it('gives up on a CONNECT that gets no CONNACK and tries again after a back-off', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s)); // accepts, reads, never answers
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const clock = new VirtualClock();
      const d = device({ thingName: 'silent-1', clientId: 'silent-1', connection: { url: `mqtt://127.0.0.1:${port}`, connectTimeoutMs: 5000 }, reconnect: { minMs: 2000, maxMs: 2000, jitter: 0 } }, clock);
      d.start();
      await until(() => sockets.length === 1, 5000, 'the first CONNECT');
      const gaveUp = next(d, 'disconnected');
      const retry = next(d, 'reconnecting');
      clock.advance(4999);
      expect(d.state).toBe('connecting');
      clock.advance(1);
      expect((await gaveUp).reason).toBe('no-connack');
      expect(await retry).toEqual({ attempt: 1, delayMs: 2000 });
      clock.advance(1999);
      expect(d.stats.connectAttempts).toBe(1);
      clock.advance(1);
      await until(() => sockets.length === 2, 5000, 'the second CONNECT');
      expect(d.stats.connectAttempts).toBe(2);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });
});

describe('shadow behaviour', () => {
  const shadowOf = (thing: string) => te.engine.api.shadow.get(thing).catch(() => undefined);

  it('reports its state after connect, applies a delta after its delay, and the shadow converges', async () => {
    const clock = new VirtualClock();
    const d = device({
      thingName: 'lamp-1', clientId: 'lamp-1',
      shadow: { reportOnConnect: true, markConnected: true, initialState: { color: 'red', power: 'off' }, onDelta: { action: 'apply', delayMs: 2000 } },
    }, clock);
    d.start();
    await vWait(async () => (await shadowOf('lamp-1'))?.state.reported?.color === 'red', 'the report after connect');
    expect((await shadowOf('lamp-1'))!.state.reported).toEqual({ color: 'red', power: 'off', connected: true });

    const delta = next(d, 'delta');
    await te.engine.api.shadow.update('lamp-1', { state: { desired: { color: 'green' } } });
    expect(await delta).toMatchObject({ delta: { color: 'green' }, action: 'apply' });
    expect((await shadowOf('lamp-1'))!.state.delta).toEqual({ color: 'green' });

    const reported = next(d, 'reported');
    clock.advance(2000);
    expect(await reported).toEqual({ reported: { color: 'green' } });
    await vWait(async () => (await shadowOf('lamp-1'))?.state.reported?.color === 'green', 'the reported colour');
    const doc = (await shadowOf('lamp-1'))!;
    expect(doc.state.delta).toBeUndefined();
    expect(doc.state.desired).toEqual({ color: 'green' });
    expect(d.reported).toEqual({ color: 'green', power: 'off' });

    // A clean stop marks it disconnected.
    await d.stop();
    await vWait(async () => (await shadowOf('lamp-1'))?.state.reported?.connected === false, 'connected: false');
  });

  it('catches up on a desired state set while it was offline', async () => {
    await te.engine.api.shadow.update('lamp-2', { state: { desired: { power: 'on' }, reported: { power: 'off' } } });
    const clock = new VirtualClock();
    const d = device({ thingName: 'lamp-2', clientId: 'lamp-2', shadow: { initialState: { power: 'off' }, onDelta: { action: 'apply', delayMs: 100 } } }, clock);
    const delta = next(d, 'delta');
    d.start();
    expect(await delta).toMatchObject({ delta: { power: 'on' }, action: 'apply' });
    clock.advance(100);
    await vWait(async () => (await shadowOf('lamp-2'))?.state.reported?.power === 'on', 'the caught-up report');
    expect((await shadowOf('lamp-2'))!.state.delta).toBeUndefined();
  });

  it('leaves a refused delta in the shadow, and the rest of a partly applied one', async () => {
    const clock = new VirtualClock();
    const refusing = device({ thingName: 'lamp-3', clientId: 'lamp-3', shadow: { reportOnConnect: true, initialState: { power: 'off' }, onDelta: { action: 'refuse' } } }, clock);
    const partial = device({ thingName: 'lamp-4', clientId: 'lamp-4', shadow: { reportOnConnect: true, initialState: { power: 'off', color: 'red' }, onDelta: { action: 'partial', keys: ['power'], delayMs: 500 } } }, clock);
    refusing.start();
    partial.start();
    await vWait(async () => (await shadowOf('lamp-3'))?.state.reported?.power === 'off' && (await shadowOf('lamp-4'))?.state.reported?.color === 'red', 'both reports');

    const refused = next(refusing, 'delta');
    await te.engine.api.shadow.update('lamp-3', { state: { desired: { power: 'on' } } });
    expect(await refused).toMatchObject({ action: 'refuse' });
    const partlyDelta = next(partial, 'delta');
    await te.engine.api.shadow.update('lamp-4', { state: { desired: { power: 'on', color: 'blue' } } });
    expect(await partlyDelta).toMatchObject({ delta: { power: 'on', color: 'blue' }, action: 'partial' });
    const partlyApplied = next(partial, 'reported');
    clock.advance(10_000);
    expect(await partlyApplied).toEqual({ reported: { power: 'on' } });
    await vWait(async () => (await shadowOf('lamp-4'))?.state.reported?.power === 'on', 'the partial report');

    expect((await shadowOf('lamp-4'))!.state.delta).toEqual({ color: 'blue' });
    const lamp3 = (await shadowOf('lamp-3'))!;
    expect(lamp3.state.delta).toEqual({ power: 'on' });
    expect(lamp3.version).toBe(2); // the report and the desired update: the device sent nothing after refusing
    expect(refusing.stats).toMatchObject({ deltasRefused: 1, deltasApplied: 0 });
  });
});

describe('commands', () => {
  const handle = (req: Record<string, unknown>, ctx: { thingName: string }) => ({ status: 'done', command: req.command, thing: ctx.thingName });

  it('answers an MQTT 5 request on its Response Topic with the same Correlation Data', async () => {
    const clock = new VirtualClock();
    const d = device({ thingName: 'pump-5', clientId: 'pump-5', connection: { protocolVersion: 5 }, commands: [{ requestTopic: 'cmd/pump-5/request', handle }] }, clock);
    const connected = next(d, 'connected');
    d.start();
    await connected;
    const caller = await watch(['cmd/pump-5/response'], te.mqttPort, 5);
    await caller.client.publishAsync('cmd/pump-5/request', JSON.stringify({ command: 'flush' }), {
      qos: 1, properties: { responseTopic: 'cmd/pump-5/response', correlationData: Buffer.from('req-77') },
    });
    await until(() => caller.messages.length === 1, 5000, 'the reply');
    const replies: Array<{ payload: Buffer; correlationData?: Buffer }> = [];
    expect(json(caller.messages[0].payload)).toEqual({ status: 'done', command: 'flush', thing: 'pump-5' });
    // The correlation data travels in the packet's properties: check it through a second request seen raw.
    const raw = new Promise<void>((resolve) => caller.client.once('message', (_t, payload, packet) => {
      replies.push({ payload, correlationData: packet.properties?.correlationData });
      resolve();
    }));
    await caller.client.publishAsync('cmd/pump-5/request', JSON.stringify({ command: 'stop' }), {
      qos: 1, properties: { responseTopic: 'cmd/pump-5/response', correlationData: Buffer.from('req-78') },
    });
    await raw;
    expect(replies[0].correlationData?.toString()).toBe('req-78');
    expect(json(replies[0].payload)).toEqual({ status: 'done', command: 'stop', thing: 'pump-5' });
  });

  it('answers an MQTT 3.1.1 request on its reply topic with the JSON correlation field', async () => {
    const clock = new VirtualClock();
    const d = device({ thingName: 'pump-4', clientId: 'pump-4', commands: [{ requestTopic: 'cmd/pump-4/+', replyTopic: '{topic}/reply', handle }] }, clock);
    const connected = next(d, 'connected');
    d.start();
    await connected;
    const caller = await watch(['cmd/pump-4/+/reply']);
    await caller.client.publishAsync('cmd/pump-4/req', JSON.stringify({ command: 'reboot', correlationId: 'c-1' }), { qos: 1 });
    await caller.client.publishAsync('cmd/pump-4/req', 'not json', { qos: 1 });
    await until(() => caller.messages.length === 2, 5000, 'two replies');
    expect(caller.messages.map((m) => [m.topic, json(m.payload)])).toEqual([
      ['cmd/pump-4/req/reply', { status: 'done', command: 'reboot', thing: 'pump-4', correlationId: 'c-1' }],
      ['cmd/pump-4/req/reply', { status: 'error', message: 'the request is not a JSON object' }],
    ]);
    expect(d.stats.commandsAnswered).toBe(2);
  });
});

describe('faults', () => {
  it('drop: the socket dies, the will arrives and presence says CONNECTION_LOST; the device comes back after its back-off', async () => {
    const watcher = await watch(['dev/drop-1/lwt', '$aws/events/presence/+/drop-1']);
    const clock = new VirtualClock();
    const d = device({ thingName: 'drop-1', clientId: 'drop-1', will: { topic: 'dev/drop-1/lwt', payload: '{"state":"lost"}', qos: 1 }, reconnect: { minMs: 1000, maxMs: 1000, jitter: 0 } }, clock);
    const connected = next(d, 'connected');
    d.start();
    await connected;
    await until(() => on(watcher.messages, '$aws/events/presence/connected/drop-1').length === 1, 5000, 'presence connected');

    const lost = next(d, 'disconnected');
    d.drop();
    expect((await lost).reason).toBe('dropped');
    await until(() => on(watcher.messages, 'dev/drop-1/lwt').length === 1 && on(watcher.messages, '$aws/events/presence/disconnected/drop-1').length === 1, 5000, 'the will and the presence event');
    expect(json(on(watcher.messages, 'dev/drop-1/lwt')[0].payload)).toEqual({ state: 'lost' });
    expect(json(on(watcher.messages, '$aws/events/presence/disconnected/drop-1')[0].payload)).toMatchObject({ clientId: 'drop-1', disconnectReason: 'CONNECTION_LOST', clientInitiatedDisconnect: false });

    const back = next(d, 'connected');
    clock.advance(1000);
    expect(await back).toEqual({ attempt: 1, sessionPresent: false });

    // A clean stop sends DISCONNECT: presence says CLIENT_INITIATED_DISCONNECT and the will stays unpublished.
    await d.stop();
    await until(() => on(watcher.messages, '$aws/events/presence/disconnected/drop-1').length === 2, 5000, 'the second disconnect');
    expect(json(on(watcher.messages, '$aws/events/presence/disconnected/drop-1')[1].payload)).toMatchObject({ disconnectReason: 'CLIENT_INITIATED_DISCONNECT' });
    await watcher.client.subscribeAsync('dev/drop-1/marker', { qos: 1 });
    await watcher.client.publishAsync('dev/drop-1/marker', 'x', { qos: 1 });
    await until(() => on(watcher.messages, 'dev/drop-1/marker').length === 1, 5000, 'the marker');
    expect(on(watcher.messages, 'dev/drop-1/lwt')).toHaveLength(1);
  });
});

/** Waits for an async condition on the engine's shadow state (vi.waitFor polls it). */
async function vWait(cond: () => Promise<boolean>, what: string): Promise<void> {
  await vi.waitFor(async () => {
    if (!(await cond())) throw new Error(`timed out waiting for ${what}`);
  }, { timeout: 5000, interval: 10 });
}
