/**
 * The SQL console's database, in a worker so a long query never blocks the UI: sql.js (SQLite in WebAssembly, with
 * its JSON functions), its .wasm served by Vite as an asset file. Loaded only when the console opens.
 */
import initSqlJs, { type Database, type SqlValue } from 'sql.js';
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { locateError } from '../models/sql-errors.js';
import type { MessageRecord } from '../../../../engine/contract/index.js';
import type { SqlCell, SqlTable } from '../models/sql-tables.js';
import { MessagesTable, type MessagesInfo } from '../models/messages-table.js';
import { MAX_RESULT_ROWS, type SqlReply, type SqlRequest, type SqlQueryResult } from './protocol.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<SqlRequest>) => void) | null;
  postMessage(message: SqlReply): void;
}
const scope = self as unknown as WorkerScope;

const sqlite = initSqlJs({ locateFile: () => wasmUrl });
let db: Database | null = null;
let messages: MessagesTable | null = null;
/** History pages handed over before the next `load`. */
let staged: MessageRecord[][] = [];

const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function load(tables: SqlTable[], maxMessages: number): Promise<MessagesInfo> {
  const SQL = await sqlite;
  const history = staged.flat();
  staged = [];
  db?.close();
  db = new SQL.Database();
  db.run('BEGIN');
  messages = new MessagesTable(db, maxMessages);
  const info = messages.create(history);
  for (const t of tables) {
    // No declared types: every value keeps its own (numbers stay numbers, JSON stays text).
    db.run(`CREATE TABLE ${quoteId(t.name)} (${t.columns.map(quoteId).join(', ')})`);
    if (t.rows.length === 0 || t.columns.length === 0) continue;
    const insert = db.prepare(`INSERT INTO ${quoteId(t.name)} VALUES (${t.columns.map(() => '?').join(', ')})`);
    for (const row of t.rows) insert.run(row);
    insert.free();
  }
  db.run('COMMIT');
  return info;
}

const hex = (bytes: Uint8Array) => `x'${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}'`;
const cell = (v: SqlValue): SqlCell => (v instanceof Uint8Array ? hex(v) : v);

/** Runs every statement; the result is the last one's that returns columns (else no rows, with the changes made). */
function exec(database: Database, sql: string): SqlQueryResult {
  const started = performance.now();
  let result: SqlQueryResult | null = null;
  let changes = 0;
  for (const stmt of database.iterateStatements(sql)) {
    try {
      const columns = stmt.getColumnNames();
      const rows: SqlCell[][] = [];
      let limited = false;
      while (stmt.step()) {
        if (rows.length >= MAX_RESULT_ROWS) { limited = true; break; }
        rows.push(stmt.get().map(cell));
      }
      if (columns.length > 0) result = { columns, rows, ms: 0, limited };
      else changes = database.getRowsModified();
    } finally {
      stmt.free();
    }
  }
  const ms = performance.now() - started;
  return result ? { ...result, ms } : { columns: [], rows: [], ms, changes, limited: false };
}

/** The message compiling `sql` gives (no statement runs), or null when it compiles. */
function compileError(database: Database, sql: string): string | null {
  try {
    for (const stmt of database.iterateStatements(sql)) stmt.free();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

scope.onmessage = (e) => {
  const req = e.data;
  void (async () => {
    try {
      if (req.op === 'stage') {
        staged.push(req.messages);
        scope.postMessage({ id: req.id, ok: true });
        return;
      }
      if (req.op === 'load') {
        scope.postMessage({ id: req.id, ok: true, messages: await load(req.tables, req.maxMessages) });
        return;
      }
      if (req.op === 'append') {
        if (!messages) throw new Error('No data is loaded.');
        scope.postMessage({ id: req.id, ok: true, messages: messages.append(req.messages) });
        return;
      }
      if (!db) await load([], 0);
      const database = db!;
      try {
        scope.postMessage({ id: req.id, ok: true, result: exec(database, req.sql) });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const position = locateError(req.sql, message, (end) => compileError(database, req.sql.slice(0, end)) === message);
        scope.postMessage({ id: req.id, ok: false, error: { message, position } });
      }
    } catch (err) {
      scope.postMessage({ id: req.id, ok: false, error: { message: err instanceof Error ? err.message : String(err), position: null } });
    }
  })();
};
