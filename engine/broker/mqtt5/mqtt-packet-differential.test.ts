/**
 * Differential tests against mqtt-packet 9.0.2: real packets it generates with random properties, decoded here and by
 * its parser, must agree on everything mqtt-packet represents faithfully (it groups User Properties by name, so their
 * order is compared with the order it wrote them in); and blocks encoded here, spliced into real packets, must parse
 * there to the same properties.
 */
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { fromMqttPacketProperties, groupUserProperties, toMqttPacketProperties } from './mqtt-packet-shape.js';
import {
  decodePropertyBlock, isAllowed, PROPERTY, PropertyError, readVariableByteInteger, variableByteIntegerLength,
  type Properties, type PropertyContext, type UserProperty,
} from './properties.js';
import { encodePropertyBlock, propertyBlockLength } from './property-encoder.js';

const SEED = 20_260_512;
const RUNS = 300;

/** Strings that survive UTF-8 and hold no U+0000: what a well-formed MQTT 5 string can carry. */
const text = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\u0000') && Buffer.from(s).toString() === s);
const topicText = text.filter((s) => !s.includes('+') && !s.includes('#'));
// Decoded lists are never empty (absent instead), and mqtt-packet cannot write an empty User Property object.
// mqtt-packet's parser keeps a repeated User Property name as one value when the first value is '' (parser.js:762): not faithful.
const userProperties = fc.array(fc.tuple(fc.oneof(text, fc.constantFrom('k', 'n')), text.filter((s) => s !== '')), { minLength: 1, maxLength: 5 })
  .map((pairs) => pairs.map(([n, v]) => [n, v] as UserProperty));
const u16 = fc.integer({ min: 0, max: 0xffff });
const u16nz = fc.integer({ min: 1, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b));
const subId = fc.integer({ min: 1, max: 268_435_455 });

const ARBITRARY: Record<keyof Properties, { id: number; arb: fc.Arbitrary<unknown> }> = {
  payloadFormatIndicator: { id: PROPERTY.payloadFormatIndicator, arb: fc.boolean() },
  messageExpiryInterval: { id: PROPERTY.messageExpiryInterval, arb: u32 },
  contentType: { id: PROPERTY.contentType, arb: text },
  responseTopic: { id: PROPERTY.responseTopic, arb: topicText },
  correlationData: { id: PROPERTY.correlationData, arb: bytes },
  subscriptionIdentifiers: { id: PROPERTY.subscriptionIdentifier, arb: fc.array(subId, { minLength: 1, maxLength: 3 }) },
  sessionExpiryInterval: { id: PROPERTY.sessionExpiryInterval, arb: u32 },
  assignedClientIdentifier: { id: PROPERTY.assignedClientIdentifier, arb: text },
  serverKeepAlive: { id: PROPERTY.serverKeepAlive, arb: u16 },
  authenticationMethod: { id: PROPERTY.authenticationMethod, arb: text },
  authenticationData: { id: PROPERTY.authenticationData, arb: bytes },
  requestProblemInformation: { id: PROPERTY.requestProblemInformation, arb: fc.boolean() },
  willDelayInterval: { id: PROPERTY.willDelayInterval, arb: u32 },
  requestResponseInformation: { id: PROPERTY.requestResponseInformation, arb: fc.boolean() },
  responseInformation: { id: PROPERTY.responseInformation, arb: text },
  serverReference: { id: PROPERTY.serverReference, arb: text },
  reasonString: { id: PROPERTY.reasonString, arb: text },
  receiveMaximum: { id: PROPERTY.receiveMaximum, arb: u16nz },
  topicAliasMaximum: { id: PROPERTY.topicAliasMaximum, arb: u16 },
  topicAlias: { id: PROPERTY.topicAlias, arb: u16nz },
  maximumQoS: { id: PROPERTY.maximumQoS, arb: fc.constantFrom(0, 1) },
  retainAvailable: { id: PROPERTY.retainAvailable, arb: fc.boolean() },
  userProperties: { id: PROPERTY.userProperty, arb: userProperties },
  maximumPacketSize: { id: PROPERTY.maximumPacketSize, arb: fc.integer({ min: 1, max: 0xffffffff }) },
  wildcardSubscriptionAvailable: { id: PROPERTY.wildcardSubscriptionAvailable, arb: fc.boolean() },
  subscriptionIdentifiersAvailable: { id: PROPERTY.subscriptionIdentifiersAvailable, arb: fc.boolean() },
  sharedSubscriptionAvailable: { id: PROPERTY.sharedSubscriptionAvailable, arb: fc.boolean() },
};

