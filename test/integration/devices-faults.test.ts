/**
 * Faults on virtual devices and fleets against a real engine over real sockets, each with what it should make the
 * broker and a subscriber see: the will and the presence event's disconnectReason, a partition's buffered messages
 * after it, latency in delivery times, a storm's reconnects, a flood's messages, malformed and oversized payloads,
 * clock skew in timestamps. Keep-alives are 1 s, so the broker gives up after 1.5 s (AWS IoT Core raises keep-alives
 * under 30 s to 30 s; the engine here lowers that limit so a test does not wait 45 s).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { open, closeAll, on, type Recorded } from '../helpers/broker-clients.js';
import { Fleet, VirtualClock, VirtualDevice, type DeviceEvents, type DeviceSpec } from '../../engine/devices/index.js';
import type { DeviceModel } from '../../engine/devices/model/index.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runCli } from './helpers/cli-process.js';

let te: TestEngine;
const clients: Recorded['client'][] = [];
const devices: VirtualDevice[] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws', limits: { keepAliveMin: 1 } });
});

afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.stop()));
  await closeAll(clients);
});

afterAll(async () => {
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
});

type Spec = Omit<DeviceSpec, 'connection' | 'clientId'> & { connection?: Partial<DeviceSpec['connection']> };

/** A device on real time with a 1 s keep-alive, a will on `faults/{thing}/lwt` and a quick back-off. */
function device(spec: Spec, clock?: VirtualClock): VirtualDevice {
  const d = new VirtualDevice({
    will: { topic: `faults/${spec.thingName}/lwt`, payload: JSON.stringify({ lost: spec.thingName }), qos: 1 },
    reconnect: { minMs: 100, maxMs: 400, jitter: 0 },
    ...spec,
    clientId: spec.thingName,
    connection: { url: `mqtt://127.0.0.1:${te.mqttPort}`, keepaliveSec: 1, connectTimeoutMs: 1000, ...spec.connection },
  }, { clock, seed: 7 });
  devices.push(d);
  return d;
}

function next<K extends keyof DeviceEvents>(d: VirtualDevice, name: K, when: (e: DeviceEvents[K]) => boolean = () => true): Promise<DeviceEvents[K]> {
  return new Promise((resolve) => {
    const sub = d.events.on(name, (e) => {
      if (!when(e)) return;
      sub.dispose();
      resolve(e);
    });
  });
}

async function watch(filters: string[]): Promise<Recorded> {
  const rec = await open(te.mqttPort);
  clients.push(rec.client);
  await rec.client.subscribeAsync(filters, { qos: 1 });
  return rec;
}

const json = (p: Buffer) => JSON.parse(p.toString('utf8'));
const presence = (thing: string) => [`$aws/events/presence/connected/${thing}`, `$aws/events/presence/disconnected/${thing}`];
const reasons = (rec: Recorded, thing: string) => on(rec.messages, `$aws/events/presence/disconnected/${thing}`).map((m) => json(m.payload).disconnectReason);
const connects = (rec: Recorded, thing: string) => on(rec.messages, `$aws/events/presence/connected/${thing}`).length;

async function started(d: VirtualDevice): Promise<void> {
  const up = next(d, 'connected');
  d.start();
  await up;
}

