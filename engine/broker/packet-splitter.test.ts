import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketSplitter } from './packet-splitter.js';

/** A splitter in front of a real mqtt-packet parser, as the broker sets it up; collects what comes out. */
function harness(maxPacketBytes = 1 << 20) {
  const parser = mqttPacket.parser();
  const packets: Array<Record<string, unknown>> = [];
  const errors: string[] = [];
  parser.on('packet', (p) => void packets.push({ ...(p as unknown as Record<string, unknown>) }));
  parser.on('error', (e: Error) => void errors.push(e.message));
  const splitter = new PacketSplitter(maxPacketBytes, parser as never, parser.parse.bind(parser));
  return { splitter, packets, errors };
}

/** What mqtt-packet alone makes of the same bytes. */
function reference(bytes: Buffer) {
  const parser = mqttPacket.parser();
  const packets: Array<Record<string, unknown>> = [];
  parser.on('packet', (p) => void packets.push({ ...(p as unknown as Record<string, unknown>) }));
  parser.parse(bytes);
  return packets;
}

const gen = (p: object) => mqttPacket.generate(p as never);
const stream = Buffer.concat([
  gen({ cmd: 'connect', clientId: 'c1', protocolVersion: 4, keepalive: 30, clean: true }),
  gen({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 0, retain: false, dup: false }),
  gen({ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'x/#', qos: 1 }] }),
  gen({ cmd: 'publish', topic: 'tö/π', payload: Buffer.alloc(300, 1), qos: 1, messageId: 42, retain: true, dup: true }),
  gen({ cmd: 'pingreq' }),
  gen({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(70_000, 2), qos: 2, messageId: 9, retain: false, dup: false }),
  gen({ cmd: 'puback', messageId: 5 }),
  gen({ cmd: 'puback', messageId: 65535 }),
  gen({ cmd: 'pubrec', messageId: 6 }),
  gen({ cmd: 'publish', topic: 'empty', payload: Buffer.alloc(0), qos: 0, retain: false, dup: false }),
]);

const normal = (ps: Array<Record<string, unknown>>) => ps.map((p) => ({ ...p, payload: Buffer.isBuffer(p.payload) ? p.payload.toString('hex') : p.payload }));

describe('PacketSplitter', () => {
  it('gives the same packets, in the same order, as mqtt-packet alone, in one chunk', () => {
    const h = harness();
    expect(h.splitter.feed(stream)).toBeNull();
    expect(normal(h.packets)).toEqual(normal(reference(stream)));
    expect(h.errors).toEqual([]);
  });

  it.each([1, 2, 3, 7, 100, 4096])('and when the bytes arrive in chunks of %i', (size) => {
    const h = harness();
    for (let at = 0; at < stream.length; at += size) expect(h.splitter.feed(stream.subarray(at, at + size))).toBeNull();
    expect(normal(h.packets)).toEqual(normal(reference(stream)));
  });

  it('refuses an oversized packet from its header alone, and a remaining length longer than four bytes', () => {
    const big = harness(1000);
    expect(big.splitter.feed(Buffer.from([0x30, 0xd1, 0x0f]))).toBe('packet of 2001 bytes exceeds the limit of 1000');
    expect(harness().splitter.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe('malformed remaining length');
  });

  it('leaves a malformed PUBLISH to mqtt-packet, which reports it', () => {
    const h = harness();
    h.splitter.feed(Buffer.from([0x36, 0x03, 0x00, 0x01, 0x61])); // QoS 3
    expect(h.errors).toEqual(['Packet must not have both QoS bits set to 1']);
    const t = harness();
    t.splitter.feed(Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61])); // topic longer than the packet
    expect(t.errors).toEqual(['Cannot parse topic']);
    expect(t.packets).toEqual([]);
    const f = harness();
    f.splitter.feed(Buffer.from([0x42, 0x02, 0x00, 0x01])); // PUBACK with flag bits set
    expect(f.errors).toEqual(['Invalid header flag bits, must be 0x0 for puback packet']);
  });
});
