import type { AedesClient, AedesPacket } from '../aedes-adapter.js';
import { clientMayPublishReserved } from '../reserved-topics.js';
import type { Session } from '../sessions.js';
import { checkPublish } from '../topic-rules.js';
import type { PacketContext } from './context.js';

/** PUBLISH as parsed: true drops it unanswered (AWS never acknowledges QoS 2; publishes over the per-connection rate). */
export function dropsPublish(ctx: PacketContext, client: AedesClient, session: Session, packet: AedesPacket): boolean {
  if (ctx.aws && packet.qos === 2) {
    ctx.deviations.explain('qos2Publish', { clientId: client.id, topic: packet.topic });
    return true;
  }
  const rate = ctx.limits.publishesPerSecond;
  if (!rate) return false;
  const now = ctx.now();
  session.tokens = Math.min(rate, session.tokens + ((now - session.refilledAt) * rate) / 1000);
  session.refilledAt = now;
  if (session.tokens < 1) {
    ctx.deviations.explain('publishThrottled', { clientId: client.id, topic: packet.topic });
    return true;
  }
  session.tokens -= 1;
  return false;
}

/** Why a client's publish (or will) is refused (the connection is then closed), or null. */
export function refusePublish(ctx: PacketContext, client: AedesClient, packet: AedesPacket): string | null {
  const violation = checkPublish(packet.topic, packet.payload.length, ctx.limits);
  if (violation) {
    if (ctx.aws && violation.deviation) ctx.deviations.explain(violation.deviation, { clientId: client.id, topic: packet.topic.slice(0, 300) });
    return violation.message;
  }
  if (!ctx.aws || packet.topic.charCodeAt(0) !== 36) return null;
  if (packet.retain) {
    ctx.deviations.explain('retainReserved', { clientId: client.id, topic: packet.topic });
    return 'RETAIN on a reserved topic';
  }
  if (!clientMayPublishReserved(packet.topic)) {
    ctx.deviations.explain('reservedTopic', { clientId: client.id, topic: packet.topic.slice(0, 300) });
    return `publishing to the reserved topic ${packet.topic.slice(0, 300)} is not allowed`;
  }
  return null;
}

/** What a QoS 1 publish must wait for before aedes acknowledges it. */
export interface Durability {
  /** Resolves once the publish is safe to acknowledge (a write-ahead record when it will store); null: nothing to wait for. */
  guard(packet: AedesPacket): Promise<void> | null;
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
    return cb(new Error(refusal));
  }
  if (packet.qos !== 1) return cb(null);
  // aedes sends PUBACK before it stores: make what must survive durable first.
  const durable = durability.guard(packet);
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
