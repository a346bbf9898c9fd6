import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import initSqlJs, { type Database, type Statement as SqlJsStatement } from 'sql.js';
import { EngineError, type Logger, silentLogger } from '../core/index.js';
import { encodeFrame, JournalDamaged, JournalWriter, readJournal } from './journal.js';
import { lockDataDir } from './dir-lock.js';
import { damagedFile, unwritableDir } from './store-errors.js';
import { migrations } from './migrations/index.js';
import type { SqlValue, Statement, Store } from './store.js';

/**
 * LIMITATIONS: one process owns a data directory at a time (a lock file guards it); the whole
 * database lives in memory, which suits a laptop lab, not a data warehouse.
 *
 * Layout: `state.sqlite` (snapshot, with the last journal sequence applied to it in `_meta`) and
 * `journal-N.log` files replayed on top of it in order; compaction writes a new snapshot and drops
 * the journals it covers.
 */
interface JournalRecord {
  seq: number;
  ops: Array<[string, EncodedValue[]]>;
}
type EncodedValue = string | number | null | { b: string };

const SNAPSHOT = 'state.sqlite';
const JOURNAL = /^journal-(\d+)\.log$/;

export interface SqlJsStoreOptions {
  logger?: Logger;
  /** Journal size that triggers a background compaction. */
  compactBytes?: number;
}

