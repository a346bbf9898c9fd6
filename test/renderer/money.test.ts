import { describe, expect, it } from 'vitest';
import { quantity, usd } from '../../renderer/src/lib/money.js';

describe('usd', () => {
  it.each([
    [0, '$0.00'], [0.5, '$0.50'], [0.000014, '$0.000014'], [0.0000000800, '$0.00000008'], [0.0000295, '$0.0000295'],
    [0.019, '$0.019'], [1, '$1.00'], [1234.5, '$1,234.50'], [21.744, '$21.74'],
  ])('%s → %s', (v, text) => expect(usd(v)).toBe(text));
});

describe('quantity', () => {
  it.each([[12, '12'], [1200000, '1,200,000'], [0.25, '0.25'], [5120 / 1024 ** 3, '0.000004768']])('%s → %s', (v, text) => expect(quantity(v)).toBe(text));
});
