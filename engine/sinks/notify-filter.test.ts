import { describe, expect, it } from 'vitest';
import { matchesFilter, parseFilterPolicy, type NotifyAttribute } from './notify-filter.js';

const s = (v: string): NotifyAttribute => ({ DataType: 'String', StringValue: v });
const n = (v: number): NotifyAttribute => ({ DataType: 'Number', StringValue: String(v) });
const arr = (v: unknown[]): NotifyAttribute => ({ DataType: 'String.Array', StringValue: JSON.stringify(v) });

const attrs = (policy: object, a: Record<string, NotifyAttribute>) =>
  matchesFilter(parseFilterPolicy(JSON.stringify(policy), 'MessageAttributes'), 'MessageAttributes', 'm', a);
const body = (policy: object, message: unknown) =>
  matchesFilter(parseFilterPolicy(JSON.stringify(policy), 'MessageBody'), 'MessageBody', typeof message === 'string' ? message : JSON.stringify(message), {});

describe('SNS filter policies: message attributes', () => {
  it.each([
    ['exact string', { color: ['red', 'blue'] }, { color: s('blue') }, true],
    ['exact string, other value', { color: ['red'] }, { color: s('green') }, false],
    ['missing attribute', { color: ['red'] }, {}, false],
    ['string does not match a Number attribute', { size: ['5'] }, { size: n(5) }, false],
    ['exact number', { size: [5] }, { size: n(5) }, true],
    ['prefix', { store: [{ prefix: 'eu-' }] }, { store: s('eu-west') }, true],
    ['suffix', { file: [{ suffix: '.png' }] }, { file: s('a.jpg') }, false],
    ['equals-ignore-case', { c: [{ 'equals-ignore-case': 'RED' }] }, { c: s('red') }, true],
    ['anything-but value', { c: [{ 'anything-but': 'red' }] }, { c: s('red') }, false],
    ['anything-but list', { c: [{ 'anything-but': ['red', 'blue'] }] }, { c: s('green') }, true],
    ['anything-but prefix', { c: [{ 'anything-but': { prefix: 'test-' } }] }, { c: s('test-1') }, false],
    ['anything-but, attribute absent', { c: [{ 'anything-but': 'red' }] }, {}, false],
    ['numeric range in', { p: [{ numeric: ['>', 0, '<=', 150] }] }, { p: n(150) }, true],
    ['numeric range out', { p: [{ numeric: ['>', 0, '<=', 150] }] }, { p: n(151) }, false],
    ['numeric equals', { p: [{ numeric: ['=', 3.5] }] }, { p: n(3.5) }, true],
    ['exists true', { k: [{ exists: true }] }, { k: s('x') }, true],
    ['exists false, absent', { k: [{ exists: false }], c: ['red'] }, { c: s('red') }, true],
    ['exists false, present', { k: [{ exists: false }] }, { k: s('x') }, false],
    ['String.Array: any element', { tags: ['b'] }, { tags: arr(['a', 'b']) }, true],
    ['AND of keys', { c: ['red'], size: [{ numeric: ['<', 10] }] }, { c: s('red'), size: n(20) }, false],
    ['$or', { $or: [{ c: ['red'] }, { size: [{ numeric: ['<', 10] }] }] }, { size: n(3) }, true],
    ['$or, none', { $or: [{ c: ['red'] }, { size: [{ numeric: ['<', 10] }] }] }, { c: s('blue') }, false],
  ])('%s', (_name, policy, a, expected) => {
    expect(attrs(policy, a as Record<string, NotifyAttribute>)).toBe(expected);
  });
});

describe('SNS filter policies: message body', () => {
  it.each([
    ['nested key', { patient: { temp: [{ numeric: ['>', 38] }] } }, { patient: { temp: 39.5 } }, true],
    ['nested key, low', { patient: { temp: [{ numeric: ['>', 38] }] } }, { patient: { temp: 37 } }, false],
    ['array value: any element', { tags: ['x'] }, { tags: ['y', 'x'] }, true],
    ['boolean and null', { ok: [true], gone: [null] }, { ok: true, gone: null }, true],
    ['not JSON: not delivered', { a: ['b'] }, 'plain text', false],
    ['exists false in the body', { a: [{ exists: false }] }, { b: 1 }, true],
  ])('%s', (_name, policy, message, expected) => {
    expect(body(policy, message)).toBe(expected);
  });
});

describe('SNS filter policies: refused as AWS refuses them', () => {
  it.each([
    ['not JSON', '{', /failed to parse JSON/],
    ['not an object', '[1]', /must be a JSON object/],
    ['unknown operator', '{"a":[{"wildcard":"x*"}]}', /Unrecognized match type wildcard/],
    ['empty list', '{"a":[]}', /Empty arrays/],
    ['bad numeric range', '{"a":[{"numeric":[">",5,"<",1]}]}', /Bottom must be less than top/],
    ['nested keys in attribute scope', '{"a":{"b":["c"]}}', /MessageBody scope/],
    ['more than 5 keys', JSON.stringify({ a: [1], b: [1], c: [1], d: [1], e: [1], f: [1] }), /more than 5 keys/],
  ])('%s', (_name, text, message) => {
    expect(() => parseFilterPolicy(text, 'MessageAttributes')).toThrow(message);
  });

  it('an empty policy clears the filter', () => {
    expect(parseFilterPolicy('', 'MessageAttributes')).toBeNull();
    expect(parseFilterPolicy('{}', 'MessageBody')).toBeNull();
  });
});
