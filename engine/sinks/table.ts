/**
 * DynamoDB tables in the sql.js database: one store for the rules' `dynamoDB`/`dynamoDBv2` actions and the DynamoDB
 * API (engine/sinks/dynamodb). Items live in `sink_table_items` keyed as the table's key schema says, typed as
 * DynamoDB types them (`typed`) beside plain JSON (`item`) for the table's SQL view (`SELECT * FROM "Readings"` in
 * the console, one column per attribute seen). Tables with a stream view type keep a change feed of old and new images for 24 hours, as DynamoDB Streams does.
 *
 * Each item keeps its range key as sortable text (`sort`), so Query and Scan read key ranges straight from an SQL
 * index (table-rows.ts); secondary indexes keep an entry per indexed item (built by table-indexes.ts); tables with time
 * to live have expired items deleted by a periodic sweep (table-ttl.ts), each deletion a stream record made by the
 * DynamoDB service.
 *
 * LIMITATIONS: no capacity; a view shows at most 200 attributes (N as SQL numbers, sets as JSON arrays); a table
 * name taken by an engine table (or starting with sqlite_) gets its view as `ddb_<name>`.
 */
import type { JsonObject, JsonValue, SinkRecord, SinkRecordQuery } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import type { Statement } from '../storage/index.js';
import {
  checkIndexKeys, itemFromJson, itemSize, itemToJson, keyColumn, keyOf, checkKeyAttributes, ddbNotFound, sortKey,
  type Item, type ItemChange, type ItemStore, type KeyPosition, type KeySchema, type PartitionRead,
} from './dynamodb/index.js';
import { entryStatements, expiryOf, queryRows, scanRows, typedOf, type Row } from './table-rows.js';
import { latestChange, readChanges, type TableChange } from './table-changes.js';
import { TableIndexes } from './table-indexes.js';
import { schemaOf, tableKeys, type IndexOptions, type KeyDef } from './table-schema.js';
import { TableTtl } from './table-ttl.js';
import { clampLimit, type SinkContext, type Target } from './sink-context.js';
import { normalizeOptions } from './sink-options.js';

export type { IndexOptions } from './table-schema.js';
export type { TableChange } from './table-changes.js';

type Json = Parameters<typeof itemFromJson>[0];

const MAX_COLUMNS = 200;
const quoteId = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteStr = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** DynamoDB Streams keeps stream records for 24 hours. */
const CHANGE_RETENTION_MS = 24 * 3600_000;
/** Old changes are pruned at most once a minute per table, within a write. */
const PRUNE_EVERY_MS = 60_000;

export class TableSink implements ItemStore {
  private readonly counts = new Map<string, number>();
  private readonly pruned = new Map<string, number>();
  private readonly indexes: TableIndexes;
  private readonly ttl: TableTtl;

