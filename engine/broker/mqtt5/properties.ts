/**
 * MQTT 5 property blocks (OASIS MQTT 5.0 §2.2.2): decode and validate one block from a Buffer, for a given packet.
 * User Properties stay an ordered list of [name, value] pairs, duplicates included ([MQTT-3.3.2-17/18]); mqtt-packet
 * groups them by name and loses their order, which is why the broker decodes properties itself.
 * Encoding is in property-encoder.ts. Errors are returned, not thrown: a PropertyError carries the reason code the
 * specification assigns (0x81 Malformed Packet, 0x82 Protocol Error) for the DISCONNECT or CONNACK that answers it.
 */
import { checkUtf8, UTF8_NULL, UTF8_OK, UTF8_SURROGATE } from './utf8.js';
import {
  readVariableByteInteger, variableByteIntegerLength, VBI_TOO_LONG, VBI_TRUNCATED,
} from './variable-byte-integer.js';
import { ALLOWED, CONTEXT_NAME, PROPERTY_NAME, contextBit, sectionOf, type PropertyContext } from './property-table.js';

export type { PropertyContext } from './property-table.js';
export { PROPERTY, PROPERTY_NAME, isAllowed } from './property-table.js';
export * from './variable-byte-integer.js';

/** One User Property: [name, value]. */
export type UserProperty = [name: string, value: string];

/**
 * The properties of one packet. Names follow mqtt-packet's where the meaning is the same; the differences:
 * `userProperties` is an ordered list of pairs, `subscriptionIdentifiers` is a list (a server-sent PUBLISH may carry
 * several; SUBSCRIBE carries at most one), one-byte flags are booleans, `maximumQoS` is 0 or 1.
 * Binary values (correlation data, authentication data) are copies, not views of the packet. The decoder never leaves
 * a list empty (it is absent instead); the encoder writes nothing for an empty list.
 */
export interface Properties {
  payloadFormatIndicator?: boolean; // true: the payload is UTF-8 (value 1)
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  subscriptionIdentifiers?: number[];
  sessionExpiryInterval?: number;
  assignedClientIdentifier?: string;
  serverKeepAlive?: number;
  authenticationMethod?: string;
  authenticationData?: Buffer;
  requestProblemInformation?: boolean;
  willDelayInterval?: number;
  requestResponseInformation?: boolean;
  responseInformation?: string;
  serverReference?: string;
  reasonString?: string;
  receiveMaximum?: number;
  topicAliasMaximum?: number;
  topicAlias?: number;
  maximumQoS?: 0 | 1;
  retainAvailable?: boolean;
  userProperties?: UserProperty[];
  maximumPacketSize?: number;
  wildcardSubscriptionAvailable?: boolean;
  subscriptionIdentifiersAvailable?: boolean;
  sharedSubscriptionAvailable?: boolean;
}

export const MALFORMED_PACKET = 0x81;
export const PROTOCOL_ERROR = 0x82;
export type PropertyReasonCode = typeof MALFORMED_PACKET | typeof PROTOCOL_ERROR;

/** Why a property block was refused: the reason code, a sentence, and the clause of the specification. */
export class PropertyError extends Error {
  constructor(
    readonly reasonCode: PropertyReasonCode,
    message: string,
    /** A normative statement, e.g. '[MQTT-3.3.2-8]', or the section that states the rule, e.g. '§3.1.2.11.3'. */
    readonly clause: string,
    /** The property identifier concerned, if one is. */
    readonly propertyId?: number,
  ) {
    super(message);
    this.name = 'PropertyError';
  }
}

export interface DecodedProperties { properties: Properties; end: number }

/** decodeProperties into a new object, with where the block ends. */
export function decodePropertyBlock(
  buf: Buffer, offset: number, context: PropertyContext, limit = buf.length, fromServer = false,
): DecodedProperties | PropertyError {
  const properties: Properties = {};
  const end = decodeProperties(buf, offset, context, properties, limit, fromServer);
  return typeof end === 'number' ? { properties, end } : end;
}

// Read position of the decode in progress (decoding is synchronous; this saves returning pairs).
let pos = 0;

