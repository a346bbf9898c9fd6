import type { AedesClient, AedesPacket } from '../aedes-adapter.js';
import type { Properties } from '../mqtt5/properties.js';

/**
 * A will as it is published: its own properties (content type, user properties, response topic, correlation data,
 * payload format, message expiry) go with it [MQTT-3.1.3-10 ff.], but not the Will Delay Interval, which is not a
 * PUBLISH property (a subscriber would take the PUBLISH as malformed).
 */
export function willMessageProperties(properties: Properties | undefined): Properties | undefined {
  if (!properties || properties.willDelayInterval === undefined) return properties;
  const { willDelayInterval: _delay, ...message } = properties;
  return Object.keys(message).length ? message : undefined;
}

/**
 * How long, in seconds, the will of `client`'s lost MQTT 5 connection waits: its Will Delay Interval, or less when
 * the session ends sooner (its Session Expiry Interval, capped at `maxSessionExpiry`) [MQTT-3.1.2-8]. 0: at once
 * (MQTT 3.1.1, no delay, or a will outliving its broker, which the broker's will sweep publishes when it finds it).
 */
export function willDelaySeconds(client: AedesClient | null, packet: AedesPacket, maxSessionExpiry: number): number {
  const connection = client?.mqtt5;
  if (!connection || packet !== client.will) return 0;
  const delay = packet.properties?.willDelayInterval ?? 0;
  if (delay === 0) return 0;
  const session = Math.min(connection.requested.sessionExpiryInterval ?? 0, maxSessionExpiry);
  return Math.min(delay, session);
}