describe('drop and disconnect', () => {
  it('drop destroys the socket: the will fires, presence says CONNECTION_LOST, the device comes back after its back-off', async () => {
    const rec = await watch(['faults/f-drop/lwt', ...presence('f-drop')]);
    const d = device({ thingName: 'f-drop' });
    await started(d);
    await until(() => connects(rec, 'f-drop') === 1, 5000, 'presence connected');
    const back = next(d, 'connected');
    expect(d.fault({ kind: 'drop' })).toBe(true);
    await until(() => reasons(rec, 'f-drop').length === 1 && on(rec.messages, 'faults/f-drop/lwt').length === 1, 5000, 'will and presence');
    expect(reasons(rec, 'f-drop')).toEqual(['CONNECTION_LOST']);
    expect(json(on(rec.messages, 'faults/f-drop/lwt')[0].payload)).toEqual({ lost: 'f-drop' });
    await back;
    await until(() => connects(rec, 'f-drop') === 2, 5000, 'the device reconnected');
  });

  it('disconnect sends DISCONNECT: presence says CLIENT_INITIATED_DISCONNECT and no will fires', async () => {
    const rec = await watch(['faults/f-disc/lwt', ...presence('f-disc')]);
    const d = device({ thingName: 'f-disc' });
    await started(d);
    const gone = next(d, 'disconnected');
    const back = next(d, 'connected');
    expect(d.fault({ kind: 'disconnect' })).toBe(true);
    expect(await gone).toEqual({ reason: 'disconnected' });
    await until(() => reasons(rec, 'f-disc').length === 1, 5000, 'presence disconnected');
    expect(reasons(rec, 'f-disc')).toEqual(['CLIENT_INITIATED_DISCONNECT']);
    await back;
    // The marker: a drop afterwards fires the will, and it is the only will this device ever sent.
    d.fault({ kind: 'drop', reconnect: false });
    await until(() => reasons(rec, 'f-disc').length === 2, 5000, 'presence of the drop');
    await until(() => on(rec.messages, 'faults/f-disc/lwt').length === 1, 5000, 'the drop\'s will');
    expect(reasons(rec, 'f-disc')).toEqual(['CLIENT_INITIATED_DISCONNECT', 'CONNECTION_LOST']);
    expect(d.state).toBe('stopped');
  });

  it('a drop of a device that is not connected does not apply', async () => {
    const d = device({ thingName: 'f-idle' });
    expect(d.fault({ kind: 'drop' })).toBe(false);
  });
});

describe('keep-alive starvation', () => {
  it('the device stops sending: the broker gives up after 1.5 × keep-alive (MQTT_KEEP_ALIVE_TIMEOUT), the will fires, the device reconnects', async () => {
    const rec = await watch(['faults/f-starve/lwt', ...presence('f-starve')]);
    const d = device({ thingName: 'f-starve' });
    await started(d);
    await until(() => connects(rec, 'f-starve') === 1, 5000, 'presence connected');
    const t0 = Date.now();
    expect(d.fault({ kind: 'keepalive-starvation' })).toBe(true);
    await until(() => reasons(rec, 'f-starve').length === 1 && on(rec.messages, 'faults/f-starve/lwt').length === 1, 6000, 'will and presence');
    expect(reasons(rec, 'f-starve')).toEqual(['MQTT_KEEP_ALIVE_TIMEOUT']);
    // 1.5 s after the last packet the broker had, a PINGREQ due up to 1 s before (less what a busy core delayed it by).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    await until(() => connects(rec, 'f-starve') === 2, 5000, 'the device reconnected');
  });
});

describe('partition', () => {
  it('cuts the device off: the broker times it out, telemetry is buffered, and every message arrives after the partition', async () => {
    const rec = await watch(['faults/f-part/lwt', 'faults/f-part/telemetry', ...presence('f-part')]);
    const d = device({ thingName: 'f-part', telemetry: [{ topic: 'faults/f-part/telemetry', intervalMs: 100, qos: 1, payload: ({ seq }) => ({ seq }) }] });
    await started(d);
    await until(() => on(rec.messages, 'faults/f-part/telemetry').length >= 3, 5000, 'telemetry flowing');
    const lost = next(d, 'disconnected');
    const buffered = next(d, 'buffered');
    const cutAt = Date.now();
    expect(d.fault({ kind: 'partition', durationMs: 3000 })).toBe(true);
    await until(() => reasons(rec, 'f-part').length === 1, 6000, 'the broker timed the device out');
    expect(reasons(rec, 'f-part')).toEqual(['MQTT_KEEP_ALIVE_TIMEOUT']);
    expect(on(rec.messages, 'faults/f-part/lwt')).toHaveLength(1);
    await lost; // the device's own keep-alive gave up too
    await buffered;
    await until(() => connects(rec, 'f-part') === 2, 10_000, 'the device back after the partition');
    const reconnectedAt = on(rec.messages, '$aws/events/presence/connected/f-part')[1].at;
    expect(reconnectedAt - cutAt).toBeGreaterThanOrEqual(2900);
    const lastSeq = d.stats.published;
    await until(() => new Set(on(rec.messages, 'faults/f-part/telemetry').map((m) => json(m.payload).seq)).size >= 40, 10_000, 'the backlog');
    const seqs = new Set(on(rec.messages, 'faults/f-part/telemetry').map((m) => json(m.payload).seq));
    const max = Math.max(...seqs);
    for (let s = 0; s <= max; s++) expect(seqs.has(s), `seq ${s} arrived`).toBe(true); // nothing lost (QoS 1, offline buffer)
    // Messages produced during the partition arrived only after the reconnect.
    const during = on(rec.messages, 'faults/f-part/telemetry').filter((m) => m.at > cutAt + 500);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((m) => m.at >= reconnectedAt - 50)).toBe(true);
    expect(lastSeq).toBeGreaterThan(0);
  });
});