/**
 * Decodes the property block (Property Length, then the properties) at `offset` into `into` (an empty object),
 * checking every rule of §2.2.2 and of each property's section for `context`. The block must end by `limit` (the end
 * of the packet). `fromServer`: the packet was sent by a server (allows several Subscription Identifiers in PUBLISH,
 * forbids Session Expiry Interval in DISCONNECT); the broker decodes client packets and leaves it false.
 * Returns the offset just after the block, or the PropertyError (then `into` is partly filled: discard it).
 */
export function decodeProperties(
  buf: Buffer, offset: number, context: PropertyContext, into: Properties, limit = buf.length, fromServer = false,
): number | PropertyError {
  const length = readVariableByteInteger(buf, offset, limit);
  if (length < 0) return badLength(length, context);
  pos = offset + variableByteIntegerLength(length);
  const end = pos + length;
  if (end > limit) {
    return new PropertyError(MALFORMED_PACKET, `the ${CONTEXT_NAME[context]} Property Length (${length}) runs past the end of the packet`, '§2.2.2.1');
  }
  const bit = contextBit(context);
  let seenLow = 0; // ids 0..31
  let seenHigh = 0; // ids 32..42
  while (pos < end) {
    const id = buf[pos];
    if (id >= ALLOWED.length || ALLOWED[id] === 0) {
      return new PropertyError(MALFORMED_PACKET, `${CONTEXT_NAME[context]} carries an unknown property identifier 0x${id.toString(16).padStart(2, '0')}`, '§2.2.2.2', id);
    }
    if ((ALLOWED[id] & bit) === 0) {
      return new PropertyError(MALFORMED_PACKET, `${PROPERTY_NAME[id]} is not allowed in ${CONTEXT_NAME[context]}`, '§2.2.2.2', id);
    }
    if (id !== 0x26 && !(id === 0x0b && fromServer && context === 'publish')) {
      const mask = 1 << (id & 31);
      const seen = id < 32 ? seenLow : seenHigh;
      if ((seen & mask) !== 0) {
        return new PropertyError(PROTOCOL_ERROR, `${CONTEXT_NAME[context]} carries ${PROPERTY_NAME[id]} more than once`, sectionOf(id, context), id);
      }
      if (id < 32) seenLow |= mask; else seenHigh |= mask;
    }
    pos++;
    const problem = readProperty(buf, end, id, context, into, fromServer);
    if (problem !== null) return problem;
  }
  if (context === 'connect' && into.authenticationData !== undefined && into.authenticationMethod === undefined) {
    return new PropertyError(PROTOCOL_ERROR, 'CONNECT carries Authentication Data without an Authentication Method', '§3.1.2.11.10', 0x16);
  }
  return end;
}

