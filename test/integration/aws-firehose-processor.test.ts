/**
 * Firehose data transformation through the real clients: a function made with `@aws-sdk/client-lambda` is a delivery
 * stream's Lambda processor (`ProcessingConfiguration` on CreateDeliveryStream and UpdateDestination, with
 * `@aws-sdk/client-firehose`); Ok records land transformed in the local S3, Dropped ones nowhere, ProcessingFailed
 * ones and the batches of a failing function as Firehose's error records under the error output prefix, all read
 * back with `@aws-sdk/client-s3`.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import {
  ConcurrentModificationException, CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient, InvalidArgumentException,
  PutRecordBatchCommand, UpdateDestinationCommand, type ProcessingConfiguration, type ProcessorParameterName,
} from '@aws-sdk/client-firehose';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';

let tb: TestEngine;
let firehose: FirehoseClient;
let lambda: LambdaClient;
let s3: S3Client;
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
const ROLE = 'arn:aws:iam::000000000000:role/firehose';
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

// A processor in the shape of AWS's "General Firehose Processing" blueprint: upper-cases, drops "skip", fails "bad".
const UPPER = `exports.handler = async (event) => ({
  records: event.records.map((r) => {
    const text = Buffer.from(r.data, 'base64').toString('utf8');
    if (text === 'skip') return { recordId: r.recordId, result: 'Dropped', data: r.data };
    if (text === 'bad') return { recordId: r.recordId, result: 'ProcessingFailed', data: r.data };
    return { recordId: r.recordId, result: 'Ok', data: Buffer.from(JSON.stringify({ text: text.toUpperCase(), stream: event.deliveryStreamArn }) + '\\n').toString('base64') };
  }),
});
`;

const lambdaProcessor = (name: string, more: Array<[string, string]> = []): ProcessingConfiguration => ({
  Enabled: true,
  Processors: [{ Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: fnArn(name) }, ...more.map(([name, ParameterValue]) => ({ ParameterName: name as ProcessorParameterName, ParameterValue }))] }],
});

const failure = <T>(p: Promise<T>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error) => e);

/** Every object under a prefix, with its body. */
const objects = async (Bucket: string, Prefix: string) => {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix }));
  return Promise.all((listed.Contents ?? []).map(async (o) => ({ key: o.Key!, body: await (await s3.send(new GetObjectCommand({ Bucket, Key: o.Key! }))).Body!.transformToString() })));
};

beforeAll(async () => {
  tb = await startTestEngine();
  firehose = new FirehoseClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
  lambda = new LambdaClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
  s3 = new S3Client({ endpoint: tb.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
  const create = (name: string, code: string) => lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Timeout: 5, Code: { ZipFile: zipSync({ 'index.js': strToU8(code) }) },
  }));
  await create('fh-upper', UPPER);
  await create('fh-broken', `exports.handler = async () => { throw new Error('cannot transform'); };\n`);
  await s3.send(new CreateBucketCommand({ Bucket: 'fh-processed' }));
});
afterAll(async () => {
  firehose?.destroy();
  lambda?.destroy();
  s3?.destroy();
  await tb?.stop();
});