describe('network', () => {
  it('latency delays delivery measurably, and clear ends it', async () => {
    const rec = await watch(['faults/f-lat/t']);
    const clock = new VirtualClock(Date.now());
    // A keep-alive longer than the round trip: a second each way would starve the default 1-s one.
    const d = device({ thingName: 'f-lat', connection: { keepaliveSec: 60 }, telemetry: [{ topic: 'faults/f-lat/t', intervalMs: 1000, qos: 1, payload: ({ seq }) => ({ seq, sent: Date.now() }) }] }, clock);
    await started(d);
    const delay = async (n: number) => {
      clock.advance(1000);
      await until(() => on(rec.messages, 'faults/f-lat/t').length === n, 5000, `message ${n}`);
      const m = on(rec.messages, 'faults/f-lat/t')[n - 1];
      return m.at - json(m.payload).sent;
    };
    const base = await delay(1);
    // A second of latency: each delivery is one sample, so the fault's effect must dwarf a loaded machine's jitter.
    expect(d.fault({ kind: 'network', latencyMs: 1000 })).toBe(true);
    const slow = await delay(2);
    expect(slow).toBeGreaterThanOrEqual(995);
    expect(slow - base).toBeGreaterThanOrEqual(800);
    d.fault({ kind: 'clear' });
    clock.advance(0);
    const fast = await delay(3);
    expect(fast).toBeLessThan(500);
    await until(() => d.stats.acked === 3, 5000, 'acks through the link');
  });

  it('acts on WebSocket connections too: a partition over ws:// holds telemetry until it ends', async () => {
    const rec = await watch(['faults/f-ws/t']);
    const clock = new VirtualClock(Date.now());
    const d = device({ thingName: 'f-ws', connection: { url: te.wsUrl, keepaliveSec: 60 }, telemetry: [{ topic: 'faults/f-ws/t', intervalMs: 1000, qos: 1, payload: ({ seq }) => ({ seq }) }] }, clock);
    await started(d);
    d.fault({ kind: 'partition', durationMs: 5000 });
    clock.advance(1000); // published into the partition
    // The marker: another client's message on the same topic arrives; the device's has not.
    await rec.client.publishAsync('faults/f-ws/t', JSON.stringify({ marker: true }), { qos: 1 });
    await until(() => on(rec.messages, 'faults/f-ws/t').length === 1, 5000, 'the marker');
    expect(json(on(rec.messages, 'faults/f-ws/t')[0].payload)).toEqual({ marker: true });
    clock.advance(4000); // the partition ends (a 60 s keep-alive has not run out): the held bytes flow
    await until(() => on(rec.messages, 'faults/f-ws/t').length === 6, 5000, 'five readings after the partition');
    expect(on(rec.messages, 'faults/f-ws/t').slice(1).map((m) => json(m.payload).seq)).toEqual([0, 1, 2, 3, 4]);
    expect(d.stats.connects).toBe(1); // the same connection throughout
  });
});

