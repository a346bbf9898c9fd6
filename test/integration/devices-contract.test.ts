/**
 * The contract's `devices.*` through the UI transport (browser-mode `/rpc` WebSocket) against a real engine: models
 * (built-in, custom, broken), fleets started, listed, faulted and stopped, batched `devices.status` events, models
 * that register their things and provision their certificates (mutual TLS, thing type and attributes, a policy that
 * refuses another thing's topics), bad input with clear errors, and fleets stopping with the engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RpcError, type FleetInfo, type ThingbenchClient } from '../../engine/contract/index.js';
import { loadDeviceModel } from '../../engine/devices/index.js';
import { registerDevices } from '../../engine/scenarios/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { closeAll, open, type Recorded } from '../helpers/broker-clients.js';
import { engineTarget } from '../helpers/engine-target.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';
import { closed, tlsConnect } from './helpers/tls-client.js';

let te: TestEngine;
let contract: OpenContract;
let api: ThingbenchClient;
const clients: Recorded['client'][] = [];
const statuses: FleetInfo[][] = [];

const GREENHOUSE = `
name: greenhouse
description: A greenhouse climate sensor with its own certificate.
identity:
  thingName: "greenhouse-{index + 1}"
  thingType: Greenhouse
  attributes:
    bay: "{index % 2 == 0 ? 'north' : 'south'}"
  certificate: provision
telemetry:
  - topic: "greenhouse/{thingName}/climate"
    interval: 200ms
    qos: 1
    fields:
      humidity: { gen: int, min: 40, max: 90 }
`;

const LABELLED = `
name: labelled
identity:
  thingName: "labelled-{index + 1}"
  attributes:
    floor: "{index + 3}"
telemetry:
  - topic: "labelled/{thingName}"
    interval: 1s
    fields:
      n: { gen: counter }
`;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  const models = path.join(te.dataDir, 'models');
  fs.mkdirSync(models);
  fs.writeFileSync(path.join(models, 'greenhouse.yaml'), GREENHOUSE);
  fs.writeFileSync(path.join(models, 'labelled.yaml'), LABELLED);
  fs.writeFileSync(path.join(models, 'broken.yaml'), 'name: broken\ntelemetry:\n  - topic: t\n    interval: 1s\n    fields:\n      x: { gen: nosuch }\n');
  fs.writeFileSync(path.join(models, 'keyless.yaml'), `name: keyless\nidentity:\n  certificate: { existing: "${'a'.repeat(64)}" }\nprotocol: { transport: mqtts }\n`);
  contract = await openContract(te);
  api = contract.api;
  api.on('devices.status', (batch) => statuses.push(batch));
});

afterAll(async () => {
  await closeAll(clients);
  await contract?.close();
  await te?.stop();
});

/** Resolves with the first `devices.status` entry of fleet `id` for which `pred` holds (events, not polling). */
function statusOf(id: string, pred: (f: FleetInfo) => boolean, ms = 20_000): Promise<FleetInfo> {
  const seen = statuses.flat().find((f) => f.id === id && pred(f));
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`fleet ${id} never reported the expected status; last: ${JSON.stringify(statuses.flat().filter((f) => f.id === id).at(-1))}`));
    }, ms);
    const sub = api.on('devices.status', (batch) => {
      const hit = batch.find((f) => f.id === id && pred(f));
      if (!hit) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(hit);
    });
  });
}

async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(RpcError);
  return e as RpcError;
}

describe('devices.models', () => {
  it('lists the built-in models and the custom ones of <dataDir>/models, with the broken file and its file:line:col', async () => {
    const { models, errors } = await api.devices.models();
    expect(models.map((m) => [m.name, m.builtIn])).toEqual([
      ['firmware-device', true], ['generic-sensor', true], ['greenhouse', false], ['keyless', false], ['labelled', false], ['light-bulb', true], ['sprinkler', true],
      ['vibration-motor', true], ['wind-turbine', true],
    ]);
    expect(models.find((m) => m.name === 'greenhouse')).toMatchObject({ transport: 'mqtt', certificate: 'provision', thingType: 'Greenhouse', file: path.join(te.dataDir, 'models', 'greenhouse.yaml') });
    expect(errors).toHaveLength(1);
    expect(errors[0].file).toBe(path.join(te.dataDir, 'models', 'broken.yaml'));
    expect(errors[0].message).toContain(`${path.join(te.dataDir, 'models', 'broken.yaml')}:6:`);
  });
});

