/**
 * CloudWatch metric alarms over the local metrics: PutMetricAlarm's threshold alarms (Statistic or ExtendedStatistic,
 * Period, EvaluationPeriods, DatapointsToAlarm, ComparisonOperator, TreatMissingData), kept as `alarm` sinks (the
 * same the rules' cloudwatchAlarm action sets). An alarm is evaluated when it is put and whenever data points of its
 * metric arrive; a state change keeps history and notifies the SNS topics of its AlarmActions/OKActions/
 * InsufficientDataActions (local notification topics) with CloudWatch's notification JSON.
 *
 * LIMITATIONS: evaluated on data arrival, not on a timer (an alarm whose metric stops reporting keeps its state);
 * the last EvaluationPeriods periods include the current one; no metric math, anomaly detection, composite alarms or
 * actions other than SNS topics.
 */
import { EngineError, LOCAL_ACCOUNT_ID as ACCOUNT, LOCAL_REGION as REGION } from '../../core/index.js';
import type { CloudWatchSink } from '../cloudwatch.js';
import type { AlarmState } from '../sink-options.js';
import { byPeriod, isStatistic, statistic, type Dimension } from './metric-stats.js';

export const comparisonOperators = ['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'] as const;
export const missingDataTreatments = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;

export interface AlarmConfig {
  alarmName: string;
  alarmDescription?: string;
  actionsEnabled: boolean;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
  metricName: string;
  namespace: string;
  dimensions: Dimension[];
  /** A basic statistic or a percentile (`p90`, ExtendedStatistic). */
  statistic: string;
  extended: boolean;
  period: number;
  unit?: string;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: (typeof comparisonOperators)[number];
  treatMissingData: (typeof missingDataTreatments)[number];
  configurationUpdated: number;
}

export interface AlarmView extends AlarmConfig {
  arn: string;
  state: AlarmState;
  reason: string;
  reasonData?: string;
  stateUpdated: number;
}

/** What the alarms need of the sinks. */
export interface AlarmTargets {
  create(name: string): Promise<void>;
  remove(name: string): Promise<void>;
  names(): string[];
  /** The alarm's persisted state object (NotFound when missing) and a way to persist it. */
  state(name: string): Record<string, unknown>;
  save(name: string): Promise<void>;
  publish(topicName: string, message: string, subject: string): Promise<void>;
  warn(message: string): void;
}

const symbols = { GreaterThanOrEqualToThreshold: '>=', GreaterThanThreshold: '>', LessThanThreshold: '<', LessThanOrEqualToThreshold: '<=' } as const;
const words = { GreaterThanOrEqualToThreshold: 'greater than or equal to', GreaterThanThreshold: 'greater than', LessThanThreshold: 'less than', LessThanOrEqualToThreshold: 'less than or equal to' } as const;

export class MetricAlarms {
  constructor(private readonly cw: CloudWatchSink, private readonly targets: AlarmTargets, private readonly now: () => number) {
    cw.hooks.metricPut = (ns, names) => this.metricPut(ns, names);
    cw.hooks.stateChanged = (alarm, previous, state, reason) => this.notify(alarm, previous, state, reason);
  }

  /** PutMetricAlarm: creates or replaces the alarm's configuration (its state is kept) and evaluates it. */
  async put(config: Omit<AlarmConfig, 'configurationUpdated'>): Promise<void> {
    const bad = (m: string) => new EngineError('InvalidInput', m);
    if (!isStatistic(config.statistic)) throw bad(`The parameter ExtendedStatistic must be a percentile like p90, not "${config.statistic}".`);
    if (!(comparisonOperators as readonly string[]).includes(config.comparisonOperator)) throw bad(`The parameter ComparisonOperator must be one of ${comparisonOperators.join(', ')}.`);
    if (!(missingDataTreatments as readonly string[]).includes(config.treatMissingData)) throw bad(`The parameter TreatMissingData must be one of ${missingDataTreatments.join(', ')}.`);
    if (!(config.period === 10 || config.period === 30 || (config.period >= 60 && config.period % 60 === 0))) throw bad('The parameter Period must be 10, 30 or a multiple of 60.');
    if (config.evaluationPeriods < 1) throw bad('The parameter EvaluationPeriods must be greater than or equal to 1.');
    if (config.period * config.evaluationPeriods > 86_400 * 7) throw bad('The parameter EvaluationPeriods multiplied by Period must not exceed one week.');
    if (config.datapointsToAlarm < 1 || config.datapointsToAlarm > config.evaluationPeriods) throw bad('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
    for (const arn of [...config.alarmActions, ...config.okActions, ...config.insufficientDataActions]) {
      if (!/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,256}(\.fifo)?$/.test(arn)) throw bad(`Invalid arn syntax: ${arn} (only SNS topic actions are supported locally)`);
    }
    if (!this.targets.names().includes(config.alarmName)) await this.targets.create(config.alarmName);
    const st = this.targets.state(config.alarmName);
    st.config = { ...config, configurationUpdated: this.now() };
    st.state ??= 'INSUFFICIENT_DATA';
    st.reason ??= 'Unchecked: Initial alarm creation';
    st.updated ??= this.now();
    await this.targets.save(config.alarmName);
    await this.evaluate(config.alarmName);
  }

