import type {
  BucketSummary, ObjectContent, ObjectPage, ObjectQuery, QueueCounts, QueueReceived, QueueSendInput, TableQueryInput, TableQueryResult, ThingbenchClient,
  TopicPublishInput, TopicSubscribeInput, TopicSubscription,
} from '../../../engine/contract/index.js';

/** How often an open queue's counts are read again (receives and visibility timeouts change them without events). */
const COUNTS_MS = 2_000;
const BUCKETS_MS = 5_000;

/**
 * What the Sinks view does with the open sink: a queue's counts and the messages this view received (with their
 * receipt handles), a topic's subscriptions, a bucket's objects, a table's query. Rejections carry the engine's
 * (AWS's) message for the view to show beside the action.
 */
export class SinkActionsStore {
  counts = $state.raw<QueueCounts | null>(null);
  /** Messages received here and not yet deleted, newest receive first. */
  received = $state.raw<readonly QueueReceived[]>([]);
  subscriptions = $state.raw<readonly TopicSubscription[]>([]);
  subscriptionsLoaded = $state(false);
  /** The local S3's buckets, read while the Sinks view is open. */
  buckets = $state.raw<readonly BucketSummary[]>([]);

  private queue: string | null = null;
  private topic: string | null = null;

  constructor(private readonly client: ThingbenchClient) {}

  /** Reads the buckets now and every few seconds (Firehose and the `s3` action make them); returns the stop function. */
  watchBuckets(): () => void {
    const read = () => this.client.sinks.buckets().then((b) => { this.buckets = b; }, () => undefined);
    void read();
    const timer = setInterval(() => void read(), BUCKETS_MS);
    return () => clearInterval(timer);
  }

  /** Follows a queue's counts while its detail is open; returns the stop function. */
  watchQueue(queue: string): () => void {
    this.queue = queue;
    this.counts = null;
    this.received = [];
    void this.readCounts();
    const timer = setInterval(() => void this.readCounts(), COUNTS_MS);
    return () => {
      clearInterval(timer);
      if (this.queue === queue) this.queue = null;
    };
  }

  async readCounts(): Promise<void> {
    const q = this.queue;
    if (!q) return;
    try {
      const c = await this.client.sinks.queueCounts(q);
      if (this.queue === q) this.counts = c;
    } catch {
      // the queue was deleted: its detail says so
    }
  }

  async send(queue: string, input: QueueSendInput): Promise<string> {
    const sent = await this.client.sinks.send(queue, input);
    void this.readCounts();
    return sent.messageId;
  }

  async receive(queue: string, maxMessages: number, visibilityTimeoutSeconds?: number): Promise<number> {
    const got = await this.client.sinks.receive(queue, { maxMessages, ...(visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeoutSeconds }) });
    const ids = got.map((m) => m.messageId);
    if (this.queue === queue) this.received = [...got, ...this.received.filter((m) => !ids.includes(m.messageId))];
    void this.readCounts();
    return got.length;
  }

  async deleteMessage(queue: string, m: QueueReceived): Promise<void> {
    await this.client.sinks.deleteMessage(queue, m.receiptHandle);
    this.received = this.received.filter((x) => x.receiptHandle !== m.receiptHandle);
    void this.readCounts();
  }

  async purge(queue: string): Promise<void> {
    await this.client.sinks.purge(queue);
    this.received = [];
    void this.readCounts();
  }

  /** Reads a topic's subscriptions (and keeps them for the open topic). */
  async readSubscriptions(topic: string): Promise<void> {
    if (this.topic !== topic) {
      this.topic = topic;
      this.subscriptions = [];
      this.subscriptionsLoaded = false;
    }
    const got = await this.client.sinks.subscriptions(topic);
    if (this.topic !== topic) return;
    this.subscriptions = got;
    this.subscriptionsLoaded = true;
  }

  async subscribe(topic: string, input: TopicSubscribeInput): Promise<void> {
    await this.client.sinks.subscribe(topic, input);
    await this.readSubscriptions(topic);
  }

  async unsubscribe(topic: string, arn: string): Promise<void> {
    await this.client.sinks.unsubscribe(arn);
    await this.readSubscriptions(topic);
  }

  async publish(topic: string, input: TopicPublishInput): Promise<string> {
    return (await this.client.sinks.publish(topic, input)).messageId;
  }

  objects(bucket: string, query: ObjectQuery): Promise<ObjectPage> {
    return this.client.sinks.objects(bucket, query);
  }

  object(bucket: string, key: string): Promise<ObjectContent> {
    return this.client.sinks.object(bucket, key);
  }

  query(table: string, input: TableQueryInput): Promise<TableQueryResult> {
    return this.client.sinks.query(table, input);
  }
}
