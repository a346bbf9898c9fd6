/** Operator tables of [DG:iot-sql-operators] and the conversions of [DG:iot-sql-data-types]. */
import { describe, expect, it } from 'vitest';
import { compileExpression, MessageContext, type SqlValue } from './index.js';

const PAYLOAD = '{"i":5,"d":2.5,"s":"7","t":"abc","b":true,"n":null,"a":[1,2],"o":{"k":1,"j":[2]},"o2":{"j":[2],"k":1}}';
const evaluate = (expr: string): SqlValue => compileExpression(expr)(new MessageContext({ topic: 't', payload: Buffer.from(PAYLOAD) }));

const table: Array<[string, SqlValue]> = [
  // AND / OR / NOT: Booleans or "true"/"false" strings; anything else Undefined.
  ['true AND true', true], ['true AND false', false], ['"TRUE" AND true', true], ['b AND "false"', false], ['true AND 1', undefined],
  ['false AND missing', undefined], ['true OR false', true], ['"x" OR true', undefined], ['NOT true', false], ['NOT "False"', true], ['NOT 0', undefined],
  // Comparisons convert both sides to Decimal.
  ['i > 4', true], ['s > 6', true], ['"7.5" >= 7.5', true], ['d < i', true], ['t > 1', undefined], ['b > 0', undefined], ['n < 1', undefined], ['missing > 5', undefined],
  // = and <>
  ['i = 5', true], ['i = 5.0', true], ['s = 7', false], ['t = "abc"', true], ['a = [1, 2]', true], ['a = [2, 1]', false],
  ['o = o2', true], ['n = NULL', true], ['missing = 1', undefined], ['1 = missing', undefined],
  ['s <> 7', true], ['n <> NULL', false], ['a <> [1, 2]', false], ['missing <> 1', undefined],
  // + concatenates when either side is a String.
  ['"a" + 1', 'a1'], ['1 + "a"', '1a'], ['i + 1', 6], ['i + d', 7.5], ['0.1 + 0.2', 0.3], ['b + 1', undefined], ['"a" + NULL', undefined], ['"a" + a', 'a[1,2]'],
  // - * / %: Int op Int is Int; strings become Decimals.
  ['i - 7', -2], ['s - 2', 5], ['i * d', 12.5], ['7 / 2', 3], ['-7 / 2', -3], ['7.5 / 2.5', 3], ['"7" / 2', 3.5], ['i / 0', undefined],
  ['7 % 3', 1], ['7.5 % 2', 1.5], ['t - 1', undefined], ['-i', -5], ['-s', -7], ['-t', undefined],
  // Precedence: * before +, AND before OR, NOT before AND.
  ['1 + 2 * 3', 7], ['(1 + 2) * 3', 9], ['true OR false AND false', true], ['NOT false AND false', false], ['10 - 4 - 3', 3],
  // CASE
  ["CASE i WHEN 4 THEN 'four' WHEN 5 THEN 'five' END", 'five'], ["CASE i WHEN 4 THEN 'four' END", undefined],
  ["CASE i WHEN 4 THEN 'four' ELSE 'other' END", 'other'], ["CASE missing WHEN 4 THEN 'x' ELSE 'y' END", undefined],
  // Paths: nested fields, arrays, missing and inherited names.
  ['o.k', 1], ['o.j[0]', 2], ['a[1]', 2], ['a[5]', undefined], ['o.missing.deeper', undefined], ['o.constructor', undefined],
  ['o.toString', undefined], ['a.length', undefined], ['*.i', 5], ['{"x": {"y": i}}.x.y', 5],
];

describe('operators and type rules', () => {
  it.each(table)('%s', (expr, expected) => expect(evaluate(expr)).toEqual(expected));

  it('an object key named __proto__ is data, never the prototype', () => {
    const ctx = new MessageContext({ topic: 't', payload: Buffer.from('{"__proto__":{"x":1},"y":2}') });
    expect(compileExpression('__proto__.x')(ctx)).toBe(1);
    const out = compileExpression("{'__proto__': y}")(ctx) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });
});
