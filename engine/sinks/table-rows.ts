/**
 * The SQL of a DynamoDB table's rows beyond single items: key-range reads of a partition (Query) and of the whole
 * table (Scan), on the table or one of its secondary indexes, each reading only the rows it returns in key order
 * (`sort` holds range keys as sortable text, dynamodb/sort-key.ts); index entries kept beside each write; the
 * sizes DescribeTable reports; the items whose time to live has passed.
 */
import type { Statement, Store } from '../storage/index.js';
import {
  indexEntry, itemFromJson, type IndexSchema, type Item, type KeyPosition, type KeySchema, type PartitionRead, type SortRange,
} from './dynamodb/index.js';

type Json = Parameters<typeof itemFromJson>[0];
export interface Row { hash: string; range: string; sort: string; item: string | null; typed: string | null }
interface EntryRow extends Row { p_hash: string; p_sort: string; p_ihash: string; p_isort: string }

export const typedOf = (r: { item: string | null; typed: string | null }): Item => (r.typed ? (JSON.parse(r.typed) as Item) : itemFromJson(JSON.parse(r.item!) as { [k: string]: Json }));

/** `col` within a sort range, as SQL and parameters. */
function rangeSql(col: string, r: SortRange | undefined): [string, string[]] {
  let sql = '';
  const params: string[] = [];
  if (r?.lo !== undefined) { sql += ` AND ${col} ${r.loOpen ? '>' : '>='} ?`; params.push(r.lo); }
  if (r?.hi !== undefined) { sql += ` AND ${col} ${r.hiOpen ? '<' : '<='} ?`; params.push(r.hi); }
  return [sql, params];
}

// the plain JSON only for rows written before items were typed
const ITEM_COLUMNS = 'i.hash, i.range, i.sort, i.typed, CASE WHEN i.typed IS NULL THEN i.item END AS item';
const ENTRY_COLUMNS = `e.hash AS p_hash, e.sort AS p_sort, e.item_hash AS p_ihash, e.item_sort AS p_isort, ${ITEM_COLUMNS}`;
const ENTRY_JOIN = 'sink_table_index_items e JOIN sink_table_items i ON i.table_name = e.table_name AND i.hash = e.item_hash AND i.range = e.item_range';

const tablePos = (r: Row): KeyPosition => ({ hash: r.hash, sort: r.sort, itemHash: r.hash, itemSort: r.sort });
const entryPos = (r: EntryRow): KeyPosition => ({ hash: r.p_hash, sort: r.p_sort, itemHash: r.p_ihash, itemSort: r.p_isort });

/** Query: one partition of the table or an index, in key order (descending when asked), after a position. */
export function queryRows(store: Store, table: string, q: PartitionRead): { pos: KeyPosition; item: Item }[] {
  const dir = q.descending ? 'DESC' : 'ASC', cmp = q.descending ? '<' : '>';
  if (q.index === undefined) {
    const [range, rangeParams] = rangeSql('i.sort', q.range);
    const after = q.after ? ` AND i.sort ${cmp} ?` : '';
    return store.all<Row>(
      `SELECT ${ITEM_COLUMNS} FROM sink_table_items i WHERE i.table_name = ? AND i.hash = ?${range}${after} ORDER BY i.sort ${dir} LIMIT ?`,
      [table, q.hash, ...rangeParams, ...(q.after ? [q.after.sort] : []), q.limit],
    ).map((r) => ({ pos: tablePos(r), item: typedOf(r) }));
  }
  const [range, rangeParams] = rangeSql('e.sort', q.range);
  const after = q.after ? ` AND (e.sort, e.item_hash, e.item_sort) ${cmp} (?, ?, ?)` : '';
  return store.all<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_JOIN} WHERE e.table_name = ? AND e.index_name = ? AND e.hash = ?${range}${after} ORDER BY e.sort ${dir}, e.item_hash ${dir}, e.item_sort ${dir} LIMIT ?`,
    [table, q.index, q.hash, ...rangeParams, ...(q.after ? [q.after.sort, q.after.itemHash, q.after.itemSort] : []), q.limit],
  ).map((r) => ({ pos: entryPos(r), item: typedOf(r) }));
}

/** Scan: the table or an index in its stored key order, after a position. */
export function scanRows(store: Store, table: string, index: string | undefined, after: KeyPosition | undefined, limit: number): { pos: KeyPosition; item: Item }[] {
  if (index === undefined) {
    return store.all<Row>(
      `SELECT ${ITEM_COLUMNS} FROM sink_table_items i WHERE i.table_name = ?${after ? ' AND (i.hash, i.sort) > (?, ?)' : ''} ORDER BY i.hash, i.sort LIMIT ?`,
      [table, ...(after ? [after.hash, after.sort] : []), limit],
    ).map((r) => ({ pos: tablePos(r), item: typedOf(r) }));
  }
  return store.all<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_JOIN} WHERE e.table_name = ? AND e.index_name = ?${after ? ' AND (e.hash, e.sort, e.item_hash, e.item_sort) > (?, ?, ?, ?)' : ''} ORDER BY e.hash, e.sort, e.item_hash, e.item_sort LIMIT ?`,
    [table, index, ...(after ? [after.hash, after.sort, after.itemHash, after.itemSort] : []), limit],
  ).map((r) => ({ pos: entryPos(r), item: typedOf(r) }));
}

