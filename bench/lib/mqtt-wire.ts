// Minimal MQTT 3.1.1 and MQTT 5 wire helpers for the load generator: packet encoders, the few decoders a client
// needs (CONNACK, SUBACK, PUBACK, DISCONNECT reason codes and properties) and an allocation-light frame splitter.
// Only what a benchmark client needs: CONNECT, SUBSCRIBE, PUBLISH (QoS 0/1), PUBACK, PINGREQ, DISCONNECT.
// The MQTT 3.1.1 encoders are unchanged by the MQTT 5 ones: version 4 takes the original code path, byte for byte.

import {
  PropertyError, decodePropertyBlock, readVariableByteInteger, variableByteIntegerLength, writeVariableByteInteger, type DecodedProperties,
} from '../../engine/broker/mqtt5/properties.js';
import { encodePropertyBlock } from '../../engine/broker/mqtt5/property-encoder.js';

/** Fixed-header packet types (high nibble of byte 0). */
export const CONNACK = 2, PUBLISH = 3, PUBACK = 4, SUBACK = 9, PINGRESP = 13, DISCONNECT_TYPE = 14;

/** Protocol level in CONNECT: 4 = MQTT 3.1.1, 5 = MQTT 5. */
export type MqttLevel = 4 | 5;

/** Payload layout written by publishers: [0..8) f64 hrtime ns, [8..12) u32 publisher index, [12..16) u32 sequence. */
export const PAYLOAD_HEADER = 16;

export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const DISCONNECT = Buffer.from([0xe0, 0x00]);

function packet(first: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + variableByteIntegerLength(body.length) + body.length);
  out[0] = first;
  body.copy(out, writeVariableByteInteger(out, 1, body.length));
  return out;
}

function utf8(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

/**
 * CONNECT, clean session (MQTT 5: clean start), no will, no credentials. Level 4 is MQTT 3.1.1; level 5 adds an
 * empty properties block (so Session Expiry 0, Receive Maximum 65,535, Topic Alias Maximum 0: the server sends
 * no topic aliases to this client).
 */
export function encodeConnect(clientId: string, keepaliveS: number, level: MqttLevel = 4): Buffer {
  if (level === 5) {
    const head5 = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, keepaliveS >> 8, keepaliveS & 0xff, 0x00]);
    return packet(0x10, Buffer.concat([head5, utf8(clientId)]));
  }
  const head = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, keepaliveS >> 8, keepaliveS & 0xff]);
  return packet(0x10, Buffer.concat([head, utf8(clientId)]));
}

/**
 * SUBSCRIBE with one topic filter. // [MQTT-3.8.1-1] fixed header flags are 0b0010
 * MQTT 5 adds an empty properties block after the packet id, and the byte after the filter becomes the
 * subscription options: here only the maximum QoS (no local 0, retain as published 0, retain handling 0).
 */
export function encodeSubscribe(packetId: number, filter: string, qos: number, level: MqttLevel = 4): Buffer {
  if (level === 5) {
    const id5 = Buffer.from([packetId >> 8, packetId & 0xff, 0x00]);
    return packet(0x82, Buffer.concat([id5, utf8(filter), Buffer.from([qos & 3])]));
  }
  const id = Buffer.from([packetId >> 8, packetId & 0xff]);
  return packet(0x82, Buffer.concat([id, utf8(filter), Buffer.from([qos])]));
}

// ------------------------------------------------------------------------------------------- MQTT 5 properties

/** Properties a publisher may put on its PUBLISH packets. */
export interface PublishProperties {
  topicAlias?: number;
  userProperties?: [string, string][];
}

/** Encodes a properties block, property length (variable byte integer) first. */
export function encodePublishProperties(p: PublishProperties): Buffer {
  return encodePropertyBlock(p);
}

/** The properties block at buf[off] of a packet the server sent (`context`); throws when it is not well formed. */
function serverProperties(buf: Buffer, off: number, end: number, context: 'connack' | 'suback'): DecodedProperties {
  const decoded = decodePropertyBlock(buf, off, context, end, true);
  if (decoded instanceof PropertyError) throw decoded;
  return decoded;
}

/** What a client needs from CONNACK. MQTT 3.1.1: return code; MQTT 5: reason code and the server's limits. */
export interface Connack {
  sessionPresent: boolean;
  /** 0 = accepted; MQTT 3.1.1 return code 1–5, MQTT 5 reason code ≥ 0x80. */
  code: number;
  /** MQTT 5 only (absent = 65,535 / 0 / no limit). */
  receiveMaximum?: number;
  topicAliasMaximum?: number;
  maximumPacketSize?: number;
  reasonString?: string;
}

/**
 * Decodes a CONNACK body buf[body..end). A server that cannot speak MQTT 5 may answer an MQTT 5 CONNECT with an
 * MQTT 3.1.1 CONNACK (remaining length 2): then only the return code is read.
 */
export function decodeConnack(buf: Buffer, body: number, end: number, level: MqttLevel): Connack {
  const out: Connack = { sessionPresent: (buf[body] & 1) === 1, code: buf[body + 1] };
  if (level !== 5 || end - body <= 2) return out;
  const { receiveMaximum, topicAliasMaximum, maximumPacketSize, reasonString } = serverProperties(buf, body + 2, end, 'connack').properties;
  return { ...out, receiveMaximum, topicAliasMaximum, maximumPacketSize, reasonString };
}

/** First return/reason code of a SUBACK body (MQTT 5: after the properties block). */
export function decodeSubackCode(buf: Buffer, body: number, end: number, level: MqttLevel): number {
  if (level !== 5) return buf[Math.min(body + 2, end - 1)];
  const after = serverProperties(buf, body + 2, end, 'suback').end;
  return after < end ? buf[after] : 0x80;
}