describe('Firehose Lambda processor', () => {
  it('delivers Ok records transformed, drops Dropped ones and writes ProcessingFailed ones as error records under processing-failed/', async () => {
    await firehose.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'fh-transform', DeliveryStreamType: 'DirectPut',
      ExtendedS3DestinationConfiguration: {
        RoleARN: ROLE, BucketARN: 'arn:aws:s3:::fh-processed', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
        ProcessingConfiguration: lambdaProcessor('fh-upper', [['NumberOfRetries', '1'], ['BufferSizeInMBs', '1'], ['BufferIntervalInSeconds', '60']]),
      },
    }));
    const { DeliveryStreamDescription: d } = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'fh-transform' }));
    expect(d!.Destinations![0].ExtendedS3DestinationDescription!.ProcessingConfiguration).toEqual(lambdaProcessor('fh-upper', [['NumberOfRetries', '1'], ['BufferSizeInMBs', '1'], ['BufferIntervalInSeconds', '60']]));

    const put = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'fh-transform', Records: ['one', 'skip', 'bad', 'two'].map((t) => ({ Data: Buffer.from(t) })) }));
    expect(put.FailedPutCount).toBe(0);
    const [ids, delivered, failed] = [put.RequestResponses!.map((r) => r.RecordId!), [] as string[], [] as Array<Record<string, unknown>>];
    await vi.waitFor(async () => {
      const all = await objects('fh-processed', '');
      delivered.splice(0, delivered.length, ...all.filter((o) => !o.key.startsWith('processing-failed/')).flatMap((o) => o.body.trim().split('\n')));
      failed.splice(0, failed.length, ...all.filter((o) => o.key.startsWith('processing-failed/')).flatMap((o) => o.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)));
      expect(delivered.length + failed.length).toBe(3);
      for (const o of all) expect(o.key).toMatch(/^(processing-failed\/)?\d{4}\/\d\d\/\d\d\/\d\d\/fh-transform-1-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9a-f-]{36}$/);
    }, { timeout: 15_000 });
    expect(ids).toHaveLength(4);
    const arn = 'arn:aws:firehose:us-east-1:000000000000:deliverystream/fh-transform';
    expect(delivered.map((l) => JSON.parse(l) as unknown).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))))
      .toEqual([{ text: 'ONE', stream: arn }, { text: 'TWO', stream: arn }]);
    expect(failed).toEqual([{
      attemptsMade: 1, arrivalTimestamp: expect.any(Number), errorCode: 'Lambda.ProcessingFailedStatus', errorMessage: 'ProcessingFailed status set for record',
      attemptEndingTimestamp: expect.any(Number), rawData: Buffer.from('bad').toString('base64'), lambdaArn: fnArn('fh-upper'),
    }]);
    expect(failed[0].attemptEndingTimestamp as number).toBeGreaterThanOrEqual(failed[0].arrivalTimestamp as number);
  });

  it('retries a function that fails NumberOfRetries times, then writes the batch under the ErrorOutputPrefix with Lambda.FunctionError', async () => {
    await firehose.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'fh-failing',
      ExtendedS3DestinationConfiguration: {
        RoleARN: ROLE, BucketARN: 'arn:aws:s3:::fh-processed', Prefix: 'ok/!{timestamp:yyyy}/', ErrorOutputPrefix: 'failed/!{firehose:error-output-type}/!{timestamp:yyyy/MM}/',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 }, ProcessingConfiguration: lambdaProcessor('fh-broken', [['NumberOfRetries', '2']]),
      },
    }));
    await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'fh-failing', Records: [{ Data: Buffer.from('{"n":1}') }] }));
    const [obj] = await vi.waitFor(async () => {
      const all = await objects('fh-processed', 'failed/');
      expect(all).toHaveLength(1);
      return all;
    }, { timeout: 15_000 });
    const now = new Date();
    expect(obj.key.startsWith(`failed/processing-failed/${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/fh-failing-1-`)).toBe(true);
    expect(JSON.parse(obj.body)).toMatchObject({
      attemptsMade: 3, errorCode: 'Lambda.FunctionError', errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
      rawData: Buffer.from('{"n":1}').toString('base64'), lambdaArn: fnArn('fh-broken'),
    });
    expect(await objects('fh-processed', 'ok/')).toEqual([]);
    // Every attempt ran the function: its log group has one START line per attempt.
    await vi.waitFor(async () => {
      const events = await tb.engine.api.sinks.records('log', '/aws/lambda/fh-broken', { limit: 1000 });
      expect(events.filter((e) => String((e.data as { message?: string }).message ?? '').startsWith('START ')).length).toBe(3);
    }, { timeout: 10_000 });
  });

  it('turns the processor on with UpdateDestination, checking the version id, and the version shows in the object keys', async () => {
    await firehose.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'fh-later',
      ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::fh-processed', Prefix: 'later/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } },
    }));
    const before = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'fh-later' }))).DeliveryStreamDescription!;
    expect(before.VersionId).toBe('1');
    const stale = await failure(firehose.send(new UpdateDestinationCommand({
      DeliveryStreamName: 'fh-later', CurrentDeliveryStreamVersionId: '7', DestinationId: before.Destinations![0].DestinationId,
      ExtendedS3DestinationUpdate: { ProcessingConfiguration: lambdaProcessor('fh-upper') },
    })));
    expect(stale).toBeInstanceOf(ConcurrentModificationException);
    await firehose.send(new UpdateDestinationCommand({
      DeliveryStreamName: 'fh-later', CurrentDeliveryStreamVersionId: '1', DestinationId: before.Destinations![0].DestinationId,
      ExtendedS3DestinationUpdate: { ProcessingConfiguration: lambdaProcessor('fh-upper') },
    }));
    const after = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'fh-later' }))).DeliveryStreamDescription!;
    expect(after.VersionId).toBe('2');
    expect(after.Destinations![0].ExtendedS3DestinationDescription).toMatchObject({ Prefix: 'later/', BucketARN: 'arn:aws:s3:::fh-processed', ProcessingConfiguration: lambdaProcessor('fh-upper') });
    await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'fh-later', Records: [{ Data: Buffer.from('late') }] }));
    const [obj] = await vi.waitFor(async () => {
      const all = await objects('fh-processed', 'later/');
      expect(all).toHaveLength(1);
      return all;
    }, { timeout: 15_000 });
    expect(obj.key).toMatch(/^later\/\d{4}\/\d\d\/\d\d\/\d\d\/fh-later-2-/);
    expect(JSON.parse(obj.body)).toMatchObject({ text: 'LATE' });
  });

  it('puts a newline after every record with an AppendDelimiterToRecord processor, and concatenates records as sent without one', async () => {
    const delimited: ProcessingConfiguration = { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] };
    for (const [name, processing] of [['fh-delimited', delimited], ['fh-plain', undefined]] as const) {
      await firehose.send(new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE, BucketARN: 'arn:aws:s3:::fh-processed', Prefix: `${name}/`, BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
          ...(processing ? { ProcessingConfiguration: processing } : {}),
        },
      }));
    }
    // One record at a time, each waited for, so each object holds one record.
    const deliver = async (name: string, data: string) => {
      const before = (await objects('fh-processed', `${name}/`)).map((o) => o.key);
      await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: [{ Data: Buffer.from(data) }] }));
      return vi.waitFor(async () => {
        const fresh = (await objects('fh-processed', `${name}/`)).filter((o) => !before.includes(o.key));
        expect(fresh).toHaveLength(1);
        return fresh[0].body;
      }, { timeout: 15_000 });
    };
    expect(await deliver('fh-delimited', 'a')).toBe('a\n');
    expect(await deliver('fh-delimited', 'b\n')).toBe('b\n\n');
    expect(await deliver('fh-plain', 'a')).toBe('a');
    expect(await deliver('fh-plain', 'b\n')).toBe('b\n');
  });

  it('refuses processing configurations as Firehose does', async () => {
    const create = (name: string, more: Record<string, unknown>) => failure(firehose.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: name, ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::fh-processed', ...more },
    })));
    const unknownType = await create('bad-1', { ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Magic' as 'Lambda' }] } });
    // Firehose's SDK models no ValidationException: the client surfaces it by name, as it does against AWS.
    expect(unknownType.name).toBe('ValidationException');
    expect(unknownType.message).toBe("1 validation error detected: Value 'Magic' at 'extendedS3DestinationConfiguration.processingConfiguration.processors.1.member.type' failed to satisfy constraint: Member must satisfy enum value set: [RecordDeAggregation, Decompression, CloudWatchLogProcessing, Lambda, MetadataExtraction, AppendDelimiterToRecord]");
    const badParam = await create('bad-2', { ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda', Parameters: [{ ParameterName: 'Speed' as ProcessorParameterName, ParameterValue: '1' }] }] } });
    expect(badParam.name).toBe('ValidationException');
    expect(badParam.message).toContain("at 'extendedS3DestinationConfiguration.processingConfiguration.processors.1.member.parameters.1.member.parameterName'");
    expect(await create('bad-3', { ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda', Parameters: [] }] } })).toBeInstanceOf(InvalidArgumentException);
    expect(await create('bad-4', { ProcessingConfiguration: { Enabled: true, Processors: [lambdaProcessor('a').Processors![0], lambdaProcessor('b').Processors![0]] } })).toBeInstanceOf(InvalidArgumentException);
    expect(await create('bad-5', { ProcessingConfiguration: lambdaProcessor('fh-upper', [['NumberOfRetries', '301']]) })).toBeInstanceOf(InvalidArgumentException);
    expect(await create('bad-6', { ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Decompression' }] } })).toBeInstanceOf(InvalidArgumentException);
    const prefix = await create('bad-7', { Prefix: 'p/!{timestamp:yyyy}/' });
    expect(prefix).toBeInstanceOf(InvalidArgumentException);
    expect(prefix.message).toBe('ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.');
    expect(await create('bad-8', { Prefix: 'p/!{firehose:error-output-type}/', ErrorOutputPrefix: 'e/!{firehose:error-output-type}/' })).toBeInstanceOf(InvalidArgumentException);
    // None of them was created.
    expect((await tb.engine.api.sinks.list('firehose')).map((s) => s.name).filter((n) => n.startsWith('bad-'))).toEqual([]);
  });
});

describeAwsCli('Firehose Lambda processor through the AWS CLI', () => {
  it("create-delivery-stream with the README's ProcessingConfiguration; a full buffer is transformed and read back with aws s3 cp", async () => {
    const endpoint = tb.httpUrl;
    // Debian's CLI (2.9) knows an older model: buffering intervals from 60 s, so this delivery is triggered by size.
    await awsCliJson(['firehose', 'create-delivery-stream', '--delivery-stream-name', 'cli-clean', '--extended-s3-destination-configuration', JSON.stringify({
      RoleARN: ROLE, BucketARN: 'arn:aws:s3:::fh-processed', Prefix: 'cli-clean/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 },
      ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'Lambda', Parameters: [
        { ParameterName: 'LambdaArn', ParameterValue: fnArn('fh-upper') }, { ParameterName: 'NumberOfRetries', ParameterValue: '1' }] }] },
    })], { endpoint });
    const described = await awsCliJson(['firehose', 'describe-delivery-stream', '--delivery-stream-name', 'cli-clean'], { endpoint });
    expect(described.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription.ProcessingConfiguration.Processors[0].Parameters)
      .toEqual([{ ParameterName: 'LambdaArn', ParameterValue: fnArn('fh-upper') }, { ParameterName: 'NumberOfRetries', ParameterValue: '1' }]);
    const big = (c: string) => c.repeat(600 * 1024);
    await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'cli-clean', Records: [{ Data: Buffer.from(big('a')) }, { Data: Buffer.from(big('b')) }] }));
    const [obj] = await vi.waitFor(async () => {
      const listed = (await s3.send(new ListObjectsV2Command({ Bucket: 'fh-processed', Prefix: 'cli-clean/' }))).Contents ?? [];
      expect(listed).toHaveLength(1);
      return listed;
    }, { timeout: 15_000 });
    const copied = await runAwsCli(['s3', 'cp', `s3://fh-processed/${obj.Key}`, '-'], { endpoint });
    expect(copied.code, copied.stderr).toBe(0);
    const stream = 'arn:aws:firehose:us-east-1:000000000000:deliverystream/cli-clean';
    expect(copied.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ text: big('A'), stream }, { text: big('B'), stream }]);
  }, 60_000);
});
