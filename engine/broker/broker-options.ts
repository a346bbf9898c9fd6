import type { BrokerMode, MessageProperties } from '../contract/index.js';
import type { WebGuard } from '../core/index.js';
import { MQTT_MAX_PACKET_BYTES } from './aedes-adapter.js';
import type { DeliveryHooks } from './delivery-gate.js';
import type { CapturedMessage } from './message-log.js';
import type { BrokerLimits } from './limits.js';
import type { SecurityHooks } from './security-hooks.js';

/** How the engine configures its broker (engine/config.ts builds it). */
export interface BrokerOptions {
  mode: BrokerMode;
  limits: BrokerLimits;
  host: string;
  ports: { mqtt: number; ws: number; mqtts?: number; wss?: number };
  /** Security: mutual-TLS listeners (ports.mqtts/wss) and policy enforcement go through these hooks (security service). */
  security?: SecurityHooks;
  /** Telemetry and events (engine/delivery): classified and kept on the publish path; none: plain MQTT for all. */
  delivery?: DeliveryHooks;
  /** `off`: the plain TCP and WebSocket listeners are not started (the hooks decide allow-all vs enforce). */
  plainListeners?: 'on' | 'off';
  /** Host and Origin admission on the WebSocket listeners (ws, wss): web pages the user visits (core/local-guard.ts). */
  webGuard?: WebGuard;
  /** Messages kept in the traffic history, in all. */
  historySize: number;
  /** Payload bytes (plus a fixed charge per message) the history keeps at most; default 256 MiB. */
  historyBytes?: number;
  /** The most messages kept of one topic; default 10,000. */
  historyPerTopic?: number;
  /** CONNECT must arrive within this time. */
  connectTimeoutMs?: number;
  /** A client that does not read its socket for this long is disconnected. */
  drainTimeoutMs?: number;
  /** A device session (HTTPS, CoAP) with no request for this long ends (its disconnected event); default 60 s. */
  deviceIdleMs?: number;
}

/** A message of the history with its full payload (`heldMessages`), its MQTT 5 properties as the contract spells them. */
export type HeldMessage = Pick<CapturedMessage, 'topic' | 'payload' | 'qos' | 'retain' | 'clientId' | 'time'> & { properties?: MessageProperties };

/**
 * The largest remaining length read from a client: the payload limit plus room for the largest topic, packet id and
 * MQTT 5 properties. A payload limit of 0 is none: then only MQTT's own largest packet bounds a frame.
 */
export function maxRemainingLength(limits: BrokerLimits): number {
  return limits.maxPayloadBytes ? limits.maxPayloadBytes + 65_536 + 8 : MQTT_MAX_PACKET_BYTES;
}
