/**
 * One evaluation of a metric alarm, as the CloudWatch User Guide describes it ("Using Amazon CloudWatch alarms":
 * evaluating an alarm, how alarm state is evaluated when data is missing): over an evaluation range of a few more
 * periods than EvaluationPeriods (N), CloudWatch takes the N most recent existing datapoints; when fewer than N
 * exist, the missing ones are filled as TreatMissingData says (`breaching`, `notBreaching`), or for `missing` and
 * `ignore` left out: then ALARM needs DatapointsToAlarm (M) breaching ones, any non-breaching one gives OK, and
 * otherwise there is too little data (INSUFFICIENT_DATA for `missing`, the current state for `ignore`). With no
 * datapoint at all: INSUFFICIENT_DATA, the current state, ALARM or OK.
 *
 * The state reason and its JSON data follow the texts CloudWatch writes ("Alarm events and EventBridge"):
 * `Threshold Crossed: 1 out of the last 1 datapoints [99.5 (02/10/19 16:59:00)] was greater than the threshold
 * (50.0) (minimum 1 datapoint for OK -> ALARM transition).` with `{"version":"1.0","queryDate":…,"startDate":…,
 * "statistic":…,"period":…,"recentDatapoints":[…],"threshold":…}` (numbers as Java doubles: `50.0`).
 *
 * LIMITATIONS: the evaluation range is N + 2 periods (AWS's depends on the period and resolution); the user guide's
 * one quirk (3 of 3, `X - - - -` with `missing` → ALARM) is not reproduced: a lone breaching datapoint short of M
 * gives INSUFFICIENT_DATA.
 */
import type { AlarmState } from '../sink-options.js';

export type ComparisonOperator = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
export type MissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

export interface EvaluatedAlarm {
  statistic: string;
  extended: boolean;
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData: MissingData;
}

/** One period's statistic in the evaluation range (epoch ms of the period start). */
export interface Datapoint { at: number; value: number; sampleCount: number }

export interface Outcome {
  state: AlarmState;
  reason: string;
  reasonData: string;
}

const words: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to', GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than', LessThanOrEqualToThreshold: 'less than or equal to',
};

/** How many periods CloudWatch looks back for an alarm of N evaluation periods. */
export const evaluationRange = (evaluationPeriods: number) => evaluationPeriods + 2;

export function breaches(v: number, op: ComparisonOperator, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold': return v >= threshold;
    case 'GreaterThanThreshold': return v > threshold;
    case 'LessThanThreshold': return v < threshold;
    default: return v <= threshold;
  }
}

/**
 * The state the alarm should be in given the datapoints of its evaluation range (oldest first), or undefined when it
 * keeps its current state (`ignore` with too little data). `now` is the query date.
 */
export function evaluateAlarm(a: EvaluatedAlarm, points: readonly Datapoint[], now: number, rangeStart: number): Outcome | undefined {
  const n = a.evaluationPeriods;
  const m = a.datapointsToAlarm;
  const used = points.slice(-n);
  const breaching = used.filter((p) => breaches(p.value, a.comparisonOperator, a.threshold));
  const fills = n - used.length;
  let state: AlarmState | undefined;
  if (fills === 0) state = breaching.length >= m ? 'ALARM' : 'OK';
  else if (a.treatMissingData === 'breaching') state = breaching.length + fills >= m ? 'ALARM' : 'OK';
  else if (a.treatMissingData === 'notBreaching') state = breaching.length >= m ? 'ALARM' : 'OK';
  else if (breaching.length >= m) state = 'ALARM';
  else if (breaching.length < used.length) state = 'OK';
  else state = a.treatMissingData === 'ignore' ? undefined : 'INSUFFICIENT_DATA';
  if (state === undefined) return undefined;
  const reasonData = javaJson({
    version: '1.0', queryDate: awsDate(now), startDate: awsDate(used[0]?.at ?? rangeStart),
    statistic: a.statistic, period: a.period,
    recentDatapoints: used.map((p) => double(p.value)), threshold: double(a.threshold),
    evaluatedDatapoints: [...used].reverse().map((p) => ({ timestamp: awsDate(p.at), sampleCount: double(p.sampleCount), value: double(p.value) })),
  });
  return { state, reason: reasonText(a, state, used, breaching.length, fills), reasonData };
}

function reasonText(a: EvaluatedAlarm, state: AlarmState, used: readonly Datapoint[], breachingCount: number, fills: number): string {
  const n = a.evaluationPeriods;
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  if (state === 'INSUFFICIENT_DATA') return `Insufficient Data: ${plural(n, 'datapoint')} ${n === 1 ? 'was' : 'were'} unknown.`;
  const treatedAs = a.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
  if (used.length === 0) {
    return `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ${plural(fills, 'missing datapoint')} ${fills === 1 ? 'was' : 'were'} treated as [${treatedAs}].`;
  }
  const alarm = state === 'ALARM';
  const counted = [...used].reverse().filter((p) => breaches(p.value, a.comparisonOperator, a.threshold) === alarm);
  const filled = a.treatMissingData === (alarm ? 'breaching' : 'notBreaching') ? fills : 0;
  const k = (alarm ? breachingCount : used.length - breachingCount) + filled;
  const minimum = alarm ? a.datapointsToAlarm : n - a.datapointsToAlarm + 1;
  const shown = counted.map((p) => `${formatDouble(p.value)} (${stamp(p.at)})`).join(', ');
  return `Threshold Crossed: ${k} out of the last ${n} datapoints [${shown}] ${k === 1 ? 'was' : 'were'} ${alarm ? '' : 'not '}${words[a.comparisonOperator]} the threshold `
    + `(${formatDouble(a.threshold)}) (minimum ${plural(minimum, 'datapoint')} for ${alarm ? 'OK -> ALARM' : 'ALARM -> OK'} transition).`;
}

/** CloudWatch's dates in state reason data and notifications: `2019-10-02T16:59:00.000+0000`. */
export const awsDate = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** A number as Java prints a double (`50.0`, `0.0666851903306472`, `1.0E10`). */
export function formatDouble(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mant, exp] = v.toExponential().split('e');
    return `${mant!.includes('.') ? mant : `${mant}.0`}E${Number(exp)}`;
  }
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

/** The reason's datapoint time: `dd/MM/yy HH:mm:ss` in UTC. */
function stamp(ms: number): string {
  const d = new Date(ms);
  const p = (x: number) => String(x).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** A value JSON should print as a Java double. */
class Double { constructor(readonly v: number) {} }
export const double = (v: number) => new Double(v);

/** JSON with Java's doubles (`50.0`) where `double()` marks them. */
export function javaJson(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Double) {
      marks.push(Number.isFinite(v.v) ? formatDouble(v.v) : 'null');
      return `\u0000${marks.length - 1}\u0000`;
    }
    return v;
  });
  return text.replace(/"\\u0000(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}
