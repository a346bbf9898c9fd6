import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openSinks, type SinkHarness } from '../../test/helpers/sinks.js';
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
const delivered = (h: SinkHarness, stream: string) =>
  h.sinks.records('firehose', stream).reverse().map((r) => {
    const { bucket, key } = r.data as { bucket: string; key: string };
    return h.objects.read(bucket, key).toString('utf8');
  });

describe('firehose sink', () => {
  it("delivers when the buffer reaches its size, as newline-delimited objects in the local S3 under Firehose's key layout", async () => {
    const h = await harness();
    await h.sinks.create('firehose', 'archive', { bufferSizeBytes: 20 });
    await h.sinks.firehose.put('archive', Buffer.from('{"a":1}'));
    await h.sinks.firehose.put('archive', Buffer.from('{"a":2}\n'));
    expect(h.sinks.firehose.buffered('archive')).toBe(2);
    await h.sinks.firehose.put('archive', Buffer.from('{"a":3}'));
    await h.sinks.firehose.flush('archive');
    expect(delivered(h, 'archive')).toEqual(['{"a":1}\n{"a":2}\n{"a":3}\n']);
    const { bucket, key } = h.sinks.records('firehose', 'archive')[0].data as { bucket: string; key: string };
    expect(bucket).toBe('thingbench-firehose');
    expect(key).toMatch(/^archive\/2026\/01\/02\/03\/archive-1-2026-01-02-03-04-05-[0-9a-f-]{36}$/);
    expect(h.objects.list('thingbench-firehose', { prefix: 'archive/' }).objects.map((o) => o.key)).toEqual([key]);
    expect(h.sinks.firehose.buffered('archive')).toBe(0);
  });

  it('delivers after the buffer interval, and delivers what was buffered before a restart', async () => {
    const h = await harness();
    await h.sinks.create('firehose', 'timed', { bufferIntervalSeconds: 0, appendNewline: false });
    const recorded = new Promise((r) => h.sinks.events.on('recorded', r));
    await h.sinks.firehose.put('timed', Buffer.from('x,'));
    await recorded;
    expect(delivered(h, 'timed')).toEqual(['x,']);

    await h.sinks.create('firehose', 'slow', { bufferIntervalSeconds: 900 });
    await h.sinks.firehose.put('slow', Buffer.from('kept'));
    open.splice(0);
    const again = await h.reopen();
    open.push(again);
    expect(again.sinks.firehose.buffered('slow')).toBe(1);
    await again.sinks.firehose.flush('slow');
    expect(delivered(again, 'slow')).toEqual(['kept\n']);
  });

  it("runs a transform function with AWS's event and keeps only records it marks Ok", async () => {
    const runner: FunctionRunner = {
      async invoke(_name, event) {
        const { records } = event as { records: Array<{ recordId: string; data: string }> };
        return {
          records: records.map((r, i) => ({
            recordId: r.recordId, result: i === 1 ? 'Dropped' : 'Ok', data: Buffer.from(Buffer.from(r.data, 'base64').toString().toUpperCase()).toString('base64'),
          })),
        };
      },
    };
    const h = await harness(runner);
    await h.sinks.create('firehose', 't', { transform: 'upper' });
    for (const s of ['a', 'b', 'c']) await h.sinks.firehose.put('t', Buffer.from(s));
    await h.sinks.firehose.flush('t');
    expect(delivered(h, 't')).toEqual(['A\nC\n']);
  });

  it('delivers into a named bucket under its prefix; while the bucket is missing the records stay buffered', async () => {
    const h = await harness();
    await h.sinks.create('firehose', 'named', { bucket: 'telemetry-archive', prefix: 'raw/' });
    await h.sinks.firehose.put('named', Buffer.from('{"n":1}'));
    await expect(h.sinks.firehose.flush('named')).rejects.toMatchObject({ details: { reason: 'NoSuchBucket' } });
    expect(h.sinks.firehose.buffered('named')).toBe(1);
    await h.objects.createBucket('telemetry-archive');
    await h.sinks.firehose.flush('named');
    const [obj] = h.objects.list('telemetry-archive', {}).objects;
    expect(obj.key).toMatch(/^raw\/2026\/01\/02\/03\/named-1-2026-01-02-03-04-05-/);
    expect(h.objects.read('telemetry-archive', obj.key).toString()).toBe('{"n":1}\n');
    expect(h.sinks.records('firehose', 'named')[0].data).toMatchObject({ bucket: 'telemetry-archive', key: obj.key, content: '{"n":1}\n' });
    await h.objects.delete('telemetry-archive', obj.key);
    expect(h.sinks.records('firehose', 'named')[0].data).toMatchObject({ content: null });
  });
});
