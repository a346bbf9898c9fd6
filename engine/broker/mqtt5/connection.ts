/**
 * One MQTT 5 connection: what its CONNECT asked for, what the broker granted in CONNACK, the per-connection state
 * MQTT 5 adds (inbound topic aliases, the inbound receive window, reason codes waiting for their acknowledgement),
 * and the translation of the packets aedes writes (which it builds as MQTT 3.1.1 packets) into MQTT 5 bytes.
 * aedes-agnostic: it sees packets as plain objects and writes Buffers to a stream.
 */
import { topicMatches } from '../../contract/index.js';
import { innerFilter } from '../shared-subscriptions.js';
import { remainingExpiry } from '../message-expiry.js';
import type { Properties } from './properties.js';
import { REASON, connackReasonCode } from './reason-codes.js';
import { OutboundTopicAliases } from './outbound-aliases.js';
import { MAX_WAITING, SendWindow } from './send-window.js';
import {
  encodeAck5, encodeConnack5, encodeDisconnect5, encodeMessageProperties, encodePublish5, encodeSubackLike5,
} from './wire.js';

/** What the server offers every MQTT 5 client (CONNACK properties that do not depend on the CONNECT). */
export interface ServerCapabilities {
  receiveMaximum: number;
  topicAliasMaximum: number;
  /** Largest packet the server accepts, fixed header included; 0: no limit beyond the protocol's. */
  maximumPacketSize: number;
  /** 1 when the server does not accept QoS 2 (AWS IoT); undefined: QoS 2 is available. */
  maximumQoS?: 0 | 1;
  subscriptionIdentifiersAvailable: boolean;
  sharedSubscriptionAvailable: boolean;
  /** Whether the broker sends topic aliases to clients that accept them (standard mode; AWS documents none). */
  sendsTopicAliases: boolean;
  /** The engine's clock: a message's remaining expiry is counted on it. */
  now: () => number;
  /** QoS 1 and 2 PUBLISHes in flight to one client at most, whatever its Receive Maximum (AWS: 100); 0: no cap. */
  outboundInFlightMaximum?: number;
}

/**
 * The broker's MQTT 5 offer for a mode and its limits. `maxRemainingLength` is the largest remaining length the
 * broker reads (0: the protocol's). AWS IoT has no QoS 2 and no Subscription Identifiers; standard mode has both.
 */
export function serverCapabilities(
  aws: boolean, limits: { topicAliasMaximum: number; receiveMaximum: number; outboundInFlightMaximum?: number }, maxRemainingLength: number, now: () => number = Date.now,
): ServerCapabilities {
  return {
    outboundInFlightMaximum: limits.outboundInFlightMaximum || undefined,
    receiveMaximum: limits.receiveMaximum || 65535,
    topicAliasMaximum: limits.topicAliasMaximum,
    maximumPacketSize: maxRemainingLength && maxRemainingLength + 5 < MQTT_MAX_PACKET ? maxRemainingLength + 5 : 0,
    maximumQoS: aws ? 1 : undefined,
    subscriptionIdentifiersAvailable: !aws,
    sharedSubscriptionAvailable: true,
    sendsTopicAliases: !aws,
    now,
  };
}

/** The writable side of a connection. */
export interface Wire {
  write(chunk: Buffer): boolean;
  end(chunk: Buffer, done: () => void): unknown;
  destroy(): unknown;
}

/** A packet as aedes builds it for writing. */
export interface OutboundPacket {
  cmd: string;
  messageId?: number;
  returnCode?: number;
  sessionPresent?: boolean;
  granted?: number[];
  topic?: string;
  payload?: Buffer | string;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  properties?: Properties;
  /** The message's expiry deadline (message-expiry.ts). */
  messageExpiry?: number;
}

const PINGRESP = Buffer.from([0xd0, 0]);
const MQTT_MAX_PACKET = 268_435_455 + 5;

