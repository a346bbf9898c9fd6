import type { AedesClient, AedesPacket, Subscription } from '../aedes-adapter.js';
import type { Session } from '../sessions.js';
import { checkTopicName } from '../topic-rules.js';
import type { PacketContext } from './context.js';

/**
 * SUBSCRIBE as parsed: true drops it unanswered (AWS gives a QoS 2 request no SUBACK); filters over the per-packet
 * limit are added to `refused` (SUBACK 0x80 for them).
 */
export function dropsSubscribe(ctx: PacketContext, client: AedesClient, packet: AedesPacket, refused: WeakSet<object>): boolean {
  const subs = packet.subscriptions;
  if (!subs) return false;
  if (ctx.aws && subs.some((s) => s.qos === 2)) {
    ctx.deviations.explain('qos2Subscribe', { clientId: client.id, topic: subs.map((s) => s.topic).join(' ') });
    return true;
  }
  const max = ctx.limits.filtersPerSubscribe;
  if (max && subs.length > max) {
    subs.slice(max).forEach((s) => refused.add(s));
    ctx.deviations.explain('tooManyFilters', { clientId: client.id, count: subs.length });
  }
  return false;
}

export type SubscribeDecision = { granted: Subscription | null } | { refused: string };

/**
 * One filter of a SUBSCRIBE: (Security) iot:Subscribe, where AWS disconnects an MQTT 3.1.1 client that is denied
 * (`refused`), then the limits, where the filter alone gets SUBACK 0x80 (`granted: null`).
 */
export function authorizeSubscribe(ctx: PacketContext, client: AedesClient, session: Session | undefined, sub: Subscription, refused: WeakSet<object>): SubscribeDecision {
  const guard = session?.guard;
  if (guard && !guard.subscribe(sub.topic)) {
    if (!session.reason) session.reason = 'AUTH_ERROR';
    return { refused: `not authorized to subscribe to ${sub.topic}` };
  }
  if (refused.has(sub)) return { granted: null };
  const violation = checkTopicName(sub.topic, ctx.limits);
  if (violation) {
    if (ctx.aws && violation.deviation) ctx.deviations.explain(violation.deviation, { clientId: client.id, topic: sub.topic.slice(0, 300) });
    return { granted: null };
  }
  const max = ctx.limits.subscriptionsPerConnection;
  if (max && !(sub.topic in client.subscriptions) && Object.keys(client.subscriptions).length >= max) {
    if (ctx.aws) ctx.deviations.explain('tooManySubscriptions', { clientId: client.id, topic: sub.topic });
    return { granted: null };
  }
  return { granted: sub };
}
