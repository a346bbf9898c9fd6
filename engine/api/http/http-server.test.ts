import { describe, it, expect } from 'vitest';
import { AwsError } from './aws-errors.js';
import { RouteTable, compilePattern, decodeLabel, splitTarget, type Route } from './http-server.js';

const route = (method: string, path: string, operation: string): Route => ({ method, path, operation, handler: () => ({}) });

describe('compilePattern', () => {
  it('parses literals, labels and greedy labels', () => {
    expect(compilePattern('/things/{thingName}/shadow')).toEqual([
      { kind: 'literal', value: 'things' }, { kind: 'label', name: 'thingName', greedy: false }, { kind: 'literal', value: 'shadow' },
    ]);
    expect(compilePattern('/topics/{topic+}')[1]).toEqual({ kind: 'label', name: 'topic', greedy: true });
  });
  it('rejects a greedy label that is not last', () => {
    expect(() => compilePattern('/a/{x+}/b')).toThrow(/greedy/);
  });
});

describe('splitTarget', () => {
  it.each([
    ['/topics/a?qos=1', { path: '/topics/a', query: 'qos=1' }],
    ['/retainedMessage', { path: '/retainedMessage', query: '' }],
    ['http://127.0.0.1:8080/topics/a?x=1', { path: '/topics/a', query: 'x=1' }],
    ['http://host', { path: '/', query: '' }],
    ['/a#frag', { path: '/a', query: '' }],
  ])('%s', (url, expected) => expect(splitTarget(url)).toEqual(expected));
  it.each(['*', '', 'topics/a'])('rejects %j', (url) => expect(splitTarget(url)).toBeUndefined());
});

describe('decodeLabel', () => {
  it('decodes %2F and %24', () => expect(decodeLabel('topic', '%24aws%2Fthings%2Fx')).toBe('$aws/things/x'));
  it.each(['%ZZ', '%', '%E0%A4%A'])('rejects bad percent-encoding %s with InvalidInput', (raw) => {
    expect(() => decodeLabel('topic', raw)).toThrow(expect.objectContaining({ code: 'InvalidInput' }));
  });
});

describe('RouteTable', () => {
  const table = new RouteTable().add(
    route('POST', '/topics/{topic+}', 'Publish'),
    route('GET', '/retainedMessage', 'ListRetainedMessages'),
    route('GET', '/retainedMessage/{topic+}', 'GetRetainedMessage'),
    route('GET', '/things/{thingName}/shadow', 'GetThingShadow'),
    route('POST', '/things/{thingName}/shadow', 'UpdateThingShadow'),
  );
  const op = (method: string, path: string) => table.match(method, path);

  it.each([
    ['POST', '/topics/a%2Fb', 'Publish', { topic: 'a/b' }],
    ['POST', '/topics/a/b/c', 'Publish', { topic: 'a/b/c' }],
    ['POST', '/topics/%24aws%2Fthings%2Ft%2Fshadow%2Fupdate', 'Publish', { topic: '$aws/things/t/shadow/update' }],
    ['POST', '/topics/a%2F/b', 'Publish', { topic: 'a//b' }],
    ['POST', '/topics/', 'Publish', { topic: '' }],
    ['GET', '/retainedMessage', 'ListRetainedMessages', {}],
    ['GET', '/retainedMessage/x%2Fy', 'GetRetainedMessage', { topic: 'x/y' }],
    ['GET', '/things/t%3A1/shadow', 'GetThingShadow', { thingName: 't:1' }],
    ['POST', '/things/t1/shadow', 'UpdateThingShadow', { thingName: 't1' }],
  ])('%s %s → %s', (method, path, operation, params) => {
    const m = op(method, path);
    expect(m.route.operation).toBe(operation);
    expect(m.params).toEqual(params);
  });

  it('keeps an encoded slash inside a one-segment label', () => {
    expect(op('GET', '/things/a%2Fb/shadow').params).toEqual({ thingName: 'a/b' });
    expect(() => op('GET', '/things/a/b/shadow')).toThrow(AwsError);
  });

  it.each([['GET', '/nope'], ['GET', '/'], ['POST', '/topics'], ['GET', '/things/t/shadow/extra']])('%s %s → 404', (method, path) => {
    expect(() => op(method, path)).toThrow(expect.objectContaining({ status: 404, type: 'ResourceNotFoundException' }));
  });

  it.each([['GET', '/topics/a'], ['DELETE', '/retainedMessage'], ['PUT', '/things/t/shadow']])('%s %s → 405', (method, path) => {
    expect(() => op(method, path)).toThrow(expect.objectContaining({ status: 405, type: 'MethodNotAllowedException' }));
  });

  it('rejects bad percent-encoding in a matched label', () => {
    expect(() => op('POST', '/topics/%ZZ')).toThrow(expect.objectContaining({ code: 'InvalidInput' }));
  });

  it('sends a signed request to the route of the API it was signed for when two APIs share a path', () => {
    const shared = new RouteTable().add(
      route('GET', '/things/{thingName}/jobs', 'ListJobExecutionsForThing'),
      { ...route('GET', '/things/{thingName}/jobs', 'GetPendingJobExecutions'), signingName: 'iot-jobs-data' },
    );
    expect(shared.match('GET', '/things/t/jobs', 'iot-jobs-data').route.operation).toBe('GetPendingJobExecutions');
    expect(shared.match('GET', '/things/t/jobs', 'iot').route.operation).toBe('ListJobExecutionsForThing');
    expect(shared.match('GET', '/things/t/jobs').route.operation).toBe('ListJobExecutionsForThing');
  });
});
