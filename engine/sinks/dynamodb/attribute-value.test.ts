import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareScalars, fromJson, itemSize, itemToJson, checkItemSize, validateValue, valuesEqual, type AttributeValue } from './attribute-value.js';

const msg = (raw: unknown): string => { try { validateValue(raw); return 'valid'; } catch (e) { return (e as Error).message; } };

describe('attribute values', () => {
  it("refuses malformed values with AWS's messages", () => {
    expect(msg({})).toBe('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
    expect(msg({ S: 'a', N: '1' })).toBe('Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
    expect(msg({ SS: [] })).toBe('One or more parameter values were invalid: An string set  may not be empty');
    expect(msg({ NS: [] })).toBe('One or more parameter values were invalid: An number set  may not be empty');
    expect(msg({ BS: [] })).toBe('One or more parameter values were invalid: Binary sets should not be empty');
    expect(msg({ SS: ['a', 'a'] })).toBe('One or more parameter values were invalid: Input collection [a, a] contains duplicates.');
    expect(msg({ NS: ['1', '1.0'] })).toBe('Input collection contains duplicates');
    expect(msg({ BS: ['Yg==', 'Yg=='] })).toBe('One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates.');
    expect(msg({ NULL: false })).toBe('One or more parameter values were invalid: Null attribute value types must have the value of true');
    expect(msg({ N: 'x' })).toBe('The parameter cannot be converted to a numeric value: x');
    expect(msg({ M: { a: { L: [{ N: '1e200' }] } } })).toBe('Number overflow. Attempting to store a number with magnitude larger than supported range');
  });

  it('allows 32 levels of nesting and refuses deeper ones', () => {
    const nest = (n: number): unknown => { let v: unknown = { S: 'x' }; for (let i = 0; i < n; i++) v = { L: [v] }; return v; };
    expect(msg(nest(32))).toBe('valid');
    expect(msg(nest(33))).toBe('Nesting Levels have exceeded supported limits');
    expect(msg(nest(50_000))).toBe('Nesting Levels have exceeded supported limits');
  });

  it('keeps a canonical form: numbers normalized, in sets and nested too', () => {
    expect(validateValue({ M: { n: { N: '010.50' }, s: { NS: ['1e1', '2'] } } })).toEqual({ M: { n: { N: '10.5' }, s: { NS: ['10', '2'] } } });
  });

  it('orders key values as DynamoDB: N numerically, S by UTF-8 bytes, B bytewise', () => {
    expect(compareScalars({ N: '10' }, { N: '9' })).toBeGreaterThan(0);
    expect(compareScalars({ S: 'Z' }, { S: 'a' })).toBeLessThan(0);
    // U+FF21 (3 UTF-8 bytes, EF BC A1) sorts after U+1F600 (F0 9F 98 80) in UTF-16 but before it in UTF-8
    expect(compareScalars({ S: '\uFF21' }, { S: '\u{1F600}' })).toBeLessThan(0);
    expect(compareScalars({ B: Buffer.from([0x01]).toString('base64') }, { B: Buffer.from([0xff]).toString('base64') })).toBeLessThan(0);
  });

  it('S ordering is the order of the UTF-8 bytes (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
      expect(Math.sign(compareScalars({ S: a }, { S: b }))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }));
  });

  it('compares sets regardless of order and numbers by value', () => {
    expect(valuesEqual({ SS: ['a', 'b'] }, { SS: ['b', 'a'] })).toBe(true);
    expect(valuesEqual({ N: '1' }, { S: '1' })).toBe(false);
    expect(valuesEqual({ L: [{ N: '1' }] }, { L: [{ N: '1' }, { N: '2' }] })).toBe(false);
  });

  it('counts item size as AWS does and refuses items over 400 KB', () => {
    expect(itemSize({ id: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSize({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemSize({ m: { M: { a: { BOOL: true } } } })).toBe(1 + 3 + 1 + 1 + 1);
    expect(itemSize({ l: { L: [] } })).toBe(1 + 3);
    const big: Record<string, AttributeValue> = { id: { S: 'x' }, data: { S: 'a'.repeat(400 * 1024 - 7) } };
    expect(() => checkItemSize(big)).not.toThrow();
    big.data = { S: 'a'.repeat(400 * 1024 - 6) };
    expect(() => checkItemSize(big)).toThrow('Item size has exceeded the maximum allowed size');
  });

  it('converts plain JSON (a rule output) to typed values and back', () => {
    const json = { device: 'd1', t: 21.5, ok: true, none: null, tags: ['a', 1], meta: { fw: '1.0' } };
    expect(fromJson(json)).toEqual({ M: { device: { S: 'd1' }, t: { N: '21.5' }, ok: { BOOL: true }, none: { NULL: true }, tags: { L: [{ S: 'a' }, { N: '1' }] }, meta: { M: { fw: { S: '1.0' } } } } });
    expect(itemToJson((fromJson(json) as { M: Record<string, AttributeValue> }).M)).toEqual(json);
  });
});
