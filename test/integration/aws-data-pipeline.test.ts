/**
 * Issue 13's pipeline end to end, built as a user builds it on AWS: with the AWS CLI (`/usr/bin/aws`) and the AWS SDK
 * v3 clients against the engine's one endpoint, fed by devices publishing telemetry over MQTT (mqtt.js and
 * mosquitto_pub). Four topic rules fan the same readings out:
 * 1. `dynamoDBv2` writes every reading into a DynamoDB table, read back with `aws dynamodb scan`;
 * 2. `kinesis` writes them into a Kinesis stream that a Lambda function reads through an event source mapping; the
 *    function keeps per-device aggregates in a second table with the AWS SDK v3 DynamoDB client, made as on AWS
 *    (`new DynamoDBClient({})`, the SDK found in the runtime, the endpoint from `AWS_ENDPOINT_URL`);
 * 3. `firehose` sends them to a delivery stream whose Lambda processor turns them into CSV (dropping sensor faults,
 *    failing bad-quality readings), delivered into S3 and read back with `aws s3 cp`; failed readings land under
 *    `processing-failed/` as Firehose's error records;
 * 4. `cloudwatchMetric` records each temperature; a metric alarm with an SNS action fires on the hot one, and the
 *    alarm notification arrives in an SQS queue subscribed to the topic.
 * README "AWS service APIs" → "Putting it together" points here as a worked example.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import type { MqttClient } from 'mqtt';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicRuleCommand, IoTClient } from '@aws-sdk/client-iot';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/iot-pipeline`;
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
const zip = (code: string) => zipSync({ 'index.js': strToU8(code) });

// Kinesis → Lambda: per-device reading counts and temperature sums, kept with the SDK v3 client as on AWS.
const AGGREGATE = `const { DynamoDBClient, UpdateItemCommand } = require('@aws-sdk/client-dynamodb');
const ddb = new DynamoDBClient({});
exports.handler = async (event) => {
  const byDevice = new Map();
  for (const r of event.Records) {
    const t = JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
    const a = byDevice.get(t.device) || { readings: 0, total: 0 };
    a.readings += 1;
    a.total += t.temp;
    byDevice.set(t.device, a);
  }
  for (const [device, a] of byDevice) {
    await ddb.send(new UpdateItemCommand({
      TableName: 'telemetry-aggregates', Key: { device: { S: device } },
      // "total" is one of DynamoDB's reserved words: it needs a name placeholder, as on AWS.
      UpdateExpression: 'ADD readings :n, #total :t', ExpressionAttributeNames: { '#total': 'total' },
      ExpressionAttributeValues: { ':n': { N: String(a.readings) }, ':t': { N: String(a.total) } },
    }));
  }
};
`;

// Firehose's processor: JSON readings → CSV lines in Fahrenheit; sensor faults dropped, bad-quality readings failed.
const TO_CSV = `exports.handler = async (event) => ({
  records: event.records.map((r) => {
    const t = JSON.parse(Buffer.from(r.data, 'base64').toString('utf8'));
    if (t.temp < -40) return { recordId: r.recordId, result: 'Dropped', data: r.data };
    if (t.quality === 'bad') return { recordId: r.recordId, result: 'ProcessingFailed', data: r.data };
    const line = [t.device, t.seq, (t.temp * 9 / 5 + 32).toFixed(1)].join(',') + '\\n';
    return { recordId: r.recordId, result: 'Ok', data: Buffer.from(line).toString('base64') };
  }),
});
`;

const READINGS = [
  { device: 'd1', seq: 1, temp: 21.5 },
  { device: 'd2', seq: 1, temp: 19 },
  { device: 'd1', seq: 2, temp: 22 },
  { device: 'd2', seq: 2, temp: -50 }, // a sensor fault: Firehose's processor drops it
  { device: 'd2', seq: 3, temp: 20.5, quality: 'bad' }, // processing fails: it goes to processing-failed/
  { device: 'd1', seq: 3, temp: 95 }, // too hot: the alarm fires
];

describeAwsCli('the data pipeline: MQTT → rules → DynamoDB, Kinesis → Lambda → DynamoDB, Firehose → Lambda → S3, CloudWatch alarm → SNS → SQS', () => {
  let te: TestEngine;
  let endpoint: string;
  let ddb: DynamoDBClient;
  let kinesis: KinesisClient;
  let firehose: FirehoseClient;
  let s3: S3Client;
  let lambda: LambdaClient;
  let iot: IoTClient;
  let cloudwatch: CloudWatchClient;
  let sns: SNSClient;
  let sqs: SQSClient;
  let queueUrl: string;
  const devices: MqttClient[] = [];
  const cli = (args: string[]) => awsCliJson(args, { endpoint });

  beforeAll(async () => {
    te = await startTestEngine();
    endpoint = te.httpUrl;
    const config = { endpoint, region: 'us-east-1', credentials };
    ddb = new DynamoDBClient(config);
    kinesis = new KinesisClient(config);
    firehose = new FirehoseClient(config);
    s3 = new S3Client({ ...config, forcePathStyle: true });
    lambda = new LambdaClient(config);
    iot = new IoTClient(config);
    cloudwatch = new CloudWatchClient(config);
    sns = new SNSClient(config);
    sqs = new SQSClient(config);

    // The stores: a table of readings (CLI), a table of aggregates (SDK), a stream, a bucket (CLI).
    await cli(['dynamodb', 'create-table', '--table-name', 'telemetry', '--billing-mode', 'PAY_PER_REQUEST',
      '--attribute-definitions', 'AttributeName=device,AttributeType=S', 'AttributeName=seq,AttributeType=N',
      '--key-schema', 'AttributeName=device,KeyType=HASH', 'AttributeName=seq,KeyType=RANGE']);
    await ddb.send(new CreateTableCommand({
      TableName: 'telemetry-aggregates', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'device', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'device', KeyType: 'HASH' }],
    }));
    await kinesis.send(new CreateStreamCommand({ StreamName: 'telemetry-stream', ShardCount: 1 }));
    const mb = await runAwsCli(['s3', 'mb', 's3://telemetry-archive'], { endpoint });
    expect(mb.stdout.trim()).toBe('make_bucket: telemetry-archive');

    // The functions and their triggers.
    const fn = (FunctionName: string, code: string) => lambda.send(new CreateFunctionCommand({
      FunctionName, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Timeout: 10, Code: { ZipFile: zip(code) },
    }));
    const aggregate = await fn('telemetry-aggregate', AGGREGATE);
    const toCsv = await fn('telemetry-to-csv', TO_CSV);
    await lambda.send(new CreateEventSourceMappingCommand({
      FunctionName: 'telemetry-aggregate', EventSourceArn: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/telemetry-stream`, StartingPosition: 'TRIM_HORIZON', BatchSize: 100,
    }));
    await firehose.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'telemetry-archive', DeliveryStreamType: 'DirectPut',
      ExtendedS3DestinationConfiguration: {
        RoleARN: ROLE, BucketARN: 'arn:aws:s3:::telemetry-archive', Prefix: 'readings/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: toCsv.FunctionArn! }] }] },
      },
    }));
    expect(aggregate.FunctionArn).toBe(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:telemetry-aggregate`);

    // The alarm's path: a topic with a queue subscribed, and an alarm on the rules' metric.
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'plant-alarms' }));
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'plant-alarm-inbox' }))).QueueUrl!;
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
    await cloudwatch.send(new PutMetricAlarmCommand({
      AlarmName: 'plant-overheat', Namespace: 'Plant', MetricName: 'Temperature', Statistic: 'Maximum', Period: 60, EvaluationPeriods: 1,
      Threshold: 80, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [TopicArn!],
    }));

    // The rules: one with the CLI, three with the SDK.
    const rulePayload = path.join(tempDir('tb-pipeline-'), 'rule.json');
    fs.writeFileSync(rulePayload, JSON.stringify({
      sql: "SELECT * FROM 'plant/+/telemetry'", awsIotSqlVersion: '2016-03-23',
      actions: [{ dynamoDBv2: { roleArn: ROLE, putItem: { tableName: 'telemetry' } } }],
    }));
    await cli(['iot', 'create-topic-rule', '--rule-name', 'telemetry_to_table', '--topic-rule-payload', `file://${rulePayload}`]);
    const rule = (ruleName: string, action: Record<string, unknown>) => iot.send(new CreateTopicRuleCommand({
      ruleName, topicRulePayload: { sql: "SELECT * FROM 'plant/+/telemetry'", awsIotSqlVersion: '2016-03-23', actions: [action] },
    }));
    await rule('telemetry_to_stream', { kinesis: { roleArn: ROLE, streamName: 'telemetry-stream', partitionKey: '${device}' } });
    await rule('telemetry_to_archive', { firehose: { roleArn: ROLE, deliveryStreamName: 'telemetry-archive' } });
    await rule('telemetry_to_metric', { cloudwatchMetric: { roleArn: ROLE, metricNamespace: 'Plant', metricName: 'Temperature', metricValue: '${temp}', metricUnit: 'None' } });

    // The devices publish: d1 with mqtt.js, d2 with mosquitto_pub, each reading once, at least once (QoS 1).
    const d1 = await connect(te.mqttPort, { clientId: 'd1' });
    devices.push(d1);
    for (const r of READINGS) {
      if (r.device === 'd1') await d1.publishAsync('plant/d1/telemetry', JSON.stringify(r), { qos: 1 });
      else await promisify(execFile)('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(te.mqttPort), '-i', 'd2', '-q', '1', '-t', 'plant/d2/telemetry', '-m', JSON.stringify(r)]);
    }
  }, 120_000);

  afterAll(async () => {
    for (const d of devices) await d.endAsync();
    for (const c of [ddb, kinesis, firehose, s3, lambda, iot, cloudwatch, sns, sqs]) c?.destroy();
    await te?.stop();
  });

  it('a dynamoDBv2 rule writes every reading into the table, and aws dynamodb scan reads them back', async () => {
    await vi.waitFor(async () => expect((await ddb.send(new ScanCommand({ TableName: 'telemetry', Select: 'COUNT' }))).Count).toBe(READINGS.length), { timeout: 15_000 });
    const scan = await cli(['dynamodb', 'scan', '--table-name', 'telemetry']);
    expect(scan.Count).toBe(READINGS.length);
    const items = (scan.Items as Array<Record<string, { S?: string; N?: string }>>)
      .map((i) => ({ device: i.device.S, seq: Number(i.seq.N), temp: Number(i.temp.N), ...(i.quality ? { quality: i.quality.S } : {}) }));
    expect(items.sort((a, b) => a.device!.localeCompare(b.device!) || a.seq - b.seq)).toEqual(
      [...READINGS].sort((a, b) => a.device.localeCompare(b.device) || a.seq - b.seq));
  }, 60_000);

  it('a kinesis rule feeds the stream; the Kinesis-triggered function keeps per-device aggregates with the SDK v3 DynamoDB client', async () => {
    const expected = (device: string) => {
      const mine = READINGS.filter((r) => r.device === device);
      return { device: { S: device }, readings: { N: String(mine.length) }, total: { N: String(mine.reduce((n, r) => n + r.temp, 0)) } };
    };
    await vi.waitFor(async () => {
      for (const device of ['d1', 'd2']) {
        const { Item } = await ddb.send(new GetItemCommand({ TableName: 'telemetry-aggregates', Key: { device: { S: device } } }));
        expect(Item).toEqual(expected(device));
      }
    }, { timeout: 20_000, interval: 100 });
    const got = await cli(['dynamodb', 'get-item', '--table-name', 'telemetry-aggregates', '--key', '{"device":{"S":"d1"}}']);
    expect(got.Item).toEqual(expected('d1'));
  }, 60_000);

  it('a firehose rule archives the readings into S3 as CSV through the Lambda processor; aws s3 cp reads the objects back', async () => {
    const keys = await vi.waitFor(async () => {
      const listed = (await s3.send(new ListObjectsV2Command({ Bucket: 'telemetry-archive' }))).Contents?.map((o) => o.Key!) ?? [];
      // 4 readings delivered, 1 dropped, 1 failed: wait until the failed one and every delivered line are there.
      expect(listed.some((k) => k.startsWith('readings/processing-failed/'))).toBe(true);
      const sizes = (await s3.send(new ListObjectsV2Command({ Bucket: 'telemetry-archive', Prefix: 'readings/2' }))).Contents?.reduce((n, o) => n + o.Size!, 0) ?? 0;
      expect(sizes).toBe('d1,1,70.7\nd2,1,66.2\nd1,2,71.6\nd1,3,203.0\n'.length);
      return listed;
    }, { timeout: 20_000, interval: 100 });
    for (const k of keys) expect(k).toMatch(/^readings\/(processing-failed\/)?\d{4}\/\d\d\/\d\d\/\d\d\/telemetry-archive-1-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9a-f-]{36}$/);
    // One aws s3 cp --recursive brings the whole archive down, as a user would.
    const dir = tempDir('tb-pipeline-s3-');
    const copied = await runAwsCli(['s3', 'cp', '--recursive', 's3://telemetry-archive/readings/', dir], { endpoint });
    expect(copied.code, copied.stderr).toBe(0);
    const read = (key: string) => fs.readFileSync(path.join(dir, key.slice('readings/'.length)), 'utf8');
    const csv = keys.filter((k) => !k.includes('processing-failed/')).map(read).join('');
    expect(csv.trim().split('\n').sort()).toEqual(['d1,1,70.7', 'd1,2,71.6', 'd1,3,203.0', 'd2,1,66.2']);
    const failed = keys.filter((k) => k.includes('processing-failed/')).map(read).join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(failed).toEqual([{
      attemptsMade: 1, arrivalTimestamp: expect.any(Number), errorCode: 'Lambda.ProcessingFailedStatus', errorMessage: 'ProcessingFailed status set for record',
      attemptEndingTimestamp: expect.any(Number), rawData: expect.any(String), lambdaArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:telemetry-to-csv`,
    }]);
    expect(JSON.parse(Buffer.from(failed[0].rawData as string, 'base64').toString())).toEqual(READINGS[4]);
  }, 60_000);

  it('the cloudwatchMetric rule feeds a metric alarm that fires into SNS, and the subscribed SQS queue receives the alarm', async () => {
    const notification = await vi.waitFor(async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
      const alarm = (Messages ?? []).map((m) => JSON.parse(m.Body!) as { Type: string; Subject: string; Message: string })
        .find((m) => (JSON.parse(m.Message) as { NewStateValue: string }).NewStateValue === 'ALARM');
      expect(alarm).toBeDefined();
      return alarm!;
    }, { timeout: 20_000, interval: 50 });
    expect(notification.Type).toBe('Notification');
    expect(notification.Subject).toBe('ALARM: "plant-overheat" in US East (N. Virginia)');
    expect(JSON.parse(notification.Message)).toMatchObject({
      AlarmName: 'plant-overheat', NewStateValue: 'ALARM', AWSAccountId: ACCOUNT,
      Trigger: { MetricName: 'Temperature', Namespace: 'Plant', Threshold: 80, ComparisonOperator: 'GreaterThanThreshold' },
    });
    const described = await cli(['cloudwatch', 'describe-alarms', '--alarm-names', 'plant-overheat']);
    expect(described.MetricAlarms[0]).toMatchObject({ AlarmName: 'plant-overheat', StateValue: 'ALARM' });
  }, 60_000);
});
