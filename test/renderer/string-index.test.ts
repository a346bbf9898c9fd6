import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringIndex, stringHash } from '../../renderer/src/state/models/string-index.js';

interface Item { key: string; n: number }
const keyOf = (item: Item) => item.key;
/** A hash with four values: nearly every key collides, so the arrays of values sharing a hash get exercised. */
const poorHash = (key: string) => key.length % 4;

type Op = { kind: 'set'; key: string; n: number } | { kind: 'delete'; key: string } | { kind: 'clear' };
const key = fc.string({ maxLength: 6 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), key, n: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

describe('StringIndex', () => {
  for (const [name, hash] of [['its own hash', stringHash], ['a hash where nearly every key collides', poorHash]] as const) {
    it(`answers as a Map keyed by the values' keys would, with ${name}`, () => {
      fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.array(key, { maxLength: 10 }), (ops, probes) => {
        const index = new StringIndex(keyOf, hash);
        const map = new Map<string, Item>();
        for (const o of ops) {
          if (o.kind === 'set') {
            const item = { key: o.key, n: o.n };
            index.set(item);
            map.set(o.key, item);
          } else if (o.kind === 'delete') {
            expect(index.delete(o.key)).toBe(map.delete(o.key));
          } else {
            index.clear();
            map.clear();
          }
          expect(index.size).toBe(map.size);
        }
        for (const k of [...probes, ...map.keys()]) expect([index.get(k), index.has(k)]).toEqual([map.get(k), map.has(k)]);
        expect(new Set(index.values())).toEqual(new Set(map.values()));
      }), { numRuns: 300 });
    });
  }

  it('hashes to small non-negative integers, the same for equal strings however they were made', () => {
    const made = ['bench', 'topic', '7'].join('/');
    expect(stringHash(made)).toBe(stringHash('bench/topic/7'));
    for (const s of ['', 'a', '$aws/things/x/shadow/update', '温度/🌡️', 'x'.repeat(10_000)]) {
      const h = stringHash(s);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 30).toBe(true);
    }
    expect(stringHash('a/b')).not.toBe(stringHash('a/c'));
  });
});
