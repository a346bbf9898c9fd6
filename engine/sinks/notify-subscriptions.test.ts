import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSinks, type SinkHarness } from '../../test/helpers/sinks.js';

const open: SinkHarness[] = [];
const servers: http.Server[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.close().catch(() => {});
    fs.rmSync(h.dataDir, { recursive: true, force: true });
  }
  for (const s of servers.splice(0)) s.close();
});

const ARN = 'arn:aws:sns:us-east-1:000000000000:';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:';

async function harness(opts: Parameters<typeof openSinks>[0] = {}) {
  const h = await openSinks(opts);
  open.push(h);
  return h;
}

describe('SNS topics and subscriptions (domain)', () => {
  it('CreateTopic is idempotent for the same attributes and refuses different ones; attributes read back as AWS lists them', async () => {
    const { sinks } = await harness();
    const arn = await sinks.topics.topics.createTopic('alerts', { DisplayName: 'Alerts' }, { team: 'ops' });
    expect(arn).toBe(`${ARN}alerts`);
    expect(await sinks.topics.topics.createTopic('alerts', { DisplayName: 'Alerts' })).toBe(arn);
    await expect(sinks.topics.topics.createTopic('alerts', { DisplayName: 'Other' })).rejects.toThrow('Invalid parameter: Attributes Reason: Topic already exists with different attributes');
    await expect(sinks.topics.topics.createTopic('bad name')).rejects.toThrow('Invalid parameter: Topic Name');
    await expect(sinks.topics.topics.createTopic('f.fifo')).rejects.toThrow(/Fifo Topic names must end with .fifo/);
    const attrs = sinks.topics.topics.topicAttributes(arn);
    expect(attrs).toMatchObject({ TopicArn: arn, Owner: '000000000000', DisplayName: 'Alerts', SubscriptionsConfirmed: '0', SubscriptionsPending: '0' });
    expect(JSON.parse(attrs.Policy).Statement[0].Resource).toBe(arn);
    await expect(sinks.topics.topics.setTopicAttribute(arn, 'Nonsense', 'x')).rejects.toThrow('Invalid parameter: AttributeName');
    expect(() => sinks.topics.topics.topicAttributes(`${ARN}missing`)).toThrow('Topic does not exist');
    expect(sinks.list('notify').map((t) => t.name)).toEqual(['alerts']);
  });

  it('delivers to an SQS subscription as the JSON notification, or the bare message with RawMessageDelivery', async () => {
    const { sinks } = await harness();
    await sinks.create('queue', 'envelopes');
    await sinks.create('queue', 'raw');
    const topicArn = await sinks.topics.topics.createTopic('t');
    const sub = await sinks.topics.subscribe(topicArn, 'sqs', `${QUEUE}envelopes`);
    expect(sub).toEqual({ subscriptionArn: expect.stringMatching(new RegExp(`^${ARN}t:[0-9a-f-]{36}$`)), pending: false });
    await sinks.topics.subscribe(topicArn, 'sqs', `${QUEUE}raw`, { RawMessageDelivery: 'true' });
    const attributes = { kind: { DataType: 'String', StringValue: 'temp' } };
    const { messageId } = await sinks.topics.publish('t', 'hello', { subject: 'Hi', attributes });
    const [m] = await sinks.queues.receive('envelopes');
    const envelope = JSON.parse(m.body) as Record<string, unknown>;
    expect(Object.keys(envelope)).toEqual(['Type', 'MessageId', 'TopicArn', 'Subject', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL', 'UnsubscribeURL', 'MessageAttributes']);
    expect(envelope).toMatchObject({
      Type: 'Notification', MessageId: messageId, TopicArn: topicArn, Subject: 'Hi', Message: 'hello', Timestamp: '2026-01-02T03:04:05.000Z',
      SignatureVersion: '1', UnsubscribeURL: expect.stringContaining(encodeURIComponent(sub.subscriptionArn)), MessageAttributes: { kind: { Type: 'String', Value: 'temp' } },
    });
    const [r] = await sinks.queues.receive('raw');
    expect(r.body).toBe('hello');
    expect(r.messageAttributes).toEqual(attributes);
  });

  it('applies filter policies per subscription (attributes and body scope)', async () => {
    const { sinks } = await harness();
    await sinks.create('queue', 'hot');
    await sinks.create('queue', 'eu');
    const topicArn = await sinks.topics.topics.createTopic('t');
    await sinks.topics.subscribe(topicArn, 'sqs', `${QUEUE}hot`, { FilterPolicyScope: 'MessageBody', FilterPolicy: '{"temp":[{"numeric":[">",30]}]}', RawMessageDelivery: 'true' });
    const { subscriptionArn } = await sinks.topics.subscribe(topicArn, 'sqs', `${QUEUE}eu`, { RawMessageDelivery: 'true' });
    await sinks.topics.topics.setSubscriptionAttribute(subscriptionArn, 'FilterPolicy', '{"region":[{"prefix":"eu-"}]}');
    await expect(sinks.topics.topics.setSubscriptionAttribute(subscriptionArn, 'FilterPolicy', '{"region":[{"regex":"x"}]}')).rejects.toThrow('Unrecognized match type regex');
    await sinks.topics.publish('t', '{"temp":20}', { attributes: { region: { DataType: 'String', StringValue: 'us-east-1' } } });
    await sinks.topics.publish('t', '{"temp":35}', { attributes: { region: { DataType: 'String', StringValue: 'eu-west-1' } } });
    expect((await sinks.queues.receive('hot', { maxMessages: 10 })).map((m) => m.body)).toEqual(['{"temp":35}']);
    expect((await sinks.queues.receive('eu', { maxMessages: 10 })).map((m) => m.body)).toEqual(['{"temp":35}']);
    expect(sinks.topics.topics.subscriptionAttributes(subscriptionArn)).toMatchObject({ FilterPolicy: '{"region":[{"prefix":"eu-"}]}', RawMessageDelivery: 'true', PendingConfirmation: 'false' });
  });

  it('sends what an SQS subscription could not take to its RedrivePolicy dead-letter queue', async () => {
    const { sinks } = await harness();
    await sinks.create('queue', 'dlq');
    const topicArn = await sinks.topics.topics.createTopic('t');
    await expect(sinks.topics.subscribe(topicArn, 'sqs', `${QUEUE}gone`, { RedrivePolicy: '{"deadLetterTargetArn":"nope"}' }))
      .rejects.toThrow('deadLetterTargetArn must be an SQS queue ARN');
    await sinks.topics.subscribe(topicArn, 'sqs', `${QUEUE}gone`, { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `${QUEUE}dlq` }) });
    const { messageId } = await sinks.topics.publish('t', 'undeliverable');
    await vi.waitFor(async () => expect(sinks.queues.count('dlq')).toBe(1), { timeout: 5000 }); // a redrive, then a durable send
    const [m] = await sinks.queues.receive('dlq');
    expect(JSON.parse(m.body)).toMatchObject({ Type: 'Notification', MessageId: messageId, Message: 'undeliverable' });
  });

  it('invokes a Lambda subscription with the SNS event', async () => {
    const events: unknown[] = [];
    const { sinks } = await harness({ functions: { invoke: async (name, event) => void events.push({ name, event }) } });
    const topicArn = await sinks.topics.topics.createTopic('t');
    const { subscriptionArn } = await sinks.topics.subscribe(topicArn, 'lambda', 'arn:aws:lambda:us-east-1:000000000000:function:onAlert');
    await sinks.topics.publish('t', 'boom');
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatchObject({
      name: 'onAlert',
      event: { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: subscriptionArn, Sns: { Type: 'Notification', TopicArn: topicArn, Subject: null, Message: 'boom', MessageAttributes: {} } }] },
    });
  });

  it('sends an http subscription its SubscriptionConfirmation, then notifications once confirmed', async () => {
    const got: Array<{ headers: http.IncomingHttpHeaders; body: Record<string, string> }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: JSON.parse(body) });
        res.end();
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sns`;
    const { sinks } = await harness();
    const topicArn = await sinks.topics.topics.createTopic('t');
    const sub = await sinks.topics.subscribe(topicArn, 'http', url);
    expect(sub.pending).toBe(true);
    expect(sinks.topics.topics.listSubscriptions(topicArn)[0].SubscriptionArn).toBe('PendingConfirmation');
    await vi.waitFor(() => expect(got).toHaveLength(1), { timeout: 5000 }); // an HTTP POST, not awaited by subscribe
    const confirmation = got[0].body;
    expect(got[0].headers['x-amz-sns-message-type']).toBe('SubscriptionConfirmation');
    expect(confirmation).toMatchObject({ Type: 'SubscriptionConfirmation', TopicArn: topicArn, Token: expect.stringMatching(/^[0-9a-f]+$/), SubscribeURL: expect.stringContaining('Action=ConfirmSubscription') });
    await sinks.topics.publish('t', 'before confirmation');
    await expect(sinks.topics.topics.confirm(topicArn, 'nope')).rejects.toThrow('Invalid parameter: Token');
    expect(await sinks.topics.topics.confirm(topicArn, confirmation.Token)).toBe(sub.subscriptionArn);
    await sinks.topics.publish('t', 'after confirmation');
    await vi.waitFor(() => expect(got).toHaveLength(2), { timeout: 5000 });
    expect(got[1].body).toMatchObject({ Type: 'Notification', Message: 'after confirmation' });
    expect(got[1].headers).toMatchObject({ 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-subscription-arn': sub.subscriptionArn, 'x-amz-sns-topic-arn': topicArn });
  });

  it('keeps email, sms and application deliveries in the topic inbox', async () => {
    const { sinks } = await harness();
    const topicArn = await sinks.topics.topics.createTopic('t');
    await sinks.topics.subscribe(topicArn, 'email', 'ops@example.com');
    await sinks.topics.subscribe(topicArn, 'email-json', 'dev@example.com');
    await expect(sinks.topics.subscribe(topicArn, 'email', 'not-an-address')).rejects.toThrow('Invalid parameter: Email address');
    await expect(sinks.topics.subscribe(topicArn, 'pigeon', 'x')).rejects.toThrow('Amazon SNS does not support this protocol string: pigeon');
    await sinks.topics.publish('t', 'hello', { subject: 'S' });
    const records = sinks.records('notify', 't').map((r) => r.data as Record<string, unknown>);
    expect(records).toHaveLength(3);
    expect(records.find((d) => (d.delivery as { protocol?: string } | undefined)?.protocol === 'email')).toMatchObject({ message: 'hello', subject: 'S', delivery: { endpoint: 'ops@example.com' } });
    const json = records.find((d) => (d.delivery as { protocol?: string } | undefined)?.protocol === 'email-json');
    expect(JSON.parse(json?.message as string)).toMatchObject({ Type: 'Notification', Message: 'hello' });
  });

  it('refuses what SNS refuses: empty and oversized messages, bad attributes, FIFO without a group', async () => {
    const { sinks } = await harness();
    await sinks.topics.topics.createTopic('t');
    await expect(sinks.topics.publish('t', '')).rejects.toThrow('Invalid parameter: Empty message');
    await expect(sinks.topics.publish('t', 'x'.repeat(262_145))).rejects.toThrow('Invalid parameter: Message too long');
    await expect(sinks.topics.publish('t', 'm', { attributes: { n: { DataType: 'Number', StringValue: 'abc' } } })).rejects.toThrow(/must contain a numeric value/);
    await sinks.topics.topics.createTopic('f.fifo', { FifoTopic: 'true', ContentBasedDeduplication: 'true' });
    await expect(sinks.topics.publish('f.fifo', 'm')).rejects.toThrow(/MessageGroupId parameter is required/);
    const a = await sinks.topics.publish('f.fifo', 'm', { messageGroupId: 'g' });
    const b = await sinks.topics.publish('f.fifo', 'm', { messageGroupId: 'g' });
    expect(b.messageId).toBe(a.messageId);
    expect(a.sequenceNumber).toMatch(/^\d{20}$/);
  });

  it('keeps topics, attributes and subscriptions across a restart; Unsubscribe counts as deleted', async () => {
    const h = await harness();
    const topicArn = await h.sinks.topics.topics.createTopic('t', { DisplayName: 'T' });
    const { subscriptionArn } = await h.sinks.topics.subscribe(topicArn, 'mqtt', 'alerts/out');
    await h.sinks.topics.subscribe(topicArn, 'desktop', undefined);
    open.splice(0);
    const again = await h.reopen();
    open.push(again);
    expect(again.sinks.topics.topics.listSubscriptions().map((s) => s.Protocol)).toEqual(['mqtt', 'desktop']);
    await again.sinks.topics.topics.unsubscribe(subscriptionArn);
    expect(again.sinks.topics.topics.topicAttributes(topicArn)).toMatchObject({ DisplayName: 'T', SubscriptionsConfirmed: '1', SubscriptionsDeleted: '1' });
    expect(() => again.sinks.topics.topics.subscriptionAttributes(subscriptionArn)).toThrow('Subscription does not exist');
  });
});
