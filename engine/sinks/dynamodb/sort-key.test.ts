import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareScalars, type AttributeValue } from './attribute-value.js';
import { numberSortKey, prefixEnd, sortKey } from './sort-key.js';

const bytewise = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('sortable key text', () => {
  it('orders numbers numerically, equal numbers alike', () => {
    const ordered = ['-1e125', '-123.5', '-10', '-2', '-1.5', '-1', '-0.001', '-1e-130', '0', '1e-130', '0.001', '1', '1.5', '2', '10', '123.5', '9.9999999999999999999999999999999999999e125'];
    const keys = ordered.map(numberSortKey);
    expect([...keys].sort(bytewise)).toEqual(keys);
    expect(numberSortKey('1.0')).toBe(numberSortKey('1'));
    expect(numberSortKey('-0')).toBe(numberSortKey('0'));
    expect(numberSortKey('100')).toBe(numberSortKey('1e2'));
  });

  it('agrees with DynamoDB\'s comparison for any two numbers, strings or binaries', () => {
    const num = fc.tuple(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.integer({ min: -40, max: 40 })).map(([c, e]): AttributeValue => ({ N: `${c}e${e}` }));
    const str = fc.string({ unit: 'binary' }).filter((s) => s.length > 0).map((s): AttributeValue => ({ S: s }));
    const bin = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b): AttributeValue => ({ B: Buffer.from(b).toString('base64') }));
    for (const arb of [num, str, bin]) {
      fc.assert(fc.property(arb, arb, (a, b) => {
        expect(Math.sign(bytewise(sortKey(a), sortKey(b)))).toBe(Math.sign(compareScalars(a, b)));
      }));
    }
  });

  it('bounds a prefix', () => {
    expect(prefixEnd('abc')).toBe('abd');
    expect(prefixEnd('a\u{10ffff}')).toBe('b');
    expect(prefixEnd('\u{10ffff}')).toBeUndefined();
    expect(prefixEnd('a\ud7ff')).toBe('a\ue000');
    for (const s of ['abc', 'abcz', 'abc\u{10ffff}']) expect(bytewise(s, prefixEnd('abc')!)).toBeLessThan(0);
  });
});

