import type { AedesClient, AedesPacket, Subscription } from '../aedes-adapter.js';
import type { Session } from '../sessions.js';
import { AWS_MAX_SHARE_NAME, innerFilter, isRefusedPlaceholder, isShared, parseShared, refusedPlaceholder } from '../shared-subscriptions.js';
import { checkTopicName, isValidFilter } from '../topic-rules.js';
import { REASON } from '../mqtt5/reason-codes.js';
import type { PacketContext } from './context.js';

/**
 * SUBSCRIBE as parsed: true drops it unanswered (AWS gives a QoS 2 request no SUBACK); filters over the per-packet
 * limit and malformed shared subscriptions are added to `refused` (SUBACK 0x80 for them).
 */
export function dropsSubscribe(ctx: PacketContext, client: AedesClient, packet: AedesPacket, refused: WeakSet<object>, warn: (message: string) => void = () => {}, mqtt5 = false): boolean {
  const subs = packet.subscriptions;
  if (!subs) return false;
  if (ctx.aws && mqtt5) {
    // MQTT 5: CONNACK said Maximum QoS 1, so a QoS 2 request is granted QoS 1 (§3.2.2.3.4).
    for (const s of subs) if (s.qos === 2) s.qos = 1;
  } else if (ctx.aws && subs.some((s) => s.qos === 2)) {
    // One explanation per filter asked at QoS 2, with that filter as the topic the UI marks.
    for (const s of subs) if (s.qos === 2) ctx.deviations.explain('qos2Subscribe', { clientId: client.id, topic: s.topic.slice(0, 300), filters: subs.length });
    return true;
  }
  subs.forEach((s, i) => {
    if (!isShared(s.topic)) return;
    const parsed = parseShared(s.topic, ctx.aws ? AWS_MAX_SHARE_NAME : 0, isValidFilter);
    if (!('problem' in parsed)) return;
    if (ctx.aws && parsed.problem.includes('over the limit')) ctx.deviations.explain('shareNameTooLong', { clientId: client.id, topic: s.topic.slice(0, 300) });
    else warn(`refused shared subscription ${JSON.stringify(s.topic.slice(0, 300))} (SUBACK 0x80): ${parsed.problem} [MQTT-4.8.2-1, MQTT-4.8.2-2]`);
    s.topic = refusedPlaceholder(i);
    refused.add(s);
  });
  const max = ctx.limits.filtersPerSubscribe;
  if (max && subs.length > max) {
    subs.slice(max).forEach((s) => {
      refused.add(s);
      ctx.deviations.explain('tooManyFilters', { clientId: client.id, topic: s.topic.slice(0, 300), count: subs.length });
    });
  }
  return false;
}

/** `reasonCode`: the MQTT 5 SUBACK reason for a filter refused alone (0x8F invalid, 0x97 over a quota, 0x87 denied). */
export type SubscribeDecision = { granted: Subscription } | { granted: null; reasonCode: number } | { refused: string };

/**
 * One filter of a SUBSCRIBE: (Security) iot:Subscribe, where AWS disconnects an MQTT 3.1.1 client that is denied
 * (`refused`), then the limits, where the filter alone gets SUBACK 0x80 (`granted: null`).
 */
export function authorizeSubscribe(ctx: PacketContext, client: AedesClient, session: Session | undefined, sub: Subscription, refused: WeakSet<object>): SubscribeDecision {
  if (isRefusedPlaceholder(sub.topic)) return { granted: null, reasonCode: REASON.topicFilterInvalid }; // a malformed shared subscription: nothing to authorize
  const guard = session?.guard;
  if (guard && !guard.subscribe(sub.topic)) {
    // MQTT 5 has a reason code to say so: the filter alone is refused.
    if (session.mqtt5) return { granted: null, reasonCode: REASON.notAuthorized };
    if (!session.reason) session.reason = 'AUTH_ERROR';
    return { refused: `not authorized to subscribe to ${sub.topic}` };
  }
  if (refused.has(sub)) return { granted: null, reasonCode: REASON.quotaExceeded };
  // A shared subscription's `$share/{ShareName}/` prefix does not count toward the filter's length and depth (AWS).
  const violation = checkTopicName(innerFilter(sub.topic), ctx.limits);
  if (violation) {
    if (ctx.aws && violation.deviation) ctx.deviations.explain(violation.deviation, { clientId: client.id, topic: sub.topic.slice(0, 300) });
    return { granted: null, reasonCode: REASON.topicFilterInvalid };
  }
  const max = ctx.limits.subscriptionsPerConnection;
  if (max && !(sub.topic in client.subscriptions) && Object.keys(client.subscriptions).length >= max) {
    if (ctx.aws) ctx.deviations.explain('tooManySubscriptions', { clientId: client.id, topic: sub.topic });
    return { granted: null, reasonCode: REASON.quotaExceeded };
  }
  return { granted: sub };
}

/** A shared subscription's group takes the topic unless AWS's `#` excludes its parent level (`a/#` does not take `a`). */
export function sharedMatches(ctx: PacketContext, filter: string, topic: string): boolean {
  if (!ctx.aws || !filter.endsWith('/#') || topic.length !== filter.length - 2 || !filter.startsWith(topic)) return true;
  ctx.deviations.explain('hashParent', { topic, filter });
  return false;
}
