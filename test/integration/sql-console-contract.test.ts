/**
 * The SQL console's data over the contract (the browser-mode `/rpc` WebSocket) against a real engine: the message
 * history read page by page (ties in one millisecond across a page's edge, the cap, progress), every sink kind as a
 * table with a rule's records in it, and the registry's things and certificates.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ThingbenchClient } from '../../engine/contract/index.js';
import { readMessages, readRegistry, readSinks } from '../../renderer/src/state/models/sql-data.js';
import { messagesTable } from '../../renderer/src/state/models/sql-tables.js';
import { closeAll, open, type Recorded } from '../helpers/broker-clients.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';

/** Each call moves time on by half a millisecond: two messages in every millisecond. */
let ticks = 0;
const clock = { now: () => 1_800_000_000_000 + Math.floor(ticks++ / 2) };

let te: TestEngine;
let contract: OpenContract;
let api: ThingbenchClient;
const clients: Recorded['client'][] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws', clock });
  contract = await openContract(te);
  api = contract.api;
});

afterAll(async () => {
  await closeAll(clients);
  await contract?.close();
});

describe('the SQL console\'s data', () => {
  it('reads the whole history page by page, newest first, each message once, with progress', async () => {
    const device = (await open(te.mqttPort, { clientId: 'meter-1' })).client;
    clients.push(device);
    for (let i = 0; i < 23; i++) await device.publishAsync('meters/meter-1/reading', JSON.stringify({ i, kwh: i / 2 }), { qos: 1 });
    await vi.waitFor(async () => expect(await api.broker.messages({ filter: 'meters/#' })).toHaveLength(23));

    const all = await api.broker.messages({ limit: 10_000 });
    const progress: number[] = [];
    const read = await readMessages(api, 1000, (n) => progress.push(n), 5);
    expect(read.map((m) => m.id)).toEqual(all.map((m) => m.id));
    expect(new Set(read.map((m) => m.id)).size).toBe(read.length);
    expect(progress.at(-1)).toBe(all.length);
    expect(progress.length).toBeGreaterThan(all.length / 5);

    // The newest `max` only.
    expect((await readMessages(api, 7, () => {}, 5)).map((m) => m.id)).toEqual(all.slice(0, 7).map((m) => m.id));

    const table = messagesTable(read.filter((m) => m.topic.startsWith('meters/')));
    const kwh = table.columns.indexOf('payload.kwh');
    expect(table.rows.map((r) => r[kwh]).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 23 }, (_, i) => i / 2));
  });

  it('makes a table of every sink kind, with a rule\'s queue messages in it', async () => {
    await api.sinks.create('queue', 'readings');
    await api.rules.put('meter_to_queue', {
      sql: "SELECT kwh, topic(2) AS meter FROM 'meters/+/reading' WHERE kwh > 100",
      actions: [{ sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/readings', roleArn: 'arn:aws:iam::123456789012:role/r' } }],
    });
    await clients[0]!.publishAsync('meters/meter-1/reading', JSON.stringify({ kwh: 150 }), { qos: 1 });
    await vi.waitFor(async () => expect(await api.sinks.records('queue', 'readings')).toHaveLength(1));

    const progress: number[] = [];
    const tables = await readSinks(api, (n) => progress.push(n));
    expect(tables.map((t) => t.name)).toEqual([
      'queue_messages', 'sns_notifications', 'stream_records', 'firehose_deliveries', 'dynamodb_items', 'metric_data', 'log_events', 'alarm_history',
    ]);
    const queue = tables[0]!;
    expect(queue.rows).toHaveLength(1);
    const row = Object.fromEntries(queue.columns.map((c, i) => [c, queue.rows[0]![i]]));
    expect(row).toMatchObject({ sink: 'readings', receiveCount: 0, visible: 1 });
    expect(JSON.parse(row.body as string)).toEqual({ kwh: 150, meter: 'meter-1' });
    expect(progress).toEqual([1]);

    // Page by page (`before`), newest first, each record once.
    for (let i = 0; i < 4; i++) await clients[0]!.publishAsync('meters/meter-1/reading', JSON.stringify({ kwh: 200 + i }), { qos: 1 });
    await vi.waitFor(async () => expect(await api.sinks.records('queue', 'readings')).toHaveLength(5));
    const paged: number[] = [];
    const [again] = await readSinks(api, (n) => paged.push(n), 2);
    const kwh = again!.rows.map((r) => JSON.parse(r[again!.columns.indexOf('body')] as string).kwh);
    expect(kwh).toEqual([203, 202, 201, 200, 150]);
    expect(paged).toEqual([2, 4, 5]);
  });

  it('reads the things with their attributes as columns, and the certificates', async () => {
    for (let i = 0; i < 3; i++) await api.registry.createThing(`meter-${i}`, { attributes: { floor: String(i) } });
    await api.security.createCertificate(true);
    const tables = await readRegistry(api, () => {});
    expect(tables.map((t) => t.name)).toEqual(['things', 'thing_types', 'thing_groups', 'certificates', 'policies']);
    const things = tables[0]!;
    expect(things.rows.map((r) => r[0])).toEqual(['meter-0', 'meter-1', 'meter-2']);
    expect(things.rows.map((r) => r[things.columns.indexOf('attributes.floor')])).toEqual(['0', '1', '2']);
    expect(tables[3]!.rows.map((r) => r[tables[3]!.columns.indexOf('status')])).toEqual(['ACTIVE']);
  });
});
