/**
 * The log view's model: a bounded list of the engine's log records (what `logs.recent` returned, then every
 * `logs.appended`), filtered by least level, source (with its sub-sources) and text, the same rules as
 * `logs.recent`'s query. Pure.
 */
import type { LogLevel, LogRecord } from '../../../../engine/contract/index.js';

export const levels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LogFilter {
  level: LogLevel;
  /** '' for every source. */
  source: string;
  text: string;
}

export function logMatches(r: LogRecord, f: LogFilter): boolean {
  if (order[r.level] < order[f.level]) return false;
  if (f.source && r.source !== f.source && !r.source.startsWith(`${f.source}.`)) return false;
  if (f.text) {
    const t = f.text.toLowerCase();
    const topic = typeof r.details?.topic === 'string' ? r.details.topic : '';
    if (!r.message.toLowerCase().includes(t) && !r.source.toLowerCase().includes(t) && !topic.toLowerCase().includes(t)) return false;
  }
  return true;
}

/** Keeps the newest `capacity` records, in arrival order. */
export class LogModel {
  private records: LogRecord[] = [];
  /** Bumped on every change. */
  version = 0;

  constructor(readonly capacity = 5000) {}

  get all(): readonly LogRecord[] {
    return this.records;
  }

  /** The snapshot from `logs.recent`; records that arrived live meanwhile (newer) stay after it. */
  reset(snapshot: readonly LogRecord[]): void {
    const newest = snapshot.at(-1)?.time ?? -Infinity;
    this.records = [...snapshot, ...this.records.filter((r) => r.time > newest)].slice(-this.capacity);
    this.version++;
  }

  append(records: readonly LogRecord[]): void {
    this.records.push(...records);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    this.version++;
  }

  filtered(f: LogFilter): LogRecord[] {
    return this.records.filter((r) => logMatches(r, f));
  }

  /** Every source seen, with each dotted parent (`broker` for `broker.aws`), sorted. */
  sources(): string[] {
    const out = new Set<string>();
    for (const r of this.records) {
      const parts = r.source.split('.');
      for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('.'));
    }
    return [...out].sort();
  }
}