describe('devices.start, list, fault and stop', () => {
  it('runs a built-in fleet against the engine, reports batched status events, drops a device (its will fires), and stops it', async () => {
    const sub = await open(te.mqttPort);
    clients.push(sub.client);
    await sub.client.subscribeAsync(['$aws/events/presence/disconnected/+', 'farm-1/+'], { qos: 1 });
    const fleet = await api.devices.start({ model: 'sprinkler', count: 3, seed: 7 });
    expect(fleet).toMatchObject({ id: expect.stringMatching(/^fleet-\d+$/), model: 'sprinkler', count: 3, seed: 7, state: 'running', registered: true, first: { thingName: 'farm-1-sprinkler-1' } });
    expect(fleet.url).toBe(`mqtt://127.0.0.1:${te.mqttPort}`);
    const running = await statusOf(fleet.id, (f) => f.counters?.connected === 3);
    expect(running.state).toBe('running');
    expect((await api.devices.list()).find((f) => f.id === fleet.id)).toMatchObject({ state: 'running', counters: { devices: 3 } });
    // Every status event is a batch (an array of fleets).
    expect(statuses.every((b) => Array.isArray(b) && b.length >= 1)).toBe(true);

    const dropped = await api.devices.fault(fleet.id, { kind: 'drop', reconnect: false }, ['farm-1-sprinkler-2']);
    expect(dropped).toEqual({ kind: 'drop', targeted: 1, applied: 1 });
    await vi.waitFor(() => {
      const gone = sub.messages.find((m) => m.topic === '$aws/events/presence/disconnected/farm-1-sprinkler-2');
      expect(gone && JSON.parse(gone.payload.toString())).toMatchObject({ disconnectReason: 'CONNECTION_LOST' });
    }, { timeout: 10_000, interval: 20 });
    await statusOf(fleet.id, (f) => f.counters?.connected === 2);
    // A fault is checked field by field; an unknown device is NotFound.
    expect(await rpcError(api.devices.fault(fleet.id, { kind: 'melt' } as never))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/unknown fault kind "melt"/) });
    expect(await rpcError(api.devices.fault(fleet.id, { kind: 'partition' } as never))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/durationMs/) });
    expect(await rpcError(api.devices.fault(fleet.id, { kind: 'drop' }, ['farm-9-sprinkler-9']))).toMatchObject({ code: 'NotFound', message: expect.stringContaining('farm-9-sprinkler-9') });

    const stopped = await api.devices.stop(fleet.id);
    expect(stopped).toMatchObject({ id: fleet.id, state: 'stopped', counters: { devices: 3, connected: 0 } });
    await statusOf(fleet.id, (f) => f.state === 'stopped');
    expect((await api.devices.list()).find((f) => f.id === fleet.id)?.state).toBe('stopped');
    // Stopping again answers with the stopped fleet; faulting it is refused.
    expect((await api.devices.stop(fleet.id)).state).toBe('stopped');
    expect((await rpcError(api.devices.fault(fleet.id, { kind: 'drop' }))).code).toBe('NotFound');
  });

  it('registers a model\'s things with their attributes before they connect, even without a certificate', async () => {
    const fleet = await api.devices.start({ model: 'labelled', count: 2 });
    expect(fleet.registered).toBe(true);
    expect(await api.registry.thing('labelled-1')).toMatchObject({ attributes: { floor: '3' } });
    expect(await api.registry.thing('labelled-2')).toMatchObject({ attributes: { floor: '4' } });
    await statusOf(fleet.id, (f) => f.counters?.connected === 2);
    await api.devices.stop(fleet.id);
  });

  it('refuses bad input with the cause', async () => {
    expect(await rpcError(api.devices.start({ model: 'no-such-model' }))).toMatchObject({ code: 'NotFound', message: expect.stringMatching(/no device model 'no-such-model'.*wind-turbine/) });
    expect(await rpcError(api.devices.start({ model: 'broken' }))).toMatchObject({ code: 'InvalidInput', message: expect.stringContaining('broken.yaml:6:') });
    expect(await rpcError(api.devices.start({ model: 'keyless' }))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/private key.*--cert FILE --key FILE/) });
    expect(await rpcError(api.devices.start({ model: 'sprinkler', count: 0 }))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/count.*positive integer/) });
    expect(await rpcError(api.devices.start({ model: 'sprinkler', count: 100_001 }))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/from 1 to 100000/) });
    expect(await rpcError(api.devices.start({ model: 'sprinkler', colour: 'red' } as never))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/unknown field "colour"/) });
    expect(await rpcError(api.devices.stop('fleet-999'))).toMatchObject({ code: 'NotFound', message: "no fleet 'fleet-999'" });
    expect(await rpcError(api.devices.fault('fleet-999', { kind: 'drop' }))).toMatchObject({ code: 'NotFound' });
  });
});

