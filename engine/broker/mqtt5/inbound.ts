/**
 * What the broker reads itself from an MQTT 5 client's packets, straight from the bytes: every property block, with
 * the checks of §2.2.2 (mqtt-packet accepts duplicates, wrong packets and out-of-range values, and loses the order of
 * User Properties), and the topic alias of a PUBLISH. mqtt-packet still parses the rest of the packets other than
 * PUBLISH; a packet refused here never reaches it.
 */
import { decodeProperties, MALFORMED_PACKET, PROTOCOL_ERROR, PropertyError, type Properties, type PropertyContext } from './properties.js';
import { REASON } from './reason-codes.js';

/** Why a packet is refused: the reason code for the DISCONNECT (or CONNACK) that answers it, and a sentence. */
export interface Refusal {
  reasonCode: number;
  message: string;
}

export interface ConnectProperties {
  properties: Properties;
  /** Present when the CONNECT has a will. */
  will?: Properties;
}

/** The property blocks of an MQTT 5 CONNECT (§3.1.2.11, §3.1.3.2) whose body is `buf[body..end)`. */
export function decodeConnectProperties(buf: Buffer, body: number, end: number): ConnectProperties | Refusal {
  let at = body + 2 + buf.readUInt16BE(body); // protocol name
  if (at + 4 > end) return malformed('CONNECT is cut short before its properties');
  const flags = buf[at + 1];
  at += 4; // level, flags, keep alive
  const properties: Properties = {};
  const afterProps = decodeProperties(buf, at, 'connect', properties, end);
  if (afterProps instanceof PropertyError) return afterProps;
  if ((flags & 0x04) === 0) return { properties };
  if (afterProps + 2 > end) return malformed('CONNECT is cut short in its client identifier');
  const willAt = afterProps + 2 + buf.readUInt16BE(afterProps); // client identifier
  const will: Properties = {};
  const afterWill = decodeProperties(buf, willAt, 'will', will, end);
  if (afterWill instanceof PropertyError) return afterWill;
  return { properties, will };
}

/** The context of the property block a client packet of `type` carries, and where the block starts; null: none. */
function propertyBlockOf(type: number, body: number, end: number): [PropertyContext, number] | null {
  switch (type) {
    case 4: return end - body > 3 ? ['puback', body + 3] : null; // a reason code alone has no properties
    case 5: return end - body > 3 ? ['pubrec', body + 3] : null;
    case 6: return end - body > 3 ? ['pubrel', body + 3] : null;
    case 7: return end - body > 3 ? ['pubcomp', body + 3] : null;
    case 8: return ['subscribe', body + 2];
    case 10: return ['unsubscribe', body + 2];
    case 14: return end - body > 1 ? ['disconnect', body + 1] : null;
    case 15: return end - body > 1 ? ['auth', body + 1] : null;
    default: return null; // PINGREQ has none; CONNECT and PUBLISH are read elsewhere
  }
}

/** Checks the property block of a client packet other than CONNECT and PUBLISH; its properties, or why it is refused. */
export function checkPacketProperties(type: number, buf: Buffer, body: number, end: number): Properties | Refusal {
  const block = propertyBlockOf(type, body, end);
  const properties: Properties = {};
  if (!block) return properties;
  const after = decodeProperties(buf, block[1], block[0], properties, end);
  return after instanceof PropertyError ? after : properties;
}

/** A decoded MQTT 5 PUBLISH, topic alias resolved. */
export interface Publish5 {
  topic: string;
  messageId: number;
  properties: Properties | undefined;
  payloadStart: number;
}

/**
 * Reads an MQTT 5 PUBLISH (§3.3) whose body is `buf[body..end)`: topic, packet identifier, properties; resolves and
 * records its Topic Alias in `aliases` (at most `aliasMaximum`). The Topic Alias itself is not kept in the properties:
 * aliases belong to one connection and are never forwarded.
 */
export function decodePublish5(buf: Buffer, body: number, end: number, qos: number, aliases: Map<number, string>, aliasMaximum: number): Publish5 | Refusal {
  if (end - body < 2) return malformed('PUBLISH is cut short in its topic name');
  const topicEnd = body + 2 + buf.readUInt16BE(body);
  const idEnd = qos > 0 ? topicEnd + 2 : topicEnd;
  if (idEnd > end) return malformed('PUBLISH is cut short in its topic name or packet identifier');
  let topic = buf.toString('utf8', body + 2, topicEnd);
  const messageId = qos > 0 ? buf.readUInt16BE(topicEnd) : 0;
  if (qos > 0 && messageId === 0) return { reasonCode: PROTOCOL_ERROR, message: 'PUBLISH with QoS > 0 has packet identifier 0 [MQTT-2.2.1-3]' };
  const properties: Properties = {};
  const payloadStart = decodeProperties(buf, idEnd, 'publish', properties, end);
  if (payloadStart instanceof PropertyError) return payloadStart;
  const alias = properties.topicAlias;
  if (alias !== undefined) {
    if (alias > aliasMaximum) {
      return { reasonCode: REASON.topicAliasInvalid, message: `PUBLISH uses Topic Alias ${alias}, over the Topic Alias Maximum of ${aliasMaximum} [MQTT-3.3.2-9]` };
    }
    if (topic.length > 0) aliases.set(alias, topic);
    else {
      const known = aliases.get(alias);
      if (known === undefined) return { reasonCode: PROTOCOL_ERROR, message: `PUBLISH uses Topic Alias ${alias} that this connection never set (§3.3.2.3.4)` };
      topic = known;
    }
    delete properties.topicAlias;
  } else if (topic.length === 0) {
    return { reasonCode: PROTOCOL_ERROR, message: 'PUBLISH has neither a topic name nor a Topic Alias (§3.3.2.3.4)' };
  }
  return { topic, messageId, properties: hasAny(properties) ? properties : undefined, payloadStart };
}

function hasAny(p: Properties): boolean {
  for (const _ in p) return true;
  return false;
}

function malformed(message: string): Refusal {
  return { reasonCode: MALFORMED_PACKET, message };
}
