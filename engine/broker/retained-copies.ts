import type { Expiring } from './message-expiry.js';

/**
 * aedes 1.2 rebuilds a retained message for a new subscription from its topic, payload, QoS and RETAIN alone
 * (lib/handlers/subscribe.js, sendRetained), so the MQTT 5 properties and the expiry deadline the retained store keeps
 * would be lost on the way. It keeps the payload Buffer, which leads back to the stored message: the retained stream
 * notes each message it hands out, and delivery gives the rebuilt copy what it lost.
 */
const handedOut = new WeakMap<Buffer, Expiring>();

/** A retained message leaves the store for a new subscription. */
export function retainedHandedOut(packet: Expiring & { payload: Buffer | string }): void {
  if (typeof packet.payload === 'string' || (!packet.properties && packet.messageExpiry === undefined)) return;
  handedOut.set(packet.payload, packet);
}

/** A delivery: a retained message sent because of a new subscription (aedes clears its broker id) gets back its properties and deadline. */
export function restoreRetained(packet: Expiring & { payload: Buffer | string; retain: boolean; brokerId?: string | null }): void {
  if (packet.brokerId !== null || !packet.retain || typeof packet.payload === 'string') return;
  const stored = handedOut.get(packet.payload);
  if (!stored) return;
  if (stored.properties && !packet.properties) packet.properties = stored.properties;
  if (stored.messageExpiry !== undefined && packet.messageExpiry === undefined) packet.messageExpiry = stored.messageExpiry;
}
