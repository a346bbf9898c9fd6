/**
 * CloudWatch-like local metrics, logs and alarms, kept in the bounded record log.
 * - Metrics: one sink per namespace, created on first use (PutMetricData creates namespaces, as AWS does).
 * - Logs: one sink per log group, which must exist (create it first, as on AWS); kept by `logs/log-sink.ts`.
 * - Alarms: one sink per alarm, which must exist; SetAlarmState changes its state and keeps the history.
 *
 * LIMITATIONS: no metric filters or log streams other than
 * the one the caller names; data points and log events are kept up to the per-sink record bound.
 */
import type { JsonObject, SinkRecord, SinkRecordQuery } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import type { SinkContext } from './sink-context.js';
import type { LogSink } from './logs/log-sink.js';
import type { AlarmState } from './sink-options.js';
import { metricKey, recordOf, sortDimensions, storedDatum, type Dimension, type StoredDatum } from './metrics/metric-stats.js';

export type { Dimension, StoredDatum } from './metrics/metric-stats.js';

export interface MetricDatum {
  metricName: string;
  /** One value; or `statisticValues`; or `values` with optional `counts`. */
  value?: number;
  statisticValues?: { sampleCount: number; sum: number; minimum: number; maximum: number };
  values?: number[];
  counts?: number[];
  dimensions?: Dimension[];
  unit?: string;
  /** Epoch ms; now when omitted. */
  timestamp?: number;
}

export const metricUnits = new Set(['Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits',
  'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second',
  'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None']);

/** Checks a datum as PutMetricData does and gives its stored form. */
function toStored(d: MetricDatum, now: number): StoredDatum {
  const bad = (m: string) => new EngineError('InvalidInput', m);
  if (d.metricName.length < 1 || d.metricName.length > 255) throw bad('metric names have 1 to 255 characters');
  if (d.unit !== undefined && !metricUnits.has(d.unit)) throw bad(`unknown metric unit "${d.unit}"`);
  const dimensions = sortDimensions(d.dimensions ?? []);
  if (dimensions.length > 30) throw bad('a metric has at most 30 dimensions');
  for (const x of dimensions) if (!x.name || !x.value || x.name.length > 255 || x.value.length > 1024) throw bad('dimension names have 1 to 255 characters and values 1 to 1024');
  if (new Set(dimensions.map((x) => x.name)).size !== dimensions.length) throw bad('a dimension name appears twice');
  const given = [d.value !== undefined, d.statisticValues !== undefined, d.values !== undefined].filter(Boolean).length;
  if (given !== 1) throw bad(`The parameters MetricData.member.N.Value, MetricData.member.N.StatisticValues and MetricData.member.N.Values are mutually exclusive and one of them is required (metric ${d.metricName}).`);
  const base = { metricName: d.metricName, dimensions, unit: d.unit ?? 'None', timestamp: d.timestamp ?? now };
  const finite = (v: number) => { if (!Number.isFinite(v)) throw bad(`metric value ${v} is not a finite number`); return v; };
  if (d.value !== undefined) {
    const v = finite(d.value);
    return { ...base, sampleCount: 1, sum: v, minimum: v, maximum: v, values: [v] };
  }
  if (d.statisticValues) {
    const s = d.statisticValues;
    [s.sampleCount, s.sum, s.minimum, s.maximum].forEach(finite);
    if (s.sampleCount <= 0) throw bad('The parameter StatisticValues.SampleCount must be greater than 0.');
    if (s.minimum > s.maximum) throw bad('The parameter StatisticValues.Maximum must be greater than StatisticValues.Minimum.');
    return { ...base, sampleCount: s.sampleCount, sum: s.sum, minimum: s.minimum, maximum: s.maximum };
  }
  const values = (d.values ?? []).map(finite);
  const counts = d.counts ?? values.map(() => 1);
  if (values.length === 0) throw bad('The parameter MetricData.member.N.Values must not be empty.');
  if (counts.length !== values.length) throw bad('The parameters Values and Counts must be of the same size.');
  const expanded = values.flatMap((v, i) => Array.from({ length: Math.min(1000, Math.max(0, Math.round(counts[i]!))) }, () => v));
  return {
    ...base, sampleCount: counts.reduce((a, c) => a + c, 0), sum: values.reduce((a, v, i) => a + v * counts[i]!, 0),
    minimum: Math.min(...values), maximum: Math.max(...values), values: expanded,
  };
}

export class CloudWatchSink {
  constructor(private readonly ctx: SinkContext, private readonly ensureNamespace: (namespace: string) => Promise<void>, private readonly logs: LogSink) {}

