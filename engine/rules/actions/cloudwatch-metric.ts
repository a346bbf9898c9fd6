/**
 * `cloudwatchMetric` [DG:cloudwatch-metrics-rule-action]: records one data point in a local metric namespace
 * (created on first use, as PutMetricData does). Parameters as AWS's CloudwatchMetricAction, all with templates:
 * `metricNamespace`, `metricName`, `metricValue` (a number as text), `metricUnit` (a CloudWatch unit),
 * `metricTimestamp` (optional Unix time in seconds), `roleArn` (accepted, not enforced).
 */
import { EngineError } from '../../core/index.js';
import type { ActionFactory } from './action.js';
import { optionalString, requiredString } from './params.js';
import { attempt, param, sinksOf } from './sink-action.js';

export const cloudwatchMetricAction: ActionFactory = (params, deps) => {
  const sinks = sinksOf(deps, 'cloudwatchMetric');
  const namespace = requiredString(params, 'metricNamespace', 'cloudwatchMetric');
  const name = requiredString(params, 'metricName', 'cloudwatchMetric');
  const value = requiredString(params, 'metricValue', 'cloudwatchMetric');
  const unit = requiredString(params, 'metricUnit', 'cloudwatchMetric');
  const timestamp = optionalString(params, 'metricTimestamp', 'cloudwatchMetric');
  optionalString(params, 'roleArn', 'cloudwatchMetric');
  return {
    kind: 'cloudwatchMetric',
    invoke: (input) => attempt(async () => {
      const ns = param(input, namespace);
      const text = param(input, value);
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new EngineError('InvalidInput', `metricValue "${text}" is not a number`);
      let at: number | undefined;
      if (timestamp !== undefined) {
        const t = param(input, timestamp);
        at = Number(t) * 1000;
        if (t.trim() === '' || !Number.isFinite(at)) throw new EngineError('InvalidInput', `metricTimestamp "${t}" is not a Unix time in seconds`);
      }
      const metricName = param(input, name);
      await sinks.cloudwatch.putMetric(ns, { metricName, value: n, unit: param(input, unit), ...(at === undefined ? {} : { timestamp: at }) }, input.traceId);
      return { namespace: ns, metricName, value: n };
    }),
  };
};
