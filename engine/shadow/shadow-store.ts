/**
 * Shadow rows in the storage layer: one row per shadow (kept after a delete, so that re-creation continues the
 * version) and a bounded per-shadow history of whole documents.
 *
 * The sql.js tables are the durable truth; every shadow's current row is also kept in memory (loaded on start), so an
 * update neither queries nor re-parses the stored document. Writes are collected into batches, each stored as one
 * storage write (one transaction, one journal record); each caller's promise resolves once its batch is durable. A
 * batch is written on the next loop turn, or, while the previous batch waits for its fsync, as soon as that one is
 * durable: the same group commit as the journal's, so no update waits for more than the fsync in progress and its
 * own, whichever client or thing it comes from, and a transaction's fixed cost is shared by everything in it. Within a turn, a shadow updated several times gets one row
 * write (its last state) and one history row per version. History is pruned in batches: a shadow may hold up to
 * `historySize + slack` rows on disk, of which reads return the newest `historySize`.
 */
import type { Statement, Store } from '../storage/index.js';
import type { ShadowSummary, ShadowVersion } from '../contract/index.js';
import type { StoredState } from './shadow-doc.js';
import type { ShadowAddress } from './shadow-topics.js';

/** A version that readers may see: durable, and its `/accepted` sent. */
export interface AcknowledgedVersion {
  version: number;
  /** JSON `{state, metadata}`; null once deleted (or never created). */
  json: string | null;
  /** Epoch ms of that update or delete. */
  updated: number;
  parsed?: StoredState;
}

/**
 * One shadow's current row, as stored. The row is the newest version, which the next update builds on even before it
 * is durable (concurrent updates see each other in order); `acknowledged` is the newest one that is on disk and whose
 * `/accepted` was sent: the only one a get may show, so no reader sees a version a crash could still take back.
 */
export class ShadowEntry {
  /** History row ids on disk, oldest first. */
  readonly historyIds: number[] = [];
  private parsed: StoredState | undefined;
  /** Set when the row changed since the last flush. */
  dirty = false;
  acknowledged: AcknowledgedVersion;
  /** Writes queued for this row, and the number of the one `acknowledged` came from (versions can restart at 1). */
  writes = 0;
  private acknowledgedWrite = 0;

  constructor(
    readonly thing: string,
    /** '' for the classic shadow, as stored. */
    readonly name: string,
    public version: number,
    /** JSON `{state, metadata}` of the live document; null once deleted (or never created). */
    public json: string | null,
    /** Epoch ms of the last update or delete. */
    public updated: number,
  ) {
    this.acknowledged = { version, json, updated }; // loaded from disk: durable, and answered before the restart
  }

  /** The acknowledged document, parsed once; undefined when deleted or never acknowledged. */
  get acknowledgedState(): StoredState | undefined {
    const a = this.acknowledged;
    if (a.json === null) return undefined;
    return (a.parsed ??= JSON.parse(a.json) as StoredState);
  }

  /** Write number `write` (its `version`) is durable and about to be answered: readers may see it, never an older one after it. */
  acknowledge(write: number, version: number, stored: StoredState | undefined, json: string | null, updated: number): void {
    if (write <= this.acknowledgedWrite) return;
    this.acknowledgedWrite = write;
    this.acknowledged = { version, json, updated, parsed: stored };
  }

  /** The live document, parsed once from its JSON; undefined once deleted. Treat as immutable. */
  get stored(): StoredState | undefined {
    if (this.json === null) return undefined;
    return (this.parsed ??= JSON.parse(this.json) as StoredState);
  }

  set(version: number, stored: StoredState | undefined, json: string | null, updated: number): void {
    this.version = version;
    this.parsed = stored;
    this.json = json;
    this.updated = updated;
  }
}

// Constant SQL texts: the storage layer caches prepared statements by text.
const UPSERT_ROW = 'INSERT OR REPLACE INTO shadows (thing, name, version, document, updated) VALUES (?, ?, ?, ?, ?)';
const HISTORY_COLUMNS = 7;
/** Multi-row statements: rows go in chunks of these sizes, so a few prepared statements serve all. */
const CHUNKS = [64, 16, 4, 1];
const placeholders = (n: number, row: string) => Array(n).fill(row).join(', ');
const INSERT_HISTORY = new Map(CHUNKS.map((n) => [n,
  `INSERT INTO shadow_history (id, thing, name, version, operation, document, time) VALUES ${placeholders(n, '(?, ?, ?, ?, ?, ?, ?)')}`]));
