import type {
  ActivityQuery, BrokerActivity, ClientInfo, DeleteRetainedOptions, ExportQuery, MessageQuery, MessageRecord, PublishInput, RetainedInfo,
  SeriesPoint, SeriesQuery, TopicStats, TopicTable, TopicTablePage,
} from '../types.js';

export interface BrokerApi {
  /** Snapshot of every topic seen, with statistics; live changes follow as `broker.messages` events. */
  topics(prefix?: string): Promise<TopicStats[]>;
  /**
   * The same snapshot in a compact form (columns, no payloads) for large trees; then `topicStats` for the rows shown.
   * By pages (`limit` topics after `after`, then `next`), so no one answer is large enough to stall the UI.
   */
  topicTable(prefix?: string, page?: TopicTablePage): Promise<TopicTable>;
  /** The statistics (with last-payload previews) of the named topics, in the order asked (at most 10,000 names). */
  topicStats(topics: string[]): Promise<TopicStats[]>;
  /**
   * Captured messages matching a topic filter and time range, most recent first. The engine keeps the last messages
   * of every topic (bounded in all by count and bytes, the topics holding the most giving way first), so a busy
   * topic never empties a quiet one's history; a filter naming one topic reads that topic only. `search` (text, ignoring case) and `regex`
   * (RE2) look into payloads, scanning at most 16 MiB of them per call.
   */
  messages(query?: MessageQuery): Promise<MessageRecord[]>;
  /** One captured message with its full payload (base64), or null when it has left the history. */
  message(id: number): Promise<MessageRecord | null>;
  /** A numeric field of one topic's JSON payloads over time from its history, oldest first, for charts. */
  series(query: SeriesQuery): Promise<SeriesPoint[]>;
  /** The stored retained messages (optionally under a topic prefix), by topic. */
  retained(prefix?: string): Promise<RetainedInfo[]>;
  /**
   * Clears a retained message as MQTT does (an empty retained publish), or with `subtree` every retained topic
   * under it too; resolves with the topics cleared. InvalidInput for a filter.
   */
  deleteRetained(topic: string, options?: DeleteRetainedOptions): Promise<string[]>;
  /** Recent connections, disconnections (with reason) and (un)subscriptions (with QoS), oldest first; live as `broker.activity`. */
  events(query?: ActivityQuery): Promise<BrokerActivity[]>;
  /** The history's messages (oldest first) as JSON lines in the format `thingbench replay` takes. */
  export(query?: ExportQuery): Promise<string>;
  /** Publishes as the engine itself (no client id), like the HTTP Publish API. */
  publish(msg: PublishInput): Promise<void>;
  clients(): Promise<ClientInfo[]>;
}
