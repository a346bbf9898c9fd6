/**
 * PutMetricAlarm, DescribeAlarms, DescribeAlarmsForMetric, DescribeAlarmHistory, SetAlarmState, EnableAlarmActions,
 * DisableAlarmActions and DeleteAlarms over the local alarms.
 */
import { alarmStates, basicStatistics, metricKey, tagProblem, type AlarmState, type AlarmView } from '../../../sinks/index.js';
import { serviceError, type OperationHandler } from '../protocols/index.js';
import { alarmTagRefusal, asTagMap } from './alarm-tags.js';
import { dimensionsOf, dimensionsOut, type CloudWatchPort } from './cloudwatch-port.js';

type In = Record<string, any>;

const invalid = (message: string) => serviceError('InvalidParameterValueException', message);
const missing = (name: string) => serviceError('MissingRequiredParameterException', `The parameter ${name} is required.`);

function alarmOut(a: AlarmView): Record<string, unknown> {
  return {
    AlarmName: a.alarmName, AlarmArn: a.arn, AlarmDescription: a.alarmDescription, AlarmConfigurationUpdatedTimestamp: new Date(a.configurationUpdated),
    ActionsEnabled: a.actionsEnabled, OKActions: a.okActions, AlarmActions: a.alarmActions, InsufficientDataActions: a.insufficientDataActions,
    StateValue: a.state, StateReason: a.reason, StateReasonData: a.reasonData, StateUpdatedTimestamp: new Date(a.stateUpdated), StateTransitionedTimestamp: new Date(a.stateUpdated),
    MetricName: a.metricName, Namespace: a.namespace, ...(a.extended ? { ExtendedStatistic: a.statistic } : { Statistic: a.statistic }),
    Dimensions: dimensionsOut(a.dimensions), Period: a.period, Unit: a.unit, EvaluationPeriods: a.evaluationPeriods, DatapointsToAlarm: a.datapointsToAlarm,
    Threshold: a.threshold, ComparisonOperator: a.comparisonOperator, TreatMissingData: a.treatMissingData,
  };
}

/** NextToken: the offset, opaque to the client. */
const tokenOf = (n: number) => Buffer.from(`alarms:${n}`).toString('base64');
function offsetOf(token: unknown): number {
  if (token === undefined) return 0;
  const m = /^alarms:(\d+)$/.exec(Buffer.from(String(token), 'base64').toString());
  if (!m) throw serviceError('InvalidNextToken', 'The service couldn\'t process the NextToken.', { status: 400 });
  return Number(m[1]);
}

/**
 * DescribeAlarmHistory's HistoryData of a state update: old and new state with their reasons and reason data, the
 * data embedded as the JSON it was written as (CloudWatch's doubles such as `50.0` kept).
 */
function historyData(d: { previousState?: string; state?: string; reason?: string; previousReason?: string; previousReasonData?: string; reasonData?: string }): string {
  const raw: string[] = [];
  const state = (value: string | undefined, reason: string | undefined, data: string | undefined) => {
    let valid = data !== undefined;
    try { if (data !== undefined) JSON.parse(data); } catch { valid = false; }
    if (valid) raw.push(data!);
    return { stateValue: value, ...(reason === undefined ? {} : { stateReason: reason }), ...(valid ? { stateReasonData: `\u0000${raw.length - 1}` } : {}) };
  };
  const text = JSON.stringify({ version: '1.0', oldState: state(d.previousState, d.previousReason, d.previousReasonData), newState: state(d.state, d.reason, d.reasonData) });
  return text.replace(/"\\u0000(\d+)"/g, (_m, i: string) => raw[Number(i)]!);
}

/** AlarmNames of DeleteAlarms, EnableAlarmActions and DisableAlarmActions: at most 100. */
function alarmNames(input: In): string[] {
  const names = (input.AlarmNames ?? []) as string[];
  if (names.length > 100) throw invalid('The collection AlarmNames must not have a size greater than 100.');
  return names;
}

