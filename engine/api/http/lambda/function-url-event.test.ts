import { describe, it, expect } from 'vitest';
import { functionUrlEvent, functionUrlResponse } from './function-url-event.js';

const request = (over: Partial<Parameters<typeof functionUrlEvent>[0]> = {}) => functionUrlEvent({
  method: 'GET', rawPath: '/', rawQueryString: '', headers: { host: '127.0.0.1:8080' }, body: Buffer.alloc(0), sourceIp: '127.0.0.1',
  requestId: 'r-1', urlId: 'abc', domainName: '127.0.0.1:8080', now: Date.UTC(2020, 2, 12, 19, 3, 58), ...over,
});

describe('function URL event (payload format 2.0)', () => {
  it('has no body, query or cookies when the request has none', () => {
    const e = request();
    expect(e).toMatchObject({ version: '2.0', routeKey: '$default', rawPath: '/', rawQueryString: '', isBase64Encoded: false });
    expect(e).not.toHaveProperty('body');
    expect(e).not.toHaveProperty('queryStringParameters');
    expect(e).not.toHaveProperty('cookies');
    expect(e.requestContext).toMatchObject({ time: '12/Mar/2020:19:03:58 +0000', timeEpoch: Date.UTC(2020, 2, 12, 19, 3, 58), domainPrefix: 'abc' });
  });

  it.each([
    ['text/plain', 'héllo', 'héllo', false],
    ['application/json; charset=utf-8', '{"a":1}', '{"a":1}', false],
    ['application/vnd.api+json', '{}', '{}', false],
    ['application/octet-stream', 'raw', Buffer.from('raw').toString('base64'), true],
    ['image/png', 'png', Buffer.from('png').toString('base64'), true],
  ])('a %s body is %j → %j (base64: %s)', (type, body, expected, b64) => {
    const e = request({ method: 'POST', headers: { 'content-type': type }, body: Buffer.from(body) });
    expect(e).toMatchObject({ body: expected, isBase64Encoded: b64 });
  });

  it('joins repeated query parameters and headers with commas; cookies leave the headers', () => {
    const e = request({ rawQueryString: 'a=1&a=2&b=x%20y&flag', headers: { 'X-Multi': ['1', '2'], cookie: 'a=1; b=2' } });
    expect(e.queryStringParameters).toEqual({ a: '1,2', b: 'x y', flag: '' });
    expect(e.headers).toEqual({ 'x-multi': '1,2' });
    expect(e.cookies).toEqual(['a=1', 'b=2']);
  });
});

describe('function URL response', () => {
  it.each([
    [{ statusCode: 204 }, 204, '', 'application/json'],
    [{ statusCode: 200, body: 'hi', headers: { 'Content-Type': 'text/plain' } }, 200, 'hi', 'text/plain'],
    [{ statusCode: 200, body: Buffer.from('bin').toString('base64'), isBase64Encoded: true }, 200, 'bin', 'application/json'],
    [{ message: 'no statusCode' }, 200, '{"message":"no statusCode"}', 'application/json'],
    ['a string', 200, 'a string', 'application/json'],
    [null, 200, '', 'application/json'],
    [{ statusCode: 'nope' }, 502, '{"Message":"Internal Server Error"}', 'application/json'],
  ])('%j → %i %j', (result, status, body, type) => {
    const r = functionUrlResponse(result);
    expect({ status: r.status, body: r.body.toString('utf8'), type: r.headers['content-type'] }).toEqual({ status, body, type });
  });

  it('sends each cookie as its own Set-Cookie header', () => {
    expect(functionUrlResponse({ statusCode: 200, cookies: ['a=1', 'b=2; Secure'] }).headers['set-cookie']).toEqual(['a=1', 'b=2; Secure']);
  });
});
