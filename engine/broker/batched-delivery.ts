import type { Duplex } from 'node:stream';
import { topicMatches } from '../contract/index.js';
import { isShared } from './shared-subscriptions.js';
import type { Mqtt5Connection } from './mqtt5/connection.js';
import type { Properties } from './mqtt5/properties.js';
import { restoreRetained } from './retained-copies.js';

/**
 * Per-subscriber delivery, cheaper than aedes 1.2's and in the same order. Installed by `aedes-adapter.ts`, whose
 * AEDES_INTERNALS lists the private client members used here (`DeliveringClient`) and checks them at start.
 *
 * aedes delivers every message to every subscriber in its own setImmediate, through a fresh packet object and
 * mqtt-packet's writeToStream (five stream writes per PUBLISH), and completes it in a second setImmediate. Here a
 * client's deliveries of one loop turn share one setImmediate: each PUBLISH is encoded into one buffer (the QoS 0
 * encoding is shared by every subscriber of a message), the turn's buffers go out in one write, and their completions
 * run together.
 *
 * Order is kept: a batch is written in the slot of its first delivery's setImmediate, where aedes would have written
 * that delivery, and a delivery handed to aedes' own path (a persistent session's QoS 1) closes the
 * open batch, so what follows lands in a later one. Back-pressure is kept: a write the socket cannot take holds the
 * batch's completions until it drains (or aedes' drain timeout closes the client).
 */

interface DeliveryPacket {
  topic: string;
  payload: Buffer | string;
  qos: number;
  retain: boolean;
  dup?: boolean;
  messageId?: number;
  clientId?: string;
  nl?: boolean;
  brokerId?: string | null;
  brokerCounter?: number;
  properties?: Properties;
  messageExpiry?: number;
}

type Done = () => void;
type Deliver = (packet: DeliveryPacket, done: Done) => void;

/** The parts of aedes' Client that delivery touches. */
export interface DeliveringClient {
  id: string;
  clean: boolean;
  /** Set once an MQTT 5 CONNECT was let through (aedes itself sees every client as MQTT 3.1.1). */
  mqtt5?: Mqtt5Connection;
  connecting: boolean;
  connected: boolean;
  conn: Duplex;
  duplicates: Record<string, number>;
  subscriptions: Record<string, { qos: number; nl?: boolean } | undefined>;
  _nextId: number;
  broker: { authorizeForward(client: DeliveringClient, packet: DeliveryPacket): DeliveryPacket | null | undefined };
  deliver0: Deliver;
  deliverQoS: Deliver;
  /** Set here: delivery of a message meant for this client only, which its session does not queue. */
  deliverDirected?: Deliver;
  waitForDrain(done: (err?: Error) => void): void;
  _onError(err?: Error): void;
}

interface Batch {
  chunks: Buffer[];
  /** Per chunk: the packet identifier of an MQTT 5 QoS 1 or 2 PUBLISH, which goes through the client's window; else 0. */
  windowed: number[];
  dones: Done[];
}

export function batchDeliveries(client: DeliveringClient): void {
  const aedesDeliverQoS = client.deliverQoS;
  let open: Batch | null = null;

  const flush = (batch: Batch) => {
    if (open === batch) open = null;
    if (!(client.connecting || client.connected) || batch.chunks.length === 0) return complete(batch);
    let writable = true;
    const mqtt5 = client.mqtt5;
    for (let i = 0; i < batch.chunks.length; i++) {
      const id = batch.windowed[i];
      // An MQTT 5 client's Receive Maximum may hold a QoS 1 or 2 PUBLISH back; it is then sent when an
      // acknowledgement frees the window, and its delivery completes now, as a written one does.
      writable = id && mqtt5 ? mqtt5.sendPublish(batch.chunks[i], 1, id) : client.conn.write(batch.chunks[i]);
    }
    if (writable) return complete(batch);
    client.waitForDrain((err) => {
      client._onError(err);
      complete(batch);
    });
  };

  const enqueue = (wire: Buffer | null, done: Done, windowed = 0) => {
    let batch = open;
    if (!batch) {
      batch = open = { chunks: [], windowed: [], dones: [] };
      setImmediate(flush, batch);
    }
    if (wire) {
      batch.chunks.push(wire);
      batch.windowed.push(windowed);
    }
    batch.dones.push(done);
  };

  /** What aedes' getToForwardPacket decides: no-local (MQTT 5), dedupe by broker counter, then authorizeForward. */
  const forwardable = (packet: DeliveryPacket): DeliveryPacket | null => {
    if (packet.nl && packet.clientId === client.id) return null;
    if (!firstSight(client, packet)) return null;
    return client.broker.authorizeForward(client, packet) ?? null;
  };

  client.deliver0 = (packet, done) => {
    restoreRetained(packet);
    // One message, several matching subscriptions: the client gets it once, at the highest of their QoS
    // [MQTT-3.3.5-1 (3.1.1), MQTT-3.3.4-2 (5)]; a subscription with a higher QoS delivers it itself.
    if (packet.qos > 0 && higherQosMatch(client, packet)) return enqueue(null, done);
    const forward = forwardable(packet);
    if (!forward) return enqueue(null, done);
    const mqtt5 = client.mqtt5;
    enqueue(mqtt5 ? mqtt5.publishBytes(forward, 0, 0) : sharedQos0Encoding(forward), done);
  };

  client.deliverQoS = (packet, done) => {
    if (packet.qos === 0) return client.deliver0(packet, done);
    restoreRetained(packet);
    if (!client.clean) {
      // Persistent sessions record each in-flight message first: aedes' own path.
      open = null;
      return aedesDeliverQoS(packet, done);
    }
    sendQoS(packet, done);
  };

  // A message for this client alone (BrokerService.deliverTo): never queued in the session, so sent as a clean one's.
  client.deliverDirected = (packet, done) => (packet.qos === 0 ? client.deliver0(packet, done) : sendQoS(packet, done));

  const sendQoS: Deliver = (packet, done) => {
    const forward = forwardable(packet);
    if (!forward) return enqueue(null, done);
    // Capped by the granted QoS; a filter equal to the topic does not hide a wildcard one granted more [MQTT-3.3.4-2].
    let granted = client.subscriptions[forward.topic]?.qos;
    if (granted !== undefined && granted < forward.qos) granted = highestGranted(client, forward.topic);
    const qos = granted !== undefined && granted < forward.qos ? granted : forward.qos;
    const messageId = forward.messageId || nextMessageId(client);
    const mqtt5 = client.mqtt5;
    if (mqtt5) return enqueue(mqtt5.publishBytes(forward, qos, messageId), done, qos > 0 ? messageId : 0);
    enqueue(encodePublish(forward.topic, toBuffer(forward.payload), qos, forward.retain, qos > 0 && !!forward.dup, messageId), done);
  };
}

