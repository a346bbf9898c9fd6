// Minimal MQTT 3.1.1 wire helpers for the load generator: packet encoders and an allocation-light frame splitter.
// Only what a benchmark client needs: CONNECT, SUBSCRIBE, PUBLISH (QoS 0/1), PUBACK, PINGREQ, DISCONNECT.

/** Fixed-header packet types (high nibble of byte 0). */
export const CONNACK = 2, PUBLISH = 3, PUBACK = 4, SUBACK = 9, PINGRESP = 13;

/** Payload layout written by publishers: [0..8) f64 hrtime ns, [8..12) u32 publisher index, [12..16) u32 sequence. */
export const PAYLOAD_HEADER = 16;

export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const DISCONNECT = Buffer.from([0xe0, 0x00]);

function varintLength(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

function writeVarint(buf: Buffer, off: number, n: number): number {
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    buf[off++] = byte;
  } while (n > 0);
  return off;
}

function packet(first: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + varintLength(body.length) + body.length);
  out[0] = first;
  body.copy(out, writeVarint(out, 1, body.length));
  return out;
}

function utf8(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

/** CONNECT, protocol level 4, clean session, no will, no credentials. */
export function encodeConnect(clientId: string, keepaliveS: number): Buffer {
  const head = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, keepaliveS >> 8, keepaliveS & 0xff]);
  return packet(0x10, Buffer.concat([head, utf8(clientId)]));
}

/** SUBSCRIBE with one topic filter. // [MQTT-3.8.1-1] fixed header flags are 0b0010 */
export function encodeSubscribe(packetId: number, filter: string, qos: number): Buffer {
  const id = Buffer.from([packetId >> 8, packetId & 0xff]);
  return packet(0x82, Buffer.concat([id, utf8(filter), Buffer.from([qos])]));
}

/** A pre-encoded PUBLISH and the offsets of its mutable fields. */
export interface PublishTemplate {
  bytes: Buffer;
  /** Offset of the 2-byte packet id, or -1 for QoS 0. */
  idOffset: number;
  /** Offset of the payload (timestamp, publisher index, sequence, padding). */
  payloadOffset: number;
}

export function encodePublishTemplate(topic: string, qos: 0 | 1, payloadSize: number, publisher: number): PublishTemplate {
  const t = utf8(topic);
  const size = Math.max(PAYLOAD_HEADER, payloadSize);
  const remaining = t.length + (qos > 0 ? 2 : 0) + size;
  const bytes = Buffer.alloc(1 + varintLength(remaining) + remaining, 0x2e); // '.' padding
  bytes[0] = 0x30 | (qos << 1);
  let off = writeVarint(bytes, 1, remaining);
  off += t.copy(bytes, off);
  const idOffset = qos > 0 ? off : -1;
  if (qos > 0) off += 2;
  bytes.writeDoubleLE(0, off);
  bytes.writeUInt32LE(publisher, off + 8);
  bytes.writeUInt32LE(0, off + 12);
  return { bytes, idOffset, payloadOffset: off };
}

/** Called once per complete packet: buf[start] is the fixed header byte, the body is buf[bodyStart..end). */
export type PacketHandler = (buf: Buffer, start: number, bodyStart: number, end: number) => void;

/**
 * Splits a byte stream into MQTT packets. Complete packets inside a chunk are handed over in place (no copy);
 * only a packet that straddles chunk boundaries is copied into a reusable carry buffer.
 */
export class FrameSplitter {
  private carry: Buffer = Buffer.allocUnsafe(64); // grows on demand; small so that idle connections stay cheap
  private carryLen = 0;

  constructor(private readonly onPacket: PacketHandler) {}

  /** Returns total packet length if the header at buf[off..limit) is complete, -1 if more bytes are needed. */
  private static totalLength(buf: Buffer, off: number, limit: number): number {
    let mult = 1, value = 0;
    for (let i = off + 1; i < limit && i <= off + 4; i++) {
      const b = buf[i];
      value += (b & 0x7f) * mult;
      if ((b & 0x80) === 0) return i + 1 - off + value;
      mult *= 128;
    }
    if (limit - off > 4) throw new Error('malformed MQTT remaining length');
    return -1;
  }

  private static headerLength(buf: Buffer, off: number): number {
    let i = off + 1;
    while (buf[i] & 0x80) i++;
    return i + 1 - off;
  }

  push(chunk: Buffer): void {
    let off = 0;
    const n = chunk.length;
    if (this.carryLen > 0) {
      // Finish the straddling packet: first its header, one byte at a time, then the rest of its body.
      let total = FrameSplitter.totalLength(this.carry, 0, this.carryLen);
      while (total < 0 && off < n) {
        this.carry[this.carryLen++] = chunk[off++];
        total = FrameSplitter.totalLength(this.carry, 0, this.carryLen);
      }
      if (total < 0) return;
      if (total > this.carry.length) {
        const bigger = Buffer.allocUnsafe(Math.max(total, this.carry.length * 2));
        this.carry.copy(bigger, 0, 0, this.carryLen);
        this.carry = bigger;
      }
      const take = Math.min(total - this.carryLen, n - off);
      chunk.copy(this.carry, this.carryLen, off, off + take);
      this.carryLen += take;
      off += take;
      if (this.carryLen < total) return;
      this.carryLen = 0;
      this.onPacket(this.carry, 0, FrameSplitter.headerLength(this.carry, 0), total);
    }
    while (off < n) {
      const total = FrameSplitter.totalLength(chunk, off, n);
      if (total < 0 || off + total > n) {
        const rest = n - off;
        if (rest > this.carry.length) this.carry = Buffer.allocUnsafe(Math.max(rest, this.carry.length * 2));
        chunk.copy(this.carry, 0, off, n);
        this.carryLen = rest;
        return;
      }
      this.onPacket(chunk, off, off + FrameSplitter.headerLength(chunk, off), off + total);
      off += total;
    }
  }
}
