/**
 * CloudWatch metric alarms over the local metrics: PutMetricAlarm's threshold alarms (Statistic or ExtendedStatistic,
 * Period, EvaluationPeriods, DatapointsToAlarm, ComparisonOperator, TreatMissingData), kept as `alarm` sinks (the
 * same the rules' cloudwatchAlarm action sets). An alarm is evaluated on the engine's clock (alarm-schedule.ts:
 * every minute, or every period for 10 and 30 s alarms, whether data arrives or not, so TreatMissingData applies
 * when a metric stops reporting), and also when it is put and whenever data points of its metric arrive. A state
 * change keeps history and, with actions enabled, notifies the SNS topics of its AlarmActions/OKActions/
 * InsufficientDataActions (local notification topics) once, with CloudWatch's notification JSON.
 *
 * LIMITATIONS: evaluating on data arrival is quicker than CloudWatch (which waits for its next minute); no metric
 * math, anomaly detection, composite alarms or actions other than SNS topics.
 */
import { EngineError, LOCAL_ACCOUNT_ID as ACCOUNT, LOCAL_REGION as REGION } from '../../core/index.js';
import type { CloudWatchSink } from '../cloudwatch.js';
import type { AlarmState } from '../sink-options.js';
import { awsDate, double, evaluateAlarm, evaluationRange, javaJson, type Datapoint } from './alarm-evaluation.js';
import { AlarmSchedule } from './alarm-schedule.js';
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


export class MetricAlarms {
  private readonly schedule: AlarmSchedule;
  private queue: Promise<void> = Promise.resolve();

  /** `checkMs`: the longest the alarm timer sleeps (a test with a fake clock makes it short). */
  constructor(private readonly cw: CloudWatchSink, private readonly targets: AlarmTargets, private readonly now: () => number, opts: { checkMs?: number } = {}) {
    this.schedule = new AlarmSchedule(now, async (names) => {
      for (const n of names) await this.evaluate(n).catch((e: Error) => this.targets.warn(`alarm ${n}: ${e.message}`));
    }, opts.checkMs);
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
    for (const n of new Set(names)) {
      if (!existing.has(n)) continue;
      await this.targets.remove(n);
      this.schedule.forget(n);
    }
  }

  /**
   * EnableAlarmActions / DisableAlarmActions: names of no alarm are passed over. It waits for an evaluation under
   * way (so a state change already made notifies as the actions were when it was made).
   */
  setActionsEnabled(names: readonly string[], enabled: boolean): Promise<void> {
    const run = this.queue.then(() => this.applyActionsEnabled(names, enabled));
    this.queue = run.catch(() => {});
    return run;
  }

  private async applyActionsEnabled(names: readonly string[], enabled: boolean): Promise<void> {
    const existing = new Set(this.targets.names());
    for (const n of new Set(names)) {
      if (!existing.has(n) || !this.view(n)) continue;
      const st = this.targets.state(n);
      st.config = { ...(st.config as AlarmConfig), actionsEnabled: enabled };
      await this.targets.save(n);
    }
  }

  /**
   * Evaluates the alarm over its evaluation range (alarm-evaluation.ts) and changes its state when the outcome
   * differs. Evaluations run one at a time, so one state change notifies once.
   */
  evaluate(name: string): Promise<void> {
    const run = this.queue.then(() => this.evaluateNow(name));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Evaluates the alarms whose evaluation is due on the engine's clock (what the alarm timer does). */
  tick(): Promise<void> {
    return this.schedule.tick();
  }

  /** Whether the alarm timer is set (it is only while there are alarms). */
  get timerSet(): boolean {
    return this.schedule.armed;
  }

  start(): void {
    for (const a of this.list()) this.schedule.evaluated(a.alarmName, a.period);
    this.schedule.start();
  }

  stop(): void {
    this.schedule.stop();
  }

  private async evaluateNow(name: string): Promise<void> {
    const a = this.view(name);
    if (!a) {
      this.schedule.forget(name);
      return;
    }
    this.schedule.evaluated(name, a.period);
    const ms = a.period * 1000;
    const now = this.now();
    const end = Math.floor(now / ms) * ms + ms;
    const start = end - evaluationRange(a.evaluationPeriods) * ms;
    const periods = byPeriod(this.cw.dataPoints(a.namespace, a.metricName, a.dimensions, start, end)
      .filter((p) => a.unit === undefined || p.unit === a.unit), start, end, a.period);
    const points: Datapoint[] = [];
    for (const [at, ps] of [...periods].sort((x, y) => x[0] - y[0])) {
      const value = statistic(ps, a.statistic);
      if (value !== undefined) points.push({ at, value, sampleCount: ps.reduce((n, p) => n + p.sampleCount, 0) });
    }
    const outcome = evaluateAlarm(a, points, now, start);
    if (!outcome || outcome.state === a.state) return;
    await this.cw.setAlarmState(name, outcome.state, outcome.reason, null, outcome.reasonData);
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
    // CloudWatch's SNS notification: its keys in its order, Statistic upper-cased, numbers as Java doubles.
    const message = javaJson({
      AlarmName: a.alarmName, AlarmDescription: a.alarmDescription ?? null, AWSAccountId: ACCOUNT, AlarmConfigurationUpdatedTimestamp: awsDate(a.configurationUpdated),
      NewStateValue: state, NewStateReason: reason, StateChangeTime: awsDate(a.stateUpdated), Region: regionName(REGION), AlarmArn: a.arn, OldStateValue: previous,
      OKActions: a.okActions, AlarmActions: a.alarmActions, InsufficientDataActions: a.insufficientDataActions,
      Trigger: {
        MetricName: a.metricName, Namespace: a.namespace, StatisticType: a.extended ? 'ExtendedStatistic' : 'Statistic',
        ...(a.extended ? { ExtendedStatistic: a.statistic } : { Statistic: a.statistic.toUpperCase() }), Unit: a.unit ?? null, Dimensions: a.dimensions.map((d) => ({ value: d.value, name: d.name })),
        Period: a.period, EvaluationPeriods: a.evaluationPeriods, DatapointsToAlarm: a.datapointsToAlarm, ComparisonOperator: a.comparisonOperator, Threshold: double(a.threshold),
        TreatMissingData: a.treatMissingData, EvaluateLowSampleCountPercentile: '',
      },
    });
    const subject = `${state}: "${a.alarmName}" in ${regionName(REGION)}`;
    for (const arn of topics) {
      await this.targets.publish(arn.split(':').pop()!, message, subject).catch((e: Error) => this.targets.warn(`alarm ${name}: notifying ${arn} failed: ${e.message}`));
    }
  }
}

function regionName(region: string): string {
  return ({ 'us-east-1': 'US East (N. Virginia)', 'us-west-2': 'US West (Oregon)', 'eu-west-1': 'EU (Ireland)', 'eu-central-1': 'EU (Frankfurt)' } as Record<string, string>)[region] ?? region;
}
