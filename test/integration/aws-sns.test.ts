/**
 * SNS on the engine's endpoint, through the AWS SDK v3 client and Debian's AWS CLI v2, unchanged but for the
 * endpoint: topics, subscriptions into local queues (the JSON notification, or raw), filter policies (a filtered-out
 * message proved absent by a matching one sent after it), an http endpoint that confirms by fetching SubscribeURL and
 * then receives notifications with SNS's headers, a Lambda subscription, a rule's `sns` action publishing to the same
 * topic, and AWS's errors.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CreateTopicCommand, DeleteTopicCommand, GetSubscriptionAttributesCommand, GetTopicAttributesCommand, InvalidParameterException,
  ListSubscriptionsByTopicCommand, ListTagsForResourceCommand, ListTopicsCommand, NotFoundException, PublishBatchCommand, PublishCommand,
  paginateListTopics, SetSubscriptionAttributesCommand, SetTopicAttributesCommand, SNSClient, SubscribeCommand, TagResourceCommand, UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { strToU8, zipSync } from 'fflate';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';

let tb: TestEngine;
let sns: SNSClient;
let sqs: SQSClient;
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

beforeAll(async () => {
  tb = await startTestEngine();
  sns = new SNSClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
  sqs = new SQSClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
});
afterAll(() => tb.stop());

/** Bodies in a local queue, oldest first (read through the UI contract: the queue's records). */
async function queueBodies(queue: string): Promise<string[]> {
  const records = await tb.engine.api.sinks.records('queue', queue, { limit: 100 });
  return records.reverse().map((r) => (r.data as { body: string }).body);
}