describe('clock skew', () => {
  it('moves the timestamps the device\'s generators see', async () => {
    const rec = await watch(['faults/f-skew/t']);
    const clock = new VirtualClock(1_000_000);
    const d = device({ thingName: 'f-skew', telemetry: [{ topic: 'faults/f-skew/t', intervalMs: 1000, qos: 1, payload: ({ t }) => ({ t }) }] }, clock);
    await started(d);
    clock.advance(1000);
    d.fault({ kind: 'clock-skew', offsetMs: 3_600_000 });
    clock.advance(1000);
    d.fault({ kind: 'clock-skew', offsetMs: -5000 });
    clock.advance(1000);
    await until(() => on(rec.messages, 'faults/f-skew/t').length === 3, 5000, 'three readings');
    expect(on(rec.messages, 'faults/f-skew/t').map((m) => json(m.payload).t)).toEqual([1_001_000, 1_002_000 + 3_600_000, 1_003_000 - 5000]);
  });
});

describe('flood and malformed payloads', () => {
  it('a flood publishes rate × duration messages', async () => {
    const rec = await watch(['faults/f-flood/#']);
    const d = device({ thingName: 'f-flood' });
    await started(d);
    expect(d.fault({ kind: 'flood', ratePerSec: 100, durationMs: 500, topic: 'faults/f-flood/x', payloadBytes: 200, qos: 1 })).toBe(true);
    await until(() => on(rec.messages, 'faults/f-flood/x').length === 50, 5000, 'fifty messages');
    expect(on(rec.messages, 'faults/f-flood/x').map((m) => json(m.payload).flood)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(on(rec.messages, 'faults/f-flood/x').every((m) => m.payload.length === 200)).toBe(true);
  });

  it('invalid JSON and binary payloads reach subscribers as sent; an oversized one makes the broker close the connection, and the engine goes on', async () => {
    const rec = await watch(['faults/f-bad/t', ...presence('f-bad')]);
    const d = device({ thingName: 'f-bad', telemetry: [{ topic: 'faults/f-bad/t', intervalMs: 60_000, payload: () => ({}) }] });
    await started(d);
    d.fault({ kind: 'malformed', payload: 'invalid-json', count: 4 });
    d.fault({ kind: 'malformed', payload: 'binary', count: 2 });
    await until(() => on(rec.messages, 'faults/f-bad/t').length === 6, 5000, 'six payloads');
    const got = on(rec.messages, 'faults/f-bad/t').map((m) => m.payload);
    for (const p of got.slice(0, 4)) expect(() => JSON.parse(p.toString())).toThrow();
    for (const p of got.slice(4)) expect(p[0]).toBe(0xff);

    const closed = next(d, 'disconnected');
    expect(d.fault({ kind: 'malformed', payload: 'oversized' })).toBe(true);
    expect((await closed).reason).toBe('lost');
    await until(() => reasons(rec, 'f-bad').length === 1, 5000, 'presence disconnected');
    expect(reasons(rec, 'f-bad')).toEqual(['CLIENT_ERROR']);
    expect(on(rec.messages, 'faults/f-bad/t')).toHaveLength(6); // the oversized message went nowhere
    // The engine survives: the device comes back and its messages flow again.
    await until(() => connects(rec, 'f-bad') === 2, 5000, 'the device reconnected');
    d.fault({ kind: 'malformed', payload: 'invalid-json' });
    await until(() => on(rec.messages, 'faults/f-bad/t').length === 7, 5000, 'a payload after the reconnect');
  });
});

/** A sensor model as `loadDeviceModel` would return it. */
function model(): DeviceModel {
  return {
    name: 'fault-sensor',
    identity: { thingName: 'ff-{index}', clientId: '{thingName}', attributes: {}, certificate: { mode: 'none' } },
    vars: {},
    protocol: { transport: 'mqtt', version: 4, keepAlive: 1, cleanSession: true, reconnect: { enabled: true, minMs: 200, maxMs: 1000, factor: 2, jitter: 0.5 }, offlineBuffer: 100 },
    will: { topic: 'ff/{thingName}/lwt', payload: { thing: '{thingName}' }, qos: 1, retain: false },
    telemetry: [{ topic: 'ff/{thingName}/t', intervalMs: 60_000, offsetMs: 0, spreadMs: 0, qos: 1, retain: false, fields: { n: { gen: 'counter', start: 0, step: 1 } } }],
    commands: [],
  };
}

describe('fleet faults', () => {
  it('a reconnect storm drops every device and they all come straight back; a flood on two devices; unknown devices and bad faults are refused', async () => {
    const rec = await watch(['$aws/events/presence/connected/+', 'ff/+/flood']);
    const fleet = await Fleet.start({ model: model(), count: 20, seed: 1, url: `mqtt://127.0.0.1:${te.mqttPort}`, statusIntervalMs: 100 });
    try {
      await fleet.until((s) => s.connected === 20, 20_000);
      const connected = () => rec.messages.filter((m) => m.topic.startsWith('$aws/events/presence/connected/ff-'));
      await until(() => connected().length === 20, 5000, 'twenty connects');
      const result = await fleet.fault({ kind: 'reconnect-storm' });
      expect(result).toEqual({ kind: 'reconnect-storm', targeted: 20, applied: 20 });
      await until(() => connected().length === 40, 10_000, 'twenty reconnects');
      await fleet.until((s) => s.connects === 40 && s.connected === 20, 10_000);

      const flood = await fleet.fault({ kind: 'flood', ratePerSec: 50, durationMs: 200, topic: 'ff/any/flood' }, { devices: ['ff-3', 'ff-4'] });
      expect(flood).toEqual({ kind: 'flood', targeted: 2, applied: 2 });
      await until(() => on(rec.messages, 'ff/any/flood').length === 20, 5000, 'ten messages from each of two devices');
      expect(new Set(on(rec.messages, 'ff/any/flood').map((m) => json(m.payload).thing))).toEqual(new Set(['ff-3', 'ff-4']));

      await expect(fleet.fault({ kind: 'drop' }, { devices: ['ff-1', 'nobody'] })).rejects.toMatchObject({ code: 'NotFound', message: "no device 'nobody' in this fleet" });
      await expect(fleet.fault({ kind: 'partition' } as never)).rejects.toMatchObject({ code: 'InvalidInput', message: 'a partition fault needs durationMs' });
    } finally {
      await fleet.stop();
    }
  });

  it('a fleet-wide partition times every device out, and they all come back after it', async () => {
    const rec = await watch(['$aws/events/presence/+/+']);
    const m = { ...model(), identity: { ...model().identity, thingName: 'fp-{index}' } };
    const fleet = await Fleet.start({ model: m, count: 5, seed: 2, url: `mqtt://127.0.0.1:${te.mqttPort}`, statusIntervalMs: 100 });
    try {
      await fleet.until((s) => s.connected === 5, 20_000);
      expect(await fleet.fault({ kind: 'partition', durationMs: 2500 })).toEqual({ kind: 'partition', targeted: 5, applied: 5 });
      const disconnected = () => rec.messages.filter((x) => x.topic.startsWith('$aws/events/presence/disconnected/fp-'));
      await until(() => disconnected().length === 5, 8000, 'five timeouts');
      expect(disconnected().map((x) => json(x.payload).disconnectReason)).toEqual(Array(5).fill('MQTT_KEEP_ALIVE_TIMEOUT'));
      await fleet.until((s) => s.connects === 10 && s.connected === 5, 15_000);
    } finally {
      await fleet.stop();
    }
  });
});

describe('thingbench devices fault', () => {
  const lines = (out: string) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

  it('reaches a running fleet in another process: drop --device fires that device\'s will; bad input exits 2, no fleet exits 1', async () => {
    const dataDir = tempDir('tb-faults-cli-');
    const modelFile = path.join(dataDir, 'cli-sensor.yaml');
    fs.writeFileSync(modelFile, [
      'name: cli-sensor',
      'identity:',
      '  thingName: "cli-{index}"',
      'protocol:',
      '  keepAlive: 5',
      '  reconnect: { min: 200ms, max: 1s }',
      'will:',
      '  topic: "cli/{thingName}/lwt"',
      '  payload: { thing: "{thingName}" }',
      '  qos: 1',
      'telemetry:',
      '  - topic: "cli/{thingName}/t"',
      '    interval: 10s',
      '    fields: { n: { gen: counter } }',
      '',
    ].join('\n'));
    const rec = await watch(['cli/+/lwt', '$aws/events/presence/disconnected/+']);
    const fleet = runCli(['devices', 'start', modelFile, '--count', '3', '--data-dir', dataDir, '--mqtt-url', `mqtt://127.0.0.1:${te.mqttPort}`, '--json']);
    try {
      await until(() => lines(fleet.stdout()).some((l) => l.event === 'status' && l.connected === 3), 20_000, `three connected devices (stderr: ${fleet.stderr()})`);
      const runDir = path.join(dataDir, 'run');
      expect(fs.statSync(runDir).mode & 0o777).toBe(0o700);
      const announced = fs.readdirSync(runDir).filter((n) => n.endsWith('.json'));
      expect(announced).toEqual([`fleet-${fleet.child.pid}.json`]);
      expect(fs.statSync(path.join(runDir, announced[0])).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(runDir, `fleet-${fleet.child.pid}.sock`)).mode & 0o777).toBe(0o600);

      const drop = runCli(['devices', 'fault', 'drop', '--device', 'cli-1', '--no-reconnect', '--data-dir', dataDir]);
      expect((await drop.exited).code, drop.stderr()).toBe(0);
      expect(drop.stdout()).toMatch(new RegExp(`^drop: applied to 1 of 1 device \\(fleet ${fleet.child.pid}, cli-sensor\\)`));
      await until(() => on(rec.messages, 'cli/cli-1/lwt').length === 1, 5000, 'the will of cli-1');
      expect(json(on(rec.messages, 'cli/cli-1/lwt')[0].payload)).toEqual({ thing: 'cli-1' });
      await until(() => on(rec.messages, '$aws/events/presence/disconnected/cli-1').length === 1, 5000, 'presence');
      expect(json(on(rec.messages, '$aws/events/presence/disconnected/cli-1')[0].payload)).toMatchObject({ disconnectReason: 'CONNECTION_LOST' });
      await until(() => lines(fleet.stdout()).some((l) => l.event === 'status' && l.connected === 2), 5000, 'the fleet sees two connected');
      expect(lines(fleet.stdout()).find((l) => l.event === 'fault')).toMatchObject({ spec: { kind: 'drop', reconnect: false }, devices: ['cli-1'], result: { applied: 1, targeted: 1 } });

      const skew = runCli(['devices', 'fault', 'clock-skew', '--offset', '-5m', '--all', '--data-dir', dataDir, '--json']);
      expect((await skew.exited).code, skew.stderr()).toBe(0);
      expect(lines(skew.stdout())[0]).toEqual({ kind: 'clock-skew', targeted: 3, applied: 2, fleet: fleet.child.pid }); // cli-1 stays offline

      // Bad options are refused before any fleet is asked (engine/host/devices-fault-command.test.ts has the rest).
      for (const [args, message] of [
        [['drop', '--device', 'nobody'], /no device 'nobody' in this fleet/],
        [['partition', '--for', '10x', '--all'], /--for: '10x' is not a duration \(like 500ms, 10s, 2m\)/],
        [['drop', '--all', '--fleet', '1'], /no fleet with pid 1 is running/],
      ] as Array<[string[], RegExp]>) {
        const cli = runCli(['devices', 'fault', ...args, '--data-dir', dataDir]);
        expect((await cli.exited).code, `${args.join(' ')}: ${cli.stderr()}`).toBe(2);
        expect(cli.stderr()).toMatch(message);
        expect(cli.stderr()).not.toMatch(/\n\s+at /);
      }
      expect(on(rec.messages, 'cli/cli-2/lwt')).toHaveLength(0); // nothing reached the other devices
    } finally {
      fleet.child.kill('SIGINT');
    }
    expect((await fleet.exited).code).toBe(0);
    expect(fs.readdirSync(path.join(dataDir, 'run'))).toEqual([]); // the announcement and the socket are gone

    const none = runCli(['devices', 'fault', 'clear', '--data-dir', dataDir]);
    expect((await none.exited).code).toBe(1);
    expect(none.stderr()).toMatch(/no fleet is running under .*; start one with thingbench devices start/);
  }, 60_000);
});
