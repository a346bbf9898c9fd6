import { describe, expect, it } from 'vitest';
import {
  decodeProperties, decodePropertyBlock, isAllowed, MALFORMED_PACKET, PROTOCOL_ERROR, PropertyError,
  readVariableByteInteger, VBI_NOT_MINIMAL, VBI_TOO_LONG, VBI_TRUNCATED, writeVariableByteInteger,
  type Properties, type PropertyContext,
} from './properties.js';
import { encodePropertyBlock, propertiesLength, propertyBlockLength, writePropertyBlock } from './property-encoder.js';

const CONTEXTS: PropertyContext[] = ['connect', 'will', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'disconnect', 'auth'];

/** A block from property bytes written out by hand: Property Length, then the bytes. */
function block(hex: string): Buffer {
  const body = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
  const out = Buffer.alloc(4 + body.length);
  const at = writeVariableByteInteger(out, 0, body.length);
  body.copy(out, at);
  return out.subarray(0, at + body.length);
}
const ascii = (s: string) => Buffer.from(s).toString('hex');

/** Every property: a value, where it may go, and its bytes as §2.2.2.2 and §1.5 lay them out. */
const EVERY_PROPERTY: Array<{ id: number; context: PropertyContext; props: Properties; hex: string }> = [
  { id: 0x01, context: 'publish', props: { payloadFormatIndicator: true }, hex: '01 01' },
  { id: 0x02, context: 'will', props: { messageExpiryInterval: 3600 }, hex: '02 00000e10' },
  { id: 0x03, context: 'publish', props: { contentType: 'text/plain' }, hex: `03 000a ${ascii('text/plain')}` },
  { id: 0x08, context: 'publish', props: { responseTopic: 'r/1' }, hex: `08 0003 ${ascii('r/1')}` },
  { id: 0x09, context: 'publish', props: { correlationData: Buffer.from([0, 1, 0xff]) }, hex: '09 0003 0001ff' },
  { id: 0x0b, context: 'subscribe', props: { subscriptionIdentifiers: [268_435_455] }, hex: '0b ffffff7f' },
  { id: 0x11, context: 'connect', props: { sessionExpiryInterval: 0xffffffff }, hex: '11 ffffffff' },
  { id: 0x12, context: 'connack', props: { assignedClientIdentifier: 'a' }, hex: '12 0001 61' },
  { id: 0x13, context: 'connack', props: { serverKeepAlive: 60 }, hex: '13 003c' },
  { id: 0x15, context: 'auth', props: { authenticationMethod: 'SCRAM' }, hex: `15 0005 ${ascii('SCRAM')}` },
  { id: 0x16, context: 'auth', props: { authenticationData: Buffer.from([1, 2]) }, hex: '16 0002 0102' },
  { id: 0x17, context: 'connect', props: { requestProblemInformation: false }, hex: '17 00' },
  { id: 0x18, context: 'will', props: { willDelayInterval: 30 }, hex: '18 0000001e' },
  { id: 0x19, context: 'connect', props: { requestResponseInformation: true }, hex: '19 01' },
  { id: 0x1a, context: 'connack', props: { responseInformation: 'ri' }, hex: `1a 0002 ${ascii('ri')}` },
  { id: 0x1c, context: 'disconnect', props: { serverReference: 'h:1' }, hex: `1c 0003 ${ascii('h:1')}` },
  { id: 0x1f, context: 'puback', props: { reasonString: 'no' }, hex: `1f 0002 ${ascii('no')}` },
  { id: 0x21, context: 'connect', props: { receiveMaximum: 65535 }, hex: '21 ffff' },
  { id: 0x22, context: 'connack', props: { topicAliasMaximum: 0 }, hex: '22 0000' },
  { id: 0x23, context: 'publish', props: { topicAlias: 8 }, hex: '23 0008' },
  { id: 0x24, context: 'connack', props: { maximumQoS: 1 }, hex: '24 01' },
  { id: 0x25, context: 'connack', props: { retainAvailable: false }, hex: '25 00' },
  { id: 0x26, context: 'unsubscribe', props: { userProperties: [['k', 'v'], ['a', ''], ['k', 'w']] },
    hex: `26 0001 6b 0001 76  26 0001 61 0000  26 0001 6b 0001 77` },
  { id: 0x27, context: 'connect', props: { maximumPacketSize: 131_072 }, hex: '27 00020000' },
  { id: 0x28, context: 'connack', props: { wildcardSubscriptionAvailable: true }, hex: '28 01' },
  { id: 0x29, context: 'connack', props: { subscriptionIdentifiersAvailable: false }, hex: '29 00' },
  { id: 0x2a, context: 'connack', props: { sharedSubscriptionAvailable: true }, hex: '2a 01' },
];

