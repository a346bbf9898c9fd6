/**
 * Fleets against a real engine: N devices from one model, each its own MQTT connection, run in a worker thread; the
 * parent sees connection counts and rates; drop() kills one socket (its will fires, presence says CONNECTION_LOST);
 * stop() disconnects every device cleanly.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { open, closeAll, on, type Recorded } from '../helpers/broker-clients.js';
import { Fleet, VirtualClock, VirtualDevice, deviceSpecFromModel } from '../../engine/devices/index.js';
import type { DeviceModel } from '../../engine/devices/model/index.js';

let te: TestEngine;
const clients: Recorded['client'][] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
});

afterAll(async () => {
  await closeAll(clients);
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
});

/** A sensor model as `loadDeviceModel` would return it (every default spelled out). */
function sensorModel(overrides: Partial<DeviceModel> = {}): DeviceModel {
  return {
    name: 'fleet-sensor',
    identity: { thingName: 'fleet-{pad(index, 3)}', clientId: '{thingName}', attributes: {}, certificate: { mode: 'none' } },
    vars: {},
    protocol: { transport: 'mqtt', version: 4, keepAlive: 60, cleanSession: true, reconnect: { enabled: true, minMs: 200, maxMs: 2000, factor: 2, jitter: 0.5 }, offlineBuffer: 100 },
    will: { topic: 'fleet/{thingName}/lwt', payload: { thing: '{thingName}', state: 'lost' }, qos: 1, retain: false },
    telemetry: [{
      topic: 'fleet/{thingName}/telemetry', intervalMs: 500, offsetMs: 0, spreadMs: 500, qos: 1, retain: false,
      fields: { n: { gen: 'counter', start: 0, step: 1 }, temperature: { gen: 'float', min: 10, max: 30, precision: 1 }, device: { gen: 'thingName' } },
    }],
    commands: [],
    ...overrides,
  };
}

describe('a device from a model', () => {
  it('takes its identity, topic and seeded values from the model', async () => {
    const sub = await open(te.mqttPort);
    clients.push(sub.client);
    await sub.client.subscribeAsync('fleet/+/telemetry', { qos: 1 });
    const payloads = async (seed: number, clientSuffix: string) => {
      const spec = deviceSpecFromModel(sensorModel(), { index: 7, seed, url: `mqtt://127.0.0.1:${te.mqttPort}` });
      expect(spec.thingName).toBe('fleet-007');
      const clock = new VirtualClock(0);
      const d = new VirtualDevice({ ...spec, clientId: spec.clientId + clientSuffix }, { clock });
      const connected = new Promise<void>((r) => d.events.on('connected', () => r()));
      d.start();
      await connected;
      clock.advance(2000);
      await until(() => d.stats.acked === d.stats.published && d.stats.published > 0, 5000, 'acknowledged telemetry');
      await d.stop();
      return d.stats.published;
    };
    const n1 = await payloads(42, '-a');
    // A PUBACK does not wait for delivery to subscribers: wait for the subscriber's copies.
    await until(() => on(sub.messages, 'fleet/fleet-007/telemetry').length === n1, 5000, 'the first run delivered');
    const first = on(sub.messages, 'fleet/fleet-007/telemetry').map((m) => JSON.parse(m.payload.toString()));
    const n2 = await payloads(42, '-b');
    await until(() => on(sub.messages, 'fleet/fleet-007/telemetry').length === n1 + n2, 5000, 'the second run delivered');
    const all = on(sub.messages, 'fleet/fleet-007/telemetry').map((m) => JSON.parse(m.payload.toString()));
    expect(first).toHaveLength(n1);
    expect(all.slice(n1)).toEqual(first); // same seed, same values
    expect(first.map((p) => p.n)).toEqual(first.map((_, i) => i));
    expect(first.every((p) => p.device === 'fleet-007' && p.temperature >= 10 && p.temperature <= 30)).toBe(true);
  });
});

describe('a schedule from a model', () => {
  it('publishes at the cron-like schedule\'s times, moved by the device\'s offset', async () => {
    const sub = await open(te.mqttPort);
    clients.push(sub.client);
    await sub.client.subscribeAsync('fleet/+/telemetry', { qos: 1 });
    const model = sensorModel({
      identity: { thingName: 'cron-{index}', clientId: '{thingName}', attributes: {}, certificate: { mode: 'none' } },
      telemetry: [{ ...sensorModel().telemetry[0], intervalMs: undefined, schedule: '*/10 * * * * *', offsetMs: 250, spreadMs: 0, fields: { t: { gen: 'timestamp', format: 'epoch-ms' } } }],
    });
    const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12, 0, 3));
    const d = new VirtualDevice(deviceSpecFromModel(model, { index: 0, seed: 1, url: `mqtt://127.0.0.1:${te.mqttPort}` }), { clock });
    const connected = new Promise<void>((r) => d.events.on('connected', () => r()));
    d.start();
    await connected;
    try {
      clock.advance(7_000); // 12:00:10.000 passes, 12:00:10.250 not yet
      expect(d.stats.published).toBe(0);
      clock.advance(30_000);
      await until(() => on(sub.messages, 'fleet/cron-0/telemetry').length === 3, 5000, 'three scheduled messages');
      expect(on(sub.messages, 'fleet/cron-0/telemetry').map((m) => JSON.parse(m.payload.toString()).t))
        .toEqual([10_250, 20_250, 30_250].map((ms) => Date.UTC(2026, 0, 1, 12, 0, 0) + ms));
    } finally {
      await d.stop();
    }
  });
});

