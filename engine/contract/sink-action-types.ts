/** What the UI does with a sink beyond reading its records: queue messages, topic subscriptions, objects, table queries. */
import type { JsonValue } from './shadow-types.js';

/** An SQS message attribute, as SendMessage takes it (`String`, `Number`, `Binary` and their `.custom` types). */
export interface QueueMessageAttribute {
  DataType: string;
  StringValue?: string;
  /** Base64. */
  BinaryValue?: string;
}

/** SendMessage's parameters besides the queue. */
export interface QueueSendInput {
  body: string;
  attributes?: Record<string, QueueMessageAttribute>;
  /** Standard queues: 0–900 s (refused on FIFO queues, as by AWS). */
  delaySeconds?: number;
  /** FIFO queues: required. */
  messageGroupId?: string;
  /** FIFO queues: required unless the queue has content-based deduplication. */
  messageDeduplicationId?: string;
}

export interface QueueSent {
  messageId: string;
  md5OfMessageBody: string;
  /** FIFO queues. */
  sequenceNumber?: string;
}

/** ReceiveMessage's parameters (no long polling: the UI answers at once). */
export interface QueueReceiveInput {
  /** 1–10 (default 1). */
  maxMessages?: number;
  /** Overrides the queue's visibility timeout for these messages, 0–43200 s. */
  visibilityTimeoutSeconds?: number;
}

export interface QueueReceived {
  messageId: string;
  /** Deletes the message (`sinks.deleteMessage`) until it becomes visible again and is received anew. */
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  /** AWS's system attributes: `SentTimestamp`, `ApproximateReceiveCount`, `MessageGroupId`, … */
  attributes: Record<string, string>;
  messageAttributes?: Record<string, QueueMessageAttribute>;
  /** When the message becomes visible again unless deleted (epoch ms). */
  visibleAgainAt: number;
}

/** A queue's message counts (GetQueueAttributes' ApproximateNumberOfMessages*). */
export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** One subscription of a notification topic, as ListSubscriptionsByTopic and GetSubscriptionAttributes show it. */
export interface TopicSubscription {
  /** `PendingConfirmation` until an http/https endpoint confirms. */
  arn: string;
  protocol: string;
  endpoint: string;
  rawMessageDelivery: boolean;
  /** The filter policy's JSON text, or null. */
  filterPolicy: string | null;
  /** `MessageAttributes` (the default) or `MessageBody`. */
  filterPolicyScope: string;
  confirmed: boolean;
  /** Set by the sink's `subscriptions` option (change it there) rather than by Subscribe. */
  fromOptions: boolean;
}

/** Subscribe's parameters: `sqs` takes a queue ARN or name, `lambda` a function ARN or name, `mqtt` a topic, http(s) a URL. */
export interface TopicSubscribeInput {
  protocol: 'sqs' | 'lambda' | 'mqtt' | 'http' | 'https' | 'desktop' | 'email' | 'sms';
  endpoint?: string;
  rawMessageDelivery?: boolean;
  /** A filter policy's JSON text. */
  filterPolicy?: string;
  filterPolicyScope?: 'MessageAttributes' | 'MessageBody';
}

/** Publish's parameters besides the topic. */
export interface TopicPublishInput {
  message: string;
  subject?: string;
  /** String attributes (`{ DataType: 'String', StringValue }`), e.g. for filter policies. */
  attributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  /** FIFO topics. */
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

/** A bucket of the local S3. */
export interface BucketSummary {
  name: string;
  createdAt: number;
}

/** One object of a bucket (the local S3 that Firehose and the `s3` action write to). */
export interface ObjectSummary {
  bucket: string;
  key: string;
  size: number;
  lastModified: number;
  etag: string;
  contentType: string;
  contentEncoding?: string;
}

export interface ObjectPage {
  objects: ObjectSummary[];
  /** Folders one level below the prefix (with `delimiter`). */
  prefixes: string[];
  /** More keys follow the last one (list again with `after` set to it). */
  truncated: boolean;
}

export interface ObjectQuery {
  prefix?: string;
  /** Roll keys up into `prefixes` at this delimiter (usually `/`). */
  delimiter?: string;
  /** Keys after this one. */
  after?: string;
  /** At most this many (default and most 1000). */
  limit?: number;
}

/** One object's content for a viewer: text when it is UTF-8 (after gunzip, when gzip), and the raw bytes for a download. */
export interface ObjectContent extends ObjectSummary {
  /** The stored bytes were gzip (Firehose's GZIP compression, or a `.gz` key): `text` is what they decompress to. */
  gzip: boolean;
  /** UTF-8 text of the (decompressed) body, or null when it is binary. At most the first 1 MiB. */
  text: string | null;
  /** The text was cut at 1 MiB. */
  textTruncated: boolean;
  /** The text parsed as JSON, or each line of JSON lines parsed; null when neither. */
  json: JsonValue | null;
  /** The first 256 bytes (of the stored body), hex. */
  hexHead: string;
  /** The whole stored body, base64, for a download; null beyond 16 MiB. */
  base64: string | null;
}

/** A DynamoDB key condition the UI builds: the partition key's value and, optionally, one on the sort key. */
export interface TableQueryInput {
  /** The partition key's value (a number as its decimal text for an N key; base64 for a B key). */
  partition: string;
  sort?: { op: '=' | '<' | '<=' | '>' | '>=' | 'begins_with' | 'between'; value: string; value2?: string };
  /** Newest sort key first (ScanIndexForward false). */
  descending?: boolean;
  /** At most this many items (default 100, at most 1000). */
  limit?: number;
  /** A global or local secondary index. */
  index?: string;
}

export interface TableQueryResult {
  /** Items as plain JSON (numbers as numbers, sets as arrays, binary as base64). */
  items: JsonValue[];
  count: number;
  scannedCount: number;
  /** More items match than `limit` returned. */
  more: boolean;
}
