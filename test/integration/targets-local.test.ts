/**
 * The `local` target: an engine in this process on free ports and a fresh data directory, reached over MQTT and
 * through the AWS SDK v3 with the keys it signs with; its restart keeps retained messages and shadows on the same
 * ports; close removes the temporary directory. A profile's data directory held by a running Thingbench, and an
 * unknown target name, are one sentence each.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { GetThingShadowCommand, IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { CreateThingCommand, DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { addProfile, openTarget, parseRecording, requireCapabilities, type Target } from '../../engine/scenarios/index.js';
import { runCli } from './helpers/cli-process.js';
import { cli, waitForLine } from './helpers/target-cli.js';
import { EngineError } from '../../engine/core/index.js';
import { Fleet, loadBuiltInModels } from '../../engine/devices/index.js';
import { connect, nextMessages, startTestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

const targets: Target[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await Promise.all(targets.splice(0).map((t) => t.close()));
});

async function open(name: string | undefined, dataDir = tempDir('tb-targets-home-')): Promise<Target> {
  const t = await openTarget(name, { dataDir });
  targets.push(t);
  return t;
}

describe('the local target', () => {
  it('starts an engine for the run: MQTT, the contract, and the AWS SDK with the keys it signs with', async () => {
    const t = await open(undefined);
    expect(t.kind).toBe('local');
    expect(t.name).toBe('local');
    expect(t.capabilities).toEqual({ shadows: true, controlPlane: true, sinks: true, engineRestart: true });
    const url = t.mqtt().url;
    expect(url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toBe('mqtt://127.0.0.1:1883'); // a free port, never the default a user's Thingbench may hold
    expect(t.mqtt('ws').url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    expect(t.mqtt('mqtts').tls?.ca).toContain('BEGIN CERTIFICATE');

    const iot = new IoTClient({ endpoint: t.aws!.endpoint, region: t.aws!.region, credentials: t.aws!.credentials });
    await iot.send(new CreateThingCommand({ thingName: 'lamp-1' }));
    expect((await iot.send(new DescribeThingCommand({ thingName: 'lamp-1' }))).thingName).toBe('lamp-1');
    expect((await t.api!.registry.thing('lamp-1')).name).toBe('lamp-1');

    const sub = await connect(url, { clientId: 'watcher' });
    clients.push(sub);
    await sub.subscribeAsync('room/#');
    const got = nextMessages(sub, 1);
    await t.api!.broker.publish({ topic: 'room/1', payload: 'hello' });
    expect((await got)[0].payload.toString()).toBe('hello');
  });

  it('restartEngine() keeps retained messages and shadows, on the same data directory and ports', async () => {
    const t = await open('local');
    const before = { mqtt: t.mqtt().url, http: t.aws!.endpoint, dataDir: t.engine!.config.dataDir };
    const dev = await connect(before.mqtt, { clientId: 'dev-1' });
    await dev.publishAsync('status/dev-1', 'online', { qos: 1, retain: true });
    dev.end(true);
    const data = new IoTDataPlaneClient({ endpoint: t.aws!.dataEndpoint, region: t.aws!.region, credentials: t.aws!.credentials });
    await data.send(new UpdateThingShadowCommand({ thingName: 'lamp-1', payload: Buffer.from(JSON.stringify({ state: { reported: { on: true } } })) }));

    const oldEngine = t.engine;
    const updates: string[] = [];
    t.events!.on('shadow.updated', (u) => updates.push(u.thing));
    await t.restartEngine!();
    expect(t.engine).not.toBe(oldEngine);
    expect({ mqtt: t.mqtt().url, http: t.aws!.endpoint, dataDir: t.engine!.config.dataDir }).toEqual(before);

    const shadow = await data.send(new GetThingShadowCommand({ thingName: 'lamp-1' }));
    expect(JSON.parse(Buffer.from(shadow.payload!).toString()).state).toEqual({ reported: { on: true } });
    expect((await t.api!.shadow.get('lamp-1')).state).toMatchObject({ reported: { on: true } });
    // Listeners through target.events carry on with the new engine.
    await t.api!.shadow.update('lamp-2', { state: { reported: { on: false } } });
    await vi.waitFor(() => expect(updates).toContain('lamp-2'));
    const sub = await connect(before.mqtt, { clientId: 'watcher-2' });
    clients.push(sub);
    const retained = nextMessages(sub, 1);
    await sub.subscribeAsync('status/dev-1'); // AWS IoT hands out retained messages to a filter equal to their topic
    const [m] = await retained;
    expect({ topic: m.topic, payload: m.payload.toString(), retain: m.retain }).toEqual({ topic: 'status/dev-1', payload: 'online', retain: true });
  });

  it('a fleet on the local target reconnects to the same address after restartEngine()', { timeout: 60_000 }, async () => {
    const t = await open(undefined);
    const model = loadBuiltInModels().get('generic-sensor')!;
    const fleet = await Fleet.start({ model, count: 2, seed: 3, url: t.mqtt().url, statusIntervalMs: 100 });
    try {
      await vi.waitFor(() => expect(fleet.status()?.connected).toBe(2), { timeout: 15_000, interval: 50 });
      const connects = fleet.status()!.connects;
      await t.restartEngine!();
      // Both devices saw the old engine go, backed off and came back to the new one on the same port.
      await vi.waitFor(() => {
        expect(fleet.status()!.connects).toBeGreaterThanOrEqual(connects + 2);
        expect(fleet.status()!.connected).toBe(2);
      }, { timeout: 30_000, interval: 50 });
      await vi.waitFor(async () => expect((await t.api!.broker.clients()).map((c) => c.clientId).sort()).toEqual(['device-1', 'device-2']), { timeout: 5000 });
    } finally {
      await fleet.stop();
    }
  });

  it('close() stops the engine and removes its temporary data directory', async () => {
    const t = await openTarget(undefined, { dataDir: tempDir('tb-targets-home-') });
    const dir = t.engine!.config.dataDir;
    expect(fs.existsSync(dir)).toBe(true);
    await t.close();
    await t.close(); // twice is fine
    expect(fs.existsSync(dir)).toBe(false);
    await expect(connect(t.mqtt().url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a profile names the data directory: state stays after close; a running Thingbench on it is one sentence', async () => {
    const home = tempDir('tb-targets-home-');
    const keep = tempDir('tb-targets-keep-');
    addProfile(home, 'bench', { kind: 'local', engineDataDir: keep, brokerMode: 'standard' });
    const t = await open('bench', home);
    expect(t.engine!.config.dataDir).toBe(keep);
    expect((await t.api!.engine.info()).brokerMode).toBe('standard');
    await t.api!.shadow.update('kept', { state: { reported: { n: 1 } } });
    await t.close();
    expect(fs.existsSync(keep)).toBe(true);

    const running = await startTestEngine({ dataDir: keep });
    try {
      const err = await openTarget('bench', { dataDir: home }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('Conflict');
      expect((err as EngineError).message).toBe(`the local target 'bench' cannot start: its data directory ${keep} is in use by a running Thingbench (process ${process.pid}); stop that one, or reach it as a target of kind thingbench (thingbench target add NAME --kind thingbench --mqtt-url … --endpoint …)`);
      expect((await running.engine.api.shadow.get('kept')).state).toMatchObject({ reported: { n: 1 } });
    } finally {
      await running.stop();
    }
  });

  it('an unknown target name is one sentence naming the known ones', async () => {
    const home = tempDir('tb-targets-home-');
    addProfile(home, 'broker', { kind: 'mqtt', mqttUrl: 'mqtt://127.0.0.1:1' });
    const err = await openTarget('nope', { dataDir: home }).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('NotFound');
    expect((err as EngineError).message).toBe("unknown target 'nope': the targets are local, broker (thingbench target add NAME --kind … makes one)");
  });

  it('devices start --target local runs the fleet against an engine of its own; record --target local keeps client ids', { timeout: 90_000 }, async () => {
    const home = tempDir('tb-targets-home-');
    const fleet = runCli(['devices', 'start', 'generic-sensor', '--count', '2', '--target', 'local', '--data-dir', home, '--json']);
    try {
      const started = await waitForLine(fleet, (l) => l.event === 'started');
      expect(started.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+ \(target local\)$/);
      expect(started.url).not.toContain(':1883 ');
      await waitForLine(fleet, (l) => l.event === 'status' && l.connected === 2);
    } finally {
      fleet.child.kill('SIGINT');
    }
    expect((await fleet.exited).code).toBe(0);

    const out = path.join(tempDir('tb-targets-rec-'), 'local.jsonl');
    const rec = runCli(['record', '--target', 'local', '--data-dir', home, '--filter', 'lab/#', '--out', out, '--json']);
    try {
      const ready = await waitForLine(rec, (l) => l.event === 'ready');
      expect(ready).toMatchObject({ target: 'local' });
      await waitForLine(rec, (l) => l.event === 'recording');
      const pub = await connect((ready.endpoints as { mqtt: string }).mqtt, { clientId: 'lab-device' });
      clients.push(pub);
      await pub.publishAsync('lab/1', 'one', { qos: 1 });
      // Stopping reads from the engine's history what the live feed has not brought yet: an acknowledged publish is kept.
    } finally {
      rec.child.kill('SIGINT');
    }
    expect((await rec.exited).code).toBe(0);
    const [m] = parseRecording(fs.readFileSync(out, 'utf8'), out).messages;
    expect({ topic: m.topic, payload: m.payload.toString(), clientId: m.clientId }).toEqual({ topic: 'lab/1', payload: 'one', clientId: 'lab-device' });

    const replayed = await cli(['replay', out, '--target', 'local', '--data-dir', home, '--json']);
    expect(replayed.code).toBe(0);
    const lines = replayed.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ event: 'ready', target: 'local', endpoints: { mqtt: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+$/) } });
    expect(lines.at(-1)).toMatchObject({ event: 'replayed', messages: 1, failed: 0 });
  });

  it('capabilities a step needs are checked in one sentence', () => {
    const mqttTarget = { name: 'plain', kind: 'mqtt' as const, capabilities: { shadows: false, controlPlane: false, sinks: false, engineRestart: false } };
    expect(() => requireCapabilities(mqttTarget, ['shadows'], 'the model sprinkler')).toThrow(
      "the model sprinkler needs Device Shadow, which the target 'plain' (a plain MQTT broker) does not have");
    expect(() => requireCapabilities({ ...mqttTarget, kind: 'local', capabilities: { shadows: true, controlPlane: true, sinks: true, engineRestart: true } }, ['shadows', 'sinks'], 'x')).not.toThrow();
  });
});
