import type { BrokerMode } from '../contract/index.js';

/**
 * Device Shadow request limits; `0` disables a limit. AWS answers 429 past them [DG:device-shadow-error-messages;
 * GR:iot-core "Device Shadow"]. Only device-facing requests count (MQTT topics, HTTP API), not the UI or rules.
 */
export interface ShadowLimits {
  /** Unanswered MQTT requests of one connection (client id); the next one is answered 429 (AWS: 10). */
  inFlightPerConnection: number;
  /** MQTT and HTTP requests per second per thing, its classic and named shadows together (AWS: 20). */
  requestsPerSecondPerThing: number;
}

const aws: ShadowLimits = { inFlightPerConnection: 10, requestsPerSecondPerThing: 20 };

/** Standard mode, like the broker's standard limits, never throttles (the shadow benchmark runs in it). */
const standard: ShadowLimits = { inFlightPerConnection: 0, requestsPerSecondPerThing: 0 };

export function defaultShadowLimits(mode: BrokerMode): ShadowLimits {
  return { ...(mode === 'aws' ? aws : standard) };
}
