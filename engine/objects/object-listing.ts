/**
 * ListObjects(V2) over the store: keys in UTF-8 byte order (SQLite's BINARY collation on TEXT), filtered by prefix,
 * rolled up at the first delimiter after the prefix into common prefixes, resumed after a key (StartAfter, Marker,
 * or a continuation token naming the last key or common prefix returned), at most `maxKeys` entries (keys and
 * common prefixes together, as S3 counts them).
 */
import type { Store } from '../storage/index.js';
import type { ObjectInfo, ObjectRow } from './object-types.js';
import { objectInfo } from './object-types.js';

export interface ListQuery {
  prefix?: string;
  delimiter?: string;
  /** List keys strictly after this one (StartAfter, Marker, or a continuation's position). */
  after?: string;
  /** When `after` is a common prefix returned before: skip every key that begins with it. */
  afterIsPrefix?: boolean;
  maxKeys?: number;
}

export interface ListResult {
  objects: ObjectInfo[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned (the position to resume after when truncated). */
  last?: { value: string; isPrefix: boolean };
}

const BATCH = 1000;

export function listObjects(store: Store, bucket: string, q: ListQuery): ListResult {
  const prefix = q.prefix ?? '';
  const delimiter = q.delimiter ?? '';
  const max = Math.max(0, Math.min(q.maxKeys ?? 1000, 1000));
  const result: ListResult = { objects: [], commonPrefixes: [], truncated: false };
  if (max === 0) return result;
  let cursor = q.after ?? '';
  let skipPrefix = q.afterIsPrefix ? q.after : undefined;
  let count = 0;
  for (;;) {
    const rows = store.all<ObjectRow>(
      `SELECT key, size, etag, modified, headers, metadata, blob FROM s3_objects
       WHERE bucket = ? AND key > ? AND substr(key, 1, ?) = ? ORDER BY key LIMIT ?`, // substr counts code points
      [bucket, cursor, [...prefix].length, prefix, BATCH]);
    for (const row of rows) {
      cursor = row.key;
      if (skipPrefix !== undefined && row.key.startsWith(skipPrefix)) continue;
      let common: string | undefined;
      if (delimiter) {
        const at = row.key.indexOf(delimiter, prefix.length);
        if (at >= 0) common = row.key.slice(0, at + delimiter.length);
      }
      if (count === max) {
        result.truncated = true;
        return result;
      }
      if (common !== undefined) {
        result.commonPrefixes.push(common);
        result.last = { value: common, isPrefix: true };
        skipPrefix = common;
      } else {
        result.objects.push(objectInfo(bucket, row));
        result.last = { value: row.key, isPrefix: false };
      }
      count++;
    }
    if (rows.length < BATCH) return result;
  }
}
