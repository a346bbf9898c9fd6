/** PutMetricData, ListMetrics, GetMetricStatistics and GetMetricData over the local metric namespaces. */
import { basicStatistics, byPeriod, isStatistic, metricKey, statistic, type MetricDatum, type StoredDatum } from '../../../sinks/index.js';
import { serviceError, type OperationHandler } from '../protocols/index.js';
import { dimensionsOf, dimensionsOut, type CloudWatchPort } from './cloudwatch-port.js';

type In = Record<string, any>;

const invalid = (message: string) => serviceError('InvalidParameterValueException', message);

function checkPeriod(period: number, param = 'Period'): void {
  if (!Number.isInteger(period) || period < 1 || !(period === 1 || period === 5 || period === 10 || period === 30 || period % 60 === 0)) {
    throw invalid(`The parameter ${param} must be 1, 5, 10, 30 or a multiple of 60.`);
  }
}

function window(input: In): { start: number; end: number } {
  const start = (input.StartTime as Date).getTime();
  const end = (input.EndTime as Date).getTime();
  if (!(start < end)) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  return { start, end };
}

export function metricOperations(port: CloudWatchPort): Record<string, OperationHandler> {
  return {
    PutMetricData: async (input: In) => {
      const ns = input.Namespace as string;
      if (!ns || ns.length > 255) throw invalid('The parameter Namespace must have 1 to 255 characters.');
      if (ns.startsWith('AWS/')) throw invalid('The value AWS/ for parameter Namespace is invalid.');
      const data = (input.MetricData ?? []) as In[];
      if (data.length === 0) throw serviceError('MissingRequiredParameterException', 'The parameter MetricData is required.');
      if (data.length > 1000) throw invalid('The collection MetricData must not have a size greater than 1000.');
      const datums: MetricDatum[] = data.map((d) => ({
        metricName: d.MetricName as string,
        ...(d.Value === undefined ? {} : { value: d.Value as number }),
        ...(d.StatisticValues ? { statisticValues: { sampleCount: d.StatisticValues.SampleCount, sum: d.StatisticValues.Sum, minimum: d.StatisticValues.Minimum, maximum: d.StatisticValues.Maximum } } : {}),
        ...(d.Values ? { values: d.Values as number[] } : {}),
        ...(d.Counts ? { counts: d.Counts as number[] } : {}),
        dimensions: dimensionsOf(d.Dimensions),
        ...(d.Unit === undefined ? {} : { unit: d.Unit as string }),
        ...(d.Timestamp ? { timestamp: (d.Timestamp as Date).getTime() } : {}),
      }));
      await port.cloudwatch.putMetricData(ns, datums);
      return {};
    },

    ListMetrics: (input: In) => {
      const wanted = dimensionsOf(input.Dimensions);
      const seen = new Map<string, { Namespace: string; MetricName: string; Dimensions: Array<{ Name: string; Value: string }> }>();
      const namespaces = input.Namespace ? port.list('metric').filter((m) => m.name === input.Namespace) : port.list('metric');
      for (const ns of namespaces) {
        for (const d of port.cloudwatch.metricRecords(ns.name)) {
          if (input.MetricName && d.metricName !== input.MetricName) continue;
          if (!wanted.every((w) => d.dimensions.some((x) => x.name === w.name && (w.value === '' || x.value === w.value)))) continue;
          const key = `${ns.name}\0${metricKey(d.metricName, d.dimensions)}`;
          if (!seen.has(key)) seen.set(key, { Namespace: ns.name, MetricName: d.metricName, Dimensions: dimensionsOut(d.dimensions) });
        }
      }
      const all = [...seen.values()];
      const from = input.NextToken ? Number(Buffer.from(String(input.NextToken), 'base64').toString()) : 0;
      if (!Number.isInteger(from) || from < 0) throw invalid('The parameter NextToken is not valid.');
      const page = all.slice(from, from + 500);
      return { Metrics: page, ...(from + 500 < all.length ? { NextToken: Buffer.from(String(from + 500)).toString('base64') } : {}) };
    },

    GetMetricStatistics: (input: In) => {
      const { start, end } = window(input);
      checkPeriod(input.Period as number);
      const stats = (input.Statistics ?? []) as string[];
      const extended = (input.ExtendedStatistics ?? []) as string[];
      if (stats.length + extended.length === 0) throw serviceError('MissingRequiredParameterException', 'Must specify either Statistics or ExtendedStatistics.');
      for (const s of stats) if (!(basicStatistics as readonly string[]).includes(s)) throw invalid(`The parameter Statistics must be one of SampleCount, Average, Sum, Minimum, Maximum, not "${s}".`);
      for (const s of extended) if (!isStatistic(s) || (basicStatistics as readonly string[]).includes(s)) throw invalid(`The parameter ExtendedStatistics must be a percentile like p99, not "${s}".`);
      const points = port.cloudwatch.dataPoints(input.Namespace, input.MetricName, dimensionsOf(input.Dimensions), start, end)
        .filter((p) => input.Unit === undefined || p.unit === input.Unit);
      const Datapoints = [...byPeriod(points, start, end, input.Period as number)].sort((a, b) => a[0] - b[0]).map(([at, ps]) => ({
        Timestamp: new Date(at),
        ...Object.fromEntries(stats.map((s) => [s, statistic(ps, s)])),
        ...(extended.length ? { ExtendedStatistics: Object.fromEntries(extended.map((s) => [s, statistic(ps, s)])) } : {}),
        Unit: unitOf(ps),
      }));
      return { Label: input.MetricName, Datapoints };
    },

    GetMetricData: (input: In) => {
      const { start, end } = window(input);
      const queries = (input.MetricDataQueries ?? []) as In[];
      if (queries.length > 500) throw invalid('The collection MetricDataQueries must not have a size greater than 500.');
      const ids = new Set<string>();
      for (const q of queries) {
        if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.Id ?? '')) throw invalid(`Invalid metric data query id "${q.Id}": it must start with a lowercase letter and hold only letters, digits and underscores.`);
        if (ids.has(q.Id)) throw invalid(`The value ${q.Id} for parameter MetricDataQueries.Id is not unique.`);
        ids.add(q.Id);
        if (q.Expression !== undefined) throw invalid(`Metric math expressions (query ${q.Id}) are not supported locally; use MetricStat queries.`);
        if (!q.MetricStat) throw serviceError('MissingRequiredParameterException', `The parameter MetricDataQueries.MetricStat is required for query ${q.Id}.`);
        checkPeriod(q.MetricStat.Period as number, 'MetricStat.Period');
        if (!isStatistic(q.MetricStat.Stat)) throw invalid(`The parameter MetricStat.Stat must be a statistic, not "${q.MetricStat.Stat}".`);
      }
      const newestFirst = input.ScanBy !== 'TimestampAscending';
      const MetricDataResults = queries.filter((q) => q.ReturnData !== false).map((q) => {
        const m = q.MetricStat.Metric as In;
        const points = port.cloudwatch.dataPoints(m.Namespace, m.MetricName, dimensionsOf(m.Dimensions), start, end)
          .filter((p) => q.MetricStat.Unit === undefined || p.unit === q.MetricStat.Unit);
        const rows = [...byPeriod(points, start, end, q.MetricStat.Period as number)]
          .map(([at, ps]) => ({ at, v: statistic(ps, q.MetricStat.Stat as string) }))
          .filter((r): r is { at: number; v: number } => r.v !== undefined)
          .sort((a, b) => (newestFirst ? b.at - a.at : a.at - b.at));
        return { Id: q.Id, Label: q.Label ?? m.MetricName, Timestamps: rows.map((r) => new Date(r.at)), Values: rows.map((r) => r.v), StatusCode: 'Complete' };
      });
      return { MetricDataResults, Messages: [] };
    },
  };
}

function unitOf(points: readonly StoredDatum[]): string {
  const units = new Set(points.map((p) => p.unit));
  return units.size === 1 ? [...units][0]! : 'None';
}
