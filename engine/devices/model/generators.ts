/**
 * One compiled generator per field: `(t, env) => value`. Each owns its state (counters, walks, static values) and
 * its own seeded stream, named by the field's path, so fields never disturb each other's values.
 */
import { EngineError } from '../../core/index.js';
import { compileExpression, roundTo, type Scope } from './expression.js';
import { createRng, type Rng } from './prng.js';
import type { ReplayData } from './sampler-types.js';
import type { DeviceContext, FieldSpec, LatLon } from './types.js';

export interface GenEnv {
  /** Virtual time, ms. */
  t: number;
  /** ms since the sampler's start time. */
  elapsed: number;
  /** What expressions see (device context, extra scope, the fields computed so far). */
  scope: Scope;
}
export type Gen = (env: GenEnv) => unknown;

export interface GenContext { device: DeviceContext; replay?: ReplayData }

const TAU = 2 * Math.PI;

function wave(kind: 'sine' | 'square' | 'triangle' | 'sawtooth', x: number): number {
  const f = x - Math.floor(x);
  switch (kind) {
    case 'sine': return Math.sin(TAU * f);
    case 'square': return f < 0.5 ? 1 : -1;
    case 'triangle': return f < 0.25 ? 4 * f : f < 0.75 ? 2 - 4 * f : 4 * f - 4;
    case 'sawtooth': return f < 0.5 ? 2 * f : 2 * f - 2;
  }
}

