import { topicMatches } from '../contract/index.js';
import { TopicMemo, type Logger } from '../core/index.js';
import type { Store } from '../storage/index.js';

/**
 * Who consumes events: an MQTT client id and each filter it subscribed to that events may arrive on, kept across
 * disconnections and restarts (a disconnect is an absence, not a goodbye) until it unsubscribes.
 */
export class EventConsumers {
  private readonly filters = new Map<string, Set<string>>();
  /** Per topic, who consumes it: every event asks, so the answer is remembered until a consumer's filters change. */
  private readonly memo = new TopicMemo((topic) => this.compute(topic));

  constructor(private readonly store: Store, private readonly logger: Logger) {
    for (const r of store.all<{ client_id: string; filter: string }>('SELECT client_id, filter FROM delivery_consumers')) this.set(r.client_id).add(r.filter);
  }

  /** Each consumer whose filters take `topic`, with those filters (do not change the answer: it is shared). */
  matching(topic: string): ReadonlyArray<{ clientId: string; filters: string[] }> {
    return this.memo.get(topic);
  }

  private compute(topic: string): Array<{ clientId: string; filters: string[] }> {
    const out: Array<{ clientId: string; filters: string[] }> = [];
    for (const [clientId, set] of this.filters) {
      let hit: string[] | undefined;
      for (const f of set) if (topicMatches(f, topic)) (hit ??= []).push(f);
      if (hit) out.push({ clientId, filters: hit });
    }
    return out;
  }

  /** Whether one of the consumer's filters takes `topic`. */
  takes(clientId: string, topic: string): boolean {
    const set = this.filters.get(clientId);
    if (set) for (const f of set) if (topicMatches(f, topic)) return true;
    return false;
  }

  add(clientId: string, filters: string[]): void {
    const set = this.set(clientId);
    const added = filters.filter((f) => !set.has(f));
    for (const f of added) set.add(f);
    if (added.length) this.memo.clear();
    this.write(added.map((f) => ({ sql: 'INSERT OR IGNORE INTO delivery_consumers (client_id, filter) VALUES (?, ?)', params: [clientId, f] })));
  }

  remove(clientId: string, filters: string[]): boolean {
    const set = this.filters.get(clientId);
    if (!set) return false;
    const removed = filters.filter((f) => set.delete(f));
    if (!set.size) this.filters.delete(clientId);
    if (removed.length) this.memo.clear();
    this.write(removed.map((f) => ({ sql: 'DELETE FROM delivery_consumers WHERE client_id = ? AND filter = ?', params: [clientId, f] })));
    return removed.length > 0;
  }

  private set(clientId: string): Set<string> {
    let set = this.filters.get(clientId);
    if (!set) this.filters.set(clientId, (set = new Set()));
    return set;
  }

  private write(statements: Array<{ sql: string; params: string[] }>): void {
    if (statements.length) void this.store.write(statements).catch((e: unknown) => this.logger.log('error', 'delivery', `event consumers not stored: ${String(e)}`));
  }
}
