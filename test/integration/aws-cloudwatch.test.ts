/**
 * CloudWatch metrics and alarms on the engine's endpoint, through the AWS SDK v3 client (awsJson 1.0) and Debian's
 * AWS CLI v2 (query protocol), unchanged but for the endpoint: data points (values, statistic sets, values with
 * counts, dimensions) back as statistics, the same metrics a rule's cloudwatchMetric action writes, a threshold alarm
 * that crosses into ALARM with its history and an SNS notification read from a subscribed SQS queue, and AWS's errors.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, DescribeAlarmsForMetricCommand, DisableAlarmActionsCommand,
  EnableAlarmActionsCommand, GetMetricDataCommand, GetMetricStatisticsCommand,
  InvalidParameterValueException, ListMetricsCommand, PutMetricAlarmCommand, PutMetricDataCommand, ResourceNotFound, SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';

let tb: TestEngine;
let cw: CloudWatchClient;
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

beforeAll(async () => {
  tb = await startTestEngine();
  cw = new CloudWatchClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
});
afterAll(() => tb.stop());

const minute = (t: number) => Math.floor(t / 60_000) * 60_000;

describe('CloudWatch metrics through the AWS SDK v3 client', () => {
  it('keeps values, statistic sets and values with counts, and answers their statistics per period and dimension set', async () => {
    const at = new Date(minute(Date.now()) - 120_000 + 5_000);
    const dims = [{ Name: 'Device', Value: 'd1' }];
    await cw.send(new PutMetricDataCommand({
      Namespace: 'Lab/Sensors',
      MetricData: [
        { MetricName: 'Temperature', Dimensions: dims, Timestamp: at, Value: 20, Unit: 'None' },
        { MetricName: 'Temperature', Dimensions: dims, Timestamp: at, StatisticValues: { SampleCount: 2, Sum: 50, Minimum: 24, Maximum: 26 }, Unit: 'None' },
        { MetricName: 'Temperature', Dimensions: dims, Timestamp: new Date(at.getTime() + 60_000), Values: [10, 30], Counts: [3, 1], Unit: 'None' },
        { MetricName: 'Temperature', Dimensions: [{ Name: 'Device', Value: 'd2' }], Timestamp: at, Value: 99, Unit: 'None' },
      ],
    }));
    const stats = await cw.send(new GetMetricStatisticsCommand({
      Namespace: 'Lab/Sensors', MetricName: 'Temperature', Dimensions: dims, StartTime: new Date(at.getTime() - 60_000), EndTime: new Date(at.getTime() + 180_000),
      Period: 60, Statistics: ['SampleCount', 'Sum', 'Minimum', 'Maximum', 'Average'],
    }));
    expect(stats.Label).toBe('Temperature');
    expect(stats.Datapoints).toEqual([
      { Timestamp: new Date(minute(at.getTime())), SampleCount: 3, Sum: 70, Minimum: 20, Maximum: 26, Average: 70 / 3, Unit: 'None' },
      { Timestamp: new Date(minute(at.getTime()) + 60_000), SampleCount: 4, Sum: 60, Minimum: 10, Maximum: 30, Average: 15, Unit: 'None' },
    ]);
    const p50 = await cw.send(new GetMetricStatisticsCommand({
      Namespace: 'Lab/Sensors', MetricName: 'Temperature', Dimensions: dims, StartTime: new Date(minute(at.getTime()) + 60_000), EndTime: new Date(minute(at.getTime()) + 120_000),
      Period: 60, ExtendedStatistics: ['p50', 'p99'],
    }));
    expect(p50.Datapoints).toEqual([{ Timestamp: new Date(minute(at.getTime()) + 60_000), ExtendedStatistics: { p50: 10, p99: 30 }, Unit: 'None' }]);
    const data = await cw.send(new GetMetricDataCommand({
      StartTime: new Date(at.getTime() - 60_000), EndTime: new Date(at.getTime() + 180_000), ScanBy: 'TimestampAscending',
      MetricDataQueries: [{ Id: 'maxd2', MetricStat: { Metric: { Namespace: 'Lab/Sensors', MetricName: 'Temperature', Dimensions: [{ Name: 'Device', Value: 'd2' }] }, Period: 300, Stat: 'Maximum' } }],
    }));
    expect(data.MetricDataResults).toEqual([{ Id: 'maxd2', Label: 'Temperature', Timestamps: [new Date(Math.floor(at.getTime() / 300_000) * 300_000)], Values: [99], StatusCode: 'Complete' }]);
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'Lab/Sensors' }));
    expect(listed.Metrics).toEqual(expect.arrayContaining([
      { Namespace: 'Lab/Sensors', MetricName: 'Temperature', Dimensions: dims },
      { Namespace: 'Lab/Sensors', MetricName: 'Temperature', Dimensions: [{ Name: 'Device', Value: 'd2' }] },
    ]));
    expect(listed.Metrics).toHaveLength(2);
    // The namespace is the metric sink the UI shows.
    expect((await tb.engine.api.sinks.list('metric')).map((s) => s.name)).toContain('Lab/Sensors');
  });

  it('refuses bad input with CloudWatch errors and keeps nothing of a refused batch', async () => {
    await expect(cw.send(new PutMetricDataCommand({ Namespace: 'Lab/Bad', MetricData: [{ MetricName: 'm', Value: 1 }, { MetricName: 'm', Value: 1, Unit: 'Furlongs' as never }] })))
      .rejects.toSatisfy((e: Error) => e instanceof InvalidParameterValueException && e.message === 'unknown metric unit "Furlongs"');
    await expect(cw.send(new GetMetricStatisticsCommand({ Namespace: 'Lab/Bad', MetricName: 'm', StartTime: new Date(), EndTime: new Date(Date.now() + 60_000), Period: 7, Statistics: ['Sum'] })))
      .rejects.toSatisfy((e: Error) => e instanceof InvalidParameterValueException && e.message === 'The parameter Period must be 1, 5, 10, 30 or a multiple of 60.');
    await expect(cw.send(new GetMetricDataCommand({ StartTime: new Date(), EndTime: new Date(Date.now() + 60_000), MetricDataQueries: [{ Id: 'e1', Expression: 'SUM(METRICS())' }] })))
      .rejects.toSatisfy((e: Error) => e instanceof InvalidParameterValueException && /not supported locally/.test(e.message));
    await expect(cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' })))
      .rejects.toSatisfy((e: Error) => e instanceof ResourceNotFound && e.message === 'Alarm nope not found');
    expect((await cw.send(new ListMetricsCommand({ Namespace: 'Lab/Bad' }))).Metrics).toEqual([]);
  });
});

describe('CloudWatch alarms through the AWS SDK v3 client', () => {
  it('an alarm crosses its threshold into ALARM, keeps history and notifies its SNS topic, read from a subscribed SQS queue', async () => {
    const sns = new SNSClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
    const sqs = new SQSClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alarms' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'alarm-inbox' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:alarm-inbox', Attributes: { RawMessageDelivery: 'true' } }));
    await cw.send(new PutMetricAlarmCommand({
      AlarmName: 'hot', AlarmDescription: 'too hot', Namespace: 'Lab/Alarms', MetricName: 'Temperature', Dimensions: [{ Name: 'Device', Value: 'd1' }],
      Statistic: 'Maximum', Period: 60, EvaluationPeriods: 1, Threshold: 80, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [TopicArn!], OKActions: [TopicArn!],
    }));
    const before = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['hot'] }));
    expect(before.MetricAlarms).toEqual([expect.objectContaining({
      AlarmName: 'hot', AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:hot', StateValue: 'INSUFFICIENT_DATA', Statistic: 'Maximum', Threshold: 80,
      EvaluationPeriods: 1, DatapointsToAlarm: 1, TreatMissingData: 'missing', AlarmActions: [TopicArn],
    })]);
    await cw.send(new PutMetricDataCommand({ Namespace: 'Lab/Alarms', MetricData: [{ MetricName: 'Temperature', Dimensions: [{ Name: 'Device', Value: 'd1' }], Value: 95 }] }));
    const after = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    expect(after.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['hot']);
    expect(after.MetricAlarms![0]!.StateReason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[95\.0 \(.+\)\] was greater than the threshold \(80\.0\) \(minimum 1 datapoint for OK -> ALARM transition\)\.$/);
    expect(JSON.parse(after.MetricAlarms![0]!.StateReasonData!)).toMatchObject({ version: '1.0', statistic: 'Maximum', period: 60, recentDatapoints: [95], threshold: 80 });
    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'hot', HistoryItemType: 'StateUpdate' }));
    expect(history.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual(['Alarm updated from INSUFFICIENT_DATA to ALARM']);
    const historyData = history.AlarmHistoryItems![0]!.HistoryData!;
    expect(historyData).toContain('"threshold":80.0'); // the reason data as CloudWatch wrote it
    expect(JSON.parse(historyData)).toMatchObject({
      version: '1.0', oldState: { stateValue: 'INSUFFICIENT_DATA', stateReason: 'Unchecked: Initial alarm creation' },
      newState: { stateValue: 'ALARM', stateReason: after.MetricAlarms![0]!.StateReason, stateReasonData: { version: '1.0', recentDatapoints: [95], threshold: 80 } },
    });
    const note = await vi.waitFor(async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(Messages).toHaveLength(1);
      return Messages![0]!.Body!;
    }, { timeout: 10_000 }).then((body) => {
      expect(body).toContain('"Threshold":80.0,'); // CloudWatch's Java doubles
      return JSON.parse(body) as Record<string, any>;
    });
    expect(note).toMatchObject({
      AlarmName: 'hot', AlarmDescription: 'too hot', NewStateValue: 'ALARM', OldStateValue: 'INSUFFICIENT_DATA', AWSAccountId: '000000000000',
      Trigger: { MetricName: 'Temperature', Namespace: 'Lab/Alarms', Statistic: 'MAXIMUM', Threshold: 80, ComparisonOperator: 'GreaterThanThreshold', Dimensions: [{ name: 'Device', value: 'd1' }] },
    });
    // SetAlarmState back to OK: history and the OK action.
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'hot', StateValue: 'OK', StateReason: 'manual reset', StateReasonData: '{"by":"operator"}' }));
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['hot'] }))).MetricAlarms?.[0]).toMatchObject({ StateValue: 'OK', StateReason: 'manual reset', StateReasonData: '{"by":"operator"}' });
    const ok = await vi.waitFor(async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(Messages).toHaveLength(1);
      return JSON.parse(Messages![0]!.Body!) as Record<string, any>;
    }, { timeout: 10_000 });
    expect(ok).toMatchObject({ NewStateValue: 'OK', OldStateValue: 'ALARM', NewStateReason: 'manual reset' });
    // As AWS documents, the names that exist are deleted and the others passed over.
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['hot', 'never-made'] }));
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['hot'] }))).MetricAlarms).toEqual([]);
    expect((await tb.engine.api.sinks.list('alarm')).map((s) => s.name)).not.toContain('hot');
  });

  it('a cloudwatchMetric rule action writes the metric the alarm watches', async () => {
    await cw.send(new PutMetricAlarmCommand({
      AlarmName: 'low-battery', Namespace: 'Lab/Rules', MetricName: 'Battery', Statistic: 'Minimum', Period: 60, EvaluationPeriods: 1,
      Threshold: 20, ComparisonOperator: 'LessThanThreshold',
    }));
    await tb.engine.api.rules.put('battery_metric', {
      sql: "SELECT * FROM 'lab/+/battery'",
      actions: [{ cloudwatchMetric: { metricNamespace: 'Lab/Rules', metricName: 'Battery', metricValue: '${level}', metricUnit: 'Percent', roleArn: 'arn:aws:iam::000000000000:role/r' } }],
    });
    const device = await connect(tb.mqttPort, { clientId: 'battery-device' });
    await device.publishAsync('lab/d1/battery', JSON.stringify({ level: 12 }), { qos: 1 });
    await device.endAsync();
    await vi.waitFor(async () => {
      const { MetricAlarms } = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['low-battery'] }));
      expect(MetricAlarms?.[0]?.StateValue).toBe('ALARM');
    }, { timeout: 10_000 });
  });
});

describe('CloudWatch alarms on the engine clock (a fake clock the test moves)', () => {
  const clock = { t: Date.UTC(2026, 5, 1, 12, 0, 30), now() { return this.t; } };
  let clocked: TestEngine;
  let client: CloudWatchClient;
  beforeAll(async () => {
    clocked = await startTestEngine({ clock, alarmCheckMs: 10 });
    client = new CloudWatchClient({ endpoint: clocked.httpUrl, region: 'us-east-1', credentials });
  });
  afterAll(() => clocked.stop());

  it('moves an alarm whose metric stopped reporting, notifies once per change, and not while its actions are disabled', async () => {
    const sns = new SNSClient({ endpoint: clocked.httpUrl, region: 'us-east-1', credentials });
    const sqs = new SQSClient({ endpoint: clocked.httpUrl, region: 'us-east-1', credentials });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'heartbeat-alarms' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'heartbeat-inbox' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:heartbeat-inbox', Attributes: { RawMessageDelivery: 'true' } }));
    const inbox = async () => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 3600 }));
      return Messages.map((m) => JSON.parse(m.Body!) as { OldStateValue: string; NewStateValue: string; NewStateReason: string });
    };
    const dims = [{ Name: 'Device', Value: 'd7' }];
    await client.send(new PutMetricAlarmCommand({
      AlarmName: 'heartbeat', Namespace: 'Lab/Clock', MetricName: 'Beats', Dimensions: dims, Statistic: 'Sum', Period: 60, EvaluationPeriods: 1,
      Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching', AlarmActions: [TopicArn!], OKActions: [TopicArn!],
    }));
    await client.send(new PutMetricAlarmCommand({
      AlarmName: 'heartbeat-p90', Namespace: 'Lab/Clock', MetricName: 'Beats', Dimensions: dims, ExtendedStatistic: 'p90', Period: 300, EvaluationPeriods: 1,
      Threshold: 1, ComparisonOperator: 'LessThanThreshold',
    }));
    // No data yet, missing data breaches: ALARM at once.
    await vi.waitFor(async () => expect((await inbox()).map((n) => n.NewStateValue)).toEqual(['ALARM']));
    await client.send(new PutMetricDataCommand({ Namespace: 'Lab/Clock', MetricData: [{ MetricName: 'Beats', Dimensions: dims, Value: 1 }] }));
    const ok = await vi.waitFor(async () => {
      const got = await inbox();
      expect(got).toHaveLength(1);
      return got[0]!;
    });
    expect(ok).toMatchObject({ OldStateValue: 'ALARM', NewStateValue: 'OK' });
    expect(ok.NewStateReason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 \(01\/06\/26 12:00:00\)\] was not less than the threshold \(1\.0\) \(minimum 1 datapoint for ALARM -> OK transition\)\.$/);
    // The device goes quiet: three minutes on, the alarm timer finds no datapoint in the evaluation range.
    clock.t += 3 * 60_000;
    await vi.waitFor(async () => {
      const { MetricAlarms } = await client.send(new DescribeAlarmsCommand({ AlarmNames: ['heartbeat'] }));
      expect(MetricAlarms?.[0]).toMatchObject({ StateValue: 'ALARM', StateReason: 'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].' });
    });
    await vi.waitFor(async () => expect((await inbox()).map((n) => `${n.OldStateValue}->${n.NewStateValue}`)).toEqual(['OK->ALARM']));
    // Actions off: back to OK and into ALARM again without a notification; on again, the next change notifies.
    await client.send(new DisableAlarmActionsCommand({ AlarmNames: ['heartbeat'] }));
    expect((await client.send(new DescribeAlarmsCommand({ AlarmNames: ['heartbeat'] }))).MetricAlarms?.[0]?.ActionsEnabled).toBe(false);
    await client.send(new PutMetricDataCommand({ Namespace: 'Lab/Clock', MetricData: [{ MetricName: 'Beats', Dimensions: dims, Value: 2 }] }));
    clock.t += 3 * 60_000;
    await vi.waitFor(async () => {
      const { AlarmHistoryItems = [] } = await client.send(new DescribeAlarmHistoryCommand({ AlarmName: 'heartbeat' }));
      expect(AlarmHistoryItems.map((h) => h.HistorySummary).slice(0, 2)).toEqual(['Alarm updated from OK to ALARM', 'Alarm updated from ALARM to OK']);
    });
    await client.send(new EnableAlarmActionsCommand({ AlarmNames: ['heartbeat', 'no-such-alarm'] }));
    await client.send(new PutMetricDataCommand({ Namespace: 'Lab/Clock', MetricData: [{ MetricName: 'Beats', Dimensions: dims, Value: 5 }] }));
    const got = await vi.waitFor(async () => {
      const all = await inbox();
      expect(all.length).toBeGreaterThan(0);
      return all;
    });
    expect(got.map((n) => `${n.OldStateValue}->${n.NewStateValue}`)).toEqual(['ALARM->OK']);
    // DescribeAlarmsForMetric: the metric's exact dimensions, narrowed by statistic or period.
    const forMetric = async (more: Record<string, unknown> = {}) => (await client.send(new DescribeAlarmsForMetricCommand({
      Namespace: 'Lab/Clock', MetricName: 'Beats', Dimensions: dims, ...more,
    }))).MetricAlarms?.map((a) => a.AlarmName);
    expect(await forMetric()).toEqual(['heartbeat', 'heartbeat-p90']);
    expect(await forMetric({ ExtendedStatistic: 'p90' })).toEqual(['heartbeat-p90']);
    expect(await forMetric({ Statistic: 'Sum', Period: 60 })).toEqual(['heartbeat']);
    expect(await forMetric({ Dimensions: [] })).toEqual([]);
  });
});

describeAwsCli('aws cloudwatch (Debian AWS CLI v2)', () => {
  const aws = (...args: string[]) => awsCliJson(['cloudwatch', ...args, '--region', 'us-east-1', '--output', 'json'], { endpoint: tb.httpUrl });

  it('puts data, reads statistics, puts and describes an alarm, sets its state, and prints AWS errors', async () => {
    const at = minute(Date.now()) - 60_000 + 1_000;
    await aws('put-metric-data', '--namespace', 'Cli/App', '--metric-data', JSON.stringify([
      { MetricName: 'Latency', Dimensions: [{ Name: 'Api', Value: 'get' }], Timestamp: new Date(at).toISOString(), Value: 100, Unit: 'Milliseconds' },
      { MetricName: 'Latency', Dimensions: [{ Name: 'Api', Value: 'get' }], Timestamp: new Date(at).toISOString(), Value: 300, Unit: 'Milliseconds' },
    ]));
    const stats = await aws('get-metric-statistics', '--namespace', 'Cli/App', '--metric-name', 'Latency', '--dimensions', 'Name=Api,Value=get',
      '--start-time', new Date(at - 60_000).toISOString(), '--end-time', new Date(at + 60_000).toISOString(), '--period', '60', '--statistics', 'Average', 'Maximum');
    expect(stats).toEqual({ Label: 'Latency', Datapoints: [{ Timestamp: expect.any(String), Average: 200, Maximum: 300, Unit: 'Milliseconds' }] });
    expect(Date.parse(stats.Datapoints[0].Timestamp)).toBe(minute(at));
    const listed = await aws('list-metrics', '--namespace', 'Cli/App');
    expect(listed.Metrics).toEqual([{ Namespace: 'Cli/App', MetricName: 'Latency', Dimensions: [{ Name: 'Api', Value: 'get' }] }]);
    await aws('put-metric-alarm', '--alarm-name', 'cli-slow', '--namespace', 'Cli/App', '--metric-name', 'Latency', '--dimensions', 'Name=Api,Value=get',
      '--statistic', 'Average', '--period', '60', '--evaluation-periods', '2', '--datapoints-to-alarm', '1', '--threshold', '1000', '--comparison-operator', 'GreaterThanOrEqualToThreshold',
      '--treat-missing-data', 'notBreaching');
    const described = await aws('describe-alarms', '--alarm-names', 'cli-slow');
    expect(described.MetricAlarms).toEqual([expect.objectContaining({ AlarmName: 'cli-slow', StateValue: 'OK', EvaluationPeriods: 2, DatapointsToAlarm: 1, Dimensions: [{ Name: 'Api', Value: 'get' }] })]);
    await aws('set-alarm-state', '--alarm-name', 'cli-slow', '--state-value', 'ALARM', '--state-reason', 'drill');
    const history = await aws('describe-alarm-history', '--alarm-name', 'cli-slow');
    expect(history.AlarmHistoryItems.map((h: { HistorySummary: string }) => h.HistorySummary)).toEqual(['Alarm updated from OK to ALARM', 'Alarm updated from INSUFFICIENT_DATA to OK']);
    // The README's shorthand: one value with --metric-name, --dimensions Name=Value and --value; it breaches again.
    await aws('set-alarm-state', '--alarm-name', 'cli-slow', '--state-value', 'OK', '--state-reason', 'drill over');
    expect((await aws('describe-alarms', '--alarm-name-prefix', 'cli-', '--state-value', 'ALARM')).MetricAlarms).toEqual([]);
    await aws('put-metric-data', '--namespace', 'Cli/App', '--metric-name', 'Latency', '--dimensions', 'Api=get', '--value', '2000', '--unit', 'Milliseconds');
    expect((await aws('describe-alarms', '--alarm-name-prefix', 'cli-', '--state-value', 'ALARM')).MetricAlarms.map((a: { AlarmName: string }) => a.AlarmName)).toEqual(['cli-slow']);
    await aws('disable-alarm-actions', '--alarm-names', 'cli-slow');
    const forMetric = await aws('describe-alarms-for-metric', '--namespace', 'Cli/App', '--metric-name', 'Latency', '--dimensions', 'Name=Api,Value=get', '--statistic', 'Average');
    expect(forMetric.MetricAlarms).toEqual([expect.objectContaining({ AlarmName: 'cli-slow', ActionsEnabled: false, StateValue: 'ALARM' })]);
    const missing = await runAwsCli(['cloudwatch', 'set-alarm-state', '--alarm-name', 'ghost', '--state-value', 'OK', '--state-reason', 'x', '--region', 'us-east-1'], { endpoint: tb.httpUrl });
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('An error occurred (ResourceNotFound) when calling the SetAlarmState operation: Alarm ghost not found');
  }, 120_000); // a dozen CLI runs (Python start-up each) on a busy machine
});
