import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { cbor as smithy } from '@smithy/core/cbor';
import { CborSimple, CborTag, decodeCbor, encodeCbor } from './cbor.js';
import { EngineError } from './errors.js';

const hex = (h: string) => Buffer.from(h, 'hex');

/** RFC 8949 appendix A: value, encoding (preferred serialization), both directions. */
const roundTrips: [unknown, string][] = [
  [0, '00'], [1, '01'], [10, '0a'], [23, '17'], [24, '1818'], [25, '1819'], [100, '1864'], [1000, '1903e8'],
  [1000000, '1a000f4240'], [1000000000000, '1b000000e8d4a51000'], [18446744073709551615n, '1bffffffffffffffff'],
  [18446744073709551616n, 'c249010000000000000000'], [-18446744073709551616n, '3bffffffffffffffff'],
  [-18446744073709551617n, 'c349010000000000000000'], [-1, '20'], [-10, '29'], [-100, '3863'], [-1000, '3903e7'],
  [-0, 'f98000'], [1.5, 'f93e00'], [65504, '19ffe0'], [1.1, 'fb3ff199999999999a'], [5.960464477539063e-8, 'f90001'],
  [0.00006103515625, 'f90400'], [-4, '23'], [-4.1, 'fbc010666666666666'], [3.4028234663852886e38, 'fa7f7fffff'],
  [1.0e300, 'fb7e37e43c8800759c'], [Infinity, 'f97c00'], [NaN, 'f97e00'], [-Infinity, 'f9fc00'], [0.5, 'f93800'],
  [false, 'f4'], [true, 'f5'], [null, 'f6'], [undefined, 'f7'], [new CborSimple(16), 'f0'], [new CborSimple(255), 'f8ff'],
  [new CborTag(0, '2013-03-21T20:04:00Z'), 'c074323031332d30332d32315432303a30343a30305a'], [new CborTag(1, 1363896240), 'c11a514b67b0'],
  [new CborTag(23, hex('01020304')), 'd74401020304'], [new CborTag(32, 'http://www.example.com'), 'd82076687474703a2f2f7777772e6578616d706c652e636f6d'],
  [hex(''), '40'], [hex('01020304'), '4401020304'], ['', '60'], ['a', '6161'], ['IETF', '6449455446'], ['"\\', '62225c'],
  ['\u00fc', '62c3bc'], ['\u6c34', '63e6b0b4'], ['\ud800\udd51', '64f0908591'], [[], '80'], [[1, 2, 3], '83010203'],
  [[1, [2, 3], [4, 5]], '8301820203820405'],
  [Array.from({ length: 25 }, (_, i) => i + 1), '98190102030405060708090a0b0c0d0e0f101112131415161718181819'],
  [{}, 'a0'], [{ a: 1, b: [2, 3] }, 'a26161016162820203'], [['a', { b: 'c' }], '826161a161626163'],
  [{ a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' }, 'a56161614161626142616361436164614461656145'],
];

/** Appendix A items that decode to a value whose preferred encoding differs (integer-valued floats, indefinite lengths). */
const decodeOnly: [string, unknown][] = [
  ['f90000', 0], ['f93c00', 1], ['fa47c35000', 100000], ['f97bff', 65504], ['fb7ff0000000000000', Infinity],
  ['fa7fc00000', NaN], ['fbfff0000000000000', -Infinity], ['f9c400', -4], ['c249010000000000000000', 18446744073709551616n],
  ['5f42010243030405ff', hex('0102030405')], ['7f657374726561646d696e67ff', 'streaming'], ['9fff', []],
  ['9f018202039f0405ffff', [1, [2, 3], [4, 5]]], ['9f01820203820405ff', [1, [2, 3], [4, 5]]], ['83018202039f0405ff', [1, [2, 3], [4, 5]]],
  ['83019f0203ff820405', [1, [2, 3], [4, 5]]],
  ['9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff', Array.from({ length: 25 }, (_, i) => i + 1)],
  ['bf61610161629f0203ffff', { a: 1, b: [2, 3] }], ['826161bf61626163ff', ['a', { b: 'c' }]],
  ['bf6346756ef563416d7421ff', { Fun: true, Amt: -2 }], ['a201020304', { 1: 2, 3: 4 }], ['1b0000000000000001', 1],
];

describe('CBOR codec (RFC 8949)', () => {
  it.each(roundTrips)('appendix A: %o ⇄ %s', (value, encoded) => {
    expect(encodeCbor(value).toString('hex')).toBe(encoded);
    expect(decodeCbor(hex(encoded))).toEqual(value);
  });

  it.each(decodeOnly)('appendix A: %s decodes to %o', (encoded, value) => {
    expect(decodeCbor(hex(encoded))).toEqual(value);
  });

  it.each([
    ['', 'input is empty'],
    ['18', 'input ends inside an item'],
    ['1c', 'reserved additional information 28'],
    ['1f', 'indefinite length on major type 0'],
    ['ff', 'unexpected break'],
    ['0001', '1 unexpected bytes after the item'],
    ['62c3', 'runs past the end of the input'],
    ['6180', 'not valid UTF-8'],
    ['5f4101610262ff', 'holds a chunk of major type 3'],
    ['5f5f4101ffff', 'nested indefinite-length string'],
    ['9b7fffffffffffffff', 'runs past the end of the input'],
    ['9a00010000', 'runs past the end of the input'],
    ['a1800102', 'is not a text string or an integer'],
    ['a2616101ff', 'unexpected break'],
    ['f818', 'simple value 24 in two bytes'],
    ['fc', 'reserved additional information 28'],
    ['9f01', 'input ends inside an item'],
  ])('malformed %s: InvalidInput "%s"', (encoded, message) => {
    let err: unknown;
    try {
      decodeCbor(hex(encoded));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('InvalidInput');
    expect((err as EngineError).message).toContain(message);
  });

  it('guards nesting depth and input size', () => {
    const deep = Buffer.alloc(100_000, 0x81); // [[[[…
    expect(() => decodeCbor(deep)).toThrow(/nesting deeper than 64 levels/);
    expect(decodeCbor(Buffer.concat([Buffer.alloc(10, 0x81), hex('00')]), { maxDepth: 10 })).toEqual([[[[[[[[[[0]]]]]]]]]]);
    expect(() => decodeCbor(Buffer.concat([Buffer.alloc(11, 0x81), hex('00')]), { maxDepth: 10 })).toThrow(/deeper than 10/);
    expect(() => decodeCbor(Buffer.alloc(2000, 0), { maxBytes: 1000 })).toThrow(/larger than 1000/);
  });

  it('a "__proto__" key is an own property, never the prototype', () => {
    const v = decodeCbor(encodeCbor(JSON.parse('{"__proto__":{"polluted":1}}'))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('round-trips any JSON-like value, and agrees with the AWS SDK\'s CBOR codec', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), fc.double(), fc.string({ unit: 'grapheme' }),
        fc.boolean(), fc.constant(null), fc.uint8Array().map((a) => Buffer.from(a)),
      ),
      node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 5 }), fc.dictionary(fc.string().filter((k) => k !== '__proto__'), tie('node'), { maxKeys: 5 })),
    })).node;
    fc.assert(fc.property(value, (v) => {
      const encoded = encodeCbor(v);
      expect(decodeCbor(encoded)).toEqual(v);
      expect(normalise(smithy.deserialize(new Uint8Array(encoded)))).toEqual(normalise(v));
    }), { numRuns: 300 });
  });

  it('decodes what the AWS SDK\'s CBOR codec encodes', () => {
    const doc = { certificateOwnershipToken: 'tok', parameters: { SerialNumber: '42', n: 7, f: 1.25, ok: true }, list: [1, 'two', null] };
    expect(decodeCbor(Buffer.from(smithy.serialize(doc)))).toEqual(doc);
  });
});

/** Byte strings compared as plain bytes, whichever class holds them. */
function normalise(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return Object.is(v, -0) ? 0 : v;
}
