/** The SQL console's live `messages` table (in its worker): a snapshot, then live batches, bounded, newest first. */
import initSqlJs, { type Database } from 'sql.js';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../engine/contract/index.js';
import { LiveMessages } from '../../renderer/src/state/models/sql-live.js';
import { MAX_FLAT_COLUMNS } from '../../renderer/src/state/models/sql-tables.js';
import { MessagesTable } from '../../renderer/src/state/models/messages-table.js';

const msg = (id: number, payload: object | string = { seq: id }): MessageRecord => {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return { id, topic: `dt/d${id % 3}`, payload: Buffer.from(text).toString('base64'), size: text.length, truncated: false, qos: 0, retain: false, clientId: 'd', time: 1_000 + id };
};
const ids = (db: Database) => db.exec('SELECT id FROM messages')[0]?.values.map((r) => r[0]) ?? [];

let db: Database;
beforeEach(async () => {
  db = new (await initSqlJs()).Database();
});

describe('the live messages table', () => {
  it('reads newest first without an ORDER BY, skips messages it has, and adds new payload fields as columns', () => {
    const table = new MessagesTable(db, 100);
    expect(table.create([msg(3), msg(2), msg(1)])).toMatchObject({ rows: 3, newest: 1_003 });
    const info = table.append([msg(3), msg(4, { seq: 4, humidity: 40 }), msg(5)]);
    expect(info).toMatchObject({ rows: 5, newest: 1_005 });
    expect(info.columns.slice(-2)).toEqual(['payload.seq', 'payload.humidity']);
    expect(ids(db)).toEqual([5, 4, 3, 2, 1]);
    expect(db.exec('SELECT "payload.humidity" FROM messages WHERE id = 4')[0]!.values).toEqual([[40]]);
    expect(db.exec('SELECT COUNT(*) FROM messages WHERE "payload.humidity" IS NULL')[0]!.values).toEqual([[4]]);
  });

  it('keeps the newest `max` rows, the oldest leaving first', () => {
    const table = new MessagesTable(db, 4);
    table.create([msg(2), msg(1)]);
    expect(table.append([msg(3), msg(4), msg(5), msg(6)]).rows).toBe(4);
    expect(ids(db)).toEqual([6, 5, 4, 3]);
  });

  it('stops adding columns at the flattened limit (the payload text still has every field)', () => {
    const table = new MessagesTable(db, 10);
    const wide = (id: number, from: number) => msg(id, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${from + i}`, i])));
    const fixed = table.create([wide(1, 0)]).columns.length - 40;
    const info = table.append([wide(2, 40)]);
    expect(info.columns.length).toBe(fixed + MAX_FLAT_COLUMNS);
    expect(db.exec('SELECT payload ->> \'$.f79\' FROM messages WHERE id = 2')[0]!.values).toEqual([[39]]);
  });

  it('makes an empty table from an empty history and appends to it', () => {
    const table = new MessagesTable(db, 10);
    expect(table.create([])).toMatchObject({ rows: 0, newest: null });
    expect(table.append([msg(1, 'not json')]).rows).toBe(1);
    expect(db.exec('SELECT payload FROM messages')[0]!.values).toEqual([['not json']]);
  });
});

describe('live messages waiting for the table', () => {
  it('keeps the newest `max`, counts what the engine skipped, and empties when taken', () => {
    const waiting = new LiveMessages(3);
    waiting.push([msg(1), msg(2)]);
    waiting.push([msg(3), msg(4)], 5);
    expect(waiting.skipped).toBe(5);
    expect(waiting.take().map((m) => m.id)).toEqual([2, 3, 4]);
    expect(waiting.size).toBe(0);
    waiting.clear();
    expect(waiting.skipped).toBe(0);
  });
});
