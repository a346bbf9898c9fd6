import { randomUUID } from 'node:crypto';
import { topicMatches, type DeliveryMapping, type DeliveryMappingInput } from '../contract/index.js';
import { EngineError, TopicMemo } from '../core/index.js';
import type { Store } from '../storage/index.js';

/** An event's time-to-live when its mapping names none, in seconds. */
export const DEFAULT_EVENT_TTL_SECONDS = 3600;
/** The longest time-to-live a mapping may set: 7 days, as AWS IoT's largest Message Expiry Interval. */
export const MAX_EVENT_TTL_SECONDS = 604_800;

/** How specific a filter is: literal levels count most, then `+`, and a `#` least (`a/b/c` > `a/+/c` > `a/#` > `#`). */
export function specificity(filter: string): number {
  let score = 0;
  for (const level of filter.split('/')) score += level === '#' ? 0 : level === '+' ? 1 : 1000;
  return score * 100 + Math.min(filter.length, 99);
}

/** Checks a mapping as the contract's edge received it; throws InvalidInput saying what is wrong. */
function validated(input: DeliveryMappingInput): void {
  if ((input.filter === undefined) === (input.device === undefined)) throw new EngineError('InvalidInput', 'a delivery mapping takes either a filter or a device');
  if (input.filter !== undefined && !validFilter(input.filter)) throw new EngineError('InvalidInput', `"${input.filter}" is not an MQTT topic filter`);
  if (input.device !== undefined && !input.device) throw new EngineError('InvalidInput', 'a device mapping needs a client id');
  if (input.class !== 'telemetry' && input.class !== 'event') throw new EngineError('InvalidInput', 'class must be "telemetry" or "event"');
  const ttl = input.ttlSeconds;
  if (ttl !== undefined && (input.class !== 'event' || !Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_EVENT_TTL_SECONDS)) {
    throw new EngineError('InvalidInput', `ttlSeconds is for events only, from 1 to ${MAX_EVENT_TTL_SECONDS}`);
  }
}

/** MQTT 3.1.1 §4.7.1: `#` only last and alone in its level, `+` alone in its level. */
function validFilter(filter: string): boolean {
  if (!filter || filter.length > 65_535) return false;
  const levels = filter.split('/');
  return levels.every((l, i) => (l.includes('#') ? l === '#' && i === levels.length - 1 : !l.includes('+') || l === '+'));
}

/**
 * The delivery-class mappings, kept in the store: by device first (the publisher's client id), then the most
 * specific topic filter that matches. The filter answer is remembered per topic (`TopicMemo`), so a publish pays one
 * map lookup.
 */
export class DeliveryMappings {
  private readonly byId = new Map<string, DeliveryMapping>();
  private readonly byDevice = new Map<string, DeliveryMapping>();
  /** Topic mappings, most specific first. */
  private byFilter: DeliveryMapping[] = [];
  private readonly memo = new TopicMemo<DeliveryMapping | null>((topic) => this.byFilter.find((m) => topicMatches(m.filter!, topic)) ?? null);

  constructor(private readonly store: Store, private readonly now: () => number) {
    for (const row of store.all<{ doc: string }>('SELECT doc FROM delivery_mappings')) {
      const m = JSON.parse(row.doc) as DeliveryMapping;
      this.byId.set(m.id, m);
    }
    this.index();
  }

  /** The mapping a message takes, or undefined (plain MQTT). */
  find(topic: string, publisher: string | null): DeliveryMapping | undefined {
    if (publisher !== null && this.byDevice.size) {
      const m = this.byDevice.get(publisher);
      if (m) return m;
    }
    return this.byFilter.length ? (this.memo.get(topic) ?? undefined) : undefined;
  }

  /** Whether any event mapping exists (consumers are tracked only then). */
  get hasEvents(): boolean {
    for (const m of this.byId.values()) if (m.class === 'event') return true;
    return false;
  }

  /** Whether events may arrive on topics `filter` matches: it overlaps an event mapping's filter, or a device maps to events. */
  mayReceiveEvents(filter: string): boolean {
    for (const m of this.byId.values()) {
      if (m.class !== 'event') continue;
      if (m.device !== undefined || filtersOverlap(m.filter!, filter)) return true;
    }
    return false;
  }

  list(): DeliveryMapping[] {
    return [...this.byId.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async put(input: DeliveryMappingInput): Promise<DeliveryMapping> {
    validated(input);
    const id = input.id ?? randomUUID();
    const previous = this.byId.get(id);
    const clash = this.list().find((m) => m.id !== id && (input.device !== undefined ? m.device === input.device : m.filter === input.filter));
    if (clash) throw new EngineError('AlreadyExists', `mapping ${clash.id} already maps ${input.device !== undefined ? `device ${input.device}` : `filter ${input.filter}`}`);
    const mapping: DeliveryMapping = {
      id, ...(input.filter !== undefined ? { filter: input.filter } : { device: input.device }), class: input.class,
      ...(input.class === 'event' ? { ttlSeconds: input.ttlSeconds ?? DEFAULT_EVENT_TTL_SECONDS } : {}), createdAt: previous?.createdAt ?? this.now(),
    };
    await this.store.write([{ sql: 'INSERT OR REPLACE INTO delivery_mappings (id, doc) VALUES (?, ?)', params: [id, JSON.stringify(mapping)] }]);
    this.byId.set(id, mapping);
    this.index();
    return mapping;
  }

  async delete(id: string): Promise<void> {
    if (!this.byId.has(id)) throw new EngineError('NotFound', `no delivery mapping ${id}`);
    await this.store.write([{ sql: 'DELETE FROM delivery_mappings WHERE id = ?', params: [id] }]);
    this.byId.delete(id);
    this.index();
  }

  private index(): void {
    this.byDevice.clear();
    const filters: DeliveryMapping[] = [];
    for (const m of this.byId.values()) {
      if (m.device !== undefined) this.byDevice.set(m.device, m);
      else filters.push(m);
    }
    this.byFilter = filters.sort((a, b) => specificity(b.filter!) - specificity(a.filter!));
    this.memo.clear();
  }
}

/** Whether some topic matches both filters. */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === '#' || y[i] === '#') return true;
    if (x[i] === undefined || y[i] === undefined) return false;
    if (x[i] !== '+' && y[i] !== '+' && x[i] !== y[i]) return false;
  }
  return true;
}
