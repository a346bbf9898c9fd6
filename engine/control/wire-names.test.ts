import { describe, expect, it } from 'vitest';
import { checkCommandName, coapCommandLocation, coapResponseRequestId, parseCommandStatus, parseMqttAnswer, parseTtd } from './wire-names.js';

describe('parseTtd', () => {
  it.each([[undefined, undefined], ['', undefined], ['0', 0], ['5', 5000], ['60', 60000], ['3600', 60000]])('%j → %j ms', (raw, ms) => expect(parseTtd(raw)).toBe(ms));
  it.each(['-1', '1.5', 'ten', ' 5'])('refuses %j', (raw) => expect(() => parseTtd(raw)).toThrow(/hono-ttd must be a whole number/));
});

describe('parseCommandStatus', () => {
  it.each([['200', 200], ['404', 404], ['599', 599]])('%j → %d', (raw, status) => expect(parseCommandStatus(raw)).toBe(status));
  it.each([undefined, '', '199', '600', '20', 'ok', '200.0'])('refuses %j', (raw) => expect(() => parseCommandStatus(raw)).toThrow(/hono-cmd-status must be an HTTP status code/));
});

describe('checkCommandName', () => {
  it.each(['reboot', 'set.speed', 'a:b_c-d'])('takes %j', (name) => expect(() => checkCommandName(name)).not.toThrow());
  it.each(['', 'a/b', 'a+', '#', 'x'.repeat(129), 'with space'])('refuses %j', (name) => expect(() => checkCommandName(name)).toThrow(/command name/));
});

describe('parseMqttAnswer', () => {
  it.each([
    ['command/lamp/res/abc/200', undefined, undefined, { thing: 'lamp', requestId: 'abc', status: 200 }],
    ['command/lamp/res/abc/503', undefined, undefined, { thing: 'lamp', requestId: 'abc', status: 503 }],
    ['command/lamp/res', Buffer.from('abc'), undefined, { thing: 'lamp', requestId: 'abc', status: 200 }],
    ['command/lamp/res', Buffer.from('abc'), [['hono-cmd-status', '409']], { thing: 'lamp', requestId: 'abc', status: 409 }],
    ['command/lamp/res', undefined, undefined, undefined],
    ['command/lamp/res/abc/ok', undefined, undefined, undefined],
    ['command/lamp/res/abc/700', undefined, undefined, undefined],
    ['command/lamp/req/abc/reboot', undefined, undefined, undefined],
  ] as Array<[string, Buffer | undefined, [string, string][] | undefined, unknown]>)('%s', (topic, correlation, props, expected) => {
    expect(parseMqttAnswer(topic, correlation, props)).toEqual(expected);
  });
});

describe('CoAP names', () => {
  it.each([
    [['command_response', 'abc'], 'abc'], [['cr', 'abc'], 'abc'], [['command', 'res', 'abc'], 'abc'],
    [['cr'], undefined], [['cr', ''], undefined], [['topics', 'abc'], undefined],
  ])('answer path %j → %j', (segments, id) => expect(coapResponseRequestId(segments)).toBe(id));
  it('names the command and where to answer', () => {
    expect(coapCommandLocation({ requestId: 'abc', name: 'reboot' })).toEqual({
      locationPath: ['command_response', 'abc'], locationQuery: ['hono-command=reboot', 'hono-cmd-req-id=abc'],
    });
  });
});