// History rows are found by id (each shadow's ids are kept in memory): no index to keep up on every insert.
const PRUNE_HISTORY = new Map(CHUNKS.map((n) => [n, `DELETE FROM shadow_history WHERE id IN (${placeholders(n, '?')})`]));
const READ_HISTORY = new Map(CHUNKS.map((n) => [n,
  `SELECT id, version, operation, document, time FROM shadow_history WHERE id IN (${placeholders(n, '?')})`]));

/** A queued write of one row: `durable` resolves once it is on disk; then `row.acknowledge(write, …)`. */
export interface QueuedWrite {
  row: ShadowEntry;
  write: number;
  durable: Promise<void>;
}

interface Batch {
  /** History rows, HISTORY_COLUMNS values each, flattened. */
  history: Array<string | number | null>;
  /** Rows changed in this batch, each once. */
  rows: ShadowEntry[];
  done: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

export class ShadowStore {
  /** Every shadow row, by `thing\0name`. */
  private readonly rows = new Map<string, ShadowEntry>();
  private nextHistoryId = 1;
  private batch: Batch | undefined;
  /** A batch written and not yet durable: the next one waits for it, growing meanwhile (group commit). */
  private writing = false;
  private readonly slack: number;

  constructor(private readonly store: Store, private readonly historySize: number) {
    this.slack = Math.max(1, Math.ceil(historySize / 4));
    for (const r of store.all<{ thing: string; name: string; version: number; document: string | null; updated: number }>(
      'SELECT thing, name, version, document, updated FROM shadows')) {
      this.rows.set(`${r.thing}\0${r.name}`, new ShadowEntry(r.thing, r.name, r.version, r.document, r.updated));
    }
    for (const r of store.all<{ id: number; thing: string; name: string }>('SELECT id, thing, name FROM shadow_history ORDER BY id')) {
      this.entry(r.thing, r.name).historyIds.push(r.id);
      this.nextHistoryId = r.id + 1;
    }
  }

  /** The shadow's row, or undefined when it was never stored. */
  load(address: ShadowAddress): ShadowEntry | undefined {
    return this.rows.get(`${address.thing}\0${address.name ?? ''}`);
  }

  /**
   * Stores a new version (`stored` with its JSON `json`); the row in memory changes at once, `durable` resolves once
   * it is on disk (the caller then acknowledges it on the row).
   */
  writeUpdate(address: ShadowAddress, version: number, stored: StoredState, json: string, now: number): QueuedWrite {
    const row = this.entry(address.thing, address.name ?? '');
    row.set(version, stored, json, now);
    return { row, write: ++row.writes, durable: this.queue(row, 'update', json, now) };
  }

  writeDelete(address: ShadowAddress, version: number, now: number): QueuedWrite {
    const row = this.entry(address.thing, address.name ?? '');
    row.set(version, undefined, null, now);
    return { row, write: ++row.writes, durable: this.queue(row, 'delete', null, now) };
  }

  /**
   * Names of the live named shadows of a thing (acknowledged: durable and answered), sorted, after `after`
   * (exclusive), at most `limit`. Names and thing names are ASCII, so string order is the stored order.
   */
  namedShadows(thing: string, limit: number, after?: string): string[] {
    const from = after ?? '';
    const names: string[] = [];
    for (const row of this.rows.values()) {
      if (row.thing === thing && row.name !== '' && row.acknowledged.json !== null && row.name > from) names.push(row.name);
    }
    return names.sort().slice(0, limit);
  }