describe('MQTT 5 properties: every property', () => {
  it.each(EVERY_PROPERTY)('0x$id decodes from and encodes to its bytes', ({ context, props, hex }) => {
    const bytes = block(hex);
    expect(decodePropertyBlock(bytes, 0, context)).toEqual({ properties: props, end: bytes.length });
    expect(encodePropertyBlock(props).toString('hex')).toBe(bytes.toString('hex'));
    expect(propertyBlockLength(props)).toBe(bytes.length);
  });

  it('covers all 27 identifiers of §2.2.2.2', () => {
    expect(EVERY_PROPERTY.map((p) => p.id)).toEqual([0x01, 0x02, 0x03, 0x08, 0x09, 0x0b, 0x11, 0x12, 0x13, 0x15, 0x16,
      0x17, 0x18, 0x19, 0x1a, 0x1c, 0x1f, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a]);
  });
});

/** Which packets may carry each property, as the table of §2.2.2.2 lists them. */
const SPEC_TABLE: Record<number, string> = {
  0x01: 'PUBLISH, Will', 0x02: 'PUBLISH, Will', 0x03: 'PUBLISH, Will', 0x08: 'PUBLISH, Will', 0x09: 'PUBLISH, Will',
  0x0b: 'PUBLISH, SUBSCRIBE', 0x11: 'CONNECT, CONNACK, DISCONNECT', 0x12: 'CONNACK', 0x13: 'CONNACK',
  0x15: 'CONNECT, CONNACK, AUTH', 0x16: 'CONNECT, CONNACK, AUTH', 0x17: 'CONNECT', 0x18: 'Will', 0x19: 'CONNECT',
  0x1a: 'CONNACK', 0x1c: 'CONNACK, DISCONNECT',
  0x1f: 'CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH', 0x21: 'CONNECT, CONNACK',
  0x22: 'CONNECT, CONNACK', 0x23: 'PUBLISH', 0x24: 'CONNACK', 0x25: 'CONNACK',
  0x26: 'CONNECT, CONNACK, PUBLISH, Will, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH',
  0x27: 'CONNECT, CONNACK', 0x28: 'CONNACK', 0x29: 'CONNACK', 0x2a: 'CONNACK',
};
const listed = (id: number, context: PropertyContext) => SPEC_TABLE[id].split(', ').includes(context === 'will' ? 'Will' : context.toUpperCase());

describe('MQTT 5 properties: which packet may carry which property (§2.2.2.2)', () => {
  const cases = EVERY_PROPERTY.flatMap(({ id, hex }) => CONTEXTS.map((context) => ({ id, hex, context })));
  it.each(cases)('0x$id in $context', ({ id, hex, context }) => {
    // Authentication Data needs an Authentication Method beside it in CONNECT (§3.1.2.11.10).
    const bytes = block(id === 0x16 ? `15 0001 61 ${hex}` : hex);
    const result = decodePropertyBlock(bytes, 0, context, bytes.length, context === 'publish');
    expect(isAllowed(id, context)).toBe(listed(id, context));
    if (listed(id, context)) expect(result).not.toBeInstanceOf(PropertyError);
    else expect(result).toMatchObject({ reasonCode: MALFORMED_PACKET, clause: '§2.2.2.2' });
  });
});

