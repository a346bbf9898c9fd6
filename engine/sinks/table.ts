/**
 * DynamoDB-like local tables in the sql.js database. Items live as JSON in `sink_table_items`, keyed as the table's
 * key schema says; each table also gets a SQL view named after it (`SELECT * FROM "Readings"` in the console), with
 * one column per attribute seen, so learners query items as rows.
 *
 * LIMITATIONS: no secondary indexes, conditions, update expressions, capacity or streams; attribute types follow
 * JSON (numbers, strings, booleans, lists and maps), not DynamoDB's typed wire format; a view shows at most 200
 * attributes; a table name taken by an engine table (or starting with sqlite_) gets its view as `ddb_<name>`.
 */
import type { JsonObject, JsonValue, SinkRecord, SinkRecordQuery } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import type { Statement } from '../storage/index.js';
import { clampLimit, type SinkContext, type Target } from './sink-context.js';

interface KeyDef { name: string; type: 'S' | 'N' }

const MAX_COLUMNS = 200;
const quoteId = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteStr = (s: string) => `'${s.replace(/'/g, "''")}'`;

export class TableSink {
  private readonly counts = new Map<string, number>();

  constructor(private readonly ctx: SinkContext) {}

  /** State for a new table: the view's name (statements to create it come from `viewStatements`). */
  initialState(name: string): JsonObject {
    const taken = this.ctx.store.get<{ type: string }>("SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE", [name]);
    // SQLite reserves sqlite_* names; an engine table's name stays the engine's.
    const view = taken || /^sqlite_/i.test(name) ? `ddb_${name}` : name;
    return { view, columns: [] };
  }

  /** (Re)creates the table's view with a column per known attribute, keys first. */
  viewStatements(target: Target): Statement[] {
    const { view, columns } = target.state as { view: string; columns: string[] };
    const keys = this.keys(target).map((k) => k.name);
    const cols = [...keys, ...columns.filter((c) => !keys.includes(c))];
    const select = cols.map((c) => `json_extract(item, ${quoteStr(`$."${c}"`)}) AS ${quoteId(c)}`).join(', ');
    return [
      { sql: `DROP VIEW IF EXISTS ${quoteId(view)}` },
      { sql: `CREATE VIEW ${quoteId(view)} AS SELECT ${select} FROM sink_table_items WHERE table_name = ${quoteStr(target.name)}` },
    ];
  }

  dropStatements(target: Target): Statement[] {
    this.counts.delete(target.name);
    return [
      { sql: `DROP VIEW IF EXISTS ${quoteId((target.state as { view: string }).view)}` },
      { sql: 'DELETE FROM sink_table_items WHERE table_name = ?', params: [target.name] },
    ];
  }

  /** PutItem: replaces the item with the same key. The key attributes must be present with the schema's types. */
  async put(table: string, item: JsonObject, traceId: string | null = null): Promise<void> {
    const target = this.ctx.target('table', table);
    const [hash, range] = this.keyValues(target, item);
    const exists = this.ctx.store.get<{ id: number }>('SELECT id FROM sink_table_items WHERE table_name = ? AND hash = ? AND range = ?', [table, hash, range]);
    if (!exists && this.count(table) >= this.ctx.limits.tableItems) {
      throw new EngineError('Throttled', `table ${table} holds ${this.ctx.limits.tableItems} items, the local limit`);
    }
    const now = this.ctx.clock.now();
    const id = this.ctx.ids.take('sink_table_items');
    const statements: Statement[] = [{
      sql: 'INSERT OR REPLACE INTO sink_table_items (id, table_name, hash, range, item, updated, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
      params: [id, table, hash, range, JSON.stringify(item), now, traceId],
    }];
    const state = target.state as { view: string; columns: string[] };
    const fresh = Object.keys(item).filter((k) => !state.columns.includes(k) && !k.includes('"'));
    if (fresh.length && state.columns.length < MAX_COLUMNS) {
      state.columns = [...state.columns, ...fresh].slice(0, MAX_COLUMNS);
      statements.push(...this.viewStatements(target), this.ctx.stateStatement(target));
    }
    await this.ctx.store.write(statements);
    if (!exists) this.counts.set(table, this.count(table) + 1);
    this.ctx.recorded('table', table, id, traceId, now);
  }

  get(table: string, key: JsonObject): JsonObject | undefined {
    const [hash, range] = this.keyValues(this.ctx.target('table', table), key);
    const row = this.ctx.store.get<{ item: string }>('SELECT item FROM sink_table_items WHERE table_name = ? AND hash = ? AND range = ?', [table, hash, range]);
    return row ? (JSON.parse(row.item) as JsonObject) : undefined;
  }

  /** DeleteItem by key; deleting a missing item is not an error (as AWS). */
  async delete(table: string, key: JsonObject): Promise<void> {
    const [hash, range] = this.keyValues(this.ctx.target('table', table), key);
    if (!this.ctx.store.get('SELECT 1 AS x FROM sink_table_items WHERE table_name = ? AND hash = ? AND range = ?', [table, hash, range])) return;
    await this.ctx.store.write([{ sql: 'DELETE FROM sink_table_items WHERE table_name = ? AND hash = ? AND range = ?', params: [table, hash, range] }]);
    this.counts.set(table, this.count(table) - 1);
  }

  count(table: string): number {
    let n = this.counts.get(table);
    if (n === undefined) this.counts.set(table, (n = this.ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM sink_table_items WHERE table_name = ?', [table])?.n ?? 0));
    return n;
  }

  /** Items, most recently written first. */
  records(table: string, q?: SinkRecordQuery): SinkRecord[] {
    return this.ctx.store.all<{ id: number; item: string; updated: number; trace_id: string | null }>(
      `SELECT id, item, updated, trace_id FROM sink_table_items WHERE table_name = ? AND id > ?${q?.traceId === undefined ? '' : ' AND trace_id = ?'} ORDER BY id DESC LIMIT ?`,
      [table, q?.after ?? 0, ...(q?.traceId === undefined ? [] : [q.traceId]), clampLimit(q)],
    ).map((r) => ({ id: r.id, time: r.updated, traceId: r.trace_id, data: JSON.parse(r.item) as JsonValue }));
  }

  keys(target: Target): KeyDef[] {
    const o = target.options as unknown as { hashKey: KeyDef; rangeKey?: KeyDef };
    return o.rangeKey ? [o.hashKey, o.rangeKey] : [o.hashKey];
  }

  /** The stored key columns; AWS's ValidationException messages for a missing or mistyped key. */
  private keyValues(target: Target, item: JsonObject): [string, string] {
    const values = this.keys(target).map((k) => {
      const v = item[k.name];
      if (v === undefined || v === null) throw new EngineError('InvalidInput', `One or more parameter values were invalid: Missing the key ${k.name} in the item`);
      if (k.type === 'S' && typeof v !== 'string') throw new EngineError('InvalidInput', `One or more parameter values were invalid: Type mismatch for key ${k.name} expected: S actual: ${typeof v === 'number' ? 'N' : 'M'}`);
      if (k.type === 'N' && (typeof v !== 'number' || !Number.isFinite(v))) throw new EngineError('InvalidInput', `One or more parameter values were invalid: Type mismatch for key ${k.name} expected: N actual: ${typeof v === 'string' ? 'S' : 'M'}`);
      if (v === '') throw new EngineError('InvalidInput', `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${k.name}`);
      return String(v);
    });
    return [values[0], values[1] ?? ''];
  }
}
