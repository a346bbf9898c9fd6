/**
 * A table's change feed as its stream keeps it (`sink_table_changes`): read oldest first, as DynamoDB Streams and
 * Lambda's DynamoDB event source read it (table-stream.ts shapes a change as a stream record).
 */
import type { Store } from '../storage/index.js';
import type { Item } from './dynamodb/index.js';

/** One change of a table with a stream (old and new images as the write saw them). */
export interface TableChange {
  seq: number; event: 'INSERT' | 'MODIFY' | 'REMOVE'; keys: Item; oldImage?: Item; newImage?: Item; size: number; time: number;
  /** Who made the change when not a request (TTL deletions: the DynamoDB service). */
  userIdentity?: { type: string; principalId: string };
}

/** The changes of a table after `after`, oldest first. */
export function readChanges(store: Store, table: string, after: number, limit: number): TableChange[] {
  return store.all<{ id: number; event: string; keys: string; old_image: string | null; new_image: string | null; size: number; time: number; user_identity: string | null }>(
    'SELECT id, event, keys, old_image, new_image, size, time, user_identity FROM sink_table_changes WHERE table_name = ? AND id > ? ORDER BY id LIMIT ?', [table, after, limit],
  ).map((r) => ({
    seq: r.id, event: r.event as TableChange['event'], keys: JSON.parse(r.keys) as Item, time: r.time, size: r.size,
    ...(r.user_identity ? { userIdentity: JSON.parse(r.user_identity) as { type: string; principalId: string } } : {}),
    ...(r.old_image ? { oldImage: JSON.parse(r.old_image) as Item } : {}),
    ...(r.new_image ? { newImage: JSON.parse(r.new_image) as Item } : {}),
  }));
}

/** The last change's sequence number in a table's change feed (0 for none). */
export function latestChange(store: Store, table: string): number {
  return store.get<{ m: number | null }>('SELECT MAX(id) AS m FROM sink_table_changes WHERE table_name = ?', [table])?.m ?? 0;
}
