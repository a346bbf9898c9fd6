import { describe, expect, it } from 'vitest';
import { parseCommandParameters, parseParameterValue, renderTemplate, resolveParameters, templateParameters } from './command-parameters.js';
import type { CommandParameter, ParameterValue, ValueCondition } from './command-types.js';

describe('parseParameterValue', () => {
  it.each([
    [{ S: 'a' }, { S: 'a' }],
    [{ B: false }, { B: false }],
    [{ I: -3 }, { I: -3 }],
    [{ L: 2 ** 40 }, { L: 2 ** 40 }],
    [{ D: 1.5 }, { D: 1.5 }],
    [{ BIN: 'AQID' }, { BIN: 'AQID' }],
    [{ UL: '18446744073709551615' }, { UL: '18446744073709551615' }],
  ])('accepts %j', (raw, value) => expect(parseParameterValue(raw, 'p')).toEqual(value));

  it.each([
    [{}, /exactly one/],
    [{ S: 'a', B: true }, /exactly one/],
    [{ I: 1.5 }, /not a valid I/],
    [{ I: 2 ** 31 }, /not a valid I/],
    [{ UL: '18446744073709551616' }, /not a valid UL/],
    [{ UL: '-1' }, /not a valid UL/],
    [{ X: 1 }, /unknown member X/],
    ['text', /must be an object/],
  ])('refuses %j', (raw, message) => expect(() => parseParameterValue(raw, 'p')).toThrow(message));
});

describe('parseCommandParameters', () => {
  it('checks names, types and that values are of the declared type', () => {
    expect(parseCommandParameters([{ name: 'a', type: 'INTEGER', defaultValue: { I: 1 } }])).toEqual([{ name: 'a', type: 'INTEGER', defaultValue: { I: 1 } }]);
    expect(() => parseCommandParameters([{ name: 'a', type: 'INTEGER', defaultValue: { S: '1' } }])).toThrow(/type INTEGER/);
    expect(() => parseCommandParameters([{ name: 'a' }, { name: 'a' }])).toThrow(/twice/);
    expect(() => parseCommandParameters([{ name: 'a b' }])).toThrow(/name/);
    expect(() => parseCommandParameters([{ name: 'a', type: 'FLOAT' }])).toThrow(/type must be one of/);
    expect(() => parseCommandParameters([{ name: 'a', valueConditions: [{ comparisonOperator: 'ABOUT', operand: {} }] }])).toThrow(/comparisonOperator/);
    expect(() => parseCommandParameters([])).toThrow(/at least one/);
  });
});

describe('resolveParameters', () => {
  const declared: CommandParameter[] = [
    { name: 'n', type: 'INTEGER', valueConditions: [{ comparisonOperator: 'IN_RANGE', operand: { numberRange: { min: '1', max: '10' } } }] },
    { name: 'mode', type: 'STRING', defaultValue: { S: 'eco' }, valueConditions: [{ comparisonOperator: 'IN_SET', operand: { strings: ['eco', 'max'] } }] },
  ];

  it.each([
    [{ n: { I: 1 } }, { n: { I: 1 }, mode: { S: 'eco' } }],
    [{ n: { I: 10 }, mode: { S: 'max' } }, { n: { I: 10 }, mode: { S: 'max' } }],
  ])('takes %j (range bounds included, defaults filled in)', (given, resolved) => expect(resolveParameters(declared, given)).toEqual(resolved));

  it.each([
    [{}, /Missing value for mandatory parameter n/],
    [{ n: { I: 11 } }, /IN_RANGE/],
    [{ n: { I: 0 } }, /IN_RANGE/],
    [{ n: { L: 5 } }, /type INTEGER/],
    [{ n: { I: 5 }, mode: { S: 'turbo' } }, /IN_SET/],
    [{ n: { I: 5 }, extra: { B: true } }, /extra is not a parameter/],
  ])('refuses %j', (given, message) => expect(() => resolveParameters(declared, given)).toThrow(message));

  it.each([
    ['EQUALS', { number: '3' }, { I: 3 }, true], ['NOT_EQUALS', { number: '3' }, { I: 3 }, false],
    ['LESS_THAN', { number: '3' }, { D: 2.9 }, true], ['LESS_THAN_EQUALS', { number: '3' }, { I: 3 }, true],
    ['GREATER_THAN', { number: '3' }, { I: 3 }, false], ['GREATER_THAN_EQUALS', { number: '3' }, { UL: '3' }, true],
    ['IN_SET', { numbers: ['1', '2'] }, { I: 2 }, true], ['NOT_IN_SET', { numbers: ['1', '2'] }, { I: 2 }, false],
    ['NOT_IN_RANGE', { numberRange: { min: '1', max: '2' } }, { I: 3 }, true], ['EQUALS', { string: 'x' }, { S: 'x' }, true],
  ] as Array<[ValueCondition['comparisonOperator'], ValueCondition['operand'], ParameterValue, boolean]>)('%s %j holds for %j: %s', (comparisonOperator, operand, value, holds) => {
    const run = () => resolveParameters([{ name: 'p', valueConditions: [{ comparisonOperator, operand }] }], { p: value });
    if (holds) expect(run()).toEqual({ p: value });
    else expect(run).toThrow(/condition/);
  });
});

describe('renderTemplate', () => {
  it('puts typed values where a placeholder is a whole string, text inside longer strings, and the timeout', () => {
    const t = JSON.stringify({ a: '${aws:iot:commandexecution::parameter:a}', b: ['x ${aws:iot:commandexecution::parameter:a} y'], on: '${aws:iot:commandexecution::parameter:on}', t: '${aws:iot:commandexecution::executionTimeoutSec}' });
    expect(renderTemplate(t, { a: { I: 7 }, on: { B: true } }, 30)).toEqual({ a: 7, b: ['x 7 y'], on: true, t: 30 });
    expect(templateParameters(t)).toEqual(['a', 'a', 'on']);
    expect(() => renderTemplate(t, { a: { I: 7 } }, 30)).toThrow(/on, which has no value/);
  });
});
