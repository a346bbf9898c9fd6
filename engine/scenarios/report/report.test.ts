import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseXml } from '../../../test/helpers/xml.js';
import { TypedEmitter } from '../../core/index.js';
import type { RunResult, ScenarioEvents, StepRecord } from '../run/events.js';
import { createReporter, junitXml } from './index.js';

const failedStep: StepRecord = {
  id: '2', step: 'expect', label: 'a <hot> & "loud" reading', where: 's.yaml:4:5', depth: 0, status: 'failed', durationMs: 1500,
  message: "no message on 'a/+' matched within 1s", expected: { topic: 'a/+', json: { level: 'high' }, within: '1s' },
  seen: [{ topic: 'a/b', payload: '{"level":"low"}\u0001', qos: 1, retain: false, at: 20 }], children: [],
};
const result: RunResult = {
  scenario: 'demo & co', file: 's.yaml', target: 'local', seed: 3, deterministic: false, status: 'failed', durationMs: 1700,
  steps: [
    { id: '1', step: 'repeat', depth: 0, status: 'passed', durationMs: 10, note: '2 rounds', children: [
      { id: '1.1', step: 'publish', depth: 1, status: 'passed', durationMs: 1, children: [] },
      { id: '1.2', step: 'publish', depth: 1, status: 'passed', durationMs: 1, children: [] },
    ] },
    failedStep,
    { id: '3', step: 'wait', depth: 0, status: 'skipped', durationMs: 0, children: [] },
  ],
  cleanup: [{ id: 'cleanup.1', step: 'publish', depth: 0, status: 'passed', durationMs: 2, children: [] }],
  cleanupErrors: ['stop s: did not finish within 30000 ms'],
  message: failedStep.message,
};

function play(kind: 'pretty' | 'json' | 'junit', tty = false): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const events = new TypedEmitter<ScenarioEvents>();
  createReporter(kind, out, { tty }).attach(events);
  events.emit('run.started', { scenario: 'demo & co', file: 's.yaml', target: 'local', seed: 3, deterministic: false, steps: 3 });
  events.emit('step.started', { id: '1', step: 'repeat', depth: 0, cleanup: false });
  events.emit('step.progress', { id: '1', message: 'round 1/2', done: 1, total: 2 });
  for (const c of result.steps[0].children) events.emit('step.finished', { ...c, cleanup: false });
  for (const s of result.steps) events.emit('step.finished', { ...s, cleanup: false });
  events.emit('step.finished', { ...result.cleanup[0], cleanup: true });
  events.emit('cleanup.finished', { description: 'stop s', ok: false, error: 'did not finish within 30000 ms' });
  events.emit('run.finished', result);
  return text;
}

describe('reporters', () => {
  it('pretty, not on a terminal: plain lines, the failure with expected beside seen, a summary', () => {
    const text = play('pretty');
    expect(text).not.toContain('\x1b');
    expect(text.split('\n')).toEqual([
      '▶ demo & co (s.yaml) on local, seed 3',
      '    ✓ 1.1 publish (1 ms)',
      '    ✓ 1.2 publish (1 ms)',
      '  ✓ 1 repeat: 2 rounds (10 ms)',
      '  ✗ 2 a <hot> & "loud" reading (expect) (1500 ms)',
      "      no message on 'a/+' matched within 1s",
      '      at s.yaml:4:5',
      '      expected:',
      '        {"topic":"a/+","json":{"level":"high"},"within":"1s"}',
      '      seen (last 1, newest last):',
      '        +20ms a/b: {"level":"low"}\u0001',
      '  − 3 wait',
      '  ✓ cleanup cleanup.1 publish (2 ms)',
      '  ✗ cleanup: stop s: did not finish within 30000 ms',
      'FAILED demo & co: 1 passed, 1 failed, 1 skipped in 1700 ms (seed 3); 1 cleanup errors',
      '',
    ]);
  });

  it('pretty on a terminal: the running step and its progress on one live line, cleared before each finished line', () => {
    const text = play('pretty', true);
    expect(text).toContain('\r\x1b[2K… 1 repeat');
    expect(text).toContain('\r\x1b[2K  … 1 round 1/2');
    expect(text).toContain('\r\x1b[2K    ✓ 1.1 publish (1 ms)\n');
  });

  it('json: one parseable line per event, the summary last', () => {
    const lines = play('json').trim().split('\n').map((l) => JSON.parse(l) as { event: string });
    expect(lines.map((l) => l.event)).toEqual([
      'run.started', 'step.started', 'step.progress', 'step.finished', 'step.finished', 'step.finished', 'step.finished', 'step.finished',
      'step.finished', 'cleanup.finished', 'summary',
    ]);
    expect(lines.at(-1)).toMatchObject({ status: 'failed', seed: 3 });
  });

  it('junit: well-formed XML whatever the names and payloads hold; counts, failure text, skipped, cleanup errors', () => {
    const xml = junitXml(result, new Date('2026-01-02T03:04:05.678Z'));
    expect(play('junit')).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    const root = parseXml(xml);
    expect(root.attrs).toEqual({ name: 'thingbench', tests: '4', failures: '1', errors: '1', skipped: '1', time: '1.700' });
    const suite = root.children[0];
    expect(suite.attrs).toMatchObject({ name: 'demo & co', timestamp: '2026-01-02T03:04:05' });
    const cases = suite.children.filter((c) => c.name === 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(['1 repeat', '2 a <hot> & "loud" reading (expect)', '3 wait', 'cleanup cleanup.1 publish']);
    expect(cases[0].children[0]).toMatchObject({ name: 'system-out', text: 'passed 1.1 publish\npassed 1.2 publish' });
    const failure = cases[1].children[0];
    expect(failure.attrs.message).toBe("no message on 'a/+' matched within 1s");
    expect(failure.text).toContain('+20ms a/b: {"level":"low"}'); // the control character is dropped: XML cannot carry it
    expect(cases[2].children[0].name).toBe('skipped');
    expect(suite.children.find((c) => c.name === 'system-err')?.text).toBe('cleanup: stop s: did not finish within 30000 ms');
  });
});
