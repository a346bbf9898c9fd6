import type { MessageBatch } from '../contract/index.js';
import { toRecord, type CapturedMessage } from './message-log.js';
import type { TopicIndex } from './topic-index.js';

/**
 * Batches captured traffic for the UI every `intervalMs`. The broker only appends to a bounded
 * buffer and never waits: beyond `maxPerBatch` messages are coalesced into the `dropped` count
 * (the topic statistics still carry them), so nothing is lost silently; so is a message the history let go of
 * before the batch went out.
 */
export class LiveFeed {
  private pending: CapturedMessage[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly topics: TopicIndex,
    private readonly emit: (batch: MessageBatch) => void,
    /** Whether the history still holds a message (its payload is read from there). */
    private readonly held: (msg: CapturedMessage) => boolean,
    private readonly intervalMs = 100,
    private readonly maxPerBatch = 1000,
  ) {}

  push(msg: CapturedMessage): void {
    if (this.pending.length < this.maxPerBatch) this.pending.push(msg);
    else this.dropped++;
  }

  start(): void {
    this.timer ??= setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  flush(): void {
    const topics = this.topics.takeChanged();
    const removed = this.topics.takeRemoved();
    if (!this.pending.length && !this.dropped && !topics.length && !removed.length) return;
    const messages = this.pending.filter((m) => this.held(m)).map((m) => toRecord(m));
    const batch: MessageBatch = { messages, dropped: this.dropped + this.pending.length - messages.length, topics };
    if (removed.length) batch.removed = removed;
    this.pending = [];
    this.dropped = 0;
    this.emit(batch);
  }
}
