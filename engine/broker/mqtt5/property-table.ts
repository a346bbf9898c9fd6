/**
 * The MQTT 5.0 property table (OASIS standard, §2.2.2.2): identifiers, value types, and which packets may carry each.
 * Data only; the decoder and encoder switch on the identifiers.
 */

/** The packet (or the will inside CONNECT) a property block belongs to. */
export type PropertyContext =
  | 'connect' | 'will' | 'connack' | 'publish' | 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'
  | 'subscribe' | 'suback' | 'unsubscribe' | 'unsuback' | 'disconnect' | 'auth';

export const PROPERTY = {
  payloadFormatIndicator: 0x01,
  messageExpiryInterval: 0x02,
  contentType: 0x03,
  responseTopic: 0x08,
  correlationData: 0x09,
  subscriptionIdentifier: 0x0b,
  sessionExpiryInterval: 0x11,
  assignedClientIdentifier: 0x12,
  serverKeepAlive: 0x13,
  authenticationMethod: 0x15,
  authenticationData: 0x16,
  requestProblemInformation: 0x17,
  willDelayInterval: 0x18,
  requestResponseInformation: 0x19,
  responseInformation: 0x1a,
  serverReference: 0x1c,
  reasonString: 0x1f,
  receiveMaximum: 0x21,
  topicAliasMaximum: 0x22,
  topicAlias: 0x23,
  maximumQoS: 0x24,
  retainAvailable: 0x25,
  userProperty: 0x26,
  maximumPacketSize: 0x27,
  wildcardSubscriptionAvailable: 0x28,
  subscriptionIdentifiersAvailable: 0x29,
  sharedSubscriptionAvailable: 0x2a,
} as const;

/** The specification's name of each property, for messages. */
export const PROPERTY_NAME: Readonly<Record<number, string>> = {
  0x01: 'Payload Format Indicator', 0x02: 'Message Expiry Interval', 0x03: 'Content Type', 0x08: 'Response Topic',
  0x09: 'Correlation Data', 0x0b: 'Subscription Identifier', 0x11: 'Session Expiry Interval',
  0x12: 'Assigned Client Identifier', 0x13: 'Server Keep Alive', 0x15: 'Authentication Method',
  0x16: 'Authentication Data', 0x17: 'Request Problem Information', 0x18: 'Will Delay Interval',
  0x19: 'Request Response Information', 0x1a: 'Response Information', 0x1c: 'Server Reference', 0x1f: 'Reason String',
  0x21: 'Receive Maximum', 0x22: 'Topic Alias Maximum', 0x23: 'Topic Alias', 0x24: 'Maximum QoS',
  0x25: 'Retain Available', 0x26: 'User Property', 0x27: 'Maximum Packet Size',
  0x28: 'Wildcard Subscription Available', 0x29: 'Subscription Identifier Available',
  0x2a: 'Shared Subscription Available',
};

/** The packet names the specification uses, for messages. */
export const CONTEXT_NAME: Readonly<Record<PropertyContext, string>> = {
  connect: 'CONNECT', will: 'CONNECT (will properties)', connack: 'CONNACK', publish: 'PUBLISH', puback: 'PUBACK',
  pubrec: 'PUBREC', pubrel: 'PUBREL', pubcomp: 'PUBCOMP', subscribe: 'SUBSCRIBE', suback: 'SUBACK',
  unsubscribe: 'UNSUBSCRIBE', unsuback: 'UNSUBACK', disconnect: 'DISCONNECT', auth: 'AUTH',
};

// One bit per context, for the allow-list.
const CONNECT = 1 << 0, WILL = 1 << 1, CONNACK = 1 << 2, PUBLISH = 1 << 3, PUBACK = 1 << 4, PUBREC = 1 << 5,
  PUBREL = 1 << 6, PUBCOMP = 1 << 7, SUBSCRIBE = 1 << 8, SUBACK = 1 << 9, UNSUBSCRIBE = 1 << 10, UNSUBACK = 1 << 11,
  DISCONNECT = 1 << 12, AUTH = 1 << 13;

export function contextBit(context: PropertyContext): number {
  switch (context) {
    case 'connect': return CONNECT;
    case 'will': return WILL;
    case 'connack': return CONNACK;
    case 'publish': return PUBLISH;
    case 'puback': return PUBACK;
    case 'pubrec': return PUBREC;
    case 'pubrel': return PUBREL;
    case 'pubcomp': return PUBCOMP;
    case 'subscribe': return SUBSCRIBE;
    case 'suback': return SUBACK;
    case 'unsubscribe': return UNSUBSCRIBE;
    case 'unsuback': return UNSUBACK;
    case 'disconnect': return DISCONNECT;
    case 'auth': return AUTH;
  }
}

