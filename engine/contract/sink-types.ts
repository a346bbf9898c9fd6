/** Local sinks that rule actions feed (queues, notification topics, streams, delivery streams, tables, CloudWatch). */
import type { JsonObject, JsonValue } from './shadow-types.js';

/**
 * `queue` (sqs), `notify` (sns), `stream` (kinesis), `firehose`, `table` (dynamoDB, dynamoDBv2),
 * `metric` (cloudwatchMetric, one per namespace), `log` (cloudwatchLogs, one per log group), `alarm` (cloudwatchAlarm).
 */
export type SinkKind = 'queue' | 'notify' | 'stream' | 'firehose' | 'table' | 'metric' | 'log' | 'alarm';

export const sinkKinds: readonly SinkKind[] = ['queue', 'notify', 'stream', 'firehose', 'table', 'metric', 'log', 'alarm'];

/**
 * Options for `sinks.create`, per kind (unknown fields are refused):
 * - queue: `visibilityTimeoutSeconds` (30), `maxReceiveCount` + `deadLetterQueue` (a queue name), `retentionSeconds` (345600),
 *   `delaySeconds` (0), `receiveWaitSeconds` (0), `maximumMessageSize` (262144), and for `.fifo` queues
 *   `contentBasedDeduplication`, `deduplicationScope` ('queue' | 'messageGroup'), `fifoThroughputLimit`
 * - notify: `subscriptions`: `{ protocol: 'mqtt', endpoint: topic }`, `{ protocol: 'http' | 'https', endpoint: url }` or
 *   `{ protocol: 'desktop' }` (a desktop notification, pushed as `sinks.notified`); the UI inbox always receives
 * - stream: `shardCount` (1), `retentionHours` (24), `consumer` (a local function name; needs the function runner)
 * - firehose: `bufferSizeBytes` (5 MiB), `bufferIntervalSeconds` (300), `appendNewline` (true), `transform` (a function name)
 * - table: `hashKey` `{ name, type: 'S' | 'N' | 'B' }` (required), `rangeKey` (optional, same shape), `streamViewType`
 *   (`KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE`, `NEW_AND_OLD_IMAGES`: keep a change feed for DynamoDB Streams),
 *   `billingMode` (`PROVISIONED`, `PAY_PER_REQUEST`), `readCapacityUnits`, `writeCapacityUnits` (shown, not enforced)
 * - alarm: `state` ('INSUFFICIENT_DATA')
 */
export type SinkOptions = JsonObject;

export interface SinkInfo {
  kind: SinkKind;
  name: string;
  /** An AWS-shaped identifier for action parameters: queue URL, topic ARN, stream ARN, … */
  arn: string;
  options: JsonObject;
  /** Records currently kept (messages in a queue, items in a table, …). */
  count: number;
  createdAt: number;
  /** For tables: the console query that shows its items as rows, e.g. `SELECT * FROM "Readings"`. */
  sql?: string;
}

/** One kept record; `data` is kind-specific (a queue message, a stream record, a table item, a log event, …). */
export interface SinkRecord {
  id: number;
  time: number;
  /** The trace id of the message whose rule action wrote it (null when written otherwise). */
  traceId: string | null;
  data: JsonValue;
}

export interface SinkRecordQuery {
  /** Only records with a larger id (for polling). */
  after?: number;
  /** Only records with a smaller id (for reading older ones, page by page). */
  before?: number;
  /** At most this many, newest first (default 100, at most 1000). */
  limit?: number;
  /** Only records of this trace id. */
  traceId?: string;
}

/** Pushed when a sink keeps a new record. */
export interface SinkRecorded {
  kind: SinkKind;
  name: string;
  id: number;
  traceId: string | null;
  time: number;
}

/**
 * Pushed when a notification topic with a `desktop` subscription publishes: the UI shows it as a desktop
 * notification (a Web Notification in browser mode, Electron's Notification in the desktop app).
 */
export interface SinkNotified {
  /** The notification topic's name and ARN. */
  topic: string;
  topicArn: string;
  messageId: string;
  subject: string | null;
  message: string;
  time: number;
  /** The trace id of the message whose rule action published it (null when published otherwise). */
  traceId: string | null;
}
