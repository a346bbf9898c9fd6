/** The SQL console's pure parts: tables from contract data (flattening), CSV, chart data, error positions, saved queries. */
import initSqlJs, { type Database } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MessageRecord, SinkRecord } from '../../engine/contract/index.js';
import { locateError, occurrences } from '../../renderer/src/state/models/sql-errors.js';
import { chartData, csvField, defaultChart, numericColumns, toCsv } from '../../renderer/src/state/models/sql-results.js';
import { exampleQueries, parseSaved, withSaved } from '../../renderer/src/state/models/sql-saved.js';
import { cellOf, flatten, MAX_FLAT_COLUMNS, messagesTable, registryTables, sinkTable, tableOf } from '../../renderer/src/state/models/sql-tables.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const msg = (id: number, topic: string, payload: string | Buffer, extra: Partial<MessageRecord> = {}): MessageRecord => ({
  id, topic, payload: b64(payload), size: Buffer.byteLength(payload), truncated: false, qos: 1, retain: false, clientId: 'dev-1', time: 1_700_000_000_000 + id, ...extra,
});

describe('tables from the engine\'s data', () => {
  it('keeps numbers and text, makes booleans 1/0 and nested values JSON text', () => {
    expect([cellOf(1.5), cellOf('a'), cellOf(true), cellOf(false), cellOf(null), cellOf(undefined), cellOf([1, { a: 2 }]), cellOf(Number.NaN)])
      .toEqual([1.5, 'a', 1, 0, null, null, '[1,{"a":2}]', null]);
  });

  it('flattens nested objects into dotted columns down to three levels, arrays and deeper objects as JSON', () => {
    expect(flatten({ a: 1, b: { c: 'x', d: { e: true, f: { g: 1 } } }, h: [1, 2], i: {} })).toEqual([
      ['a', 1], ['b.c', 'x'], ['b.d.e', 1], ['b.d.f', '{"g":1}'], ['h', '[1,2]'], ['i', '{}'],
    ]);
  });

  it('makes a messages table with the payload text and a JSON payload\'s fields as columns', () => {
    const t = messagesTable([
      msg(2, 'dt/a', JSON.stringify({ temperature: 21.5, meta: { room: 'lab' } }), { properties: { contentType: 'application/json', userProperties: [['k', 'v']] } }),
      msg(1, 'dt/b', Buffer.from([0xff, 0xfe, 0x00]), { clientId: null, retain: true }),
    ]);
    expect(t.name).toBe('messages');
    expect(t.columns).toEqual(['id', 'time', 'topic', 'client_id', 'qos', 'retain', 'size', 'truncated', 'payload', 'content_type',
      'response_topic', 'user_properties', 'payload.temperature', 'payload.meta.room']);
    const row = Object.fromEntries(t.columns.map((c, i) => [c, t.rows[0]![i]]));
    expect(row).toMatchObject({ id: 2, topic: 'dt/a', retain: 0, 'payload.temperature': 21.5, 'payload.meta.room': 'lab', content_type: 'application/json', user_properties: '[["k","v"]]' });
    // A binary payload is NULL (not text); its row has no payload fields.
    expect(t.rows[1]).toEqual([1, 1_700_000_000_001, 'dt/b', null, 1, 1, 3, 0, null, null, null, null, null, null]);
  });

  it('makes one table per sink kind with the record\'s fields as columns, renaming a field that clashes with a fixed column', () => {
    const rec = (id: number, data: SinkRecord['data']): SinkRecord => ({ id, time: 5, traceId: 't', data });
    const t = sinkTable('table', [{ sink: 'Readings', record: rec(1, { id: 'x', temp: 3 }) }, { sink: 'Other', record: rec(2, { room: 'b' }) }]);
    expect(t.name).toBe('dynamodb_items');
    expect(t.columns).toEqual(['sink', 'id', 'time', 'trace_id', 'data', 'data.id', 'temp', 'room']);
    expect(t.rows).toEqual([['Readings', 1, 5, 't', '{"id":"x","temp":3}', 'x', 3, null], ['Other', 2, 5, 't', '{"room":"b"}', null, null, 'b']]);
    expect(sinkTable('queue', []).columns).toEqual(['sink', 'id', 'time', 'trace_id', 'data']);
  });

  it('stops adding columns at the cap (the fields stay in the JSON column)', () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_FLAT_COLUMNS + 10 }, (_, i) => [`f${i}`, i]));
    const t = tableOf('w', '', [wide], [['data', (x) => x]], { prefix: 'data.', of: (x) => x });
    expect(t.columns).toHaveLength(1 + MAX_FLAT_COLUMNS);
    expect(t.rows[0]).toHaveLength(1 + MAX_FLAT_COLUMNS);
  });

  it('makes registry tables with snake_case columns and thing attributes as columns', () => {
    const t = registryTables.things([{ name: 'd1', id: 'i', arn: 'a', type: null, attributes: { floor: '3' }, version: 1, defaultClientId: 'd1', createdAt: 1, updatedAt: 2 }]);
    expect(t.columns).toEqual(['name', 'id', 'arn', 'type', 'version', 'attributes', 'created_at', 'updated_at', 'attributes.floor']);
    expect(t.rows[0]!.at(-1)).toBe('3');
  });
});

describe('CSV', () => {
  it('quotes fields with commas, quotes, line breaks or edge spaces (RFC 4180), NULL empty, CRLF lines', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' pad')).toBe('" pad"');
    expect(csvField(null)).toBe('');
    expect(csvField(2.5)).toBe('2.5');
    expect(toCsv(['topic', 'n'], [['dt/a', 2], ['x,y', null]])).toBe('topic,n\r\ndt/a,2\r\n"x,y",\r\n');
  });
});

