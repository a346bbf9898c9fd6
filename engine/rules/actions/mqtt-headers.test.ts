import { describe, expect, it } from 'vitest';
import { parseMqttHeaders, resolveMqttHeaders } from './mqtt-headers.js';

const invalidInput = expect.objectContaining({ code: 'InvalidInput' });
/** A stand-in for the rules engine's template evaluation: `${name}` looks the name up. */
const subst = (values: Record<string, string>) => (t: string) => t.replace(/\$\{([^}]*)\}/g, (_m, k: string) => values[k] ?? '');

describe('parseMqttHeaders (CreateTopicRule)', () => {
  it('accepts every header AWS defines, templates included', () => {
    const h = {
      payloadFormatIndicator: 'UTF8_DATA', contentType: '${ct}', responseTopic: '${topic()}/reply', correlationData: 'aWQ=',
      messageExpiry: '60', userProperties: [{ key: 'k', value: '${v}' }, { key: 'k', value: '2' }],
    };
    expect(parseMqttHeaders(h)).toEqual(h);
  });
  it('has nothing to say about no headers', () => {
    expect(parseMqttHeaders(undefined)).toBeUndefined();
    expect(parseMqttHeaders({})).toEqual({});
  });
  it.each([
    ['not an object', 'UTF8_DATA'],
    ['an array', []],
    ['a number where a string goes', { messageExpiry: 60 }],
    ['a field over 1,024 characters', { contentType: 'x'.repeat(1025) }],
    ['an empty user property list', { userProperties: [] }],
    ['more than 100 user properties', { userProperties: Array.from({ length: 101 }, () => ({ key: 'k', value: 'v' })) }],
    ['a user property without a value', { userProperties: [{ key: 'k' }] }],
    ['a user property value that is not a string', { userProperties: [{ key: 'k', value: 1 }] }],
  ])('refuses %s', (_name, headers) => {
    expect(() => parseMqttHeaders(headers)).toThrow(invalidInput);
  });
});

describe('resolveMqttHeaders (per message)', () => {
  it('turns the headers into MQTT 5 properties, user properties in order', () => {
    const h = parseMqttHeaders({
      payloadFormatIndicator: 'UTF8_DATA', contentType: '${ct}', responseTopic: 'r/${id}', correlationData: '${corr}',
      messageExpiry: '${exp}', userProperties: [{ key: 'b', value: '${v}' }, { key: 'a', value: 'x' }, { key: 'b', value: 'y' }],
    })!;
    expect(resolveMqttHeaders(h, subst({ ct: 'application/json', id: '7', corr: 'AAEC', exp: '30', v: 'from-msg' }))).toEqual({
      payloadFormatIndicator: true, contentType: 'application/json', responseTopic: 'r/7', correlationData: Buffer.from([0, 1, 2]),
      messageExpiryInterval: 30, userProperties: [['b', 'from-msg'], ['a', 'x'], ['b', 'y']],
    });
    expect(resolveMqttHeaders({ payloadFormatIndicator: 'UNSPECIFIED_BYTES' }, subst({}))).toEqual({ payloadFormatIndicator: false });
  });
  it('leaves out a header whose template comes out empty', () => {
    expect(resolveMqttHeaders({ contentType: '${none}', correlationData: '${none}', messageExpiry: '${none}' }, subst({}))).toEqual({});
  });
  it.each([
    ['payload format indicator', { payloadFormatIndicator: 'UTF16' }, /payloadFormatIndicator/],
    ['message expiry', { messageExpiry: '-5' }, /messageExpiry/],
    ['message expiry beyond four bytes', { messageExpiry: '4294967296' }, /messageExpiry/],
    ['correlation data', { correlationData: 'not base64!' }, /base64/],
    ['response topic', { responseTopic: 'a/+' }, /responseTopic/],
  ])('fails the action on a bad %s', (_name, headers, error) => {
    const r = resolveMqttHeaders(headers, subst({}));
    expect(r).toEqual({ error: expect.stringMatching(error) });
  });
});