  /** Live (acknowledged) shadows, optionally of one thing, sorted by thing then name. */
  list(thing?: string): ShadowSummary[] {
    const live: ShadowEntry[] = [];
    for (const row of this.rows.values()) {
      if ((thing === undefined || row.thing === thing) && row.acknowledged.json !== null) live.push(row);
    }
    live.sort((a, b) => (a.thing < b.thing ? -1 : a.thing > b.thing ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return live.map((r) => ({ thing: r.thing, name: r.name === '' ? null : r.name, version: r.acknowledged.version, updatedAt: r.acknowledged.updated }));
  }

  /** Stored versions of one shadow, newest first (at most the configured history size). */
  history(address: ShadowAddress, limit: number): ShadowVersion[] {
    this.flush();
    const ids = this.load(address)?.historyIds ?? [];
    const wanted = ids.slice(Math.max(0, ids.length - Math.min(limit, this.historySize)));
    const rows = inChunks(wanted, 1, (size, params) => this.store.all<{ id: number; version: number; operation: string; document: string | null; time: number }>(
      READ_HISTORY.get(size)!, params));
    return rows.sort((a, b) => b.id - a.id).map((r) => ({
      version: r.version,
      operation: r.operation === 'delete' ? 'delete' : 'update',
      document: r.document === null ? null : (JSON.parse(r.document) as StoredState),
      time: r.time,
    }));
  }

  private entry(thing: string, name: string): ShadowEntry {
    const k = `${thing}\0${name}`;
    let row = this.rows.get(k);
    if (!row) this.rows.set(k, (row = new ShadowEntry(thing, name, 0, null, 0)));
    return row;
  }

  private queue(row: ShadowEntry, operation: 'update' | 'delete', json: string | null, now: number): Promise<void> {
    let batch = this.batch;
    if (!batch) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
      const b: Batch = (batch = this.batch = { history: [], rows: [], done, resolve, reject });
      if (!this.writing) setImmediate(() => { if (this.batch === b) this.flush(); });
    }
    if (!row.dirty) {
      row.dirty = true;
      batch.rows.push(row);
    }
    if (this.historySize > 0) {
      const id = this.nextHistoryId++;
      row.historyIds.push(id);
      batch.history.push(id, row.thing, row.name, row.version, operation, json, now);
    }
    return batch.done;
  }

  /** Issues the pending batch as one storage write now (it applies to the database synchronously). */
  private flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    const { history, rows } = batch;
    const statements = historyInserts(history);
    for (const row of rows) {
      row.dirty = false;
      statements.push({ sql: UPSERT_ROW, params: [row.thing, row.name, row.version, row.json, row.updated] });
      const ids = row.historyIds;
      if (ids.length > this.historySize + this.slack) {
        const cut = ids.length - this.historySize;
        statements.push(...inChunks(ids.splice(0, cut), 1, (size, params) => [{ sql: PRUNE_HISTORY.get(size)!, params }]));
      }
    }
    this.writing = true;
    this.store.write(statements).then(() => {
      this.writing = false;
      batch.resolve();
      if (this.batch) this.flush();
    }, (e: Error) => {
      this.writing = false;
      this.reloadRows(rows);
      batch.reject(e);
      if (this.batch) this.flush();
    });
  }

  /** After a failed write, the rows of that batch go back to what the database holds. */
  private reloadRows(rows: ShadowEntry[]): void {
    for (const row of rows) {
      const r = this.store.get<{ version: number; document: string | null; updated: number }>(
        'SELECT version, document, updated FROM shadows WHERE thing = ? AND name = ?', [row.thing, row.name]);
      if (r) row.set(r.version, undefined, r.document, r.updated);
      else row.set(0, undefined, null, 0);
      const ids = this.store.all<{ id: number }>('SELECT id FROM shadow_history WHERE thing = ? AND name = ? ORDER BY id', [row.thing, row.name]);
      row.historyIds.length = 0;
      for (const { id } of ids) row.historyIds.push(id);
    }
  }
}

/** One statement per chunk of history rows (each statement's fixed cost in sql.js is shared by its rows). */
function historyInserts(values: Array<string | number | null>): Statement[] {
  return inChunks(values, HISTORY_COLUMNS, (size, params) => [{ sql: INSERT_HISTORY.get(size)!, params }]);
}

/** Calls `each` for consecutive chunks of `values` (`width` values per row), chunk sizes from CHUNKS; concatenates. */
function inChunks<V, R>(values: V[], width: number, each: (size: number, params: V[]) => R[]): R[] {
  const out: R[] = [];
  let rows = values.length / width;
  let at = 0;
  for (const size of CHUNKS) {
    for (; rows >= size; rows -= size, at += size * width) out.push(...each(size, values.slice(at, at + size * width)));
  }
  return out;
}
