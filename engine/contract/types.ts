/** Data shapes shared by the engine and the renderer. Payloads travel as base64. */

export type BrokerMode = 'aws' | 'standard';

export interface Endpoints {
  mqtt: string;
  ws: string;
  http: string;
  [extra: string]: string;
}

export interface EngineInfo {
  version: string;
  brokerMode: BrokerMode;
  endpoints: Endpoints;
  dataDir: string;
  startedAt: number;
}

/** One message seen by the broker. `payload` is base64, capped at 16 KiB (`truncated` says when). */
export interface MessageRecord {
  id: number;
  topic: string;
  payload: string;
  size: number;
  truncated: boolean;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** Publisher's client id; null for messages the engine itself published (presence, HTTP). */
  clientId: string | null;
  time: number;
  /** The message's MQTT 5 properties; absent when it had none (an MQTT 3.1.1 publish). */
  properties?: MessageProperties;
}

/** MQTT 5 message properties as the UI sees them. */
export interface MessageProperties {
  /** true: the payload is UTF-8 (MQTT 5 Payload Format Indicator 1, AWS `UTF8_DATA`). */
  payloadFormatIndicator?: boolean;
  /** Seconds the publisher gave the message to live (Message Expiry Interval). */
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  /** Correlation data, base64. */
  correlationData?: string;
  /** User properties in the order the publisher sent them, duplicates included. */
  userProperties?: Array<[name: string, value: string]>;
}

export interface TopicStats {
  topic: string;
  count: number;
  /** Messages per second over the last 10 s. */
  rate: number;
  /** The first 1 KiB of the last payload, base64 (a preview: `lastSize` is its whole size; `broker.messages` has the rest). */
  lastPayload: string;
  lastSize: number;
  lastQos: 0 | 1 | 2;
  retained: boolean;
  lastPublisher: string | null;
  lastTime: number;
}

export interface MessageQuery {
  /** MQTT topic filter (`+`, `#`); default `#` (which here also matches `$` topics). */
  filter?: string;
  from?: number;
  to?: number;
  /** Most recent first, at most this many (default 500, max 10,000). */
  limit?: number;
  /** Text the payload contains, ignoring case. */
  search?: string;
  /** An RE2 regular expression the payload matches somewhere (an invalid one is InvalidInput with the parser's message). */
  regex?: string;
}

/** A numeric field of a topic's JSON payloads over time, from the history (`broker.series`). */
export interface SeriesQuery {
  topic: string;
  /** `$.a.b`, `a.b`, `a[0].b` or `$['a b']`. */
  path: string;
  from?: number;
  to?: number;
  /** The newest points, at most this many (default and max 10,000). */
  limit?: number;
}

/** `[time (ms), value]`, oldest first. */
export type SeriesPoint = [time: number, value: number];

/** A retained message stored by the broker. `payload` is base64, capped at 16 KiB like MessageRecord's. */
export interface RetainedInfo {
  topic: string;
  payload: string;
  size: number;
  truncated: boolean;
  qos: 0 | 1;
  lastModifiedTime: number;
}

export interface DeleteRetainedOptions {
  /** Also every retained topic below `topic` (`a/b` clears `a/b`, `a/b/c`, …). */
  subtree?: boolean;
}

/** What the broker's clients did: connections and subscriptions, for the explorer's timeline. */
export type BrokerActivity = {
  /** Increasing with each event; `broker.events` and the `broker.activity` event share it. */
  id: number;
  time: number;
  clientId: string;
} & (
  /** `https`, `coap`: a device session (a device that asks over requests instead of holding an MQTT connection). */
  | { kind: 'connected'; ipAddress: string; transport: 'tcp' | 'ws' | 'tls' | 'wss' | 'https' | 'coap' }
  /** `reason` as AWS's disconnected lifecycle event gives it (`CLIENT_INITIATED_DISCONNECT`, `CONNECTION_LOST`, …). */
  | { kind: 'disconnected'; reason: string }
  | { kind: 'subscribed'; subscriptions: Array<{ filter: string; qos: 0 | 1 | 2 }> }
  | { kind: 'unsubscribed'; filters: string[] }
);

