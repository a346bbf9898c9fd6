/**
 * The console's `messages` table inside the worker: built from the history's pages, then followed by the live batches,
 * at most `max` rows (the oldest leave). Each row's rowid is minus its message id, so the table reads newest first
 * without an ORDER BY (as the snapshot always did), a message already there is skipped (`INSERT OR IGNORE`), and the
 * oldest rows are the last ones in rowid order (dropped without a sort).
 */
import type { Database } from 'sql.js';
import type { MessageRecord } from '../../../../engine/contract/index.js';
import { MAX_FLAT_COLUMNS, messagesTable, type SqlTable } from './sql-tables.js';

export interface MessagesInfo {
  rows: number;
  columns: string[];
  /** The newest message's time (epoch ms), null when the table is empty. */
  newest: number | null;
}

const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`;

export class MessagesTable {
  private columns: string[] = [];
  private fixed = 0;

  constructor(private readonly db: Database, private readonly max: number) {}

  /** Creates the table from the snapshot's records (any order). */
  create(records: readonly MessageRecord[]): MessagesInfo {
    const table = messagesTable(records);
    this.fixed = messagesTable([]).columns.length;
    this.columns = table.columns;
    // No declared types: every value keeps its own (numbers stay numbers, JSON stays text).
    this.db.run(`CREATE TABLE messages (${table.columns.map(quoteId).join(', ')})`);
    this.insert(table, records);
    return this.info();
  }

  /** Adds live records (those already in the table are skipped), new payload fields as new columns, then trims to `max`. */
  append(records: readonly MessageRecord[]): MessagesInfo {
    const table = messagesTable(records);
    for (const column of table.columns) {
      if (this.columns.includes(column) || this.columns.length - this.fixed >= MAX_FLAT_COLUMNS) continue;
      this.db.run(`ALTER TABLE messages ADD COLUMN ${quoteId(column)}`);
      this.columns.push(column);
    }
    this.insert(table, records);
    const rows = this.count();
    if (rows > this.max) {
      this.db.run('DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages ORDER BY rowid DESC LIMIT ?)', [rows - this.max]);
    }
    return this.info();
  }

  info(): MessagesInfo {
    // The smallest rowid is the newest message (rowid = -id): a look-up, not a scan.
    const newest = this.db.exec('SELECT time FROM messages ORDER BY rowid LIMIT 1')[0]?.values[0]?.[0];
    return { rows: this.count(), columns: [...this.columns], newest: typeof newest === 'number' ? newest : null };
  }

  private count(): number {
    return Number(this.db.exec('SELECT COUNT(*) FROM messages')[0]?.values[0]?.[0] ?? 0);
  }

  private insert(table: SqlTable, records: readonly MessageRecord[]): void {
    const known = table.columns.map((c, i) => [c, i] as const).filter(([c]) => this.columns.includes(c));
    if (records.length === 0 || known.length === 0) return;
    const stmt = this.db.prepare(
      `INSERT OR IGNORE INTO messages (rowid, ${known.map(([c]) => quoteId(c)).join(', ')}) VALUES (?${', ?'.repeat(known.length)})`,
    );
    this.db.run('SAVEPOINT messages');
    try {
      table.rows.forEach((row, r) => stmt.run([-records[r]!.id, ...known.map(([, i]) => row[i]!)]));
    } catch (err) {
      this.db.run('ROLLBACK TO messages');
      throw err;
    } finally {
      this.db.run('RELEASE messages');
      stmt.free();
    }
  }
}
