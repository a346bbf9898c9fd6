import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { isEngineError } from '../core/index.js';
import { openSinks, type SinkHarness } from '../../test/helpers/sinks.js';

const open: SinkHarness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.close().catch(() => {});
    fs.rmSync(h.dataDir, { recursive: true, force: true });
  }
});
const harness = async () => {
  const h = await openSinks();
  open.push(h);
  return h;
};
const reason = (e: unknown) => (isEngineError(e) ? (e.details as { reason?: string } | undefined)?.reason ?? e.code : String(e));

describe('FIFO queues', () => {
  it('delivers a group in order and holds its next message while one is in flight; other groups go on', async () => {
    const { sinks } = await harness();
    await sinks.create('queue', 'orders.fifo', { visibilityTimeoutSeconds: 30 });
    for (const [group, body] of [['a', 'a1'], ['a', 'a2'], ['b', 'b1'], ['a', 'a3']]) {
      await sinks.queues.send('orders.fifo', body, { messageGroupId: group, messageDeduplicationId: body });
    }
    const [first] = await sinks.queues.receive('orders.fifo');
    expect(first.body).toBe('a1');
    expect(first.attributes).toMatchObject({ MessageGroupId: 'a', MessageDeduplicationId: 'a1', ApproximateReceiveCount: '1' });
    expect(first.attributes.SequenceNumber).toMatch(/^\d{20}$/);
    // a1 is in flight: group a is held, b1 comes.
    expect((await sinks.queues.receive('orders.fifo', { maxMessages: 10 })).map((m) => m.body)).toEqual(['b1']);
    await sinks.queues.delete('orders.fifo', first.receiptHandle);
    expect((await sinks.queues.receive('orders.fifo', { maxMessages: 10 })).map((m) => m.body)).toEqual(['a2', 'a3']);
  });

  it('drops a repeated deduplication id within 5 minutes and returns the first send; content-based ids hash the body', async () => {
    const { sinks, clock } = await harness();
    await sinks.create('queue', 'dedup.fifo', { contentBasedDeduplication: true });
    const one = await sinks.queues.send('dedup.fifo', 'same', { messageGroupId: 'g' });
    const two = await sinks.queues.send('dedup.fifo', 'same', { messageGroupId: 'g' });
    expect(two).toEqual(one);
    const explicit = await sinks.queues.send('dedup.fifo', 'same', { messageGroupId: 'g', messageDeduplicationId: 'other' });
    expect(explicit.messageId).not.toBe(one.messageId);
    expect(BigInt(explicit.sequenceNumber!)).toBeGreaterThan(BigInt(one.sequenceNumber!));
    expect(sinks.queues.count('dedup.fifo')).toBe(2);
    clock.t += 5 * 60_000;
    const later = await sinks.queues.send('dedup.fifo', 'same', { messageGroupId: 'g' });
    expect(later.messageId).not.toBe(one.messageId);
    expect(sinks.queues.count('dedup.fifo')).toBe(3);
  });

  it('keeps the deduplication window across a restart', async () => {
    const h = await harness();
    await h.sinks.create('queue', 'keep.fifo');
    const one = await h.sinks.queues.send('keep.fifo', 'x', { messageGroupId: 'g', messageDeduplicationId: 'd1' });
    open.splice(open.indexOf(h), 1);
    const again = await h.reopen();
    open.push(again);
    expect(await again.sinks.queues.send('keep.fifo', 'x', { messageGroupId: 'g', messageDeduplicationId: 'd1' })).toEqual(one);
    expect(again.sinks.queues.count('keep.fifo')).toBe(1);
  });

  it("refuses what AWS refuses on a FIFO queue: no group id, no deduplication id, a per-message delay", async () => {
    const { sinks } = await harness();
    await sinks.create('queue', 'strict.fifo');
    await sinks.create('queue', 'plain');
    expect(reason(await sinks.queues.send('strict.fifo', 'x', { messageDeduplicationId: 'd' }).catch((e: unknown) => e))).toBe('missingParameter');
    await expect(sinks.queues.send('strict.fifo', 'x', { messageGroupId: 'g' })).rejects.toThrow(/ContentBasedDeduplication enabled or MessageDeduplicationId/);
    await expect(sinks.queues.send('strict.fifo', 'x', { messageGroupId: 'g', messageDeduplicationId: 'd', delaySeconds: 5 })).rejects.toThrow(/parameter DelaySeconds is invalid/);
    await expect(sinks.queues.send('plain', 'x', { messageDeduplicationId: 'd' })).rejects.toThrow(/parameter MessageDeduplicationId is invalid/);
    await expect(sinks.queues.send('strict.fifo', 'x', { messageGroupId: 'g h', messageDeduplicationId: 'd' })).rejects.toThrow(/MessageGroupId can only include/);
  });
});

