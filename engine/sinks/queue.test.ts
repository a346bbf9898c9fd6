import fs from 'node:fs';
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openSinks, type SinkHarness } from '../../test/helpers/sinks.js';
import { md5OfAttributes } from './queue.js';

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

describe('queue sink (SQS-like)', () => {
  it('hides a received message for the visibility timeout, then delivers it again with a higher receive count', async () => {
    const { sinks, clock } = await harness();
    await sinks.create('queue', 'jobs', { visibilityTimeoutSeconds: 10 });
    const sent = await sinks.queues.send('jobs', 'hello');
    expect(sent.md5OfMessageBody).toBe(crypto.createHash('md5').update('hello').digest('hex'));
    const [first] = await sinks.queues.receive('jobs');
    expect(first).toMatchObject({ messageId: sent.messageId, body: 'hello', attributes: { ApproximateReceiveCount: '1' } });
    expect(await sinks.queues.receive('jobs')).toEqual([]);
    clock.t += 10_000;
    const [second] = await sinks.queues.receive('jobs', { visibilityTimeoutSeconds: 0 });
    expect(second.attributes.ApproximateReceiveCount).toBe('2');
    expect(second.receiptHandle).not.toBe(first.receiptHandle);
    await sinks.queues.delete('jobs', second.receiptHandle);
    expect(sinks.records('queue', 'jobs')).toEqual([]);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const { sinks } = await harness();
    await sinks.create('queue', 'jobs-dlq');
    await sinks.create('queue', 'jobs', { maxReceiveCount: 2, deadLetterQueue: 'jobs-dlq', visibilityTimeoutSeconds: 0 });
    const { messageId } = await sinks.queues.send('jobs', 'poison', { traceId: 't1' });
    expect(await sinks.queues.receive('jobs')).toHaveLength(1);
    expect(await sinks.queues.receive('jobs')).toHaveLength(1);
    expect(await sinks.queues.receive('jobs')).toEqual([]);
    const [dead] = await sinks.queues.receive('jobs-dlq');
    expect(dead).toMatchObject({ messageId, body: 'poison', attributes: { ApproximateReceiveCount: '1' } });
    expect(sinks.records('queue', 'jobs-dlq')[0].traceId).toBe('t1');
  });

  it('receives at most 10, oldest first, and drops messages past the retention period', async () => {
    const { sinks, clock } = await harness();
    await sinks.create('queue', 'q', { retentionSeconds: 60 });
    for (let i = 0; i < 12; i++) await sinks.queues.send('q', `m${i}`);
    await expect(sinks.queues.receive('q', { maxMessages: 11 })).rejects.toThrow(/between 1 and 10/);
    expect((await sinks.queues.receive('q', { maxMessages: 10 })).map((m) => m.body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    clock.t += 61_000;
    await sinks.queues.send('q', 'fresh');
    expect(sinks.records('queue', 'q').map((r) => (r.data as { body: string }).body)).toEqual(['fresh']);
  });

  it("computes AWS's MD5 of message attributes independent of their order", async () => {
    const a = md5OfAttributes({ b: { DataType: 'String', StringValue: 'x' }, a: { DataType: 'Number', StringValue: '1' } });
    const b = md5OfAttributes({ a: { DataType: 'Number', StringValue: '1' }, b: { DataType: 'String', StringValue: 'x' } });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    const { sinks } = await harness();
    await sinks.create('queue', 'q');
    const sent = await sinks.queues.send('q', 'body', { attributes: { a: { DataType: 'Number', StringValue: '1' } } });
    expect(sent.md5OfMessageAttributes).toBe(md5OfAttributes({ a: { DataType: 'Number', StringValue: '1' } }));
    expect((await sinks.queues.receive('q'))[0].messageAttributes).toEqual({ a: { DataType: 'Number', StringValue: '1' } });
  });

  it('refuses bad names and options with InvalidInput', async () => {
    const { sinks } = await harness();
    await expect(sinks.create('queue', 'bad name')).rejects.toThrow(/queue names/);
    await expect(sinks.create('queue', 'q', { maxReceiveCount: 3 })).rejects.toThrow(/redrive/);
    await expect(sinks.create('queue', 'q', { colour: 'red' })).rejects.toThrow(/no option "colour"/);
  });
});
