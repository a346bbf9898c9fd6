import { describe, it, expect } from 'vitest';
import { parseFaultSpec } from './fault-spec.js';
import { malformedPayload, paddedJson } from './malformed.js';
import { seededRandom } from '../runtime/seeded-random.js';

describe('parseFaultSpec', () => {
  it.each([
    [{ kind: 'drop' }],
    [{ kind: 'drop', reconnect: false }],
    [{ kind: 'disconnect', reconnect: true }],
    [{ kind: 'partition', durationMs: 5000 }],
    [{ kind: 'network', latencyMs: 200, jitterMs: 50, loss: 0.02, bandwidthBytesPerSec: 10_000, durationMs: 30_000 }],
    [{ kind: 'keepalive-starvation' }],
    [{ kind: 'keepalive-starvation', durationMs: 10_000 }],
    [{ kind: 'clock-skew', offsetMs: -90_000 }],
    [{ kind: 'reconnect-storm' }],
    [{ kind: 'flood', ratePerSec: 100, durationMs: 1000, topic: 'a/b', payloadBytes: 256, qos: 1 }],
    [{ kind: 'malformed', payload: 'oversized', count: 2, topic: 'x', bytes: 200_000 }],
    [{ kind: 'clear' }],
  ])('accepts %j as it is', (spec) => {
    expect(parseFaultSpec(spec)).toEqual(spec);
  });

  it.each([
    [null, /a fault must be an object/],
    [{ kind: 'explode' }, /unknown fault kind "explode": expected one of drop, disconnect, partition/],
    [{ kind: 'partition' }, /a partition fault needs durationMs/],
    [{ kind: 'partition', durationMs: -1 }, /partition: durationMs must be a number from 1 to/],
    [{ kind: 'partition', durationMs: 1.5 }, /durationMs must be a whole number/],
    [{ kind: 'partition', durationMs: '10s' }, /durationMs must be a number from 1 to 86400000, not "10s"/],
    [{ kind: 'network' }, /needs at least one of latencyMs, jitterMs, loss or bandwidthBytesPerSec/],
    [{ kind: 'network', loss: 1 }, /loss must be a number from 0 to 0.9/],
    [{ kind: 'drop', reconnect: 'no' }, /drop: reconnect must be true or false/],
    [{ kind: 'drop', durationMs: 5 }, /a drop fault has no field 'durationMs' \(it takes reconnect\)/],
    [{ kind: 'clear', x: 1 }, /a clear fault has no field 'x'$/],
    [{ kind: 'flood', ratePerSec: 10 }, /a flood fault needs durationMs/],
    [{ kind: 'flood', ratePerSec: 10, durationMs: 100, topic: 'a/#' }, /topic must be a topic name without wildcards/],
    [{ kind: 'flood', ratePerSec: 10, durationMs: 100, qos: 2 }, /qos must be 0 or 1/],
    [{ kind: 'malformed', payload: 'weird' }, /payload must be invalid-json, oversized or binary/],
    [{ kind: 'clock-skew' }, /a clock-skew fault needs offsetMs/],
  ])('refuses %j: %s', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
    try {
      parseFaultSpec(spec);
    } catch (e) {
      expect(e).toMatchObject({ code: 'InvalidInput' });
    }
  });
});

describe('malformed payloads', () => {
  it('are not JSON, are one byte over AWS IoT\'s 128 KiB limit, or are random bytes that are not UTF-8', () => {
    const random = seededRandom(5);
    for (let i = 0; i < 4; i++) expect(() => JSON.parse(malformedPayload('invalid-json', i, random).toString())).toThrow();
    const big = malformedPayload('oversized', 0, random);
    expect(big.length).toBe(128 * 1024 + 1);
    expect(JSON.parse(big.toString())).toMatchObject({ seq: 0, oversized: true });
    expect(malformedPayload('oversized', 0, random, 300).length).toBe(300);
    const bin = malformedPayload('binary', 0, seededRandom(9));
    expect(bin[0]).toBe(0xff);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bin)).toThrow();
    expect(malformedPayload('binary', 0, seededRandom(9))).toEqual(bin); // seeded
  });

  it('pads JSON to an exact size', () => {
    expect(paddedJson({ a: 1 }, 100).length).toBe(100);
    expect(JSON.parse(paddedJson({ a: 1 }, 5).toString())).toEqual({ a: 1, pad: '' }); // never shorter than the body
  });
});
