import type { Logger } from '../core/index.js';

const MQTT_DOC = 'https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html';
const LIMITS_DOC = 'https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits';
const TOPICS_DOC = 'https://docs.aws.amazon.com/iot/latest/developerguide/topics.html';

/** Every place where AWS IoT Core departs from MQTT 3.1.1, with the one-line reason a learner needs. */
export const deviations = {
  qos2Publish: { why: 'AWS IoT does not support QoS 2: the PUBLISH was dropped and no PUBACK/PUBREC is sent.', doc: `${MQTT_DOC}#mqtt-differences` },
  qos2Will: { why: 'AWS IoT does not support QoS 2: an MQTT 5 CONNECT whose will has QoS 2 is refused with CONNACK 0x9B (Maximum QoS is 1).', doc: `${MQTT_DOC}#mqtt-differences` },
  qos2Subscribe: { why: 'AWS IoT does not support QoS 2: a SUBSCRIBE asking for QoS 2 gets no SUBACK and no subscription.', doc: `${MQTT_DOC}#mqtt-differences` },
  hashParent: { why: "AWS IoT's '#' does not match the parent level: the message was not delivered to this subscription.", doc: `${MQTT_DOC}#mqtt-differences` },
  retainedWildcard: { why: 'AWS IoT sends retained messages only to a subscription whose filter equals the topic exactly, never through wildcards.', doc: `${MQTT_DOC}#mqtt-retain` },
  reservedTopic: { why: "AWS IoT lets clients publish only to the reserved ('$') topics its services take requests on (shadow, jobs, Basic Ingest, provisioning, …): the publish was refused and the connection closed.", doc: 'https://docs.aws.amazon.com/iot/latest/developerguide/reserved-topics.html' },
  retainReserved: { why: "AWS IoT refuses RETAIN on reserved ('$') topics: the publish was rejected and the connection closed.", doc: `${MQTT_DOC}#mqtt-retain-using` },
  payloadTooLarge: { why: 'AWS IoT rejects payloads over 128 KB and disconnects the client (CLIENT_ERROR).', doc: LIMITS_DOC },
  topicTooLong: { why: 'AWS IoT rejects topics longer than 256 bytes and disconnects the client.', doc: `${TOPICS_DOC}#topicnames` },
  topicTooDeep: { why: 'AWS IoT allows at most 7 forward slashes in a topic or filter; the client was disconnected or the filter refused.', doc: `${TOPICS_DOC}#topicnames` },
  clientIdTooLong: { why: 'AWS IoT rejects client ids longer than 128 bytes (CONNACK: identifier rejected).', doc: LIMITS_DOC },
  keepAliveClamped: { why: 'AWS IoT clamps keep-alive to 30–1200 s (0 becomes 1200).', doc: LIMITS_DOC },
  tooManySubscriptions: { why: 'AWS IoT allows 50 subscriptions per connection: this filter was refused (SUBACK 0x80).', doc: LIMITS_DOC },
  tooManyFilters: { why: 'AWS IoT allows 8 topic filters per SUBSCRIBE: the extra filters were refused (SUBACK 0x80).', doc: LIMITS_DOC },
  publishThrottled: { why: 'AWS IoT allows 100 publishes per second per connection: the excess was discarded.', doc: LIMITS_DOC },
  shareNameTooLong: { why: 'AWS IoT allows a shared subscription ShareName of at most 128 characters: the filter was refused (SUBACK 0x80).', doc: `${MQTT_DOC}#mqtt5-shared-subscription` },
  sessionExpired: { why: "AWS IoT ends a persistent session once it has been disconnected for the account's \"Persistent session expiry period\" (1 hour by default; MQTT 3.1.1 keeps it forever): its subscriptions and queued messages were discarded.", doc: `${MQTT_DOC}#mqtt-persistent-sessions` },
  crossVersionSession: { why: 'AWS IoT does not resume a persistent session across MQTT versions (3.1.1 to 5 or back): the stored session was discarded and a new one started.', doc: `${MQTT_DOC}#mqtt-persistent-sessions` },
  subscriptionIdentifiers: { why: 'AWS IoT does not support MQTT 5 Subscription Identifiers (CONNACK says Subscription Identifier Available 0): a SUBSCRIBE carrying one gets DISCONNECT 0xA1.', doc: `${MQTT_DOC}#mqtt-differences` },
  messageExpiryClamped: { why: 'AWS IoT adjusts an MQTT 5 Message Expiry Interval to 1–604,800 s (0 becomes 1, more than 7 days becomes 7 days); MQTT 5 keeps the value sent.', doc: `${MQTT_DOC}#mqtt5-message-expiry` },
  backlogRate: { why: "AWS IoT replays a resumed persistent session's stored messages at 10 messages per second.", doc: `${MQTT_DOC}#mqtt-persistent-sessions` },
} as const;

export type DeviationId = keyof typeof deviations;

/**
 * Logs deviations as `warn` entries from source `broker.aws`, at most once per (deviation, client, topic)
 * every 10 s, so a flood of throttled publishes explains itself without drowning the log.
 */
export class DeviationLog {
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly logger: Logger, private readonly now: () => number) {}

  explain(id: DeviationId, details: { clientId?: string | null; topic?: string; [k: string]: unknown }): void {
    const key = `${id}\0${details.clientId ?? ''}\0${details.topic ?? ''}`;
    const now = this.now();
    if ((this.lastLogged.get(key) ?? -Infinity) > now - 10_000) return;
    if (this.lastLogged.size > 10_000) this.lastLogged.clear();
    this.lastLogged.set(key, now);
    const { why, doc } = deviations[id];
    this.logger.log('warn', 'broker.aws', why, { deviation: id, doc, ...details });
  }
}