export function alarmOperations(port: CloudWatchPort): Record<string, OperationHandler> {
  return {
    PutMetricAlarm: async (input: In) => {
      if (input.Metrics !== undefined) throw invalid('Metric math alarms (Metrics) are not supported locally; give MetricName, Namespace and Statistic.');
      if (input.ThresholdMetricId !== undefined) throw invalid('Anomaly detection alarms (ThresholdMetricId) are not supported locally.');
      for (const name of ['MetricName', 'Namespace', 'Period', 'Threshold', 'ComparisonOperator']) if (input[name] === undefined) throw missing(name);
      if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined) throw invalid('The parameters Statistic and ExtendedStatistic are mutually exclusive.');
      if (input.Statistic === undefined && input.ExtendedStatistic === undefined) throw missing('Statistic');
      if (input.Statistic !== undefined && !(basicStatistics as readonly string[]).includes(input.Statistic)) {
        throw invalid(`The parameter Statistic must be one of SampleCount, Average, Sum, Minimum, Maximum, not "${input.Statistic}".`);
      }
      if (!input.AlarmName || input.AlarmName.length > 255) throw invalid('The parameter AlarmName must have 1 to 255 characters.');
      const tags = asTagMap(input.Tags);
      const tagRefusal = tagProblem({}, tags);
      if (tagRefusal) throw alarmTagRefusal(tagRefusal);
      // Tags count only when the alarm is made: AWS ignores them on an update.
      const isNew = !port.list('alarm').some((a) => a.name === input.AlarmName);
      await port.alarms.put({
        alarmName: input.AlarmName, ...(input.AlarmDescription === undefined ? {} : { alarmDescription: input.AlarmDescription }),
        actionsEnabled: input.ActionsEnabled ?? true, okActions: input.OKActions ?? [], alarmActions: input.AlarmActions ?? [], insufficientDataActions: input.InsufficientDataActions ?? [],
        metricName: input.MetricName, namespace: input.Namespace, dimensions: dimensionsOf(input.Dimensions),
        statistic: input.Statistic ?? input.ExtendedStatistic, extended: input.ExtendedStatistic !== undefined, period: input.Period,
        ...(input.Unit === undefined ? {} : { unit: input.Unit }), evaluationPeriods: input.EvaluationPeriods,
        datapointsToAlarm: input.DatapointsToAlarm ?? input.EvaluationPeriods, threshold: input.Threshold,
        comparisonOperator: input.ComparisonOperator, treatMissingData: input.TreatMissingData ?? 'missing',
      });
      if (isNew && Object.keys(tags).length) await port.tags?.tag('alarm', input.AlarmName, tags);
      return {};
    },

    DescribeAlarms: (input: In) => {
      const types = (input.AlarmTypes ?? ['MetricAlarm']) as string[];
      if (input.StateValue !== undefined && !alarmStates.includes(input.StateValue)) throw invalid(`The parameter StateValue must be one of ${alarmStates.join(', ')}.`);
      if (input.AlarmNames && input.AlarmNamePrefix) throw invalid('The parameters AlarmNames and AlarmNamePrefix are mutually exclusive.');
      const names = input.AlarmNames as string[] | undefined;
      const all = types.includes('MetricAlarm') ? port.alarms.list().filter((a) =>
        (!names || names.includes(a.alarmName))
        && (!input.AlarmNamePrefix || a.alarmName.startsWith(input.AlarmNamePrefix))
        && (!input.StateValue || a.state === input.StateValue)
        && (!input.ActionPrefix || [...a.alarmActions, ...a.okActions, ...a.insufficientDataActions].some((x) => x.startsWith(input.ActionPrefix)))) : [];
      const max = input.MaxRecords ?? 50;
      if (max < 1 || max > 100) throw invalid('The parameter MaxRecords must be between 1 and 100.');
      const from = offsetOf(input.NextToken);
      return { MetricAlarms: all.slice(from, from + max).map(alarmOut), CompositeAlarms: [], ...(from + max < all.length ? { NextToken: tokenOf(from + max) } : {}) };
    },

    /** The alarms on one metric (its exact dimension set), narrowed by statistic, period and unit when given. */
    DescribeAlarmsForMetric: (input: In) => {
      if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined) throw invalid('The parameters Statistic and ExtendedStatistic are mutually exclusive.');
      const key = metricKey(input.MetricName, dimensionsOf(input.Dimensions));
      const MetricAlarms = port.alarms.list().filter((a) => a.namespace === input.Namespace && metricKey(a.metricName, a.dimensions) === key
        && (input.Statistic === undefined || (!a.extended && a.statistic === input.Statistic))
        && (input.ExtendedStatistic === undefined || (a.extended && a.statistic === input.ExtendedStatistic))
        && (input.Period === undefined || a.period === input.Period)
        && (input.Unit === undefined || a.unit === input.Unit)).map(alarmOut);
      return { MetricAlarms };
    },

    EnableAlarmActions: async (input: In) => {
      await port.alarms.setActionsEnabled(alarmNames(input), true);
      return {};
    },

    DisableAlarmActions: async (input: In) => {
      await port.alarms.setActionsEnabled(alarmNames(input), false);
      return {};
    },

    DescribeAlarmHistory: (input: In) => {
      if (input.HistoryItemType !== undefined && !['ConfigurationUpdate', 'StateUpdate', 'Action'].includes(input.HistoryItemType)) {
        throw invalid('The parameter HistoryItemType must be one of ConfigurationUpdate, StateUpdate, Action.');
      }
      const names = input.AlarmName ? [input.AlarmName as string] : port.list('alarm').map((a) => a.name);
      const start = input.StartDate ? (input.StartDate as Date).getTime() : -Infinity;
      const end = input.EndDate ? (input.EndDate as Date).getTime() : Infinity;
      const items = [];
      for (const name of names) {
        if (!port.list('alarm').some((a) => a.name === name)) continue;
        for (const r of port.cloudwatch.records('alarm', name, { limit: 1000 })) {
          const d = r.data as { previousState?: string; state?: string; reason?: string; previousReason?: string; previousReasonData?: string; reasonData?: string };
          if (r.time < start || r.time > end || input.HistoryItemType === 'ConfigurationUpdate' || input.HistoryItemType === 'Action') continue;
          items.push({
            AlarmName: name, AlarmType: 'MetricAlarm', Timestamp: new Date(r.time), HistoryItemType: 'StateUpdate',
            HistorySummary: `Alarm updated from ${d.previousState} to ${d.state}`,
            HistoryData: historyData(d),
          });
        }
      }
      items.sort((a, b) => (input.ScanBy === 'TimestampAscending' ? a.Timestamp.getTime() - b.Timestamp.getTime() : b.Timestamp.getTime() - a.Timestamp.getTime()));
      const max = input.MaxRecords ?? 100;
      const from = offsetOf(input.NextToken);
      return { AlarmHistoryItems: items.slice(from, from + max), ...(from + max < items.length ? { NextToken: tokenOf(from + max) } : {}) };
    },

    SetAlarmState: async (input: In) => {
      if (!alarmStates.includes(input.StateValue)) throw invalid(`The parameter StateValue must be one of ${alarmStates.join(', ')}.`);
      if (input.StateReasonData !== undefined) {
        try { JSON.parse(input.StateReasonData); } catch { throw serviceError('InvalidFormatFault', 'The StateReasonData is not valid JSON.'); }
      }
      if (!port.list('alarm').some((a) => a.name === input.AlarmName)) throw serviceError('ResourceNotFound', `Alarm ${input.AlarmName} not found`);
      await port.cloudwatch.setAlarmState(input.AlarmName, input.StateValue as AlarmState, input.StateReason, null, input.StateReasonData);
      return {};
    },

    DeleteAlarms: async (input: In) => {
      await port.alarms.delete(alarmNames(input));
      return {};
    },
  };
}