const EARTH_M = 6371008.8;
const rad = (d: number): number => (d * Math.PI) / 180;
function haversine(a: LatLon, b: LatLon): number {
  const dLat = rad(b.lat - a.lat), dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

function uuid(rng: Rng): string {
  const b = Array.from({ length: 16 }, () => rng.int(0, 255));
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const h = b.map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function weightedIndex(rng: Rng, weights: number[] | undefined, n: number): number {
  if (!weights) return rng.int(0, n - 1);
  const total = weights.reduce((a, w) => a + w, 0);
  let r = rng.next() * total;
  for (let i = 0; i < n; i++) { r -= weights[i] ?? 0; if (r < 0) return i; }
  return n - 1;
}

/** Compiles one field spec at `path` (`temperature`, `location.lat`, `readings[2]`) for one device. */
export function compileGenerator(spec: FieldSpec, path: string, gc: GenContext): Gen {
  const { device } = gc;
  const rng = createRng(device.seed, device.index, path);
  const base = compileBare(spec, path, gc, rng);
  const precision = spec.precision;
  const rounded: Gen = precision === undefined ? base : (env) => {
    const v = base(env);
    return typeof v === 'number' ? roundTo(v, precision) : v;
  };
  if (!spec.static) return rounded;
  let fixed: { v: unknown } | undefined;
  return (env) => (fixed ??= { v: rounded(env) }).v;
}

function compileBare(spec: FieldSpec, path: string, gc: GenContext, rng: Rng): Gen {
  const { device } = gc;
  switch (spec.gen) {
    case 'constant': { const v = spec.value; return () => v; }
    case 'counter': {
      let n = 0;
      return () => {
        const v = spec.start + spec.step * n++;
        if (spec.wrapAt === undefined) return v;
        const span = spec.wrapAt - spec.start;
        return spec.start + ((((v - spec.start) % span) + span) % span);
      };
    }
    case 'uuid': return () => uuid(rng);
    case 'id': return () => spec.prefix + Array.from({ length: spec.length }, () => spec.alphabet[rng.int(0, spec.alphabet.length - 1)]).join('');
    case 'pick': return () => spec.values[weightedIndex(rng, spec.weights, spec.values.length)];
    case 'int': return () => rng.int(Math.ceil(spec.min), Math.floor(spec.max));
    case 'float': return () => spec.min + rng.next() * (spec.max - spec.min);
    case 'bool': return () => rng.next() < spec.probability;
    case 'timestamp':
      return ({ t }) => (spec.format === 'iso' ? new Date(t).toISOString() : spec.format === 'epoch-s' ? Math.floor(t / 1000) : t);
    case 'walk': {
      let v = spec.start ?? (spec.min + spec.max) / 2;
      let first = true;
      return () => {
        if (first) { first = false; return v; }
        v += (rng.next() * 2 - 1) * spec.step;
        if (v > spec.max) v = Math.max(spec.min, 2 * spec.max - v);
        if (v < spec.min) v = Math.min(spec.max, 2 * spec.min - v);
        return v;
      };
    }
    case 'sine': case 'square': case 'triangle': case 'sawtooth': {
      const phase = spec.phase + (spec.phaseSpread > 0 ? rng.next() * spec.phaseSpread : 0);
      return ({ elapsed }) => spec.offset + spec.amplitude * wave(spec.gen, elapsed / spec.periodMs + phase);
    }
    case 'ramp': return ({ elapsed }) => {
      const e = spec.repeat ? elapsed % spec.durationMs : Math.min(elapsed, spec.durationMs);
      return spec.from + ((spec.to - spec.from) * e) / spec.durationMs;
    };
    case 'decay': return ({ elapsed }) => spec.to + (spec.from - spec.to) * 2 ** (-elapsed / spec.halfLifeMs);
    case 'step': return ({ elapsed }) => {
      const k = Math.floor(elapsed / spec.everyMs);
      if (spec.order === 'cycle') return spec.values[k % spec.values.length];
      return spec.values[createRng(device.seed, device.index, `${path}#${k}`).int(0, spec.values.length - 1)];
    };
    case 'spike': {
      const inner = compileGenerator(spec.base, `${path}/base`, gc);
      return (env) => {
        const v = num(inner(env));
        if (rng.next() >= spec.probability) return v;
        const sign = spec.direction === 'up' ? 1 : spec.direction === 'down' ? -1 : rng.next() < 0.5 ? -1 : 1;
        return v + sign * spec.magnitude;
      };
    }
    case 'anomaly': {
      const inner = compileGenerator(spec.base, `${path}/base`, gc);
      return (env) => { const v = inner(env); return rng.next() < spec.probability ? spec.value : v; };
    }
    case 'geo': return () => {
      const r = spec.radiusM * Math.sqrt(rng.next()), th = rng.next() * TAU;
      const lat = spec.center.lat + (r * Math.cos(th)) / EARTH_M / rad(1);
      const lon = spec.center.lon + (r * Math.sin(th)) / (EARTH_M * Math.cos(rad(spec.center.lat))) / rad(1);
      return { lat: roundTo(lat, spec.precision ?? 7), lon: roundTo(lon, spec.precision ?? 7) };
    };
    case 'route': {
      const pts = spec.points, legs = pts.slice(1).map((p, i) => haversine(pts[i], p));
      const total = legs.reduce((a, b) => a + b, 0);
      return ({ elapsed }) => {
        let d = (spec.speedMps * elapsed) / 1000;
        d = total === 0 ? 0 : spec.loop ? d % total : Math.min(d, total);
        let i = 0;
        while (i < legs.length - 1 && d > legs[i]) { d -= legs[i]; i++; }
        const f = legs.length === 0 || legs[i] === 0 ? 0 : Math.min(1, d / legs[i]);
        const a = pts[i], b = pts[Math.min(i + 1, pts.length - 1)];
        const p = spec.precision ?? 7;
        return { lat: roundTo(a.lat + (b.lat - a.lat) * f, p), lon: roundTo(a.lon + (b.lon - a.lon) * f, p) };
      };
    }
    case 'object': {
      const gens = Object.entries(spec.fields).map(([k, s]) => [k, compileGenerator(s, `${path}.${k}`, gc)] as const);
      return (env) => Object.fromEntries(gens.map(([k, g]) => [k, g(env)]));
    }
    case 'array': {
      const items: Gen[] = [];
      return (env) => {
        const n = rng.int(spec.minLength, spec.maxLength);
        for (let i = items.length; i < n; i++) items.push(compileGenerator(spec.items, `${path}[${i}]`, gc));
        return items.slice(0, n).map((g) => g(env));
      };
    }
    case 'expr': { const e = compileExpression(spec.expr); return (env) => e.evaluate(env.scope); }
    case 'thingName': return () => device.thingName;
    case 'attribute': return () => device.attributes[spec.name] ?? null;
    case 'replay': {
      const rows = gc.replay?.get(spec.file);
      if (!rows) throw new EngineError('InvalidInput', `replay file '${spec.file}' was not loaded (readReplayFiles reads it)`);
      let n = spec.stride * device.index;
      return () => {
        if (rows.length === 0) return null;
        const k = n++;
        if (!spec.loop && k >= rows.length) return null;
        const row = rows[k % rows.length];
        return spec.column === undefined ? row : row[spec.column] ?? null;
      };
    }
  }
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