describe('queue delays, visibility, purge, attributes', () => {
  it('delays a message by the queue default or its own DelaySeconds, and counts it as delayed', async () => {
    const { sinks, clock } = await harness();
    await sinks.create('queue', 'slow', { delaySeconds: 10 });
    await sinks.queues.send('slow', 'queue-delay');
    await sinks.queues.send('slow', 'own-delay', { delaySeconds: 2 });
    await sinks.queues.send('slow', 'no-delay', { delaySeconds: 0 });
    expect(sinks.queues.stats('slow')).toMatchObject({ visible: 1, delayed: 2, inFlight: 0 });
    expect((await sinks.queues.receive('slow', { maxMessages: 10 })).map((m) => m.body)).toEqual(['no-delay']);
    clock.t += 2_000;
    expect((await sinks.queues.receive('slow', { maxMessages: 10 })).map((m) => m.body)).toEqual(['own-delay']);
    clock.t += 8_000;
    expect((await sinks.queues.receive('slow', { maxMessages: 10 })).map((m) => m.body)).toEqual(['queue-delay']);
    expect(sinks.queues.stats('slow')).toMatchObject({ visible: 0, delayed: 0, inFlight: 3 });
  });

  it('changes the visibility of an in-flight message, and refuses a message not in flight or a made-up receipt', async () => {
    const { sinks } = await harness();
    await sinks.create('queue', 'vis', { visibilityTimeoutSeconds: 300 });
    await sinks.queues.send('vis', 'm');
    const [m] = await sinks.queues.receive('vis');
    expect(m.attributes.ApproximateFirstReceiveTimestamp).toBe(m.attributes.SentTimestamp);
    await sinks.queues.changeVisibility('vis', m.receiptHandle, 0);
    const [again] = await sinks.queues.receive('vis');
    expect(again).toMatchObject({ messageId: m.messageId, attributes: { ApproximateReceiveCount: '2', ApproximateFirstReceiveTimestamp: m.attributes.ApproximateFirstReceiveTimestamp } });
    await sinks.queues.changeVisibility('vis', again.receiptHandle, 0);
    expect(reason(await sinks.queues.changeVisibility('vis', again.receiptHandle, 10).catch((e: unknown) => e))).toBe('notInflight');
    expect(reason(await sinks.queues.delete('vis', 'not-a-receipt').catch((e: unknown) => e))).toBe('receiptHandle');
    await expect(sinks.queues.changeVisibility('vis', again.receiptHandle, 43_201)).rejects.toThrow(/parameter VisibilityTimeout/);
  });

  it('purges once per minute', async () => {
    const { sinks, clock } = await harness();
    await sinks.create('queue', 'p');
    await sinks.queues.send('p', 'a');
    await sinks.queues.purge('p');
    expect(sinks.queues.count('p')).toBe(0);
    expect(reason(await sinks.queues.purge('p').catch((e: unknown) => e))).toBe('purgeInProgress');
    clock.t += 60_000;
    await sinks.queues.purge('p');
  });

  it('refuses a message over the maximum size (body and attributes) and characters SQS does not carry', async () => {
    const { sinks } = await harness();
    await sinks.create('queue', 'big');
    await sinks.create('queue', 'small', { maximumMessageSize: 1024 });
    await sinks.queues.send('big', 'x'.repeat(262_144));
    await expect(sinks.queues.send('big', 'x'.repeat(262_145))).rejects.toThrow('One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.');
    await expect(sinks.queues.send('small', 'x'.repeat(1000), { attributes: { a: { DataType: 'String', StringValue: 'y'.repeat(30) } } })).rejects.toThrow(/shorter than 1024/);
    expect(reason(await sinks.queues.send('big', 'bell\u0007').catch((e: unknown) => e))).toBe('messageContents');
  });

  it('configures a queue: a redrive policy needs an existing dead-letter queue of the same type; null removes it', async () => {
    const { sinks, clock } = await harness();
    await sinks.create('queue', 'src');
    await sinks.create('queue', 'dlq.fifo');
    await expect(sinks.queues.configure('src', { deadLetterQueue: 'missing', maxReceiveCount: 2 })).rejects.toThrow(/Dead letter target does not exist/);
    await expect(sinks.queues.configure('src', { deadLetterQueue: 'dlq.fifo', maxReceiveCount: 2 })).rejects.toThrow(/same type/);
    await sinks.create('queue', 'dlq');
    clock.t += 1000;
    await sinks.queues.configure('src', { deadLetterQueue: 'dlq', maxReceiveCount: 2, visibilityTimeoutSeconds: 5 });
    expect(sinks.list('queue').find((q) => q.name === 'src')?.options).toMatchObject({ deadLetterQueue: 'dlq', maxReceiveCount: 2, visibilityTimeoutSeconds: 5 });
    expect(sinks.queues.stats('src').lastModified).toBe(sinks.queues.stats('src').createdAt + 1000);
    await sinks.queues.configure('src', { deadLetterQueue: null, maxReceiveCount: null });
    expect(sinks.list('queue').find((q) => q.name === 'src')?.options.deadLetterQueue).toBeUndefined();
    await sinks.queues.retag('src', { team: 'a', env: 'dev' });
    await sinks.queues.retag('src', {}, ['env']);
    expect(sinks.queues.tags('src')).toEqual({ team: 'a' });
  });
});