  /** Called after data points were kept (alarm evaluation) and after an alarm changed state (alarm actions). */
  readonly hooks: {
    metricPut?: (namespace: string, metricNames: ReadonlySet<string>) => Promise<void>;
    stateChanged?: (alarm: string, previous: AlarmState, state: AlarmState, reason: string) => Promise<void>;
  } = {};

  async putMetric(namespace: string, datum: MetricDatum, traceId: string | null = null): Promise<void> {
    await this.putMetricData(namespace, [datum], traceId);
  }

  /** Keeps data points in one write (all checked first: one bad datum keeps none). */
  async putMetricData(namespace: string, data: readonly MetricDatum[], traceId: string | null = null): Promise<void> {
    const now = this.ctx.clock.now();
    const stored = data.map((d) => toStored(d, now));
    await this.ensureNamespace(namespace);
    const statements = [];
    const ids: number[] = [];
    for (const d of stored) {
      const { id, statements: s } = this.ctx.log.append('metric', namespace, now, traceId, recordOf(d) as JsonObject);
      statements.push(...s);
      ids.push(id);
    }
    await this.ctx.store.write(statements);
    for (const id of ids) this.ctx.recorded('metric', namespace, id, traceId, now);
    await this.hooks.metricPut?.(namespace, new Set(stored.map((d) => d.metricName)));
  }

  /** The kept data points of a namespace's metric with exactly these dimensions, in [start, end) (epoch ms). */
  dataPoints(namespace: string, metricName: string, dimensions: readonly Dimension[], start: number, end: number): StoredDatum[] {
    const key = metricKey(metricName, dimensions);
    return this.metricRecords(namespace)
      .filter((d) => d.timestamp >= start && d.timestamp < end && metricKey(d.metricName, d.dimensions) === key);
  }

  /** Every kept data point of a namespace, up to the per-sink record bound. */
  metricRecords(namespace: string): StoredDatum[] {
    return this.ctx.store.all<{ time: number; data: string }>('SELECT time, data FROM sink_records WHERE kind = ? AND name = ? ORDER BY id', ['metric', namespace])
      .map((r) => storedDatum(JSON.parse(r.data) as Record<string, unknown>, r.time));
  }

  /** Log events into a log group (NotFound when it does not exist); the stream is created when missing. */
  async putLogEvents(group: string, events: Array<{ message: string; timestamp?: number }>, opts: { logStream?: string; traceId?: string | null } = {}): Promise<void> {
    await this.logs.append(group, opts.logStream ?? 'thingbench', events, { traceId: opts.traceId ?? null });
  }

  /**
   * SetAlarmState (NotFound when the alarm does not exist): the state, its reason and the reason's JSON data (kept,
   * or cleared when none is given); the history keeps old and new state with their reasons.
   */
  async setAlarmState(alarm: string, state: AlarmState, reason: string, traceId: string | null = null, reasonData?: string): Promise<void> {
    const target = this.ctx.target('alarm', alarm);
    const now = this.ctx.clock.now();
    const previous = (target.state.state as string | undefined) ?? (target.options.state as string);
    const before = { reason: target.state.reason as string | undefined, reasonData: target.state.reasonData as string | undefined };
    target.state.state = state;
    target.state.reason = reason;
    if (reasonData === undefined) delete target.state.reasonData;
    else target.state.reasonData = reasonData;
    target.state.updated = now;
    const { id, statements } = this.ctx.log.append('alarm', alarm, now, traceId, {
      previousState: previous, state, reason,
      ...(before.reason === undefined ? {} : { previousReason: before.reason }), ...(before.reasonData === undefined ? {} : { previousReasonData: before.reasonData }),
      ...(reasonData === undefined ? {} : { reasonData }),
    });
    await this.ctx.store.write([...statements, this.ctx.stateStatement(target)]);
    this.ctx.recorded('alarm', alarm, id, traceId, now);
    if (previous !== state) await this.hooks.stateChanged?.(alarm, previous as AlarmState, state, reason);
  }

  alarmState(alarm: string): { state: AlarmState; reason: string | null } {
    const target = this.ctx.target('alarm', alarm);
    return { state: ((target.state.state as string | undefined) ?? target.options.state) as AlarmState, reason: (target.state.reason as string | undefined) ?? null };
  }

  records(kind: 'metric' | 'log' | 'alarm', name: string, q?: SinkRecordQuery): SinkRecord[] {
    return kind === 'log' ? this.logs.records(name, q) : this.ctx.log.records(kind, name, q);
  }
}
