import type { TopicStats, TopicTable, TopicTablePage } from '../contract/index.js';
import { LinkedList, type Linked } from '../core/index.js';
import type { CapturedMessage } from './message-log.js';

const WINDOW_SECONDS = 10;
/** The part of a topic's last payload its statistics carry (the tree's preview; the message itself has the rest). */
export const TOPIC_PREVIEW_BYTES = 1024;
/** Topics the index follows at most; past it, the one quiet the longest makes room (and the UI is told). */
export const MAX_TOPICS = 250_000;

interface TopicEntry extends Linked<TopicEntry> {
  topic: string;
  count: number;
  buckets: Uint32Array; // messages per second, ring over the last WINDOW_SECONDS
  bucketSecond: number;
  last: CapturedMessage;
  /** `last`'s preview in base64, made once for the message it was made of. */
  preview?: { of: CapturedMessage; base64: string };
  retained: boolean;
}

/**
 * Per-topic statistics for the topic tree: count, rate, last message. Entries are kept in the order of their last
 * message (a list linked through them, each moved to its end by its message), so at the bound the topic quiet the
 * longest makes room for a new one; the names removed so are handed to the live feed (`takeRemoved`), never dropped
 * silently. Snapshots come sorted from a cached order that only new topics are merged into.
 */
export class TopicIndex {
  private readonly topics = new Map<string, TopicEntry>();
  /** Every entry, the one quiet the longest first. */
  private readonly recency = new LinkedList<TopicEntry>();
  private readonly changed = new Set<TopicEntry>();
  private removed: string[] = [];
  /** Every topic in name order as of the last snapshot, and the topics added since. */
  private sorted: TopicEntry[] = [];
  private added: TopicEntry[] = [];
  private removedSinceSort = false;

  constructor(private readonly maxTopics = MAX_TOPICS) {}

  get size(): number {
    return this.topics.size;
  }

  record(msg: CapturedMessage): void {
    let entry = this.topics.get(msg.topic);
    if (entry) {
      this.recency.remove(entry);
    } else {
      if (this.topics.size >= this.maxTopics) this.removeQuietest();
      entry = { topic: msg.topic, count: 0, buckets: new Uint32Array(WINDOW_SECONDS), bucketSecond: 0, last: msg, retained: false, prev: null, next: null };
      this.topics.set(msg.topic, entry);
      this.added.push(entry);
    }
    this.recency.push(entry);
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

  /**
   * A retained message stored before this start: its topic is in the tree (no messages counted yet) with the retained
   * message as its last value.
   */
  seedRetained(topic: string, payload: Buffer, qos: 0 | 1 | 2, time: number): void {
    const entry = this.topics.get(topic);
    if (entry) {
      entry.retained = true;
      return;
    }
    if (this.topics.size >= this.maxTopics) return;
    const last: CapturedMessage = { id: 0, topic, payload: Buffer.from(payload), qos, retain: true, clientId: null, time, segment: -1 };
    const seeded: TopicEntry = { topic, count: 0, buckets: new Uint32Array(WINDOW_SECONDS), bucketSecond: 0, last, retained: true, prev: null, next: null };
    this.topics.set(topic, seeded);
    this.recency.push(seeded);
    this.added.push(seeded);
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
    return this.inOrder(prefix).map((e) => stats(e, now));
  }

  /** The statistics of the named topics that the index follows, in the order asked. */
  statsOf(names: string[], now = Date.now()): TopicStats[] {
    const out: TopicStats[] = [];
    for (const name of names) {
      const entry = this.topics.get(name);
      if (entry) out.push(stats(entry, now));
    }
    return out;
  }