describe('long polling', () => {
  it('answers a waiting receive as soon as a message is sent, without polling', async () => {
    const { sinks } = await harness();
    await sinks.create('queue', 'lp');
    const started = performance.now();
    const waiting = sinks.queues.receive('lp', { waitTimeSeconds: 20 });
    let sentAt = 0;
    setImmediate(() => {
      sentAt = performance.now();
      void sinks.queues.send('lp', 'wake');
    });
    const [m] = await waiting;
    const answeredAt = performance.now();
    expect(m.body).toBe('wake');
    expect(sentAt).toBeGreaterThanOrEqual(started);
    // Woken by the send, not by the 20 s wait ending (the 100 ms bound is checked over HTTP in aws-sqs.test.ts; here
    // two durable writes, the send's and the receive's, come between, and a busy disk makes each take a while).
    expect(answeredAt - sentAt).toBeLessThan(2000);
  });

  it("uses the queue's ReceiveMessageWaitTimeSeconds and answers empty when the wait ends; stopping the sinks ends a wait", async () => {
    const h = await harness();
    await h.sinks.create('queue', 'quiet', { receiveWaitSeconds: 1 });
    const t0 = performance.now();
    expect(await h.sinks.queues.receive('quiet')).toEqual([]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
    const waiting = h.sinks.queues.receive('quiet', { waitTimeSeconds: 20 });
    const t1 = performance.now();
    await h.sinks.stop();
    expect(await waiting).toEqual([]);
    expect(performance.now() - t1).toBeLessThan(1000);
    await h.sinks.start();
  });

  it('two waiting receives never get the same message', async () => {
    const { sinks } = await harness();
    await sinks.create('queue', 'race');
    const a = sinks.queues.receive('race', { waitTimeSeconds: 5 });
    const b = sinks.queues.receive('race', { waitTimeSeconds: 5 });
    await sinks.queues.send('race', 'one');
    await sinks.queues.send('race', 'two');
    const got = [...(await a), ...(await b)].map((m) => m.body).sort();
    expect(got).toEqual(['one', 'two']);
  });
});
