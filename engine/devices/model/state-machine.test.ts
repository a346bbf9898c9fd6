import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeviceContext, createFieldSampler, DeviceStateMachine, loadDeviceModel, readReplayFiles, topicFilterMatches } from './index.js';

const motorFile = new URL('../models/vibration-motor.yaml', import.meta.url);

describe('DeviceStateMachine', () => {
  it('runs the vibration motor: MOTOR ON starts it, OFF stops it, other deltas and guards do nothing', () => {
    const m = loadDeviceModel(readFileSync(motorFile, 'utf8'), 'vibration-motor.yaml');
    const sm = new DeviceStateMachine(m.stateMachine!, createDeviceContext(m, 0, 1), 0);
    expect(sm.state).toBe('stopped');
    expect(sm.handle({ kind: 'delta', delta: { colour: 'red' } }, 1)).toBeUndefined();
    expect(sm.handle({ kind: 'delta', delta: { MOTOR: 'OFF' } }, 2)).toBeUndefined(); // guard: already stopped
    expect(sm.handle({ kind: 'delta', delta: { MOTOR: 'ON' } }, 3)).toEqual({ from: 'stopped', to: 'running', publish: [] });
    expect(sm.state).toBe('running');
    expect(sm.handle({ kind: 'delta', delta: { MOTOR: 'OFF' } }, 4)).toEqual({ from: 'running', to: 'stopped', publish: [] });
    expect(sm.nextTimerAt()).toBeUndefined();
  });

  const model = loadDeviceModel(`
name: door
identity: { thingName: "door-{index}" }
telemetry:
  - { name: opened, topic: "doors/{thingName}/events", interval: 1m, inStates: [open], fields: { event: opened } }
stateMachine:
  initial: closed
  states: [closed, open, alarm]
  transitions:
    - { from: closed, to: open, on: { message: "doors/{thingName}/cmd/+" }, when: "message.action == 'open'", publish: [opened] }
    - { from: open, to: alarm, on: { timer: 30s } }
    - { from: open, to: closed, on: { timer: 10s }, when: "shadow.autoClose == true" }
    - { from: "*", to: closed, on: { message: "doors/all/reset" } }
`, 'door.yaml');

  it('takes message transitions on matching topics with their guard, and names the telemetry to publish', () => {
    const sm = new DeviceStateMachine(model.stateMachine!, createDeviceContext(model, 4, 1), 1000);
    expect(sm.messageFilters()).toEqual(['doors/door-4/cmd/+', 'doors/all/reset']);
    expect(sm.handle({ kind: 'message', topic: 'doors/door-5/cmd/x', payload: { action: 'open' } }, 1100)).toBeUndefined();
    expect(sm.handle({ kind: 'message', topic: 'doors/door-4/cmd/x', payload: { action: 'shut' } }, 1200)).toBeUndefined();
    expect(sm.handle({ kind: 'message', topic: 'doors/door-4/cmd/x', payload: { action: 'open' } }, 1300))
      .toEqual({ from: 'closed', to: 'open', publish: ['opened'] });
    expect(sm.handle({ kind: 'message', topic: 'doors/all/reset', payload: '' }, 1400)).toEqual({ from: 'open', to: 'closed', publish: [] });
  });

  it('fires timers measured from entering the state; guards pick among due timers', () => {
    const sm = new DeviceStateMachine(model.stateMachine!, createDeviceContext(model, 0, 1), 0);
    expect(sm.nextTimerAt()).toBeUndefined();
    sm.handle({ kind: 'message', topic: 'doors/door-0/cmd/a', payload: { action: 'open' } }, 5000);
    expect(sm.nextTimerAt()).toBe(15_000);
    expect(sm.handle({ kind: 'timer' }, 14_999, { autoClose: true })).toBeUndefined();
    expect(sm.handle({ kind: 'timer' }, 15_000, { autoClose: false })).toBeUndefined();
    expect(sm.nextTimerAt()).toBe(35_000); // the auto-close timer is spent: its guard was false when it fell due
    expect(sm.handle({ kind: 'timer' }, 35_000, { autoClose: false })).toEqual({ from: 'open', to: 'alarm', publish: [] });
    expect(sm.nextTimerAt()).toBeUndefined();
  });

  it('runs a spec with function guards; re-entering a state restarts its timers, spent or not', () => {
    const sm = new DeviceStateMachine({
      initial: 'a',
      transitions: [
        { from: 'a', to: 'b', on: { kind: 'timer', afterMs: 100 }, when: (g) => g.shadow.go === true },
        { from: 'a', to: 'a', on: { kind: 'delta', key: 'again' } },
        { from: 'a', to: 'c', on: { kind: 'message', topic: 'x/+' }, when: (g) => g.topic === 'x/1' && (g.message as { n: number }).n === 1, publish: ['p'] },
      ],
    }, 0);
    expect(sm.nextTimerAt()).toBe(100);
    expect(sm.handle({ kind: 'timer' }, 100, { go: false })).toBeUndefined();
    expect(sm.nextTimerAt()).toBeUndefined();
    expect(sm.handle({ kind: 'delta', delta: { again: 1 } }, 250)).toEqual({ from: 'a', to: 'a', publish: [] });
    expect(sm.nextTimerAt()).toBe(350);
    expect(sm.handle({ kind: 'message', topic: 'x/2', payload: { n: 1 } }, 300)).toBeUndefined();
    expect(sm.handle({ kind: 'timer' }, 350, { go: true })).toEqual({ from: 'a', to: 'b', publish: [] });
    expect(sm.state).toBe('b');
  });

  it.each([
    ['a/+/c', 'a/b/c', true], ['a/#', 'a', true], ['a/#', 'a/b/c', true], ['a/+', 'a/b/c', false], ['#', '$aws/x', false],
    ['+/x', '$sys/x', false], ['a/b', 'a/b', true], ['a/b', 'a/b/c', false], ['a/+', 'a/', true],
  ])('filter %s matches %s: %s', (f, t, want) => {
    expect(topicFilterMatches(f, t)).toBe(want);
  });
});

describe('readReplayFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the CSV and JSON-lines files a model names, relative to the model file, and plays them', () => {
    writeFileSync(join(dir, 'day.csv'), 'time,kw\n0,1.5\n1,2.5\n');
    writeFileSync(join(dir, 'events.jsonl'), '{"e":"start"}\n{"e":"stop"}\n');
    const m = loadDeviceModel(`
name: meter
telemetry:
  - topic: m
    interval: 1s
    fields:
      kw: { gen: replay, file: day.csv, column: kw }
      event: { gen: object, fields: { name: { gen: replay, file: events.jsonl, column: e, loop: false } } }
`, 'meter.yaml');
    const replay = readReplayFiles(m, dir);
    const s = createFieldSampler(m.telemetry[0].fields, createDeviceContext(m, 0, 1), { replay });
    expect([0, 1, 2].map((t) => s.sample(t))).toEqual([
      { kw: 1.5, event: { name: 'start' } }, { kw: 2.5, event: { name: 'stop' } }, { kw: 1.5, event: { name: null } },
    ]);
  });

  it('names a missing file in one sentence', () => {
    const m = loadDeviceModel('name: x\ntelemetry:\n  - { topic: m, interval: 1s, fields: { v: { gen: replay, file: gone.csv } } }\n', 'x.yaml');
    expect(() => readReplayFiles(m, dir)).toThrow(/^replay file 'gone.csv' cannot be read: ENOENT/);
  });
});
