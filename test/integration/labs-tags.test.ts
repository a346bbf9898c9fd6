/**
 * What a lab's solution creates carries the lab's tags (`thingbench:lab`, `thingbench:attendee`) where the AWS API
 * takes tags at creation, read back through the services' own tag APIs; the request's own tags are kept beside them.
 */
import { ListTagsForResourceCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, ListQueueTagsCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchLogsClient, ListTagsForResourceCommand as ListLogTagsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLab, labNames, labTags, loadCatalogue, resetLab, solveLab } from '../../engine/labs/index.js';
import { openTarget, type Target } from '../../engine/scenarios/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';
import { tempDir } from '../helpers/temp-dirs.js';

let target: Target;
let te: TestEngine;
beforeAll(async () => {
  target = await openTarget(undefined, { dataDir: tempDir('tb-labs-tags-') });
  te = await startTestEngine();
}, 60_000);
afterAll(async () => {
  await target?.close();
  await te?.stop();
});

const sdk = (t: Target) => ({ region: t.aws!.region, endpoint: t.aws!.endpoint, credentials: t.aws!.credentials as { accessKeyId: string; secretAccessKey: string } });

describe('tags on what a lab makes', () => {
  it("lab 11's solution tags its SNS topic and its queue with the lab and the attendee", async () => {
    const lab = findLab(loadCatalogue(), 11);
    const attendee = 'tagger';
    const run = await solveLab(lab, target, { attendee });
    expect(run.message ?? run.status).toBe('passed');
    const names = labNames(lab, { attendee });
    expect(labTags(lab, attendee)).toEqual({ 'thingbench:lab': '11', 'thingbench:attendee': 'tagger' });
    const sns = new SNSClient(sdk(target));
    const sqs = new SQSClient(sdk(target));
    try {
      const topicArn = `arn:aws:sns:${target.aws!.region}:000000000000:${names.TOPIC}`;
      expect((await sns.send(new ListTagsForResourceCommand({ ResourceArn: topicArn }))).Tags).toEqual([{ Key: 'thingbench:lab', Value: '11' }, { Key: 'thingbench:attendee', Value: 'tagger' }]);
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: names.QUEUE }));
      expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ 'thingbench:lab': '11', 'thingbench:attendee': 'tagger' });
    } finally {
      sns.destroy();
      sqs.destroy();
    }
    expect((await resetLab(lab, target, { attendee })).errors).toEqual([]);
  }, 120_000);

  it("a run's tags go on aws calls that take tags at creation, beside the request's own", async () => {
    const tags = { 'thingbench:lab': '2', 'thingbench:attendee': 'ann' };
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: tagged
steps:
  - aws: { service: logs, operation: CreateLogGroup, input: { logGroupName: tagged-logs, tags: { team: iot } } }
  - aws:
      service: iam
      operation: CreateRole
      input:
        RoleName: tagged-role
        AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"iot.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
  # The edges that take tags without keeping them yet still take them.
  - aws: { service: dynamodb, operation: CreateTable, input: { TableName: tagged-table, BillingMode: PAY_PER_REQUEST, AttributeDefinitions: [{ AttributeName: id, AttributeType: S }], KeySchema: [{ AttributeName: id, KeyType: HASH }] } }
  - aws: { service: kinesis, operation: CreateStream, input: { StreamName: tagged-stream, ShardCount: 1 } }
  - aws: { service: cloudwatch, operation: PutMetricAlarm, input: { AlarmName: tagged-alarm, Namespace: Lab, MetricName: temp, Statistic: Average, Period: 60, EvaluationPeriods: 1, Threshold: 30, ComparisonOperator: GreaterThanThreshold } }
  - aws: { service: iot, operation: CreateThingType, input: { thingTypeName: tagged-type } }
  - aws: { service: iot, operation: CreateTopicRule, input: { ruleName: tagged_rule, topicRulePayload: { sql: "SELECT * FROM 'a/b'", actions: [] } } }
`,
    }, { tags });
    expect(result.message).toBeUndefined();
    const logs = new CloudWatchLogsClient(sdk(engineTarget(te)));
    const iam = new IAMClient(sdk(engineTarget(te)));
    try {
      const arn = 'arn:aws:logs:us-east-1:000000000000:log-group:tagged-logs';
      expect((await logs.send(new ListLogTagsCommand({ resourceArn: arn }))).tags).toEqual({ ...tags, team: 'iot' });
      expect((await iam.send(new GetRoleCommand({ RoleName: 'tagged-role' }))).Role?.Tags).toEqual([{ Key: 'thingbench:lab', Value: '2' }, { Key: 'thingbench:attendee', Value: 'ann' }]);
    } finally {
      logs.destroy();
      iam.destroy();
    }
  });
});
