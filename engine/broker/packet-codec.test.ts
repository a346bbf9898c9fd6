import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket } from './packet-codec.js';

type PersistedPacket = Parameters<typeof encodePacket>[0];

const publish = (extra: object = {}) => ({
  cmd: 'publish', brokerId: 'b', brokerCounter: 1, dup: false, topic: 'a/b', payload: Buffer.from([0, 1, 255]), qos: 1, retain: true, ...extra,
}) as unknown as PersistedPacket;

describe('packet codec', () => {
  it('round-trips a packet without properties as before', () => {
    const p = publish();
    const back = decodePacket(encodePacket(p));
    expect(back).toEqual(p);
    expect('properties' in back).toBe(false);
  });

  it('keeps MQTT 5 properties: binary ones as Buffers, user properties as ordered pairs with duplicates', () => {
    const properties = {
      payloadFormatIndicator: true, messageExpiryInterval: 60, contentType: 'application/json', responseTopic: 'r/t',
      correlationData: Buffer.from([0, 0xff, 7]), userProperties: [['k', '2'], ['a', 'x'], ['k', '1']],
    };
    const back = decodePacket(encodePacket(publish({ properties }))) as PersistedPacket & { properties: typeof properties };
    expect(back.properties).toEqual(properties);
    expect(Buffer.isBuffer(back.properties.correlationData)).toBe(true);
    expect(back.payload).toEqual(Buffer.from([0, 1, 255]));
  });

  it('stores correlation data as base64, not as a JSON byte array', () => {
    const json = encodePacket(publish({ properties: { correlationData: Buffer.from('id-1') } }));
    expect(JSON.parse(json).properties).toEqual({ correlationData: Buffer.from('id-1').toString('base64') });
  });

  it('reads a row written before properties were stored', () => {
    const old = JSON.stringify({ cmd: 'publish', topic: 't', payload: Buffer.from('x').toString('base64'), qos: 0, retain: true });
    expect(decodePacket(old)).toEqual({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: true });
  });

  it('keeps a packet without a payload (PUBREL) without one', () => {
    const back = decodePacket(encodePacket({ cmd: 'pubrel', messageId: 3 } as unknown as PersistedPacket));
    expect(back).toEqual({ cmd: 'pubrel', messageId: 3 });
  });
});
