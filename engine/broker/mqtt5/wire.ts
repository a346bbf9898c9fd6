/**
 * MQTT 5 packets the server sends (OASIS MQTT 5.0 §3), each encoded into one Buffer. Properties are given either as
 * an object or as an already encoded property block (a PUBLISH's message properties are encoded once per message).
 */
import type { Properties } from './properties.js';
import { propertiesLength, writeProperties } from './property-encoder.js';
import { variableByteIntegerLength, writeVariableByteInteger } from './variable-byte-integer.js';

const EMPTY_BLOCK = Buffer.from([0]);

/** A property block: Property Length then the properties. */
export function propertyBlock(p: Properties | undefined): Buffer {
  if (!p) return EMPTY_BLOCK;
  const n = propertiesLength(p);
  if (n === 0) return EMPTY_BLOCK;
  const buf = Buffer.allocUnsafe(variableByteIntegerLength(n) + n);
  writeProperties(buf, writeVariableByteInteger(buf, 0, n), p);
  return buf;
}

/** Fixed header + `remaining` bytes: the buffer and where the variable header starts. */
function packet(first: number, remaining: number): [Buffer, number] {
  const buf = Buffer.allocUnsafe(1 + variableByteIntegerLength(remaining) + remaining);
  buf[0] = first;
  return [buf, writeVariableByteInteger(buf, 1, remaining)];
}

/**
 * PUBLISH (§3.3) with its property block. `messageProps` are the message's own properties, already encoded without
 * their length (shared by every subscriber); `extra` the per-subscriber ones (subscription identifiers), also encoded.
 */
export function encodePublish5(
  topic: string, payload: Buffer, qos: number, retain: boolean, dup: boolean, messageId: number,
  messageProps: Buffer | null, extra: Buffer | null = null,
): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const propsLength = (messageProps?.length ?? 0) + (extra?.length ?? 0);
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + variableByteIntegerLength(propsLength) + propsLength + payload.length;
  const [buf, start] = packet(0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0), remaining);
  let at = buf.writeUInt16BE(topicBytes, start);
  at += buf.write(topic, at, 'utf8');
  if (qos > 0) at = buf.writeUInt16BE(messageId, at);
  at = writeVariableByteInteger(buf, at, propsLength);
  if (messageProps) at += messageProps.copy(buf, at);
  if (extra) at += extra.copy(buf, at);
  payload.copy(buf, at);
  return buf;
}

/** The properties of a message, encoded without their Property Length, for encodePublish5. */
export function encodeMessageProperties(p: Properties): Buffer | null {
  const n = propertiesLength(p);
  if (n === 0) return null;
  const buf = Buffer.allocUnsafe(n);
  writeProperties(buf, 0, p);
  return buf;
}

/** CONNACK (§3.2). */
export function encodeConnack5(sessionPresent: boolean, reasonCode: number, props?: Properties): Buffer {
  const block = propertyBlock(props);
  const [buf, at] = packet(0x20, 2 + block.length);
  buf[at] = sessionPresent ? 1 : 0;
  buf[at + 1] = reasonCode;
  block.copy(buf, at + 2);
  return buf;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP (§3.4–3.7): the short form when the reason is 0 and there are no properties. */
export function encodeAck5(cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', messageId: number, reasonCode = 0, props?: Properties): Buffer {
  const first = cmd === 'puback' ? 0x40 : cmd === 'pubrec' ? 0x50 : cmd === 'pubrel' ? 0x62 : 0x70;
  const block = props ? propertyBlock(props) : EMPTY_BLOCK;
  const short = reasonCode === 0 && block === EMPTY_BLOCK;
  const [buf, at] = packet(first, short ? 2 : 3 + block.length);
  buf.writeUInt16BE(messageId, at);
  if (!short) {
    buf[at + 2] = reasonCode;
    block.copy(buf, at + 3);
  }
  return buf;
}

/** SUBACK (0x90) or UNSUBACK (0xB0) (§3.9, §3.11): one reason code per filter. */
export function encodeSubackLike5(cmd: 'suback' | 'unsuback', messageId: number, reasonCodes: readonly number[], props?: Properties): Buffer {
  const block = propertyBlock(props);
  const [buf, at] = packet(cmd === 'suback' ? 0x90 : 0xb0, 2 + block.length + reasonCodes.length);
  buf.writeUInt16BE(messageId, at);
  block.copy(buf, at + 2);
  for (let i = 0; i < reasonCodes.length; i++) buf[at + 2 + block.length + i] = reasonCodes[i];
  return buf;
}

/** DISCONNECT (§3.14): the two-byte form for reason 0 without properties. */
export function encodeDisconnect5(reasonCode: number, props?: Properties): Buffer {
  const block = propertyBlock(props);
  if (reasonCode === 0 && block === EMPTY_BLOCK) return Buffer.from([0xe0, 0]);
  const [buf, at] = packet(0xe0, 1 + block.length);
  buf[at] = reasonCode;
  block.copy(buf, at + 1);
  return buf;
}
