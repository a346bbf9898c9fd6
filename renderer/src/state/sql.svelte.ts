import { untrack } from 'svelte';
import type { ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { exampleQueries, parseSaved, withSaved, type SavedQuery } from './models/sql-saved.js';
import { registryTables, type SqlTable } from './models/sql-tables.js';
import { readRegistry, readSinks, streamMessages } from './models/sql-data.js';
import { LiveMessages } from './models/sql-live.js';
import type { MessagesInfo } from './models/messages-table.js';
import type { SqlFailure, SqlQueryResult } from './sql/protocol.js';
import { SqlDatabase, SqlError } from './sql/sql-database.js';

/** Captured messages loaded at most (the newest). */
export const MAX_MESSAGES = 200_000;
/**
 * Messages per page while loading: each page is one RPC answer parsed and one hand-over to the worker on the main
 * thread, so a smaller page keeps each of those tasks short.
 */
const LOAD_PAGE = 2_500;
/** Rule evaluations read (the engine's most for `rules.trace`). */
const EVALUATIONS = 5000;
/** How often live messages are added to the `messages` table while the console is open. */
const LIVE_FLUSH_MS = 1000;
const MESSAGES_ABOUT = 'Captured MQTT messages (the broker\'s history, then live while the console is open)';
const SAVED_KEY = 'thingbench.sql.saved';
const TEXT_KEY = 'thingbench.sql.text';

export interface SqlTableInfo {
  name: string;
  about: string;
  columns: string[];
  rows: number;
}

export interface SqlLoading {
  /** What is being read, e.g. "Captured messages". */
  step: string;
  /** Rows read so far in this step. */
  rows: number;
  /** Steps done and in all. */
  done: number;
  total: number;
}

const storage = (): Storage | null => {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
};

/**
 * The SQL console: the engine's data (captured messages, sink records, registry, rules, shadows) loaded into SQLite
 * tables in a worker when the console opens (and again on `refresh`), queries run there, saved queries kept in
 * localStorage. Nothing of the database is loaded before the console is opened. While it is open, live messages are
 * added to `messages` once a second (the newest MAX_MESSAGES kept). The history reaches the worker a page at a time and
 * the worker builds the table, so no main-thread task grows with the history.
 */
export class SqlStore {
  tables = $state.raw<readonly SqlTableInfo[]>([]);
  loadedAt = $state<number | null>(null);
  loading = $state<SqlLoading | null>(null);
  loadError = $state<string | null>(null);
  text = $state(storage()?.getItem(TEXT_KEY) ?? exampleQueries[0]!.sql);
  running = $state(false);
  result = $state.raw<SqlQueryResult | null>(null);
  /** The last query's failure, with its place in `failedText`. */
  error = $state.raw<SqlFailure | null>(null);
  failedText = $state('');
  saved = $state.raw<readonly SavedQuery[]>(parseSaved(storage()?.getItem(SAVED_KEY) ?? null));
  /** True while live messages are added to `messages` (the console is open and its data loaded). */
  live = $state(false);
  /** Live messages the engine skipped (still in its history: Refresh data reads them). */
  skipped = $state(0);
  readonly examples = exampleQueries;

  private db: SqlDatabase | null = null;
  private loadingNow: Promise<void> | null = null;
  private readonly waiting = new LiveMessages(MAX_MESSAGES);
  private appending = false;
  /** The newest loaded message's time, where a catch-up reads from. */
  private newest: number | null = null;

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /**
   * Called by the console when it opens: follows the live messages and loads the data the first time, or adds the
   * messages that came while it was closed. The returned function stops following.
   */
  watch(): () => void {
    return untrack(() => this.follow());
  }

  private follow(): () => void {
    const sub = this.client.on('broker.messages', (batch) => this.waiting.push(batch.messages, batch.dropped));
    const timer = setInterval(() => void this.flush(), LIVE_FLUSH_MS);
    if (!this.loadedAt) void this.refresh();
    else void this.catchUp();
    return () => {
      sub.dispose();
      clearInterval(timer);
      this.waiting.clear();
      this.live = false;
    };
  }

  /** Reads every table from the engine again into a fresh database. */
  refresh(): Promise<void> {
    this.loadingNow ??= this.load().finally(() => { this.loadingNow = null; });
    return this.loadingNow;
  }

  setText(text: string): void {
    this.text = text;
    storage()?.setItem(TEXT_KEY, text);
  }

  /** Runs the editor's text (or `sql`); the result or the error replaces the last one. */
  async run(sql = this.text): Promise<void> {
    if (this.loadingNow) await this.loadingNow;
    if (!this.db || this.running) return;
    this.running = true;
    try {
      this.result = await this.db.exec(sql);
      this.error = null;
    } catch (err) {
      this.error = err instanceof SqlError ? err.failure : { message: err instanceof Error ? err.message : String(err), position: null };
      this.failedText = sql;
      this.result = null;
    } finally {
      this.running = false;
    }
  }

  /** Stops a query that runs too long: the database starts again and the data is loaded anew. */
  stop(): void {
    if (!this.running || !this.db) return;
    this.db.stop('Stopped: the query ran until it was stopped.');
    void this.refresh();
  }

  save(name: string, sql = this.text): void {
    if (!name.trim()) return;
    this.saved = withSaved(this.saved, { name, sql });
    storage()?.setItem(SAVED_KEY, JSON.stringify(this.saved));
  }

  forget(name: string): void {
    this.saved = this.saved.filter((q) => q.name !== name);
    storage()?.setItem(SAVED_KEY, JSON.stringify(this.saved));
  }

  private progress(step: string, done: number, rows = 0): void {
    this.loading = { step, rows, done, total: 5 };
  }

  /** Adds the live messages waiting to `messages`; live stops when that fails (e.g. the table was dropped by a query). */
  private async flush(): Promise<void> {
    if (!this.db || !this.loadedAt || this.loadingNow || this.appending || this.running) return;
    this.skipped = this.waiting.skipped;
    if (this.waiting.size === 0) return;
    this.appending = true;
    try {
      this.showMessages(await this.db.append(this.waiting.take()));
      this.live = true;
    } catch {
      this.live = false;
    } finally {
      this.appending = false;
    }
  }

  /** Adds the history's messages since the newest one loaded (those already there are skipped). */
  private async catchUp(): Promise<void> {
    const db = this.db;
    if (!db || this.loadingNow || this.newest === null) return;
    try {
      await streamMessages(this.client, MAX_MESSAGES, async (page) => {
        if (page.length) this.showMessages(await db.append(page));
      }, LOAD_PAGE, this.newest);
    } catch (err) {
      this.connection.reportError('Could not read the new messages')(err);
    }
  }

  private showMessages(info: MessagesInfo): void {
    if (info.newest !== null) this.newest = info.newest;
    const entry: SqlTableInfo = { name: 'messages', about: MESSAGES_ABOUT, columns: info.columns, rows: info.rows };
    this.tables = [entry, ...this.tables.filter((t) => t.name !== 'messages')];
  }

  private async load(): Promise<void> {
    this.loadError = null;
    // What arrives from now on is appended after the load; what came before is in the history the load reads.
    this.waiting.clear();
    this.newest = null;
    const db = this.db ??= new SqlDatabase();
    try {
      const tables: SqlTable[] = [];
      this.progress('Captured messages', 0);
      await streamMessages(this.client, MAX_MESSAGES, async (page, rows) => {
        this.progress('Captured messages', 0, rows);
        await db.stage(page);
      }, LOAD_PAGE);
      this.progress('Sink records', 1);
      tables.push(...(await readSinks(this.client, (rows) => this.progress('Sink records', 1, rows))));
      this.progress('Registry', 2);
      tables.push(...(await readRegistry(this.client, (rows) => this.progress('Registry', 2, rows))));
      this.progress('Rules and shadows', 3);
      const [rules, shadows, evaluations] = await Promise.all([
        this.client.rules.list(), this.client.shadow.list(), this.client.rules.trace({ limit: EVALUATIONS }),
      ]);
      tables.push(registryTables.rules(rules), registryTables.shadows(shadows), registryTables.evaluations(evaluations));
      this.progress('Building the database', 4);
      const messages = await db.load(tables, MAX_MESSAGES);
      this.tables = tables.map((t) => ({ name: t.name, about: t.about, columns: t.columns, rows: t.rows.length }));
      this.showMessages(messages);
      this.loadedAt = Date.now();
      this.live = true;
    } catch (err) {
      this.loadError = err instanceof Error ? err.message : String(err);
      this.connection.reportError('Could not load the SQL console\'s data')(err);
    } finally {
      this.loading = null;
    }
  }
}
