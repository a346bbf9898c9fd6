/**
 * `metering.cost`: the counted traffic at AWS list prices, with a monthly projection. The total is sampled every
 * 10 seconds; the projection is the rate between the oldest sample of the last 5 minutes and now (since the start
 * while the engine is younger), times a month of 730 hours, so it follows what runs now, not the whole past.
 *
 * LIMITATIONS: prices are one region's first volume tier without the Free Tier; storage, data transfer and custom
 * metric-months are not priced; what is not counted is listed in the report's `unmetered`.
 */
import type { CostReport } from '../contract/index.js';
import type { Clock, Service } from '../core/index.js';
import { computeCost, type UsageCounters } from './cost.js';
import { loadPriceTable, type PriceTable } from './price-table.js';

export const PROJECTION_WINDOW_MS = 5 * 60_000;
const SAMPLE_MS = 10_000;
const HOURS_PER_MONTH = 730;
/** Rows per breakdown in a report; the rest are summed into one row (the view reads it every 2 seconds). */
export const MAX_ROWS = 1000;

/** The `max` costliest rows, and the others summed into one row named by `other(n)`. */
function top<T extends { cost: number }>(rows: T[], max: number, other: (n: number, rest: T[]) => T): T[] {
  if (rows.length <= max) return rows;
  const sorted = [...rows].sort((a, b) => b.cost - a.cost);
  const rest = sorted.slice(max - 1);
  return [...sorted.slice(0, max - 1), other(rest.length, rest)];
}

const sum = <T>(rows: T[], f: (r: T) => number) => rows.reduce((a, r) => a + f(r), 0);

/** What is served but not counted (the report says so). */
export const UNMETERED = [
  'Message sizes leave out the topic name (AWS meters the payload and the topic).',
  'CONNECT, SUBSCRIBE and PUBACK messages are not counted. The data plane\'s HTTP Publish has no device: its messages are the device row "(HTTP Publish API)".',
  'Storage of shadows, registry, objects, logs and tables is not priced.',
  'DynamoDB units are the table\'s (what ReturnConsumedCapacity returns): writes to secondary indexes and writes refused by their condition are not counted.',
];

export class CostService implements Service {
  readonly name = 'metering';
  private readonly table: PriceTable;
  private samples: Array<{ at: number; total: number }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly counters: () => UsageCounters, private readonly clock: Clock, table?: PriceTable) {
    this.table = table ?? loadPriceTable();
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sample(): void {
    const at = this.clock.now();
    this.samples.push({ at, total: computeCost(this.table, this.counters()).total });
    while (this.samples.length && this.samples[0].at < at - PROJECTION_WINDOW_MS) this.samples.shift();
  }

  cost(): CostReport {
    const at = this.clock.now();
    const counters = this.counters();
    const b = computeCost(this.table, counters);
    const since = counters.usage.since;
    const first = this.samples.find((s) => s.at >= at - PROJECTION_WINDOW_MS && s.at < at);
    // Younger than the window (or no sample yet): the rate since the start.
    const from = first && at - since > PROJECTION_WINDOW_MS ? first : { at: since, total: 0 };
    const windowMs = Math.max(at - from.at, 0);
    const perHour = windowMs > 0 ? ((b.total - from.total) / windowMs) * 3_600_000 : 0;
    const { byId: _byId, prices: _prices, ...table } = this.table;
    return {
      since, at, currency: 'USD', total: b.total,
      projection: { monthly: perHour * HOURS_PER_MONTH, perHour, windowMs },
      lines: b.lines, services: b.services,
      topics: top(b.topics, MAX_ROWS, (n, rest) => ({
        topic: `(${n} more topics)`, messagesIn: sum(rest, (r) => r.messagesIn), messagesOut: sum(rest, (r) => r.messagesOut),
        billedMessages: sum(rest, (r) => r.billedMessages), cost: sum(rest, (r) => r.cost),
      })),
      rules: b.rules,
      devices: top(b.devices, MAX_ROWS, (n, rest) => ({
        device: `(${n} more devices)`, messages: sum(rest, (r) => r.messages), billedMessages: sum(rest, (r) => r.billedMessages),
        connectionMinutes: sum(rest, (r) => r.connectionMinutes), shadowOperations: sum(rest, (r) => r.shadowOperations),
        billedShadowOperations: sum(rest, (r) => r.billedShadowOperations), cost: sum(rest, (r) => r.cost),
      })),
      table, unmetered: UNMETERED,
    };
  }
}
