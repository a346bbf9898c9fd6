import { describe, expect, it } from 'vitest';
import { compileExpression, compileTemplate, ExpressionError } from './expression.js';
import { parseCsv, parseJsonLines } from './replay-files.js';
import { createFieldSampler } from './sampler.js';
import type { DeviceContext, FieldSpec } from './types.js';

const ctx = (index = 0, seed = 42): DeviceContext => ({
  index, seed, model: 'm', thingName: `thing-${index}`, clientId: `thing-${index}`, attributes: { model: 'A60', wattage: '60' }, vars: {},
});
/** n samples of one field, one second apart from t = 1_000_000. */
function run(spec: FieldSpec, n: number, c = ctx(), stepMs = 1000): unknown[] {
  const s = createFieldSampler({ f: spec }, c, { startTime: 1_000_000 });
  return Array.from({ length: n }, (_, k) => s.sample(1_000_000 + k * stepMs).f);
}

const random: [string, FieldSpec][] = [
  ['uuid', { gen: 'uuid' }],
  ['id', { gen: 'id', prefix: 'dev-', length: 8, alphabet: 'abcdef0123456789' }],
  ['pick', { gen: 'pick', values: ['a', 'b', 'c', 'd'] }],
  ['int', { gen: 'int', min: 0, max: 1000 }],
  ['float', { gen: 'float', min: 0, max: 1, precision: 4 }],
  ['bool', { gen: 'bool', probability: 0.5 }],
  ['walk', { gen: 'walk', min: 0, max: 100, step: 5 }],
  ['step random', { gen: 'step', values: [1, 2, 3, 4, 5, 6, 7], everyMs: 1000, order: 'random' }],
  ['spike', { gen: 'spike', base: { gen: 'constant', value: 10 }, probability: 0.5, magnitude: 5, direction: 'both' }],
  ['anomaly', { gen: 'anomaly', base: { gen: 'float', min: 0, max: 1 }, probability: 0.3, value: null }],
  ['geo', { gen: 'geo', center: { lat: 52.5, lon: 13.4 }, radiusM: 1000 }],
  ['array', { gen: 'array', items: { gen: 'int', min: 0, max: 9 }, minLength: 1, maxLength: 5 }],
  ['sine with phaseSpread', { gen: 'sine', periodMs: 60_000, amplitude: 1, offset: 0, phase: 0, phaseSpread: 1 }],
];

