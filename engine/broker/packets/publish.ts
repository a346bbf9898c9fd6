import type { AedesClient, AedesPacket } from '../aedes-adapter.js';
import { clientMayPublishReserved } from '../reserved-topics.js';
import type { Session } from '../sessions.js';
import { checkPublish } from '../topic-rules.js';
import { REASON } from '../mqtt5/reason-codes.js';
import type { PacketContext } from './context.js';

/**
 * PUBLISH as parsed: true drops it. MQTT 3.1.1 drops go unanswered (AWS never acknowledges QoS 2; publishes over the
 * per-connection rate are discarded); an MQTT 5 client is told why (publishMqtt5Refusal).
 */
export function dropsPublish(ctx: PacketContext, client: AedesClient, session: Session, packet: AedesPacket): boolean {
  const mqtt5 = session.mqtt5;
  if (ctx.aws && packet.qos === 2) {
    ctx.deviations.explain('qos2Publish', { clientId: client.id, topic: packet.topic });
    // CONNACK said Maximum QoS 1 [MQTT-3.2.2-11].
    mqtt5?.disconnect(REASON.qosNotSupported, 'QoS 2 is not supported (CONNACK said Maximum QoS 1)');
    return true;
  }
  const rate = ctx.limits.publishesPerSecond;
  if (rate) {
    const now = ctx.now();
    session.tokens = Math.min(rate, session.tokens + ((now - session.refilledAt) * rate) / 1000);
    session.refilledAt = now;
    if (session.tokens < 1) {
      ctx.deviations.explain('publishThrottled', { clientId: client.id, topic: packet.topic });
      if (mqtt5) acknowledgeRefused(session, packet, REASON.quotaExceeded);
      return true;
    }
    session.tokens -= 1;
  }
  return mqtt5 ? refusesMqtt5Publish(ctx, client, session, packet) : false;
}

/**
 * An MQTT 5 client's publish that policy or the limits refuse, refused before aedes sees it: a publish that iot:Publish
 * denies is acknowledged with reason 0x87 Not authorized (QoS 0: dropped) and the connection stays open, as MQTT 5
 * allows; one over a limit closes the connection with a DISCONNECT saying which (0x90 topic, 0x95 payload, 0x87 a
 * reserved topic), as an MQTT 3.1.1 client is disconnected.
 */
function refusesMqtt5Publish(ctx: PacketContext, client: AedesClient, session: Session, packet: AedesPacket): boolean {
  const guard = session.guard;
  if (guard && !guard.publish(packet.topic, packet.retain)) {
    acknowledgeRefused(session, packet, REASON.notAuthorized);
    return true;
  }
  const refusal = refusePublish(ctx, client, packet);
  if (!refusal) return false;
  if (!session.reason) session.reason = 'CLIENT_ERROR';
  session.mqtt5!.disconnect(refusal.reasonCode, refusal.message);
  return true;
}

/** PUBACK or PUBREC with a failure reason, after the acknowledgements of earlier QoS 1 publishes [MQTT-4.6.0-2]. */
function acknowledgeRefused(session: Session, packet: AedesPacket, reasonCode: number): void {
  const mqtt5 = session.mqtt5!;
  const messageId = packet.messageId;
  if (packet.qos === 0 || messageId === undefined) return;
  const cmd = packet.qos === 1 ? 'puback' : 'pubrec';
  const send = () => {
    mqtt5.refuseAck(messageId, reasonCode);
    mqtt5.write({ cmd, messageId });
  };
  if (session.qos1Tail) void session.qos1Tail.then(send);
  else send();
}

/** A refused publish: why, and the MQTT 5 reason code that says it. */
export interface PublishRefusal {
  message: string;
  reasonCode: number;
}

/** Why a client's publish (or will) is refused (the connection is then closed), or null. */
export function refusePublish(ctx: PacketContext, client: AedesClient, packet: AedesPacket): PublishRefusal | null {
  const violation = checkPublish(packet.topic, packet.payload.length, ctx.limits);
  if (violation) {
    if (ctx.aws && violation.deviation) ctx.deviations.explain(violation.deviation, { clientId: client.id, topic: packet.topic.slice(0, 300) });
    return { message: violation.message, reasonCode: violation.deviation === 'payloadTooLarge' ? REASON.packetTooLarge : REASON.topicNameInvalid };
  }
  if (!ctx.aws || packet.topic.charCodeAt(0) !== 36) return null;
  if (packet.retain) {
    ctx.deviations.explain('retainReserved', { clientId: client.id, topic: packet.topic });
    return { message: 'RETAIN on a reserved topic', reasonCode: REASON.notAuthorized };
  }
  if (!clientMayPublishReserved(packet.topic)) {
    ctx.deviations.explain('reservedTopic', { clientId: client.id, topic: packet.topic.slice(0, 300) });
    return { message: `publishing to the reserved topic ${packet.topic.slice(0, 300)} is not allowed`, reasonCode: REASON.notAuthorized };
  }
  return null;
}

/** What a QoS 1 publish must wait for before aedes acknowledges it. */
export interface Durability {
  /** Resolves once the publish is safe to acknowledge (a write-ahead record when it will store); null: nothing to wait for. */
  guard(packet: AedesPacket, client: AedesClient | null): Promise<void> | null;
}

/**
 * PUBLISH (and a will), before aedes stores, dispatches and acknowledges it: (Security) iot:Publish and
 * iot:RetainPublish, then the limits; AWS disconnects an MQTT 3.1.1 client whose publish is refused. A QoS 1 publish
 * is acknowledged only once durable, and one connection's in the order received [MQTT-4.6.0-6].
 */
export function authorizePublish(ctx: PacketContext, client: AedesClient, session: Session | undefined, packet: AedesPacket, durability: Durability, cb: (err?: Error | null) => void): void {
  const guard = session?.guard;
  if (guard && !guard.publish(packet.topic, packet.retain)) {
    if (!session.reason) session.reason = 'AUTH_ERROR';
    return cb(new Error(`not authorized to publish to ${packet.topic}`));
  }
  const refusal = refusePublish(ctx, client, packet);
  if (refusal) {
    if (session) session.reason = 'CLIENT_ERROR';
    return cb(new Error(refusal.message));
  }
  if (packet.qos !== 1) return cb(null);
  // aedes sends PUBACK before it stores: make what must survive durable first.
  const durable = durability.guard(packet, client);
  const previous = session?.qos1Tail;
  if (!durable && !previous) return cb(null);
  // A QoS 1 publish that waits for the write-ahead fsync must not be overtaken by a later one that does not.
  const ready = Promise.all([previous, durable]).then(() => {});
  if (session) {
    const tail = ready.catch(() => {});
    session.qos1Tail = tail;
    void tail.then(() => {
      if (session.qos1Tail === tail) session.qos1Tail = undefined;
    });
  }
  ready.then(() => cb(null), (e: Error) => cb(e));
}

/**
 * aedes publishes a will as `client.will` when the connection is lost, or, for a will that outlived its broker (a
 * crash), as the stored packet, which its persistence stamped with the owner's client id (client publishes have none).
 */
export function isWill(client: AedesClient | null, packet: AedesPacket): boolean {
  return packet === client?.will || packet.clientId !== undefined;
}
