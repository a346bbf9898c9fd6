import type { DeviationLog } from '../aws-deviations.js';
import type { BrokerLimits } from '../limits.js';
import type { ServerCapabilities } from '../mqtt5/connection.js';
import type { SecurityHooks } from '../security-hooks.js';

/** What every packet handler may read: the mode, the limits, where AWS deviations are explained, the security hooks. */
export interface PacketContext {
  readonly aws: boolean;
  readonly limits: BrokerLimits;
  readonly deviations: DeviationLog;
  readonly security?: SecurityHooks;
  /** What CONNACK offers MQTT 5 clients. */
  readonly mqtt5: ServerCapabilities;
  now(): number;
}
