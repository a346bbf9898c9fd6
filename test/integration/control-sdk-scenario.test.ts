/**
 * Command & control from a local function's SDK (`thingbench.sendCommand`, Node and Python) and from a scenario's
 * `command` step, to an MQTT.js device on a real engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { hasPython } from '../../engine/functions/index.js';
import type { StepRecord } from '../../engine/scenarios/index.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';

let te: TestEngine;
let device: MqttClient;

beforeAll(async () => {
  te = await startTestEngine();
  fs.mkdirSync(path.join(te.dataDir, 'functions'), { recursive: true });
  // The thermostat answers `set` with the target it took, `fail` with 500, and never answers `hang`.
  device = await connect(te.mqttPort, { clientId: 'thermo-1' });
  device.on('message', (topic, payload) => {
    const [, thing, , requestId, name] = topic.split('/');
    if (name === 'hang') return;
    const status = name === 'fail' ? 500 : 200;
    const body = name === 'set' ? JSON.stringify({ target: JSON.parse(payload.toString()).target, ok: true }) : 'no';
    device.publish(`command/${thing}/res/${requestId}/${status}`, body, { qos: 1 }, () => {});
  });
  await device.subscribeAsync('command/thermo-1/req/#', { qos: 1 });
});
afterAll(async () => {
  await device?.endAsync(true);
  await te?.stop();
});

describe('sendCommand in the local functions SDK', () => {
  it('sends a command from a Node function and returns the correlated answer', async () => {
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'setter.js'),
      `export const handler = async (e) => thingbench.sendCommand({ thingName: 'thermo-1', name: 'set', payload: { target: e.target }, timeoutMs: 5000 });\n`);
    const r = await te.engine.api.functions.invoke('setter', { target: 21 });
    expect(r.ok).toBe(true);
    expect(r.result).toMatchObject({ status: 200, via: 'mqtt', text: '{"target":21,"ok":true}' });
  });

  it('fails the invocation with the timeout when the device does not answer', async () => {
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'hanger.js'),
      `export const handler = async () => thingbench.sendCommand({ thingName: 'thermo-1', name: 'hang', timeoutMs: 50 });\n`);
    const r = await te.engine.api.functions.invoke('hanger', {});
    expect(r.ok).toBe(false);
    expect(r.error?.errorMessage).toMatch(/thermo-1 did not answer command hang within 50 ms/);
  });

  it.skipIf(!hasPython())('sends a command from a Python function', async () => {
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'pysetter.py'),
      `import json\ndef handler(event, context):\n    return context.sdk.send_command('thermo-1', 'set', json.dumps({'target': event['target']}), timeout_ms=5000)\n`);
    const r = await te.engine.api.functions.invoke('pysetter', { target: 18 });
    expect(r.error).toBeUndefined();
    expect(r.result).toMatchObject({ status: 200, text: '{"target":18,"ok":true}' });
  });
});

describe('the command step', () => {
  const statuses = (steps: StepRecord[]) => steps.map((s) => `${s.step} ${s.status}`);

  it('passes on the expected status and payload, and fails on another status, payload or a timeout', async () => {
    const run = await runFiles(engineTarget(te), {
      'main.yaml': [
        'name: commands',
        'steps:',
        '  - command: { thing: thermo-1, name: set, payload: { target: 19 }, expect: { json: { target: 19, ok: true } } }',
        '  - command: { thing: thermo-1, name: fail, expect: { status: 500, payload: "no" } }',
        '',
      ].join('\n'),
    });
    expect(run.result.status).toBe('passed');
    expect(statuses(run.result.steps)).toEqual(['command passed', 'command passed']);
    expect(run.result.steps[0].note).toMatch(/thermo-1 answered 200 over mqtt/);

    for (const [step, message] of [
      ['{ thing: thermo-1, name: fail }', /answered the command fail with 500/],
      ['{ thing: thermo-1, name: set, payload: { target: 3 }, expect: { json: { target: 4 } } }', /with 200 and a payload that does not match/],
      ['{ thing: thermo-1, name: hang, timeout: 100ms }', /did not answer the command hang within 100 ms/],
    ] as const) {
      const failed = await runFiles(engineTarget(te), { 'main.yaml': `name: failing\nsteps:\n  - command: ${step}\n` });
      expect(failed.result.status).toBe('failed');
      expect(failed.result.steps[0].message).toMatch(message);
    }
  });
});
