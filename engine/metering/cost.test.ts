import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UsageReport } from '../contract/index.js';
import { computeCost, type UsageCounters } from './cost.js';
import { loadPriceTable, PRICE_TABLE_FILE, type PriceId } from './price-table.js';

const table = loadPriceTable();
const unit = (id: PriceId) => table.byId.get(id)!.price / table.byId.get(id)!.per;
const usage = (over: Partial<UsageReport> = {}): UsageReport => ({
  since: 0, totals: { messagesIn: 0, messagesOut: 0, billedMessages: 0, bytesIn: 0, bytesOut: 0, connectionMinutes: 0 }, clients: [], topics: [], ...over,
});
const counters = (over: Partial<UsageCounters> = {}): UsageCounters => ({
  usage: usage(), shadows: [], rules: [], functions: [], requests: () => 0, kinesisShardHours: 0, ...over,
});
const kind = (count: number, bytes: number) => ({
  count, bytes, kb1: count * Math.ceil(bytes / count / 1024), kb5: count * Math.ceil(bytes / count / 5120), kb25: count * Math.ceil(bytes / count / 25600), kb64: count * Math.ceil(bytes / count / 65536),
});

describe('the price table', () => {
  it('carries its date, its sources and a price for every item', () => {
    expect(table.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(table.sources.every((s) => s.url.startsWith('https://aws.amazon.com/'))).toBe(true);
    expect(table.byId.get('iot.messaging')).toMatchObject({ price: 1, per: 1_000_000 });
  });
  it('refuses a table that lacks a price', () => {
    const doc = JSON.parse(fs.readFileSync(PRICE_TABLE_FILE, 'utf8'));
    doc.prices = doc.prices.filter((p: { id: string }) => p.id !== 'sqs.requests');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tb-prices-')), 'p.json');
    fs.writeFileSync(file, JSON.stringify(doc));
    expect(() => loadPriceTable(file)).toThrow("no price 'sqs.requests'");
  });
});

describe('computeCost', () => {
  it('bills connection minutes rounded up per client, and messages as counted', () => {
    const b = computeCost(table, counters({
      usage: usage({
        totals: { messagesIn: 3, messagesOut: 0, billedMessages: 6, bytesIn: 0, bytesOut: 0, connectionMinutes: 2.25 },
        clients: [
          { clientId: 'a', messagesIn: 3, messagesOut: 0, billedMessages: 6, bytesIn: 0, bytesOut: 0, connectionMinutes: 2.25 },
          { clientId: 'b', messagesIn: 0, messagesOut: 0, billedMessages: 0, bytesIn: 0, bytesOut: 0, connectionMinutes: 0 },
        ],
      }),
    }));
    const line = (id: string) => b.lines.find((l) => l.priceId === id)!;
    expect(line('iot.connectivity').quantity).toBe(3);
    expect(line('iot.messaging')).toMatchObject({ quantity: 6, cost: 6 * unit('iot.messaging') });
    expect(b.devices.find((d) => d.device === 'a')!.cost).toBeCloseTo(6 * unit('iot.messaging') + 3 * unit('iot.connectivity'), 15);
    expect(b.total).toBeCloseTo(6 * unit('iot.messaging') + 3 * unit('iot.connectivity'), 15);
  });

  it('prices each rule action as the request it is on its service', () => {
    const b = computeCost(table, counters({
      rules: [{
        rule: 'r', triggered: 2, billedTriggers: 2, actions: 7, billedActions: 7,
        kinds: { sqs: kind(2, 140 * 1024), dynamoDBv2: kind(1, 2500), kinesis: kind(1, 30 * 1024), firehose: kind(1, 100), s3: kind(1, 10), cloudwatchMetric: kind(1, 10), lambda: kind(1, 10) },
      }],
      functions: [{ name: 'f', invocations: 1, gbSeconds: 0.25 }],
    }));
    const q = (id: string) => b.lines.find((l) => l.priceId === id)!.quantity;
    expect(q('sqs.requests')).toBe(4); // two messages of 70 KB: two 64 KB chunks each
    expect(q('dynamodb.writes')).toBe(3);
    expect(q('kinesis.putUnits')).toBe(2);
    expect(q('firehose.ingestion')).toBe(5120 / 1024 ** 3);
    expect(q('s3.puts')).toBe(1);
    expect(q('cloudwatch.requests')).toBe(1);
    expect(q('lambda.requests')).toBe(1); // the function's own count, not the action's too
    expect(q('lambda.compute')).toBe(0.25);
    expect(b.rules[0].cost).toBeCloseTo(2 * unit('iot.rulesTriggered') + 7 * unit('iot.actionsExecuted'), 15);
  });
});

describe('CostService', () => {
  it('reports the 1,000 costliest topics and sums the others into one row', async () => {
    const { CostService, MAX_ROWS } = await import('./cost-service.js');
    const topics = Array.from({ length: MAX_ROWS + 5 }, (_, i) => ({ topic: `t/${i}`, messagesIn: 1, messagesOut: 0, billedMessages: i + 1 }));
    const service = new CostService(() => counters({ usage: usage({ topics }) }), { now: () => 60_000 }, table);
    const report = service.cost();
    expect(report.topics).toHaveLength(MAX_ROWS);
    expect(report.topics[0].topic).toBe(`t/${MAX_ROWS + 4}`);
    const other = report.topics[MAX_ROWS - 1];
    expect(other).toMatchObject({ topic: '(6 more topics)', messagesIn: 6, billedMessages: 1 + 2 + 3 + 4 + 5 + 6 });
    expect(report.projection.windowMs).toBe(60_000);
  });
});