describe('a state machine from a model', () => {
  it('publishes vibration only while the shadow turned the motor on', async () => {
    const sub = await open(te.mqttPort);
    clients.push(sub.client);
    await sub.client.subscribeAsync('data/vibration', { qos: 1 });
    const model = sensorModel({
      name: 'motor', identity: { thingName: 'motor-{index + 1}', clientId: '{thingName}', attributes: {}, certificate: { mode: 'none' } },
      will: undefined,
      shadow: { initial: { MOTOR: 'OFF' }, reportOnConnect: true, markConnected: false, onDelta: { action: 'apply', delayMs: 0 } },
      stateMachine: {
        initial: 'stopped', states: ['stopped', 'running'],
        transitions: [
          { from: 'stopped', to: 'running', on: { kind: 'delta', key: 'MOTOR' }, when: "delta.MOTOR == 'ON'" },
          { from: 'running', to: 'stopped', on: { kind: 'delta', key: 'MOTOR' }, when: "delta.MOTOR == 'OFF'" },
        ],
      },
      telemetry: [{
        name: 'vibration', topic: 'data/vibration', intervalMs: 1000, offsetMs: 0, spreadMs: 0, qos: 1, retain: false, inStates: ['running'], when: "shadow.MOTOR == 'ON'",
        fields: { thing: { gen: 'thingName' }, machine: { gen: 'expr', expr: 'state' }, rpm: { gen: 'int', min: 1400, max: 1600 } },
      }],
    });
    const clock = new VirtualClock();
    const d = new VirtualDevice(deviceSpecFromModel(model, { index: 0, seed: 3, url: `mqtt://127.0.0.1:${te.mqttPort}` }), { clock });
    const connected = new Promise<void>((r) => d.events.on('connected', () => r()));
    d.start();
    await connected;
    try {
      clock.advance(3000);
      expect(d.stats.published).toBe(2); // the report and the shadow get after connect, no vibration while stopped
      const running = new Promise<void>((r) => d.events.on('transition', (e) => e.to === 'running' && r()));
      await te.engine.api.shadow.update('motor-1', { state: { desired: { MOTOR: 'ON' } } });
      await running;
      clock.advance(2000); // applies the delta (delay 0), then two readings
      await until(() => on(sub.messages, 'data/vibration').length === 2, 5000, 'two readings');
      expect(on(sub.messages, 'data/vibration').map((m) => JSON.parse(m.payload.toString())))
        .toEqual([expect.objectContaining({ thing: 'motor-1', machine: 'running' }), expect.objectContaining({ thing: 'motor-1', machine: 'running' })]);
      const stopped = new Promise<void>((r) => d.events.on('transition', (e) => e.to === 'stopped' && r()));
      await te.engine.api.shadow.update('motor-1', { state: { desired: { MOTOR: 'OFF' } } });
      await stopped;
      const before = d.stats.published;
      clock.advance(5000);
      expect(d.stats.published).toBe(before + 1); // only the report of MOTOR: OFF
      expect(d.machineState).toBe('stopped');
    } finally {
      await d.stop();
    }
  });
});

describe('a fleet', () => {
  it('connects 200 devices from a worker thread, reports rates, drops one (will, CONNECTION_LOST) and stops cleanly', async () => {
    const watcher = await open(te.mqttPort);
    clients.push(watcher.client);
    await watcher.client.subscribeAsync(['fleet/fleet-013/lwt', '$aws/events/presence/disconnected/fleet-013'], { qos: 1 });

    const fleet = await Fleet.start({ model: sensorModel(), count: 200, seed: 9, url: `mqtt://127.0.0.1:${te.mqttPort}`, statusIntervalMs: 200 });
    try {
      expect(fleet.devices).toHaveLength(200);
      expect(fleet.devices[13]).toEqual({ thingName: 'fleet-013', clientId: 'fleet-013' });
      const up = await fleet.until((s) => s.connected === 200, 30_000);
      expect(up).toMatchObject({ devices: 200, started: 200 });
      const flowing = await fleet.until((s) => s.acked >= 400 && s.ackRate > 0, 30_000);
      expect(flowing.publishRate).toBeGreaterThan(0);
      expect(flowing.acked).toBeLessThanOrEqual(flowing.published);

      await fleet.drop('fleet-013', { reconnect: false });
      await until(() => watcher.messages.length === 2, 10_000, 'the will and the presence event');
      expect(JSON.parse(on(watcher.messages, 'fleet/fleet-013/lwt')[0].payload.toString())).toEqual({ thing: 'fleet-013', state: 'lost' });
      expect(JSON.parse(on(watcher.messages, '$aws/events/presence/disconnected/fleet-013')[0].payload.toString()))
        .toMatchObject({ clientId: 'fleet-013', disconnectReason: 'CONNECTION_LOST' });
      await fleet.until((s) => s.connected === 199, 10_000);
      await expect(fleet.drop('no-such-device')).rejects.toMatchObject({ code: 'NotFound' });
    } finally {
      const final = await fleet.stop();
      expect(final.connected).toBe(0);
    }
    await expect(fleet.drop('fleet-001')).rejects.toMatchObject({ code: 'Unavailable' });
  });

  it('refuses a model it cannot run, with the reason', async () => {
    const model = sensorModel({ telemetry: [{ ...sensorModel().telemetry[0], intervalMs: undefined, schedule: '*/5 * * *' }] });
    await expect(Fleet.start({ model, count: 2, url: `mqtt://127.0.0.1:${te.mqttPort}` })).rejects.toThrow(/telemetry 0: expected 5 or 6 fields/);
    await expect(Fleet.start({ model: sensorModel(), count: 0, url: `mqtt://127.0.0.1:${te.mqttPort}` })).rejects.toMatchObject({ code: 'InvalidInput' });
  });
});
