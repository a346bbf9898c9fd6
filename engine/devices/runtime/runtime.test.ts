import { describe, it, expect } from 'vitest';
import { VirtualClock } from './device-clock.js';
import { backoffDelay } from './backoff.js';
import { OfflineBuffer, type BufferedMessage } from './offline-buffer.js';
import { deviceSeed, seededRandom } from './seeded-random.js';
import { mergeState, pickKeys, topicMatches } from './shadow-state.js';
import { MachineRunner } from './machine-runner.js';
import { deviceSpecFromModel } from './model-device.js';
import { loadDeviceModel } from '../model/index.js';

const msg = (n: number): BufferedMessage => ({ topic: `t/${n}`, payload: Buffer.from(String(n)), qos: 1, retain: false });

describe('VirtualClock', () => {
  it('fires due timers in time order, ties in scheduling order, with the clock at each due time', () => {
    const clock = new VirtualClock(1000);
    const seen: string[] = [];
    clock.setTimer(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => seen.push(`a@${clock.now()}`), 10);
    clock.setTimer(() => seen.push(`c@${clock.now()}`), 20);
    const cancelled = clock.setTimer(() => seen.push('never'), 5);
    clock.clearTimer(cancelled);
    clock.advance(15);
    expect(seen).toEqual(['a@1010']);
    expect(clock.now()).toBe(1015);
    clock.advance(100);
    expect(seen).toEqual(['a@1010', 'b@1020', 'c@1020']);
    expect(clock.now()).toBe(1115);
    expect(clock.pending).toBe(0);
  });

  it('runs timers set by timers when they fall inside the advance', () => {
    const clock = new VirtualClock();
    const at: number[] = [];
    const tick = () => {
      at.push(clock.now());
      clock.setTimer(tick, 100);
    };
    clock.setTimer(tick, 100);
    clock.advance(350);
    expect(at).toEqual([100, 200, 300]);
    expect(clock.nextDue()).toBe(400);
  });
});

describe('backoffDelay', () => {
  it.each([
    [1, 1000], [2, 2000], [3, 4000], [4, 8000], [5, 10_000], [50, 10_000],
  ])('without jitter, attempt %i waits %i ms (doubling, capped)', (attempt, ms) => {
    expect(backoffDelay({ minMs: 1000, maxMs: 10_000, jitter: 0 }, attempt, () => 0.9)).toBe(ms);
  });

  it('grows by its factor', () => {
    expect([1, 2, 3].map((a) => backoffDelay({ minMs: 100, maxMs: 10_000, factor: 3, jitter: 0 }, a, () => 0.5))).toEqual([100, 300, 900]);
  });

  it('spreads within ± the jitter fraction, the same for the same seed', () => {
    const policy = { minMs: 1000, maxMs: 30_000, jitter: 0.5 };
    const a = seededRandom(7), b = seededRandom(7);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const exp = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      const d = backoffDelay(policy, attempt, a);
      expect(d).toBeGreaterThanOrEqual(exp * 0.5);
      expect(d).toBeLessThanOrEqual(exp * 1.5);
      expect(backoffDelay(policy, attempt, b)).toBe(d);
    }
  });
});

describe('OfflineBuffer', () => {
  it('keeps the newest messages up to its capacity and counts the dropped ones', () => {
    const b = new OfflineBuffer(3);
    for (let i = 1; i <= 5; i++) b.push(msg(i));
    expect(b.size).toBe(3);
    expect(b.dropped).toBe(2);
    expect(b.drain().map((m) => m.topic)).toEqual(['t/3', 't/4', 't/5']);
    expect(b.size).toBe(0);
  });

  it('puts unacknowledged messages back in front, still dropping the oldest when full', () => {
    const b = new OfflineBuffer(3);
    b.push(msg(3));
    b.push(msg(4));
    b.requeue([msg(1), msg(2)]);
    expect(b.drain().map((m) => m.topic)).toEqual(['t/2', 't/3', 't/4']);
    expect(b.dropped).toBe(1);
  });

  it('keeps nothing with capacity 0', () => {
    const b = new OfflineBuffer(0);
    b.push(msg(1));
    expect([b.size, b.dropped]).toEqual([0, 1]);
  });
});

describe('seeded randomness', () => {
  it('repeats for a seed and differs between devices of one fleet', () => {
    const first = Array.from({ length: 5 }, seededRandom(42));
    expect(Array.from({ length: 5 }, seededRandom(42))).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deviceSeed(42, i)));
    expect(seeds.size).toBe(1000);
    expect(deviceSeed(42, 3)).toBe(deviceSeed(42, 3));
    expect(deviceSeed(43, 3)).not.toBe(deviceSeed(42, 3));
  });
});

