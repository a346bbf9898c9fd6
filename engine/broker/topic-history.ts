import { LinkedList, type Linked } from '../core/index.js';
import type { CapturedMessage } from './message-log.js';
import type { Properties } from './mqtt5/properties.js';
import { PayloadRing } from './payload-ring.js';

/** Bytes charged to the budget for each message besides its payload (the record and the indexes that find it). */
export const MESSAGE_OVERHEAD = 160;

export interface HistoryLimits {
  /** Messages kept in all (every topic's included). */
  messages: number;
  /** Payload bytes plus MESSAGE_OVERHEAD per message, in all. */
  bytes: number;
  /** Messages kept per topic: its last ones. */
  perTopic: number;
}

/** A topic's messages, oldest first; linked into the bucket of topics holding as many (`CountBuckets`). */
interface TopicMessages extends Linked<TopicMessages> {
  topic: string;
  messages: CapturedMessage[];
}

/** What a scan of the history visits, newest first; `visit` returns false to stop. */
export interface Scan {
  filter?: string;
  from?: number;
  to?: number;
}

/**
 * The traffic history, per topic: the last `perTopic` messages of every topic, bounded in all by a message count and
 * a byte budget. When either is exceeded, the topic holding the most messages gives up its oldest (among equals, the
 * one that reached that count first), so a flood on busy topics never empties a quiet topic's history: a topic
 * keeps at least its last message until every topic is down to one, and only then do the oldest of those go.
 *
 * Ids grow with every message; `get(id)` finds one by binary search in the arrival order. Payloads are copied into a
 * PayloadRing and stay valid while the history holds the message (`holds`); `onEvict` sees each message leave.
 */
export class TopicHistory {
  private readonly topics = new Map<string, TopicMessages>();
  /** Every held message in arrival (id) order, with holes: messages let go are marked `gone` and skipped. */
  private order: CapturedMessage[] = [];
  private start = 0;
  private holes = 0;
  private readonly buckets = new CountBuckets();
  private count = 0;
  private bytes = 0;
  private nextId = 1;
  private readonly payloads: PayloadRing;
  /** The messages whose payload was written into each segment, so they can be copied out before it is reused. */
  private readonly bySegment = new Map<number, CapturedMessage[]>();
  private readonly segmentListBound = new Map<number, number>();

  constructor(readonly limits: HistoryLimits, private readonly onEvict: (msg: CapturedMessage) => void = () => {}) {
    this.payloads = new PayloadRing(limits.bytes, (segment) => this.reclaim(segment));
  }

