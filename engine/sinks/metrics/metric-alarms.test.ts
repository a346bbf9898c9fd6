/**
 * Alarm evaluation over the local metrics, on a real SinkService with a settable clock: M out of N datapoints,
 * each TreatMissingData, evaluation on the clock when data stops, actions once per state change (and not while
 * disabled), unit filtering, and alarms and data surviving a restart.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSinks, type SinkHarness } from '../../../test/helpers/sinks.js';
import type { AlarmConfig } from './metric-alarms.js';

let h: SinkHarness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

const alarm = (name: string, over: Partial<AlarmConfig> = {}): Omit<AlarmConfig, 'configurationUpdated'> => ({
  alarmName: name, actionsEnabled: true, okActions: [], alarmActions: [], insufficientDataActions: [], metricName: 'Temp', namespace: 'Lab',
  dimensions: [], statistic: 'Maximum', extended: false, period: 60, evaluationPeriods: 3, datapointsToAlarm: 2, threshold: 10,
  comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'missing', ...over,
});

describe('metric alarms', () => {
  it('goes to ALARM when DatapointsToAlarm of the last EvaluationPeriods periods breach, and back to OK', async () => {
    h = await openSinks();
    const t0 = Math.floor(h.clock.t / 60_000) * 60_000;
    h.clock.t = t0 + 1_000;
    await h.sinks.alarms.put(alarm('m-of-n'));
    expect(h.sinks.alarms.view('m-of-n')?.state).toBe('INSUFFICIENT_DATA');
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 5, timestamp: t0 - 60_000 });
    expect(h.sinks.alarms.view('m-of-n')?.state).toBe('OK');
    expect(h.sinks.alarms.view('m-of-n')?.reason)
      .toMatch(/^Threshold Crossed: 1 out of the last 3 datapoints \[5\.0 \(.+\)\] was not greater than the threshold \(10\.0\) \(minimum 2 datapoints for ALARM -> OK transition\)\.$/);
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 20, timestamp: t0 - 120_000 });
    expect(h.sinks.alarms.view('m-of-n')?.state).toBe('OK');
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 30 });
    expect(h.sinks.alarms.view('m-of-n')?.state).toBe('ALARM');
    // Other metrics and dimension sets do not move it.
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 1, dimensions: [{ name: 'Device', value: 'd1' }] });
    expect(h.sinks.alarms.view('m-of-n')?.state).toBe('ALARM');
    // Two periods later only the newest breach is in the window: 1 of 3 → OK.
    h.clock.t = t0 + 120_000 + 1_000;
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 2 });
    expect(h.sinks.alarms.view('m-of-n')?.state).toBe('OK');
    const history = h.sinks.cloudwatch.records('alarm', 'm-of-n').map((r) => r.data as { previousState: string; state: string });
    expect(history.map((r) => `${r.previousState}->${r.state}`)).toEqual(['ALARM->OK', 'OK->ALARM', 'INSUFFICIENT_DATA->OK']);
  });

  it('treats missing data as TreatMissingData says', async () => {
    h = await openSinks();
    await h.sinks.alarms.put(alarm('breaching', { treatMissingData: 'breaching' }));
    await h.sinks.alarms.put(alarm('not-breaching', { treatMissingData: 'notBreaching' }));
    await h.sinks.alarms.put(alarm('ignore', { treatMissingData: 'ignore' }));
    await h.sinks.alarms.put(alarm('missing', { treatMissingData: 'missing' }));
    expect(Object.fromEntries(h.sinks.alarms.list().map((a) => [a.alarmName, a.state]))).toEqual({
      breaching: 'ALARM', 'not-breaching': 'OK', ignore: 'INSUFFICIENT_DATA', missing: 'INSUFFICIENT_DATA',
    });
  });

  it('compares only data points of the alarm unit, and keeps alarms and data points across a restart', async () => {
    h = await openSinks();
    await h.sinks.alarms.put(alarm('ms', { unit: 'Milliseconds', evaluationPeriods: 1, datapointsToAlarm: 1 }));
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 99, unit: 'Seconds' });
    expect(h.sinks.alarms.view('ms')?.state).toBe('INSUFFICIENT_DATA');
    await h.sinks.cloudwatch.putMetricData('Lab', [{ metricName: 'Temp', statisticValues: { sampleCount: 2, sum: 30, minimum: 10, maximum: 20 }, unit: 'Milliseconds' }]);
    expect(h.sinks.alarms.view('ms')?.state).toBe('ALARM');
    h = await h.reopen();
    expect(h.sinks.alarms.view('ms')).toMatchObject({ state: 'ALARM', unit: 'Milliseconds', threshold: 10 });
    expect(h.sinks.cloudwatch.metricRecords('Lab').map((d) => d.maximum)).toEqual([99, 20]);
  });

  it('refuses a bad configuration and a batch with one bad datum, keeping nothing of it', async () => {
    h = await openSinks();
    await expect(h.sinks.alarms.put(alarm('bad', { period: 45 }))).rejects.toThrow('The parameter Period must be 10, 30 or a multiple of 60.');
    await expect(h.sinks.alarms.put(alarm('bad', { datapointsToAlarm: 4 }))).rejects.toThrow('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
    await expect(h.sinks.alarms.put(alarm('bad', { alarmActions: ['arn:aws:sqs:us-east-1:000000000000:q'] }))).rejects.toThrow(/Invalid arn syntax/);
    expect(h.sinks.list('alarm')).toEqual([]);
    await expect(h.sinks.cloudwatch.putMetricData('Lab', [{ metricName: 'Temp', value: 1 }, { metricName: 'Temp', values: [1, 2], counts: [1] }]))
      .rejects.toThrow('The parameters Values and Counts must be of the same size.');
    expect(h.sinks.list('metric')).toEqual([]);
  });

  it('evaluates on the clock when data stops: TreatMissingData decides, each state change notifies once', async () => {
    h = await openSinks({ alarmCheckMs: 5 });
    const t0 = Math.floor(h.clock.t / 60_000) * 60_000;
    h.clock.t = t0 + 1_000;
    await h.sinks.topics.topics.createTopic('alarms');
    await h.sinks.create('queue', 'inbox');
    await h.sinks.topics.subscribe('arn:aws:sns:us-east-1:000000000000:alarms', 'sqs', 'arn:aws:sqs:us-east-1:000000000000:inbox', { RawMessageDelivery: 'true' });
    const topic = ['arn:aws:sns:us-east-1:000000000000:alarms'];
    await h.sinks.alarms.put(alarm('quiet', { evaluationPeriods: 1, datapointsToAlarm: 1, alarmActions: topic, okActions: topic, insufficientDataActions: topic }));
    await h.sinks.alarms.put(alarm('silent-is-bad', { evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'breaching' }));
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 20 });
    expect(h.sinks.alarms.view('quiet')?.state).toBe('ALARM');
    expect(h.sinks.alarms.view('silent-is-bad')?.state).toBe('ALARM');
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 1 });
    expect(h.sinks.alarms.view('quiet')?.state).toBe('ALARM'); // the period's Maximum is still 20
    // A minute on, one more: its period does not breach.
    h.clock.t = t0 + 61_000;
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 3 });
    expect(h.sinks.alarms.view('quiet')?.state).toBe('OK');
    expect(h.sinks.alarms.view('silent-is-bad')?.state).toBe('OK');
    // The metric stops. Within the evaluation range (N + 2 periods) the last datapoint still counts…
    h.clock.t = t0 + 3 * 60_000 + 1_000;
    await h.sinks.alarms.tick();
    expect(h.sinks.alarms.view('quiet')?.state).toBe('OK');
    expect(h.sinks.alarms.view('silent-is-bad')?.state).toBe('OK');
    // …past it, the alarm timer (not a new datapoint) moves them: missing → INSUFFICIENT_DATA, breaching → ALARM.
    h.clock.t = t0 + 4 * 60_000 + 1_000;
    await vi.waitFor(() => {
      expect(h!.sinks.alarms.view('quiet')?.state).toBe('INSUFFICIENT_DATA');
      expect(h!.sinks.alarms.view('silent-is-bad')?.state).toBe('ALARM');
    }, { timeout: 10_000 }); // one alarm's change is three durable writes (state, notification, queue) before the next
    expect(h.sinks.alarms.view('quiet')?.reason).toBe('Insufficient Data: 1 datapoint was unknown.');
    expect(h.sinks.alarms.view('silent-is-bad')?.reason).toBe('Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].');
    // Later evaluations change nothing: one notification per state change, in order.
    h.clock.t += 120_000;
    await h.sinks.alarms.tick();
    const received = await h.sinks.queues.receive('inbox', { maxMessages: 10 });
    for (const m of received) await h.sinks.queues.delete('inbox', m.receiptHandle);
    const got = received.map((m) => JSON.parse(m.body) as { OldStateValue: string; NewStateValue: string });
    expect(got.map((n) => `${n.OldStateValue}->${n.NewStateValue}`)).toEqual(['INSUFFICIENT_DATA->ALARM', 'ALARM->OK', 'OK->INSUFFICIENT_DATA']);
    expect(h.sinks.cloudwatch.records('alarm', 'quiet').length).toBe(3);
    // Actions disabled: the state still changes, nothing is sent.
    await h.sinks.alarms.setActionsEnabled(['quiet', 'no-such-alarm'], false);
    expect(h.sinks.alarms.view('quiet')?.actionsEnabled).toBe(false);
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 50 });
    expect(h.sinks.alarms.view('quiet')?.state).toBe('ALARM');
    await h.sinks.alarms.setActionsEnabled(['quiet'], true);
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 1, timestamp: h.clock.t + 60_000 });
    h.clock.t += 60_000;
    await h.sinks.alarms.tick();
    expect(h.sinks.alarms.view('quiet')?.state).toBe('OK');
    const after = (await h.sinks.queues.receive('inbox', { maxMessages: 10 })).map((m) => JSON.parse(m.body) as { NewStateValue: string });
    expect(after.map((n) => n.NewStateValue)).toEqual(['OK']);
  });

  it('runs no alarm timer without alarms, and one once an alarm exists', async () => {
    h = await openSinks();
    expect(h.sinks.alarms.timerSet).toBe(false);
    await h.sinks.alarms.put(alarm('a'));
    expect(h.sinks.alarms.timerSet).toBe(true);
    await h.sinks.alarms.delete(['a']);
    expect(h.sinks.alarms.timerSet).toBe(false);
    await h.sinks.alarms.put(alarm('b'));
    h = await h.reopen();
    expect(h.sinks.alarms.timerSet).toBe(true);
  });

  it('keeps a state set by SetAlarmState only until the next evaluation, a minute on (every 10 s for a 10-second alarm)', async () => {
    h = await openSinks();
    const t0 = Math.floor(h.clock.t / 60_000) * 60_000;
    h.clock.t = t0 + 1_000;
    await h.sinks.alarms.put(alarm('std', { evaluationPeriods: 1, datapointsToAlarm: 1 }));
    await h.sinks.alarms.put(alarm('hires', { period: 10, evaluationPeriods: 1, datapointsToAlarm: 1 }));
    await h.sinks.cloudwatch.putMetric('Lab', { metricName: 'Temp', value: 50 });
    expect([h.sinks.alarms.view('std')?.state, h.sinks.alarms.view('hires')?.state]).toEqual(['ALARM', 'ALARM']);
    await h.sinks.cloudwatch.setAlarmState('std', 'OK', 'drill');
    await h.sinks.cloudwatch.setAlarmState('hires', 'OK', 'drill');
    h.clock.t = t0 + 10_000; // the 10-second alarm is due, the standard one not yet
    await h.sinks.alarms.tick();
    expect([h.sinks.alarms.view('std')?.state, h.sinks.alarms.view('hires')?.state]).toEqual(['OK', 'ALARM']);
    h.clock.t = t0 + 60_000;
    await h.sinks.alarms.tick();
    expect(h.sinks.alarms.view('std')).toMatchObject({ state: 'ALARM', reason: expect.stringMatching(/^Threshold Crossed: 1 out of the last 1 datapoints \[50\.0 /) });
  });
});