  /**
   * Every topic's name and figures, column by column (no payloads): the tree of 100,000 topics in a few MB. With a
   * page, the `limit` topics after `after` and, when more follow, `next` to ask for them.
   */
  table(prefix = '', now = Date.now(), page: TopicTablePage = {}): TopicTable {
    const all = this.inOrder(prefix);
    const start = page.after === undefined ? 0 : firstAfter(all, page.after);
    const end = page.limit === undefined ? all.length : Math.min(all.length, start + page.limit);
    const entries = start > 0 || end < all.length ? all.slice(start, end) : all;
    const table: TopicTable = { topics: [], count: [], rate: [], lastTime: [], lastSize: [], retained: [] };
    const second = Math.floor(now / 1000);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      advance(e, second);
      table.topics.push(e.topic);
      table.count.push(e.count);
      table.rate.push(rateOf(e));
      table.lastTime.push(e.last.time);
      table.lastSize.push(e.last.payload.length);
      if (e.retained) table.retained.push(i);
    }
    if (end < all.length && end > start) table.next = all[end - 1].topic;
    return table;
  }

  /** Topics changed since the last call. */
  takeChanged(now = Date.now()): TopicStats[] {
    const out = [...this.changed].map((e) => stats(e, now));
    this.changed.clear();
    return out;
  }

  /** Topics removed to make room since the last call. */
  takeRemoved(): string[] {
    const out = this.removed;
    this.removed = [];
    return out;
  }

  private removeQuietest(): void {
    const quietest = this.recency.first!;
    this.recency.remove(quietest);
    this.topics.delete(quietest.topic);
    this.changed.delete(quietest);
    this.removed.push(quietest.topic);
    this.removedSinceSort = true;
  }

  /** Topics under `prefix` by name, from the cached order with the new ones merged in. */
  private inOrder(prefix: string): TopicEntry[] {
    if (this.added.length || this.removedSinceSort) {
      const live = (e: TopicEntry) => this.topics.get(e.topic) === e;
      const added = this.added.filter(live).sort((a, b) => (a.topic < b.topic ? -1 : 1));
      const merged: TopicEntry[] = [];
      let i = 0;
      let j = 0;
      const old = this.sorted;
      while (i < old.length || j < added.length) {
        if (i < old.length && !live(old[i])) {
          i++;
          continue;
        }
        if (j >= added.length || (i < old.length && old[i].topic < added[j].topic)) merged.push(old[i++]);
        else merged.push(added[j++]);
      }
      this.sorted = merged;
      this.added = [];
      this.removedSinceSort = false;
    }
    if (!prefix) return this.sorted.slice();
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid].topic < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: TopicEntry[] = [];
    for (let i = lo; i < this.sorted.length && this.sorted[i].topic.startsWith(prefix); i++) out.push(this.sorted[i]);
    return out;
  }
}

/** Index of the first entry whose topic sorts after `topic`. */
function firstAfter(entries: readonly TopicEntry[], topic: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid].topic <= topic) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function advance(entry: TopicEntry, second: number): void {
  const gap = second - entry.bucketSecond;
  if (gap <= 0) return;
  for (let i = 1; i <= Math.min(gap, WINDOW_SECONDS); i++) entry.buckets[(entry.bucketSecond + i) % WINDOW_SECONDS] = 0;
  entry.bucketSecond = second;
}

function rateOf(entry: TopicEntry): number {
  let total = 0;
  for (let i = 0; i < WINDOW_SECONDS; i++) total += entry.buckets[i];
  return total / WINDOW_SECONDS;
}

function preview(entry: TopicEntry): string {
  const last = entry.last;
  if (entry.preview?.of !== last) entry.preview = { of: last, base64: last.payload.subarray(0, TOPIC_PREVIEW_BYTES).toString('base64') };
  return entry.preview.base64;
}

function stats(entry: TopicEntry, now: number): TopicStats {
  advance(entry, Math.floor(now / 1000));
  const last = entry.last;
  return {
    topic: entry.topic,
    count: entry.count,
    rate: rateOf(entry),
    lastPayload: preview(entry),
    lastSize: last.payload.length,
    lastQos: last.qos,
    retained: entry.retained,
    lastPublisher: last.clientId,
    lastTime: last.time,
  };
}