describe('devices.members and devices.log', () => {
  it('pages a fleet\'s devices with their state and counters, and keeps each device\'s log (its publishes once read)', async () => {
    const fleet = await api.devices.start({ model: 'wind-turbine', count: 12, seed: 3 });
    await statusOf(fleet.id, (f) => f.counters?.connected === 12);
    const all = await api.devices.members(fleet.id);
    expect(all.total).toBe(12);
    expect(all.members.map((m) => m.index)).toEqual([...Array(12).keys()]);
    expect(all.members[1]).toMatchObject({
      index: 1, thingName: 'turbine-002', clientId: 'turbine-002', state: 'online', connects: 1, willTopic: 'turbines/ev-gen/002/status',
      lastActivity: expect.any(Number),
    });
    const page = await api.devices.members(fleet.id, { offset: 10, limit: 5 });
    expect(page).toMatchObject({ total: 12, offset: 10 });
    expect(page.members.map((m) => m.thingName)).toEqual(['turbine-011', 'turbine-012']);
    const found = await api.devices.members(fleet.id, { search: 'TURBINE-00' });
    expect(found.total).toBe(9);

    // The log holds the connection from the start; publishes from the first read on.
    const first = await api.devices.log(fleet.id, 'turbine-002');
    expect(first[0]).toMatchObject({ seq: 1, kind: 'connected', message: 'connected' });
    expect(first.some((e) => e.kind === 'published')).toBe(false);
    await api.devices.fault(fleet.id, { kind: 'flood', ratePerSec: 20, durationMs: 200, topic: 'turbines/flood', payloadBytes: 8 }, ['turbine-002']);
    await api.devices.fault(fleet.id, { kind: 'drop', reconnect: false }, ['turbine-002']);
    await vi.waitFor(async () => {
      expect((await api.devices.members(fleet.id, { state: 'stopped' })).members.map((m) => m.thingName)).toEqual(['turbine-002']);
    }, { timeout: 10_000, interval: 50 });
    let log: Awaited<ReturnType<typeof api.devices.log>> = [];
    await vi.waitFor(async () => {
      log = await api.devices.log(fleet.id, 'turbine-002', first.at(-1)!.seq);
      expect(log.filter((e) => e.kind === 'published' && e.topic === 'turbines/flood').length).toBeGreaterThan(0);
    }, { timeout: 10_000, interval: 50 });
    expect(log.every((e, i) => i === 0 || e.seq === log[i - 1].seq + 1)).toBe(true);
    expect(log.find((e) => e.kind === 'fault')?.message).toBe('flood fault applied');
    expect(log.find((e) => e.kind === 'disconnected')?.message).toMatch(/^connection dropped by a fault/);
    // By client id too; an unknown device is NotFound; a stopped fleet is Conflict.
    expect((await api.devices.log(fleet.id, 'turbine-003'))[0].kind).toBe('connected');
    expect(await rpcError(api.devices.log(fleet.id, 'turbine-999'))).toMatchObject({ code: 'NotFound', message: "no device 'turbine-999' in this fleet" });
    expect(await rpcError(api.devices.members(fleet.id, { limit: 1001 }))).toMatchObject({ code: 'InvalidInput', message: 'limit must be a whole number from 1 to 1000, not 1001' });
    expect(await rpcError(api.devices.members(fleet.id, { state: 'asleep' } as never))).toMatchObject({ code: 'InvalidInput' });
    await api.devices.stop(fleet.id);
    expect(await rpcError(api.devices.members(fleet.id))).toMatchObject({ code: 'Conflict', message: `fleet '${fleet.id}' is stopped: its devices are gone` });
    expect(await rpcError(api.devices.log('fleet-999', 'x'))).toMatchObject({ code: 'NotFound', message: "no fleet 'fleet-999'" });
  });
});

