import type { Properties } from './mqtt5/properties.js';

/**
 * MQTT 5 Message Expiry Interval (§3.3.2.3.3): a message that carries one gets an absolute deadline, on the engine's
 * clock, when it enters the broker (a client's PUBLISH, a will when it is published, the engine's own and HTTP
 * publishes, republish). A stored copy whose deadline has passed (queued for an offline session, retained) is not
 * delivered and is removed [MQTT-3.3.2-5]; what is delivered to an MQTT 5 client carries the whole seconds left
 * [MQTT-3.3.2-6] (AWS IoT: "as soon as the time remaining is 999 ms or less, it will be updated to 0"). Messages from
 * MQTT 3.1.1 clients never expire; the publisher's version decides, whatever the subscriber's.
 *
 * AWS IoT adjusts the interval it receives: 0 becomes 1, more than 604,800 (7 days) becomes 604,800
 * (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt5-message-expiry). Standard mode keeps it as sent.
 */

/** AWS IoT's largest Message Expiry Interval, in seconds (7 days). */
export const AWS_MESSAGE_EXPIRY_MAX = 604_800;
/** AWS IoT's smallest Message Expiry Interval, in seconds. */
export const AWS_MESSAGE_EXPIRY_MIN = 1;

/** A message as the broker carries it: `messageExpiry` is its deadline in ms on the engine clock (aedes-packet keeps it). */
export interface Expiring {
  properties?: Properties;
  messageExpiry?: number;
}

/** The interval the broker applies to a message that asked for `interval` seconds. */
export function grantedExpiry(interval: number, aws: boolean): number {
  if (!aws) return interval;
  return Math.min(AWS_MESSAGE_EXPIRY_MAX, Math.max(AWS_MESSAGE_EXPIRY_MIN, interval));
}

/**
 * Gives a message with a Message Expiry Interval its deadline, once: a message that has one keeps it (a recovered
 * write-ahead record, a queued or retained copy, the same publish seen at a second entry point). Returns the interval
 * asked for when the mode adjusted it (for the deviation log), else undefined.
 */
export function stampExpiry(packet: Expiring, now: number, aws: boolean): number | undefined {
  if (packet.messageExpiry !== undefined) return undefined;
  const interval = packet.properties?.messageExpiryInterval;
  if (interval === undefined) return undefined;
  const granted = grantedExpiry(interval, aws);
  packet.messageExpiry = now + granted * 1000;
  return granted === interval ? undefined : interval;
}

/** The deadline has passed: no copy of the message may still start its delivery [MQTT-3.3.2-5]. */
export function isExpired(packet: Expiring, now: number): boolean {
  return packet.messageExpiry !== undefined && now > packet.messageExpiry;
}

/**
 * The Message Expiry Interval to send with the message now [MQTT-3.3.2-6]: the whole seconds left (999 ms or less
 * left is 0), or undefined when it does not expire.
 */
export function remainingExpiry(packet: Expiring, now: number): number | undefined {
  if (packet.messageExpiry !== undefined) return Math.max(0, Math.floor((packet.messageExpiry - now) / 1000));
  return packet.properties?.messageExpiryInterval;
}
