import type { MessageQuery, MessageRecord } from '../contract/index.js';
import { topicMatches } from '../contract/index.js';
import { toMessageProperties } from './message-properties.js';
import type { Properties } from './mqtt5/properties.js';
import { PayloadRing } from './payload-ring.js';

/** Preview size for payloads sent to the UI (ARCHITECTURE §4). */
export const PREVIEW_BYTES = 16 * 1024;

export interface CapturedMessage {
  id: number;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  clientId: string | null;
  time: number;
  /** Where the history keeps the payload (see PayloadRing): -1 for a copy of its own. */
  segment: number;
  /** MQTT 5 properties, shared with the message (never changed after publication). */
  properties?: Properties;
}

/**
 * Bounded traffic history: a ring of the last `capacity` messages that also keeps the bytes it holds
 * under `maxBytes`, dropping the oldest first. Payloads are copied into a PayloadRing and encoded only on read;
 * a message's payload stays valid while the log holds it (`holds`), and `onEvict` sees each message leave.
 */
export class MessageLog {
  private readonly ring: Array<CapturedMessage | undefined>;
  private readonly payloads: PayloadRing;
  private head = 0; // next slot to write
  private count = 0;
  private bytes = 0;
  private nextId = 1;

  constructor(readonly capacity: number, private readonly maxBytes: number, private readonly onEvict: (msg: CapturedMessage) => void = () => {}) {
    this.ring = new Array(capacity);
    this.payloads = new PayloadRing(maxBytes, (segment) => this.reclaim(segment));
  }

  /** Copies `payload` into the history. */
  append(topic: string, payload: Uint8Array, qos: 0 | 1 | 2, retain: boolean, clientId: string | null, time: number, properties?: Properties): CapturedMessage {
    const stored = this.payloads.store(payload);
    const captured: CapturedMessage = { id: this.nextId++, topic, payload: stored.bytes, qos, retain, clientId, time, segment: stored.segment };
    if (properties) captured.properties = properties;
    const evicted = this.ring[this.head];
    if (evicted) this.letGo(evicted);
    else this.count++;
    this.ring[this.head] = captured;
    this.head = (this.head + 1) % this.capacity;
    this.bytes += payload.length;
    while (this.bytes > this.maxBytes && this.count > 1) this.dropOldest();
    return captured;
  }

  get size(): number {
    return this.count;
  }

  /** Whether `msg` is still in the history (and its payload still its own). */
  holds(msg: CapturedMessage): boolean {
    return this.get(msg.id) === msg;
  }

  get(id: number): CapturedMessage | undefined {
    const newest = this.nextId - 1;
    if (id > newest || id <= newest - this.count) return undefined;
    const slot = (this.head - 1 - (newest - id) + this.capacity * 2) % this.capacity;
    const msg = this.ring[slot];
    return msg?.id === id ? msg : undefined;
  }

  /** Most recent first. */
  query(q: MessageQuery = {}): CapturedMessage[] {
    const limit = Math.min(Math.max(q.limit ?? 500, 1), 10_000);
    const out: CapturedMessage[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i++) {
      const msg = this.ring[(this.head - i + this.capacity) % this.capacity]!;
      if (q.to !== undefined && msg.time > q.to) continue;
      if (q.from !== undefined && msg.time < q.from) break;
      if (q.filter && !topicMatches(q.filter, msg.topic, { dollar: true })) continue;
      out.push(msg);
    }
    return out;
  }

  /** The payload ring is about to write over `segment`: the oldest messages, the ones whose bytes live there, go. */
  private reclaim(segment: number): void {
    while (this.count > 0) {
      const oldest = this.ring[(this.head - this.count + this.capacity) % this.capacity]!;
      if (oldest.segment !== segment && oldest.segment !== -1) break;
      this.dropOldest();
    }
  }

  private dropOldest(): void {
    const slot = (this.head - this.count + this.capacity) % this.capacity;
    const msg = this.ring[slot];
    if (msg) this.letGo(msg);
    this.ring[slot] = undefined;
    this.count--;
  }

  private letGo(msg: CapturedMessage): void {
    this.bytes -= msg.payload.length;
    this.payloads.release(msg.segment);
    this.onEvict(msg);
  }
}

export function toRecord(msg: CapturedMessage, full = false): MessageRecord {
  const truncated = !full && msg.payload.length > PREVIEW_BYTES;
  const record: MessageRecord = {
    id: msg.id,
    topic: msg.topic,
    payload: (truncated ? msg.payload.subarray(0, PREVIEW_BYTES) : msg.payload).toString('base64'),
    size: msg.payload.length,
    truncated,
    qos: msg.qos,
    retain: msg.retain,
    clientId: msg.clientId,
    time: msg.time,
  };
  if (msg.properties) record.properties = toMessageProperties(msg.properties);
  return record;
}
