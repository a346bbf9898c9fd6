import type { TopicStats } from '../contract/index.js';
import { PREVIEW_BYTES, type CapturedMessage } from './message-log.js';

const WINDOW_SECONDS = 10;

interface TopicEntry {
  topic: string;
  count: number;
  buckets: Uint32Array; // messages per second, ring over the last WINDOW_SECONDS
  bucketSecond: number;
  last: CapturedMessage;
  retained: boolean;
}

/** Per-topic statistics for the topic tree: count, rate, last message. */
export class TopicIndex {
  private readonly topics = new Map<string, TopicEntry>();
  private readonly changed = new Set<TopicEntry>();

  constructor(private readonly maxTopics = 100_000) {}

  record(msg: CapturedMessage): void {
    let entry = this.topics.get(msg.topic);
    if (!entry) {
      if (this.topics.size >= this.maxTopics) return; // bounded: a topic flood cannot grow memory without end
      entry = { topic: msg.topic, count: 0, buckets: new Uint32Array(WINDOW_SECONDS), bucketSecond: 0, last: msg, retained: false };
      this.topics.set(msg.topic, entry);
    }
    const second = Math.floor(msg.time / 1000);
    advance(entry, second);
    entry.buckets[second % WINDOW_SECONDS]++;
    entry.count++;
    entry.last = msg;
    if (msg.retain) entry.retained = msg.payload.length > 0;
    this.changed.add(entry);
  }

  /** The history lets go of `msg`: a topic whose last message it is keeps a copy of its own. */
  forget(msg: CapturedMessage): void {
    const entry = this.topics.get(msg.topic);
    if (entry?.last === msg) entry.last = { ...msg, payload: Buffer.from(msg.payload), segment: -1 };
  }

  /** Marks whether a retained message is currently stored for the topic. */
  setRetained(topic: string, retained: boolean): void {
    const entry = this.topics.get(topic);
    if (entry && entry.retained !== retained) {
      entry.retained = retained;
      this.changed.add(entry);
    }
  }

  snapshot(prefix = '', now = Date.now()): TopicStats[] {
    const out: TopicStats[] = [];
    for (const entry of this.topics.values()) if (entry.topic.startsWith(prefix)) out.push(stats(entry, now));
    return out.sort((a, b) => (a.topic < b.topic ? -1 : 1));
  }

  /** Topics changed since the last call. */
  takeChanged(now = Date.now()): TopicStats[] {
    const out = [...this.changed].map((e) => stats(e, now));
    this.changed.clear();
    return out;
  }
}

function advance(entry: TopicEntry, second: number): void {
  const gap = second - entry.bucketSecond;
  if (gap <= 0) return;
  for (let i = 1; i <= Math.min(gap, WINDOW_SECONDS); i++) entry.buckets[(entry.bucketSecond + i) % WINDOW_SECONDS] = 0;
  entry.bucketSecond = second;
}

function stats(entry: TopicEntry, now: number): TopicStats {
  advance(entry, Math.floor(now / 1000));
  const total = entry.buckets.reduce((a, b) => a + b, 0);
  const last = entry.last;
  return {
    topic: entry.topic,
    count: entry.count,
    rate: total / WINDOW_SECONDS,
    lastPayload: last.payload.subarray(0, PREVIEW_BYTES).toString('base64'),
    lastSize: last.payload.length,
    lastQos: last.qos,
    retained: entry.retained,
    lastPublisher: last.clientId,
    lastTime: last.time,
  };
}
