/** Keys, tokens, pages and per-stream figures for the log sink's reads. */
import { EngineError } from '../../core/index.js';
import type { Store } from '../../storage/index.js';

export interface EventRow { id: number; stream: string; ts: number; ingested: number; message: string }
export interface StreamStats { first: number; last: number; ingested: number; bytes: number; lastId: number }

/** An event's place in time order: its timestamp and id, 36 digits (also its event id, and inside tokens). */
export const eventKey = (ts: number, id: number): string => `${String(ts).padStart(16, '0')}${String(id).padStart(20, '0')}`;

export function parseKey(key: string): { ts: number; id: number } {
  return { ts: Number(key.slice(0, 16)), id: Number(key.slice(16)) };
}

/** FilterLogEvents' nextToken: opaque to clients. */
export const keyToken = (at: { ts: number; id: number }): string => Buffer.from(eventKey(at.ts, at.id)).toString('base64url');

/** One page of a sorted list; the token is the offset of the next page (opaque to clients). */
export function page<T>(all: readonly T[], token: string | undefined, limit: number): { items: T[]; nextToken?: string } {
  let start = 0;
  if (token !== undefined) {
    const m = /^o(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m) throw new EngineError('InvalidInput', 'The specified nextToken is invalid.');
    start = Number(m[1]);
  }
  const items = all.slice(start, start + limit);
  const next = start + items.length;
  return next < all.length ? { items, nextToken: Buffer.from(`o${next}`).toString('base64url') } : { items };
}

/** First and last event time, last ingestion, stored bytes and last id of each stream of a group, since `cutoff`. */
export function streamStats(store: Store, group: string, cutoff: number): Map<string, StreamStats> {
  const rows = store.all<{ stream: string; first: number; last: number; ingested: number; bytes: number; lastId: number }>(
    'SELECT stream, MIN(ts) AS first, MAX(ts) AS last, MAX(ingested) AS ingested, SUM(LENGTH(CAST(message AS BLOB))) AS bytes, MAX(id) AS lastId '
    + 'FROM log_events WHERE grp = ? AND ts >= ? GROUP BY stream', [group, cutoff]);
  return new Map(rows.map((r) => [r.stream, { first: r.first, last: r.last, ingested: r.ingested, bytes: r.bytes, lastId: r.lastId }]));
}

export function orderStreams<T extends { name: string }>(rows: T[], stats: Map<string, StreamStats>, by: 'LogStreamName' | 'LastEventTime', descending: boolean): T[] {
  const byName = (a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const cmp = by === 'LogStreamName' ? byName : (a: T, b: T) => ((stats.get(a.name)?.last ?? 0) - (stats.get(b.name)?.last ?? 0)) || byName(a, b);
  const sorted = [...rows].sort(cmp);
  return descending ? sorted.reverse() : sorted;
}
