/**
 * `thingbench devices start` with a CoAP model: the running Thingbench on the data directory (its control socket open)
 * registers the fleet's things and makes each a device token; the fleet publishes through the engine's CoAP endpoint
 * as its things, which an MQTT subscriber sees, and takes `devices fault` like an MQTT fleet. Without a running
 * Thingbench, or with an MQTT-only option, it is refused in one sentence.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IoTClient } from '@aws-sdk/client-iot';
import { thingsInPolicyGroup } from '../helpers/device-clients.js';
import { openEngineControl } from '../../engine/host/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { closeAll, open, type Recorded } from '../helpers/broker-clients.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runCli } from './helpers/cli-process.js';

const METER = `
name: cli-meter
identity:
  thingName: "cli-meter-{index + 1}"
protocol: { transport: coap }
telemetry:
  - { name: reading, topic: "meters/{thingName}/telemetry", interval: 200ms, fields: { watts: { gen: int, min: 100, max: 900 } } }
  - { name: alarm, topic: "meters/{thingName}/alarm", interval: 300ms, qos: 1, fields: { n: { gen: counter, start: 1 } } }
`;

let te: TestEngine;
let control: { close(): Promise<void> };
let sub: Recorded;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'standard' });
  control = await openEngineControl(te.engine, te.dataDir, te.info.endpoints);
  fs.mkdirSync(path.join(te.dataDir, 'models'));
  fs.writeFileSync(path.join(te.dataDir, 'models', 'cli-meter.yaml'), METER);
  sub = await open(te.mqttPort);
  await sub.client.subscribeAsync('meters/#', { qos: 1 });
  // A CoAP device acts with its thing's groups' policies.
  const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await thingsInPolicyGroup(iot, 'cli-meters', 'arn:aws:iot:us-east-1:000000000000:topic/meters/${iot:Connection.Thing.ThingName}/*', ['cli-meter-1', 'cli-meter-2']);
  iot.destroy();
});

afterAll(async () => {
  await closeAll([sub?.client]);
  await control?.close();
  await te?.stop();
});

describe('thingbench devices start with a CoAP model', () => {
  it('publishes through the running engine’s CoAP endpoint as its things, each with a token made for it', async () => {
    const fleet = runCli(['devices', 'start', 'cli-meter', '--count', '2', '--data-dir', te.dataDir, '--json']);
    try {
      await vi.waitFor(() => expect(fleet.stdout()).toContain('"event":"started"'), { timeout: 60_000, interval: 100 });
      const started = JSON.parse(fleet.stdout().split('\n').find((l) => l.includes('"event":"started"'))!);
      expect(started.url).toBe(te.info.endpoints.coap);
      expect((await te.engine.api.registry.deviceTokens()).map((t) => t.thing).sort()).toEqual(['cli-meter-1', 'cli-meter-2']);
      const from = (thing: string, kind: string) => sub.messages.filter((m) => m.topic === `meters/${thing}/${kind}`);
      await vi.waitFor(() => {
        for (const thing of ['cli-meter-1', 'cli-meter-2']) {
          expect(from(thing, 'telemetry').length).toBeGreaterThanOrEqual(2);
          expect(from(thing, 'alarm').length).toBeGreaterThanOrEqual(2);
        }
      }, { timeout: 30_000 });
      const alarms = from('cli-meter-1', 'alarm').map((m) => JSON.parse(m.payload.toString()).n as number);
      expect(alarms.slice(0, 2)).toEqual([1, 2]);
      // The CoAP adapter's session is the device's: the capture names the thing as the publisher.
      const captured = await te.engine.api.broker.messages({ filter: 'meters/cli-meter-2/telemetry', limit: 1 });
      expect(captured[0]?.clientId).toBe('cli-meter-2');
      const fault = runCli(['devices', 'fault', 'partition', '--for', '1s', '--all', '--data-dir', te.dataDir, '--json']);
      expect((await fault.exited).code, fault.stderr()).toBe(0);
      expect(JSON.parse(fault.stdout())).toMatchObject({ kind: 'partition', targeted: 2, applied: 2 });
    } finally {
      fleet.child.kill('SIGINT');
    }
    const { code } = await fleet.exited;
    expect(code, fleet.stderr()).toBe(0);
  }, 120_000);

  it('is refused in one sentence with an MQTT option, or with no Thingbench running on the data directory', async () => {
    const withUrl = runCli(['devices', 'start', 'cli-meter', '--data-dir', te.dataDir, '--mqtt-url', `mqtt://127.0.0.1:${te.mqttPort}`]);
    const elsewhere = tempDir('tb-cli-asking-');
    fs.mkdirSync(path.join(elsewhere, 'models'));
    fs.writeFileSync(path.join(elsewhere, 'models', 'cli-meter.yaml'), METER);
    const none = runCli(['devices', 'start', 'cli-meter', '--data-dir', elsewhere]);
    const [a, b] = await Promise.all([withUrl.exited, none.exited]);
    expect(a.code).toBe(2);
    expect(withUrl.stderr()).toContain("--mqtt-url is for MQTT models: 'cli-meter' speaks coap to the Thingbench running on the data directory");
    expect(b.code).toBe(1);
    expect(none.stderr()).toContain(`its devices' tokens are made by the Thingbench running on ${elsewhere}, and none is; start it first`);
  }, 90_000);
});