describe('device shadow state', () => {
  it('merges deltas deeply, replaces arrays and deletes on null', () => {
    expect(mergeState({ a: 1, light: { color: 'red', level: 3 }, list: [1, 2] }, { light: { color: 'green' }, list: [3], a: null }))
      .toEqual({ light: { color: 'green', level: 3 }, list: [3] });
  });

  it('picks the accepted keys of a partial apply', () => {
    expect(pickKeys({ power: 'on', color: 'blue' }, ['power'])).toEqual({ power: 'on' });
    expect(pickKeys({ power: 'on' }, undefined)).toEqual({ power: 'on' });
  });

  it.each([
    ['cmd/+/request', 'cmd/lamp/request', true],
    ['cmd/#', 'cmd/lamp/request', true],
    ['cmd/+', 'cmd/lamp/request', false],
    ['cmd/lamp/request', 'cmd/lamp', false],
    ['a/b', 'a/b', true],
  ])('filter %s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('MachineRunner', () => {
  it('moves on messages, deltas and timers, first matching transition with a true guard wins', () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    let shadow: Record<string, unknown> = { mode: 'eco' };
    const m = new MachineRunner({
      initial: 'idle',
      transitions: [
        { from: 'idle', to: 'running', on: { kind: 'delta', key: 'power' }, when: (s) => s.delta?.power === 'on' },
        { from: 'running', to: 'overheated', on: { kind: 'message', topic: 'temp/+' }, when: (s) => (s.message as { c: number }).c > 90, publish: ['alarm'] },
        { from: 'running', to: 'idle', on: { kind: 'timer', afterMs: 5000 }, when: (s) => s.shadow.mode === 'eco' },
        { from: '*', to: 'idle', on: { kind: 'message', topic: 'reset' } },
      ],
    }, clock, { shadow: () => shadow, onTransition: (from, to, publish) => seen.push(`${from}>${to}${publish.length ? '!' : ''}@${clock.now()}`) });
    m.start();
    expect(m.messageFilters()).toEqual(['temp/+', 'reset']);
    m.onDelta({ power: 'off' });
    m.onDelta({ colour: 'red' });
    expect(m.current).toBe('idle');
    m.onDelta({ power: 'on' });
    expect(m.current).toBe('running');
    clock.advance(4000);
    m.onMessage('temp/1', Buffer.from('{"c":50}'));
    m.onMessage('temp/1', Buffer.from('not json'));
    expect(m.current).toBe('running');
    clock.advance(1000); // the eco timer, armed on entering running
    expect(m.current).toBe('idle');
    m.onDelta({ power: 'on' });
    m.onMessage('temp/2', Buffer.from('{"c":95}'));
    expect(m.current).toBe('overheated');
    clock.advance(10_000); // leaving running cancelled its timer
    shadow = { mode: 'boost' };
    m.onMessage('reset', Buffer.from(''));
    expect(seen).toEqual(['idle>running@0', 'running>idle@5000', 'idle>running@5000', 'running>overheated!@5000', 'overheated>idle@15000']);
    m.onDelta({ power: 'on' });
    clock.advance(5000); // guard false in boost mode: stays running
    expect(m.current).toBe('running');
  });
});

describe('deviceSpecFromModel topics', () => {
  const model = (topic: string) => loadDeviceModel([
    'name: m', 'identity: { thingName: "dev-{index}" }', 'vars: { site: "s{index % 2}" }', 'telemetry:',
    `  - { topic: "${topic}", interval: 1s, fields: { id: { gen: counter }, level: { gen: constant, value: 3 } } }`,
  ].join('\n'), 'm.yaml');
  const spec = (topic: string, index: number) => deviceSpecFromModel(model(topic), { index, seed: 1, url: 'mqtt://127.0.0.1:1' }).telemetry![0];

  it('a topic naming only the device (index, vars, thing name) is rendered once, as a string', () => {
    expect(spec('plant/{site}/{thingName}/{index}', 3).topic).toBe('plant/s1/dev-3/3');
  });

  it('a topic naming a message field is rendered for each message', () => {
    const t = spec('plant/{thingName}/level-{level}/{id}', 2);
    expect(typeof t.topic).toBe('function');
    const render = t.topic as (payload: unknown) => string;
    expect(render(t.payload({ t: 0, seq: 0, state: {} }))).toBe('plant/dev-2/level-3/0');
    expect(render(t.payload({ t: 1000, seq: 1, state: {} }))).toBe('plant/dev-2/level-3/1');
  });
});
