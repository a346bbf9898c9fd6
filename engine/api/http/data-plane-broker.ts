import type { OutgoingMessage, RetainedMessage } from '../../broker/index.js';

export type { RetainedMessage } from '../../broker/index.js';

/** What the HTTP data plane needs from the broker; `BrokerService` satisfies it. */
export interface DataPlaneBroker {
  /** Publishes without a client id; `origin: 'client'` marks it as the caller's, not the engine's. Resolves once stored (retained) and handed to subscribers. */
  publish(msg: OutgoingMessage, opts?: { origin?: 'engine' | 'client'; meteredAs?: string }): Promise<void>;
  getRetained(topic: string): RetainedMessage | undefined;
  /** Every retained message, sorted by topic. */
  listRetained(): RetainedMessage[];
}
