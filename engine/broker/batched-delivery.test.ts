import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { encodePublish } from './batched-delivery.js';

describe('encodePublish', () => {
  const cases = [
    { topic: 'a/b', payload: 0, qos: 0, retain: false, dup: false },
    { topic: 'sensors/ü/temp', payload: 127 - 18, qos: 0, retain: true, dup: false }, // remaining length 127: one byte
    { topic: 'x', payload: 200, qos: 1, retain: false, dup: true }, // two length bytes
    { topic: 'big/one', payload: 70_000, qos: 1, retain: true, dup: false }, // three length bytes
    { topic: 'huge', payload: 2_100_000, qos: 0, retain: false, dup: false }, // four length bytes
  ];
  for (const c of cases) {
    it(`matches mqtt-packet for ${c.topic}, ${c.payload} bytes, QoS ${c.qos}${c.retain ? ', retained' : ''}${c.dup ? ', dup' : ''}`, () => {
      const payload = Buffer.alloc(c.payload, 0x61);
      const messageId = c.qos ? 4242 : undefined;
      const expected = mqttPacket.generate({ cmd: 'publish', topic: c.topic, payload, qos: c.qos as 0 | 1, retain: c.retain, dup: c.dup, messageId });
      expect(encodePublish(c.topic, payload, c.qos, c.retain, c.dup, messageId ?? 0).equals(expected)).toBe(true);
    });
  }
});
