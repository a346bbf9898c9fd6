import type { MessageBatch, TopicStats } from '../contract/index.js';

/**
 * Folds the `broker.messages` batches a slow peer could not take into one pending batch of bounded size:
 * messages are only counted (they stay fetchable through `broker.messages`), topic statistics keep the
 * latest value per topic so the peer's topic tree is still right once it catches up.
 */
export class BatchCoalescer {
  private dropped = 0;
  private readonly topics = new Map<string, TopicStats>();
  /** Topics the engine stopped following; a batch's `removed` applies before its `topics`. */
  private readonly removed = new Set<string>();

  get pending(): boolean {
    return this.dropped > 0 || this.topics.size > 0 || this.removed.size > 0;
  }

  absorb(batch: MessageBatch): void {
    this.dropped += batch.dropped + batch.messages.length;
    for (const topic of batch.removed ?? []) {
      this.topics.delete(topic);
      this.removed.add(topic);
    }
    for (const stats of batch.topics) this.topics.set(stats.topic, stats);
  }

  /** Merges what is pending into `next` (or into an empty batch) and starts over. */
  release(next: MessageBatch = { messages: [], dropped: 0, topics: [] }): MessageBatch {
    this.absorb({ messages: [], dropped: 0, topics: next.topics, ...(next.removed ? { removed: next.removed } : {}) });
    const merged: MessageBatch = { messages: next.messages, dropped: next.dropped + this.dropped, topics: [...this.topics.values()] };
    if (this.removed.size) merged.removed = [...this.removed];
    this.dropped = 0;
    this.topics.clear();
    this.removed.clear();
    return merged;
  }
}