type Refusal = [what: string, context: PropertyContext, bytes: Buffer, code: number, clause: string, fromServer?: boolean];
const REFUSED: Refusal[] = [
  ['a Property Length past the end of the packet', 'publish', Buffer.from('050101', 'hex'), MALFORMED_PACKET, '§2.2.2.1'],
  ['no Property Length at all', 'puback', Buffer.alloc(0), MALFORMED_PACKET, '§2.2.2.1'],
  ['a Property Length cut short', 'publish', Buffer.from('80', 'hex'), MALFORMED_PACKET, '§2.2.2.1'],
  ['a Property Length of five bytes', 'publish', Buffer.from('ffffffff7f', 'hex'), MALFORMED_PACKET, '§1.5.5'],
  ['a Property Length not in the fewest bytes', 'publish', Buffer.from('8000', 'hex'), MALFORMED_PACKET, '[MQTT-1.5.5-1]'],
  ['a value running past the Property Length', 'publish', Buffer.concat([block('02 0000'), Buffer.from('0000', 'hex')]), MALFORMED_PACKET, '§2.2.2.1'],
  ['a User Property value running past it', 'publish', Buffer.concat([block('26 0001 61 0005 62'), Buffer.from('63646566', 'hex')]), MALFORMED_PACKET, '§2.2.2.1'],
  ['a string length byte missing', 'connack', block('1f 00'), MALFORMED_PACKET, '§2.2.2.1'],
  ['unknown identifier 0x04', 'publish', block('04 00'), MALFORMED_PACKET, '§2.2.2.2'],
  ['identifier 0x00', 'publish', block('00 00'), MALFORMED_PACKET, '§2.2.2.2'],
  ['a two-byte identifier', 'publish', block('8101 00'), MALFORMED_PACKET, '§2.2.2.2'],
  ['Topic Alias in SUBSCRIBE', 'subscribe', block('23 0001'), MALFORMED_PACKET, '§2.2.2.2'],
  ['Reason String in PUBLISH', 'publish', block('1f 0000'), MALFORMED_PACKET, '§2.2.2.2'],
  ['Will Delay Interval in CONNECT itself', 'connect', block('18 00000001'), MALFORMED_PACKET, '§2.2.2.2'],
  ['Payload Format Indicator twice', 'publish', block('01 00 01 01'), PROTOCOL_ERROR, '§3.3.2.3.2'],
  ['Session Expiry Interval twice', 'connect', block('11 00000001 11 00000002'), PROTOCOL_ERROR, '§3.1.2.11.2'],
  ['Reason String twice', 'puback', block('1f 0000 1f 0000'), PROTOCOL_ERROR, '§3.4.2.2.2'],
  ['Maximum Packet Size twice', 'connack', block('27 00000010 27 00000010'), PROTOCOL_ERROR, '§3.2.2.3.6'],
  ['Subscription Identifier twice in SUBSCRIBE', 'subscribe', block('0b 01 0b 02'), PROTOCOL_ERROR, '§3.8.2.1.2'],
  ['Topic Alias twice', 'publish', block('23 0001 23 0002'), PROTOCOL_ERROR, '§3.3.2.3.4'],
  ['Payload Format Indicator 2', 'publish', block('01 02'), PROTOCOL_ERROR, '§3.3.2.3.2'],
  ['Payload Format Indicator 2 in a will', 'will', block('01 02'), PROTOCOL_ERROR, '§3.1.3.2.3'],
  ['Topic Alias 0', 'publish', block('23 0000'), PROTOCOL_ERROR, '[MQTT-3.3.2-8]'],
  ['Subscription Identifier 0', 'subscribe', block('0b 00'), PROTOCOL_ERROR, '§3.8.2.1.2'],
  ['Subscription Identifier 0 sent by a server', 'publish', block('0b 00'), PROTOCOL_ERROR, '§3.3.2.3.8', true],
  ['a Subscription Identifier of five bytes', 'subscribe', block('0b ffffffff7f'), MALFORMED_PACKET, '§1.5.5'],
  ['a Subscription Identifier not in the fewest bytes', 'subscribe', block('0b 8100'), MALFORMED_PACKET, '[MQTT-1.5.5-1]'],
  ['a Subscription Identifier from a client', 'publish', block('0b 01'), PROTOCOL_ERROR, '[MQTT-3.3.4-6]'],
  ['Receive Maximum 0 in CONNECT', 'connect', block('21 0000'), PROTOCOL_ERROR, '§3.1.2.11.3'],
  ['Receive Maximum 0 in CONNACK', 'connack', block('21 0000'), PROTOCOL_ERROR, '§3.2.2.3.3'],
  ['Maximum Packet Size 0', 'connect', block('27 00000000'), PROTOCOL_ERROR, '§3.1.2.11.4'],
  ['Request Response Information 2', 'connect', block('19 02'), PROTOCOL_ERROR, '§3.1.2.11.6'],
  ['Request Problem Information 2', 'connect', block('17 02'), PROTOCOL_ERROR, '§3.1.2.11.7'],
  ['Maximum QoS 2', 'connack', block('24 02'), PROTOCOL_ERROR, '§3.2.2.3.4'],
  ['Retain Available 2', 'connack', block('25 02'), PROTOCOL_ERROR, '§3.2.2.3.5'],
  ['Wildcard Subscription Available 2', 'connack', block('28 ff'), PROTOCOL_ERROR, '§3.2.2.3.11'],
  ['Subscription Identifier Available 2', 'connack', block('29 02'), PROTOCOL_ERROR, '§3.2.2.3.12'],
  ['Shared Subscription Available 2', 'connack', block('2a 02'), PROTOCOL_ERROR, '§3.2.2.3.13'],
  ['Authentication Data without a method', 'connect', block('16 0001 00'), PROTOCOL_ERROR, '§3.1.2.11.10'],
  ['Session Expiry Interval in a server DISCONNECT', 'disconnect', block('11 00000000'), PROTOCOL_ERROR, '[MQTT-3.14.2-2]', true],
  ['a Response Topic with +', 'publish', block(`08 0003 ${ascii('a/+')}`), PROTOCOL_ERROR, '[MQTT-3.3.2-14]'],
  ['a Response Topic with #', 'will', block(`08 0001 ${ascii('#')}`), PROTOCOL_ERROR, '§3.1.3.2.6'],
  ['U+0000 in Content Type', 'publish', block('03 0003 610062'), MALFORMED_PACKET, '[MQTT-1.5.4-2]'],
  ['U+0000 in a User Property name', 'connect', block('26 0001 00 0000'), MALFORMED_PACKET, '[MQTT-1.5.4-2]'],
  ['a surrogate (U+D800) in Reason String', 'disconnect', block('1f 0003 eda080'), MALFORMED_PACKET, '[MQTT-1.5.4-1]'],
  ['a surrogate (U+DFFF) in a User Property value', 'suback', block('26 0000 0003 edbfbf'), MALFORMED_PACKET, '[MQTT-1.5.4-1]'],
  ['an overlong U+0000 (C0 80)', 'publish', block('03 0002 c080'), MALFORMED_PACKET, '[MQTT-1.5.4-1]'],
  ['an overlong three-byte form', 'publish', block('03 0003 e08080'), MALFORMED_PACKET, '[MQTT-1.5.4-1]'],
  ['an overlong four-byte form', 'publish', block('03 0004 f08f8080'), MALFORMED_PACKET, '[MQTT-1.5.4-1]'],
  ['a code point above U+10FFFF', 'publish', block('03 0004 f4908080'), MALFORMED_PACKET, '[MQTT-1.5.4-1]'],
  ['a stray continuation byte', 'publish', block('03 0001 80'), MALFORMED_PACKET, '[MQTT-1.5.4-1]'],
  ['a sequence cut short by its length', 'publish', block('03 0002 e282 00'), MALFORMED_PACKET, '[MQTT-1.5.4-1]'],
  ['a lead byte F5', 'auth', block('1f 0001 f5'), MALFORMED_PACKET, '[MQTT-1.5.4-1]'],
];