// A message's properties are encoded once, however many MQTT 5 subscribers it has: aedes shares the properties
// object between the copies of one message and hands them out one after another, so the last encoding is the one to
// reuse (a WeakMap cost 8 % of the broker's time at 100k messages/s with properties). The Message Expiry Interval is
// not among them: each delivery sends the time left (remainingExpiry), with the per-subscriber properties.
let lastEncoded: Properties | undefined;
let lastBlock: Buffer | null = null;

function messageProperties(p: Properties | undefined): Buffer | null {
  if (!p) return null;
  if (p !== lastEncoded) {
    lastBlock = encodeMessageProperties(p.messageExpiryInterval === undefined ? p : { ...p, messageExpiryInterval: undefined });
    lastEncoded = p;
  }
  return lastBlock;
}

// aedes hands each subscriber its own copy of a message, sharing the payload buffer and the properties object, one
// subscriber after another: a QoS 0 PUBLISH with nothing per subscriber is encoded once for all of them.
let lastPayload: Buffer | null = null;
let lastTopic = '';
let lastRetain = false;
let lastProperties: Properties | undefined;
let lastWire: Buffer = Buffer.alloc(0);

function sharedQos0(topic: string, payload: Buffer, retain: boolean, properties: Properties | undefined): Buffer {
  if (payload !== lastPayload || topic !== lastTopic || retain !== lastRetain || properties !== lastProperties) {
    lastWire = encodePublish5(topic, payload, 0, retain, false, 0, messageProperties(properties), null);
    lastPayload = payload;
    lastTopic = topic;
    lastRetain = retain;
    lastProperties = properties;
  }
  return lastWire;
}

/** The per-subscriber properties with a Topic Alias (0x23) after them, if one is used. */
function withAlias(extra: Buffer | null, aliased: { alias: number } | null): Buffer | null {
  if (!aliased) return extra;
  const alias = Buffer.from([0x23, aliased.alias >> 8, aliased.alias & 0xff]);
  return extra ? Buffer.concat([extra, alias]) : alias;
}

/** Message Expiry Interval (0x02) with its value, then the per-subscriber properties already encoded. */
function withExpiry(seconds: number, extra: Buffer | null): Buffer {
  const buf = Buffer.allocUnsafe(5 + (extra?.length ?? 0));
  buf[0] = 0x02;
  buf.writeUInt32BE(seconds, 1);
  if (extra) extra.copy(buf, 5);
  return buf;
}

/**
 * Encoded QoS 1 and 2 PUBLISHes of expiring messages: where their Message Expiry Interval's value is and the deadline
 * it counts to. One may wait for the client's Receive Maximum window; it is brought up to date when it is written.
 */
const expiringPublishes = new WeakMap<Buffer, { at: number; deadline: number }>();

export class Mqtt5Connection {
  /** CONNACK properties decided while the CONNECT is handled (server keep alive, assigned client id, …). */
  readonly connack: Properties;
  /** Why the CONNECT was refused, for CONNACK's Reason String. */
  refusal: string | undefined;
  /** Inbound topic aliases [MQTT-3.3.2-12]: alias → topic, for this connection only. */
  readonly aliases = new Map<number, string>();
  /** QoS 1 and 2 PUBLISHes received and not yet acknowledged (PUBACK, or PUBREC with an error, or PUBCOMP). */
  inFlightIn = 0;
  /** The client's Receive Maximum: QoS 1 and 2 PUBLISHes beyond it wait for its acknowledgements (§4.9). */
  readonly window: SendWindow;
  /** Topic aliases towards the client, when it accepts them and the mode sends them. */
  private readonly outboundAliases: OutboundTopicAliases | null;
  /** A server DISCONNECT was written: nothing more may follow it [MQTT-3.14.4-1]. */
  private disconnected = false;
  private readonly ackReasons = new Map<number, number>();
  /** The subscriptions of each SUBSCRIBE awaiting its SUBACK, and the reason codes of those refused meanwhile. */
  private readonly subscribing = new Map<number, object[]>();
  private readonly refusedFilters = new WeakMap<object, number>();
  private readonly unsubackReasons = new Map<number, number[]>();
  /** The Subscription Identifier of each of the session's subscriptions that has one, by filter (§3.8.2.1.2). */
  private readonly subscriptionIds = new Map<string, number>();

