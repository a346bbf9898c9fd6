/**
 * Amazon SQS on the engine's endpoint, through the real clients: `@aws-sdk/client-sqs` (JSON protocol; its MD5
 * checks of bodies and attributes run on every send and receive) and Debian's AWS CLI 2.9 (query protocol). The
 * queue the API serves is the queue a rule's `sqs` action writes to and the UI contract reads.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageBatchCommand, DeleteMessageCommand, DeleteQueueCommand,
  GetQueueAttributesCommand, GetQueueUrlCommand, ListDeadLetterSourceQueuesCommand, ListQueuesCommand, ListQueueTagsCommand,
  PurgeQueueCommand, QueueDoesNotExist, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SetQueueAttributesCommand,
  SQSClient, TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { startCli } from './helpers/cli-process.js';

let tb: TestEngine;
let sqs: SQSClient;
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

beforeAll(async () => {
  tb = await startTestEngine();
  sqs = new SQSClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
});
afterAll(async () => {
  sqs?.destroy();
  await tb.stop();
});

const create = async (QueueName: string, Attributes?: Record<string, string>) => (await sqs.send(new CreateQueueCommand({ QueueName, Attributes }))).QueueUrl!;
const failure = <T>(p: Promise<T>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);

describe('SQS through the SDK v3 client (JSON protocol)', () => {
  it('creates a queue at the engine\'s URL, finds it by name and by an AWS-form URL, sends, receives and deletes', async () => {
    const url = await create('orders');
    expect(url).toBe(`${tb.httpUrl}/000000000000/orders`);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }))).QueueUrl).toBe(url);
    const sent = await sqs.send(new SendMessageCommand({
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/orders', MessageBody: '{"id":1}',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'order' }, blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) } },
    }));
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
    expect(Messages).toHaveLength(1);
    const [m] = Messages!;
    expect(m).toMatchObject({ MessageId: sent.MessageId, Body: '{"id":1}', MessageAttributes: { kind: { DataType: 'String', StringValue: 'order' } } });
    expect(Buffer.from(m.MessageAttributes!.blob.BinaryValue!)).toEqual(Buffer.from([1, 2, 3]));
    expect(m.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: '000000000000' });
    expect(Number(m.Attributes!.SentTimestamp)).toBeGreaterThan(0);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:orders', ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0',
      VisibilityTimeout: '30', MaximumMessageSize: '262144', MessageRetentionPeriod: '345600', DelaySeconds: '0', ReceiveMessageWaitTimeSeconds: '0',
    });
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'ord' }))).QueueUrls).toEqual([url]);
  });

  it('answers a missing queue with QueueDoesNotExist (query code AWS.SimpleQueueService.NonExistentQueue)', async () => {
    const err = await failure(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' })));
    expect(err).toBeInstanceOf(QueueDoesNotExist);
    expect(err.message).toBe('The specified queue does not exist.');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    const send = await failure(sqs.send(new SendMessageCommand({ QueueUrl: `${tb.httpUrl}/000000000000/nope`, MessageBody: 'x' })));
    expect(send.name).toBe('QueueDoesNotExist');
  });

  it('keeps a FIFO queue in order per message group, holds a group while one of it is in flight, and deduplicates', async () => {
    const url = await create('steps.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    for (const [g, body] of [['a', 'a1'], ['b', 'b1'], ['a', 'a2'], ['a', 'a3'], ['b', 'b2']]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: g }));
    }
    const dup = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a1', MessageGroupId: 'a' }));
    expect(dup.SequenceNumber).toMatch(/^\d{20}$/);
    const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, MessageSystemAttributeNames: ['All'] }))).Messages!;
    expect(first.map((m) => m.Body)).toEqual(['a1']);
    expect(first[0].Attributes).toMatchObject({ MessageGroupId: 'a', SequenceNumber: dup.SequenceNumber });
    // a1 in flight: group a waits; b goes on in its own order.
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages!.map((m) => m.Body)).toEqual(['b1', 'b2']);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first[0].ReceiptHandle }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages!.map((m) => m.Body)).toEqual(['a2', 'a3']);
    const err = await failure(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));
    expect(err.name).toBe('MissingParameter');
    expect(err.message).toBe('The request must contain the parameter MessageGroupId.');
  });

  it('answers a long poll as soon as a send gives it a message, not at the end of its wait', async () => {
    const url = await create('lp');
    const started = performance.now();
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(empty.Messages).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    const waits = () => tb.logs.filter((l) => l.source === 'sinks.queue' && l.message.startsWith('a receive on lp waits')).length;
    const before = waits();
    let answeredAt = 0;
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 })).then((r) => {
      answeredAt = performance.now();
      return r;
    });
    const sender = new SQSClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
    await sender.send(new GetQueueUrlCommand({ QueueName: 'lp' })); // its connection is open before the timing starts
    await vi.waitFor(() => expect(waits()).toBe(before + 1), { timeout: 5000, interval: 5 });
    await sender.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const sentAt = performance.now(); // the send is acknowledged
    const got = await polling;
    sender.destroy();
    expect(got.Messages!.map((m) => m.Body)).toEqual(['wake up']);
    // The poll was woken by the send, not by its 20-s timer. Between the two lie the receive's own durable write and an
    // HTTP answer (about 10 ms here when idle), so the bound leaves room for a loaded machine.
    expect(answeredAt - sentAt).toBeLessThan(1000);
  });

  it('ends a long poll whose client went away, so it takes no message', async () => {
    const url = await create('gone');
    const logged = (start: string) => tb.logs.filter((l) => l.source === 'sinks.queue' && l.message.startsWith(start)).length;
    const client = new AbortController();
    const abandoned = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }), { abortSignal: client.signal }).catch((e: Error) => e);
    await vi.waitFor(() => expect(logged('a receive on gone waits')).toBe(1), { timeout: 5000, interval: 5 });
    client.abort();
    expect(await abandoned).toBeInstanceOf(Error);
    await vi.waitFor(() => expect(logged('a receive on gone ended: its client went away')).toBe(1), { timeout: 5000, interval: 5 });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'for the next receive' }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages!.map((m) => m.Body)).toEqual(['for the next receive']);
  });

  it('hides a message for the visibility timeout, changes it, and moves it to the dead-letter queue after maxReceiveCount', async () => {
    const dlqUrl = await create('work-dlq');
    const url = await create('work', {
      VisibilityTimeout: '0', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:work-dlq', maxReceiveCount: '2' }),
    });
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }))).Attributes).toEqual({
      RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:work-dlq","maxReceiveCount":2}',
    });
    expect((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls).toEqual([url]);
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    const r1 = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 60 }))).Messages!;
    expect(r1).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined(); // hidden for 60 s
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: r1[0].ReceiptHandle, VisibilityTimeout: 0 }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toHaveLength(1); // second receive
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined(); // third: redriven
    const dead = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }))).Messages!;
    expect(dead.map((m) => [m.MessageId, m.Body])).toEqual([[MessageId, 'poison']]);
    const notInflight = await failure(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: r1[0].ReceiptHandle, VisibilityTimeout: 5 })));
    expect(notInflight.name).toBe('InvalidParameterValue');
    const badReceipt = await failure(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'made-up' })));
    expect(badReceipt.name).toBe('ReceiptHandleIsInvalid');
  });

  it('answers batches entry by entry, and refuses the batch as AWS does', async () => {
    const url = await create('batch');
    const out = await sqs.send(new SendMessageBatchCommand({
      QueueUrl: url, Entries: [{ Id: 'ok', MessageBody: 'fine' }, { Id: 'bad', MessageBody: 'bell\u0007' }, { Id: 'late', MessageBody: 'later', DelaySeconds: 5 }],
    }));
    expect(out.Successful!.map((e) => e.Id)).toEqual(['ok', 'late']);
    expect(out.Failed).toEqual([expect.objectContaining({ Id: 'bad', Code: 'InvalidMessageContents', SenderFault: true })]);
    const repeated = await failure(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'x', MessageBody: '1' }, { Id: 'x', MessageBody: '2' }] })));
    expect(repeated.name).toBe('BatchEntryIdsNotDistinct');
    const many = await failure(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' })) })));
    expect(many.name).toBe('TooManyEntriesInBatchRequest');
    expect(many.message).toBe('Maximum number of entries per request are 10. You have sent 11.');
    const long = await failure(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'x'.repeat(200_000) }, { Id: 'b', MessageBody: 'y'.repeat(100_000) }] })));
    expect(long.name).toBe('BatchRequestTooLong');
    const empty = await failure(sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [] })));
    expect(empty.name).toBe('EmptyBatchRequest');
    const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages!;
    expect(got.map((m) => m.Body)).toEqual(['fine']);
    const del = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'd1', ReceiptHandle: got[0].ReceiptHandle }, { Id: 'd2', ReceiptHandle: 'junk' }] }));
    expect(del.Successful!.map((e) => e.Id)).toEqual(['d1']);
    expect(del.Failed).toEqual([expect.objectContaining({ Id: 'd2', Code: 'ReceiptHandleIsInvalid' })]);
  });

  it('refuses an oversized message and unknown attributes; configures, tags, purges and deletes a queue', async () => {
    const url = await create('misc');
    const big = await failure(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(262_145) })));
    expect(big.name).toBe('InvalidParameterValue');
    expect(big.message).toBe('One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.');
    const unknown = await failure(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { ContentBasedDeduplication: 'true' } })));
    expect(unknown.name).toBe('InvalidAttributeName');
    const value = await failure(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '99999' } })));
    expect(value.name).toBe('InvalidAttributeValue');
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '45', DelaySeconds: '1' } }));
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout', 'DelaySeconds'] }))).Attributes)
      .toEqual({ VisibilityTimeout: '45', DelaySeconds: '1' });
    const exists = await failure(sqs.send(new CreateQueueCommand({ QueueName: 'misc', Attributes: { VisibilityTimeout: '10' } })));
    expect(exists.name).toBe('QueueNameExists');
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'lab' } }));
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags).toEqual({ team: 'lab' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'soon gone' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect((await failure(sqs.send(new PurgeQueueCommand({ QueueUrl: url })))).name).toBe('PurgeQueueInProgress');
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }))).Attributes)
      .toEqual({ ApproximateNumberOfMessagesDelayed: '0' });
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    expect((await failure(sqs.send(new GetQueueUrlCommand({ QueueName: 'misc' })))).name).toBe('QueueDoesNotExist');
  });

  it('lists queues by prefix, a page at a time with MaxResults and NextToken', async () => {
    for (const n of ['page-c', 'page-a', 'page-b']) await create(n);
    const one = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2 }));
    expect(one.QueueUrls).toEqual([`${tb.httpUrl}/000000000000/page-a`, `${tb.httpUrl}/000000000000/page-b`]);
    const two = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'page-', MaxResults: 2, NextToken: one.NextToken }));
    expect(two.QueueUrls).toEqual([`${tb.httpUrl}/000000000000/page-c`]);
    expect(two.NextToken).toBeUndefined();
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'page-' }))).QueueUrls).toHaveLength(3);
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'none-such' }))).QueueUrls).toBeUndefined();
    const bad = await failure(sqs.send(new ListQueuesCommand({ MaxResults: 1001 })));
    expect(bad.name).toBe('InvalidParameterValue');
  });

  it("is the queue a rule's sqs action writes into", async () => {
    const url = await create('from-rule');
    await tb.engine.api.rules.put('to_sqs', {
      sql: "SELECT temp FROM 'sensors/+/temp'", awsIotSqlVersion: '2016-03-23',
      actions: [{ sqs: { queueUrl: url, roleArn: 'arn:aws:iam::000000000000:role/rules' } }],
    });
    const device = await connect(tb.mqttPort, { clientId: 'sqs-rule-device' });
    await device.publishAsync('sensors/s1/temp', JSON.stringify({ temp: 21.5, other: 1 }), { qos: 1 });
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    await device.endAsync();
    expect(got.Messages!.map((m) => JSON.parse(m.Body!))).toEqual([{ temp: 21.5 }]);
    expect((await tb.engine.api.sinks.list('queue')).map((q) => q.name)).toContain('from-rule');
  });
});

describe('SQS durability', () => {
  it('keeps every acknowledged SendMessage, and the FIFO deduplication window, across kill -9', async () => {
    const dataDir = tempDir('tb-sqs-crash-');
    const first = await startCli(dataDir);
    const client = new SQSClient({ endpoint: first.httpUrl, region: 'us-east-1', credentials });
    const url = (await client.send(new CreateQueueCommand({ QueueName: 'durable' }))).QueueUrl!;
    const fifoUrl = (await client.send(new CreateQueueCommand({ QueueName: 'durable.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
    const bodies = Array.from({ length: 25 }, (_, i) => `m${i}`);
    for (const MessageBody of bodies) await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody }));
    const once = await client.send(new SendMessageCommand({ QueueUrl: fifoUrl, MessageBody: 'once', MessageGroupId: 'g', MessageDeduplicationId: 'd-1' }));
    client.destroy();
    await first.kill9();

    const second = await startCli(dataDir);
    const again = new SQSClient({ endpoint: second.httpUrl, region: 'us-east-1', credentials });
    try {
      const url2 = (await again.send(new GetQueueUrlCommand({ QueueName: 'durable' }))).QueueUrl!;
      const fifo2 = (await again.send(new GetQueueUrlCommand({ QueueName: 'durable.fifo' }))).QueueUrl!;
      const received: string[] = [];
      for (;;) {
        const { Messages } = await again.send(new ReceiveMessageCommand({ QueueUrl: url2, MaxNumberOfMessages: 10 }));
        if (!Messages) break;
        received.push(...Messages.map((m) => m.Body!));
      }
      expect(received.sort()).toEqual([...bodies].sort());
      const repeat = await again.send(new SendMessageCommand({ QueueUrl: fifo2, MessageBody: 'once', MessageGroupId: 'g', MessageDeduplicationId: 'd-1' }));
      expect(repeat.MessageId).toBe(once.MessageId);
      expect((await again.send(new GetQueueAttributesCommand({ QueueUrl: fifo2, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes)
        .toEqual({ ApproximateNumberOfMessages: '1' });
    } finally {
      again.destroy();
      await second.kill9();
    }
  });
});

describeAwsCli('SQS through the AWS CLI (query protocol)', () => {
  const cli = (args: string[]) => awsCliJson(['sqs', ...args], { endpoint: tb.httpUrl, credentials });

  it('creates a queue, sends, receives and deletes a message', async () => {
    const { QueueUrl } = await cli(['create-queue', '--queue-name', 'cli-q', '--attributes', 'VisibilityTimeout=40']);
    expect(QueueUrl).toBe(`${tb.httpUrl}/000000000000/cli-q`);
    const sent = await cli(['send-message', '--queue-url', QueueUrl, '--message-body', 'hello from the CLI',
      '--message-attributes', '{"source":{"DataType":"String","StringValue":"cli"}}']);
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const got = await cli(['receive-message', '--queue-url', QueueUrl, '--attribute-names', 'All', '--message-attribute-names', 'All', '--wait-time-seconds', '1']);
    expect(got.Messages).toHaveLength(1);
    expect(got.Messages[0]).toMatchObject({ Body: 'hello from the CLI', MessageAttributes: { source: { DataType: 'String', StringValue: 'cli' } }, Attributes: { ApproximateReceiveCount: '1' } });
    await cli(['delete-message', '--queue-url', QueueUrl, '--receipt-handle', got.Messages[0].ReceiptHandle]);
    const attrs = await cli(['get-queue-attributes', '--queue-url', QueueUrl, '--attribute-names', 'All']);
    expect(attrs.Attributes).toMatchObject({ VisibilityTimeout: '40', ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    expect((await cli(['list-queues', '--queue-name-prefix', 'cli-'])).QueueUrls).toEqual([QueueUrl]);
  });

  it('prints the query error code for a missing queue', async () => {
    const r = await runAwsCli(['sqs', 'get-queue-url', '--queue-name', 'absent'], { endpoint: tb.httpUrl, credentials });
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist.');
  });
});
