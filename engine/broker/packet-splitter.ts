/**
 * Splits a connection's bytes into MQTT packets before aedes' parser sees them, for two reasons:
 * - an oversized or malformed fixed header closes the connection before anything of the packet is buffered;
 * - PUBLISH and PUBACK, nearly all of the traffic, are decoded here straight from the socket chunk. mqtt-packet's
 *   parser keeps its input in a BufferList and slices it three times per packet; every other packet (and every
 *   packet of an MQTT 5 connection, whose PUBLISH and PUBACK carry more) still goes to it, whole and in order.
 * A PUBLISH that does not decode cleanly (QoS 3, a truncated topic) also goes to mqtt-packet, so that the error it
 * reports, and the closed connection that follows, stay aedes' own.
 * On an MQTT 5 connection every property block is read and checked here (mqtt5/inbound.ts) before anything goes on,
 * PUBLISH is decoded here with its properties and topic alias, and a refused packet closes the connection with the
 * DISCONNECT reason code the specification assigns.
 */
import { decodeConnectProperties, decodePublish5, checkPacketProperties, type ConnectProperties, type Refusal } from './mqtt5/inbound.js';
import type { Mqtt5Connection } from './mqtt5/connection.js';
import type { Properties } from './mqtt5/properties.js';
import { REASON } from './mqtt5/reason-codes.js';
import { readVariableByteInteger, variableByteIntegerLength } from './mqtt5/variable-byte-integer.js';
import { encodeConnack5 } from './mqtt5/wire.js';
import { CONNACK_UNACCEPTABLE_LEVEL, CONNACK_UNSUPPORTED_VERSION } from './connack-refusals.js';

/** The shape of mqtt-packet's PUBLISH packets (what aedes expects from the parser). */
class PublishPacket {
  readonly cmd = 'publish';
  declare messageId?: number;
  /** MQTT 5 only. */
  declare properties?: Properties;

  constructor(
    readonly retain: boolean,
    readonly qos: number,
    readonly dup: boolean,
    readonly length: number,
    readonly topic: string,
    readonly payload: Buffer,
  ) {}
}

/** The shape of mqtt-packet's PUBACK packets: every QoS 1 delivery brings one back. */
class PubackPacket {
  readonly cmd = 'puback';
  readonly retain = false;
  readonly qos = 0;
  readonly dup = false;
  readonly length = 2;
  readonly topic = null;
  readonly payload = null;

  constructor(readonly messageId: number) {}
}

/** What the splitter feeds: the original mqtt-packet parser. */
export interface PacketParser {
  /** mqtt-packet's own parse, for everything not decoded here. */
  parse(buf: Buffer): unknown;
  emit(event: 'packet', packet: object): unknown;
}

