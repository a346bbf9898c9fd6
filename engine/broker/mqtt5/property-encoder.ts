/**
 * Encodes MQTT 5 properties: the exact inverse of decodeProperties (decoding the bytes gives the same object back).
 * Properties are written in ascending identifier order, User Properties and Subscription Identifiers in list order.
 * Sizing allocates nothing, so an outbound encoder can size a packet first, write it into one buffer, and cache the
 * property bytes once per message (writeProperties writes the properties without their length, so per-subscriber
 * properties can be appended after them under one Property Length).
 */
import type { Properties } from './properties.js';
import { MAX_VARIABLE_BYTE_INTEGER, variableByteIntegerLength, writeVariableByteInteger } from './variable-byte-integer.js';

/**
 * Bytes the properties take, without the Property Length in front. Throws RangeError for a value the wire cannot
 * carry (a string or binary over 65,535 bytes, an integer out of its type's range): a bug in the caller, not input.
 */
export function propertiesLength(p: Properties): number {
  let n = 0;
  if (p.payloadFormatIndicator !== undefined) n += 2;
  if (p.messageExpiryInterval !== undefined) n += uint32(p.messageExpiryInterval, 'messageExpiryInterval');
  if (p.contentType !== undefined) n += string(p.contentType, 'contentType');
  if (p.responseTopic !== undefined) n += string(p.responseTopic, 'responseTopic');
  if (p.correlationData !== undefined) n += binary(p.correlationData, 'correlationData');
  const ids = p.subscriptionIdentifiers;
  if (ids !== undefined) {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 1 || id > MAX_VARIABLE_BYTE_INTEGER) throw new RangeError(`subscriptionIdentifier ${id} is not 1..${MAX_VARIABLE_BYTE_INTEGER}`);
      n += 1 + variableByteIntegerLength(id);
    }
  }
  if (p.sessionExpiryInterval !== undefined) n += uint32(p.sessionExpiryInterval, 'sessionExpiryInterval');
  if (p.assignedClientIdentifier !== undefined) n += string(p.assignedClientIdentifier, 'assignedClientIdentifier');
  if (p.serverKeepAlive !== undefined) n += uint16(p.serverKeepAlive, 'serverKeepAlive');
  if (p.authenticationMethod !== undefined) n += string(p.authenticationMethod, 'authenticationMethod');
  if (p.authenticationData !== undefined) n += binary(p.authenticationData, 'authenticationData');
  if (p.requestProblemInformation !== undefined) n += 2;
  if (p.willDelayInterval !== undefined) n += uint32(p.willDelayInterval, 'willDelayInterval');
  if (p.requestResponseInformation !== undefined) n += 2;
  if (p.responseInformation !== undefined) n += string(p.responseInformation, 'responseInformation');
  if (p.serverReference !== undefined) n += string(p.serverReference, 'serverReference');
  if (p.reasonString !== undefined) n += string(p.reasonString, 'reasonString');
  if (p.receiveMaximum !== undefined) n += uint16(p.receiveMaximum, 'receiveMaximum');
  if (p.topicAliasMaximum !== undefined) n += uint16(p.topicAliasMaximum, 'topicAliasMaximum');
  if (p.topicAlias !== undefined) n += uint16(p.topicAlias, 'topicAlias');
  if (p.maximumQoS !== undefined) n += 2;
  if (p.retainAvailable !== undefined) n += 2;
  const users = p.userProperties;
  if (users !== undefined) {
    for (let i = 0; i < users.length; i++) n += string(users[i][0], 'userProperties name') + string(users[i][1], 'userProperties value') - 1;
  }
  if (p.maximumPacketSize !== undefined) n += uint32(p.maximumPacketSize, 'maximumPacketSize');
  if (p.wildcardSubscriptionAvailable !== undefined) n += 2;
  if (p.subscriptionIdentifiersAvailable !== undefined) n += 2;
  if (p.sharedSubscriptionAvailable !== undefined) n += 2;
  return n;
}

/** Bytes of the whole property block: Property Length, then the properties. */
export function propertyBlockLength(p: Properties): number {
  const n = propertiesLength(p);
  return variableByteIntegerLength(n) + n;
}

/** Writes the property block (Property Length + properties) at `at`; returns the offset after it. */
export function writePropertyBlock(buf: Buffer, at: number, p: Properties, length = propertiesLength(p)): number {
  return writeProperties(buf, writeVariableByteInteger(buf, at, length), p);
}

/** The property block as a new Buffer. */
export function encodePropertyBlock(p: Properties): Buffer {
  const length = propertiesLength(p);
  const buf = Buffer.allocUnsafe(variableByteIntegerLength(length) + length);
  writePropertyBlock(buf, 0, p, length);
  return buf;
}