/** Reads the value of property `id` at `pos` into `into`; null, or why it is refused. */
function readProperty(buf: Buffer, end: number, id: number, context: PropertyContext, into: Properties, fromServer: boolean): PropertyError | null {
  switch (id) {
    case 0x01: { const v = readFlag(buf, end, id, context); if (typeof v !== 'boolean') return v; into.payloadFormatIndicator = v; return null; }
    case 0x02: { const v = readUint32(buf, end, id, context); if (typeof v !== 'number') return v; into.messageExpiryInterval = v; return null; }
    case 0x03: { const v = readString(buf, end, id, context); if (typeof v !== 'string') return v; into.contentType = v; return null; }
    case 0x08: {
      const v = readString(buf, end, id, context);
      if (typeof v !== 'string') return v;
      if (v.indexOf('+') !== -1 || v.indexOf('#') !== -1) {
        return new PropertyError(PROTOCOL_ERROR, `the Response Topic "${v}" in ${CONTEXT_NAME[context]} contains a wildcard`, context === 'publish' ? '[MQTT-3.3.2-14]' : sectionOf(id, context), id);
      }
      into.responseTopic = v;
      return null;
    }
    case 0x09: { const v = readBinary(buf, end, id, context); if (!Buffer.isBuffer(v)) return v; into.correlationData = v; return null; }
    case 0x0b: {
      const v = readVariableByteInteger(buf, pos, end);
      if (v < 0) return v === VBI_TRUNCATED ? overrun(id, context) : badInteger(v, id, context);
      pos += variableByteIntegerLength(v);
      if (v === 0) return new PropertyError(PROTOCOL_ERROR, `${CONTEXT_NAME[context]} carries Subscription Identifier 0; it must be 1 to 268,435,455`, sectionOf(id, context), id);
      if (context === 'publish' && !fromServer) {
        return new PropertyError(PROTOCOL_ERROR, 'a PUBLISH sent by a client carries a Subscription Identifier', '[MQTT-3.3.4-6]', id);
      }
      if (into.subscriptionIdentifiers === undefined) into.subscriptionIdentifiers = [v]; else into.subscriptionIdentifiers.push(v);
      return null;
    }
    case 0x11: {
      const v = readUint32(buf, end, id, context);
      if (typeof v !== 'number') return v;
      if (context === 'disconnect' && fromServer) {
        return new PropertyError(PROTOCOL_ERROR, 'a DISCONNECT sent by the server carries a Session Expiry Interval', '[MQTT-3.14.2-2]', id);
      }
      into.sessionExpiryInterval = v;
      return null;
    }
    case 0x12: { const v = readString(buf, end, id, context); if (typeof v !== 'string') return v; into.assignedClientIdentifier = v; return null; }
    case 0x13: { const v = readUint16(buf, end, id, context); if (typeof v !== 'number') return v; into.serverKeepAlive = v; return null; }
    case 0x15: { const v = readString(buf, end, id, context); if (typeof v !== 'string') return v; into.authenticationMethod = v; return null; }
    case 0x16: { const v = readBinary(buf, end, id, context); if (!Buffer.isBuffer(v)) return v; into.authenticationData = v; return null; }
    case 0x17: { const v = readFlag(buf, end, id, context); if (typeof v !== 'boolean') return v; into.requestProblemInformation = v; return null; }
    case 0x18: { const v = readUint32(buf, end, id, context); if (typeof v !== 'number') return v; into.willDelayInterval = v; return null; }
    case 0x19: { const v = readFlag(buf, end, id, context); if (typeof v !== 'boolean') return v; into.requestResponseInformation = v; return null; }
    case 0x1a: { const v = readString(buf, end, id, context); if (typeof v !== 'string') return v; into.responseInformation = v; return null; }
    case 0x1c: { const v = readString(buf, end, id, context); if (typeof v !== 'string') return v; into.serverReference = v; return null; }
    case 0x1f: { const v = readString(buf, end, id, context); if (typeof v !== 'string') return v; into.reasonString = v; return null; }
    case 0x21: { const v = readNonZeroUint16(buf, end, id, context); if (typeof v !== 'number') return v; into.receiveMaximum = v; return null; }
    case 0x22: { const v = readUint16(buf, end, id, context); if (typeof v !== 'number') return v; into.topicAliasMaximum = v; return null; }
    case 0x23: { const v = readNonZeroUint16(buf, end, id, context); if (typeof v !== 'number') return v; into.topicAlias = v; return null; }
    case 0x24: { const v = readFlag(buf, end, id, context); if (typeof v !== 'boolean') return v; into.maximumQoS = v ? 1 : 0; return null; }
    case 0x25: { const v = readFlag(buf, end, id, context); if (typeof v !== 'boolean') return v; into.retainAvailable = v; return null; }
    case 0x26: {
      const name = readString(buf, end, id, context);
      if (typeof name !== 'string') return name;
      const value = readString(buf, end, id, context);
      if (typeof value !== 'string') return value;
      if (into.userProperties === undefined) into.userProperties = [[name, value]]; else into.userProperties.push([name, value]);
      return null;
    }
    case 0x27: {
      if (pos + 4 > end) return overrun(id, context);
      const v = buf.readUInt32BE(pos);
      pos += 4;
      if (v === 0) return new PropertyError(PROTOCOL_ERROR, `${CONTEXT_NAME[context]} carries Maximum Packet Size 0`, sectionOf(id, context), id);
      into.maximumPacketSize = v;
      return null;
    }
    case 0x28: { const v = readFlag(buf, end, id, context); if (typeof v !== 'boolean') return v; into.wildcardSubscriptionAvailable = v; return null; }
    case 0x29: { const v = readFlag(buf, end, id, context); if (typeof v !== 'boolean') return v; into.subscriptionIdentifiersAvailable = v; return null; }
    case 0x2a: { const v = readFlag(buf, end, id, context); if (typeof v !== 'boolean') return v; into.sharedSubscriptionAvailable = v; return null; }
    default: return new PropertyError(MALFORMED_PACKET, `unknown property identifier 0x${id.toString(16)}`, '§2.2.2.2', id);
  }
}

