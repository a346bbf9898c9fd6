/**
 * CloudWatch-like local metrics, logs and alarms, kept in the bounded record log.
 * - Metrics: one sink per namespace, created on first use (PutMetricData creates namespaces, as AWS does).
 * - Logs: one sink per log group, which must exist (create it first, as on AWS); kept by `logs/log-sink.ts`.
 * - Alarms: one sink per alarm, which must exist; SetAlarmState changes its state and keeps the history.
 *
 * LIMITATIONS: no statistics, dimensions, alarm evaluation of metrics, metric filters or log streams other than
 * the one the caller names; data points and log events are kept up to the per-sink record bound.
 */
import type { JsonObject, SinkRecord, SinkRecordQuery } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import type { SinkContext } from './sink-context.js';
import type { LogSink } from './logs/log-sink.js';
import type { AlarmState } from './sink-options.js';

export interface MetricDatum {
  metricName: string;
  value: number;
  unit?: string;
  /** Epoch ms; now when omitted. */
  timestamp?: number;
}

export const metricUnits = new Set(['Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits',
  'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second',
  'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None']);

export class CloudWatchSink {
  constructor(private readonly ctx: SinkContext, private readonly ensureNamespace: (namespace: string) => Promise<void>, private readonly logs: LogSink) {}

  async putMetric(namespace: string, datum: MetricDatum, traceId: string | null = null): Promise<void> {
    if (!Number.isFinite(datum.value)) throw new EngineError('InvalidInput', `metric value ${datum.value} is not a finite number`);
    if (datum.unit !== undefined && !metricUnits.has(datum.unit)) throw new EngineError('InvalidInput', `unknown metric unit "${datum.unit}"`);
    if (datum.metricName.length < 1 || datum.metricName.length > 255) throw new EngineError('InvalidInput', 'metric names have 1 to 255 characters');
    await this.ensureNamespace(namespace);
    const now = this.ctx.clock.now();
    await this.append('metric', namespace, now, traceId, {
      metricName: datum.metricName, value: datum.value, unit: datum.unit ?? 'None', timestamp: datum.timestamp ?? now,
    });
  }

  /** Log events into a log group (NotFound when it does not exist); the stream is created when missing. */
  async putLogEvents(group: string, events: Array<{ message: string; timestamp?: number }>, opts: { logStream?: string; traceId?: string | null } = {}): Promise<void> {
    await this.logs.append(group, opts.logStream ?? 'thingbench', events, { traceId: opts.traceId ?? null });
  }

  /** SetAlarmState (NotFound when the alarm does not exist); the history keeps old and new state with the reason. */
  async setAlarmState(alarm: string, state: AlarmState, reason: string, traceId: string | null = null): Promise<void> {
    const target = this.ctx.target('alarm', alarm);
    const now = this.ctx.clock.now();
    const previous = (target.state.state as string | undefined) ?? (target.options.state as string);
    target.state.state = state;
    target.state.reason = reason;
    target.state.updated = now;
    const { id, statements } = this.ctx.log.append('alarm', alarm, now, traceId, { previousState: previous, state, reason });
    await this.ctx.store.write([...statements, this.ctx.stateStatement(target)]);
    this.ctx.recorded('alarm', alarm, id, traceId, now);
  }

  alarmState(alarm: string): { state: AlarmState; reason: string | null } {
    const target = this.ctx.target('alarm', alarm);
    return { state: ((target.state.state as string | undefined) ?? target.options.state) as AlarmState, reason: (target.state.reason as string | undefined) ?? null };
  }

  records(kind: 'metric' | 'log' | 'alarm', name: string, q?: SinkRecordQuery): SinkRecord[] {
    return kind === 'log' ? this.logs.records(name, q) : this.ctx.log.records(kind, name, q);
  }

  private async append(kind: 'metric' | 'log', name: string, now: number, traceId: string | null, data: JsonObject): Promise<void> {
    const { id, statements } = this.ctx.log.append(kind, name, now, traceId, data);
    await this.ctx.store.write(statements);
    this.ctx.recorded(kind, name, id, traceId, now);
  }
}