describe('SNS through the AWS SDK v3 client', () => {
  it('creates topics idempotently, lists them, reads and sets attributes, tags them and deletes them', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'sdk-topic', Attributes: { DisplayName: 'SDK' }, Tags: [{ Key: 'team', Value: 'ops' }] }));
    expect(TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:sdk-topic');
    expect((await sns.send(new CreateTopicCommand({ Name: 'sdk-topic', Attributes: { DisplayName: 'SDK' } }))).TopicArn).toBe(TopicArn);
    await expect(sns.send(new CreateTopicCommand({ Name: 'sdk-topic', Attributes: { DisplayName: 'Other' } })))
      .rejects.toSatisfy((e: Error) => e instanceof InvalidParameterException && e.message === 'Invalid parameter: Attributes Reason: Topic already exists with different attributes');
    expect((await sns.send(new ListTopicsCommand({}))).Topics).toContainEqual({ TopicArn });
    await sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'DisplayName', AttributeValue: 'Renamed' }));
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    expect(Attributes).toMatchObject({ TopicArn, DisplayName: 'Renamed', Owner: '000000000000', SubscriptionsConfirmed: '0' });
    await sns.send(new TagResourceCommand({ ResourceArn: TopicArn, Tags: [{ Key: 'env', Value: 'lab' }] }));
    expect((await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags).toEqual([{ Key: 'team', Value: 'ops' }, { Key: 'env', Value: 'lab' }]);
    // The topic is the notification sink the UI shows.
    expect((await tb.engine.api.sinks.list('notify')).map((s) => s.arn)).toContain(TopicArn);
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    await expect(sns.send(new GetTopicAttributesCommand({ TopicArn })))
      .rejects.toSatisfy((e: Error) => e instanceof NotFoundException && e.message === 'Topic does not exist');
  });

  it('delivers to an SQS subscription as the JSON notification, and the bare message with RawMessageDelivery (read with the SQS client)', async () => {
    const queue = async (QueueName: string) => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      return { url: QueueUrl!, arn: Attributes!.QueueArn! };
    };
    const envelopes = await queue('sns-envelopes');
    const raw = await queue('sns-raw');
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'readings' }));
    const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: envelopes.arn }));
    expect(SubscriptionArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:readings:[0-9a-f-]{36}$/);
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: raw.arn, Attributes: { RawMessageDelivery: 'true' } }));
    const { MessageId } = await sns.send(new PublishCommand({
      TopicArn, Message: '{"temp":21}', Subject: 'Reading', MessageAttributes: { device: { DataType: 'String', StringValue: 'dev-1' } },
    }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: envelopes.url, WaitTimeSeconds: 1 }));
    const envelope = JSON.parse(received.Messages![0].Body!) as Record<string, unknown>;
    expect(Object.keys(envelope)).toEqual(['Type', 'MessageId', 'TopicArn', 'Subject', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL', 'UnsubscribeURL', 'MessageAttributes']);
    expect(envelope).toMatchObject({
      Type: 'Notification', MessageId, TopicArn, Subject: 'Reading', Message: '{"temp":21}', SignatureVersion: '1',
      UnsubscribeURL: `${tb.httpUrl}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(SubscriptionArn!)}`,
      MessageAttributes: { device: { Type: 'String', Value: 'dev-1' } },
    });
    // The signature checks out against the certificate at SigningCertURL (the engine's, not AWS's).
    const cert = await (await fetch(envelope.SigningCertURL as string)).text();
    const canonical = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'].map((k) => `${k}\n${envelope[k] as string}\n`).join('');
    expect(crypto.verify('RSA-SHA1', Buffer.from(canonical), new crypto.X509Certificate(cert).publicKey, Buffer.from(envelope.Signature as string, 'base64'))).toBe(true);
    const rawMessage = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: raw.url, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }))).Messages![0];
    expect(rawMessage.Body).toBe('{"temp":21}');
    expect(rawMessage.MessageAttributes).toEqual({ device: { DataType: 'String', StringValue: 'dev-1' } });
    const attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes;
    expect(attrs).toMatchObject({ SubscriptionArn, TopicArn, Protocol: 'sqs', Endpoint: envelopes.arn, RawMessageDelivery: 'false', PendingConfirmation: 'false' });
    // The UnsubscribeURL works as on AWS.
    const res = await fetch(envelope.UnsubscribeURL as string);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<UnsubscribeResponse');
    expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions?.map((s) => s.Endpoint)).toEqual([raw.arn]);
  });

  it('filters by message attributes and by body; a filtered-out message is absent once a later matching one arrived', async () => {
    await tb.engine.api.sinks.create('queue', 'sns-filtered');
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'filtered' }));
    const { SubscriptionArn } = await sns.send(new SubscribeCommand({
      TopicArn, Protocol: 'sqs', Endpoint: queueArn('sns-filtered'),
      Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ severity: ['high', { prefix: 'crit' }], temp: [{ numeric: ['>=', 30] }] }) },
    }));
    const publish = (Message: string, severity: string, temp: number) => sns.send(new PublishCommand({
      TopicArn, Message, MessageAttributes: { severity: { DataType: 'String', StringValue: severity }, temp: { DataType: 'Number', StringValue: String(temp) } },
    }));
    await publish('low severity', 'low', 40);
    await publish('too cold', 'high', 10);
    await publish('match 1', 'critical', 35);
    expect(await queueBodies('sns-filtered')).toEqual(['match 1']);
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: 'FilterPolicyScope', AttributeValue: 'MessageBody' }));
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: '{"reading":{"temp":[{"numeric":[">",30]}]}}' }));
    await sns.send(new PublishCommand({ TopicArn, Message: '{"reading":{"temp":12}}' }));
    await sns.send(new PublishCommand({ TopicArn, Message: '{"reading":{"temp":31}}' }));
    expect(await queueBodies('sns-filtered')).toEqual(['match 1', '{"reading":{"temp":31}}']);
    await expect(sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: '{"a":[{"wildcard":"x"}]}' })))
      .rejects.toSatisfy((e: Error) => e instanceof InvalidParameterException && /Invalid parameter: FilterPolicy: Unrecognized match type wildcard/.test(e.message));
  });

  it('confirms an http endpoint that fetches its SubscribeURL, then POSTs notifications with SNS headers', async () => {
    const got: Array<{ headers: http.IncomingHttpHeaders; body: Record<string, string> }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', async () => {
        const message = JSON.parse(body) as Record<string, string>;
        got.push({ headers: req.headers, body: message });
        // What a web app written for AWS does with a confirmation.
        if (message.Type === 'SubscriptionConfirmation') await fetch(message.SubscribeURL);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sns`;
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'webhooks' }));
      const sub = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: endpoint }));
      expect(sub.SubscriptionArn).toBe('pending confirmation');
      await vi.waitFor(async () => {
        const subs = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions ?? [];
        expect(subs[0]?.SubscriptionArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:webhooks:/);
      });
      expect(got[0].headers['x-amz-sns-message-type']).toBe('SubscriptionConfirmation');
      expect(got[0].body).toMatchObject({ Type: 'SubscriptionConfirmation', TopicArn, SubscribeURL: expect.stringMatching(new RegExp(`^${tb.httpUrl}/\\?Action=ConfirmSubscription&`)) });
      const { MessageId } = await sns.send(new PublishCommand({ TopicArn, Message: 'hello endpoint', Subject: 'S' }));
      await vi.waitFor(() => expect(got).toHaveLength(2));
      expect(got[1].headers).toMatchObject({
        'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': MessageId, 'x-amz-sns-topic-arn': TopicArn,
        'x-amz-sns-subscription-arn': expect.stringMatching(/:webhooks:/), 'content-type': 'text/plain; charset=UTF-8', 'user-agent': 'Amazon Simple Notification Service Agent',
      });
      expect(got[1].body).toMatchObject({ Type: 'Notification', MessageId, Message: 'hello endpoint', Subject: 'S' });
    } finally {
      server.close();
    }
  });

  it('invokes a Lambda subscription with the SNS event', async () => {
    fs.mkdirSync(path.join(tb.dataDir, 'functions'), { recursive: true });
    fs.writeFileSync(path.join(tb.dataDir, 'functions', 'snsEcho.js'), `export const handler = async (event, context) => {
      await context.sdk.publish('snsout/echo', event);
      return 'ok';
    };\n`);
    const reader = await connect(tb.mqttPort, { clientId: 'sns-lambda-reader' });
    try {
      await reader.subscribeAsync('snsout/#');
      const arrived = new Promise<Record<string, any>>((resolve) => reader.once('message', (_t, p) => resolve(JSON.parse(p.toString()))));
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'to-lambda' }));
      const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:snsEcho' }));
      const { MessageId } = await sns.send(new PublishCommand({ TopicArn, Message: 'for the function' }));
      const event = await arrived;
      expect(event).toMatchObject({
        Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: SubscriptionArn, Sns: { Type: 'Notification', MessageId, TopicArn, Message: 'for the function', Subject: null } }],
      });
    } finally {
      await reader.endAsync();
    }
  });

  it('invokes a function made with Lambda\'s CreateFunction, whose log group shows the SNS message', async () => {
    const lambda = new LambdaClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
    const logs = new CloudWatchLogsClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
    try {
      const code = 'exports.handler = async (event) => { console.log("got " + event.Records[0].Sns.Message + " from " + event.Records[0].EventSource); };\n';
      await lambda.send(new CreateFunctionCommand({
        FunctionName: 'snsZip', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/fn', Code: { ZipFile: zipSync({ 'index.js': strToU8(code) }) },
      }));
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'to-zip-lambda' }));
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:snsZip' }));
      await sns.send(new PublishCommand({ TopicArn, Message: 'zipped hello' }));
      await vi.waitFor(async () => {
        const { events } = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/snsZip', filterPattern: '"got zipped hello from aws:sns"' }));
        expect(events ?? []).toHaveLength(1);
      }, { timeout: 10_000, interval: 100 });
    } finally {
      lambda.destroy();
      logs.destroy();
    }
  });

  it('publishes a rule\'s sns action to the topic the API made', async () => {
    await tb.engine.api.sinks.create('queue', 'sns-from-rule');
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'from-rule' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn('sns-from-rule'), Attributes: { RawMessageDelivery: 'true' } }));
    await tb.engine.api.rules.put('sns_rule', { sql: "SELECT * FROM 'sns/in'", awsIotSqlVersion: '2016-03-23', actions: [{ sns: { targetArn: TopicArn!, roleArn: 'arn:aws:iam::000000000000:role/r' } }] });
    const device = await connect(tb.mqttPort, { clientId: 'sns-rule-device' });
    try {
      await device.publishAsync('sns/in', '{"v":1}', { qos: 1 });
      await vi.waitFor(async () => expect(await queueBodies('sns-from-rule')).toEqual(['{"v":1}']), { timeout: 5000 });
    } finally {
      await device.endAsync();
    }
  });

  it('pages ListTopics by 100 with NextToken, which the SDK paginator follows', async () => {
    for (let i = 0; i < 101; i++) await sns.send(new CreateTopicCommand({ Name: `page-${String(i).padStart(3, '0')}` }));
    const first = await sns.send(new ListTopicsCommand({}));
    expect(first.Topics).toHaveLength(100);
    expect(first.NextToken).toEqual(expect.any(String));
    const all: string[] = [];
    for await (const page of paginateListTopics({ client: sns }, {})) all.push(...(page.Topics ?? []).map((t) => t.TopicArn!));
    expect(all.filter((a) => a.includes(':page-'))).toHaveLength(101);
    expect(new Set(all).size).toBe(all.length);
    await expect(sns.send(new ListTopicsCommand({ NextToken: 'bogus' })))
      .rejects.toSatisfy((e: Error) => e instanceof InvalidParameterException && e.message === 'Invalid parameter: NextToken');
  });

  it('answers PublishBatch per entry and refuses what SNS refuses', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'batch' }));
    const out = await sns.send(new PublishBatchCommand({
      TopicArn, PublishBatchRequestEntries: [{ Id: 'a', Message: 'one' }, { Id: 'b', Message: 'two', MessageAttributes: { n: { DataType: 'Number', StringValue: 'x' } } }],
    }));
    expect(out.Successful).toEqual([{ Id: 'a', MessageId: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
    expect(out.Failed).toEqual([{ Id: 'b', Code: 'ParameterValueInvalid', SenderFault: true, Message: expect.stringContaining('numeric value') }]);
    await expect(sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: [{ Id: 'a', Message: '1' }, { Id: 'a', Message: '2' }] })))
      .rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinctException' });
    await expect(sns.send(new PublishCommand({ TopicArn, Message: 'x'.repeat(262_145) })))
      .rejects.toSatisfy((e: Error) => e instanceof InvalidParameterException && e.message === 'Invalid parameter: Message too long');
    await expect(sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope', Message: 'm' })))
      .rejects.toSatisfy((e: Error) => e instanceof NotFoundException && e.message === 'Topic does not exist');
    await expect(sns.send(new SubscribeCommand({ TopicArn, Protocol: 'carrier-pigeon', Endpoint: 'x' })))
      .rejects.toSatisfy((e: Error) => e instanceof InvalidParameterException && e.message === 'Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon');
    await expect(sns.send(new UnsubscribeCommand({ SubscriptionArn: `${TopicArn}:00000000-0000-0000-0000-000000000000` })))
      .rejects.toSatisfy((e: Error) => e instanceof NotFoundException && e.message === 'Subscription does not exist');
  });
});

describeAwsCli('SNS through /usr/bin/aws', () => {
  it('creates a topic, subscribes a queue, publishes with attributes and reads the envelope back with aws sqs receive-message', async () => {
    const cli = (args: string[]) => awsCliJson(args, { endpoint: tb.httpUrl, credentials });
    const { QueueUrl } = await cli(['sqs', 'create-queue', '--queue-name', 'cli-queue']);
    const { TopicArn } = await cli(['sns', 'create-topic', '--name', 'cli-topic', '--attributes', 'DisplayName=CLI']);
    expect(TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:cli-topic');
    const { SubscriptionArn } = await cli(['sns', 'subscribe', '--topic-arn', TopicArn, '--protocol', 'sqs', '--notification-endpoint', queueArn('cli-queue')]);
    expect((await cli(['sns', 'list-subscriptions'])).Subscriptions).toContainEqual(expect.objectContaining({ SubscriptionArn, Protocol: 'sqs', TopicArn }));
    const { MessageId } = await cli(['sns', 'publish', '--topic-arn', TopicArn, '--message', 'from the CLI', '--message-attributes', '{"k":{"DataType":"String","StringValue":"v"}}']);
    const { Messages } = await cli(['sqs', 'receive-message', '--queue-url', QueueUrl, '--wait-time-seconds', '1']);
    const envelope = JSON.parse(Messages[0].Body) as Record<string, unknown>;
    expect(envelope).toMatchObject({ Type: 'Notification', MessageId, TopicArn, Message: 'from the CLI', MessageAttributes: { k: { Type: 'String', Value: 'v' } } });
    expect((await cli(['sns', 'get-topic-attributes', '--topic-arn', TopicArn])).Attributes).toMatchObject({ DisplayName: 'CLI', SubscriptionsConfirmed: '1' });
    // A message per protocol, and a batch with an entry SNS refuses.
    await cli(['sns', 'publish', '--topic-arn', TopicArn, '--message-structure', 'json', '--message', '{"default":"for anyone","sqs":"for queues"}']);
    const batch = await cli(['sns', 'publish-batch', '--topic-arn', TopicArn, '--publish-batch-request-entries',
      'Id=ok,Message=batched', 'Id=bad,Message=m,MessageAttributes={n={DataType=Number,StringValue=x}}']);
    expect(batch.Successful).toEqual([{ Id: 'ok', MessageId: expect.any(String) }]);
    expect(batch.Failed).toEqual([expect.objectContaining({ Id: 'bad', Code: 'ParameterValueInvalid', SenderFault: true })]);
    const more = await cli(['sqs', 'receive-message', '--queue-url', QueueUrl, '--max-number-of-messages', '10', '--wait-time-seconds', '1']);
    expect(more.Messages.map((m: { Body: string }) => (JSON.parse(m.Body) as { Message: string }).Message).sort()).toEqual(['batched', 'for queues']);
    const missing = await runAwsCli(['sns', 'get-topic-attributes', '--topic-arn', 'arn:aws:sns:us-east-1:000000000000:missing'], { endpoint: tb.httpUrl, credentials });
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('An error occurred (NotFound) when calling the GetTopicAttributes operation: Topic does not exist');
  });
});