  constructor(
    private readonly wire: Wire,
    /** The CONNECT's properties. */
    readonly requested: Properties,
    readonly server: ServerCapabilities,
    /** Told of every DISCONNECT the server sends (for the log). */
    private readonly reportDisconnect: (reasonCode: number, reason: string) => void = () => {},
  ) {
    this.connack = {
      receiveMaximum: server.receiveMaximum,
      topicAliasMaximum: server.topicAliasMaximum,
      maximumQoS: server.maximumQoS,
      maximumPacketSize: server.maximumPacketSize || undefined,
      subscriptionIdentifiersAvailable: server.subscriptionIdentifiersAvailable ? undefined : false,
      sharedSubscriptionAvailable: server.sharedSubscriptionAvailable ? undefined : false,
    };
    const accepts = requested.topicAliasMaximum ?? 0;
    this.outboundAliases = server.sendsTopicAliases && accepts > 0 ? new OutboundTopicAliases(accepts) : null;
    // The client's Receive Maximum [MQTT-3.3.4-7], and AWS's own cap on unacknowledged messages towards a client.
    this.window = new SendWindow(Math.min(requested.receiveMaximum ?? 65535, server.outboundInFlightMaximum || 65535), (bytes) => !this.disconnected && wire.write(this.timeLeft(bytes)));
  }

  /** The client's Maximum Packet Size: the server never sends it a larger packet [MQTT-3.1.2-24]. */
  get clientMaximumPacketSize(): number {
    return this.requested.maximumPacketSize ?? MQTT_MAX_PACKET;
  }

  /** Reason String and User Properties go only where the client did not turn them off [MQTT-3.1.2-29]. */
  get wantsProblemInformation(): boolean {
    return this.requested.requestProblemInformation !== false;
  }

  /** The reason code (≥ 0x80) the next PUBACK or PUBREC for `messageId` carries. */
  refuseAck(messageId: number, reasonCode: number): void {
    this.ackReasons.set(messageId, reasonCode);
  }

  /** A SUBSCRIBE arrived: its SUBACK will say, filter by filter, why one was refused (refuseFilter). */
  subscribe(messageId: number, subscriptions: object[]): void {
    this.subscribing.set(messageId, subscriptions);
  }

  /** SUBACK says `reasonCode` for this subscription of a SUBSCRIBE instead of aedes' 0x80 (0x87 not authorized, 0x97 quota, …). */
  refuseFilter(subscription: object, reasonCode: number): void {
    this.refusedFilters.set(subscription, reasonCode);
  }

  /** UNSUBACK reason codes, one per filter of the UNSUBSCRIBE (aedes acknowledges without them). */
  setUnsubackReasons(messageId: number, codes: number[]): void {
    this.unsubackReasons.set(messageId, codes);
  }

  /**
   * A subscription was granted (or restored with its session): it replaces any earlier one with the same filter, and
   * so does its Subscription Identifier, or the lack of one [MQTT-3.8.4-3].
   */
  subscribed(filter: string, subscriptionIdentifier: number | undefined): void {
    if (subscriptionIdentifier === undefined) this.subscriptionIds.delete(filter);
    else this.subscriptionIds.set(filter, subscriptionIdentifier);
  }

  /** A subscription was removed (UNSUBSCRIBE): its identifier goes with it. */
  unsubscribed(filter: string): void {
    this.subscriptionIds.delete(filter);
  }

