import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../core/index.js';
import { newMapping } from './mapping-settings.js';
import { firstFailure, StreamPoller, type SourceRecord, type StreamSource } from './stream-poller.js';

const batch: SourceRecord[] = ['100', '200', '300'].map((id) => ({ id, arrival: 0, event: {}, after: `after-${id}` }));

describe('ReportBatchItemFailures for streams', () => {
  it.each<[string, unknown, number]>([
    ['no response', undefined, -1],
    ['a null response', null, -1],
    ['an empty object', {}, -1],
    ['a null list', { batchItemFailures: null }, -1],
    ['an empty list', { batchItemFailures: [] }, -1],
    ['one failure', { batchItemFailures: [{ itemIdentifier: '200' }] }, 1],
    ['the lowest of several', { batchItemFailures: [{ itemIdentifier: '300' }, { itemIdentifier: '200' }] }, 1],
    ['the first record', { batchItemFailures: [{ itemIdentifier: '100' }] }, 0],
    ['an empty identifier fails the batch', { batchItemFailures: [{ itemIdentifier: '' }] }, 0],
    ['a null identifier fails the batch', { batchItemFailures: [{ itemIdentifier: null }] }, 0],
    ['a bad key name fails the batch', { batchItemFailures: [{ itemId: '200' }] }, 0],
    ['an identifier not in the batch fails the batch', { batchItemFailures: [{ itemIdentifier: '999' }] }, 0],
    ['a list that is not a list fails the batch', { batchItemFailures: 'oops' }, 0],
    ['a string response', 'done', -1],
  ])('%s', (_name, result, index) => {
    expect(firstFailure(result, batch)).toBe(index);
  });
});

describe('StreamPoller over an in-memory stream', () => {
  /** Shards of numbered records; a position is the count of records before it. */
  function memorySource(shards: Record<string, string[]>): StreamSource {
    return {
      batchInfo: 'KinesisBatchInfo',
      arrivalText: (ms) => new Date(ms).toISOString(),
      filterView: (event) => event,
      retentionMs: () => undefined,
      shards: () => Object.keys(shards),
      initial: (shard, fromStart) => String(fromStart ? 0 : shards[shard].length),
      read: (shard, position, limit) => shards[shard].slice(Number(position), Number(position) + limit).map((data, i) => ({
        id: `${shard}-${Number(position) + i}`, arrival: Date.now(), event: { shard, data }, after: String(Number(position) + i + 1),
      })),
    };
  }

  it('reads each shard in order, one batch at a time, and picks up a shard that appears later from its first record', async () => {
    const shards: Record<string, string[]> = { s0: ['a', 'b', 'c'] };
    const mapping = newMapping('kinesis', { uuid: 'u', functionName: 'f', eventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', now: 0 }, { startingPosition: 'TRIM_HORIZON', batchSize: 2 });
    mapping.positions = { s0: '0' };
    const batches: string[][] = [];
    let running = 0;
    let overlapped = false;
    let saves = 0;
    let clock = 0;
    const poller = new StreamPoller(mapping, memorySource(shards), {
      logger: silentLogger, now: () => clock, functionArn: (name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      invoke: async (_name, event) => {
        if (++running > 1) overlapped = true;
        await new Promise((r) => setImmediate(r));
        running--;
        batches.push((event as { Records: Array<{ shard: string; data: string }> }).Records.map((r) => `${r.shard}:${r.data}`));
        return { ok: true, result: null, durationMs: 1, requestId: 'r' };
      },
      save: async () => { saves++; },
      sendFailure: async () => undefined,
    });
    poller.start();
    await vi.waitFor(() => expect(batches.flat()).toEqual(['s0:a', 's0:b', 's0:c']));
    expect(batches).toEqual([['s0:a', 's0:b'], ['s0:c']]);
    shards.s1 = ['x', 'y'];
    shards.s0.push('d');
    clock += 1_000; // new shards are looked for at most once a second
    poller.wake();
    await vi.waitFor(() => expect(batches.flat().length).toBe(6));
    await poller.stop();
    expect(batches.flat().filter((d) => d.startsWith('s0:'))).toEqual(['s0:a', 's0:b', 's0:c', 's0:d']);
    expect(batches.flat().filter((d) => d.startsWith('s1:'))).toEqual(['s1:x', 's1:y']);
    expect(overlapped).toBe(true); // the two shards ran side by side …
    expect(mapping.positions).toEqual({ s0: '4', s1: '2' }); // … and each checkpointed its own progress
    expect(saves).toBeGreaterThanOrEqual(4);
  });
});
