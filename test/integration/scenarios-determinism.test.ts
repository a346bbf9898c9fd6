/**
 * Deterministic mode: one seed and a virtual clock. Two runs of one scenario, each on a fresh local engine, give the
 * same messages in the same order per device (telemetry, shadow reports, the run's own shadow requests); another seed
 * gives other values. Virtual time also means a scenario's 40 s take well under that in real time.
 */
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { loadScenario, openTarget, runScenario, VIRTUAL_EPOCH } from '../../engine/scenarios/index.js';
import { tempDir } from '../helpers/temp-dirs.js';

const SCENARIO = `
name: turbines and a motor
deterministic: true
seed: 7
devices:
  turbines: { model: wind-turbine, count: 3 }
  motor: { model: vibration-motor }
steps:
  - start: [turbines, motor]
  - shadow.update: { thing: motor-1, desired: { MOTOR: "ON" } }
  - shadow.expect: { thing: motor-1, reported: { MOTOR: "ON" } }
  - wait: 20s
  - shadow.update: { thing: motor-1, desired: { MOTOR: "OFF" } }
  - wait: 20s
  - expect: { topic: "turbines/ev-gen/+", where: [{ path: $.id, value: "002" }], within: 5s }
`;

type Sequences = Record<string, string[]>;

async function run(seed?: number): Promise<{ perTopic: Sequences; realMs: number; status: string }> {
  const target = await openTarget(undefined, { dataDir: tempDir('tb-det-home-') });
  const perTopic: Sequences = {};
  const sub = mqtt.connect(target.mqtt().url, { clientId: `det-watch-${seed ?? 'file'}`, reconnectPeriod: 0 });
  try {
    await new Promise<void>((ok, fail) => sub.once('connect', () => ok()).once('error', fail));
    await sub.subscribeAsync(['turbines/#', 'data/vibration', '$aws/things/+/shadow/update'], { qos: 1 });
    sub.on('message', (topic, payload) => topic !== 'det/marker' && (perTopic[topic] ??= []).push(payload.toString()));
    const scenario = loadScenario(SCENARIO, 'det.yaml');
    const t0 = performance.now();
    const result = await runScenario(scenario, { target, ...(seed !== undefined ? { seed } : {}) });
    // Everything the devices sent before they stopped has reached this subscriber once a marker of its own is back.
    await sub.subscribeAsync('det/marker', { qos: 1 });
    const marker = new Promise<void>((ok) => sub.on('message', (t) => t === 'det/marker' && ok()));
    await sub.publishAsync('det/marker', 'x', { qos: 1 });
    await marker;
    return { perTopic, realMs: performance.now() - t0, status: result.status };
  } finally {
    await sub.endAsync();
    await target.close();
  }
}

describe('deterministic scenarios', () => {
  it('two runs with one seed give the same messages in the same order per device; another seed other values', async () => {
    const a = await run();
    const b = await run();
    expect(a.status).toBe('passed');
    expect(b.status).toBe('passed');
    expect(Object.keys(a.perTopic).sort()).toEqual([
      '$aws/things/motor-1/shadow/update', 'data/vibration', 'turbines/ev-gen/001', 'turbines/ev-gen/002', 'turbines/ev-gen/003',
    ]);
    for (const topic of Object.keys(a.perTopic)) expect(b.perTopic[topic], topic).toEqual(a.perTopic[topic]);
    // 40 virtual seconds: each turbine every 5 s, the motor every second while ON (20 s).
    for (const id of ['001', '002', '003']) expect(a.perTopic[`turbines/ev-gen/${id}`].length).toBeGreaterThanOrEqual(7);
    expect(a.perTopic['data/vibration'].length).toBeGreaterThanOrEqual(19);
    expect(a.perTopic['data/vibration'].length).toBeLessThanOrEqual(21);
    const first = JSON.parse(a.perTopic['turbines/ev-gen/001'][0]) as { timestamp: number };
    expect(first.timestamp).toBeGreaterThanOrEqual(VIRTUAL_EPOCH);
    expect(first.timestamp).toBeLessThan(VIRTUAL_EPOCH + 10_000);
    expect(a.realMs).toBeLessThan(30_000);

    const c = await run(8);
    expect(c.status).toBe('passed');
    expect(c.perTopic['turbines/ev-gen/001']).not.toEqual(a.perTopic['turbines/ev-gen/001']);
  }, 120_000);
});