  /**
   * The Subscription Identifiers a PUBLISH of `topic` carries to this client: one copy goes out per message however
   * many of its subscriptions match (aedes delivers once per client), so it carries the identifiers of all of them
   * [MQTT-3.3.4-3, MQTT-3.3.4-4]; encoded as properties, or null when none has one.
   */
  private subscriptionIdsFor(topic: string): Buffer | null {
    if (this.subscriptionIds.size === 0) return null;
    let ids: number[] | undefined;
    for (const [filter, id] of this.subscriptionIds) {
      if (!topicMatches(innerFilter(filter), topic)) continue;
      if (!ids) ids = [id];
      else if (!ids.includes(id)) ids.push(id);
    }
    return ids ? encodeMessageProperties({ subscriptionIdentifiers: ids }) : null;
  }

  /**
   * An encoded PUBLISH for this client: QoS 0 is written at once, QoS 1 and 2 through the client's Receive Maximum
   * window. Returns what the stream's write returned (true when the PUBLISH waits for the window).
   */
  sendPublish(bytes: Buffer, qos: number, messageId: number): boolean {
    if (this.disconnected) return true;
    if (qos === 0) return this.wire.write(bytes);
    const sent = this.window.send(bytes, messageId);
    if (sent !== 'overflow') return sent;
    // The client holds back its acknowledgements while messages pile up for it: like a socket that never drains.
    this.disconnect(REASON.quotaExceeded, `more than ${MAX_WAITING} QoS 1 and 2 messages wait while ${this.window.maximum} are unacknowledged`);
    return true;
  }

  /** A PUBLISH as it is written: an expiring message's interval is the time left now [MQTT-3.3.2-6] (it may have waited for the window). */
  private timeLeft(bytes: Buffer): Buffer {
    const expiring = expiringPublishes.get(bytes);
    if (expiring) bytes.writeUInt32BE(remainingExpiry({ messageExpiry: expiring.deadline }, this.server.now()) ?? 0, expiring.at);
    return bytes;
  }

  /** The client's PUBACK, PUBREC or PUBCOMP for a PUBLISH the server sent: the window may move on [MQTT-3.3.4-8]. */
  acknowledged(cmd: string, messageId: number, reasonCode = 0): void {
    if (cmd === 'puback' || cmd === 'pubcomp' || (cmd === 'pubrec' && reasonCode >= 0x80)) this.window.acknowledged(messageId);
  }

  /** A server-initiated DISCONNECT, then the connection closes [MQTT-3.14.2]. `report`: false when already logged. */
  disconnect(reasonCode: number, reasonString: string, report = true): void {
    if (this.disconnected) return;
    this.disconnected = true;
    if (report) this.reportDisconnect(reasonCode, reasonString);
    this.window.clear();
    const props = reasonString && this.wantsProblemInformation ? { reasonString: clip(reasonString) } : undefined;
    const wire = this.wire;
    wire.end(encodeDisconnect5(reasonCode, props), () => wire.destroy()); // then close [MQTT-3.14.4-1]
  }

  /** Writes one packet aedes built, as MQTT 5; returns what the stream's write returned. */
  write(packet: OutboundPacket): boolean {
    if (this.disconnected) return true;
    const buf = this.encode(packet);
    if (!buf) return true;
    // A packet the client cannot take is dropped, as if sent [MQTT-3.1.2-25].
    if (buf.length > this.clientMaximumPacketSize) return true;
    if (packet.cmd === 'publish') return this.sendPublish(buf, packet.qos ?? 0, packet.messageId ?? 0);
    return this.wire.write(buf);
  }

  /** A PUBLISH for this client, or null when it is over the client's Maximum Packet Size (dropped [MQTT-3.1.2-25]). */
  publishBytes(packet: Omit<OutboundPacket, 'cmd'>, qos: number, messageId: number): Buffer | null {
    const aliases = this.outboundAliases;
    const aliased = !aliases ? null : qos === 0 ? aliases.assign(packet.topic ?? '') : aliases.known(packet.topic ?? '');
    const buf = this.encodePublish(packet, qos, messageId, aliased);
    if (buf.length <= this.clientMaximumPacketSize) return buf;
    if (aliased && !aliased.known) this.outboundAliases!.unassign(packet.topic ?? '', aliased.alias);
    return null;
  }