/** A batch of the `broker.activity` event: `skipped` events did not fit (read them with `broker.events`). */
export interface ActivityBatch {
  events: BrokerActivity[];
  skipped: number;
}

export interface ActivityQuery {
  /** Events at or after this time (ms). */
  from?: number;
  /** The most recent events, at most this many (default 1,000; the engine keeps 10,000). */
  limit?: number;
  clientId?: string;
}

/** What `broker.export` writes: the history's messages in `thingbench replay`'s format. */
export interface ExportQuery {
  /** MQTT topic filter; default `#` (`$` topics included). */
  filter?: string;
  from?: number;
  to?: number;
  /** The most recent messages, at most this many (default and max 100,000). */
  limit?: number;
}

export interface PublishInput {
  topic: string;
  /** UTF-8 text, or base64 when `encoding` is `base64`. */
  payload: string;
  encoding?: 'utf8' | 'base64';
  qos?: 0 | 1;
  retain?: boolean;
  /** MQTT 5 properties to publish with (MQTT 5 subscribers, rules and the message log see them). */
  properties?: MessageProperties;
}

export interface ClientInfo {
  clientId: string;
  connectedAt: number;
  ipAddress: string;
  /** `https`, `coap`: a device session, which has no keep-alive (0) but ends after the broker's device idle time. */
  transport: 'tcp' | 'ws' | 'tls' | 'wss' | 'https' | 'coap';
  clean: boolean;
  keepalive: number;
  subscriptions: string[];
}

/** Usage counted as AWS bills it: messages in 5 KB increments, connection-minutes. */
export interface ClientUsage {
  /** The MQTT client id (an HTTPS or CoAP device's thing), or HTTP_PUBLISH_CALLER for the data plane's HTTP Publish. */
  clientId: string;
  messagesIn: number;
  messagesOut: number;
  billedMessages: number;
  bytesIn: number;
  bytesOut: number;
  connectionMinutes: number;
}

/** Messages published to a topic (in) and delivered to its subscribers (out), billed in 5 KB increments. */
export interface TopicUsage {
  topic: string;
  messagesIn: number;
  messagesOut: number;
  billedMessages: number;
}

export interface UsageReport {
  since: number;
  totals: Omit<ClientUsage, 'clientId'>;
  clients: ClientUsage[];
  topics: TopicUsage[];
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** `logs.recent`'s filters; every one given must hold. */
export interface LogQuery {
  /** The least severe level to return (`warn` returns warnings and errors). */
  level?: LogLevel;
  /** A source and its sub-sources: `broker` matches `broker` and `broker.aws`. */
  source?: string;
  /** Case-insensitive text in the message, the source or `details.topic`. */
  text?: string;
  /** The newest this many that match (default 200). */
  limit?: number;
}

export interface LogRecord {
  level: LogLevel;
  source: string;
  message: string;
  time: number;
  details?: Record<string, unknown>;
}

/**
 * A batch of live traffic: what the UI could not take in time is coalesced and counted in `dropped`. Topic changes are
 * never dropped: `topics` has the latest statistics of every topic that changed, `removed` the topics the engine
 * stopped following (past 250,000 topics, the one quiet the longest makes room for a new one).
 */
export interface MessageBatch {
  messages: MessageRecord[];
  dropped: number;
  topics: TopicStats[];
  removed?: string[];
}

/**
 * Every topic's figures column by column, sorted by topic, without payloads (`broker.topicTable`): what a tree of
 * 100,000 topics needs in a few MB. Read the previews of the rows on screen with `broker.topicStats(names)`.
 */
export interface TopicTable {
  topics: string[];
  count: number[];
  /** Messages per second over the last 10 s. */
  rate: number[];
  lastTime: number[];
  lastSize: number[];
  /** Indexes into `topics` of the topics with a retained message. */
  retained: number[];
  /** Asked by page and more topics follow: the last topic of this page, the `after` of the next. */
  next?: string;
}

/** A page of the topic table: at most `limit` topics, those sorting after `after`. */
export interface TopicTablePage {
  after?: string;
  limit?: number;
}
