/**
 * The `fault` step: a dropped device's last will arrives; a network fault on a fleet in a worker thread is applied to
 * every device; restarting the local engine mid-run brings the devices and the run's own connections back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTarget, type Target } from '../../engine/scenarios/index.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runFiles } from '../helpers/scenario-run.js';

let target: Target;
beforeAll(async () => {
  target = await openTarget(undefined, { dataDir: tempDir('tb-fault-home-') });
});
afterAll(() => target?.close());

describe('the fault step', () => {
  it("drop: the device's socket goes without a DISCONNECT and its last will arrives", async () => {
    const { result } = await runFiles(target, {
      'main.yaml': `
name: drop a turbine
devices: { turbine: { model: wind-turbine } }
steps:
  - start: turbine
  - fault: { kind: drop, device: turbine, reconnect: false }
  - expect: { topic: turbines/ev-gen/001/status, json: { id: "001", status: offline }, within: 10s }
`,
    });
    expect(result.message).toBeUndefined();
    expect(result.steps.map((s) => [s.step, s.status, s.note])).toEqual([
      ['start', 'passed', 'turbine'], ['fault', 'passed', 'drop on 1 of 1 device'], ['expect', 'passed', '1 matched'],
    ]);
  });

  it('a fleet in a worker thread takes a fault on every device; an unknown one is refused by name', async () => {
    const { result } = await runFiles(target, {
      'main.yaml': `
name: slow fleet
devices: { sensors: { model: generic-sensor, count: 3 } }
steps:
  - start: sensors
  - fault: { kind: network, device: sensors, latencyMs: 50, duration: 2s }
  - fault: { kind: clear, device: sensors, only: [device-2] }
  - fault: { kind: drop, device: sensors, only: [device-9] }
`,
    });
    expect(result.steps.map((s) => [s.step, s.status])).toEqual([['start', 'passed'], ['fault', 'passed'], ['fault', 'passed'], ['fault', 'failed']]);
    expect(result.steps[1].note).toBe('network on 3 of 3 devices');
    expect(result.steps[2].note).toBe('clear on 1 of 1 device');
    expect(result.steps[3].message).toMatch(/device-9/);
  }, 60_000);

  it('engine-restart: the engine stops and starts on its ports; devices and the run reconnect and messages flow again', async () => {
    const { result } = await runFiles(target, {
      'main.yaml': `
name: restart
devices: { sensor: { model: generic-sensor } }
steps:
  - start: sensor
  - expect: { topic: "device/1/sensor/+/v1", within: 10s }
  - fault: { kind: engine-restart }
  - expect: { topic: "device/1/sensor/+/v1", within: 20s }
  - publish: { topic: after/restart, payload: ok }
  - expect: { topic: after/restart, payload: ok }
`,
    });
    expect(result.message).toBeUndefined();
    expect(result.steps.map((s) => `${s.step} ${s.status}`)).toEqual(['start passed', 'expect passed', 'fault passed', 'expect passed', 'publish passed', 'expect passed']);
  }, 60_000);
});