/** Writes the properties without their Property Length at `at` (size them with propertiesLength first); returns the offset after them. */
export function writeProperties(buf: Buffer, at: number, p: Properties): number {
  if (p.payloadFormatIndicator !== undefined) { buf[at++] = 0x01; buf[at++] = p.payloadFormatIndicator ? 1 : 0; }
  if (p.messageExpiryInterval !== undefined) { buf[at++] = 0x02; at = buf.writeUInt32BE(p.messageExpiryInterval, at); }
  if (p.contentType !== undefined) { buf[at++] = 0x03; at = writeString(buf, at, p.contentType); }
  if (p.responseTopic !== undefined) { buf[at++] = 0x08; at = writeString(buf, at, p.responseTopic); }
  if (p.correlationData !== undefined) { buf[at++] = 0x09; at = writeBinary(buf, at, p.correlationData); }
  const ids = p.subscriptionIdentifiers;
  if (ids !== undefined) for (let i = 0; i < ids.length; i++) { buf[at++] = 0x0b; at = writeVariableByteInteger(buf, at, ids[i]); }
  if (p.sessionExpiryInterval !== undefined) { buf[at++] = 0x11; at = buf.writeUInt32BE(p.sessionExpiryInterval, at); }
  if (p.assignedClientIdentifier !== undefined) { buf[at++] = 0x12; at = writeString(buf, at, p.assignedClientIdentifier); }
  if (p.serverKeepAlive !== undefined) { buf[at++] = 0x13; at = buf.writeUInt16BE(p.serverKeepAlive, at); }
  if (p.authenticationMethod !== undefined) { buf[at++] = 0x15; at = writeString(buf, at, p.authenticationMethod); }
  if (p.authenticationData !== undefined) { buf[at++] = 0x16; at = writeBinary(buf, at, p.authenticationData); }
  if (p.requestProblemInformation !== undefined) { buf[at++] = 0x17; buf[at++] = p.requestProblemInformation ? 1 : 0; }
  if (p.willDelayInterval !== undefined) { buf[at++] = 0x18; at = buf.writeUInt32BE(p.willDelayInterval, at); }
  if (p.requestResponseInformation !== undefined) { buf[at++] = 0x19; buf[at++] = p.requestResponseInformation ? 1 : 0; }
  if (p.responseInformation !== undefined) { buf[at++] = 0x1a; at = writeString(buf, at, p.responseInformation); }
  if (p.serverReference !== undefined) { buf[at++] = 0x1c; at = writeString(buf, at, p.serverReference); }
  if (p.reasonString !== undefined) { buf[at++] = 0x1f; at = writeString(buf, at, p.reasonString); }
  if (p.receiveMaximum !== undefined) { buf[at++] = 0x21; at = buf.writeUInt16BE(p.receiveMaximum, at); }
  if (p.topicAliasMaximum !== undefined) { buf[at++] = 0x22; at = buf.writeUInt16BE(p.topicAliasMaximum, at); }
  if (p.topicAlias !== undefined) { buf[at++] = 0x23; at = buf.writeUInt16BE(p.topicAlias, at); }
  if (p.maximumQoS !== undefined) { buf[at++] = 0x24; buf[at++] = p.maximumQoS; }
  if (p.retainAvailable !== undefined) { buf[at++] = 0x25; buf[at++] = p.retainAvailable ? 1 : 0; }
  const users = p.userProperties;
  if (users !== undefined) {
    for (let i = 0; i < users.length; i++) { buf[at++] = 0x26; at = writeString(buf, at, users[i][0]); at = writeString(buf, at, users[i][1]); }
  }
  if (p.maximumPacketSize !== undefined) { buf[at++] = 0x27; at = buf.writeUInt32BE(p.maximumPacketSize, at); }
  if (p.wildcardSubscriptionAvailable !== undefined) { buf[at++] = 0x28; buf[at++] = p.wildcardSubscriptionAvailable ? 1 : 0; }
  if (p.subscriptionIdentifiersAvailable !== undefined) { buf[at++] = 0x29; buf[at++] = p.subscriptionIdentifiersAvailable ? 1 : 0; }
  if (p.sharedSubscriptionAvailable !== undefined) { buf[at++] = 0x2a; buf[at++] = p.sharedSubscriptionAvailable ? 1 : 0; }
  return at;
}

function writeString(buf: Buffer, at: number, s: string): number {
  const n = buf.write(s, at + 2, 'utf8');
  buf[at] = n >>> 8;
  buf[at + 1] = n & 0xff;
  return at + 2 + n;
}

function writeBinary(buf: Buffer, at: number, b: Uint8Array): number {
  buf[at] = b.length >>> 8;
  buf[at + 1] = b.length & 0xff;
  buf.set(b, at + 2);
  return at + 2 + b.length;
}

// Sizes of one property (identifier byte included), with the range check.
function uint16(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${name} ${v} is not a two byte integer`);
  return 3;
}

function uint32(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${name} ${v} is not a four byte integer`);
  return 5;
}

function string(s: string, name: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  if (n > 0xffff) throw new RangeError(`${name} is ${n} bytes in UTF-8, over 65,535`);
  return 3 + n;
}

function binary(b: Uint8Array, name: string): number {
  if (b.length > 0xffff) throw new RangeError(`${name} is ${b.length} bytes, over 65,535`);
  return 3 + b.length;
}
