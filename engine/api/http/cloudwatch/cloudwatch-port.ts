import type { SinkInfo } from '../../../contract/index.js';
import type { CloudWatchSink, MetricAlarms, SinkTags } from '../../../sinks/index.js';

/** What the CloudWatch API reaches of the sinks: metrics, alarms and alarm history. */
export interface CloudWatchPort {
  cloudwatch: Pick<CloudWatchSink, 'putMetricData' | 'metricRecords' | 'dataPoints' | 'setAlarmState' | 'records'>;
  alarms: Pick<MetricAlarms, 'put' | 'list' | 'view' | 'delete' | 'setActionsEnabled'>;
  list(kind: 'metric' | 'alarm'): SinkInfo[];
  /** The tags the engine keeps on alarms. */
  tags?: Pick<SinkTags, 'get' | 'tag' | 'untag'>;
}

/** `[{Name, Value}]` as the SDK names them → the domain's dimensions. */
export function dimensionsOf(input: unknown): Array<{ name: string; value: string }> {
  return ((input as Array<{ Name?: string; Value?: string }> | undefined) ?? []).map((d) => ({ name: d.Name ?? '', value: d.Value ?? '' }));
}

export function dimensionsOut(dims: ReadonlyArray<{ name: string; value: string }>): Array<{ Name: string; Value: string }> {
  return dims.map((d) => ({ Name: d.name, Value: d.value }));
}
