/**
 * The contract's `scenarios.*` through the UI transport (browser-mode `/rpc` WebSocket) against a real engine:
 * validation with file:line:col problems, runs from text and from `<dataDir>/scenarios` files against the engine
 * itself, `scenarios.step` events in order, a failing run with what was expected and seen, cancel with cleanup,
 * files outside the scenarios folder refused, runs and replays on a second Thingbench named by its target profile
 * (there, not here), and runs cancelled when the engine stops.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RpcError, type ScenarioRunInfo, type ScenarioStepEvent, type ThingbenchClient } from '../../engine/contract/index.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';

let te: TestEngine;
let contract: OpenContract;
let api: ThingbenchClient;
const stepEvents: ScenarioStepEvent[] = [];

const PASSING = `
name: echo check
steps:
  - publish: { topic: "echo/one", payload: { n: 1, unit: C } }
  - expect: { topic: "echo/+", json: { unit: C }, within: 5s }
  - shadow.update: { thing: contract-lamp, desired: { power: on } }
  - shadow.expect: { thing: contract-lamp, desired: { power: on } }
`;

const FAILING = `
name: wrong unit
steps:
  - publish: { topic: f/temp, payload: { t: 20, unit: C } }
  - expect: { topic: "f/+", json: { unit: F }, within: 300ms }
  - publish: { topic: never/sent, payload: x }
`;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  const dir = path.join(te.dataDir, 'scenarios');
  fs.mkdirSync(path.join(dir, 'parts'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'main.yaml'), 'name: from a file\nsteps:\n  - include: { file: parts/hello.yaml }\n');
  fs.writeFileSync(path.join(dir, 'parts', 'hello.yaml'), 'name: hello\nsteps:\n  - publish: { topic: hello/file, payload: hi }\n  - expect: { topic: hello/file, payload: hi }\n');
  fs.writeFileSync(path.join(te.dataDir, 'outside.yaml'), 'name: outside\nsteps:\n  - wait: 1ms\n');
  contract = await openContract(te);
  api = contract.api;
  api.on('scenarios.step', (e) => stepEvents.push(e));
});

afterAll(async () => {
  await contract?.close();
  await te?.stop();
});

/** Resolves with the run once its `run.finished` event has arrived and `scenarios.runs` reports it finished. */
function finished(run: ScenarioRunInfo, ms = 30_000): Promise<ScenarioRunInfo> {
  const done = () => stepEvents.some((e) => e.runId === run.id && e.kind === 'run.finished');
  // The run's record is final once its promise settles, just after the last event.
  const settle = () => vi.waitFor(async () => {
    const info = (await api.scenarios.runs()).find((r) => r.id === run.id);
    if (!info || info.state === 'running') throw new Error(`run ${run.id} is still running`);
    return info;
  }, { timeout: 5000, interval: 10 });
  if (done()) return settle();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run ${run.id} did not finish`)), ms);
    const sub = api.on('scenarios.step', (e) => {
      if (e.runId !== run.id || e.kind !== 'run.finished') return;
      clearTimeout(timer);
      sub.dispose();
      resolve(settle());
    });
  });
}

async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(RpcError);
  return e as RpcError;
}

describe('scenarios.validate', () => {
  it('gives no problem for a good scenario, and every problem of a bad one at file:line:col', async () => {
    expect(await api.scenarios.validate(PASSING)).toEqual([]);
    const problems = await api.scenarios.validate('name: bad\nsteps:\n  - publish: { topic: t, qos: 7 }\n  - nosuchstep: {}\n', 'bad.yaml');
    expect(problems.length).toBeGreaterThanOrEqual(2);
    for (const p of problems) expect(p).toMatchObject({ file: path.join(te.dataDir, 'scenarios', 'bad.yaml'), line: expect.any(Number), col: expect.any(Number), message: expect.any(String) });
    expect(problems.map((p) => p.line)).toEqual(expect.arrayContaining([3, 4]));
    expect((await api.scenarios.validate('steps: [ {')).at(0)).toMatchObject({ line: 1, message: expect.stringMatching(/YAML/i) });
  });
});

describe('scenarios.run, runs and cancel', () => {
  it('runs a scenario\'s text against the engine itself, with its step events in order, and reports it passed', async () => {
    const run = await api.scenarios.run({ text: PASSING, seed: 5 });
    expect(run).toMatchObject({ id: expect.stringMatching(/^run-\d+$/), scenario: 'echo check', state: 'running', seed: 5 });
    const done = await finished(run);
    expect(done.result?.message).toBeUndefined();
    expect(done).toMatchObject({ state: 'passed', result: { status: 'passed', target: 'local', seed: 5 } });
    expect(done.result!.steps.map((s) => `${s.id} ${s.step} ${s.status}`)).toEqual(['1 publish passed', '2 expect passed', '3 shadow.update passed', '4 shadow.expect passed']);
    const mine = stepEvents.filter((e) => e.runId === run.id);
    expect(mine[0]).toMatchObject({ kind: 'run.started', data: { scenario: 'echo check', seed: 5, steps: 4 } });
    expect(mine.at(-1)).toMatchObject({ kind: 'run.finished', data: { status: 'passed' } });
    const finishedSteps = mine.flatMap((e) => (e.kind === 'step.finished' ? [e.data] : []));
    expect(finishedSteps.map((d) => d.step)).toEqual(['publish', 'expect', 'shadow.update', 'shadow.expect']);
    // The live events carry what a step published and what an expectation matched; the result does not.
    expect(finishedSteps[0].messages).toEqual([{ topic: 'echo/one', payload: '{"n":1,"unit":"C"}', qos: 0, retain: false, at: expect.any(Number) }]);
    expect(finishedSteps[1].messages).toEqual([expect.objectContaining({ topic: 'echo/one', payload: '{"n":1,"unit":"C"}' })]);
    expect(done.result!.steps[0]).not.toHaveProperty('messages');
    // It ran against this engine: the shadow is here.
    expect((await api.shadow.get('contract-lamp')).state.desired).toEqual({ power: 'on' });
  });

  it('reports a failing run with what was expected beside the messages seen', async () => {
    const done = await finished(await api.scenarios.run({ text: FAILING }));
    expect(done.state).toBe('failed');
    const failed = done.result!.steps[1];
    expect(failed).toMatchObject({ status: 'failed', message: "no message on 'f/+' matched within 300ms", expected: { topic: 'f/+', json: { unit: 'F' } } });
    expect(failed.seen?.map((m) => m.topic)).toEqual(['f/temp']);
    expect(done.result!.steps[2].status).toBe('skipped');
  });

  it('runs a file of <dataDir>/scenarios with its includes, and refuses paths outside it', async () => {
    const done = await finished(await api.scenarios.run({ path: 'main.yaml' }));
    expect(done).toMatchObject({ state: 'passed', scenario: 'from a file', file: path.join(te.dataDir, 'scenarios', 'main.yaml') });
    expect(await rpcError(api.scenarios.run({ path: '../outside.yaml' }))).toMatchObject({ code: 'Forbidden' });
    expect(await rpcError(api.scenarios.run({ path: path.join(te.dataDir, 'outside.yaml') }))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/not absolute/) });
    expect(await rpcError(api.scenarios.run({ path: 'missing.yaml' }))).toMatchObject({ code: 'NotFound', message: expect.stringContaining("no scenario file 'missing.yaml'") });
    expect(await rpcError(api.scenarios.run({ text: 'name: x\nsteps:\n  - include: { file: ../../outside.yaml }\n' }))).toMatchObject({ code: 'InvalidInput' });
  });

  it('refuses model, replay and function files outside the scenarios folder that a run names', async () => {
    // Refused while the run prepares its devices: the run ends in error without a run.finished event.
    const modelRun = await api.scenarios.run({ text: 'name: m\ndevices:\n  d: { model: ../outside-model.yaml }\nsteps:\n  - start: d\n' });
    const outsideModel = await vi.waitFor(async () => {
      const info = (await api.scenarios.runs()).find((r) => r.id === modelRun.id);
      if (!info || info.state === 'running') throw new Error('still running');
      return info;
    }, { timeout: 10_000, interval: 20 });
    expect(outsideModel.state).toBe('error');
    expect(outsideModel.error).toMatch(/reads files only inside .*not '.*outside-model\.yaml'/);
    const outsideReplay = await finished(await api.scenarios.run({ text: 'name: r\nsteps:\n  - replay: { file: ../outside.jsonl }\n' }));
    expect(outsideReplay.state).toBe('failed');
    expect(JSON.stringify(outsideReplay.result)).toMatch(/reads files only inside .*outside\.jsonl/);
    const outsideFunction = await finished(await api.scenarios.run({ text: 'name: f\nsteps:\n  - provision: { functions: [{ name: peek, runtime: js, file: ../outside.js }] }\n' }));
    expect(outsideFunction.state).toBe('failed');
    expect(JSON.stringify(outsideFunction.result)).toMatch(/reads files only inside .*outside\.js/);
  });

  it('runs a shipped example by examples/<file>', async () => {
    const done = await finished(await api.scenarios.run({ path: 'examples/motor-command-control.yaml' }));
    expect(done.result?.message).toBeUndefined();
    expect(done).toMatchObject({ state: 'passed', scenario: 'shadow command and control' });
    expect(await rpcError(api.scenarios.run({ path: 'examples/../../package.json' }))).toMatchObject({ code: 'InvalidInput' });
    expect(await rpcError(api.scenarios.run({ path: 'examples/../engine/devices/models/sprinkler.yaml' }))).toMatchObject({ code: 'Forbidden' });
  });

  it('lists the shipped examples and the files of <dataDir>/scenarios with their text, and gives the schema', async () => {
    const files = await api.scenarios.files();
    const lwt = files.find((f) => f.path === 'examples/lwt-reconnect-storm.yaml');
    expect(lwt).toMatchObject({ name: 'last will and a reconnect storm', example: true, description: expect.stringMatching(/^Five wind turbines connect/) });
    expect(lwt!.text).toContain('reconnect-storm');
    expect(files.filter((f) => f.example).every((f) => f.path.startsWith('examples/'))).toBe(true);
    const own = files.filter((f) => !f.example);
    expect(own.map((f) => f.path)).toContain('main.yaml');
    expect(own.every((f) => !f.path.includes('/'))).toBe(true);
    const schema = await api.scenarios.schema();
    expect(schema).toEqual(JSON.parse(fs.readFileSync(new URL('../../schemas/scenario.schema.json', import.meta.url), 'utf8')));
  });

  it('replays a recording (an export of the history) into the engine as its publishers, one replay at a time', async () => {
    const sensor = await connect(te.mqttPort, { clientId: 'rec-sensor' });
    const t0 = Date.now();
    for (let i = 1; i <= 3; i++) await sensor.publishAsync('rec/sensor/temp', JSON.stringify({ i }), { qos: 1 });
    await sensor.endAsync();
    const recording = await api.broker.export({ filter: 'rec/#', from: t0 });
    expect(recording.trim().split('\n')).toHaveLength(3);
    const watcher = await connect(te.mqttPort);
    const seen: { topic: string; payload: string }[] = [];
    watcher.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
    await watcher.subscribeAsync('replayed/#', { qos: 1 });
    await watcher.subscribeAsync('rec/#', { qos: 1 });
    const result = await api.scenarios.replay({ recording, speed: 50, clientIdPrefix: 'replay-' });
    expect(result).toMatchObject({ messages: 3, failed: 0, errors: [], clients: 1, stopped: false });
    await vi.waitFor(() => expect(seen.map((m) => m.payload)).toEqual(['{"i":1}', '{"i":2}', '{"i":3}']), { timeout: 5000, interval: 20 });
    // The publisher came back under the prefixed client id.
    const [newest] = await api.broker.messages({ filter: 'rec/sensor/temp', limit: 1 });
    expect(newest.clientId).toBe('replay-rec-sensor');
    await watcher.endAsync();

    // Bad input: a line that is not a recorded message, an empty recording, a speed out of range; nothing to stop.
    expect(await rpcError(api.scenarios.replay({ recording: '{"t":0}\n' }))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/^recording\.jsonl:1: /) });
    expect(await rpcError(api.scenarios.replay({ recording: '\n' }))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/^recording\.jsonl:1: the recording/) });
    expect(await rpcError(api.scenarios.replay({ recording, speed: 0 }))).toMatchObject({ code: 'InvalidInput', message: 'speed must be above 0 and at most 1000, not 0' });
    expect(await api.scenarios.stopReplay()).toBe(false);

    // A slow replay is stopped, and a second one meanwhile is refused.
    const slow = api.scenarios.replay({ recording: '{"t":0,"topic":"slow/a","qos":0,"retain":false,"payload":"1"}\n{"t":60000,"topic":"slow/b","qos":0,"retain":false,"payload":"2"}\n' });
    await vi.waitFor(async () => expect((await api.broker.messages({ filter: 'slow/a', limit: 1 })).length).toBe(1), { timeout: 5000, interval: 20 });
    expect(await rpcError(api.scenarios.replay({ recording }))).toMatchObject({ code: 'Conflict', message: 'a replay is playing: stop it first' });
    expect(await api.scenarios.stopReplay()).toBe(true);
    expect(await slow).toMatchObject({ messages: 1, stopped: true });
  });

  it('refuses bad input: text and path together, a scenario that does not load (every problem), an unknown run', async () => {
    expect(await rpcError(api.scenarios.run({ text: PASSING, path: 'main.yaml' }))).toMatchObject({ code: 'InvalidInput', message: 'give the scenario as text or as a path, not both' });
    expect(await rpcError(api.scenarios.run({}))).toMatchObject({ code: 'InvalidInput' });
    const bad = await rpcError(api.scenarios.run({ text: 'name: bad\nsteps:\n  - nosuchstep: {}\n' }));
    expect(bad.code).toBe('InvalidInput');
    expect(bad.message).toMatch(/scenario\.yaml:3:\d+: /);
    expect(await rpcError(api.scenarios.run({ text: PASSING, seed: -1 }))).toMatchObject({ code: 'InvalidInput', message: expect.stringMatching(/seed/) });
    expect(await rpcError(api.scenarios.cancel('run-999'))).toMatchObject({ code: 'NotFound', message: "no scenario run 'run-999'" });
  });

  it('cancels a run: the running step ends, cleanup still runs, and the run is aborted', async () => {
    const watcher = await connect(te.mqttPort);
    await watcher.subscribeAsync('done/cancel', { qos: 1 });
    const cleaned = new Promise<string>((resolve) => watcher.on('message', (_t, p) => resolve(p.toString())));
    const run = await api.scenarios.run({ text: 'name: long\nsteps:\n  - wait: 5m\ncleanup:\n  - publish: { topic: done/cancel, payload: cleaned }\n' });
    await new Promise<void>((resolve) => {
      const check = () => stepEvents.some((e) => e.runId === run.id && e.kind === 'step.started' && e.data.step === 'wait');
      if (check()) return resolve();
      const sub = api.on('scenarios.step', () => {
        if (!check()) return;
        sub.dispose();
        resolve();
      });
    });
    const cancelled = await api.scenarios.cancel(run.id);
    expect(cancelled.state).toBe('aborted');
    expect(await cleaned).toBe('cleaned');
    expect((await api.scenarios.runs()).find((r) => r.id === run.id)?.state).toBe('aborted');
    await watcher.endAsync();
  });
});

describe('on a target profile', () => {
  const ON_TARGET = `
name: on the trainer
steps:
  - publish: { topic: "tgt/one", payload: { n: 1 } }
  - expect: { topic: "tgt/+", json: { n: 1 }, within: 5s }
  - shadow.update: { thing: target-lamp, desired: { power: on } }
`;
  let trainer: TestEngine;
  beforeAll(async () => {
    trainer = await startTestEngine({ mode: 'aws' });
    process.env.TB_TEST_SCN_TRAINER_SECRET = 'trainer-secret';
    await api.targets.put('trainer', {
      kind: 'thingbench', mqttUrl: trainer.info.endpoints.mqtt, endpoint: trainer.httpUrl,
      accessKeyId: 'AKIDTRAINER12345', secretAccessKeyEnv: 'TB_TEST_SCN_TRAINER_SECRET',
    });
  });
  afterAll(async () => {
    await trainer?.stop();
  });

  it('runs a scenario on another Thingbench named by its profile: it publishes there, not here', async () => {
    const t0 = Date.now();
    const run = await api.scenarios.run({ text: ON_TARGET, target: 'trainer' });
    expect(run).toMatchObject({ scenario: 'on the trainer', state: 'running', target: 'trainer' });
    const done = await finished(run);
    expect(done).toMatchObject({ state: 'passed', target: 'trainer', result: { status: 'passed', target: 'trainer' } });
    expect(stepEvents.filter((e) => e.runId === run.id).map((e) => e.kind)).toContain('step.finished');
    expect((await trainer.engine.api.broker.messages({ filter: 'tgt/one', from: t0 })).map((m) => Buffer.from(m.payload, 'base64').toString())).toEqual(['{"n":1}']);
    expect((await trainer.engine.api.shadow.get('target-lamp')).state.desired).toEqual({ power: 'on' });
    expect(await api.broker.messages({ filter: 'tgt/#', from: t0 })).toEqual([]);
    expect(await rpcError(api.shadow.get('target-lamp'))).toMatchObject({ code: 'NotFound' });
    // `local` (no profile of that name) is this engine, as when no target is given.
    const here = await finished(await api.scenarios.run({ text: 'name: here\nsteps:\n  - publish: { topic: tgt/here, payload: x }\n', target: 'local' }));
    expect(here).toMatchObject({ state: 'passed' });
    expect(here).not.toHaveProperty('target');
    expect((await api.broker.messages({ filter: 'tgt/here', from: t0 })).length).toBe(1);
  });

  it("honours the scenario's own target: over the caller's default, and the caller's target over both", async () => {
    const t0 = Date.now();
    const own = (topic: string) => `name: its own\ntarget: trainer\nsteps:\n  - publish: { topic: ${topic}, payload: x }\n`;
    const onOwn = await finished(await api.scenarios.run({ text: own('tgt/own'), defaultTarget: 'local' }));
    expect(onOwn).toMatchObject({ state: 'passed', target: 'trainer' });
    expect((await trainer.engine.api.broker.messages({ filter: 'tgt/own', from: t0 })).length).toBe(1);
    const overridden = await finished(await api.scenarios.run({ text: own('tgt/overridden'), target: 'local' }));
    expect(overridden).toMatchObject({ state: 'passed' });
    expect(overridden).not.toHaveProperty('target');
    expect((await api.broker.messages({ filter: 'tgt/overridden', from: t0 })).length).toBe(1);
    const byDefault = await finished(await api.scenarios.run({ text: 'name: none\nsteps:\n  - publish: { topic: tgt/default, payload: x }\n', defaultTarget: 'trainer' }));
    expect(byDefault).toMatchObject({ state: 'passed', target: 'trainer' });
    expect((await trainer.engine.api.broker.messages({ filter: 'tgt/default', from: t0 })).length).toBe(1);
    expect(await api.broker.messages({ filter: 'tgt/+', from: t0 })).toMatchObject([{ topic: 'tgt/overridden' }]);
  });

  it('replays a recording into the target, and refuses an unknown profile with the CLI\'s message', async () => {
    const t0 = Date.now();
    const recording = '{"t":0,"topic":"tgt/replayed","qos":1,"retain":false,"payload":"r1"}\n';
    expect(await api.scenarios.replay({ recording, target: 'trainer', speed: 50 })).toMatchObject({ messages: 1, failed: 0, stopped: false });
    await vi.waitFor(async () => expect((await trainer.engine.api.broker.messages({ filter: 'tgt/replayed', from: t0 })).length).toBe(1), { timeout: 5000, interval: 20 });
    expect(await api.broker.messages({ filter: 'tgt/replayed', from: t0 })).toEqual([]);
    const unknown = "unknown target 'nope': the targets are local, trainer (thingbench target add NAME --kind … makes one)";
    expect(await rpcError(api.scenarios.run({ text: ON_TARGET, target: 'nope' }))).toMatchObject({ code: 'NotFound', message: unknown });
    expect(await rpcError(api.scenarios.replay({ recording, target: 'nope' }))).toMatchObject({ code: 'NotFound', message: unknown });
    // The failed opening released the replay slot.
    expect(await api.scenarios.stopReplay()).toBe(false);
  });
});

describe('when the engine stops', () => {
  it('cancels every running run', async () => {
    const run = await api.scenarios.run({ text: 'name: forever\nsteps:\n  - wait: 10m\n' });
    api.dispose();
    await contract.close();
    await te.engine.stop();
    expect((await te.engine.api.scenarios.runs()).find((r) => r.id === run.id)?.state).toBe('aborted');
  });
});
