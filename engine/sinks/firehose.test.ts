import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openSinks, type SinkHarness } from '../../test/helpers/sinks.js';
import { EngineError } from '../core/index.js';
import type { FunctionRunner } from './sink-context.js';
import { errorPrefix, formatTimestamp, objectPrefix, prefixProblem } from './firehose-prefix.js';

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

  it('writes ProcessingFailed records as Firehose error records under processing-failed/, delivers Ok ones transformed and drops Dropped ones', async () => {
    const runner: FunctionRunner = {
      async invoke(_name, event) {
        const e = event as { invocationId: string; deliveryStreamArn: string; region: string; records: Array<{ recordId: string; approximateArrivalTimestamp: number; data: string }> };
        expect(e).toMatchObject({ deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/p', region: 'us-east-1' });
        expect(e.invocationId).toMatch(/^[0-9a-f-]{36}$/);
        expect(e.records.every((r) => r.approximateArrivalTimestamp === Date.UTC(2026, 0, 2, 3, 4, 5))).toBe(true);
        return {
          records: e.records.map((r) => {
            const text = Buffer.from(r.data, 'base64').toString();
            return { recordId: r.recordId, result: text === 'bad' ? 'ProcessingFailed' : text === 'skip' ? 'Dropped' : 'Ok', data: Buffer.from(`<${text}>`).toString('base64') };
          }),
        };
      },
    };
    const h = await harness(runner);
    await h.objects.createBucket('out');
    await h.sinks.create('firehose', 'p', { bucket: 'out', prefix: 'data/', transform: 'fn', transformArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn' });
    for (const s of ['a', 'bad', 'skip', 'b']) await h.sinks.firehose.put('p', Buffer.from(s));
    await h.sinks.firehose.flush('p');
    const keys = h.objects.list('out', {}).objects.map((o) => o.key).sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^data\/2026\/01\/02\/03\/p-1-2026-01-02-03-04-05-/);
    expect(keys[1]).toMatch(/^data\/processing-failed\/2026\/01\/02\/03\/p-1-2026-01-02-03-04-05-/);
    expect(h.objects.read('out', keys[0]).toString()).toBe('<a>\n<b>\n');
    const lines = h.objects.read('out', keys[1]).toString().split('\n');
    expect(lines.at(-1)).toBe('');
    expect(JSON.parse(lines[0])).toEqual({
      attemptsMade: 1, arrivalTimestamp: Date.UTC(2026, 0, 2, 3, 4, 5), errorCode: 'Lambda.ProcessingFailedStatus', errorMessage: 'ProcessingFailed status set for record',
      attemptEndingTimestamp: Date.UTC(2026, 0, 2, 3, 4, 5), rawData: Buffer.from('bad').toString('base64'), lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
    });
    expect(h.sinks.firehose.buffered('p')).toBe(0);
    expect(h.sinks.records('firehose', 'p').map((r) => (r.data as { records: number; errorOutputType?: string })).sort((a, b) => a.records - b.records))
      .toMatchObject([{ records: 1, errorOutputType: 'processing-failed' }, { records: 2 }]);
  });

  it('retries a failing invocation NumberOfRetries times with a new invocationId, then writes the whole batch to the error output', async () => {
    const ids: string[] = [];
    const runner: FunctionRunner = {
      async invoke(_name, event) {
        ids.push((event as { invocationId: string }).invocationId);
        throw new EngineError('Internal', 'boom', { reason: 'Threw' });
      },
    };
    const h = await harness(runner);
    await h.sinks.create('firehose', 'r', { transform: 'broken', transformRetries: 2, errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/' });
    for (const s of ['x', 'y']) await h.sinks.firehose.put('r', Buffer.from(s));
    await h.sinks.firehose.flush('r');
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    const [obj] = h.objects.list('thingbench-firehose', {}).objects;
    expect(obj.key).toMatch(/^errors\/processing-failed\/2026-01-02\/r-1-2026-01-02-03-04-05-/);
    const errors = h.objects.read('thingbench-firehose', obj.key).toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(errors.map((e) => [e.attemptsMade, e.errorCode, e.errorMessage, Buffer.from(e.rawData as string, 'base64').toString(), e.lambdaArn])).toEqual([
      [3, 'Lambda.FunctionError', 'The Lambda function was successfully invoked but it returned an error result.', 'x', 'arn:aws:lambda:us-east-1:000000000000:function:broken'],
      [3, 'Lambda.FunctionError', 'The Lambda function was successfully invoked but it returned an error result.', 'y', 'arn:aws:lambda:us-east-1:000000000000:function:broken'],
    ]);
  });

  it.each([
    ['a record id returned twice', (ids: string[]) => ({ records: [...ids, ids[0]].map((recordId) => ({ recordId, result: 'Ok', data: 'eA==' })) }), 'Lambda.DuplicatedRecordId'],
    ['a record id left out', (ids: string[]) => ({ records: ids.slice(1).map((recordId) => ({ recordId, result: 'Ok', data: 'eA==' })) }), 'Lambda.MissingRecordId'],
    ['a record id it was never sent', (ids: string[]) => ({ records: [...ids.slice(1), 'nope'].map((recordId) => ({ recordId, result: 'Ok', data: 'eA==' })) }), 'Lambda.MissingRecordId'],
    ['an unknown result', (ids: string[]) => ({ records: ids.map((recordId) => ({ recordId, result: 'Fine', data: 'eA==' })) }), 'Lambda.JsonProcessingException'],
    ['Ok without data', (ids: string[]) => ({ records: ids.map((recordId) => ({ recordId, result: 'Ok' })) }), 'Lambda.JsonProcessingException'],
    ['no records list', () => ({ items: [] }), 'Lambda.JsonProcessingException'],
  ])('fails the batch, without retrying, for %s', async (_what, respond, code) => {
    let calls = 0;
    const runner: FunctionRunner = {
      async invoke(_name, event) {
        calls++;
        return respond((event as { records: Array<{ recordId: string }> }).records.map((r) => r.recordId));
      },
    };
    const h = await harness(runner);
    await h.sinks.create('firehose', 'v', { transform: 'fn' });
    for (const s of ['1', '2']) await h.sinks.firehose.put('v', Buffer.from(s));
    await h.sinks.firehose.flush('v');
    expect(calls).toBe(1);
    const objs = h.objects.list('thingbench-firehose', {}).objects;
    expect(objs.map((o) => o.key)).toEqual([expect.stringMatching(/^v\/processing-failed\/2026\/01\/02\/03\//)]);
    const errors = h.objects.read('thingbench-firehose', objs[0].key).toString().trim().split('\n').map((l) => JSON.parse(l) as { errorCode: string; attemptsMade: number });
    expect(errors.map((e) => [e.errorCode, e.attemptsMade])).toEqual([[code, 1], [code, 1]]);
  });

  it('splits the buffer into invocations of at most the processor buffer size, and names a missing function as Lambda does', async () => {
    const sizes: number[] = [];
    const runner: FunctionRunner = {
      async invoke(name, event) {
        if (name === 'ghost') throw new EngineError('NotFound', 'Function not found', { reason: 'NotFound' });
        const { records } = event as { records: Array<{ recordId: string; data: string }> };
        sizes.push(records.length);
        return { records: records.map((r) => ({ ...r, result: 'Ok' })) };
      },
    };
    const h = await harness(runner);
    await h.sinks.create('firehose', 's', { transform: 'fn', transformBatchBytes: 10, appendNewline: false });
    for (const s of ['aaaa', 'bbbb', 'cccc', 'dddddddddddd', 'e']) await h.sinks.firehose.put('s', Buffer.from(s));
    await h.sinks.firehose.flush('s');
    expect(sizes).toEqual([2, 1, 1, 1]);
    expect(delivered(h, 's')).toEqual(['aaaabbbbccccdddddddddddde']);

    await h.sinks.create('firehose', 'g', { transform: 'ghost', transformRetries: 0 });
    await h.sinks.firehose.put('g', Buffer.from('z'));
    await h.sinks.firehose.flush('g');
    const [obj] = h.objects.list('thingbench-firehose', { prefix: 'g/' }).objects;
    expect(JSON.parse(h.objects.read('thingbench-firehose', obj.key).toString())).toMatchObject({
      attemptsMade: 1, errorCode: 'Lambda.ResourceNotFound', errorMessage: 'The specified Lambda function does not exist. Use a different function that does exist.',
    });
  });
});

describe('firehose prefixes', () => {
  const at = new Date(Date.UTC(2018, 7, 27, 10, 30, 0));
  it("evaluates AWS's documented examples", () => {
    expect(objectPrefix('', at)).toBe('2018/08/27/10/');
    expect(objectPrefix('myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/', at)).toBe('myPrefix/year=2018/month=08/day=27/hour=10/');
    expect(errorPrefix('', "myErrorPrefix/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/!{firehose:error-output-type}", 'processing-failed', at))
      .toBe('myErrorPrefix/year=2018/month=08/day=27/hour=10/processing-failed');
    expect(errorPrefix('', 'myFirehoseFailures/!{firehose:error-output-type}/', 'processing-failed', at)).toBe('myFirehoseFailures/processing-failed/');
    expect(errorPrefix('raw/', undefined, 'processing-failed', at)).toBe('raw/processing-failed/2018/08/27/10/');
    expect(objectPrefix('rand=!{firehose:random-string}/', at)).toMatch(/^rand=[0-9a-f]{11}\/2018\/08\/27\/10\/$/);
    expect(formatTimestamp("yy-M-d H:mm:ss.SSS ''", at)).toBe("18-8-27 10:30:00.000 '");
  });

  it('refuses the combinations AWS refuses', () => {
    expect(prefixProblem('!{timestamp:yyyy}/', undefined)).toMatch(/ErrorOutputPrefix cannot be null/);
    expect(prefixProblem('a/!{firehose:error-output-type}/', 'e/!{firehose:error-output-type}')).toMatch(/Prefix cannot contain/);
    expect(prefixProblem('a/', 'e/!{timestamp:yyyy}/')).toMatch(/must contain !\{firehose:error-output-type\}/);
    expect(prefixProblem('a/!{nope:x}/', 'e/!{firehose:error-output-type}')).toMatch(/unknown expression/);
    expect(prefixProblem('a/!{oops', undefined)).toMatch(/can only appear/);
    expect(prefixProblem('a/', undefined)).toBeNull();
    expect(prefixProblem('a/!{timestamp:yyyy}/', 'e/!{firehose:error-output-type}/')).toBeNull();
  });
});
