/**
 * The check kinds that lab 1 does not use, on a local engine: each done when the state is right, and missing with what
 * it found when it is not — an event, fleet search, a table, a stream, a bucket, a log group, the SNS inbox, a
 * function and whether it ran, and a rule's counters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CreateLogGroupCommand, CreateLogStreamCommand, CloudWatchLogsClient, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateThingCommand, CreateTopicRuleCommand, IoTClient } from '@aws-sdk/client-iot';
import { CreateStreamCommand, KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { strToU8, zipSync } from 'fflate';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLab, labNames, loadLab, resetLab, type CheckReport, type Lab } from '../../engine/labs/index.js';
import { openTarget, type Target } from '../../engine/scenarios/index.js';
import { tempDir } from '../helpers/temp-dirs.js';

let target: Target;
beforeAll(async () => {
  target = await openTarget(undefined, { dataDir: tempDir('tb-labkinds-home-') });
}, 60_000);
afterAll(async () => {
  await target?.close();
});

const GUIDE = `# Kinds\n\n## Goal\n\nG.\n\n## The pipeline\n\n\`\`\`mermaid\nflowchart LR\n  a --> b\n\`\`\`\n\n## Steps\n\n### Step 1: Nothing\n\nNothing.\n\n## Why it works\n\nW.\n\n## What it costs on AWS\n\nC.\n\n## Clean up\n\nR.\n`;

function kindsLab(): Lab {
  const dir = path.join(tempDir('tb-labkinds-'), '91-more-kinds');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'guide.md'), GUIDE);
  fs.writeFileSync(path.join(dir, 'solution.yaml'), 'name: none\nsteps: []\n');
  fs.writeFileSync(path.join(dir, 'lab.yaml'), `id: 91
slug: more-kinds
title: More kinds
summary: S.
minutes: 1
names:
  THING: { kind: thing, base: probe }
  TABLE: { kind: table, base: readings }
  STREAM: { kind: stream, base: critical }
  BUCKET: { kind: bucket, base: raw_archive }
  LOGS: { kind: logGroup, base: app }
  TOPIC: { kind: topic, base: alerts }
  FN: { kind: function, base: enrich }
  RULE: { kind: rule, base: count }
checks:
  - { id: event, title: e, event: { kind: connected, clientId: "\${THING}" } }
  - { id: event-none, title: e, event: { kind: disconnected, clientId: "\${THING}-nobody" } }
  - { id: search, title: s, search: { query: "thingName:\${THING}", things: ["\${THING}"] } }
  - { id: search-wrong, title: s, search: { query: "thingName:\${THING}", things: [] } }
  - { id: table, title: t, sink: { kind: table, name: "\${TABLE}", json: { temp: 30 } } }
  - { id: table-wrong, title: t, sink: { kind: table, name: "\${TABLE}", json: { temp: 99 } } }
  - { id: stream, title: k, sink: { kind: stream, name: "\${STREAM}", where: [{ path: $.level, value: critical }], exactly: 1 } }
  - { id: bucket, title: b, sink: { kind: bucket, name: "\${BUCKET}", json: { n: 2 }, count: 1 } }
  - { id: bucket-count, title: b, sink: { kind: bucket, name: "\${BUCKET}", count: 3 } }
  - { id: logs, title: l, sink: { kind: logGroup, name: "\${LOGS}", regex: "started" } }
  - { id: inbox, title: n, sink: { kind: notify, name: "\${TOPIC}", json: { alarm: true } } }
  - { id: function, title: f, function: { name: "\${FN}", runtime: nodejs20.x } }
  - { id: function-ran, title: f, function: { name: "\${FN}", invoked: true } }
  - { id: function-runtime, title: f, function: { name: "\${FN}", runtime: python3.12 } }
  - { id: rule-metrics, title: r, local: { ruleMetrics: { rule: "\${RULE}", matched: 1 } } }
  - { id: waits, title: w, message: { topic: "quiet/\${THING}", within: 1h } }
  - { id: waited, title: w, message: { topic: "quiet/\${THING}", within: 1ms } }
`);
  return loadLab(dir);
}

const byId = (r: CheckReport) => Object.fromEntries(r.checks.map((c) => [c.id, `${c.status}: ${c.reason}`]));

describe('the other check kinds', () => {
  it('are done on the right state and say what they found on a wrong one', async () => {
    const lab = kindsLab();
    const attendee = 'hal';
    const n = labNames(lab, { attendee });
    // The lab started a moment ago, so the 1 ms window of `waited` has closed whenever the first check runs.
    const since = Date.now() - 10;
    const cfg = { region: target.aws!.region, endpoint: target.aws!.endpoint, credentials: target.aws!.credentials as { accessKeyId: string; secretAccessKey: string } };

    const empty = byId(await checkLab(lab, target, { attendee, since }));
    expect(empty).toMatchObject({
      event: `missing: no message of kind connected for ${n.THING} ($aws/events/presence/connected/${n.THING}) yet`,
      search: `missing: the search thingName:${n.THING} finds no thing, not ${n.THING}`,
      table: `missing: there is no table named ${n.TABLE}`,
      stream: `missing: there is no stream named ${n.STREAM}`,
      bucket: `missing: there is no bucket named ${n.BUCKET}`,
      logs: `missing: there is no log group named ${n.LOGS}`,
      inbox: `missing: there is no SNS topic named ${n.TOPIC}`,
      function: `missing: there is no function named ${n.FN}`,
      'rule-metrics': `missing: there is no topic rule named ${n.RULE}`,
      // Within its window a message check is waiting, not missing; after it, missing.
      waits: `waiting: no message on quiet/${n.THING} yet`,
      waited: `missing: no message on quiet/${n.THING} yet`,
    });

    const iot = new IoTClient(cfg), ddb = new DynamoDBClient(cfg), kinesis = new KinesisClient(cfg), s3 = new S3Client({ ...cfg, forcePathStyle: true });
    const logs = new CloudWatchLogsClient(cfg), sns = new SNSClient(cfg), lambda = new LambdaClient(cfg);
    try {
      await iot.send(new CreateThingCommand({ thingName: n.THING }));
      await iot.send(new CreateTopicRuleCommand({ ruleName: n.RULE, topicRulePayload: { sql: `SELECT * FROM 'probe/${n.THING}'`, actions: [] } }));
      const device = await mqtt.connectAsync(target.mqtt().url, { clientId: n.THING, reconnectPeriod: 0 });
      await device.publishAsync(`probe/${n.THING}`, '{"v":1}', { qos: 1 });
      await device.endAsync();
      await ddb.send(new CreateTableCommand({ TableName: n.TABLE, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
      await ddb.send(new PutItemCommand({ TableName: n.TABLE, Item: { id: { S: 'a' }, temp: { N: '30' } } }));
      await kinesis.send(new CreateStreamCommand({ StreamName: n.STREAM, ShardCount: 2 }));
      for (const [k, level] of [['a', 'critical'], ['b', 'normal']]) {
        await kinesis.send(new PutRecordCommand({ StreamName: n.STREAM, PartitionKey: k, Data: strToU8(JSON.stringify({ level })) }));
      }
      await s3.send(new CreateBucketCommand({ Bucket: n.BUCKET }));
      await s3.send(new PutObjectCommand({ Bucket: n.BUCKET, Key: 'batch-1', Body: '{"n":1}\n{"n":2}\n' }));
      await logs.send(new CreateLogGroupCommand({ logGroupName: n.LOGS }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: n.LOGS, logStreamName: 's' }));
      await logs.send(new PutLogEventsCommand({ logGroupName: n.LOGS, logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'app started' }] }));
      const topic = await sns.send(new CreateTopicCommand({ Name: n.TOPIC }));
      await sns.send(new PublishCommand({ TopicArn: topic.TopicArn, Message: JSON.stringify({ alarm: true }) }));
      await lambda.send(new CreateFunctionCommand({
        FunctionName: n.FN, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/fn',
        Code: { ZipFile: zipSync({ 'index.mjs': strToU8("export const handler = async () => { console.log('enriched'); return 1; };\n") }) },
      }));

      const mid = byId(await checkLab(lab, target, { attendee, since }));
      expect(mid).toMatchObject({
        event: `done: 1 message of kind connected for ${n.THING} ($aws/events/presence/connected/${n.THING}) matched`,
        'event-none': expect.stringMatching(/^missing: no message of kind disconnected/),
        search: `done: the search thingName:${n.THING} finds ${n.THING}`,
        'search-wrong': `missing: the search thingName:${n.THING} finds ${n.THING}, ${n.THING} should not match`,
        table: `done: the table ${n.TABLE} holds 1 matching record`,
        'table-wrong': `missing: the table ${n.TABLE} holds 1 record, none matching; the last: {"id":"a","temp":30}`,
        stream: `done: the stream ${n.STREAM} holds 1 matching record`,
        bucket: `done: the bucket ${n.BUCKET} holds 1 matching record`,
        'bucket-count': `missing: the bucket ${n.BUCKET} holds 2 matching records, expected at least 3`,
        logs: `done: the log group ${n.LOGS} holds 1 matching record`,
        inbox: `done: the SNS topic ${n.TOPIC} holds 1 matching record`,
        function: `done: the function ${n.FN} exists (nodejs20.x)`,
        'function-ran': `missing: the function ${n.FN} has not run yet (no events in /aws/lambda/${n.FN})`,
        'function-runtime': `missing: the function ${n.FN} runs nodejs20.x, not python3.12`,
        'rule-metrics': expect.stringMatching(new RegExp(`^done: the rule ${n.RULE} matched 1 messages`)),
      });

      await lambda.send(new InvokeCommand({ FunctionName: n.FN, Payload: strToU8('{}') }));
      const after = byId(await checkLab(lab, target, { attendee, since }));
      expect(after['function-ran']).toBe(`done: the function ${n.FN} exists (nodejs20.x) and has run`);

      const reset = await resetLab(lab, target, { attendee });
      expect(reset.errors).toEqual([]);
      expect(reset.removed.map((r) => r.kind).sort()).toEqual(['bucket', 'function', 'logGroup', 'logGroup', 'rule', 'stream', 'table', 'thing', 'topic']);
    } finally {
      for (const c of [iot, ddb, kinesis, s3, logs, sns, lambda]) c.destroy();
    }
  }, 90_000);
});