describe('seeded generators', () => {
  it.each(random)('%s: same seed and index give the same values; another index or seed gives others', (_n, spec) => {
    const a = run(spec, 30), b = run(spec, 30);
    expect(b).toEqual(a);
    expect(run(spec, 30, ctx(1))).not.toEqual(a);
    expect(run(spec, 30, ctx(0, 43))).not.toEqual(a);
  });

  it('fields draw from their own streams: adding a field does not change another', () => {
    const one = createFieldSampler({ x: { gen: 'float', min: 0, max: 1 } }, ctx());
    const two = createFieldSampler({ y: { gen: 'int', min: 0, max: 9 }, x: { gen: 'float', min: 0, max: 1 } }, ctx());
    for (let k = 0; k < 10; k++) expect(two.sample(k).x).toBe(one.sample(k).x);
  });

  it('int and float stay in range; precision holds', () => {
    for (const v of run({ gen: 'int', min: -3, max: 3 }, 2000) as number[]) {
      expect(Number.isInteger(v) && v >= -3 && v <= 3).toBe(true);
    }
    const ints = new Set(run({ gen: 'int', min: -3, max: 3 }, 2000));
    expect(ints.size).toBe(7); // every value of the range turns up
    for (const v of run({ gen: 'float', min: 20, max: 30, precision: 2 }, 2000) as number[]) {
      expect(v).toBeGreaterThanOrEqual(20);
      expect(v).toBeLessThanOrEqual(30);
      expect(Math.round(v * 100) / 100).toBe(v);
    }
  });

  it('bool honours its probability; pick honours its weights', () => {
    const bools = run({ gen: 'bool', probability: 0.2 }, 10_000) as boolean[];
    const share = bools.filter(Boolean).length / bools.length;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.22);
    const picks = run({ gen: 'pick', values: ['on', 'off'], weights: [3, 1] }, 10_000) as string[];
    const on = picks.filter((p) => p === 'on').length / picks.length;
    expect(on).toBeGreaterThan(0.72);
    expect(on).toBeLessThan(0.78);
  });

  it('spike and anomaly fire at their probability', () => {
    const spikes = run({ gen: 'spike', base: { gen: 'constant', value: 10 }, probability: 0.1, magnitude: 5, direction: 'up' }, 10_000) as number[];
    expect(new Set(spikes)).toEqual(new Set([10, 15]));
    const share = spikes.filter((v) => v === 15).length / spikes.length;
    expect(share).toBeGreaterThan(0.085);
    expect(share).toBeLessThan(0.115);
    const an = run({ gen: 'anomaly', base: { gen: 'constant', value: 1 }, probability: 0.05, value: -999 }, 10_000);
    const aShare = an.filter((v) => v === -999).length / an.length;
    expect(aShare).toBeGreaterThan(0.04);
    expect(aShare).toBeLessThan(0.06);
  });

  it('uuid is a version 4 UUID; id has its prefix, length and alphabet', () => {
    for (const u of run({ gen: 'uuid' }, 100) as string[]) expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const u of run({ gen: 'id', prefix: 'x-', length: 6, alphabet: 'AB' }, 100) as string[]) expect(u).toMatch(/^x-[AB]{6}$/);
  });

  it('counter counts and wraps', () => {
    expect(run({ gen: 'counter', start: 1, step: 2 }, 4)).toEqual([1, 3, 5, 7]);
    expect(run({ gen: 'counter', start: 0, step: 1, wrapAt: 3 }, 7)).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('timestamp formats the virtual time', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const at = (format: 'epoch-ms' | 'epoch-s' | 'iso'): unknown => createFieldSampler({ f: { gen: 'timestamp', format } }, ctx()).sample(t).f;
    expect(at('epoch-ms')).toBe(t);
    expect(at('epoch-s')).toBe(Math.floor(t / 1000));
    expect(at('iso')).toBe('2026-01-02T03:04:05.678Z');
  });

  it('walk moves by at most its step and stays within bounds', () => {
    const v = run({ gen: 'walk', min: 0, max: 10, step: 3, start: 9 }, 5000) as number[];
    expect(v[0]).toBe(9);
    for (let k = 1; k < v.length; k++) {
      expect(v[k]).toBeGreaterThanOrEqual(0);
      expect(v[k]).toBeLessThanOrEqual(10);
      expect(Math.abs(v[k] - v[k - 1])).toBeLessThanOrEqual(3 + 1e-9);
    }
  });

  it('waves have known values at known times (period 4 s, amplitude 2, offset 10)', () => {
    const wave = (gen: 'sine' | 'square' | 'triangle' | 'sawtooth', phase = 0): unknown[] =>
      run({ gen, periodMs: 4000, amplitude: 2, offset: 10, phase, phaseSpread: 0, precision: 6 }, 5);
    expect(wave('sine')).toEqual([10, 12, 10, 8, 10]);
    expect(wave('square')).toEqual([12, 12, 8, 8, 12]);
    expect(wave('triangle')).toEqual([10, 12, 10, 8, 10]);
    expect(run({ gen: 'sawtooth', periodMs: 4000, amplitude: 2, offset: 10, phase: 0, phaseSpread: 0 }, 4, ctx(), 500))
      .toEqual([10, 10.5, 11, 11.5]);
    expect(wave('sine', 0.25)).toEqual([12, 10, 8, 10, 12]);
  });

  it('ramp, decay and step follow elapsed time', () => {
    expect(run({ gen: 'ramp', from: 0, to: 100, durationMs: 4000, repeat: false }, 6)).toEqual([0, 25, 50, 75, 100, 100]);
    expect(run({ gen: 'ramp', from: 0, to: 100, durationMs: 4000, repeat: true }, 6)).toEqual([0, 25, 50, 75, 0, 25]);
    expect(run({ gen: 'decay', from: 80, to: 20, halfLifeMs: 1000 }, 4)).toEqual([80, 50, 35, 27.5]);
    expect(run({ gen: 'step', values: ['low', 'mid', 'high'], everyMs: 2000, order: 'cycle' }, 7))
      .toEqual(['low', 'low', 'mid', 'mid', 'high', 'high', 'low']);
  });

  it('geo stays within its circle; route moves along its points at its speed', () => {
    const center = { lat: 48.1, lon: 11.6 };
    for (const p of run({ gen: 'geo', center, radiusM: 500 }, 1000) as { lat: number; lon: number }[]) {
      const dy = (p.lat - center.lat) * 111_195, dx = (p.lon - center.lon) * 111_195 * Math.cos((center.lat * Math.PI) / 180);
      expect(Math.hypot(dx, dy)).toBeLessThanOrEqual(501);
    }
    // One degree of longitude on the equator is 111,195 m: at 111,195 m/s the device is 1° further each second.
    const route = run({ gen: 'route', points: [{ lat: 0, lon: 0 }, { lat: 0, lon: 2 }], speedMps: 111_195, loop: true }, 4, ctx(), 500);
    expect(route.map((p) => Math.round((p as { lon: number }).lon * 1000) / 1000)).toEqual([0, 0.5, 1, 1.5]);
  });

  it('geo and route round latitude and longitude to their precision (default 7 decimals)', () => {
    const dec = (x: number): number => (String(x).split('.')[1] ?? '').length;
    for (const p of run({ gen: 'geo', center: { lat: 1, lon: 2 }, radiusM: 5000, precision: 3 }, 50) as { lat: number; lon: number }[]) {
      expect(Math.max(dec(p.lat), dec(p.lon))).toBeLessThanOrEqual(3);
    }
    const fine = run({ gen: 'geo', center: { lat: 1, lon: 2 }, radiusM: 5000 }, 50) as { lat: number }[];
    expect(Math.max(...fine.map((p) => dec(p.lat)))).toBe(7);
  });

  it('static fixes a value per device', () => {
    const v = run({ gen: 'int', min: 0, max: 1_000_000, static: true }, 20);
    expect(new Set(v).size).toBe(1);
    expect(run({ gen: 'int', min: 0, max: 1_000_000, static: true }, 1, ctx(7))[0]).not.toBe(v[0]);
  });

  it('nested objects and arrays, thing name and attributes', () => {
    const s = createFieldSampler({
      device: { gen: 'object', fields: { name: { gen: 'thingName' }, model: { gen: 'attribute', name: 'model' }, fw: { gen: 'constant', value: '1.2' } } },
      readings: { gen: 'array', items: { gen: 'counter', start: 0, step: 1 }, minLength: 3, maxLength: 3 },
    }, ctx(4));
    expect(s.sample(0)).toEqual({ device: { name: 'thing-4', model: 'A60', fw: '1.2' }, readings: [0, 0, 0] });
    expect(s.sample(1000).readings).toEqual([1, 1, 1]);
  });

  it('expressions read other fields in any order, deviceIndex and attributes; output keeps declared order', () => {
    const s = createFieldSampler({
      fahrenheit: { gen: 'expr', expr: 'round(celsius * 1.8 + 32, 1)' },
      celsius: { gen: 'constant', value: 21.5 },
      label: { gen: 'expr', expr: "thingName + '/' + pad(deviceIndex, 3) + (celsius > 20 ? ' warm' : ' cold')" },
      watts: { gen: 'expr', expr: 'num(attributes.wattage) * 2' },
    }, ctx(7));
    const v = s.sample(0);
    expect(v).toEqual({ fahrenheit: 70.7, celsius: 21.5, label: 'thing-7/007 warm', watts: 120 });
    expect(Object.keys(v)).toEqual(['fahrenheit', 'celsius', 'label', 'watts']);
  });

  it('expressions see each sample\'s own scope and time, and the fields computed before them in that sample', () => {
    const s = createFieldSampler({
      n: { gen: 'counter', start: 0, step: 1 },
      motor: { gen: 'expr', expr: "shadow.MOTOR == 'ON' ? n * 10 : 0" },
      age: { gen: 'expr', expr: 'elapsed / 1000' },
    }, ctx(), { startTime: 0 });
    expect(s.sample(0, { shadow: { MOTOR: 'ON' } })).toEqual({ n: 0, motor: 0, age: 0 });
    expect(s.sample(1000, { shadow: { MOTOR: 'ON' } })).toEqual({ n: 1, motor: 10, age: 1 });
    expect(s.sample(2000, { shadow: { MOTOR: 'OFF' } })).toEqual({ n: 2, motor: 0, age: 2 });
    expect(s.sample(3000, { shadow: { MOTOR: 'ON' } })).toEqual({ n: 3, motor: 30, age: 3 });
  });

  it('a cycle between expression fields is refused', () => {
    expect(() => createFieldSampler({ a: { gen: 'expr', expr: 'b + 1' }, b: { gen: 'expr', expr: 'a + 1' } }, ctx()))
      .toThrow('expression fields form a cycle: a → b → a');
  });

  it('replay plays rows from loaded CSV and JSON lines, per device offset by stride', () => {
    const rows = parseCsv('t,temp,label\n0,20.5,"a, b"\n1,21,x\n2,22,"say ""hi"""\n');
    expect(rows).toEqual([{ t: 0, temp: 20.5, label: 'a, b' }, { t: 1, temp: 21, label: 'x' }, { t: 2, temp: 22, label: 'say "hi"' }]);
    const replay = new Map([['r.csv', rows], ['r.jsonl', parseJsonLines('{"a":1}\n\n{"a":2}\n', 'r.jsonl')]]);
    const col = (c: DeviceContext, loop: boolean): unknown[] => {
      const s = createFieldSampler({ v: { gen: 'replay', file: 'r.csv', column: 'temp', loop, stride: 1 } }, c, { replay });
      return [0, 1, 2, 3].map((t) => s.sample(t).v);
    };
    expect(col(ctx(0), true)).toEqual([20.5, 21, 22, 20.5]);
    expect(col(ctx(1), true)).toEqual([21, 22, 20.5, 21]);
    expect(col(ctx(0), false)).toEqual([20.5, 21, 22, null]);
    const j = createFieldSampler({ row: { gen: 'replay', file: 'r.jsonl', loop: true, stride: 0 } }, ctx(), { replay });
    expect([j.sample(0).row, j.sample(1).row, j.sample(2).row]).toEqual([{ a: 1 }, { a: 2 }, { a: 1 }]);
    expect(() => parseJsonLines('{"a":1}\nnope\n', 'bad.jsonl')).toThrow('bad.jsonl:2:1: expected one JSON value per line');
  });
});

