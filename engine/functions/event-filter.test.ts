import { describe, expect, it } from 'vitest';
import { EngineError } from '../core/index.js';
import { matchesAny, parseFilterCriteria } from './event-filter.js';

const criteria = (...patterns: unknown[]) => ({ Filters: patterns.map((p) => ({ Pattern: JSON.stringify(p) })) });
const matches = (pattern: unknown, event: unknown) => matchesAny(parseFilterCriteria(criteria(pattern)), event);

describe('Lambda event filtering', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['equals', { Name: ['Alice'] }, { Name: 'Alice' }, true],
    ['equals, another value', { Name: ['Alice'] }, { Name: 'Bob' }, false],
    ['or within a field', { PaymentType: ['Credit', 'Debit'] }, { PaymentType: 'Debit' }, true],
    ['and across fields', { Location: ['New York'], Day: ['Monday'] }, { Location: 'New York', Day: 'Tuesday' }, false],
    ['null', { UserID: [null] }, { UserID: null }, true],
    ['null is not absent', { UserID: [null] }, {}, false],
    ['empty', { LastName: [''] }, { LastName: '' }, true],
    ['anything-but', { Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Sunny' }, true],
    ['anything-but, the excluded value', { Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Raining' }, false],
    ['anything-but a prefix', { Region: [{ 'anything-but': { prefix: 'us-' } }] }, { Region: 'eu-west-1' }, true],
    ['numeric equals', { Price: [{ numeric: ['=', 100] }] }, { Price: 100 }, true],
    ['numeric range', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 20 }, true],
    ['numeric range, outside', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 10 }, false],
    ['numeric does not match a string', { Price: [{ numeric: ['>', 10] }] }, { Price: '50' }, false],
    ['exists', { ProductName: [{ exists: true }] }, { ProductName: 'x' }, true],
    ['does not exist', { ProductName: [{ exists: false }] }, { Other: 1 }, true],
    ['does not exist, present', { ProductName: [{ exists: false }] }, { ProductName: 'x' }, false],
    ['prefix', { Region: [{ prefix: 'us-' }] }, { Region: 'us-east-1' }, true],
    ['suffix', { File: [{ suffix: '.png' }] }, { File: 'a.jpg' }, false],
    ['equals-ignore-case', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'ALICE' }, true],
    ['nested', { dynamodb: { Keys: { Id: { N: ['101'] } } } }, { dynamodb: { Keys: { Id: { N: '101' } } } }, true],
    ['nested, absent object', { dynamodb: { NewImage: { x: ['1'] } } }, { dynamodb: {} }, false],
    ['a list field matches when any element does', { tags: ['b'] }, { tags: ['a', 'b'] }, true],
    ['$or', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' }, true],
    ['$or, neither', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { a: '2' }, false],
    ['a JSON pattern does not match a plain body', { body: { a: ['1'] } }, { body: 'a=1' }, false],
    ['a plain pattern does not match a JSON body', { body: ['x'] }, { body: { x: 1 } }, false],
  ])('%s', (_name, pattern, event, expected) => {
    expect(matches(pattern, event)).toBe(expected);
  });

  it('any filter may match; no filters match everything', () => {
    const patterns = parseFilterCriteria(criteria({ a: ['1'] }, { b: ['2'] }));
    expect(matchesAny(patterns, { b: '2' })).toBe(true);
    expect(matchesAny(patterns, { c: '3' })).toBe(false);
    expect(matchesAny(parseFilterCriteria({}), { c: '3' })).toBe(true);
    expect(parseFilterCriteria({ Filters: [] })).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['not JSON', { Filters: [{ Pattern: '{ a: ' }] }],
    ['not an object', { Filters: [{ Pattern: '[1]' }] }],
    ['a bare value', { Filters: [{ Pattern: '{"a": "1"}' }] }],
    ['an empty rule list', { Filters: [{ Pattern: '{"a": []}' }] }],
    ['an unknown operator', { Filters: [{ Pattern: '{"a": [{"like": "x"}]}' }] }],
    ['a bad numeric operator', { Filters: [{ Pattern: '{"a": [{"numeric": ["~", 1]}]}' }] }],
    ['no pattern', { Filters: [{}] }],
  ])('refuses %s: "Invalid filter pattern definition."', (_name, c) => {
    expect(() => parseFilterCriteria(c)).toThrow(new EngineError('InvalidInput', 'Invalid filter pattern definition.'));
  });

  it('takes at most five filters', () => {
    expect(() => parseFilterCriteria(criteria(...Array.from({ length: 6 }, (_, i) => ({ a: [String(i)] }))))).toThrow(/at most 5/);
  });
});
