import { describe, expect, it } from 'vitest';
import { openSinks, sinksClosedAfterEach } from '../../test/helpers/sinks.js';

const open = sinksClosedAfterEach();

describe('table sink (DynamoDB-like)', () => {
  it('keeps items by key and shows them as rows of a view named after the table, across a restart', async () => {
    const h = await openSinks();
    open.push(h);
    const info = await h.sinks.create('table', 'Readings', { hashKey: { name: 'device', type: 'S' }, rangeKey: { name: 'ts', type: 'N' } });
    expect(info.sql).toBe('SELECT * FROM "Readings"');
    await h.sinks.tables.put('Readings', { device: 'd1', ts: 1, temperature: 21.5 });
    await h.sinks.tables.put('Readings', { device: 'd1', ts: 2, temperature: 22, meta: { fw: '1.0' } });
    await h.sinks.tables.put('Readings', { device: 'd1', ts: 1, temperature: 23 }); // replaces
    expect(h.store.all('SELECT * FROM "Readings" ORDER BY ts')).toEqual([
      { device: 'd1', ts: 1, temperature: 23, meta: null },
      { device: 'd1', ts: 2, temperature: 22, meta: '{"fw":"1.0"}' },
    ]);
    expect(h.sinks.tables.get('Readings', { device: 'd1', ts: 2 })).toEqual({ device: 'd1', ts: 2, temperature: 22, meta: { fw: '1.0' } });
    await h.sinks.tables.delete('Readings', { device: 'd1', ts: 2 });
    open.splice(0);
    const again = await h.reopen();
    open.push(again);
    expect(again.store.all('SELECT device, temperature FROM "Readings" WHERE temperature > 20')).toEqual([{ device: 'd1', temperature: 23 }]);
    expect(again.sinks.list('table')[0].count).toBe(1);
  });

  it("refuses items without the key or with the wrong key type, with DynamoDB's messages", async () => {
    const h = await openSinks();
    open.push(h);
    await h.sinks.create('table', 'T1x', { hashKey: { name: 'id', type: 'N' } });
    await expect(h.sinks.tables.put('T1x', { other: 1 })).rejects.toThrow('Missing the key id in the item');
    await expect(h.sinks.tables.put('T1x', { id: '7' })).rejects.toThrow('Type mismatch for key id expected: N actual: S');
    await expect(h.sinks.create('table', 'NoKey')).rejects.toThrow(/hashKey/);
  });

  it('names the view ddb_<name> when an engine table has the name, and drops it with the table', async () => {
    const h = await openSinks();
    open.push(h);
    const info = await h.sinks.create('table', 'shadows', { hashKey: { name: 'id', type: 'S' } });
    expect(info.sql).toBe('SELECT * FROM "ddb_shadows"');
    await h.sinks.tables.put('shadows', { id: 'x', v: 1 });
    expect(h.store.all('SELECT * FROM ddb_shadows')).toEqual([{ id: 'x', v: 1 }]);
    expect((await h.sinks.create('table', 'sqlite_items', { hashKey: { name: 'id', type: 'S' } })).sql).toBe('SELECT * FROM "ddb_sqlite_items"');
    await expect(h.sinks.create('firehose', '..')).rejects.toThrow(/only periods/);
    await h.sinks.delete('table', 'shadows');
    expect(h.store.all("SELECT name FROM sqlite_master WHERE name = 'ddb_shadows'")).toEqual([]);
  });
});