describe('expressions and templates', () => {
  it.each([
    ['1 + 2 * 3', 7], ['(1 + 2) * 3', 9], ['7 % 3', 1], ['-2 * -3', 6], ['1 < 2 && 2 <= 2', true], ['!(1 == 1) || false', false],
    ["'a' + 1", 'a1'], ['x > 5 ? "big" : "small"', 'big'], ['max(1, x, 3)', 10], ['clamp(x, 0, 4)', 4],
    ['round(3.14159, 2)', 3.14], ['round(-2.5)', -3], ['pad(7, 3)', '007'], ['o.a.b', 'deep'], ["o['a'].b", 'deep'],
    ['o.constructor', undefined], ['o.__proto__', undefined], ['missing', undefined], ['x == 10', true], ["x == '10'", false],
  ])('%s → %j', (src, want) => {
    expect(compileExpression(src).evaluate({ x: 10, o: { a: { b: 'deep' } } })).toEqual(want);
  });

  it.each([
    ['1 +', 'expression ends too early', 3], ['foo(1)', "unknown function 'foo'", 0], ['1 ? 2', "expected ':'", 5],
    ['a . 1', 'expected a property name', 4], ["'open", 'unterminated string', 0], ['a # b', "unexpected character '#'", 2],
  ])('%s fails: %s at offset %i', (src, msg, offset) => {
    let err: unknown;
    try { compileExpression(src); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ExpressionError);
    expect((err as ExpressionError).message).toContain(msg);
    expect((err as ExpressionError).offset).toBe(offset);
  });

  it('deep nesting is refused and pad widths are capped, so an expression cannot exhaust the stack or memory', () => {
    expect(() => compileExpression(`${'('.repeat(5000)}1${')'.repeat(5000)}`)).toThrow('expression is nested too deeply');
    expect(() => compileExpression(`${'-'.repeat(5000)}1`)).toThrow('expression is nested too deeply');
    expect(() => compileExpression(`${'1 ? 1 : '.repeat(5000)}1`)).toThrow('expression is nested too deeply');
    expect(compileExpression(`${'('.repeat(50)}1${')'.repeat(50)}`).evaluate({})).toBe(1);
    expect((compileExpression('pad(1, 1e9)').evaluate({}) as string).length).toBe(64);
  });

  it('collects the root names an expression reads', () => {
    expect([...compileExpression('a.b + c * max(d, 1) + e["f"]').names].sort()).toEqual(['a', 'c', 'd', 'e']);
  });

  it('templates replace {expr} and keep {{ }} literal', () => {
    const t = compileTemplate("{farm}/sprinkler-{pad(index + 1, 3)} {{x}} {'}'}");
    expect(t.render({ farm: 'north', index: 4 })).toBe('north/sprinkler-005 {x} }');
    expect([...t.names].sort()).toEqual(['farm', 'index']);
    expect(() => compileTemplate('a/{index')).toThrow("unclosed '{'");
    expect(() => compileTemplate('a/{1 +}')).toThrowError(expect.objectContaining({ offset: 6 }));
  });
});
