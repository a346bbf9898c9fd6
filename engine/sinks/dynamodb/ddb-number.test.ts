import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addNumbers, canonicalNumber, compareNumbers, formatNumber, parseNumber, subtractNumbers } from './ddb-number.js';

describe('DynamoDB numbers (exact decimals)', () => {
  it.each([
    ['1.50', '1.5'], ['01', '1'], ['1e2', '100'], ['-0', '0'], ['0.000', '0'], ['.5', '0.5'], ['5.', '5'], ['+7', '7'],
    ['-1.25E-3', '-0.00125'], ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
    ['9.9999999999999999999999999999999999999E+125', `99999999999999999999999999999999999999${'0'.repeat(88)}`],
    ['1E-130', `0.${'0'.repeat(129)}1`],
  ])('normalizes %s to %s as DynamoDB returns it', (input, out) => {
    expect(canonicalNumber(input)).toBe(out);
  });

  it.each([
    ['abc', 'The parameter cannot be converted to a numeric value: abc'],
    ['', 'The parameter cannot be converted to a numeric value'],
    ['1.2.3', 'The parameter cannot be converted to a numeric value: 1.2.3'],
    ['123456789012345678901234567890123456789', 'Attempting to store more than 38 significant digits in a Number'],
    ['1E126', 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    ['-1E126', 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    ['1E-131', 'Number underflow. Attempting to store a number with magnitude smaller than supported range'],
  ])('refuses %j with ValidationException: %s', (input, message) => {
    expect(() => parseNumber(input)).toThrow(message);
    try { parseNumber(input); } catch (e) { expect((e as { details?: { reason?: string } }).details?.reason).toBe('ValidationException'); }
  });

  it('adds exactly where floats would not (0.1 + 0.2 = 0.3)', () => {
    expect(formatNumber(addNumbers(parseNumber('0.1'), parseNumber('0.2')))).toBe('0.3');
    expect(formatNumber(subtractNumbers(parseNumber('1E37'), parseNumber('1')))).toBe('9'.repeat(37));
    expect(formatNumber(addNumbers(parseNumber('1E100'), parseNumber('-1E100')))).toBe('0');
    expect(() => addNumbers(parseNumber('99999999999999999999999999999999999999'), parseNumber('0.1'))).toThrow('38 significant digits');
  });

  const decimal = fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: -8, max: 8 }))
    .map(([c, e]) => (e >= 0 ? `${c}e${e}` : `${c}E${e}`));

  it('orders numerically, as BigInt arithmetic on a common scale does (property)', () => {
    fc.assert(fc.property(decimal, decimal, (a, b) => {
      const scale = (s: string) => { const [c, e] = s.split(/[eE]/); return BigInt(c) * 10n ** BigInt(Number(e) + 40); };
      const expected = Math.sign(Number(scale(a) - scale(b)));
      expect(compareNumbers(parseNumber(a), parseNumber(b))).toBe(expected);
    }));
  });

  it('adds and subtracts exactly: (a + b) - b = a, a + b = b + a, and canonical text parses back to itself (property)', () => {
    fc.assert(fc.property(decimal, decimal, (a, b) => {
      const x = parseNumber(a), y = parseNumber(b);
      const sum = addNumbers(x, y);
      expect(compareNumbers(subtractNumbers(sum, y), x)).toBe(0);
      expect(formatNumber(addNumbers(y, x))).toBe(formatNumber(sum));
      expect(canonicalNumber(formatNumber(sum))).toBe(formatNumber(sum));
    }));
  });
});
