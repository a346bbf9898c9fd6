import { describe, expect, it } from 'vitest';
import { bytesToBase64, toMessageProperties } from './message-properties.js';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('bytesToBase64', () => {
  it.each([
    // RFC 4648 §10 test vectors
    ['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy'],
    ['\xff\xfe\xfd', '//79'], ['\x00\x00', 'AAA='],
  ])('%j → %s', (input, expected) => {
    expect(bytesToBase64(bytes(input))).toBe(expected);
  });
});

describe('toMessageProperties', () => {
  it('keeps the engine\'s ordered user property pairs, duplicates included', () => {
    expect(toMessageProperties({ userProperties: [['a', '1'], ['b', '2'], ['a', '3']], correlationData: bytes('foo'), payloadFormatIndicator: true }))
      .toEqual({ userProperties: [['a', '1'], ['b', '2'], ['a', '3']], correlationData: 'Zm9v', payloadFormatIndicator: true });
  });

  it('spreads mqtt.js\'s user properties grouped by name into pairs, each name\'s values in order', () => {
    expect(toMessageProperties({ userProperties: { a: ['1', '3'], b: '2' }, contentType: 'text/plain', responseTopic: 'r', messageExpiryInterval: 0 }))
      .toEqual({ userProperties: [['a', '1'], ['a', '3'], ['b', '2']], contentType: 'text/plain', responseTopic: 'r', messageExpiryInterval: 0 });
  });

  it('gives {} for no message property and leaves out an empty user property list', () => {
    expect(toMessageProperties({})).toEqual({});
    expect(toMessageProperties({ userProperties: [] })).toEqual({});
  });
});
