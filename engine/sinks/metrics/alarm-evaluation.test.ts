/**
 * The alarm outcome against the CloudWatch User Guide's tables ("How alarm state is evaluated when data is missing"):
 * five datapoints of the evaluation range, oldest first, `0` not breaching, `X` breaching, `-` missing; and the
 * state reason texts of "Alarm events and EventBridge".
 */
import { describe, expect, it } from 'vitest';
import { evaluateAlarm, formatDouble, javaJson, double, type EvaluatedAlarm, type MissingData } from './alarm-evaluation.js';

const T0 = Date.UTC(2019, 9, 2, 16, 55);
const alarm = (over: Partial<EvaluatedAlarm> = {}): EvaluatedAlarm => ({
  statistic: 'Average', extended: false, period: 300, evaluationPeriods: 3, datapointsToAlarm: 3, threshold: 50,
  comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'missing', ...over,
});
/** `0 - X - X` → datapoints of 5 periods (index 0 the oldest). */
const row = (s: string) => s.split(' ').flatMap((c, i) => (c === '-' ? [] : [{ at: T0 + i * 300_000, value: c === 'X' ? 99 : 1, sampleCount: 1 }]));
const outcome = (a: EvaluatedAlarm, s: string) => evaluateAlarm(a, row(s), T0 + 1_500_000, T0)?.state ?? 'retain';
const treatments: MissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

describe('alarm evaluation (CloudWatch User Guide tables)', () => {
  it.each([
    ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - -', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
    ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['- - - - X', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
  ])('3 of 3: %s', (data, expected) => {
    expect(treatments.map((t) => outcome(alarm({ treatMissingData: t }), data))).toEqual(expected);
  });

  it.each([
    ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - X', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
  ])('2 of 3: %s', (data, expected) => {
    expect(treatments.map((t) => outcome(alarm({ datapointsToAlarm: 2, treatMissingData: t }), data))).toEqual(expected);
  });

  it('words the reason and its data as CloudWatch does', () => {
    const one = alarm({ evaluationPeriods: 1, datapointsToAlarm: 1 });
    const at = Date.UTC(2019, 9, 2, 16, 59);
    const up = evaluateAlarm(one, [{ at, value: 99.50160229693434, sampleCount: 5 }], Date.UTC(2019, 9, 2, 17, 4, 40, 985), at - 2 * 300_000)!;
    expect(up.state).toBe('ALARM');
    expect(up.reason).toBe('Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).');
    expect(up.reasonData).toBe('{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000","startDate":"2019-10-02T16:59:00.000+0000","statistic":"Average","period":300,'
      + '"recentDatapoints":[99.50160229693434],"threshold":50.0,"evaluatedDatapoints":[{"timestamp":"2019-10-02T16:59:00.000+0000","sampleCount":5.0,"value":99.50160229693434}]}');
    const down = evaluateAlarm(alarm({ datapointsToAlarm: 2 }), row('X 0 - 0 X'), T0 + 1_500_000, T0)!;
    expect(down.state).toBe('OK');
    expect(down.reason).toBe('Threshold Crossed: 2 out of the last 3 datapoints [1.0 (02/10/19 17:10:00), 1.0 (02/10/19 17:00:00)] were not greater than the threshold (50.0) (minimum 2 datapoints for ALARM -> OK transition).');
    expect(evaluateAlarm(alarm({ evaluationPeriods: 1, datapointsToAlarm: 1 }), [], T0, T0)!.reason).toBe('Insufficient Data: 1 datapoint was unknown.');
    expect(evaluateAlarm(alarm(), [], T0, T0)!.reason).toBe('Insufficient Data: 3 datapoints were unknown.');
    expect(evaluateAlarm(alarm({ treatMissingData: 'breaching' }), [], T0, T0)!.reason)
      .toBe('Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].');
  });

  it('prints numbers as Java doubles', () => {
    expect([50, 0, -3, 0.5, 1e7, 0.0001, 123456.75].map(formatDouble)).toEqual(['50.0', '0.0', '-3.0', '0.5', '1.0E7', '1.0E-4', '123456.75']);
    expect(javaJson({ a: double(2), b: [double(1.5)], c: 'x', d: 3 })).toBe('{"a":2.0,"b":[1.5],"c":"x","d":3}');
  });
});
