import type { OutgoingMessage, Properties } from '../../broker/index.js';

/** What the HTTP data plane needs from the broker; `BrokerService` satisfies it. */
export interface RetainedMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  /** Epoch ms of the last update. */
  lastModifiedTime: number;
  /** The retained message's MQTT 5 properties, if it had any. */
  properties?: Properties;
}

export interface DataPlaneBroker {
  /** Publishes without a client id; `origin: 'client'` marks it as the caller's, not the engine's. Resolves once stored (retained) and handed to subscribers. */
  publish(msg: OutgoingMessage, opts?: { origin?: 'engine' | 'client'; meteredAs?: string }): Promise<void>;
  getRetained(topic: string): RetainedMessage | undefined;
  /** Every retained message, sorted by topic. */
  listRetained(): RetainedMessage[];
}
