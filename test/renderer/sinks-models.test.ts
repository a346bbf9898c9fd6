/** The Sinks view's pure parts: a table's grid columns, a metric's chart points, JSON inside a record, facets, cells. */
import { describe, expect, it } from 'vitest';
import type { JsonValue, SinkRecord } from '../../engine/contract/index.js';
import { columnsOf, embeddedJson, facetOf, metricSeries, oneLine, tableColumns } from '../../renderer/src/state/models/sink-records.js';

let nextId = 1;
const rec = (data: JsonValue, time = 1_000): SinkRecord => ({ id: nextId++, time, traceId: null, data });

describe('the Sinks view models', () => {
  it('puts a table\'s keys first, then attributes in order of first sight, at most 12, then the write time', () => {
    const items = [rec({ temp: 1, room: 'a', ts: 5 }), rec({ room: 'b', ts: 6, humidity: 40 })];
    expect(tableColumns(items, 'room', 'ts').map((c) => c.title)).toEqual(['room', 'ts', 'temp', 'humidity', 'Written']);
    expect(tableColumns(items, 'room', null)[0]!.cell(items[1]!)).toBe('b');
    const wide = rec(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}`, i])));
    expect(tableColumns([wide], 'id', null)).toHaveLength(13);
    // A missing attribute is an empty cell; nested values are compact JSON.
    const columns = tableColumns([rec({ id: 'x', m: { a: [1, 2] } })], 'id', null);
    expect(columns.slice(0, 2).map((c) => c.cell(rec({ m: { a: [1, 2] } })))).toEqual(['', '{"a":[1,2]}']);
  });

  it('charts a metric\'s single values and averages of statistic sets, oldest first, leaving other metrics out', () => {
    const records = [
      rec({ metricName: 'Temp', value: 30, timestamp: 3_000 }),
      rec({ metricName: 'Other', value: 99, timestamp: 2_500 }),
      rec({ metricName: 'Temp', statisticValues: { sampleCount: 4, sum: 80, minimum: 10, maximum: 30 }, timestamp: 2_000 }),
      rec({ metricName: 'Temp', statisticValues: { sampleCount: 0, sum: 0, minimum: 0, maximum: 0 }, timestamp: 1_000 }),
    ];
    expect(metricSeries(records, 'Temp')).toEqual([[2, 3], [20, 30]]);
    expect(metricSeries(records, 'Missing')).toEqual([[], []]);
  });

  it('parses a body, message or stream text that holds JSON, and nothing else', () => {
    expect(embeddedJson(rec({ body: '{"temp":21}', messageId: 'm' }))).toEqual({ field: 'body', value: { temp: 21 } });
    expect(embeddedJson(rec({ message: '[1,2]' }))).toEqual({ field: 'message', value: [1, 2] });
    expect(embeddedJson(rec({ body: 'hello' }))).toBeNull();
    expect(embeddedJson(rec({ body: '{broken' }))).toBeNull();
    expect(embeddedJson(rec(['not', 'an', 'object']))).toBeNull();
  });

  it('narrows a stream by shard, a queue by state, a topic by where it delivered', () => {
    expect(facetOf('stream')!.value(rec({ shardId: 'shardId-000000000001' }))).toBe('shardId-000000000001');
    expect(facetOf('queue')!.value(rec({ visible: false }))).toBe('in flight');
    expect(facetOf('notify')!.value(rec({ message: 'x' }))).toBe('inbox');
    expect(facetOf('notify')!.value(rec({ delivery: { protocol: 'mqtt', endpoint: 'alerts/all' } }))).toBe('mqtt: alerts/all');
    expect(facetOf('table')).toBeNull();
  });

  it('gives each kind its columns, an alarm\'s states as toned badges, and cuts long cells', () => {
    expect(columnsOf('firehose').map((c) => c.title)).toEqual(['Time', 'Object', 'Records', 'Bytes']);
    const file = rec({ bucket: 'b', key: 'k/1', records: 3, bytes: 12 });
    expect(columnsOf('firehose').map((c) => c.cell(file)).slice(1)).toEqual(['s3://b/k/1', '3', '12']);
    const alarm = columnsOf('alarm');
    const change = rec({ previousState: 'OK', state: 'ALARM', reason: 'hot' });
    expect(alarm.slice(1).map((c) => [c.cell(change), c.tone?.(change)])).toEqual([['OK', 'ok'], ['ALARM', 'error'], ['hot', undefined]]);
    expect(oneLine('x'.repeat(400))).toHaveLength(301);
    expect(oneLine('a\n  b')).toBe('a b');
    expect(oneLine(`${'a\n'.repeat(200)}`)).toBe(`${'a '.repeat(150)}…`);
  });
});
