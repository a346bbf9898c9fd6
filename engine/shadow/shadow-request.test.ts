import { describe, it, expect } from 'vitest';
import { EngineError } from '../core/index.js';
import { isUnsupportedEncoding, nestingDepth, parseReadPayload, parseUpdatePayload, validateNames } from './shadow-request.js';
import { parseRequestTopic, replyTopic } from './shadow-topics.js';
import { rejectedDocument } from './shadow-rejections.js';

const nest = (levels: number): unknown => (levels === 0 ? 1 : { n: nest(levels - 1) });
const payload = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

function rejection(p: Buffer): { code: string; message: string } {
  try {
    parseUpdatePayload(p);
  } catch (e) {
    return { code: (e as EngineError).code, message: (e as EngineError).message };
  }
  throw new Error('accepted');
}

describe('request validation, with AWS messages [DG:device-shadow-error-messages]', () => {
  it.each<[string, unknown, string]>([
    ['not JSON', '{"state":', 'Invalid JSON'],
    ['empty', '', 'Invalid JSON'],
    ['not an object', '[1,2]', 'Invalid JSON'],
    ['no state', { version: 1 }, 'Missing required node: state'],
    ['state a string', { state: 'on' }, 'State node must be an object'],
    ['state an array', { state: [] }, 'State node must be an object'],
    ['desired a number', { state: { desired: 5 } }, 'Desired node must be an object'],
    ['reported an array', { state: { reported: [1] } }, 'Reported node must be an object'],
    ['unknown node in state', { state: { delta: { a: 1 } } }, 'State contains an invalid node'],
    ['version a string', { state: {}, version: '3' }, 'Invalid version'],
    ['version fractional', { state: {}, version: 1.5 }, 'Invalid version'],
    ['clientToken too long', { state: {}, clientToken: 'x'.repeat(65) }, 'Invalid clientToken'],
    ['clientToken a number', { state: {}, clientToken: 5 }, 'Invalid clientToken'],
    ['too deep', { state: { desired: nest(9) } }, 'JSON contains too many levels of nesting; maximum is 6'],
    ['absurdly deep', '['.repeat(100_000) + ']'.repeat(100_000), 'JSON contains too many levels of nesting; maximum is 6'],
  ])('%s → 400 %s', (_n, body, message) => {
    expect(rejection(payload(body))).toEqual({ code: 'InvalidInput', message });
  });

  it('rejects null inside arrays [DG:device-shadow-document#device-shadow-arrays]', () => {
    expect(rejection(payload({ state: { desired: { colors: [null, 'RED'] } } })).code).toBe('InvalidInput');
  });

  it('accepts 5 nested levels under desired (the documented maximum example)', () => {
    expect(() => parseUpdatePayload(payload({ state: { desired: { one: { two: { three: { four: { five: {} } } } } } } }))).not.toThrow();
  });

  it('accepts a 64-byte clientToken, ignores unknown top-level keys, and keeps null sections', () => {
    const req = parseUpdatePayload(payload({ state: { desired: null, reported: { a: 1 } }, clientToken: 't'.repeat(64), extra: { x: 1 }, version: 3 }));
    expect(req).toEqual({ state: { desired: null, reported: { a: 1 } }, clientToken: 't'.repeat(64), version: 3 });
  });

  it('flags non-UTF-8 payloads for 415', () => {
    let err: unknown;
    try {
      parseUpdatePayload(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    } catch (e) {
      err = e;
    }
    expect(isUnsupportedEncoding(err)).toBe(true);
    expect(rejectedDocument(err, 1)).toEqual({ code: 415, message: 'Unsupported documented encoding; supported encoding is UTF-8', timestamp: 1 });
  });

  it('reads a clientToken from get/delete payloads and accepts empty ones', () => {
    expect(parseReadPayload(Buffer.alloc(0))).toEqual({});
    expect(parseReadPayload(payload({ clientToken: 'abc' }))).toEqual({ clientToken: 'abc' });
  });

  it('counts nesting outside strings only', () => {
    expect(nestingDepth('{"a":"[[[[{{{{","b":[1,{"c":2}]}')).toBe(3);
    expect(nestingDepth('{"a":"\\"[[["}')).toBe(1);
  });
});

describe('names [DP-model ThingName, ShadowName]', () => {
  it.each([['t'], ['My_IoT-Thing:1'], ['x'.repeat(128)]])('thing %s is valid', (thing) => expect(() => validateNames(thing, null)).not.toThrow());
  it.each([[''], ['a.b'], ['a b'], ['x'.repeat(129)], ['$aws'], ['ü']])('thing %j is refused', (thing) => {
    expect(() => validateNames(thing, null)).toThrow(/Invalid thing name/);
  });
  it.each([['s'], ['$shadow:1_-'], ['x'.repeat(64)]])('shadow %s is valid', (name) => expect(() => validateNames('t', name)).not.toThrow());
  it.each([[''], ['a.b'], ['x'.repeat(65)]])('shadow %j is refused', (name) => expect(() => validateNames('t', name)).toThrow(/Invalid shadow name/));
});

describe('topics [DG:device-shadow-mqtt]', () => {
  it.each([
    ['$aws/things/t/shadow/update', { thing: 't', name: null, operation: 'update' }],
    ['$aws/things/t/shadow/get', { thing: 't', name: null, operation: 'get' }],
    ['$aws/things/t/shadow/name/s1/delete', { thing: 't', name: 's1', operation: 'delete' }],
    ['$aws/things/t/shadow/update/accepted', undefined],
    ['$aws/things/t/shadow/name/s1/update/delta', undefined],
    ['$aws/things/t/shadow/name/get', undefined],
    ['$aws/things/t/shadow/other', undefined],
    ['things/t/shadow/update', undefined],
  ])('%s', (topic, expected) => expect(parseRequestTopic(topic)).toEqual(expected));

  it('builds reply topics', () => {
    expect(replyTopic({ thing: 't', name: null }, 'update', 'delta')).toBe('$aws/things/t/shadow/update/delta');
    expect(replyTopic({ thing: 't', name: 's' }, 'get', 'rejected')).toBe('$aws/things/t/shadow/name/s/get/rejected');
  });
});