  constructor(private readonly ctx: SinkContext) {
    this.indexes = new TableIndexes(ctx);
    this.ttl = new TableTtl(ctx, (changes) => this.write(changes));
  }

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
      { sql: 'DELETE FROM sink_table_changes WHERE table_name = ?', params: [target.name] },
      { sql: 'DELETE FROM sink_table_index_items WHERE table_name = ?', params: [target.name] },
    ];
  }

  /** PutItem of a plain JSON item (the rule actions): replaces the item with the same key. */
  async put(table: string, item: JsonObject, traceId: string | null = null): Promise<void> {
    const schema = schemaOf(this.ctx.target('table', table));
    const typed = checkIndexKeys(schema, itemFromJson(item as { [k: string]: Json }));
    const key = keyOf(schema, checkKeyAttributes(schema, typed));
    const [hash, range] = keyColumn(schema, key);
    await this.write([{ table, hash, range, old: this.get0(table, hash, range), new: typed }], traceId);
  }

  /** GetItem by a plain JSON key, as plain JSON. */
  get(table: string, key: JsonObject): JsonObject | undefined {
    const schema = schemaOf(this.ctx.target('table', table));
    const [hash, range] = keyColumn(schema, keyOf(schema, checkKeyAttributes(schema, itemFromJson(key as { [k: string]: Json }))));
    const found = this.get0(table, hash, range);
    return found ? (itemToJson(found) as JsonObject) : undefined;
  }

  /** DeleteItem by a plain JSON key; deleting a missing item is not an error (as AWS). */
  async delete(table: string, key: JsonObject): Promise<void> {
    const schema = schemaOf(this.ctx.target('table', table));
    const [hash, range] = keyColumn(schema, keyOf(schema, checkKeyAttributes(schema, itemFromJson(key as { [k: string]: Json }))));
    const old = this.get0(table, hash, range);
    if (old) await this.write([{ table, hash, range, old }]);
  }

  /**
   * Changes a table's settings (stream view type, billing mode, capacity; UpdateTable): `null` removes one. The key
   * schema cannot change.
   */
  async setOptions(table: string, patch: Record<string, JsonValue | undefined>): Promise<void> {
    const target = this.ctx.target('table', table);
    const merged: JsonObject = { ...target.options };
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'hashKey' || key === 'rangeKey') throw new EngineError('InvalidInput', 'a table\'s key schema cannot change');
      if (key === 'indexes' || key === 'ttlAttribute') throw new EngineError('InvalidInput', `${key} change through addIndex, removeIndex and setTimeToLive`);
      if (value === null) delete merged[key];
      else if (value !== undefined) merged[key] = value;
    }
    const options = normalizeOptions('table', merged);
    await this.ctx.store.write([{ sql: 'UPDATE sink_targets SET options = ? WHERE kind = ? AND name = ?', params: [JSON.stringify(options), 'table', table] }]);
    target.options = options;
  }

  // ---- the ItemStore port of the DynamoDB operations ----

  /** The table's key schema; ResourceNotFoundException for a missing table. */
  schema(table: string): KeySchema {
    let target: Target;
    try {
      target = this.ctx.target('table', table);
    } catch (e) {
      if (e instanceof EngineError && e.code === 'NotFound') throw ddbNotFound();
      throw e;
    }
    return schemaOf(target);
  }

  getItem(table: string, hash: string, range: string): Item | undefined {
    return this.get0(table, hash, range);
  }

  queryItems(table: string, read: PartitionRead): { pos: KeyPosition; item: Item }[] {
    return queryRows(this.ctx.store, table, read);
  }

  scanItems(table: string, index: string | undefined, after: KeyPosition | undefined, limit: number): { pos: KeyPosition; item: Item }[] {
    return scanRows(this.ctx.store, table, index, after, limit);
  }

  /**
   * Adds a secondary index (UpdateTable's Create) and fills it from the table's items a chunk at a time, the engine
   * serving other requests in between: the index is in the table's options (so writes keep it) and marked
   * backfilling until the last chunk, and a build cut short by a restart resumes when the sinks start.
   */
  addIndex(table: string, index: IndexOptions): Promise<void> {
    return this.indexes.add(table, index);
  }

  /** Finishes the index builds a restart cut short. */
  resumeIndexBuilds(tables: string[]): Promise<void> {
    return this.indexes.resume(tables);
  }

  /** Deletes a secondary index and its entries. */
  removeIndex(table: string, name: string): Promise<void> {
    return this.indexes.remove(table, name);
  }

  /** Sets a global secondary index's provisioned throughput (kept and described, not enforced). */
  setIndexThroughput(table: string, name: string, t: { readCapacityUnits: number; writeCapacityUnits: number }): Promise<void> {
    return this.indexes.setThroughput(table, name, t);
  }

  /** Item count and size per secondary index. */
  indexStats(table: string): Map<string, { count: number; bytes: number }> {
    return this.indexes.stats(table);
  }

  /** Turns time to live on (the attribute holding each item's expiry) or off (undefined). */
  setTimeToLive(table: string, attribute: string | undefined): Promise<void> {
    return this.ttl.set(table, attribute);
  }

  /**
   * Deletes the items of tables with time to live whose expiry has passed on the engine's clock (and is not more
   * than five years old), as DynamoDB's background process does: each deletion a stream REMOVE record made by the
   * service. Resolves with the number deleted.
   */
  sweepExpired(tables: string[]): Promise<number> {
    return this.ttl.sweep(tables);
  }

  /** Rows written before key order was kept get their sortable range key and size (once, when the sinks start). */
  async backfillKeyOrder(): Promise<void> {
    for (;;) {
      const rows = this.ctx.store.all<Row & { table_name: string }>('SELECT table_name, hash, range, item, typed FROM sink_table_items WHERE sort IS NULL LIMIT 1000');
      if (rows.length === 0) return;
      await this.ctx.store.write(rows.map((r) => {
        const item = typedOf(r);
        let sort = '';
        try {
          const range = schemaOf(this.ctx.target('table', r.table_name)).range;
          if (range && item[range.name]) sort = sortKey(item[range.name]);
        } catch { /* an item of a table that is gone: no order to keep */ }
        return { sql: 'UPDATE sink_table_items SET sort = ?, size = ? WHERE table_name = ? AND hash = ? AND range = ?', params: [sort, itemSize(item), r.table_name, r.hash, r.range] };
      }));
    }
  }

  /**
   * Applies item changes (puts and deletes, across tables) in one atomic, durable write: the promise resolves once
   * they are journaled and fsynced. Tables with a stream view type get change records.
   */
  async write(changes: ItemChange[], traceId: string | null = null): Promise<void> {
    const statements: Statement[] = [];
    const now = this.ctx.clock.now();
    const delta = new Map<string, number>();
    const recorded: [string, number][] = [];
    const fed = new Set<string>();
    for (const c of changes) {
      const target = this.ctx.target('table', c.table);
      const d = (c.new ? 1 : 0) - (c.old ? 1 : 0);
      const n = (delta.get(c.table) ?? 0) + d;
      if (d > 0 && this.count(c.table) + n > this.ctx.limits.tableItems) {
        throw new EngineError('Throttled', `table ${c.table} holds ${this.ctx.limits.tableItems} items, the local limit`);
      }
      delta.set(c.table, n);
      const schema = schemaOf(target);
      const sort = schema.range && (c.new ?? c.old)?.[schema.range.name] ? sortKey((c.new ?? c.old)![schema.range.name]) : '';
      if (schema.indexes?.length) statements.push(...entryStatements(c.table, schema, { hash: c.hash, range: c.range, sort }, c.new, !!c.old));
      if (c.new) {
        const id = this.ctx.ids.take('sink_table_items');
        const plain = itemToJson(c.new);
        statements.push({
          sql: 'INSERT OR REPLACE INTO sink_table_items (id, table_name, hash, range, item, typed, updated, trace_id, sort, size, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          params: [id, c.table, c.hash, c.range, JSON.stringify(plain), JSON.stringify(c.new), now, traceId, sort, itemSize(c.new), expiryOf(schema, c.new)],
        });
        recorded.push([c.table, id]);
        const state = target.state as { view: string; columns: string[] };
        const fresh = Object.keys(c.new).filter((k) => !state.columns.includes(k) && !k.includes('"'));
        if (fresh.length && state.columns.length < MAX_COLUMNS) {
          state.columns = [...state.columns, ...fresh].slice(0, MAX_COLUMNS);
          statements.push(...this.viewStatements(target), this.ctx.stateStatement(target));
        }
      } else if (c.old) {
        statements.push({ sql: 'DELETE FROM sink_table_items WHERE table_name = ? AND hash = ? AND range = ?', params: [c.table, c.hash, c.range] });
      }
      const view = (target.options as { streamViewType?: string }).streamViewType;
      if (view && (c.old || c.new)) {
        const keys = keyOf(schema, (c.new ?? c.old)!);
        const event = !c.old ? 'INSERT' : !c.new ? 'REMOVE' : 'MODIFY';
        if (now - (this.pruned.get(c.table) ?? -Infinity) >= PRUNE_EVERY_MS) {
          this.pruned.set(c.table, now);
          statements.push({ sql: 'DELETE FROM sink_table_changes WHERE table_name = ? AND time < ?', params: [c.table, now - CHANGE_RETENTION_MS] });
        }
        const oldImage = c.old ? JSON.stringify(c.old) : null, newImage = c.new ? JSON.stringify(c.new) : null;
        fed.add(c.table);
        statements.push({
          sql: 'INSERT INTO sink_table_changes (id, table_name, event, keys, old_image, new_image, size, time, user_identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          params: [this.ctx.ids.take('sink_table_changes'), c.table, event, JSON.stringify(keys), oldImage, newImage, (oldImage?.length ?? 0) + (newImage?.length ?? 0), now, c.userIdentity ? JSON.stringify(c.userIdentity) : null],
        });
      }
    }
    if (statements.length === 0) return;
    await this.ctx.store.write(statements);
    for (const [t, d] of delta) this.counts.set(t, this.count(t) + d);
    for (const [t, id] of recorded) this.ctx.recorded('table', t, id, traceId, now);
    for (const t of fed) this.ctx.appended('table', t);
  }

  /** The change feed of a table with a stream: changes after `after`, oldest first. */
  changes(table: string, after = 0, limit = 1000): TableChange[] {
    return readChanges(this.ctx.store, table, after, limit);
  }

  /** The table's size as DynamoDB counts it (the sum of its items' sizes). */
  sizeBytes(table: string): number {
    return this.ctx.store.get<{ n: number | null }>('SELECT SUM(size) AS n FROM sink_table_items WHERE table_name = ?', [table])?.n ?? 0;
  }

  /** The last change's sequence number in a table's change feed (0 for none). */
  latestChange(table: string): number {
    return latestChange(this.ctx.store, table);
  }

  count(table: string): number {
    let n = this.counts.get(table);
    if (n === undefined) this.counts.set(table, (n = this.ctx.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM sink_table_items WHERE table_name = ?', [table])?.n ?? 0));
    return n;
  }

  /** Items, most recently written first. */
  records(table: string, q?: SinkRecordQuery): SinkRecord[] {
    return this.ctx.store.all<{ id: number; item: string; updated: number; trace_id: string | null }>(
      `SELECT id, item, updated, trace_id FROM sink_table_items WHERE table_name = ? AND id > ? AND id < ?${q?.traceId === undefined ? '' : ' AND trace_id = ?'} ORDER BY id DESC LIMIT ?`,
      [table, q?.after ?? 0, q?.before ?? Number.MAX_SAFE_INTEGER, ...(q?.traceId === undefined ? [] : [q.traceId]), clampLimit(q)],
    ).map((r) => ({ id: r.id, time: r.updated, traceId: r.trace_id, data: JSON.parse(r.item) as JsonValue }));
  }

  keys(target: Target): KeyDef[] {
    return tableKeys(target);
  }

  private get0(table: string, hash: string, range: string): Item | undefined {
    const row = this.ctx.store.get<Row>('SELECT hash, range, item, typed FROM sink_table_items WHERE table_name = ? AND hash = ? AND range = ?', [table, hash, range]);
    return row ? typedOf(row) : undefined;
  }
}
