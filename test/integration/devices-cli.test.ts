/**
 * `thingbench devices models|start` as a child process against a real engine: a built-in model's fleet connects and
 * publishes until SIGINT, then stops cleanly (exit 0); bad input exits 2 with one clear sentence.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { open, closeAll, type Recorded } from '../helpers/broker-clients.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runCli } from './helpers/cli-process.js';

let te: TestEngine;
const clients: Recorded['client'][] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
});

afterAll(async () => {
  await closeAll(clients);
  await te?.stop();
});

const lines = (out: string) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

describe('thingbench devices', () => {
  it('models lists the built-in models', async () => {
    const cli = runCli(['devices', 'models', '--json', '--data-dir', tempDir('tb-devices-empty-')]);
    expect((await cli.exited).code).toBe(0);
    expect(lines(cli.stdout()).map((m) => m.name)).toEqual(['firmware-device', 'generic-sensor', 'light-bulb', 'sprinkler', 'vibration-motor', 'wind-turbine']);
  });

  it('models lists the custom models of <dataDir>/models beside the built-ins, and a broken one with file:line:col; start finds a custom model by name', async () => {
    const dataDir = tempDir('tb-devices-custom-');
    const models = path.join(dataDir, 'models');
    fs.mkdirSync(models);
    fs.writeFileSync(path.join(models, 'greenhouse.yaml'), [
      'name: greenhouse', 'description: A greenhouse climate sensor.', 'identity:', '  thingName: "greenhouse-{index + 1}"',
      'telemetry:', '  - topic: "greenhouse/{thingName}/climate"', '    interval: 200ms', '    fields:', '      humidity: { gen: int, min: 40, max: 90 }', '',
    ].join('\n'));
    fs.writeFileSync(path.join(models, 'broken.yaml'), 'name: broken\ntelemetry:\n  - topic: t\n    interval: 1s\n    fields:\n      x: { gen: nosuch }\n');
    const list = runCli(['devices', 'models', '--json', '--data-dir', dataDir]);
    expect((await list.exited).code).toBe(0);
    const out = lines(list.stdout());
    expect(out.filter((m) => m.name).map((m) => [m.name, m.builtIn])).toEqual([
      ['firmware-device', true], ['generic-sensor', true], ['greenhouse', false], ['light-bulb', true], ['sprinkler', true], ['vibration-motor', true], ['wind-turbine', true],
    ]);
    expect(out.find((m) => m.error)?.error).toMatch(new RegExp(`${path.join(models, 'broken.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:\\d+: `));

    const pretty = runCli(['devices', 'models', '--data-dir', dataDir]);
    expect((await pretty.exited).code).toBe(0);
    expect(pretty.stdout()).toMatch(/Custom models \(.*models\):\n {2}greenhouse +A greenhouse climate sensor\./);
    expect(pretty.stderr()).toMatch(/Not loaded: .*broken\.yaml:6:/);

    const sub = await open(te.mqttPort);
    clients.push(sub.client);
    await sub.client.subscribeAsync('greenhouse/+/climate', { qos: 1 });
    const cli = runCli(['devices', 'start', 'greenhouse', '--data-dir', dataDir, '--count', '2', '--mqtt-url', `mqtt://127.0.0.1:${te.mqttPort}`, '--json']);
    try {
      await until(() => ['greenhouse-1', 'greenhouse-2'].every((t) => sub.messages.some((m) => m.topic === `greenhouse/${t}/climate`)), 20_000, `both greenhouses publishing (stderr: ${cli.stderr()})`);
    } finally {
      cli.child.kill('SIGINT');
    }
    expect((await cli.exited).code).toBe(0);

    const bad = runCli(['devices', 'start', 'broken', '--data-dir', dataDir]);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toMatch(/broken\.yaml:6:\d+: /);
  });

  it('start runs a fleet of a built-in model until SIGINT, with status lines, then disconnects every device cleanly', async () => {
    const sub = await open(te.mqttPort);
    clients.push(sub.client);
    await sub.client.subscribeAsync(['farm-1/+', '$aws/events/presence/disconnected/+'], { qos: 1 });
    const cli = runCli(['devices', 'start', 'sprinkler', '--count', '5', '--seed', '3', '--mqtt-url', `mqtt://127.0.0.1:${te.mqttPort}`, '--json']);
    try {
      await until(() => lines(cli.stdout()).some((l) => l.event === 'status' && l.connected === 5), 20_000, `five connected devices (stderr: ${cli.stderr()})`);
      expect(lines(cli.stdout())[0]).toMatchObject({ event: 'started', model: 'sprinkler', count: 5, seed: 3, first: { thingName: 'farm-1-sprinkler-1' } });
      // Every sprinkler reports after connect and marks itself connected.
      await vWaitShadow('farm-1-sprinkler-5', (r) => r.connected === true && r.water === 'off');
    } finally {
      cli.child.kill('SIGINT');
    }
    expect((await cli.exited).code).toBe(0);
    const stopped = lines(cli.stdout()).find((l) => l.event === 'stopped');
    expect(stopped).toMatchObject({ devices: 5, connected: 0 });
    await until(() => sub.messages.filter((m) => m.topic.startsWith('$aws/events/presence/disconnected/farm-1-sprinkler-')).length === 5, 10_000, 'five disconnects');
    for (const m of sub.messages.filter((x) => x.topic.startsWith('$aws/events/presence/disconnected/'))) {
      expect(JSON.parse(m.payload.toString())).toMatchObject({ disconnectReason: 'CLIENT_INITIATED_DISCONNECT' });
    }
    // The device's last report is acknowledged before the shadow service has it on disk and shows it: wait for it.
    await vWaitShadow('farm-1-sprinkler-1', (r) => r.connected === false);
  });

  it.each([
    [['devices'], /devices needs a command/],
    [['devices', 'start'], /needs a model/],
    [['devices', 'start', 'no-such-model'], /unknown model 'no-such-model'.*wind-turbine/],
    [['devices', 'start', './missing.yaml'], /no model file '\.\/missing\.yaml'/],
    [['devices', 'start', 'wind-turbine', '--count', '0'], /--count must be a whole number from 1/],
    [['devices', 'start', 'wind-turbine', '--mqtt-url', 'http://x'], /must use mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\//],
    [['devices', 'start', 'wind-turbine', '--mqtt-url', 'mqtts://127.0.0.1:8883'], /mutual TLS: give the device certificate and key/],
    [['devices', 'start', 'wind-turbine', '--bogus'], /Unknown option '--bogus'/],
  ])('%j exits 2 with the reason', async (args, message) => {
    const cli = runCli(args);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toMatch(message);
    expect(cli.stderr()).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reports a broken model file as file:line:col and exits 2', async () => {
    const file = path.join(tempDir('tb-devices-cli-'), 'broken.yaml');
    fs.writeFileSync(file, 'name: broken\ntelemetry:\n  - topic: t\n    interval: 1s\n    fields:\n      x: { gen: nosuch }\n');
    const cli = runCli(['devices', 'start', file, '--mqtt-url', `mqtt://127.0.0.1:${te.mqttPort}`]);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:\\d+: `));
  });

  it('start provisions a certificate per device of a certificate: provision model, registers its things and connects over mutual TLS', async () => {
    const dataDir = tempDir('tb-devices-provision-');
    fs.mkdirSync(path.join(dataDir, 'models'));
    fs.writeFileSync(path.join(dataDir, 'models', 'cellar.yaml'), [
      'name: cellar', 'identity:', '  thingName: "cellar-{index + 1}"', '  thingType: Cellar', '  attributes: { rack: "{index + 10}" }', '  certificate: provision',
      'telemetry:', '  - topic: "cellar/{thingName}/temp"', '    interval: 200ms', '    fields:', '      c: { gen: float, min: 10, max: 14, precision: 1 }', '',
    ].join('\n'));
    const cli = runCli(['devices', 'start', 'cellar', '--data-dir', dataDir, '--count', '2', '--mqtt-url', te.info.endpoints.mqtts,
      '--http-url', te.httpUrl, '--ca', path.join(te.dataDir, 'security', 'root-ca.pem'), '--json']);
    try {
      await until(() => lines(cli.stdout()).some((l) => l.event === 'status' && l.connected === 2), 20_000, `two connected devices (stderr: ${cli.stderr()})`);
      expect(await te.engine.api.registry.thing('cellar-2')).toMatchObject({ type: 'Cellar', attributes: { rack: '11' } });
      expect((await te.engine.api.broker.clients()).filter((c) => c.clientId.startsWith('cellar-')).map((c) => c.transport)).toEqual(['tls', 'tls']);
      expect(await te.engine.api.registry.principals('cellar-1')).toHaveLength(1);
    } finally {
      cli.child.kill('SIGINT');
    }
    expect((await cli.exited).code).toBe(0);
    // The fleet's certificates are given back when it stops.
    expect(await te.engine.api.registry.principals('cellar-1')).toEqual([]);

    const noPlane = runCli(['devices', 'start', 'cellar', '--data-dir', dataDir, '--mqtt-url', te.info.endpoints.mqtts]);
    expect((await noPlane.exited).code).toBe(2);
    expect(noPlane.stderr()).toMatch(/provisions a certificate per device: give the AWS IoT control plane with --http-url URL/);
  });

  it('says in one sentence when the broker cannot be reached, and exits 1', async () => {
    const cli = runCli(['devices', 'start', 'wind-turbine', '--mqtt-url', 'mqtt://127.0.0.1:1']);
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toMatch(/cannot reach the broker at mqtt:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });
});

/** Waits (vi.waitFor) until a thing's reported state matches. */
async function vWaitShadow(thing: string, pred: (reported: Record<string, unknown>) => boolean): Promise<void> {
  await vi.waitFor(async () => {
    const doc = await te.engine.api.shadow.get(thing).catch(() => undefined);
    if (!doc?.state.reported || !pred(doc.state.reported as Record<string, unknown>)) throw new Error(`the shadow of ${thing} does not match yet`);
  }, { timeout: 10_000, interval: 20 });
}
