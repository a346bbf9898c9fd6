import type { BrokerMode } from '../contract/index.js';

/** Broker limits; `0` disables a limit. AWS values: https://docs.aws.amazon.com/general/latest/gr/iot-core.html */
export interface BrokerLimits {
  maxPayloadBytes: number;
  maxTopicBytes: number;
  /** Forward slashes allowed in a topic or filter (AWS: 7, i.e. 8 levels). */
  maxTopicSlashes: number;
  maxClientIdBytes: number;
  subscriptionsPerConnection: number;
  filtersPerSubscribe: number;
  publishesPerSecond: number;
  /** Keep-alive accepted range in seconds; AWS clamps to 30–1200 and treats 0 as 1200. */
  keepAliveMin: number;
  keepAliveMax: number;
  /** Stored messages a resumed persistent session receives per second (AWS: 10). */
  backlogPerSecond: number;
  /**
   * Seconds an MQTT 3.1.1 persistent session (clean session 0) lasts once disconnected; 0: never (MQTT 3.1.1). In aws
   * mode this is the account's "Persistent session expiry period" (default 1 hour), which also caps the Session Expiry
   * Interval an MQTT 5 CONNECT asks for (the granted value is returned in CONNACK).
   */
  sessionExpiryDefault: number;
  /**
   * The longest session expiry in seconds. aws mode: the most the account's period may be raised to (AWS: 7 days,
   * 604,800); standard mode: a cap on the MQTT 5 Session Expiry Interval (0: none, the client's value is used).
   */
  sessionExpiryMax: number;
  /** MQTT 5: the Topic Alias Maximum the broker offers clients (AWS: 8). */
  topicAliasMaximum: number;
  /** MQTT 5: QoS 1 and 2 PUBLISHes a client may have unacknowledged (the broker's Receive Maximum; AWS: 100). */
  receiveMaximum: number;
  /**
   * MQTT 5: QoS 1 and 2 PUBLISHes the broker has unacknowledged at one client at most, below the client's own Receive
   * Maximum (AWS "Maximum outbound unacknowledged messages": 100); 0: the client's Receive Maximum alone.
   */
  outboundInFlightMaximum: number;
}

const aws: BrokerLimits = {
  maxPayloadBytes: 128 * 1024,
  maxTopicBytes: 256,
  maxTopicSlashes: 7,
  maxClientIdBytes: 128,
  subscriptionsPerConnection: 50,
  filtersPerSubscribe: 8,
  publishesPerSecond: 100,
  keepAliveMin: 30,
  keepAliveMax: 1200,
  backlogPerSecond: 10,
  sessionExpiryDefault: 3600,
  sessionExpiryMax: 604_800,
  topicAliasMaximum: 8,
  receiveMaximum: 100,
  outboundInFlightMaximum: 100,
};

/** Standard mode keeps generous, spec-compatible limits: large enough never to surprise, small enough to protect a laptop. */
const standard: BrokerLimits = {
  maxPayloadBytes: 16 * 1024 * 1024,
  maxTopicBytes: 65535,
  maxTopicSlashes: 0,
  maxClientIdBytes: 65535,
  subscriptionsPerConnection: 0,
  filtersPerSubscribe: 0,
  publishesPerSecond: 0,
  keepAliveMin: 0,
  keepAliveMax: 0,
  backlogPerSecond: 0,
  sessionExpiryDefault: 0,
  sessionExpiryMax: 0,
  topicAliasMaximum: 64,
  receiveMaximum: 65535,
  outboundInFlightMaximum: 0,
};

export function defaultLimits(mode: BrokerMode): BrokerLimits {
  return { ...(mode === 'aws' ? aws : standard) };
}