/**
 * Reason code of a PUBACK body: MQTT 3.1.1 and the MQTT 5 short form (remaining length 2) mean success (0);
 * the MQTT 5 long forms carry it after the packet id (then an optional properties block).
 */
export function pubackReason(buf: Buffer, body: number, end: number): number {
  return end - body > 2 ? buf[body + 2] : 0;
}

/** Reason code of an MQTT 5 DISCONNECT body (remaining length 0 = 0x00 normal disconnection). */
export function disconnectReason(buf: Buffer, body: number, end: number): number {
  return end > body ? buf[body] : 0;
}

const CONNACK_311: Record<number, string> = {
  1: 'unacceptable protocol version', 2: 'identifier rejected', 3: 'server unavailable', 4: 'bad user name or password', 5: 'not authorized',
};
const REASON_5: Record<number, string> = {
  0x00: 'Success', 0x04: 'Disconnect with Will Message', 0x10: 'No matching subscribers', 0x80: 'Unspecified error',
  0x81: 'Malformed Packet', 0x82: 'Protocol Error', 0x83: 'Implementation specific error', 0x84: 'Unsupported Protocol Version',
  0x85: 'Client Identifier not valid', 0x86: 'Bad User Name or Password', 0x87: 'Not authorized', 0x88: 'Server unavailable',
  0x89: 'Server busy', 0x8a: 'Banned', 0x8b: 'Server shutting down', 0x8c: 'Bad authentication method', 0x8d: 'Keep Alive timeout',
  0x8e: 'Session taken over', 0x90: 'Topic Name invalid', 0x91: 'Packet Identifier in use', 0x93: 'Receive Maximum exceeded',
  0x94: 'Topic Alias invalid', 0x95: 'Packet too large', 0x96: 'Message rate too high', 0x97: 'Quota exceeded',
  0x98: 'Administrative action', 0x99: 'Payload format invalid', 0x9a: 'Retain not supported', 0x9b: 'QoS not supported',
  0x9c: 'Use another server', 0x9d: 'Server moved', 0x9e: 'Shared Subscriptions not supported', 0x9f: 'Connection rate exceeded',
  0xa0: 'Maximum connect time', 0xa1: 'Subscription Identifiers not supported', 0xa2: 'Wildcard Subscriptions not supported',
};

/** "0x84 (Unsupported Protocol Version)"; with `connack311`, an MQTT 3.1.1 CONNACK return code's meaning. */
export function describeCode(code: number, connack311 = false): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  const name = connack311 ? CONNACK_311[code] : REASON_5[code];
  return name ? `${hex} (${name})` : hex;
}

/** A pre-encoded PUBLISH and the offsets of its mutable fields. */
export interface PublishTemplate {
  bytes: Buffer;
  /** Offset of the 2-byte packet id, or -1 for QoS 0. */
  idOffset: number;
  /** Offset of the payload (timestamp, publisher index, sequence, padding). */
  payloadOffset: number;
}

/**
 * A PUBLISH whose payload and packet id are stamped in place by the publisher. With `props` it is an MQTT 5
 * PUBLISH: the properties block (possibly empty) follows the packet id; an empty `topic` with a Topic Alias
 * is the short form after the alias was set up [MQTT-3.3.2-8] (the first PUBLISH carries topic and alias).
 */
export function encodePublishTemplate(topic: string, qos: 0 | 1, payloadSize: number, publisher: number,
  props?: PublishProperties): PublishTemplate {
  if (props) return encodePublishTemplate5(topic, qos, payloadSize, publisher, props);
  const t = utf8(topic);
  const size = Math.max(PAYLOAD_HEADER, payloadSize);
  const remaining = t.length + (qos > 0 ? 2 : 0) + size;
  const bytes = Buffer.alloc(1 + variableByteIntegerLength(remaining) + remaining, 0x2e); // '.' padding
  bytes[0] = 0x30 | (qos << 1);
  let off = writeVariableByteInteger(bytes, 1, remaining);
  off += t.copy(bytes, off);
  const idOffset = qos > 0 ? off : -1;
  if (qos > 0) off += 2;
  bytes.writeDoubleLE(0, off);
  bytes.writeUInt32LE(publisher, off + 8);
  bytes.writeUInt32LE(0, off + 12);
  return { bytes, idOffset, payloadOffset: off };
}

function encodePublishTemplate5(topic: string, qos: 0 | 1, payloadSize: number, publisher: number,
  props: PublishProperties): PublishTemplate {
  const t = utf8(topic);
  const pr = encodePublishProperties(props);
  const size = Math.max(PAYLOAD_HEADER, payloadSize);
  const remaining = t.length + (qos > 0 ? 2 : 0) + pr.length + size;
  const bytes = Buffer.alloc(1 + variableByteIntegerLength(remaining) + remaining, 0x2e); // '.' padding
  bytes[0] = 0x30 | (qos << 1);
  let off = writeVariableByteInteger(bytes, 1, remaining);
  off += t.copy(bytes, off);
  const idOffset = qos > 0 ? off : -1;
  if (qos > 0) { bytes.writeUInt16BE(0, off); off += 2; }
  off += pr.copy(bytes, off);
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

/** The offset just after the properties block at buf[off] of an incoming PUBLISH (its length is all a client skips by). */
export function skipProperties(buf: Buffer, off: number, end: number): number {
  const length = readVariableByteInteger(buf, off, end);
  if (length < 0) throw new Error('malformed MQTT variable byte integer');
  return off + variableByteIntegerLength(length) + length;
}