describe('models that provision themselves', () => {
  it('create a certificate per device, register the thing with its type and attributes, attach both, and connect over mutual TLS', async () => {
    const sub = await open(te.mqttPort);
    clients.push(sub.client);
    await sub.client.subscribeAsync('greenhouse/+/climate', { qos: 1 });
    const fleet = await api.devices.start({ model: 'greenhouse', count: 2 });
    expect(fleet).toMatchObject({ registered: true, policy: 'thingbench-greenhouse-device', url: te.info.endpoints.mqtts });
    await statusOf(fleet.id, (f) => f.counters?.connected === 2);

    expect((await api.registry.thingTypes()).map((t) => t.name)).toContain('Greenhouse');
    expect(await api.registry.thing('greenhouse-1')).toMatchObject({ type: 'Greenhouse', attributes: { bay: 'north' } });
    expect(await api.registry.thing('greenhouse-2')).toMatchObject({ type: 'Greenhouse', attributes: { bay: 'south' } });
    const principals = await api.registry.principals('greenhouse-1');
    expect(principals).toHaveLength(1);
    const certId = principals[0].split('/').pop();
    expect((await api.security.certificates()).find((c) => c.id === certId)).toMatchObject({ status: 'ACTIVE', policies: ['thingbench-greenhouse-device'] });
    const connected = (await api.broker.clients()).filter((c) => c.clientId.startsWith('greenhouse-'));
    expect(connected.map((c) => [c.clientId, c.transport]).sort()).toEqual([['greenhouse-1', 'tls'], ['greenhouse-2', 'tls']]);
    await vi.waitFor(() => expect(new Set(sub.messages.map((m) => m.topic))).toEqual(new Set(['greenhouse/greenhouse-1/climate', 'greenhouse/greenhouse-2/climate'])), { timeout: 10_000, interval: 20 });

    // The default policy is written over the thing name, so one document serves the whole fleet.
    const policy = (await api.security.policies()).find((p) => p.name === 'thingbench-greenhouse-device');
    expect(JSON.parse(policy!.document).Statement).toContainEqual({ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:000000000000:client/${iot:Connection.Thing.ThingName}' });

    // Stopping the fleet gives its certificates back; the things stay.
    await api.devices.stop(fleet.id);
    expect(await api.registry.principals('greenhouse-1')).toEqual([]);
    expect((await api.security.certificates()).some((c) => c.id === certId)).toBe(false);
    expect(await api.registry.thing('greenhouse-1')).toMatchObject({ type: 'Greenhouse' });
  });

  it('the least-privilege policy lets a device use its own topics and refuses another thing\'s', async () => {
    const model = loadDeviceModel(GREENHOUSE, 'greenhouse.yaml');
    const reg = await registerDevices(engineTarget(te), model, [{ thingName: 'greenhouse-7', attributes: {} }, { thingName: 'greenhouse-8', attributes: {} }]);
    try {
      const ca = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8');
      const own = reg.identities[0]!;
      const dev = await tlsConnect(te.info.endpoints.mqtts, { cert: own.cert, key: own.key, ca }, { clientId: 'greenhouse-7' });
      expect(dev.error).toBeUndefined();
      clients.push(dev.client!);
      await dev.client!.publishAsync('greenhouse/greenhouse-7/climate', '{"humidity":50}', { qos: 1 });
      await dev.client!.publishAsync('$aws/things/greenhouse-7/shadow/update', '{"state":{"reported":{"ok":true}}}', { qos: 1 });
      // Another thing's topic: AWS IoT (MQTT 3.1.1) closes the connection.
      const gone = closed(dev.client!);
      dev.client!.publish('greenhouse/greenhouse-8/climate', '{"humidity":1}', { qos: 1 });
      await gone;
      const denial = (await api.security.denials()).find((d) => d.clientId === 'greenhouse-7');
      expect(denial).toMatchObject({ action: 'iot:Publish', resource: 'arn:aws:iot:us-east-1:000000000000:topic/greenhouse/greenhouse-8/climate' });
      // Nor may it connect as the other thing.
      const other = await tlsConnect(te.info.endpoints.mqtts, { cert: own.cert, key: own.key, ca }, { clientId: 'greenhouse-8' });
      expect(other.error).toMatch(/not authori[sz]ed/i);
    } finally {
      await reg.release();
    }
    expect(await api.registry.principals('greenhouse-7')).toEqual([]);
  });
});

describe('registration on a target without a control plane (any MQTT broker)', () => {
  it('skips a thing type and attributes, and refuses a model that provisions certificates in one sentence', async () => {
    const plain = { ...engineTarget(te), name: 'plain', kind: 'mqtt' as const, aws: undefined, capabilities: { shadows: false, controlPlane: false, sinks: false, engineRestart: false } };
    const logged: string[] = [];
    const reg = await registerDevices(plain, loadDeviceModel(LABELLED, 'labelled.yaml'), [{ thingName: 'labelled-9', attributes: { floor: '1' } }], { log: (m) => logged.push(m) });
    expect(reg.identities).toEqual([undefined]);
    expect(logged).toEqual(["things not registered: the target 'plain' (mqtt) has no AWS IoT control plane"]);
    await expect(registerDevices(plain, loadDeviceModel(GREENHOUSE, 'greenhouse.yaml'), [{ thingName: 'greenhouse-9', attributes: {} }]))
      .rejects.toThrow("the target 'plain' (mqtt) has no AWS IoT control plane to provision things, certificates, policies or rules on");
    await expect(api.registry.thing('labelled-9')).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe('when the engine stops', () => {
  it('stops every fleet with it', async () => {
    const fleet = await api.devices.start({ model: 'generic-sensor', count: 2 });
    await statusOf(fleet.id, (f) => f.counters?.connected === 2);
    api.dispose();
    await contract.close();
    await te.engine.stop();
    const after = (await te.engine.api.devices.list()).find((f) => f.id === fleet.id);
    expect(after).toMatchObject({ state: 'stopped', counters: { connected: 0 } });
    expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});
