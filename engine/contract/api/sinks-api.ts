import type {
  BucketSummary, ObjectContent, ObjectPage, ObjectQuery, QueueCounts, QueueReceiveInput, QueueReceived, QueueSendInput, QueueSent,
  TableQueryInput, TableQueryResult, TopicPublishInput, TopicSubscribeInput, TopicSubscription,
} from '../sink-action-types.js';
import type { SinkInfo, SinkKind, SinkOptions, SinkRecord, SinkRecordQuery } from '../sink-types.js';

/** Local sinks that rule actions write to (engine/sinks); a missing target fails the action, as on AWS. */
export interface SinksApi {
  /** Existing sinks, optionally of one kind. */
  list(kind?: SinkKind): Promise<SinkInfo[]>;
  /** Creates a queue, topic, stream, delivery stream, table, log group or alarm; returns the existing one unchanged if it exists. */
  create(kind: SinkKind, name: string, options?: SinkOptions): Promise<SinkInfo>;
  /** Deletes a sink and its records. */
  delete(kind: SinkKind, name: string): Promise<void>;
  /** Kept records, newest first: queue messages, inbox notifications, stream records, delivered files, items, data points, log events, alarm states. */
  records(kind: SinkKind, name: string, query?: SinkRecordQuery): Promise<SinkRecord[]>;
  /** A queue's visible, in-flight and delayed message counts. NotFound for a missing queue. */
  queueCounts(queue: string): Promise<QueueCounts>;
  /** SendMessage, with SQS's checks and messages (FIFO queues need a group id; delays are for standard queues). */
  send(queue: string, input: QueueSendInput): Promise<QueueSent>;
  /** ReceiveMessage without waiting: the messages are in flight for the visibility timeout, their receipt handles returned. */
  receive(queue: string, input?: QueueReceiveInput): Promise<QueueReceived[]>;
  /** DeleteMessage by a receipt handle (an already deleted message is no error, as on AWS). */
  deleteMessage(queue: string, receiptHandle: string): Promise<void>;
  /** PurgeQueue: every message goes; once per 60 seconds per queue (Conflict otherwise, as on AWS). */
  purge(queue: string): Promise<void>;
  /** A notification topic's subscriptions (the inbox is not one: it always receives). */
  subscriptions(topic: string): Promise<TopicSubscription[]>;
  /** Subscribe (a queue or function by name or ARN); the same subscription again answers it unchanged. */
  subscribe(topic: string, input: TopicSubscribeInput): Promise<TopicSubscription>;
  /** Unsubscribe by subscription ARN. */
  unsubscribe(subscriptionArn: string): Promise<void>;
  /** Publish to a notification topic, as SNS Publish. */
  publish(topic: string, input: TopicPublishInput): Promise<{ messageId: string; sequenceNumber?: string }>;
  /** The local S3's buckets (Firehose's and the `s3` action's, and those made with the S3 API), by name. */
  buckets(): Promise<BucketSummary[]>;
  /** A bucket's objects (the local S3 Firehose and the `s3` action write to), in key order. */
  objects(bucket: string, query?: ObjectQuery): Promise<ObjectPage>;
  /** One object for a viewer (text or JSON, gzip decoded; hex head of binary) and its bytes for a download. */
  object(bucket: string, key: string): Promise<ObjectContent>;
  /** A DynamoDB Query by partition key (and a sort key condition) over a table or one of its indexes. */
  query(table: string, input: TableQueryInput): Promise<TableQueryResult>;
}
