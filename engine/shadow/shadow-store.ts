/**
 * Shadow rows in the storage layer: one row per shadow (kept after a delete, so that re-creation continues the
 * version) and a bounded per-shadow history of whole documents. Writes apply to the in-memory database at once (reads
 * see them immediately) and resolve when fsynced.
 */
import type { Statement, Store } from '../storage/index.js';
import type { ShadowSummary, ShadowVersion } from '../contract/index.js';
import type { StoredState } from './shadow-doc.js';
import type { ShadowAddress } from './shadow-topics.js';

export interface ShadowRow {
  version: number;
  /** undefined once deleted. */
  stored?: StoredState;
  /** Epoch ms of the last update or delete. */
  updated: number;
}

/** The classic shadow is stored under the empty name (a real shadow name has at least one character). */
const key = (a: ShadowAddress): [string, string] => [a.thing, a.name ?? ''];

export class ShadowStore {
  /** History rows per shadow (`thing\0name`), so pruning needs no count query. */
  private readonly historyCounts = new Map<string, number>();

  constructor(private readonly store: Store, private readonly historySize: number) {
    const rows = store.all<{ thing: string; name: string; n: number }>('SELECT thing, name, COUNT(*) AS n FROM shadow_history GROUP BY thing, name');
    for (const r of rows) this.historyCounts.set(`${r.thing}\0${r.name}`, r.n);
  }

  load(address: ShadowAddress): ShadowRow | undefined {
    const row = this.store.get<{ version: number; document: string | null; updated: number }>(
      'SELECT version, document, updated FROM shadows WHERE thing = ? AND name = ?', key(address));
    if (!row) return undefined;
    return { version: row.version, updated: row.updated, ...(row.document === null ? {} : { stored: JSON.parse(row.document) as StoredState }) };
  }

  /** Stores a new version; the returned promise resolves once it is durable. */
  writeUpdate(address: ShadowAddress, version: number, stored: StoredState, now: number): Promise<void> {
    const document = JSON.stringify(stored);
    return this.store.write([
      { sql: 'INSERT OR REPLACE INTO shadows (thing, name, version, document, updated) VALUES (?, ?, ?, ?, ?)', params: [...key(address), version, document, now] },
      ...this.historyStatements(address, version, 'update', document, now),
    ]);
  }

  writeDelete(address: ShadowAddress, version: number, now: number): Promise<void> {
    return this.store.write([
      { sql: 'UPDATE shadows SET document = NULL, updated = ? WHERE thing = ? AND name = ?', params: [now, ...key(address)] },
      ...this.historyStatements(address, version, 'delete', null, now),
    ]);
  }

  /** Names of the live named shadows of a thing, sorted, after `after` (exclusive), at most `limit`. */
  namedShadows(thing: string, limit: number, after?: string): string[] {
    return this.store.all<{ name: string }>(
      "SELECT name FROM shadows WHERE thing = ? AND name <> '' AND document IS NOT NULL AND name > ? ORDER BY name LIMIT ?",
      [thing, after ?? '', limit]).map((r) => r.name);
  }

  /** Live shadows, optionally of one thing, sorted by thing then name. */
  list(thing?: string): ShadowSummary[] {
    const rows = thing === undefined
      ? this.store.all<{ thing: string; name: string; version: number; updated: number }>(
        'SELECT thing, name, version, updated FROM shadows WHERE document IS NOT NULL ORDER BY thing, name')
      : this.store.all<{ thing: string; name: string; version: number; updated: number }>(
        'SELECT thing, name, version, updated FROM shadows WHERE thing = ? AND document IS NOT NULL ORDER BY name', [thing]);
    return rows.map((r) => ({ thing: r.thing, name: r.name === '' ? null : r.name, version: r.version, updatedAt: r.updated }));
  }

  /** Stored versions of one shadow, newest first. */
  history(address: ShadowAddress, limit: number): ShadowVersion[] {
    return this.store.all<{ version: number; operation: string; document: string | null; time: number }>(
      'SELECT version, operation, document, time FROM shadow_history WHERE thing = ? AND name = ? ORDER BY id DESC LIMIT ?',
      [...key(address), limit],
    ).map((r) => ({
      version: r.version,
      operation: r.operation === 'delete' ? 'delete' : 'update',
      document: r.document === null ? null : (JSON.parse(r.document) as StoredState),
      time: r.time,
    }));
  }

  private historyStatements(address: ShadowAddress, version: number, operation: string, document: string | null, now: number): Statement[] {
    if (this.historySize <= 0) return [];
    const k = `${address.thing}\0${address.name ?? ''}`;
    const count = (this.historyCounts.get(k) ?? 0) + 1;
    const excess = Math.max(0, count - this.historySize);
    this.historyCounts.set(k, count - excess);
    const statements: Statement[] = [{
      sql: 'INSERT INTO shadow_history (thing, name, version, operation, document, time) VALUES (?, ?, ?, ?, ?, ?)',
      params: [...key(address), version, operation, document, now],
    }];
    if (excess) {
      statements.push({
        sql: 'DELETE FROM shadow_history WHERE id IN (SELECT id FROM shadow_history WHERE thing = ? AND name = ? ORDER BY id LIMIT ?)',
        params: [...key(address), excess],
      });
    }
    return statements;
  }
}