  /**
   * A PUBLISH for this client, with the Subscription Identifiers of its subscriptions that match the topic; a message
   * that expires carries the whole seconds it has left [MQTT-3.3.2-6].
   */
  encodePublish(packet: Omit<OutboundPacket, 'cmd'>, qos: number, messageId: number, aliased: { alias: number; known: boolean } | null = null): Buffer {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload ?? Buffer.alloc(0);
    const topic = packet.topic ?? '';
    const ids = withAlias(this.subscriptionIdsFor(topic), aliased);
    const wireTopic = aliased?.known ? '' : topic;
    const expiry = packet.messageExpiry !== undefined || packet.properties?.messageExpiryInterval !== undefined ? remainingExpiry(packet, this.server.now()) : undefined;
    if (expiry === undefined) {
      if (qos === 0 && ids === null) return sharedQos0(topic, payload, !!packet.retain, packet.properties);
      return encodePublish5(wireTopic, payload, qos, !!packet.retain, qos > 0 && !!packet.dup, messageId, messageProperties(packet.properties), ids);
    }
    const perSubscriber = withExpiry(expiry, ids);
    const buf = encodePublish5(wireTopic, payload, qos, !!packet.retain, qos > 0 && !!packet.dup, messageId, messageProperties(packet.properties), perSubscriber);
    if (qos > 0 && packet.messageExpiry !== undefined) expiringPublishes.set(buf, { at: buf.length - payload.length - perSubscriber.length + 1, deadline: packet.messageExpiry });
    return buf;
  }

  private encode(packet: OutboundPacket): Buffer | null {
    const id = packet.messageId ?? 0;
    switch (packet.cmd) {
      case 'publish':
        return this.encodePublish(packet, packet.qos ?? 0, id);
      case 'puback':
      case 'pubrec': {
        const reason = this.takeAckReason(id);
        if (packet.cmd === 'puback' || reason >= 0x80) this.inFlightIn = Math.max(0, this.inFlightIn - 1);
        return encodeAck5(packet.cmd, id, reason);
      }
      case 'pubcomp':
        this.inFlightIn = Math.max(0, this.inFlightIn - 1);
        return encodeAck5('pubcomp', id);
      case 'pubrel':
        return encodeAck5('pubrel', id);
      case 'connack': {
        const reason = connackReasonCode(packet.returnCode ?? 0);
        if (reason !== REASON.success) return encodeConnack5(false, reason, this.refusal ? { reasonString: clip(this.refusal) } : undefined);
        return encodeConnack5(!!packet.sessionPresent, reason, this.connack);
      }
      case 'suback':
        return encodeSubackLike5('suback', id, this.subackReasons(id, packet.granted ?? []));
      case 'unsuback': {
        const codes = this.unsubackReasons.get(id) ?? [REASON.success];
        this.unsubackReasons.delete(id);
        return encodeSubackLike5('unsuback', id, codes);
      }
      case 'pingresp':
        return PINGRESP;
      default:
        return null; // aedes writes nothing else to a client
    }
  }

  private subackReasons(id: number, granted: number[]): number[] {
    const subscriptions = this.subscribing.get(id);
    this.subscribing.delete(id);
    if (!subscriptions) return granted;
    return granted.map((code, i) => (code === REASON.unspecifiedError ? this.refusedFilters.get(subscriptions[i]) ?? code : code));
  }

  private takeAckReason(id: number): number {
    const reason = this.ackReasons.get(id);
    if (reason === undefined) return REASON.success;
    this.ackReasons.delete(id);
    return reason;
  }
}

/** A Reason String short enough for any reasonable Maximum Packet Size. */
function clip(s: string): string {
  return s.length > 200 ? s.slice(0, 199) + '…' : s;
}
