import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNSClient, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';
import type { StepRecord } from '../../engine/scenarios/index.js';

let te: TestEngine;
beforeAll(async () => {
  te = await startTestEngine();
});
afterAll(() => te.stop());

const statuses = (steps: StepRecord[]) => steps.map((s) => `${s.id} ${s.step} ${s.status}`);

describe('the aws step: one AWS API call on the target', () => {
  it('creates a topic, a queue and a raw subscription through the SDK clients, with variables from each response', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: sns to sqs
variables: { name: aws-step }
steps:
  - aws: { service: sns, operation: CreateTopic, input: { Name: "\${name}" }, vars: { topicArn: $.TopicArn } }
  - aws: { service: sqs, operation: CreateQueue, input: { QueueName: "\${name}-q" }, vars: { queueUrl: $.QueueUrl } }
  - aws: { service: sqs, operation: GetQueueAttributes, input: { QueueUrl: "\${queueUrl}", AttributeNames: [QueueArn] }, vars: { queueArn: $.Attributes.QueueArn } }
  - aws: { service: sns, operation: Subscribe, input: { TopicArn: "\${topicArn}", Protocol: sqs, Endpoint: "\${queueArn}", Attributes: { RawMessageDelivery: "true" } } }
  - aws: { service: sns, operation: Publish, input: { TopicArn: "\${topicArn}", Message: "hello \${name}" } }
  - aws: { service: sqs, operation: ReceiveMessage, input: { QueueUrl: "\${queueUrl}", WaitTimeSeconds: 5 }, vars: { body: "$.Messages[0].Body" } }
  - publish: { topic: heard, payload: "\${body}" }
  - expect: { topic: heard, payload: hello aws-step }
`,
    });
    expect(result.message).toBeUndefined();
    expect(statuses(result.steps)).toEqual(['1 aws passed', '2 aws passed', '3 aws passed', '4 aws passed', '5 aws passed', '6 aws passed', '7 publish passed', '8 expect passed']);
    expect(result.steps[0].note).toBe('sns CreateTopic: topicArn="arn:aws:sns:us-east-1:000000000000:aws-step"');
    const sns = new SNSClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:aws-step' }));
    expect(subs.Subscriptions).toMatchObject([{ Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:aws-step-q' }]);
    sns.destroy();
  });

  it("a refusal fails the step with the service's exception, and an unknown operation or a missing response member is named", async () => {
    const run = (steps: string) => runFiles(engineTarget(te), { 'main.yaml': `name: refused\nsteps:\n${steps}` });
    const refused = await run('  - aws: { service: sns, operation: Subscribe, input: { TopicArn: "arn:aws:sns:us-east-1:000000000000:none", Protocol: sqs, Endpoint: "arn:aws:sqs:us-east-1:000000000000:q" } }\n');
    expect(refused.result.steps[0]).toMatchObject({ status: 'failed', message: "the target 'local' refused sns Subscribe: Topic does not exist (NotFoundException)" });
    const unknown = await run('  - aws: { service: sqs, operation: MakeQueue, input: {} }\n');
    expect(unknown.result.steps[0]).toMatchObject({ status: 'failed', message: 'sqs has no operation MakeQueue in its AWS SDK v3 client' });
    const noMember = await run('  - aws: { service: sqs, operation: ListQueues, input: { QueueNamePrefix: nothing-here }, vars: { url: "$.QueueUrls[0]" } }\n');
    expect(noMember.result.steps[0].message).toMatch(/^the response of sqs ListQueues has nothing for url \(\$\.QueueUrls\[0\]\)/);
  });

  it('sends a file beside the scenario as bytes (fileb://) and a zip of files (zip://): a function created from its source runs', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'fn/index.mjs': "export const handler = async (e) => ({ twice: e.n * 2, greeting: (await import('node:fs')).readFileSync(new URL('./hello.txt', import.meta.url), 'utf8') });\n",
      'fn/hello.txt': 'hi from a file',
      'main.yaml': `
name: function from source
steps:
  - aws:
      service: lambda
      operation: CreateFunction
      input: { FunctionName: zip-step, Runtime: nodejs20.x, Handler: index.handler, Role: "arn:aws:iam::000000000000:role/r", Code: { ZipFile: "zip://fn/index.mjs,fn/hello.txt" } }
  - aws: { service: lambda, operation: Invoke, input: { FunctionName: zip-step, Payload: "fileb://payload.json" }, vars: { status: $.StatusCode } }
  - aws: { service: s3, operation: CreateBucket, input: { Bucket: zip-step } }
  - aws: { service: s3, operation: PutObject, input: { Bucket: zip-step, Key: hello.txt, Body: "fileb://fn/hello.txt" } }
  - aws: { service: s3, operation: HeadObject, input: { Bucket: zip-step, Key: hello.txt }, vars: { length: $.ContentLength } }
  - publish: { topic: heard, payload: "\${length}" }
  - expect: { topic: heard, payload: "14" }
`,
      'payload.json': '{"n":21}',
    });
    expect(result.message).toBeUndefined();
    expect(statuses(result.steps)).toEqual(['1 aws passed', '2 aws passed', '3 aws passed', '4 aws passed', '5 aws passed', '6 publish passed', '7 expect passed']);
    const lambda = new LambdaClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'zip-step', Payload: new TextEncoder().encode('{"n":4}') }));
    expect(JSON.parse(new TextDecoder().decode(out.Payload))).toEqual({ twice: 8, greeting: 'hi from a file' });
    lambda.destroy();
    const missing = await runFiles(engineTarget(te), { 'main.yaml': 'name: no file\nsteps:\n  - aws: { service: s3, operation: PutObject, input: { Bucket: zip-step, Key: k, Body: "fileb://nope.bin" } }\n' });
    expect(missing.result.steps[0]).toMatchObject({ status: 'failed' });
    expect(missing.result.steps[0].message).toMatch(/^s3 PutObject: the file .*nope\.bin cannot be read \(ENOENT\)$/);
  });

  it('refuses, when the scenario loads, a service the engine has no client for', async () => {
    await expect(runFiles(engineTarget(te), { 'main.yaml': 'name: bad\nsteps:\n  - aws: { service: ec2, operation: RunInstances }\n' }))
      .rejects.toThrow(/main\.yaml:3:21: steps\[0\]\.aws\.service: expected one of: "iot", "iot-data", "sns", "sqs", "dynamodb", "kinesis", "lambda", "logs", "firehose", "iam", "cloudwatch", "s3"/);
  });

  it('watches from the start a filter whose variables the run starts with, so a message an earlier step causes is not missed', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: early filter
variables: { thing: early-lamp }
steps:
  - publish: { topic: "cmd/\${thing}/req", payload: { id: 1 }, qos: 1 }
  - expect: { topic: "cmd/\${thing}/req", json: { id: 1 }, within: 2s }
`,
    });
    expect(result.message).toBeUndefined();
    expect(statuses(result.steps)).toEqual(['1 publish passed', '2 expect passed']);
  });

  it('until: calls again until the response matches, on wall time, and sets vars from the response that matched', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: until delivered
steps:
  - aws: { service: sqs, operation: CreateQueue, input: { QueueName: until-delayed }, vars: { queueUrl: $.QueueUrl } }
  - aws: { service: sqs, operation: SendMessage, input: { QueueUrl: "\${queueUrl}", MessageBody: late, DelaySeconds: 1 } }
  - aws:
      service: sqs
      operation: ReceiveMessage
      input: { QueueUrl: "\${queueUrl}", VisibilityTimeout: 0 }
      until: { where: [{ path: "$.Messages[0].Body", value: late }] }
      within: 10s
      vars: { body: "$.Messages[0].Body" }
  - aws: { service: s3, operation: CreateBucket, input: { Bucket: until-dates } }
  - aws: { service: s3, operation: PutObject, input: { Bucket: until-dates, Key: k, Body: x } }
  - aws: { service: s3, operation: ListObjectsV2, input: { Bucket: until-dates }, until: { where: [{ path: "$.Contents[0].LastModified", op: matches, value: '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T' }] } }
  - publish: { topic: heard, payload: "\${body}" }
  - expect: { topic: heard, payload: late }
`,
    });
    expect(result.message).toBeUndefined();
    expect(statuses(result.steps)).toEqual(['1 aws passed', '2 aws passed', '3 aws passed', '4 aws passed', '5 aws passed', '6 aws passed', '7 publish passed', '8 expect passed']);
    // The message is held back a second: the first calls find nothing.
    const calls = Number(/^sqs ReceiveMessage: body="late" \(as expected after (\d+) calls\)$/.exec(result.steps[2].note ?? '')?.[1]);
    expect(calls, result.steps[2].note).toBeGreaterThan(1);
    expect(result.steps[2].durationMs).toBeGreaterThanOrEqual(500);
    expect(result.steps[5].note).toBe('s3 ListObjectsV2 (as expected after 1 call)');
  });

  it('until: the window ending fails the step with the last response or refusal; a refusal that is not "not yet" fails at once', async () => {
    const run = (steps: string) => runFiles(engineTarget(te), { 'main.yaml': `name: until fails\nsteps:\n${steps}` });
    const empty = await run(`  - aws: { service: sqs, operation: CreateQueue, input: { QueueName: until-empty }, vars: { queueUrl: $.QueueUrl } }
  - aws: { service: sqs, operation: GetQueueAttributes, input: { QueueUrl: "\${queueUrl}", AttributeNames: [ApproximateNumberOfMessages] }, until: { json: { Attributes: { ApproximateNumberOfMessages: "2" } } }, within: 700ms }
`);
    const waited = empty.result.steps[1];
    expect(waited.status).toBe('failed');
    expect(waited.message).toMatch(/^sqs GetQueueAttributes did not answer what was expected within 700 ms \((\d+) calls\); the last response: \{"Attributes":\{"ApproximateNumberOfMessages":"0"\}\}$/);
    expect(Number(/\((\d+) calls\)/.exec(waited.message!)![1])).toBeGreaterThan(1);
    expect(waited.expected).toEqual({ json: { Attributes: { ApproximateNumberOfMessages: '2' } }, within: '700 ms' });
    expect(waited.seen).toMatchObject([{ topic: 'sqs GetQueueAttributes', payload: '{"Attributes":{"ApproximateNumberOfMessages":"0"}}' }]);

    const notThere = await run('  - aws: { service: dynamodb, operation: DescribeTable, input: { TableName: until-never }, until: { json: { Table: { TableStatus: ACTIVE } } }, within: 500ms }\n');
    expect(notThere.result.steps[0].message).toMatch(/^dynamodb DescribeTable did not answer what was expected within 500 ms \(\d+ calls\); the last refusal: the target 'local' refused dynamodb DescribeTable: .*\(ResourceNotFoundException\)$/);

    const invalid = await run(`  - aws: { service: sqs, operation: CreateQueue, input: { QueueName: until-invalid }, vars: { queueUrl: $.QueueUrl } }
  - aws: { service: sqs, operation: ReceiveMessage, input: { QueueUrl: "\${queueUrl}", MaxNumberOfMessages: 11 }, until: { json: { Messages: [] } }, within: 20s }
`);
    expect(invalid.result.steps[1].status).toBe('failed');
    expect(invalid.result.steps[1].message).toMatch(/^the target 'local' refused sqs ReceiveMessage: .*MaxNumberOfMessages/);
    expect(invalid.result.steps[1].durationMs).toBeLessThan(5_000);
  });

  it('refuses, when the scenario loads, within without until and an until that cannot match', async () => {
    await expect(runFiles(engineTarget(te), { 'main.yaml': 'name: bad\nsteps:\n  - aws: { service: sqs, operation: ListQueues, within: 5s }\n' }))
      .rejects.toThrow(/main\.yaml:3:10: aws: within applies only with until/);
    await expect(runFiles(engineTarget(te), { 'main.yaml': 'name: bad\nsteps:\n  - aws: { service: sqs, operation: ListQueues, until: { regex: "(" } }\n' }))
      .rejects.toThrow(/aws until: regex: not a valid RE2 regular expression/);
    await expect(runFiles(engineTarget(te), { 'main.yaml': 'name: bad\nsteps:\n  - aws: { service: sqs, operation: ListQueues, until: { jsn: {} } }\n' }))
      .rejects.toThrow(/main\.yaml:3:/);
  });
});