export class SqlJsStore implements Store {
  private readonly statements = new Map<string, SqlJsStatement>();
  private seq: number;
  private compacting: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private db: Database,
    private writer: JournalWriter,
    private generation: number,
    lastSeq: number,
    private readonly logger: Logger,
    private readonly compactBytes: number,
    private readonly lock: { release(): void },
  ) {
    this.seq = lastSeq;
  }

  static async open(dir: string, opts: SqlJsStoreOptions = {}): Promise<SqlJsStore> {
    const logger = opts.logger ?? silentLogger;
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw unwritableDir(dir, e as NodeJS.ErrnoException);
    }
    const lock = lockDataDir(dir);
    try {
      return await SqlJsStore.load(dir, logger, opts, lock);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  private static async load(dir: string, logger: Logger, opts: SqlJsStoreOptions, lock: { release(): void }): Promise<SqlJsStore> {
    const SQL = await initSqlJs({ locateFile: (f: string) => sqlJsAsset(f) });
    const snapshot = path.join(dir, SNAPSHOT);
    const db = fs.existsSync(snapshot) ? new SQL.Database(fs.readFileSync(snapshot)) : new SQL.Database();
    try {
      // sql.js reads the image lazily: a damaged file shows on the first statement.
      useMemoryJournal(db);
      db.run('CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      db.exec('SELECT count(*) FROM sqlite_master');
    } catch (e) {
      db.close();
      throw damagedFile(snapshot, (e as Error).message);
    }
    let snapshotSeq: number;
    try {
      db.run('CREATE TABLE IF NOT EXISTS _migrations (id TEXT PRIMARY KEY)');
      for (const m of migrations) {
        if (db.exec('SELECT 1 FROM _migrations WHERE id = ?', [m.id]).length) continue;
        db.run('BEGIN');
        db.run(m.sql);
        db.run('INSERT INTO _migrations (id) VALUES (?)', [m.id]);
        db.run('COMMIT');
      }
      snapshotSeq = Number(db.exec("SELECT value FROM _meta WHERE key = 'lastSeq'")[0]?.values[0]?.[0] ?? 0);
    } catch (e) {
      // A cut-short or scribbled image can open and fail only here; a migration's own failure is not the file's fault.
      const damage = integrityProblem(db);
      db.close();
      throw damage ? damagedFile(snapshot, damage) : e;
    }

    let lastSeq = snapshotSeq;
    const generations = journalGenerations(dir);
    for (const gen of generations) {
      const file = path.join(dir, `journal-${gen}.log`);
      let read;
      try {
        read = readJournal<JournalRecord>(file);
      } catch (e) {
        db.close();
        if (e instanceof JournalDamaged) throw damagedFile(file, e.message);
        throw e;
      }
      const { records, tornBytes } = read;
      if (tornBytes) logger.log('warn', 'storage', `journal ${path.basename(file)}: skipped a torn tail of ${tornBytes} bytes (the process stopped mid-write; nothing acknowledged is lost)`);
      for (const rec of records) {
        if (rec.seq <= lastSeq) continue;
        try {
          applyOps(db, rec.ops.map(([sql, params]) => ({ sql, params: params.map(decodeValue) })));
        } catch (e) {
          db.close();
          throw damagedFile(file, `record ${rec.seq} does not apply: ${(e as Error).message}`);
        }
        lastSeq = rec.seq;
      }
    }
    const generation = generations.length ? generations[generations.length - 1] : 1;
    const writer = new JournalWriter(path.join(dir, `journal-${generation}.log`));
    return new SqlJsStore(dir, db, writer, generation, lastSeq, logger, opts.compactBytes ?? 32 * 1024 * 1024, lock);
  }

  write(statements: Statement[]): Promise<void> {
    if (this.closed) return Promise.reject(new EngineError('Unavailable', 'store is closed'));
    try {
      this.apply(statements);
    } catch (e) {
      return Promise.reject(new EngineError('Internal', `storage write failed: ${(e as Error).message}`));
    }
    const record: JournalRecord = { seq: ++this.seq, ops: statements.map((s) => [s.sql, (s.params ?? []).map(encodeValue)]) };
    const durable = this.writer.append(encodeFrame(record));
    if (this.writer.size > this.compactBytes && !this.compacting) setImmediate(() => void this.compact().catch(() => {}));
    return durable;
  }

  all<T extends object>(sql: string, params: SqlValue[] = []): T[] {
    const stmt = this.prepare(sql);
    try {
      stmt.bind(params);
      const rows: T[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject() as T);
      return rows;
    } finally {
      stmt.reset();
    }
  }

  get<T extends object>(sql: string, params: SqlValue[] = []): T | undefined {
    return this.all<T>(sql, params)[0];
  }

  compact(): Promise<void> {
    this.compacting ??= this.doCompact().finally(() => (this.compacting = null));
    return this.compacting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.compact();
    this.closed = true;
    await this.writer.close();
    this.freeStatements();
    this.db.close();
    this.lock.release();
  }

  private async doCompact(): Promise<void> {
    // Everything up to `seq` is in the exported image; later writes go to the next journal.
    this.db.run("INSERT OR REPLACE INTO _meta (key, value) VALUES ('lastSeq', ?)", [String(this.seq)]);
    this.freeStatements(); // sql.js frees prepared statements on export
    const image = this.db.export();
    useMemoryJournal(this.db); // export() reopens the database, which resets pragmas
    const old = this.writer;
    const oldGeneration = this.generation;
    this.generation += 1;
    this.writer = new JournalWriter(path.join(this.dir, `journal-${this.generation}.log`));
    await old.close();
    await writeFileDurably(path.join(this.dir, SNAPSHOT), image);
    for (const gen of journalGenerations(this.dir)) {
      if (gen <= oldGeneration) fs.rmSync(path.join(this.dir, `journal-${gen}.log`), { force: true });
    }
  }

  private apply(statements: Statement[]): void {
    if (statements.length === 1) {
      this.run(statements[0]);
      return;
    }
    this.db.run('BEGIN');
    try {
      statements.forEach((s) => this.run(s));
      this.db.run('COMMIT');
    } catch (e) {
      this.db.run('ROLLBACK');
      throw e;
    }
  }

  private run(s: Statement): void {
    const stmt = this.prepare(s.sql);
    try {
      stmt.run(s.params ?? []);
    } finally {
      stmt.reset();
    }
  }

  private prepare(sql: string): SqlJsStatement {
    let stmt = this.statements.get(sql);
    if (!stmt) this.statements.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  private freeStatements(): void {
    for (const stmt of this.statements.values()) stmt.free();
    this.statements.clear();
  }
}

/**
 * sql.js keeps SQLite's rollback journal as a file in its in-memory file system, created and deleted on every
 * transaction (~300 µs each); in memory it costs ~13 µs. Durability comes from our own journal, not SQLite's.
 */
function useMemoryJournal(db: Database): void {
  db.run('PRAGMA journal_mode = MEMORY');
}

/** SQLite's own check of the image (only on a failure path: it reads every page); null when the image is sound. */
function integrityProblem(db: Database): string | null {
  try {
    const result = String(db.exec('PRAGMA quick_check(1)')[0]?.values[0]?.[0] ?? 'ok');
    return result === 'ok' ? null : result;
  } catch (e) {
    return (e as Error).message;
  }
}

function applyOps(db: Database, statements: Statement[]): void {
  db.run('BEGIN');
  try {
    for (const s of statements) db.run(s.sql, s.params ?? []);
    db.run('COMMIT');
  } catch (e) {
    db.run('ROLLBACK');
    throw e;
  }
}

function journalGenerations(dir: string): number[] {
  return fs.readdirSync(dir)
    .map((f) => JOURNAL.exec(f)?.[1])
    .filter((g): g is string => g !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function encodeValue(v: SqlValue): EncodedValue {
  return v instanceof Uint8Array ? { b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') } : v;
}

function decodeValue(v: EncodedValue): SqlValue {
  return v !== null && typeof v === 'object' ? new Uint8Array(Buffer.from(v.b, 'base64')) : v;
}

/** The durable write under way to each file (by absolute path), the one a new write to that file waits for. */
const writing = new Map<string, Promise<void>>();

/**
 * Write to a temporary file, fsync it, rename over the target, fsync the directory. Writes to one file run one after
 * the other, in the order they were asked for (the last one asked for is the one that stays): two at once would share
 * the temporary file, and the second rename would find it gone (ENOENT) or move what the other was still writing.
 */
export function writeFileDurably(file: string, data: Uint8Array): Promise<void> {
  const key = path.resolve(file);
  const done = (writing.get(key) ?? Promise.resolve()).then(() => writeNow(file, data));
  const settled = done.then(() => undefined, () => undefined);
  writing.set(key, settled);
  void settled.then(() => {
    if (writing.get(key) === settled) writing.delete(key);
  });
  return done;
}

async function writeNow(file: string, data: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await fs.promises.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(tmp, file);
  const dirHandle = await fs.promises.open(path.dirname(file), 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

const require = createRequire(import.meta.url);
function sqlJsAsset(file: string): string {
  return path.join(path.dirname(require.resolve('sql.js')), file);
}