/** The index entries of one item, replacing its old ones (none when `item` is undefined: a delete). */
export function entryStatements(table: string, schema: KeySchema, key: { hash: string; range: string; sort: string }, item: Item | undefined, replacing: boolean, only?: IndexSchema[]): Statement[] {
  const out: Statement[] = [];
  if (replacing) out.push({ sql: 'DELETE FROM sink_table_index_items WHERE table_name = ? AND item_hash = ? AND item_range = ?', params: [table, key.hash, key.range] });
  if (!item) return out;
  for (const ix of only ?? schema.indexes ?? []) {
    const e = indexEntry(schema, ix, item);
    if (!e) continue;
    out.push({
      sql: 'INSERT OR REPLACE INTO sink_table_index_items (table_name, index_name, hash, sort, item_hash, item_range, item_sort, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      params: [table, ix.name, e.hash, e.sort, key.hash, key.range, key.sort, e.size],
    });
  }
  return out;
}

/**
 * Entries in a new index for up to `limit` items after the key position `after` (table order), and where the next
 * chunk starts (undefined when this one was the last).
 */
export function backfillChunk(store: Store, table: string, schema: KeySchema, ix: IndexSchema, after: [string, string] | undefined, limit: number): { statements: Statement[]; next?: [string, string] } {
  const rows = store.all<Row>(
    `SELECT hash, range, sort, typed, CASE WHEN typed IS NULL THEN item END AS item FROM sink_table_items WHERE table_name = ?${after ? ' AND (hash, sort) > (?, ?)' : ''} ORDER BY hash, sort LIMIT ?`,
    [table, ...(after ?? []), limit]);
  const statements = rows.flatMap((r) => entryStatements(table, schema, r, typedOf(r), false, [ix]));
  const last = rows.at(-1);
  return { statements, ...(rows.length === limit && last ? { next: [last.hash, last.sort] as [string, string] } : {}) };
}

/** Item count and size (of projected items) per index. */
export function indexStats(store: Store, table: string): Map<string, { count: number; bytes: number }> {
  const rows = store.all<{ index_name: string; n: number; b: number | null }>(
    'SELECT index_name, COUNT(*) AS n, SUM(size) AS b FROM sink_table_index_items WHERE table_name = ? GROUP BY index_name', [table]);
  return new Map(rows.map((r) => [r.index_name, { count: r.n, bytes: r.b ?? 0 }]));
}

/** The expiry of an item in a table with time to live: its TTL attribute when a Number (epoch seconds), else none. */
export function expiryOf(schema: KeySchema, item: Item): number | null {
  const v = schema.ttlAttribute === undefined ? undefined : item[schema.ttlAttribute];
  return v && 'N' in v ? Number(v.N) : null;
}

/** Sets (or clears) every item's expiry when a table's time to live is turned on (or off). */
export function expiryStatements(table: string, attribute: string | undefined): Statement[] {
  if (attribute === undefined) return [{ sql: 'UPDATE sink_table_items SET expires = NULL WHERE table_name = ? AND expires IS NOT NULL', params: [table] }];
  const path = `$."${attribute.replace(/"/g, '\\"')}".N`;
  return [{ sql: 'UPDATE sink_table_items SET expires = CAST(json_extract(typed, ?) AS REAL) WHERE table_name = ?', params: [path, table] }];
}

/** Items expired by `nowSeconds` and not more than five years before it (DynamoDB leaves older ones), oldest first. */
export function expiredRows(store: Store, table: string, nowSeconds: number, limit: number): Row[] {
  return store.all<Row>(
    'SELECT hash, range, sort, item, typed FROM sink_table_items WHERE table_name = ? AND expires IS NOT NULL AND expires <= ? AND expires >= ? ORDER BY expires LIMIT ?',
    [table, nowSeconds, nowSeconds - FIVE_YEARS_S, limit]);
}

const FIVE_YEARS_S = 5 * 365 * 24 * 3600;
