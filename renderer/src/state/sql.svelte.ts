import type { ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { exampleQueries, parseSaved, withSaved, type SavedQuery } from './models/sql-saved.js';
import { messagesTable, registryTables, type SqlTable } from './models/sql-tables.js';
import { readMessages, readRegistry, readSinks } from './models/sql-data.js';
import type { SqlFailure, SqlQueryResult } from './sql/protocol.js';
import { SqlDatabase, SqlError } from './sql/sql-database.js';

/** Captured messages loaded at most (the newest). */
export const MAX_MESSAGES = 200_000;
/** Rule evaluations read (the engine's most for `rules.trace`). */
const EVALUATIONS = 5000;
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
 * localStorage. Nothing of the database is loaded before the console is opened.
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
  readonly examples = exampleQueries;

  private db: SqlDatabase | null = null;
  private loadingNow: Promise<void> | null = null;

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Called by the console when it opens: loads the data the first time. */
  watch(): () => void {
    if (!this.loadedAt && !this.loadingNow) void this.refresh();
    return () => {};
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

  private async load(): Promise<void> {
    this.loadError = null;
    try {
      const tables: SqlTable[] = [];
      this.progress('Captured messages', 0);
      tables.push(messagesTable(await readMessages(this.client, MAX_MESSAGES, (rows) => this.progress('Captured messages', 0, rows))));
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
      this.db ??= new SqlDatabase();
      await this.db.load(tables);
      this.tables = tables.map((t) => ({ name: t.name, about: t.about, columns: t.columns, rows: t.rows.length }));
      this.loadedAt = Date.now();
    } catch (err) {
      this.loadError = err instanceof Error ? err.message : String(err);
      this.connection.reportError('Could not load the SQL console\'s data')(err);
    } finally {
      this.loading = null;
    }
  }
}
