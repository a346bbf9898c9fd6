import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';
import type { StepRecord } from '../../engine/scenarios/index.js';

let te: TestEngine;
beforeAll(async () => {
  te = await startTestEngine();
});
afterAll(() => te.stop());

const statuses = (steps: StepRecord[]) => steps.map((s) => `${s.id} ${s.step} ${s.status}`);

describe('scenario runner against the local engine', () => {
  it('runs every kind of step and passes when every expectation holds', async () => {
    const { result, events } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: pump checks
variables: { limit: 30, thing: pump-1 }
devices:
  sensor: { model: generic-sensor }
steps:
  - start: sensor
  - name: a sensor reading
    expect:
      topic: "device/+/sensor/+/v1"
      where: [{ path: $.temperature, op: exists }, { path: $.deviceId, value: device-1 }]
      within: 10s
      vars: { reporter: $.deviceId }
  - publish: { topic: "plant/\${thing}/temp", payload: { t: 31, unit: C, from: "\${reporter}" } }
  - expect: { topic: "plant/+/temp", json: { unit: C, from: device-1 }, where: [{ path: $.t, op: ">", value: "\${limit}" }] }
  - publish: { topic: "plant/\${thing}/id", payload: { id: abc-42 } }
  - capture: { topic: "plant/+/id", vars: { gotId: $.id } }
  - publish: { topic: "echo/\${gotId}", payload: "hello \${gotId}" }
  - expect: { topic: echo/abc-42, regex: "^hello abc-\\\\d+$" }
  - absent: { topic: "plant/+/alarm", within: 300ms }
  - shadow.update: { thing: "\${thing}", desired: { speed: 3 } }
  - shadow.expect: { thing: "\${thing}", desired: { speed: 3 }, delta: { speed: 3 } }
  - repeat:
      times: 3
      as: n
      steps:
        - publish: { topic: "count/\${n}", payload: { n: "\${n}" } }
  - expect: { topic: "count/+", schema: { type: object, required: [n], properties: { n: { type: integer } } }, count: 3 }
  - include: { file: part.yaml, vars: { who: world } }
  - publish: { topic: heard, payload: "\${heard}" }
  - expect: { topic: heard, payload: hi world }
  - stop: sensor
cleanup:
  - publish: { topic: "done/\${thing}", payload: bye }
`,
      'part.yaml': `
name: greeting
variables: { who: nobody, greeting: hi }
steps:
  - publish: { topic: "hello/\${who}", payload: "\${greeting} \${who}" }
  - expect: { topic: hello/world, payload: hi world, vars: { heard: $ } }
`,
    });
    expect(result.message).toBeUndefined();
    expect(result.status).toBe('passed');
    expect(statuses(result.steps)).toEqual([
      '1 start passed', '2 expect passed', '3 publish passed', '4 expect passed', '5 publish passed', '6 capture passed', '7 publish passed',
      '8 expect passed', '9 absent passed', '10 shadow.update passed', '11 shadow.expect passed', '12 repeat passed', '13 expect passed',
      '14 include passed', '15 publish passed', '16 expect passed', '17 stop passed',
    ]);
    expect(result.steps[1].label).toBe('a sensor reading');
    expect(statuses(result.steps[11].children)).toEqual(['12.1 publish passed', '12.2 publish passed', '12.3 publish passed']);
    expect(statuses(result.steps[13].children)).toEqual(['14.1 publish passed', '14.2 expect passed']);
    expect(statuses(result.cleanup)).toEqual(['cleanup.1 publish passed']);
    expect(result.steps[5].note).toBe('gotId="abc-42"');
    expect(result.cleanupErrors).toEqual([]);
    const names = events.map((e) => e.name);
    expect(names[0]).toBe('run.started');
    expect(names.at(-1)).toBe('run.finished');
    expect(events.filter((e) => e.name === 'cleanup.finished').map((e) => e.data)).toEqual([{ description: 'stop sensor', ok: true }]);
  });

  it('fails for the right reason: what was expected beside the last messages seen, later steps skipped, cleanup run', async () => {
    const client = await connect(te.mqttPort);
    await client.subscribeAsync('done/#', { qos: 1 });
    const cleanupSeen = new Promise<string>((resolve) => client.on('message', (topic, payload) => topic === 'done/f' && resolve(payload.toString())));
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: wrong unit
steps:
  - publish: { topic: f/temp, payload: { t: 20, unit: C } }
  - publish: { topic: f/temp, payload: { t: 21, unit: C } }
  - expect: { topic: "f/+", json: { unit: F }, within: 500ms }
  - publish: { topic: never/sent, payload: x }
cleanup:
  - publish: { topic: done/f, payload: cleaned }
`,
    });
    expect(result.status).toBe('failed');
    expect(statuses(result.steps)).toEqual(['1 publish passed', '2 publish passed', '3 expect failed', '4 publish skipped']);
    const failed = result.steps[2];
    expect(failed.message).toBe("no message on 'f/+' matched within 500ms");
    expect(failed.expected).toEqual({ topic: 'f/+', json: { unit: 'F' }, within: '500ms' });
    expect(failed.seen?.map((m) => [m.topic, JSON.parse(m.payload)])).toEqual([['f/temp', { t: 20, unit: 'C' }], ['f/temp', { t: 21, unit: 'C' }]]);
    expect(result.message).toMatch(/^expect \(.*main\.yaml:6:5\): no message on 'f\/\+' matched within 500ms$/);
    expect(statuses(result.cleanup)).toEqual(['cleanup.1 publish passed']);
    expect(await cleanupSeen).toBe('cleaned');
    await client.endAsync();
  });

  it('publishes as a named client once per run, and shadow.expect reads missing shadows and conditions over the document', async () => {
    const watcher = await connect(te.mqttPort);
    await watcher.subscribeAsync('$aws/events/presence/connected/named-pub', { qos: 1 });
    let connects = 0;
    watcher.on('message', (t) => t.startsWith('$aws/events/presence/connected/') && connects++);
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: named publisher and shadows
steps:
  - repeat: { times: 3, steps: [ { publish: { topic: "named/\${i}", payload: "\${i}", clientId: named-pub, qos: 1 } } ] }
  - expect: { topic: "named/+", payload: "2", within: 5s }
  - shadow.expect: { thing: never-made, missing: true, within: 1s }
  - shadow.update: { thing: valve-9, reported: { open: false } }
  - shadow.update: { thing: valve-9, desired: { open: true } }
  - shadow.expect: { thing: valve-9, delta: { open: true }, where: [{ path: $.version, op: ">=", value: 2 }, { path: $.state.reported.open, value: false }] }
  - shadow.expect: { thing: valve-9, desired: { open: false }, within: 300ms }
`,
    });
    expect(statuses(result.steps)).toEqual(['1 repeat passed', '2 expect passed', '3 shadow.expect passed', '4 shadow.update passed', '5 shadow.update passed', '6 shadow.expect passed', '7 shadow.expect failed']);
    expect(result.steps[6].message).toBe("the shadow of 'valve-9' did not hold what was expected within 300ms");
    expect(JSON.parse(result.steps[6].seen![0].payload)).toMatchObject({ state: { desired: { open: true }, reported: { open: false }, delta: { open: true } } });
    // The marker proves the presence events of the run have all arrived: one connection for the three publishes.
    await watcher.subscribeAsync('run/marker', { qos: 1 });
    const marker = new Promise<void>((ok) => watcher.on('message', (t) => t === 'run/marker' && ok()));
    await watcher.publishAsync('run/marker', 'x', { qos: 1 });
    await marker;
    expect(connects).toBe(1);
    await watcher.endAsync();
  });

  it('absent fails when a matching message arrives in its window', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: alarm raised
steps:
  - publish: { topic: a/alarm, payload: { level: high } }
  - absent: { topic: "a/#", json: { level: high }, within: 200ms }
`,
    });
    expect(result.status).toBe('failed');
    expect(result.steps[1].message).toBe("a matching message arrived on 'a/alarm' within 200ms");
    expect(result.steps[1].seen?.map((m) => m.payload)).toEqual(['{"level":"high"}']);
  });

  it('an abort (Ctrl-C) ends the running step and still cleans up: devices disconnect cleanly', async () => {
    const watcher = await connect(te.mqttPort);
    await watcher.subscribeAsync('$aws/events/presence/disconnected/device-1', { qos: 1 });
    const gone = new Promise<Record<string, unknown>>((resolve) => watcher.on('message', (_t, p) => resolve(JSON.parse(p.toString()))));
    const ac = new AbortController();
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: long wait
devices: { sensor: { model: generic-sensor } }
steps:
  - start: sensor
  - wait: 5m
  - publish: { topic: never, payload: x }
cleanup:
  - publish: { topic: done/abort, payload: cleaned }
`,
    }, {
      signal: ac.signal,
      onEvents: (e) => e.on('step.started', (s) => s.step === 'wait' && ac.abort()),
    });
    expect(result.status).toBe('aborted');
    expect(statuses(result.steps)).toEqual(['1 start passed', '2 wait aborted', '3 publish skipped']);
    expect(result.message).toMatch(/the run was aborted/);
    expect(statuses(result.cleanup)).toEqual(['cleanup.1 publish passed']);
    expect(await gone).toMatchObject({ clientId: 'device-1', eventType: 'disconnected', disconnectReason: 'CLIENT_INITIATED_DISCONNECT' });
    await watcher.endAsync();
  });

  it("a device declaration's thingName replaces the model's, with run variables, and a bad one fails its start", async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: renamed motor
variables: { motor: l05-ann-motor }
devices:
  motor: { model: vibration-motor, thingName: "\${motor}" }
  sensors: { model: generic-sensor, count: 2, thingName: "\${motor}-sensor-{index + 1}" }
steps:
  - start: [motor, sensors]
  - shadow.expect: { thing: "\${motor}", reported: { MOTOR: "OFF" } }
  - shadow.update: { thing: "\${motor}", desired: { MOTOR: "ON" } }
  - expect: { topic: data/vibration, json: { thing: l05-ann-motor }, within: 5s }
  - expect: { topic: "$aws/events/presence/connected/+", json: { clientId: l05-ann-motor-sensor-2 }, within: 5s }
`,
    });
    expect(result.message).toBeUndefined();
    expect(statuses(result.steps)).toEqual(['1 start passed', '2 shadow.expect passed', '3 shadow.update passed', '4 expect passed', '5 expect passed']);

    const bad = await runFiles(engineTarget(te), {
      'main.yaml': 'name: bad\nvariables: { who: "a b" }\ndevices:\n  m: { model: vibration-motor, thingName: "motor ${who}" }\n  f: { model: generic-sensor, count: 2, thingName: same }\nsteps:\n  - start: m\n',
    });
    expect(bad.result.steps[0]).toMatchObject({ status: 'failed' });
    expect(bad.result.steps[0].message).toMatch(/main\.yaml:4:3: thingName 'motor a b' is not a thing name \(1 to 128 of a-z, A-Z, 0-9, ':', '_' and '-'\)/);
    const fleet = await runFiles(engineTarget(te), {
      'main.yaml': 'name: bad\ndevices:\n  f: { model: generic-sensor, count: 2, thingName: same }\nsteps:\n  - start: f\n',
    });
    expect(fleet.result.steps[0].message).toMatch(/thingName 'same' would give all 2 devices one name: make it a template such as 'same-\{index \+ 1\}'/);
  });

  it('with onKeptDevices, the devices a passing run started keep running until stopped; a failing run stops them', async () => {
    const watcher = await connect(te.mqttPort);
    await watcher.subscribeAsync(['$aws/events/presence/+/kept-motor', '$aws/events/presence/+/lost-motor', 'data/vibration'], { qos: 1 });
    const seen: Array<{ topic: string; body: Record<string, unknown> }> = [];
    watcher.on('message', (topic, p) => seen.push({ topic, body: JSON.parse(p.toString()) }));
    let kept: { names: string[]; stop(): Promise<void> } | undefined;
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': 'name: keep\ndevices: { motor: { model: vibration-motor, thingName: kept-motor } }\nsteps:\n  - start: motor\n',
    }, { onKeptDevices: (d) => { kept = d; } });
    expect(result.status).toBe('passed');
    expect(kept?.names).toEqual(['motor']);
    // After the run, the motor still answers its shadow: desired ON starts its readings.
    const client = await connect(te.mqttPort);
    await client.publishAsync('$aws/things/kept-motor/shadow/update', JSON.stringify({ state: { desired: { MOTOR: 'ON' } } }), { qos: 1 });
    await vi.waitFor(() => expect(seen.some((m) => m.topic === 'data/vibration' && m.body.thing === 'kept-motor')).toBe(true), { timeout: 10_000 });
    await kept!.stop();
    await vi.waitFor(() => expect(seen.find((m) => m.topic === '$aws/events/presence/disconnected/kept-motor')?.body).toMatchObject({ disconnectReason: 'CLIENT_INITIATED_DISCONNECT' }));

    let handed = false;
    const failing = await runFiles(engineTarget(te), {
      'main.yaml': 'name: keep\ndevices: { motor: { model: vibration-motor, thingName: lost-motor } }\nsteps:\n  - start: motor\n  - expect: { topic: never/here, within: 100ms }\n',
    }, { onKeptDevices: () => { handed = true; } });
    expect(failing.result.status).toBe('failed');
    expect(handed).toBe(false);
    await vi.waitFor(() => expect(seen.some((m) => m.topic === '$aws/events/presence/disconnected/lost-motor')).toBe(true));
    await client.endAsync();
    await watcher.endAsync();
  });

  it("a scenario's timeout aborts the run with one sentence", async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': 'name: slow\ntimeout: 300ms\nsteps:\n  - wait: 1m\n',
    });
    expect(result.status).toBe('aborted');
    expect(result.message).toBe('wait (' + result.steps[0].where + '): the scenario did not finish within its timeout of 300 ms');
  });

  it('refuses, before anything runs, a step the target cannot do', async () => {
    const plain = { ...engineTarget(te, 'plain'), kind: 'mqtt' as const, capabilities: { shadows: false, controlPlane: false, sinks: false, engineRestart: false } };
    await expect(runFiles(plain, { 'main.yaml': 'name: s\nsteps:\n  - shadow.update: { thing: t, desired: { a: 1 } }\n  - fault: { kind: engine-restart }\n' }))
      .rejects.toThrow(/the shadow.update step at .*main.yaml:3:5 needs Device Shadow, which the target 'plain' \(a plain MQTT broker\) does not have\n.*main.yaml:4:5: an engine-restart fault needs an engine the run can restart/);
    await expect(runFiles(plain, { 'main.yaml': 'name: s\ndevices: { bulb: { model: light-bulb }, motor: { model: vibration-motor } }\nsteps:\n  - start: [bulb, motor]\n' }))
      .rejects.toThrow(/^device 'bulb' \(model light-bulb, at .*main.yaml:2:12\) needs an AWS IoT control plane \(things, certificates, policies, rules\), which the target 'plain' \(a plain MQTT broker\) does not have\ndevice 'motor' \(model vibration-motor, at .*main.yaml:2:41\) needs Device Shadow/);
  });

  it('a value with a variable that turns out wrong fails its step with the schema sentence', async () => {
    const { result } = await runFiles(engineTarget(te), { 'main.yaml': 'name: v\nvariables: { q: 2 }\nsteps:\n  - publish: { topic: t, qos: "${q}" }\n' });
    expect(result.steps[0]).toMatchObject({ status: 'failed', message: 'after interpolation, publish.qos: expected one of: 0, 1' });
  });
});