/** Random valid properties for `context` (a PUBLISH as a server sends it: several Subscription Identifiers allowed). */
function propertiesFor(context: PropertyContext): fc.Arbitrary<Properties> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, { id, arb }] of Object.entries(ARBITRARY)) {
    if (!isAllowed(id, context)) continue;
    model[name] = name === 'subscriptionIdentifiers' && context === 'subscribe' ? fc.tuple(subId).map((t) => [t[0]]) : arb;
  }
  return fc.record(model, { requiredKeys: [] })
    .filter((p) => !(context === 'connect' && 'authenticationData' in p && !('authenticationMethod' in p))) as fc.Arbitrary<Properties>;
}

/** A real packet from mqtt-packet carrying `props`, and where its property block starts (after the fixed header). */
type Build = (props: Record<string, unknown>) => { packet: object; at: number };
const BUILD: Partial<Record<PropertyContext, Build>> = {
  publish: (properties) => ({ packet: { cmd: 'publish', topic: 't/1', payload: Buffer.from('x'), qos: 1, messageId: 7, retain: false, dup: false, properties }, at: 5 + 2 }),
  connack: (properties) => ({ packet: { cmd: 'connack', reasonCode: 0, sessionPresent: false, properties }, at: 2 }),
  puback: (properties) => ({ packet: { cmd: 'puback', messageId: 7, reasonCode: 0x10, properties }, at: 3 }),
  pubrec: (properties) => ({ packet: { cmd: 'pubrec', messageId: 7, reasonCode: 0, properties }, at: 3 }),
  pubrel: (properties) => ({ packet: { cmd: 'pubrel', messageId: 7, reasonCode: 0, properties }, at: 3 }),
  pubcomp: (properties) => ({ packet: { cmd: 'pubcomp', messageId: 7, reasonCode: 0, properties }, at: 3 }),
  subscribe: (properties) => ({ packet: { cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'a/#', qos: 1 }], properties }, at: 2 }),
  suback: (properties) => ({ packet: { cmd: 'suback', messageId: 7, granted: [1], properties }, at: 2 }),
  unsubscribe: (properties) => ({ packet: { cmd: 'unsubscribe', messageId: 7, unsubscriptions: ['a/#'], properties }, at: 2 }),
  unsuback: (properties) => ({ packet: { cmd: 'unsuback', messageId: 7, granted: [0], properties }, at: 2 }),
  disconnect: (properties) => ({ packet: { cmd: 'disconnect', reasonCode: 0, properties }, at: 1 }),
  auth: (properties) => ({ packet: { cmd: 'auth', reasonCode: 0x18, properties }, at: 1 }),
};

function parse(bytes: Buffer): Record<string, any> {
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const packets: Array<Record<string, any>> = [];
  const errors: Error[] = [];
  parser.on('packet', (p) => void packets.push(p as never));
  parser.on('error', (e: Error) => void errors.push(e));
  parser.parse(bytes);
  expect(errors).toEqual([]);
  expect(packets).toHaveLength(1);
  return packets[0];
}

/** Offset of the first byte after the fixed header. */
function afterFixedHeader(bytes: Buffer): number {
  return 1 + variableByteIntegerLength(readVariableByteInteger(bytes, 1, bytes.length));
}

/** The pairs in the order mqtt-packet writes a grouped object (writeToStream.js writeProperty 'pair'). */
function writtenOrder(grouped: Record<string, string | string[]>): UserProperty[] {
  return fromMqttPacketProperties({ userProperties: grouped }).userProperties ?? [];
}

/** Our decode of the block at `at`, checked against mqtt-packet's reading of the same properties. */
function agree(bytes: Buffer, at: number, context: PropertyContext, parsed: Record<string, unknown> | undefined, sent: Properties): Properties {
  const ours = decodePropertyBlock(bytes, at, context, bytes.length, context === 'publish');
  if (ours instanceof PropertyError) throw ours;
  expect(toMqttPacketProperties(ours.properties)).toEqual(parsed ?? {});
  expect(ours.properties.userProperties ?? []).toEqual(writtenOrder(groupUserProperties(sent.userProperties ?? [])));
  return ours.properties;
}