export class PacketSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the buffered packet needs before it can be looked at again. */
  private needed = 0;
  /** Once mqtt-packet was handed a bad packet, it gets everything (it reports the error; aedes closes). */
  private delegated = false;
  /** Once a packet was refused, nothing more is read. */
  private stopped = false;
  /** What to write before closing a connection refused before its CONNACK (a CONNACK in the client's version). */
  closingPacket: Buffer | undefined;
  /** Why an MQTT 5 packet was refused: the reason code of the DISCONNECT that closes the connection. */
  refusal: Refusal | undefined;
  /** The connection's MQTT 5 state, once its CONNECT said level 5 and was let through. */
  mqtt5: Mqtt5Connection | undefined;
  /** The property blocks of the CONNECT being handed on (MQTT 5). */
  connectProperties: ConnectProperties | undefined;
  /** The properties of the MQTT 5 packet being handed to mqtt-packet, as read here (ordered user properties). */
  properties: Properties | undefined;

  constructor(private readonly maxPacketBytes: number, private readonly parser: PacketParser, private readonly parse: (buf: Buffer) => unknown) {}

  /** Returns why the connection must be closed, else null. */
  feed(chunk: Buffer): string | null {
    if (this.stopped) return null;
    const problem = this.take(chunk);
    if (problem) this.stopped = true;
    return problem;
  }

  private take(chunk: Buffer): string | null {
    let rest = chunk;
    // A packet begun in an earlier chunk: copy only the bytes it still misses, then go on in place.
    while (this.buffered > 0 && rest.length > 0 && !this.delegated) {
      const missing = this.needed - this.buffered;
      if (rest.length < missing) {
        this.chunks.push(rest);
        this.buffered += rest.length;
        return null;
      }
      this.chunks.push(rest.subarray(0, missing));
      const head = Buffer.concat(this.chunks, this.needed);
      rest = rest.subarray(missing);
      this.chunks = [];
      this.buffered = 0;
      const problem = this.split(head);
      if (problem) return problem;
    }
    if (this.delegated) {
      if (rest.length) this.parse(rest);
      return null;
    }
    return rest.length ? this.split(rest) : null;
  }

  /** Hands on every whole packet in `buf`; keeps a trailing partial one for the next chunk. */
  private split(buf: Buffer): string | null {
    let at = 0;
    while (at < buf.length) {
      // Fixed header: one byte of type and flags, then 1–4 bytes of remaining length [MQTT-2.2.3].
      let remaining = 0;
      let multiplier = 1;
      let body = -1;
      for (let i = at + 1; i < buf.length && i < at + 5; i++) {
        remaining += (buf[i] & 0x7f) * multiplier;
        multiplier *= 128;
        if ((buf[i] & 0x80) === 0) {
          body = i + 1;
          break;
        }
      }
      if (body < 0) {
        if (buf.length - at >= 5) return 'malformed remaining length';
        this.keep(buf.subarray(at), buf.length - at + 1); // the header itself is incomplete
        return null;
      }
      if (remaining > this.maxPacketBytes) {
        return this.refuse({ reasonCode: REASON.packetTooLarge, message: `packet of ${remaining} bytes exceeds the limit of ${this.maxPacketBytes}` });
      }
      const end = body + remaining;
      if (end > buf.length) {
        this.keep(buf.subarray(at), end - at);
        return null;
      }
      const type = buf[at] >> 4;
      if (type === 1) {
        const level = connectLevel(buf, body, end);
        if (level !== undefined && (level < 3 || level > 5)) {
          this.closingPacket = level > 5 ? CONNACK_UNSUPPORTED_VERSION : CONNACK_UNACCEPTABLE_LEVEL;
          const id = connectClientId(buf, body, end, level);
          return `${id === undefined ? 'a client' : `client ${JSON.stringify(id)}`} asked for MQTT protocol level ${level}, which this broker does not speak (3 and 4 are MQTT 3.1 and 3.1.1, 5 is MQTT 5): CONNACK ${level > 5 ? '0x84' : '0x01'}`;
        }
        if (level === 5) {
          const decoded = decodeConnectProperties(buf, body, end);
          if ('reasonCode' in decoded) {
            this.closingPacket = encodeConnack5(false, decoded.reasonCode, { reasonString: decoded.message });
            const id = connectClientId(buf, body, end, level);
            return `MQTT 5 CONNECT${id === undefined ? '' : ` of client ${JSON.stringify(id)}`} refused with CONNACK 0x${decoded.reasonCode.toString(16)}: ${decoded.message}`;
          }
          this.connectProperties = decoded;
        }
      }
      if (this.mqtt5) {
        const problem = this.splitMqtt5(buf, at, body, end, type);
        if (problem) return problem;
      } else if (type !== 3 && type !== 4) this.parse(buf.subarray(at, end));
      else if (type === 4) {
        // PUBACK: flags 0 and a 2-byte message id [MQTT-3.4]; anything else is mqtt-packet's to refuse.
        if (buf[at] === 0x40 && remaining === 2) this.parser.emit('packet', new PubackPacket(buf.readUInt16BE(body)));
        else this.parse(buf.subarray(at, end));
      } else if (!this.publish(buf, at, body, end)) {
        this.delegated = true;
        this.parse(buf.subarray(at));
        return null;
      }
      at = end;
    }
    return null;
  }

  /** One whole packet of an MQTT 5 connection; why it is refused, or null. */
  private splitMqtt5(buf: Buffer, at: number, body: number, end: number, type: number): string | null {
    const connection = this.mqtt5!;
    if (type === 3) {
      const flags = buf[at];
      const qos = (flags >> 1) & 3;
      if (qos === 3) return this.refuse({ reasonCode: REASON.malformedPacket, message: 'PUBLISH with QoS 3 [MQTT-3.3.1-4]' });
      const decoded = decodePublish5(buf, body, end, qos, connection.aliases, connection.server.topicAliasMaximum);
      if ('reasonCode' in decoded) return this.refuse(decoded);
      if (qos > 0 && ++connection.inFlightIn > connection.server.receiveMaximum) {
        return this.refuse({ reasonCode: REASON.receiveMaximumExceeded, message: `more than the Receive Maximum of ${connection.server.receiveMaximum} QoS 1 and 2 PUBLISHes unacknowledged [MQTT-3.3.4-9]` });
      }
      const packet = new PublishPacket((flags & 1) !== 0, qos, (flags & 8) !== 0, end - body, decoded.topic, buf.subarray(decoded.payloadStart, end));
      if (qos > 0) packet.messageId = decoded.messageId;
      if (decoded.properties) packet.properties = decoded.properties;
      this.parser.emit('packet', packet);
      return null;
    }
    if (type === 4 && buf[at] === 0x40 && end - body === 2) {
      this.parser.emit('packet', new PubackPacket(buf.readUInt16BE(body)));
      return null;
    }
    const properties = checkPacketProperties(type, buf, body, end);
    if ('reasonCode' in properties) return this.refuse(properties as Refusal);
    this.properties = properties;
    this.parse(buf.subarray(at, end));
    this.properties = undefined;
    return null;
  }

  /** Refuses the connection's packet: on MQTT 5, with a DISCONNECT reason code. */
  private refuse(refusal: Refusal): string {
    if (this.mqtt5) this.refusal = refusal;
    return refusal.message;
  }

  private keep(rest: Buffer, needed: number): void {
    this.chunks = [rest];
    this.buffered = rest.length;
    this.needed = needed;
  }

  /** Decodes and emits a PUBLISH (MQTT 3.1.1 §3.3); false when it is malformed. */
  private publish(buf: Buffer, at: number, body: number, end: number): boolean {
    const flags = buf[at];
    const qos = (flags >> 1) & 3;
    if (qos === 3 || end - body < 2) return false;
    const topicEnd = body + 2 + buf.readUInt16BE(body);
    if (topicEnd > end || (qos > 0 && topicEnd + 2 > end)) return false;
    const payloadStart = qos > 0 ? topicEnd + 2 : topicEnd;
    const packet = new PublishPacket((flags & 1) !== 0, qos, (flags & 8) !== 0, end - body, buf.toString('utf8', body + 2, topicEnd), buf.subarray(payloadStart, end));
    if (qos > 0) packet.messageId = buf.readUInt16BE(topicEnd);
    this.parser.emit('packet', packet);
    return true;
  }
}

/** A CONNECT's protocol level byte, after the protocol name [MQTT-3.1.2-2]; undefined when the packet is too short. */
function connectLevel(buf: Buffer, body: number, end: number): number | undefined {
  if (end - body < 2) return undefined;
  const levelAt = body + 2 + buf.readUInt16BE(body);
  return levelAt < end ? buf[levelAt] : undefined;
}

/**
 * The client identifier of a CONNECT at an unknown protocol level, for the log: read as MQTT 5 lays it out from level 5
 * up (a property block before it), as MQTT 3.1.1 below; undefined when it does not parse.
 */
function connectClientId(buf: Buffer, body: number, end: number, level: number): string | undefined {
  let at = body + 2 + buf.readUInt16BE(body) + 4; // protocol name, level, flags, keep alive
  if (level >= 5) {
    const length = readVariableByteInteger(buf, at, end); // the property block's length
    if (length < 0) return undefined;
    at += variableByteIntegerLength(length) + length;
  }
  if (at + 2 > end) return undefined;
  const stop = at + 2 + buf.readUInt16BE(at);
  return stop <= end ? buf.toString('utf8', at + 2, Math.min(stop, at + 2 + 128)) : undefined;
}
