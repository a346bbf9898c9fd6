import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTopicCommand, SetSubscriptionAttributesCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsClients, checkKind, type CheckContext } from '../../engine/labs/checks/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';

let te: TestEngine;
let clients: AwsClients;
let ctx: CheckContext;
beforeAll(async () => {
  te = await startTestEngine();
  const target = engineTarget(te);
  clients = new AwsClients(target);
  ctx = { target, clients, since: 0, now: Date.now(), messages: async () => [] };
});
afterAll(async () => {
  clients.destroy();
  await te.stop();
});

const arn = (service: string, name: string) => `arn:aws:${service}:us-east-1:000000000000:${name}`;

describe('the subscription check', () => {
  it('names what is missing: the topic, any subscription, the right endpoint, an attribute; done when all hold', async () => {
    const check = (args: Record<string, unknown>) => checkKind('subscription')!.check(ctx, args);
    const want = { topic: arn('sns', 'alerts'), protocol: 'sqs', endpoint: arn('sqs', 'alerts-q'), attributes: { RawMessageDelivery: 'true' } };
    expect(await check(want)).toEqual({ status: 'missing', reason: `there is no SNS topic alerts (${arn('sns', 'alerts')})` });

    const config = { endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    await sns.send(new CreateTopicCommand({ Name: 'alerts' }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'alerts-q' }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'other-q' }));
    expect(await check(want)).toEqual({ status: 'missing', reason: `the SNS topic alerts has no subscriptions (expected sqs to ${arn('sqs', 'alerts-q')})` });

    await sns.send(new SubscribeCommand({ TopicArn: want.topic, Protocol: 'sqs', Endpoint: arn('sqs', 'other-q') }));
    expect(await check(want)).toEqual({ status: 'missing', reason: `the SNS topic alerts has one subscription, sqs to ${arn('sqs', 'other-q')}, none sqs to ${arn('sqs', 'alerts-q')}` });

    const sub = await sns.send(new SubscribeCommand({ TopicArn: want.topic, Protocol: 'sqs', Endpoint: want.endpoint, ReturnSubscriptionArn: true }));
    expect(await check(want)).toEqual({ status: 'missing', reason: `the subscription of the SNS topic alerts sqs to ${arn('sqs', 'alerts-q')} has RawMessageDelivery "false" (expected "true")` });
    expect(await check({ topic: want.topic, protocol: 'sqs', endpoint: want.endpoint })).toEqual({ status: 'done', reason: `the SNS topic alerts delivers sqs to ${arn('sqs', 'alerts-q')}` });

    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn, AttributeName: 'RawMessageDelivery', AttributeValue: 'true' }));
    expect(await check(want)).toEqual({ status: 'done', reason: `the SNS topic alerts delivers sqs to ${arn('sqs', 'alerts-q')} with RawMessageDelivery true` });
    sns.destroy();
    sqs.destroy();
  });

  it('is in the lab schema, with its arguments checked when a lab loads', () => {
    expect(checkKind('subscription')?.schema).toMatchObject({ required: ['topic'], properties: { topic: { pattern: '^arn:' } } });
  });
});