describe('charts of a result', () => {
  const result = {
    columns: ['minute', 'device', 'avg'],
    rows: [[1_700_000_060_000, 'b', 2], [1_700_000_000_000, 'a', 1], [1_700_000_060_000, 'a', 3], [null, 'c', 9]],
  };

  it('finds the numeric columns and a first chart: a time-like x, a numeric y, split by a text column', () => {
    expect(numericColumns(result)).toEqual([0, 2]);
    expect(defaultChart(result)).toEqual({ x: 0, ys: [2], splitBy: 1 });
    expect(defaultChart({ columns: ['topic', 'n'], rows: [['a', 1]] })).toBeNull();
    // A text column with a value per row is no split.
    expect(defaultChart({ columns: ['seq', 'n', 'who'], rows: [[1, 2, 'a'], [2, 2, 'b']] })).toEqual({ x: 0, ys: [1], splitBy: -1 });
  });

  it('sorts by x, draws epoch milliseconds as time (seconds) and makes one line per split value', () => {
    const c = chartData(result, { x: 0, ys: [2], splitBy: 1 });
    expect(c.time).toBe(true);
    expect(c.data[0]).toEqual([1_700_000_000, 1_700_000_060]);
    expect(c.lines.map((l) => l.label)).toEqual(['b', 'a']);
    expect(c.data.slice(1)).toEqual([[null, 2], [1, 3]]);
    expect(c.skipped).toBe(1);
  });

  it('draws plain numbers on a number axis, one line per y column', () => {
    const c = chartData({ columns: ['x', 'y', 'z'], rows: [[2, 4, 8], [1, 1, 1]] }, { x: 0, ys: [1, 2], splitBy: -1 });
    expect(c.time).toBe(false);
    expect(c.data).toEqual([[1, 2], [1, 4], [1, 8]]);
    expect(c.lines).toEqual([{ label: 'y' }, { label: 'z' }]);
  });
});

describe('where an error is', () => {
  let db: Database;
  beforeAll(async () => {
    const SQL = await initSqlJs();
    db = new SQL.Database();
    db.run('CREATE TABLE messages (topic, time)');
  });
  const sqliteError = (sql: string): string => {
    try {
      for (const s of db.iterateStatements(sql)) s.free();
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };
  const locate = (sql: string) => {
    const message = sqliteError(sql);
    return { message, at: locateError(sql, message, (end) => sqliteError(sql.slice(0, end)) === message) };
  };

  it('underlines the token SQLite names, on its line and column', () => {
    const { message, at } = locate('SELECT topic\nFROM messages\nWHERE time >> > 3');
    expect(message).toBe('near ">": syntax error');
    expect(at).toMatchObject({ line: 3, column: 15, endLine: 3, endColumn: 16 });
  });

  it('picks the occurrence where the parser stopped when the token occurs more than once', () => {
    const sql = 'SELECT topic, time FROM messages WHERE time > 1 time';
    const { message, at } = locate(sql);
    expect(message).toBe('near "time": syntax error');
    expect(at!.start).toBe(sql.lastIndexOf('time'));
    expect(at).toMatchObject({ line: 1, column: sql.lastIndexOf('time') + 1 });
  });

  it('finds an unknown column or table as a whole word, ignoring case, and the end of an incomplete input', () => {
    expect(locate('SELECT topics, topic FROM messages').at).toMatchObject({ line: 1, column: 8, endColumn: 14 });
    expect(locate('select * from Nope').at).toMatchObject({ column: 15, endColumn: 19 });
    expect(locate('SELECT topic FROM messages WHERE (').at).toMatchObject({ column: 34 });
    expect(locateError('x', 'out of memory')).toBeNull();
    expect(occurrences('a ab a_b a', 'a', true)).toEqual([0, 9]);
  });
});

describe('saved queries', () => {
  it('reads what was stored, leaving out the malformed, and replaces a query saved under the same name', () => {
    expect(parseSaved('not json')).toEqual([]);
    expect(parseSaved(JSON.stringify([{ name: 'a', sql: 'SELECT 1' }, { name: 2 }, { name: ' ', sql: 'x' }]))).toEqual([{ name: 'a', sql: 'SELECT 1' }]);
    const saved = withSaved(withSaved([], { name: 'b', sql: '1' }), { name: 'a', sql: '2' });
    expect(withSaved(saved, { name: 'b ', sql: '3' })).toEqual([{ name: 'a', sql: '2' }, { name: 'b', sql: '3' }]);
  });

  it('ships examples that compile against the console\'s tables', async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    const tables = [
      messagesTable([msg(1, 'dt/a', '{"temperature":20}')]), sinkTable('queue', []),
      registryTables.things([]), registryTables.shadows([]),
      tableOf('rule_evaluations', '', [], [['trace_id', () => 0], ['message_id', () => 0], ['matched', () => 0], ['rule', () => 0]]),
    ];
    for (const t of tables) db.run(`CREATE TABLE "${t.name}" (${t.columns.map((c) => `"${c}"`).join(', ')})`);
    db.run('INSERT INTO messages (id, time, topic, client_id, payload) VALUES (1, 1700000000000, \'dt/a\', \'d1\', \'{"temperature":20}\')');
    for (const q of exampleQueries) expect(() => db.exec(q.sql), q.name).not.toThrow();
    expect(db.exec(exampleQueries[1]!.sql)[0]!.values).toEqual([[1_699_999_980_000, 'd1', 20, 1]]);
  });
});
