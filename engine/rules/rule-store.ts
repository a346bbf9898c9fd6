/** Rules created through the API, in the `rules` table (migration 0003). Writes resolve once durable. */
import type { Store } from '../storage/index.js';
import type { TopicRulePayload } from '../contract/index.js';

export interface StoredRule { name: string; payload: TopicRulePayload; created: number; updated: number }

export class RuleStore {
  constructor(private readonly store: Store) {}

  all(): StoredRule[] {
    return this.store.all<{ name: string; payload: string; created: number; updated: number }>('SELECT name, payload, created, updated FROM rules ORDER BY name')
      .map((r) => ({ name: r.name, payload: JSON.parse(r.payload) as TopicRulePayload, created: r.created, updated: r.updated }));
  }

  get(name: string): StoredRule | undefined {
    const r = this.store.get<{ name: string; payload: string; created: number; updated: number }>('SELECT name, payload, created, updated FROM rules WHERE name = ?', [name]);
    return r && { name: r.name, payload: JSON.parse(r.payload) as TopicRulePayload, created: r.created, updated: r.updated };
  }

  put(rule: StoredRule): Promise<void> {
    return this.store.write([{
      sql: 'INSERT INTO rules (name, payload, created, updated) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET payload = excluded.payload, updated = excluded.updated',
      params: [rule.name, JSON.stringify(rule.payload), rule.created, rule.updated],
    }]);
  }

  delete(name: string): Promise<void> {
    return this.store.write([{ sql: 'DELETE FROM rules WHERE name = ?', params: [name] }]);
  }
}