  /** Copies `payload` into the history. */
  append(topic: string, payload: Uint8Array, qos: 0 | 1 | 2, retain: boolean, clientId: string | null, time: number, properties?: Properties): CapturedMessage {
    const stored = this.payloads.store(payload);
    const msg: CapturedMessage = { id: this.nextId++, topic, payload: stored.bytes, qos, retain, clientId, time, segment: stored.segment };
    if (properties) msg.properties = properties;
    if (stored.segment >= 0) {
      let list = this.bySegment.get(stored.segment);
      if (!list) this.bySegment.set(stored.segment, (list = []));
      list.push(msg);
      // Tiny payloads put many messages in one segment: forget the ones already let go once the list has doubled.
      if (list.length >= (this.segmentListBound.get(stored.segment) ?? 4096)) {
        const live = list.filter((m) => !m.gone);
        this.bySegment.set(stored.segment, live);
        this.segmentListBound.set(stored.segment, Math.max(4096, live.length * 2));
      }
    }
    let entry = this.topics.get(topic);
    if (!entry) this.topics.set(topic, (entry = { topic, messages: [], prev: null, next: null }));
    entry.messages.push(msg);
    this.moved(entry, entry.messages.length - 1);
    this.order.push(msg);
    this.count++;
    this.bytes += payload.length + MESSAGE_OVERHEAD;
    if (entry.messages.length > this.limits.perTopic) this.dropOldestOf(entry);
    while ((this.count > this.limits.messages || this.bytes > this.limits.bytes) && this.count > 1) this.evictOne();
    return msg;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes charged to the budget (payloads and per-message overhead). */
  get heldBytes(): number {
    return this.bytes;
  }

  get topicCount(): number {
    return this.topics.size;
  }

  /** Whether `msg` is still in the history (and its payload still its own). */
  holds(msg: CapturedMessage): boolean {
    return msg.gone !== true;
  }

  get(id: number): CapturedMessage | undefined {
    let lo = this.start;
    let hi = this.order.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.order[mid];
      if (m.id === id) return m.gone ? undefined : m;
      if (m.id < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** A topic's held messages, oldest first (the history's own array: do not change it). */
  ofTopic(topic: string): readonly CapturedMessage[] {
    return this.topics.get(topic)?.messages ?? [];
  }

  /**
   * Visits held messages newest first within the scan's time range and topic filter (default `#`, which here matches
   * `$` topics too) until `visit` returns false. A filter naming one topic reads that topic's messages only.
   */
  scan(s: Scan, visit: (msg: CapturedMessage) => boolean): void {
    const inRange = (m: CapturedMessage) => s.to === undefined || m.time <= s.to;
    const filter = s.filter ?? '#';
    if (!filter.includes('+') && !filter.includes('#')) {
      const messages = this.ofTopic(filter);
      for (let i = messages.length - 1; i >= 0; i--) {
        const m = messages[i];
        if (s.from !== undefined && m.time < s.from) break;
        if (inRange(m) && !visit(m)) return;
      }
      return;
    }
    const matches = filter === '#' ? null : compileFilter(filter);
    for (let i = this.order.length - 1; i >= this.start; i--) {
      const m = this.order[i];
      if (m.gone) continue;
      if (s.from !== undefined && m.time < s.from) break;
      if (!inRange(m)) continue;
      if (matches && !matches(m.topic)) continue;
      if (!visit(m)) return;
    }
  }

  /** Keeps `buckets` right after `entry` went from `before` messages to its current count. */
  private moved(entry: TopicMessages, before: number): void {
    const now = entry.messages.length;
    if (before > 0) this.buckets.remove(entry, before);
    if (now > 0) this.buckets.add(entry, now);
    else this.topics.delete(entry.topic);
  }

  /** Over a bound: the topic holding the most messages gives up its oldest; with one message each, the oldest goes. */
  private evictOne(): void {
    const busiest = this.buckets.firstOfMost();
    if (busiest) {
      this.dropOldestOf(busiest);
      return;
    }
    this.skipHoles();
    const oldest = this.order[this.start];
    if (oldest) this.dropOldestOf(this.topics.get(oldest.topic)!);
  }

  private dropOldestOf(entry: TopicMessages): void {
    const msg = entry.messages.shift()!;
    this.moved(entry, entry.messages.length + 1);
    this.letGo(msg);
  }

  private letGo(msg: CapturedMessage): void {
    msg.gone = true;
    this.count--;
    this.bytes -= msg.payload.length + MESSAGE_OVERHEAD;
    this.payloads.release(msg.segment, msg.payload.length);
    this.holes++;
    this.skipHoles();
    if (this.holes > 4096 && this.holes > this.count) this.compact();
    this.onEvict(msg);
  }

  private skipHoles(): void {
    while (this.start < this.order.length && this.order[this.start].gone) {
      this.start++;
      this.holes--;
    }
    if (this.start > 4096 && this.start * 2 > this.order.length) this.compact();
  }

  private compact(): void {
    const live: CapturedMessage[] = [];
    for (let i = this.start; i < this.order.length; i++) if (!this.order[i].gone) live.push(this.order[i]);
    this.order = live;
    this.start = 0;
    this.holes = 0;
  }

  /** The payload ring is about to write over `segment`: messages still held there get copies of their own. */
  private reclaim(segment: number): void {
    const list = this.bySegment.get(segment);
    if (!list) return;
    this.bySegment.delete(segment);
    this.segmentListBound.delete(segment);
    for (const msg of list) {
      if (msg.gone || msg.segment !== segment) continue;
      this.payloads.release(segment, msg.payload.length);
      msg.payload = Buffer.from(msg.payload);
      msg.segment = -1;
    }
  }
}

/**
 * Topics by how many messages they hold (index = count), each count's topics in the order they reached it. Every
 * message moves its topic from one count to the next, so this is on the history's hottest path: linked lists, not Sets.
 */
class CountBuckets {
  private readonly lists: (LinkedList<TopicMessages> | undefined)[] = [];
  private most = 0;

  add(entry: TopicMessages, count: number): void {
    (this.lists[count] ??= new LinkedList()).push(entry);
    if (count > this.most) this.most = count;
  }

  remove(entry: TopicMessages, count: number): void {
    this.lists[count]!.remove(entry);
  }

  /** The topic that first reached the highest count above one, if any topic holds more than one message. */
  firstOfMost(): TopicMessages | null {
    while (this.most > 1 && !this.lists[this.most]?.first) this.most--;
    return this.most > 1 ? this.lists[this.most]!.first : null;
  }
}

/**
 * An MQTT topic filter as a test on topic names, split once (MQTT 3.1.1 §4.7: `+` one level, `#` this level and all
 * below, the parent included). Here `$` topics match leading wildcards too, as in the history's queries.
 */
export function compileFilter(filter: string): (topic: string) => boolean {
  const levels = filter.split('/');
  return (topic) => {
    let start = 0;
    for (const level of levels) {
      if (level === '#') return true;
      if (start > topic.length) return false;
      let end = topic.indexOf('/', start);
      if (end < 0) end = topic.length;
      if (level !== '+' && (end - start !== level.length || !topic.startsWith(level, start))) return false;
      start = end + 1;
    }
    return start === topic.length + 1;
  };
}