describe('MQTT 5 properties: refused blocks carry the reason code and clause of the specification', () => {
  it.each(REFUSED)('%s in %s', (_what, context, bytes, code, clause, fromServer = false) => {
    const result = decodeProperties(bytes, 0, context, {}, bytes.length, fromServer);
    expect(result).toBeInstanceOf(PropertyError);
    expect(result).toMatchObject({ reasonCode: code, clause });
    expect((result as PropertyError).message).toMatch(/^[A-Za-z].{15,}/);
  });

  it('accepts what the same rules allow', () => {
    const ok: Array<[PropertyContext, string, boolean?]> = [
      ['publish', '0b 01 0b 8001 0b ffffff7f', true], // several Subscription Identifiers from a server
      ['disconnect', '11 00000000'], // Session Expiry Interval from a client
      ['connect', '15 0001 61 16 0000'], // Authentication Data with a method
      ['publish', `03 000f ${Buffer.from('é€😀\uFEFF\uFFFF').toString('hex')}`], // two-, three-, four-byte forms, BOM, U+FFFF
      ['publish', `08 0003 ${ascii('a/b')} 26 0000 0000 26 0000 0000`], // empty user properties, repeated
    ];
    for (const [context, hex, fromServer] of ok) {
      const bytes = block(hex);
      const decoded = decodePropertyBlock(bytes, 0, context, bytes.length, fromServer);
      expect(decoded, hex).not.toBeInstanceOf(PropertyError);
      expect(encodePropertyBlock((decoded as { properties: Properties }).properties).toString('hex')).toBe(bytes.toString('hex'));
    }
    expect(decodePropertyBlock(block('0b 01 0b 8001 0b ffffff7f'), 0, 'publish', 11, true))
      .toMatchObject({ properties: { subscriptionIdentifiers: [1, 128, 268_435_455] } });
  });
});

