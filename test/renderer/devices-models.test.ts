/**
 * The Devices view's plain models: scenario completion from the engine's scenario schema (where the cursor is in
 * block and flow YAML, what the schema allows there) and the run timeline built from `scenarios.step` events.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioStepEvent } from '../../engine/contract/index.js';
import { appendLog } from '../../renderer/src/state/models/device-log.js';
import { completionContext, declaredDevices, scenarioSuggestions } from '../../renderer/src/state/models/scenario-completion.js';
import { ScenarioTimeline } from '../../renderer/src/state/models/scenario-timeline.js';

const schema = JSON.parse(fs.readFileSync(new URL('../../schemas/scenario.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const labels = (before: string, full?: string) => scenarioSuggestions(schema, before, full).map((s) => s.label);

describe('scenario completion', () => {
  it('finds the path under the cursor in block and flow YAML', () => {
    expect(completionContext('na')).toEqual({ path: [], at: 'key', word: 'na' });
    expect(completionContext('name: x\nsteps:\n  - exp')).toEqual({ path: ['steps', '[]'], at: 'key', word: 'exp' });
    expect(completionContext('steps:\n  - expect:\n      topic: a\n      ')).toEqual({ path: ['steps', '[]', 'expect'], at: 'key', word: '' });
    expect(completionContext('steps:\n  - name: x\n    fa')).toEqual({ path: ['steps', '[]'], at: 'key', word: 'fa' });
    expect(completionContext('steps:\n- start: a\n- ')).toEqual({ path: ['steps', '[]'], at: 'key', word: '' });
    expect(completionContext('steps:\n  - fault: { kind: dr')).toEqual({ path: ['steps', '[]', 'fault'], at: 'value', key: 'kind', word: 'dr' });
    expect(completionContext('steps:\n  - expect: { topic: "a/b", wi')).toEqual({ path: ['steps', '[]', 'expect'], at: 'key', word: 'wi' });
    expect(completionContext('steps:\n  - repeat:\n      times: 2\n      steps:\n        - pub')).toEqual({ path: ['steps', '[]', 'repeat', 'steps', '[]'], at: 'key', word: 'pub' });
  });

  it('offers the top-level keys, the step kinds in a step list, a step\'s keys and a fault\'s kinds', () => {
    expect(labels('')).toEqual(expect.arrayContaining(['name', 'steps', 'devices', 'cleanup', 'seed']));
    const kinds = scenarioSuggestions(schema, 'steps:\n  - ');
    expect(kinds.map((k) => k.label)).toEqual(expect.arrayContaining(['publish', 'expect', 'fault', 'shadow.update', 'sink.expect', 'name']));
    expect(kinds.find((k) => k.label === 'expect')).toMatchObject({ kind: 'step', insert: 'expect: ', documentation: expect.stringMatching(/^Waits for messages/) });
    const expectKeys = scenarioSuggestions(schema, 'steps:\n  - expect: { ');
    expect(expectKeys.map((k) => k.label)).toEqual(expect.arrayContaining(['topic', 'json', 'count', 'within']));
    expect(expectKeys.find((k) => k.label === 'topic')?.required).toBe(true);
    expect(labels('steps:\n  - fault:\n      kind: ')).toEqual(expect.arrayContaining(['drop', 'partition', 'clock-skew', 'flood']));
    expect(labels('steps:\n  - repeat:\n      steps:\n        - ')).toContain('publish');
    // Nothing for a path the schema does not have.
    expect(labels('nosuch:\n  deeper:\n    ')).toEqual([]);
  });

  it('offers the declared devices where a step names one', () => {
    const text = 'name: x\ndevices:\n  turbines: { model: wind-turbine, count: 5 }\n  lamp:\n    model: light-bulb\nsteps:\n  - start: ';
    expect(declaredDevices(text)).toEqual(['turbines', 'lamp']);
    expect(labels(text)).toEqual(['turbines', 'lamp']);
    expect(labels('devices:\n  a: { model: m }\nsteps:\n  - fault: { kind: drop, device: ', 'devices:\n  a: { model: m }\n')).toContain('a');
  });
});

describe('the run timeline', () => {
  it('builds each step live from the run\'s events, with pass or fail, timing and the messages involved', () => {
    let now = 1000;
    const t = new ScenarioTimeline('run-1', () => now);
    const ev = (e: Omit<ScenarioStepEvent, 'runId'>) => t.apply({ runId: 'run-1', ...e } as ScenarioStepEvent);
    ev({ kind: 'run.started', data: { scenario: 's', file: 'f.yaml', target: 'local', seed: 3, deterministic: false, steps: 2 } });
    now = 1200;
    ev({ kind: 'step.started', data: { id: '1', step: 'publish', depth: 0, cleanup: false } });
    expect(t.steps[0]).toMatchObject({ id: '1', status: 'running', startedAt: 200 });
    const msg = { topic: 'a', payload: '{}', qos: 0 as const, retain: false, at: 5 };
    ev({ kind: 'step.finished', data: { id: '1', step: 'publish', depth: 0, status: 'passed', durationMs: 12, children: [], cleanup: false, messages: [msg] } });
    ev({ kind: 'step.started', data: { id: '2', step: 'expect', label: 'it arrives', depth: 0, cleanup: false } });
    ev({ kind: 'step.log', data: { id: '2', level: 'warn', message: 'slow' } });
    ev({ kind: 'step.finished', data: { id: '2', step: 'expect', label: 'it arrives', depth: 0, status: 'failed', durationMs: 300, message: 'no message', seen: [msg], children: [], cleanup: false } });
    expect(t.steps.map((s) => [s.id, s.status])).toEqual([['1', 'passed'], ['2', 'failed']]);
    expect(t.steps[0].messages).toEqual([msg]);
    expect(t.steps[1]).toMatchObject({ label: 'it arrives', message: 'no message', seen: [msg], logs: [{ level: 'warn', message: 'slow' }] });
    expect(t.counts()).toMatchObject({ passed: 1, failed: 1, running: 0 });
    ev({ kind: 'run.finished', data: { scenario: 's', file: 'f.yaml', target: 'local', seed: 3, deterministic: false, status: 'failed', durationMs: 320, steps: [], cleanup: [], cleanupErrors: [], message: 'it arrives: no message' } });
    expect(t).toMatchObject({ status: 'failed', durationMs: 320, message: 'it arrives: no message' });
  });

  it('rebuilds a finished run from its result, nested steps in order', () => {
    const t = new ScenarioTimeline('run-2');
    const rec = (id: string, step: string, children: never[] = [], depth = 0) => ({ id, step, depth, status: 'passed' as const, durationMs: 1, children });
    t.finish({
      scenario: 's', file: 'f', target: 'local', seed: 1, deterministic: false, status: 'passed', durationMs: 9, cleanupErrors: [],
      steps: [rec('1', 'start'), { ...rec('2', 'repeat'), children: [rec('2.1', 'publish', [], 1), rec('2.2', 'expect', [], 1)] as never[] }, rec('3', 'stop')],
      cleanup: [rec('1', 'publish')],
    });
    expect(t.steps.map((s) => `${s.cleanup ? 'c' : ''}${s.id} ${s.step}`)).toEqual(['1 start', '2 repeat', '2.1 publish', '2.2 expect', '3 stop', 'c1 publish']);
    expect(t.status).toBe('passed');
  });
});

describe('a device\'s log as reads add to it', () => {
  const entry = (seq: number) => ({ seq, kind: 'connected' });

  it('takes each entry once when two reads overlap (both asked for what came after the same entry)', () => {
    const read = [entry(4), entry(5)];
    const once = appendLog([entry(3)], read, 100);
    expect(appendLog(once, read, 100).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(appendLog(once, [entry(5), entry(6)], 100).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
  });

  it('keeps the last entries only, and the same log when nothing is new', () => {
    const log = appendLog([], [1, 2, 3, 4].map(entry), 3);
    expect(log.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(appendLog(log, [], 3)).toBe(log);
  });
});
