import type { AedesClient, AedesPacket } from '../aedes-adapter.js';
import type { Mqtt5Connection } from '../mqtt5/connection.js';
import { REASON } from '../mqtt5/reason-codes.js';
import type { Session } from '../sessions.js';
import { isShared } from '../shared-subscriptions.js';
import type { PacketContext } from './context.js';

type Mqtt5Packet = AedesPacket & { reasonCode?: number; unsubscriptions?: string[] };

/**
 * An MQTT 5 client's packet (other than CONNECT), before the MQTT 3.1.1 handling it shares with every client:
 * what MQTT 5 adds to DISCONNECT, AUTH, SUBSCRIBE and UNSUBSCRIBE. True when the packet goes no further.
 */
export function dropsMqtt5Packet(ctx: PacketContext, client: AedesClient, session: Session | undefined, packet: Mqtt5Packet, connection: Mqtt5Connection): boolean {
  switch (packet.cmd) {
    case 'puback':
    case 'pubrec':
    case 'pubcomp':
      // The client acknowledged a PUBLISH of the server's: the next one waiting for its Receive Maximum may go [MQTT-3.3.4-8].
      if (packet.messageId !== undefined) connection.acknowledged(packet.cmd, packet.messageId, packet.reasonCode);
      return false;
    case 'disconnect':
      // 0x04 Disconnect with Will Message: the connection closes as if lost, so aedes publishes the will (§3.14.2.1; 0x00 discards it [MQTT-3.14.4-3]).
      if (packet.reasonCode === 0x04) {
        if (session && !session.reason) session.reason = 'CLIENT_INITIATED_DISCONNECT';
        client.conn.destroy();
        return true;
      }
      return false;
    case 'auth':
      // No enhanced authentication was agreed in CONNECT (it is refused there): AUTH is a Protocol Error [MQTT-4.12.0-1].
      if (session && !session.reason) session.reason = 'CLIENT_ERROR';
      connection.disconnect(REASON.protocolError, 'AUTH packet without enhanced authentication: AWS IoT Core and Thingbench have none');
      return true;
    case 'subscribe': {
      const id = packet.properties?.subscriptionIdentifiers?.[0];
      if (id !== undefined && !connection.server.subscriptionIdentifiersAvailable) {
        if (session && !session.reason) session.reason = 'CLIENT_ERROR';
        if (ctx.aws) ctx.deviations.explain('subscriptionIdentifiers', { clientId: client.id });
        connection.disconnect(REASON.subscriptionIdentifiersNotSupported, 'Subscription Identifiers are not supported (CONNACK said Subscription Identifier Available 0)');
        return true;
      }
      if (packet.subscriptions?.some((sub) => (sub as { nl?: boolean }).nl && isShared(sub.topic))) {
        if (session && !session.reason) session.reason = 'CLIENT_ERROR';
        connection.disconnect(REASON.protocolError, 'No Local set on a shared subscription [MQTT-3.8.3-4]');
        return true;
      }
      // Each filter carries the SUBSCRIBE's identifier, or none, to its subscription (and a persistent session's
      // stored copy): granted or restored, it becomes the connection's (PacketHandlers.authorizeSubscribe).
      if (packet.subscriptions) for (const s of packet.subscriptions) s.subscriptionIdentifier = id;
      if (packet.messageId !== undefined && packet.subscriptions) connection.subscribe(packet.messageId, packet.subscriptions);
      if (packet.subscriptions) decideRetainHandling(client, packet.subscriptions);
      return false;
    }
    case 'unsubscribe':
      if (packet.unsubscriptions) for (const f of packet.unsubscriptions) connection.unsubscribed(f);
      // UNSUBACK says, per filter, whether there was a subscription to remove (§3.11.3).
      if (packet.messageId !== undefined && packet.unsubscriptions) {
        connection.setUnsubackReasons(packet.messageId, packet.unsubscriptions.map((f) => (client.subscriptions[f] ? REASON.success : REASON.noSubscriptionExisted)));
      }
      return false;
    default:
      return false;
  }
}

/** Subscriptions (a SUBSCRIBE's own objects, which aedes keeps) that get no retained messages when they are made. */
const noRetained = new WeakSet<object>();

/**
 * Retain Handling (§3.8.3.1), decided as the SUBSCRIBE arrives, before aedes adds its subscriptions: 0 sends the
 * retained messages [MQTT-3.3.1-9], 1 only if the subscription did not exist [MQTT-3.3.1-10], 2 never [MQTT-3.3.1-11].
 */
function decideRetainHandling(client: AedesClient, subscriptions: Array<{ topic: string; rh?: number }>): void {
  for (const s of subscriptions) if (s.rh === 2 || (s.rh === 1 && client.subscriptions[s.topic])) noRetained.add(s);
}

/** This subscription of an MQTT 5 SUBSCRIBE gets no retained messages (Retain Handling 1 or 2). */
export function withholdsRetained(subscription: object): boolean {
  return noRetained.has(subscription);
}
