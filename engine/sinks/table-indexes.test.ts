import { describe, expect, it } from 'vitest';
import { openSinks, sinksClosedAfterEach } from '../../test/helpers/sinks.js';

const open = sinksClosedAfterEach();

const byColor = { name: 'by-color', global: true, hashKey: { name: 'color', type: 'S' as const }, rangeKey: { name: 'n', type: 'N' as const }, projection: 'KEYS_ONLY' as const };

describe('building a secondary index over a table with items', () => {
  it('fills it a chunk at a time while writes go on, refuses reads until it is built, and resumes a build cut short', async () => {
    let h = await openSinks();
    open.push(h);
    await h.sinks.create('table', 'Things', { hashKey: { name: 'id', type: 'S' } });
    const d = h.sinks.dynamodb;
    const colors = ['red', 'green', 'blue'];
    const changes = Array.from({ length: 2500 }, (_, i) => ({ table: 'Things', hash: `t${i}`, range: '', new: { id: { S: `t${i}` }, color: { S: colors[i % 3] }, n: { N: String(i) } } }));
    await h.sinks.tables.write(changes);
    const build = h.sinks.tables.addIndex('Things', byColor);
    // while it builds: refused for reads, kept by writes
    expect(() => d.query({ TableName: 'Things', IndexName: 'by-color', KeyConditionExpression: 'color = :c', ExpressionAttributeValues: { ':c': { S: 'red' } } }))
      .toThrow('Cannot read from backfilling global secondary index: by-color');
    await d.putItem({ TableName: 'Things', Item: { id: { S: 'new' }, color: { S: 'red' }, n: { N: '-1' } } });
    await d.deleteItem({ TableName: 'Things', Key: { id: { S: 't2499' } } });
    await d.updateItem({ TableName: 'Things', Key: { id: { S: 't0' } }, UpdateExpression: 'SET color = :c', ExpressionAttributeValues: { ':c': { S: 'green' } } });
    await build;
    const red = (): string[] => {
      const out: string[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = d.query({ TableName: 'Things', IndexName: 'by-color', KeyConditionExpression: 'color = :c', ExpressionAttributeValues: { ':c': { S: 'red' } }, Limit: 300, ...(start ? { ExclusiveStartKey: start } : {}) });
        out.push(...page.Items!.map((i) => (i.id as { S: string }).S));
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    };
    const want = ['new', ...Array.from({ length: 2500 }, (_, i) => i).filter((i) => i % 3 === 0 && i !== 0 && i !== 2499).map((i) => `t${i}`)];
    expect(red()).toEqual(want);
    expect(h.sinks.tables.indexStats('Things').get('by-color')?.count).toBe(2500);

    // a build cut short (the index marked backfilling, entries missing) resumes when the sinks start
    await h.sinks.tables.removeIndex('Things', 'by-color');
    await h.store.write([
      { sql: "UPDATE sink_targets SET options = json_set(options, '$.indexes', json(?)) WHERE kind = 'table' AND name = 'Things'", params: [JSON.stringify([{ ...byColor, backfilling: true }])] },
      { sql: "INSERT INTO sink_table_index_items (table_name, index_name, hash, sort, item_hash, item_range, item_sort, size) VALUES ('Things', 'by-color', 'red', '22003', 't3', '', '', 1)" },
    ]);
    h = await h.reopen();
    open.splice(0, open.length, h);
    expect((h.sinks.list('table')[0].options as { indexes: { backfilling?: boolean }[] }).indexes[0].backfilling).toBeUndefined();
    const again = h.sinks.dynamodb.query({ TableName: 'Things', IndexName: 'by-color', KeyConditionExpression: 'color = :c', ExpressionAttributeValues: { ':c': { S: 'red' } } });
    expect(again.Count).toBe(want.length);
  });
});
