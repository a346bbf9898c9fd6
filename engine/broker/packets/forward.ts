import { topicMatches } from '../../contract/index.js';
import type { AedesClient, AedesPacket } from '../aedes-adapter.js';
import { meteredBytes, type Metering } from '../metering.js';
import type { Session } from '../sessions.js';
import { innerFilter } from '../shared-subscriptions.js';
import { awsFilterMatches } from '../topic-rules.js';
import type { PacketContext } from './context.js';

/** An outgoing PUBLISH, once per subscriber and message (keep it cheap): the packet to send, or null to skip it. */
export function forward(ctx: PacketContext, metering: Metering, client: AedesClient, session: Session | undefined, packet: AedesPacket): AedesPacket | null {
  if (session?.guard && !session.guard.receive(packet.topic)) return null; // Security: iot:Receive, on every delivery
  if (session && session.hashParents.size && session.hashParents.has(packet.topic)) {
    const matched = Object.keys(client.subscriptions).some((f) => awsFilterMatches(f, packet.topic));
    if (!matched) {
      ctx.deviations.explain('hashParent', { clientId: client.id, topic: packet.topic, filter: `${packet.topic}/#` });
      return null;
    }
  }
  // An MQTT 5 subscriber is sent the message's properties too, and AWS meters them (a 3.1.1 one gets none).
  if (!packet.topic.startsWith('$SYS/')) metering.outbound(client.id, packet.topic, client.mqtt5 && packet.properties ? meteredBytes(packet.payload.length, packet.properties) : packet.payload.length);
  // aedes caps delivery QoS only by a filter equal to the topic: a QoS 2 publish would reach a QoS 1 wildcard
  // subscription at QoS 2 [MQTT-3.8.4-6]. Cap it by the highest QoS among the matching filters.
  if (packet.qos === 2 && !(packet.topic in client.subscriptions)) {
    const matches = ctx.aws ? awsFilterMatches : topicMatches;
    let granted = 0;
    for (const [f, sub] of Object.entries(client.subscriptions)) if (sub.qos > granted && matches(innerFilter(f), packet.topic)) granted = sub.qos;
    if (granted < 2) return { ...packet, qos: granted as 0 | 1 };
  }
  return packet;
}