describe('MQTT 5 properties against mqtt-packet 9.0.2', () => {
  it.each(Object.keys(BUILD) as PropertyContext[])('%s: mqtt-packet generates, both decoders agree; this encoder\'s block parses there the same', (context) => {
    fc.assert(fc.property(propertiesFor(context), (props) => {
      const build = BUILD[context]!;
      const shaped = toMqttPacketProperties(props);
      const { packet } = build(shaped);
      const bytes = mqttPacket.generate(packet as never, { protocolVersion: 5 } as never);
      const at = afterFixedHeader(bytes) + build({}).at;
      agree(bytes, at, context, parse(bytes).properties, props);

      // The other way: our block in place of mqtt-packet's, remaining length fixed up.
      const end = decodePropertyBlock(bytes, at, context, bytes.length, true) as { end: number };
      const body = Buffer.concat([bytes.subarray(afterFixedHeader(bytes), at), encodePropertyBlock(props), bytes.subarray(end.end)]);
      const header = Buffer.alloc(5);
      header[0] = bytes[0];
      let n = body.length, i = 1;
      do { header[i++] = (n % 128) | (n >= 128 ? 0x80 : 0); n = Math.floor(n / 128); } while (n > 0);
      const ours = Buffer.concat([header.subarray(0, i), body]);
      expect(parse(ours).properties ?? {}).toEqual(toMqttPacketProperties(props));
    }), { seed: SEED, numRuns: RUNS });
  });

  it('connect and will: both decoders agree on the CONNECT properties and the will properties', () => {
    fc.assert(fc.property(propertiesFor('connect'), propertiesFor('will'), fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme-ascii' }), (props, willProps, clientId) => {
      const bytes = mqttPacket.generate({
        cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId, keepalive: 30, clean: true,
        properties: toMqttPacketProperties(props),
        will: { topic: 'w/1', payload: Buffer.from('bye'), qos: 1, retain: false, properties: toMqttPacketProperties(willProps) },
      } as never, { protocolVersion: 5 } as never);
      const parsed = parse(bytes);
      // Fixed header, protocol name (6), level, flags, keep alive (2): then the CONNECT properties.
      const at = afterFixedHeader(bytes) + 10;
      agree(bytes, at, 'connect', parsed.properties, props);
      const connectEnd = (decodePropertyBlock(bytes, at, 'connect') as { end: number }).end;
      const willAt = connectEnd + 2 + bytes.readUInt16BE(connectEnd);
      agree(bytes, willAt, 'will', parsed.will.properties, willProps);
    }), { seed: SEED, numRuns: RUNS });
  });

  it('User Properties keep their order and duplicates, where mqtt-packet groups them by name', () => {
    const pairs: UserProperty[] = [['b', '1'], ['a', '2'], ['b', '3'], ['a', '2']];
    const bytes = encodePropertyBlock({ userProperties: pairs });
    const ours = decodePropertyBlock(bytes, 0, 'publish') as { properties: Properties };
    expect(ours.properties.userProperties).toEqual(pairs);
    const packet = Buffer.concat([Buffer.from([0x30, 2 + 1 + bytes.length]), Buffer.from('00017400', 'hex').subarray(0, 3), bytes]);
    expect(parse(packet).properties.userProperties).toEqual(groupUserProperties(pairs));
    expect({ ...parse(packet).properties.userProperties }).toEqual({ b: ['1', '3'], a: ['2', '2'] });
  });
});

describe('MQTT 5 properties: random round trips', () => {
  const contexts: PropertyContext[] = ['connect', 'will', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
    'subscribe', 'suback', 'unsubscribe', 'unsuback', 'disconnect', 'auth'];
  it.each(contexts)('%s: decode(encode(p)) is p, encode(decode(b)) is b, and the size is told before writing', (context) => {
    fc.assert(fc.property(propertiesFor(context), fc.nat(3), (props, pad) => {
      const block = encodePropertyBlock(props);
      expect(block.length).toBe(propertyBlockLength(props));
      const packet = Buffer.concat([Buffer.alloc(pad, 0xaa), block, Buffer.from([0xbb])]);
      const decoded = decodePropertyBlock(packet, pad, context, packet.length - 1, context === 'publish');
      expect(decoded).toEqual({ properties: props, end: pad + block.length });
      expect(encodePropertyBlock((decoded as { properties: Properties }).properties).equals(block)).toBe(true);
    }), { seed: SEED, numRuns: RUNS });
  });
});