  list(): AlarmView[] {
    return this.targets.names().map((n) => this.view(n)).filter((v): v is AlarmView => v !== undefined);
  }

  /** The alarm, or undefined for an alarm sink created without a metric (the rules' cloudwatchAlarm only). */
  view(name: string): AlarmView | undefined {
    const st = this.targets.state(name);
    const config = st.config as AlarmConfig | undefined;
    if (!config) return undefined;
    return {
      ...config, arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`, state: (st.state as AlarmState | undefined) ?? 'INSUFFICIENT_DATA',
      reason: (st.reason as string | undefined) ?? '', ...(typeof st.reasonData === 'string' ? { reasonData: st.reasonData } : {}), stateUpdated: (st.updated as number | undefined) ?? config.configurationUpdated,
    };
  }

  /** DeleteAlarms: deletes the named alarms that exist; names of no alarm are passed over, as AWS does. */
  async delete(names: readonly string[]): Promise<void> {
    const existing = new Set(this.targets.names());
    for (const n of new Set(names)) if (existing.has(n)) await this.targets.remove(n);
  }

  /** Evaluates the alarm over its last EvaluationPeriods periods; changes its state when the outcome differs. */
  async evaluate(name: string): Promise<void> {
    const a = this.view(name);
    if (!a) return;
    const ms = a.period * 1000;
    const end = Math.floor(this.now() / ms) * ms + ms;
    const start = end - a.evaluationPeriods * ms;
    const periods = byPeriod(this.cw.dataPoints(a.namespace, a.metricName, a.dimensions, start, end)
      .filter((p) => a.unit === undefined || p.unit === a.unit), start, end, a.period);
    const values: Array<{ at: number; value: number | undefined }> = [];
    for (let at = start; at < end; at += ms) values.push({ at, value: statistic(periods.get(at) ?? [], a.statistic) });
    const present = values.filter((v) => v.value !== undefined) as Array<{ at: number; value: number }>;
    const breaches = (v: number) => compare(v, a.comparisonOperator, a.threshold);
    const missing = values.length - present.length;
    let breaching = present.filter((v) => breaches(v.value)).length;
    let evaluated = present.length;
    if (a.treatMissingData === 'breaching') { breaching += missing; evaluated += missing; }
    if (a.treatMissingData === 'notBreaching') evaluated += missing;
    let next: AlarmState;
    if (evaluated === 0) {
      if (a.treatMissingData === 'ignore') return;
      next = 'INSUFFICIENT_DATA';
    } else {
      next = breaching >= a.datapointsToAlarm ? 'ALARM' : 'OK';
    }
    if (next === a.state) return;
    const shown = present.slice(-5).reverse().map((v) => `${fmt(v.value)} (${stamp(v.at)})`).join(', ');
    // ALARM counts the breaching datapoints; OK the others, against the minimum that allows the transition.
    const counted = next === 'ALARM' ? breaching : evaluated - breaching;
    const minimum = next === 'ALARM' ? a.datapointsToAlarm : a.evaluationPeriods - a.datapointsToAlarm + 1;
    const reason = next === 'INSUFFICIENT_DATA'
      ? `Insufficient Data: ${a.evaluationPeriods} datapoint${a.evaluationPeriods === 1 ? ' was' : 's were'} unknown.`
      : `Threshold Crossed: ${counted} out of the last ${values.length} datapoint${values.length === 1 ? '' : 's'} [${shown}] ${counted === 1 ? 'was' : 'were'} ${next === 'ALARM' ? '' : 'not '}${words[a.comparisonOperator]} the threshold (${fmt(a.threshold)}) (minimum ${minimum} datapoint${minimum === 1 ? '' : 's'} for ${next === 'ALARM' ? 'OK -> ALARM' : 'ALARM -> OK'} transition).`;
    const st = this.targets.state(name);
    st.reasonData = JSON.stringify({
      version: '1.0', queryDate: new Date(this.now()).toISOString().replace('Z', '+0000'), startDate: new Date(start).toISOString().replace('Z', '+0000'),
      statistic: a.statistic, period: a.period, recentDatapoints: present.map((v) => v.value), threshold: a.threshold,
    });
    await this.cw.setAlarmState(name, next, reason);
  }

  /** New data points re-evaluate the alarms on their metrics (a failing alarm does not refuse the data). */
  private async metricPut(namespace: string, names: ReadonlySet<string>): Promise<void> {
    for (const a of this.list()) {
      if (a.namespace === namespace && names.has(a.metricName)) await this.evaluate(a.alarmName).catch((e: Error) => this.targets.warn(`alarm ${a.alarmName}: ${e.message}`));
    }
  }

  /** AlarmActions / OKActions / InsufficientDataActions: CloudWatch's notification to each SNS topic. */
  private async notify(name: string, previous: AlarmState, state: AlarmState, reason: string): Promise<void> {
    const a = this.view(name);
    if (!a || !a.actionsEnabled) return;
    const topics = state === 'ALARM' ? a.alarmActions : state === 'OK' ? a.okActions : a.insufficientDataActions;
    if (topics.length === 0) return;
    const message = JSON.stringify({
      AlarmName: a.alarmName, AlarmDescription: a.alarmDescription ?? null, AWSAccountId: ACCOUNT, AlarmConfigurationUpdatedTimestamp: new Date(a.configurationUpdated).toISOString().replace('Z', '+0000'),
      NewStateValue: state, NewStateReason: reason, StateChangeTime: new Date(this.now()).toISOString().replace('Z', '+0000'), Region: regionName(REGION), AlarmArn: a.arn, OldStateValue: previous,
      OKActions: a.okActions, AlarmActions: a.alarmActions, InsufficientDataActions: a.insufficientDataActions,
      Trigger: {
        MetricName: a.metricName, Namespace: a.namespace, StatisticType: a.extended ? 'ExtendedStatistic' : 'Statistic', Statistic: a.extended ? null : a.statistic.toUpperCase(),
        ...(a.extended ? { ExtendedStatistic: a.statistic } : {}), Unit: a.unit ?? null, Dimensions: a.dimensions.map((d) => ({ value: d.value, name: d.name })),
        Period: a.period, EvaluationPeriods: a.evaluationPeriods, DatapointsToAlarm: a.datapointsToAlarm, ComparisonOperator: a.comparisonOperator, Threshold: a.threshold,
        TreatMissingData: a.treatMissingData, EvaluateLowSampleCountPercentile: '',
      },
    });
    const subject = `${state}: "${a.alarmName}" in ${regionName(REGION)}`;
    for (const arn of topics) {
      await this.targets.publish(arn.split(':').pop()!, message, subject).catch((e: Error) => this.targets.warn(`alarm ${name}: notifying ${arn} failed: ${e.message}`));
    }
  }
}

function compare(v: number, op: AlarmConfig['comparisonOperator'], t: number): boolean {
  switch (symbols[op]) {
    case '>=': return v >= t;
    case '>': return v > t;
    case '<': return v < t;
    default: return v <= t;
  }
}

const fmt = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n));
function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
function regionName(region: string): string {
  return ({ 'us-east-1': 'US East (N. Virginia)', 'us-west-2': 'US West (Oregon)', 'eu-west-1': 'EU (Ireland)', 'eu-central-1': 'EU (Frankfurt)' } as Record<string, string>)[region] ?? region;
}