/** ALLOWED[id] = the contexts that may carry property `id` (0 = no such property). Table of §2.2.2.2. */
export const ALLOWED = new Uint16Array(0x2b);
ALLOWED[0x01] = PUBLISH | WILL;
ALLOWED[0x02] = PUBLISH | WILL;
ALLOWED[0x03] = PUBLISH | WILL;
ALLOWED[0x08] = PUBLISH | WILL;
ALLOWED[0x09] = PUBLISH | WILL;
ALLOWED[0x0b] = PUBLISH | SUBSCRIBE;
ALLOWED[0x11] = CONNECT | CONNACK | DISCONNECT;
ALLOWED[0x12] = CONNACK;
ALLOWED[0x13] = CONNACK;
ALLOWED[0x15] = CONNECT | CONNACK | AUTH;
ALLOWED[0x16] = CONNECT | CONNACK | AUTH;
ALLOWED[0x17] = CONNECT;
ALLOWED[0x18] = WILL;
ALLOWED[0x19] = CONNECT;
ALLOWED[0x1a] = CONNACK;
ALLOWED[0x1c] = CONNACK | DISCONNECT;
ALLOWED[0x1f] = CONNACK | PUBACK | PUBREC | PUBREL | PUBCOMP | SUBACK | UNSUBACK | DISCONNECT | AUTH;
ALLOWED[0x21] = CONNECT | CONNACK;
ALLOWED[0x22] = CONNECT | CONNACK;
ALLOWED[0x23] = PUBLISH;
ALLOWED[0x24] = CONNACK;
ALLOWED[0x25] = CONNACK;
ALLOWED[0x26] = CONNECT | CONNACK | PUBLISH | WILL | PUBACK | PUBREC | PUBREL | PUBCOMP | SUBSCRIBE | SUBACK
  | UNSUBSCRIBE | UNSUBACK | DISCONNECT | AUTH;
ALLOWED[0x27] = CONNECT | CONNACK;
ALLOWED[0x28] = CONNACK;
ALLOWED[0x29] = CONNACK;
ALLOWED[0x2a] = CONNACK;

/** Whether property `id` may appear in `context` (§2.2.2.2). */
export function isAllowed(id: number, context: PropertyContext): boolean {
  return id < ALLOWED.length && (ALLOWED[id] & contextBit(context)) !== 0;
}

/** Where the specification describes property `id` in `context`, e.g. '§3.3.2.3.4'; '§2.2.2.2' if nowhere. */
export function sectionOf(id: number, context: PropertyContext): string {
  const section = SECTIONS[context][id];
  return section === undefined ? '§2.2.2.2' : `§${section}`;
}

const SECTIONS: Readonly<Record<PropertyContext, Readonly<Record<number, string>>>> = {
  connect: { 0x11: '3.1.2.11.2', 0x21: '3.1.2.11.3', 0x27: '3.1.2.11.4', 0x22: '3.1.2.11.5', 0x19: '3.1.2.11.6',
    0x17: '3.1.2.11.7', 0x26: '3.1.2.11.8', 0x15: '3.1.2.11.9', 0x16: '3.1.2.11.10' },
  will: { 0x18: '3.1.3.2.2', 0x01: '3.1.3.2.3', 0x02: '3.1.3.2.4', 0x03: '3.1.3.2.5', 0x08: '3.1.3.2.6',
    0x09: '3.1.3.2.7', 0x26: '3.1.3.2.8' },
  connack: { 0x11: '3.2.2.3.2', 0x21: '3.2.2.3.3', 0x24: '3.2.2.3.4', 0x25: '3.2.2.3.5', 0x27: '3.2.2.3.6',
    0x12: '3.2.2.3.7', 0x22: '3.2.2.3.8', 0x1f: '3.2.2.3.9', 0x26: '3.2.2.3.10', 0x28: '3.2.2.3.11',
    0x29: '3.2.2.3.12', 0x2a: '3.2.2.3.13', 0x13: '3.2.2.3.14', 0x1a: '3.2.2.3.15', 0x1c: '3.2.2.3.16',
    0x15: '3.2.2.3.17', 0x16: '3.2.2.3.18' },
  publish: { 0x01: '3.3.2.3.2', 0x02: '3.3.2.3.3', 0x23: '3.3.2.3.4', 0x08: '3.3.2.3.5', 0x09: '3.3.2.3.6',
    0x26: '3.3.2.3.7', 0x0b: '3.3.2.3.8', 0x03: '3.3.2.3.9' },
  puback: { 0x1f: '3.4.2.2.2', 0x26: '3.4.2.2.3' },
  pubrec: { 0x1f: '3.5.2.2.2', 0x26: '3.5.2.2.3' },
  pubrel: { 0x1f: '3.6.2.2.2', 0x26: '3.6.2.2.3' },
  pubcomp: { 0x1f: '3.7.2.2.2', 0x26: '3.7.2.2.3' },
  subscribe: { 0x0b: '3.8.2.1.2', 0x26: '3.8.2.1.3' },
  suback: { 0x1f: '3.9.2.1.2', 0x26: '3.9.2.1.3' },
  unsubscribe: { 0x26: '3.10.2.1.2' },
  unsuback: { 0x1f: '3.11.2.1.2', 0x26: '3.11.2.1.3' },
  disconnect: { 0x11: '3.14.2.2.2', 0x1f: '3.14.2.2.3', 0x26: '3.14.2.2.4', 0x1c: '3.14.2.2.5' },
  auth: { 0x15: '3.15.2.2.2', 0x16: '3.15.2.2.3', 0x1f: '3.15.2.2.4', 0x26: '3.15.2.2.5' },
};
