import type { MessageBatch, ThingbenchClient } from '../../../engine/contract/index.js';
import { numericPaths } from '../lib/json-tools.js';
import type { ConnectionStore } from './connection.svelte.js';
import { perFrame } from './frame.js';
import { numericFieldsOf, payloadJson, SeriesSet } from './models/series.js';

/** The chart's time windows; `all` is everything held. */
export const chartWindows = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, all: Infinity } as const;
export type ChartWindow = keyof typeof chartWindows;

/** One line on the chart: a numeric field of a topic's JSON payloads. */
export interface ChartSeries {
  topic: string;
  path: string;
  /** `topic path`, unique on the chart. */
  key: string;
}

/** Points kept per line; the oldest go first. An hour at 25 messages a second. */
const MAX_POINTS = 100_000;
const STORAGE_KEY = 'thingbench.chart';

function restore(): { window?: ChartWindow; lines: { topic: string; path: string }[] } {
  try {
    const v = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '{}') as { window?: string; lines?: { topic?: unknown; path?: unknown }[] };
    const lines = (Array.isArray(v.lines) ? v.lines : []).filter((l): l is { topic: string; path: string } => typeof l?.topic === 'string' && typeof l.path === 'string');
    return { window: v.window && v.window in chartWindows ? (v.window as ChartWindow) : undefined, lines };
  } catch {
    return { lines: [] };
  }
}

/** Points read from the topic's history when a line is added (the contract's largest page). */
const HISTORY_LIMIT = 10_000;

/**
 * Lines of numeric JSON fields over time: loaded from the topic's history (`broker.series`) when added, then
 * extended by live `broker.messages` batches. Views read `version` (bumped at most once per frame, less often for
 * lines so long that aligning them takes a while) and call `aligned()`.
 */
export class ChartStore {
  series = $state.raw<readonly ChartSeries[]>([]);
  window = $state<ChartWindow>('5m');
  /** Bumped when points were added or removed. */
  version = $state(0);
  /** The topic whose fields are offered, and its numeric fields seen in recent payloads. */
  fieldsTopic = $state('');
  fields = $state.raw<readonly string[]>([]);
  private readonly lines = new SeriesSet(MAX_POINTS);
  private dirty = false;
  /** What the last `aligned()` cost and when it ended: big lines redraw less often, so the page keeps 80% of its time. */
  private lastCost = 0;
  private lastAt = 0;
  private timer: ReturnType<typeof setTimeout> | 0 = 0;
  private readonly schedule = perFrame(() => {
    if (!this.dirty) return;
    const wait = this.lastCost * 4 - (performance.now() - this.lastAt);
    if (wait > 0) {
      this.timer ||= setTimeout(() => { this.timer = 0; this.schedule(); }, wait);
      return;
    }
    this.dirty = false;
    this.version++;
  });

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {
    // The lines and window chosen survive a reload of the page (not a new window).
    const saved = restore();
    if (saved.window) this.window = saved.window;
    for (const line of saved.lines) void this.add(line.topic, line.path);
    client.on('broker.messages', (batch: MessageBatch) => {
      if (!this.series.length && !this.fieldsTopic) return;
      for (const m of batch.messages) {
        if (this.lines.take(m)) this.bump();
        if (m.topic === this.fieldsTopic && this.fields.length < 200) {
          const missing = numericPaths(payloadJson(m)).filter((p) => !this.fields.includes(p));
          if (missing.length) this.fields = [...this.fields, ...missing].sort();
        }
      }
    });
  }

  /** Offers the numeric fields of `topic` (from its recent payloads) for adding. */
  async inspect(topic: string): Promise<void> {
    this.fieldsTopic = topic;
    this.fields = [];
    if (!topic) return;
    try {
      const recent = await this.client.broker.messages({ filter: topic, limit: 50 });
      if (this.fieldsTopic === topic) this.fields = numericFieldsOf(recent.filter((m) => m.topic === topic));
    } catch (err) {
      this.connection.reportError('Could not read the topic\'s fields')(err);
    }
  }

  /** Adds a line for `path` of `topic`'s payloads, with the history the engine holds. */
  async add(topic: string, path: string): Promise<void> {
    const key = `${topic} ${path}`;
    if (this.lines.has(key)) return;
    this.series = [...this.series, { topic, path, key }];
    this.lines.add(key, topic, path);
    this.save();
    try {
      const history = await this.client.broker.series({ topic, path, limit: HISTORY_LIMIT });
      this.lines.prepend(key, history);
      this.bump();
    } catch (err) {
      this.connection.reportError('Could not load the topic history')(err);
    }
  }

  remove(key: string): void {
    this.series = this.series.filter((s) => s.key !== key);
    this.lines.remove(key);
    this.save();
    this.bump();
  }

  setWindow(window: ChartWindow): void {
    this.window = window;
    this.save();
  }

  private save(): void {
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ window: this.window, lines: this.series.map(({ topic, path }) => ({ topic, path })) }));
    } catch {
      // Storage denied: the chart still works for this page.
    }
  }

  /**
   * The lines' points on one time axis (seconds) as uPlot takes them, `[x, ...ys]`: all that is held, extended in
   * place as points arrive (a fresh outer array each call, so views see the change); `range` gives the window.
   */
  aligned(): [number[], ...(number | null)[][]] {
    const started = performance.now();
    const [xs, ...ys] = this.lines.view(this.series.map((s) => s.key));
    this.lastAt = performance.now();
    this.lastCost = this.lastAt - started;
    return [xs, ...ys];
  }

  /** The window's x range in seconds at `now`, or null for `all` (the chart fits what it holds). */
  range(now = Date.now()): [number, number] | null {
    const span = chartWindows[this.window];
    return span === Infinity ? null : [(now - span) / 1000, now / 1000];
  }

  /** How many points a line holds (all of them, not only the window's). */
  count(key: string): number {
    return this.lines.count(key);
  }

  private bump(): void {
    this.dirty = true;
    this.schedule();
  }
}