function overrun(id: number, context: PropertyContext): PropertyError {
  return new PropertyError(MALFORMED_PACKET, `${PROPERTY_NAME[id]} runs past the end of the ${CONTEXT_NAME[context]} Property Length`, '§2.2.2.1', id);
}

function badLength(code: number, context: PropertyContext): PropertyError {
  if (code === VBI_TRUNCATED) return new PropertyError(MALFORMED_PACKET, `the ${CONTEXT_NAME[context]} Property Length is missing or cut short`, '§2.2.2.1');
  return badInteger(code, undefined, context);
}

function badInteger(code: number, id: number | undefined, context: PropertyContext): PropertyError {
  const what = id === undefined ? `the ${CONTEXT_NAME[context]} Property Length` : `${PROPERTY_NAME[id]} in ${CONTEXT_NAME[context]}`;
  return code === VBI_TOO_LONG
    ? new PropertyError(MALFORMED_PACKET, `${what} is a Variable Byte Integer longer than four bytes`, '§1.5.5', id)
    : new PropertyError(MALFORMED_PACKET, `${what} is a Variable Byte Integer not encoded in the fewest bytes`, '[MQTT-1.5.5-1]', id);
}

function readFlag(buf: Buffer, end: number, id: number, context: PropertyContext): boolean | PropertyError {
  if (pos + 1 > end) return overrun(id, context);
  const v = buf[pos++];
  if (v > 1) return new PropertyError(PROTOCOL_ERROR, `${CONTEXT_NAME[context]} carries ${PROPERTY_NAME[id]} ${v}; it must be 0 or 1`, sectionOf(id, context), id);
  return v === 1;
}

function readUint16(buf: Buffer, end: number, id: number, context: PropertyContext): number | PropertyError {
  if (pos + 2 > end) return overrun(id, context);
  const v = (buf[pos] << 8) | buf[pos + 1];
  pos += 2;
  return v;
}

function readNonZeroUint16(buf: Buffer, end: number, id: number, context: PropertyContext): number | PropertyError {
  const v = readUint16(buf, end, id, context);
  if (v !== 0) return v;
  const clause = id === 0x23 ? '[MQTT-3.3.2-8]' : sectionOf(id, context);
  return new PropertyError(PROTOCOL_ERROR, `${CONTEXT_NAME[context]} carries ${PROPERTY_NAME[id]} 0, which is not permitted`, clause, id);
}

function readUint32(buf: Buffer, end: number, id: number, context: PropertyContext): number | PropertyError {
  if (pos + 4 > end) return overrun(id, context);
  const v = buf.readUInt32BE(pos);
  pos += 4;
  return v;
}

function readString(buf: Buffer, end: number, id: number, context: PropertyContext): string | PropertyError {
  if (pos + 2 > end) return overrun(id, context);
  const start = pos + 2;
  const stop = start + ((buf[pos] << 8) | buf[pos + 1]);
  if (stop > end) return overrun(id, context);
  const check = checkUtf8(buf, start, stop);
  if (check !== UTF8_OK) {
    const where = `${PROPERTY_NAME[id]} in ${CONTEXT_NAME[context]}`;
    if (check === UTF8_NULL) return new PropertyError(MALFORMED_PACKET, `${where} contains the null character U+0000`, '[MQTT-1.5.4-2]', id);
    if (check === UTF8_SURROGATE) return new PropertyError(MALFORMED_PACKET, `${where} encodes a UTF-16 surrogate (U+D800..U+DFFF)`, '[MQTT-1.5.4-1]', id);
    return new PropertyError(MALFORMED_PACKET, `${where} is not well-formed UTF-8`, '[MQTT-1.5.4-1]', id);
  }
  pos = stop;
  return buf.toString('utf8', start, stop);
}

function readBinary(buf: Buffer, end: number, id: number, context: PropertyContext): Buffer | PropertyError {
  if (pos + 2 > end) return overrun(id, context);
  const start = pos + 2;
  const stop = start + ((buf[pos] << 8) | buf[pos + 1]);
  if (stop > end) return overrun(id, context);
  pos = stop;
  const copy = Buffer.allocUnsafe(stop - start);
  buf.copy(copy, 0, start, stop);
  return copy;
}