describe('MQTT 5 properties: offsets, lengths and integers', () => {
  it('decodes a block in the middle of a packet and says where it ends', () => {
    const props: Properties = { topicAlias: 3, userProperties: [['z', '1'], ['a', '2']], contentType: 'x' };
    const inner = encodePropertyBlock(props);
    const packet = Buffer.concat([Buffer.from('3000', 'hex'), inner, Buffer.from('payload')]);
    expect(decodePropertyBlock(packet, 2, 'publish')).toEqual({ properties: props, end: 2 + inner.length });
    // The packet ends inside the block: refused, though the buffer goes on.
    expect(decodePropertyBlock(packet, 2, 'publish', 2 + inner.length - 1)).toMatchObject({ reasonCode: MALFORMED_PACKET });
  });

  it('an empty block is one zero byte', () => {
    expect(encodePropertyBlock({}).toString('hex')).toBe('00');
    expect(decodePropertyBlock(Buffer.from([0]), 0, 'connack')).toEqual({ properties: {}, end: 1 });
  });

  it('writes into a buffer at an offset, returning the offset after the block', () => {
    const props: Properties = { reasonString: 'über', userProperties: [['k', 'v']] };
    const buf = Buffer.alloc(40, 0xee);
    const end = writePropertyBlock(buf, 5, props);
    expect(end).toBe(5 + propertyBlockLength(props));
    expect(buf[4]).toBe(0xee);
    expect(buf[end]).toBe(0xee);
    expect(decodePropertyBlock(buf, 5, 'puback')).toEqual({ properties: props, end });
  });

  it.each([[0, '00'], [127, '7f'], [128, '8001'], [16_383, 'ff7f'], [16_384, '808001'], [2_097_151, 'ffff7f'],
    [2_097_152, '80808001'], [268_435_455, 'ffffff7f']])('Variable Byte Integer %i is %s (§1.5.5)', (n, hex) => {
    const buf = Buffer.alloc(4);
    const end = writeVariableByteInteger(buf, 0, n);
    expect(buf.subarray(0, end).toString('hex')).toBe(hex);
    expect(readVariableByteInteger(buf, 0, end)).toBe(n);
  });

  it('a Variable Byte Integer refuses truncation, a fifth byte and a longer form than needed', () => {
    expect(readVariableByteInteger(Buffer.from('ff', 'hex'), 0, 1)).toBe(VBI_TRUNCATED);
    expect(readVariableByteInteger(Buffer.from('ffffffff01', 'hex'), 0, 5)).toBe(VBI_TOO_LONG);
    expect(readVariableByteInteger(Buffer.from('ff8080808001', 'hex'), 1, 6)).toBe(VBI_TOO_LONG);
    expect(readVariableByteInteger(Buffer.from('ff80808000', 'hex'), 1, 5)).toBe(VBI_NOT_MINIMAL);
    expect(readVariableByteInteger(Buffer.from('808000', 'hex'), 0, 3)).toBe(VBI_NOT_MINIMAL);
  });

  it('sizing refuses what the wire cannot carry', () => {
    expect(() => propertiesLength({ topicAlias: 65_536 })).toThrow(RangeError);
    expect(() => propertiesLength({ messageExpiryInterval: -1 })).toThrow(RangeError);
    expect(() => propertiesLength({ subscriptionIdentifiers: [0] })).toThrow(RangeError);
    expect(() => propertiesLength({ subscriptionIdentifiers: [268_435_456] })).toThrow(RangeError);
    expect(() => propertiesLength({ reasonString: 'é'.repeat(32_768) })).toThrow(RangeError);
    expect(() => propertiesLength({ correlationData: Buffer.alloc(65_536) })).toThrow(RangeError);
    expect(propertiesLength({ reasonString: 'é'.repeat(32_767) })).toBe(3 + 65_534);
  });
});
