import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openSinks, type SinkHarness } from '../../test/helpers/sinks.js';
import { endingHashKey, shardFor, startingHashKey } from './stream.js';
import type { FunctionRunner } from './sink-context.js';

const open: SinkHarness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.close().catch(() => {});
    fs.rmSync(h.dataDir, { recursive: true, force: true });
  }
});
const harness = async (functions?: FunctionRunner) => {
  const h = await openSinks({ functions });
  open.push(h);
  return h;
};

describe('stream sink (Kinesis-like)', () => {
  it("splits the 128-bit hash key space evenly and routes by the partition key's MD5, as AWS does", () => {
    expect(String(endingHashKey(0, 2))).toBe('170141183460469231731687303715884105727');
    expect(String(startingHashKey(1, 2))).toBe('170141183460469231731687303715884105728');
    expect(String(endingHashKey(1, 2))).toBe('340282366920938463463374607431768211455');
    // MD5('a') = 0cc175b9…, below 2^127; MD5('b') = 92eb5ffe…, above it.
    expect(shardFor('a', 2)).toBe(0);
    expect(shardFor('b', 2)).toBe(1);
    expect(shardFor('anything', 1)).toBe(0);
  });

  it('numbers records in increasing sequence and reads them with every iterator type', async () => {
    const { sinks, clock } = await harness();
    await sinks.create('stream', 's', { shardCount: 2 });
    const puts = [];
    for (let i = 0; i < 4; i++) {
      clock.t += 1000;
      puts.push(await sinks.streams.put('s', Buffer.from(`r${i}`), 'a'));
    }
    expect(puts.every((p) => p.shardId === 'shardId-000000000000')).toBe(true);
    expect(puts.map((p) => p.sequenceNumber)).toEqual([...puts.map((p) => p.sequenceNumber)].sort());
    expect(puts[0].sequenceNumber).toMatch(/^\d{56}$/);
    const read = (it: string, limit?: number) => sinks.streams.read(it, limit);
    const data = (r: ReturnType<typeof read>) => r.records.map((x) => x.data.toString());

    const horizon = read(sinks.streams.iterator('s', 'shardId-000000000000', 'TRIM_HORIZON'), 2);
    expect(data(horizon)).toEqual(['r0', 'r1']);
    expect(data(read(horizon.nextShardIterator))).toEqual(['r2', 'r3']);
    const at = sinks.streams.iterator('s', 'shardId-000000000000', 'AT_SEQUENCE_NUMBER', { sequenceNumber: puts[1].sequenceNumber });
    expect(data(read(at))).toEqual(['r1', 'r2', 'r3']);
    const after = sinks.streams.iterator('s', 'shardId-000000000000', 'AFTER_SEQUENCE_NUMBER', { sequenceNumber: puts[1].sequenceNumber });
    expect(data(read(after))).toEqual(['r2', 'r3']);
    const stamp = sinks.streams.iterator('s', 'shardId-000000000000', 'AT_TIMESTAMP', { timestamp: clock.t - 1000 });
    expect(data(read(stamp))).toEqual(['r2', 'r3']);
    const latest = read(sinks.streams.iterator('s', 'shardId-000000000000', 'LATEST'));
    expect(latest.records).toEqual([]);
    await sinks.streams.put('s', Buffer.from('r4'), 'a');
    expect(data(read(latest.nextShardIterator))).toEqual(['r4']);
    expect(read(sinks.streams.iterator('s', 'shardId-000000000001', 'TRIM_HORIZON')).records).toEqual([]);
    expect(() => sinks.streams.iterator('s', 'shardId-000000000002', 'LATEST')).toThrow(/does not exist/);
    expect(() => sinks.streams.read('garbage')).toThrow(/invalid ShardIterator/);
  });

  it('drops records past the retention period and never reuses sequence numbers after a restart', async () => {
    const h = await harness();
    await h.sinks.create('stream', 's', { retentionHours: 1 });
    const first = await h.sinks.streams.put('s', Buffer.from('old'), 'k');
    h.clock.t += 3_600_001;
    const second = await h.sinks.streams.put('s', Buffer.from('new'), 'k');
    expect(h.sinks.records('stream', 's').map((r) => (r.data as { text: string }).text)).toEqual(['new']);
    open.splice(0);
    const again = await h.reopen();
    open.push(again);
    const third = await again.sinks.streams.put('s', Buffer.from('after'), 'k');
    expect(third.sequenceNumber > second.sequenceNumber && second.sequenceNumber > first.sequenceNumber).toBe(true);
  });

  it("feeds a consumer function AWS's Kinesis event and checkpoints what it consumed", async () => {
    const events: Array<{ Records: Array<{ kinesis: { data: string; partitionKey: string }; eventSource: string }> }> = [];
    let fail = true;
    const runner: FunctionRunner = {
      async invoke(name, event) {
        expect(name).toBe('consume');
        if (fail) {
          fail = false;
          throw new Error('first call fails');
        }
        events.push(event as (typeof events)[number]);
        return null;
      },
    };
    const { sinks } = await harness(runner);
    await sinks.create('stream', 's', { consumer: 'consume' });
    await sinks.streams.put('s', Buffer.from('one'), 'k');
    await new Promise((r) => setTimeout(r, 50));
    await sinks.streams.put('s', Buffer.from('two'), 'k');
    for (let i = 0; i < 100 && events.flatMap((e) => e.Records).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const records = events.flatMap((e) => e.Records);
    expect(records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString())).toEqual(['one', 'two']);
    expect(records[0]).toMatchObject({ eventSource: 'aws:kinesis', kinesis: { partitionKey: 'k' } });
  });
});