/**
 * The client has another subscription, with QoS > 0, that the router also hands this message to (aedes delivers each
 * matching subscription and keeps the first copy). Shared subscriptions deliver apart, to one member of their group;
 * a No Local subscription does not take the client's own messages.
 */
function higherQosMatch(client: DeliveringClient, packet: DeliveryPacket): boolean {
  const subs = client.subscriptions;
  for (const filter in subs) {
    const sub = subs[filter];
    if (!sub || sub.qos === 0 || isShared(filter) || (sub.nl && packet.clientId === client.id)) continue;
    if (topicMatches(filter, packet.topic)) return true;
  }
  return false;
}

/** The highest QoS granted to the client's (non-shared) subscriptions that match `topic`. */
function highestGranted(client: DeliveringClient, topic: string): number {
  let max = 0;
  for (const filter in client.subscriptions) {
    const qos = client.subscriptions[filter]?.qos ?? 0;
    if (qos > max && !isShared(filter) && topicMatches(filter, topic)) max = qos;
  }
  return max;
}

function complete(batch: Batch): void {
  for (const done of batch.dones) done();
}

/** aedes' `dedupe`: a subscriber takes each broker-numbered message once. */
function firstSight(client: DeliveringClient, packet: DeliveryPacket): boolean {
  const id = packet.brokerId;
  if (!id) return true;
  const counter = packet.brokerCounter ?? 0;
  if ((client.duplicates[id] || 0) >= counter) return false;
  client.duplicates[id] = counter;
  return true;
}

function nextMessageId(client: DeliveringClient): number {
  const id = client._nextId;
  client._nextId = id >= 65535 ? 1 : id + 1;
  return id;
}

// aedes hands each subscription its own copy of a message, sharing the payload buffer: one message's subscribers
// arrive one after another, so the last encoding is the one to reuse.
let lastPayload: Buffer | string | null = null;
let lastTopic = '';
let lastRetain = false;
let lastWire: Buffer = Buffer.alloc(0);

function sharedQos0Encoding(packet: DeliveryPacket): Buffer {
  if (packet.payload !== lastPayload || packet.topic !== lastTopic || packet.retain !== lastRetain) {
    lastWire = encodePublish(packet.topic, toBuffer(packet.payload), 0, packet.retain, false, 0);
    lastPayload = packet.payload;
    lastTopic = packet.topic;
    lastRetain = packet.retain;
  }
  return lastWire;
}

function toBuffer(payload: Buffer | string | undefined): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload) : payload ?? Buffer.alloc(0);
}

/** An MQTT 3.1.1 PUBLISH (§3.3) in one buffer. */
export function encodePublish(topic: string, payload: Buffer, qos: number, retain: boolean, dup: boolean, messageId: number): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + payload.length;
  const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x200000 ? 3 : 4;
  const wire = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  let at = 0;
  wire[at++] = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
  for (let left = remaining; ; ) {
    const digit = left & 0x7f;
    left >>>= 7;
    wire[at++] = left > 0 ? digit | 0x80 : digit;
    if (left === 0) break;
  }
  wire.writeUInt16BE(topicBytes, at);
  at += 2;
  at += wire.write(topic, at, 'utf8');
  if (qos > 0) {
    wire.writeUInt16BE(messageId, at);
    at += 2;
  }
  payload.copy(wire, at);
  return wire;
}
