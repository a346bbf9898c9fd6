/**
 * Amazon Kinesis Data Streams and Amazon Data Firehose on the engine's endpoint, through the real clients:
 * `@aws-sdk/client-kinesis`, `@aws-sdk/client-firehose`, `@aws-sdk/client-s3` and Debian's AWS CLI. A stream created
 * here is the one a rule's `kinesis` action writes to; a delivery stream delivers into the local S3.
 */
import { once } from 'node:events';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CreateStreamCommand, DeleteStreamCommand, DescribeStreamCommand, DescribeStreamSummaryCommand, ExpiredIteratorException, GetRecordsCommand,
  GetShardIteratorCommand, IncreaseStreamRetentionPeriodCommand, InvalidArgumentException, KinesisClient, ListShardsCommand, ListStreamsCommand,
  PutRecordCommand, PutRecordsCommand, ResourceInUseException, ResourceNotFoundException, ValidationException,
} from '@aws-sdk/client-kinesis';
import {
  CreateDeliveryStreamCommand, DeleteDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient, ListDeliveryStreamsCommand,
  PutRecordBatchCommand, PutRecordCommand as FirehosePutRecordCommand, ResourceInUseException as FirehoseInUse, ResourceNotFoundException as FirehoseNotFound,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';

let tb: TestEngine;
let kinesis: KinesisClient;
let firehose: FirehoseClient;
let s3: S3Client;
let offset = 0;
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
const ARN = (name: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;

beforeAll(async () => {
  tb = await startTestEngine({ clock: { now: () => Date.now() + offset } });
  // The Kinesis client's default handler speaks HTTP/2 (h2c on an http:// endpoint), as it does for SubscribeToShard.
  kinesis = new KinesisClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
  firehose = new FirehoseClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials });
  s3 = new S3Client({ endpoint: tb.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
});
afterAll(async () => {
  kinesis?.destroy();
  firehose?.destroy();
  s3?.destroy();
  await tb.stop();
});

const failure = <T>(p: Promise<T>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);

const readAll = async (StreamName: string, ShardId: string) => {
  const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
  return kinesis.send(new GetRecordsCommand({ ShardIterator }));
};

describe('Kinesis Data Streams through the SDK v3 client', () => {
  it('creates, describes, lists and deletes streams with AWS errors for a taken or missing name', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'sdk-streams', ShardCount: 2 }));
    const taken = await failure(kinesis.send(new CreateStreamCommand({ StreamName: 'sdk-streams', ShardCount: 1 })));
    expect(taken).toBeInstanceOf(ResourceInUseException);
    expect(taken.message).toBe('Stream sdk-streams under account 000000000000 already exists.');

    const { StreamDescription: d } = await kinesis.send(new DescribeStreamCommand({ StreamName: 'sdk-streams' }));
    expect(d).toMatchObject({ StreamName: 'sdk-streams', StreamARN: ARN('sdk-streams'), StreamStatus: 'ACTIVE', RetentionPeriodHours: 24, HasMoreShards: false, EncryptionType: 'NONE' });
    expect(d!.StreamCreationTimestamp).toBeInstanceOf(Date);
    expect(d!.Shards!.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(d!.Shards![0].HashKeyRange).toEqual({ StartingHashKey: '0', EndingHashKey: String((1n << 127n) - 1n) });
    expect(d!.Shards![1].HashKeyRange!.EndingHashKey).toBe(String((1n << 128n) - 1n));

    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: ARN('sdk-streams') }));
    expect(summary.StreamDescriptionSummary).toMatchObject({ StreamName: 'sdk-streams', OpenShardCount: 2, ConsumerCount: 0, StreamModeDetails: { StreamMode: 'PROVISIONED' } });

    const shards = await kinesis.send(new ListShardsCommand({ StreamName: 'sdk-streams', MaxResults: 1 }));
    expect(shards.Shards!.map((s) => s.ShardId)).toEqual(['shardId-000000000000']);
    const rest = await kinesis.send(new ListShardsCommand({ NextToken: shards.NextToken }));
    expect(rest.Shards!.map((s) => s.ShardId)).toEqual(['shardId-000000000001']);
    expect(rest.NextToken).toBeUndefined();

    const listed = await kinesis.send(new ListStreamsCommand({}));
    expect(listed.StreamNames).toContain('sdk-streams');
    expect(listed.StreamSummaries!.find((s) => s.StreamName === 'sdk-streams')).toMatchObject({ StreamARN: ARN('sdk-streams'), StreamStatus: 'ACTIVE' });

    await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'sdk-streams', RetentionPeriodHours: 48 }));
    expect((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'sdk-streams' }))).StreamDescriptionSummary!.RetentionPeriodHours).toBe(48);
    const shorter = await failure(kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'sdk-streams', RetentionPeriodHours: 24 })));
    expect(shorter).toBeInstanceOf(InvalidArgumentException);
    expect(shorter.message).toBe('Requested retention period (24 hours) for stream sdk-streams can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.');

    await kinesis.send(new DeleteStreamCommand({ StreamName: 'sdk-streams' }));
    const gone = await failure(kinesis.send(new DescribeStreamCommand({ StreamName: 'sdk-streams' })));
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect(gone.message).toBe('Stream sdk-streams under account 000000000000 not found.');
    expect(gone.$metadata?.httpStatusCode).toBe(400);
    expect(await failure(kinesis.send(new DeleteStreamCommand({ StreamName: 'sdk-streams' })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it('routes a record by its ExplicitHashKey over its partition key, keeps a batch in order per shard, and refuses a key outside the hash space', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'sdk-explicit', ShardCount: 2 }));
    const shards = (await kinesis.send(new ListShardsCommand({ StreamName: 'sdk-explicit' }))).Shards!;
    const secondStart = shards[1].HashKeyRange!.StartingHashKey!;
    // The same partition key lands on either shard, as the explicit key says.
    const batch = await kinesis.send(new PutRecordsCommand({ StreamName: 'sdk-explicit', Records: [
      { PartitionKey: 'same', ExplicitHashKey: '0', Data: Buffer.from('first-0') },
      { PartitionKey: 'same', ExplicitHashKey: secondStart, Data: Buffer.from('first-1') },
      ...Array.from({ length: 50 }, (_, i) => ({ PartitionKey: 'same', ExplicitHashKey: i % 2 ? secondStart : '0', Data: Buffer.from(`n${i}`) })),
    ] }));
    expect(batch.FailedRecordCount).toBe(0);
    expect(batch.Records!.slice(0, 2).map((r) => r.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    const odd = await readAll('sdk-explicit', 'shardId-000000000001');
    expect(odd.Records!.map((r) => Buffer.from(r.Data!).toString())).toEqual(['first-1', ...Array.from({ length: 25 }, (_, i) => `n${2 * i + 1}`)]);
    const tooBig = (1n << 128n).toString();
    const refused = await failure(kinesis.send(new PutRecordCommand({ StreamName: 'sdk-explicit', PartitionKey: 'k', ExplicitHashKey: tooBig, Data: Buffer.from('x') })));
    expect(refused).toBeInstanceOf(InvalidArgumentException);
    expect(refused.message).toBe(`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${tooBig}`);
  });

  it('puts records on the shard of their partition key and reads them back with every iterator type', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'sdk-records', ShardCount: 1 }));
    const first = await kinesis.send(new PutRecordCommand({ StreamName: 'sdk-records', PartitionKey: 'a', Data: Buffer.from('one') }));
    expect(first.ShardId).toBe('shardId-000000000000');
    expect(first.SequenceNumber).toMatch(/^\d{56}$/);
    const batch = await kinesis.send(new PutRecordsCommand({ StreamName: 'sdk-records', Records: [{ PartitionKey: 'b', Data: Buffer.from('two') }, { PartitionKey: 'c', Data: new Uint8Array([0, 255]) }] }));
    expect(batch.FailedRecordCount).toBe(0);
    expect(batch.Records!.map((r) => r.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000000']);
    const seqs = [first.SequenceNumber!, ...batch.Records!.map((r) => r.SequenceNumber!)];
    expect([...seqs].sort()).toEqual(seqs);

    const all = await readAll('sdk-records', 'shardId-000000000000');
    expect(all.Records!.map((r) => Buffer.from(r.Data!).toString('hex'))).toEqual([Buffer.from('one').toString('hex'), Buffer.from('two').toString('hex'), '00ff']);
    expect(all.Records!.map((r) => r.PartitionKey)).toEqual(['a', 'b', 'c']);
    expect(all.Records![0].ApproximateArrivalTimestamp).toBeInstanceOf(Date);
    expect(all.MillisBehindLatest).toBe(0);

    const iter = (ShardIteratorType: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'LATEST', StartingSequenceNumber?: string) =>
      kinesis.send(new GetShardIteratorCommand({ StreamName: 'sdk-records', ShardId: 'shardId-000000000000', ShardIteratorType, StartingSequenceNumber }));
    const at = await kinesis.send(new GetRecordsCommand({ ShardIterator: (await iter('AT_SEQUENCE_NUMBER', seqs[1])).ShardIterator }));
    expect(at.Records!.map((r) => r.SequenceNumber)).toEqual(seqs.slice(1));
    const after = await kinesis.send(new GetRecordsCommand({ ShardIterator: (await iter('AFTER_SEQUENCE_NUMBER', seqs[1])).ShardIterator, Limit: 10 }));
    expect(after.Records!.map((r) => r.SequenceNumber)).toEqual(seqs.slice(2));
    const latest = await kinesis.send(new GetRecordsCommand({ ShardIterator: (await iter('LATEST')).ShardIterator }));
    expect(latest.Records).toEqual([]);
    await kinesis.send(new PutRecordCommand({ StreamName: 'sdk-records', PartitionKey: 'd', Data: Buffer.from('four') }));
    const next = await kinesis.send(new GetRecordsCommand({ ShardIterator: latest.NextShardIterator }));
    expect(next.Records!.map((r) => Buffer.from(r.Data!).toString())).toEqual(['four']);
    const stamp = next.Records![0].ApproximateArrivalTimestamp!;
    const byTime = await kinesis.send(new GetShardIteratorCommand({ StreamName: 'sdk-records', ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: stamp }));
    expect((await kinesis.send(new GetRecordsCommand({ ShardIterator: byTime.ShardIterator }))).Records!.map((r) => Buffer.from(r.Data!).toString())).toContain('four');

    const paged = await kinesis.send(new GetRecordsCommand({ ShardIterator: (await kinesis.send(new GetShardIteratorCommand({ StreamName: 'sdk-records', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator, Limit: 1 }));
    expect(paged.Records).toHaveLength(1);
    expect(paged.MillisBehindLatest).toBeGreaterThanOrEqual(0);
  });

  it('answers AWS errors for a missing shard, bad arguments, a record over 1 MiB and an expired iterator', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'sdk-errors', ShardCount: 1 }));
    const shard = await failure(kinesis.send(new GetShardIteratorCommand({ StreamName: 'sdk-errors', ShardId: 'shardId-000000000007', ShardIteratorType: 'LATEST' })));
    expect(shard).toBeInstanceOf(ResourceNotFoundException);
    expect(shard.message).toBe('Shard shardId-000000000007 in stream sdk-errors under account 000000000000 does not exist');
    const noSeq = await failure(kinesis.send(new GetShardIteratorCommand({ StreamName: 'sdk-errors', ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_SEQUENCE_NUMBER' })));
    expect(noSeq).toBeInstanceOf(InvalidArgumentException);
    const bad = await failure(kinesis.send(new GetRecordsCommand({ ShardIterator: 'not-an-iterator' })));
    expect(bad).toBeInstanceOf(InvalidArgumentException);
    expect(bad.message).toBe('Invalid ShardIterator.');
    const big = await failure(kinesis.send(new PutRecordCommand({ StreamName: 'sdk-errors', PartitionKey: 'k', Data: Buffer.alloc(1024 * 1024 + 1) })));
    expect(big).toBeInstanceOf(ValidationException);
    expect(big.message).toBe("1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576");
    const missing = await failure(kinesis.send(new PutRecordCommand({ StreamName: 'no-such-stream', PartitionKey: 'k', Data: Buffer.from('x') })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing.message).toBe('Stream no-such-stream under account 000000000000 not found.');
    await kinesis.send(new PutRecordCommand({ StreamName: 'sdk-errors', PartitionKey: 'k', Data: Buffer.alloc(1024 * 1024) }));

    const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: 'sdk-errors', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    offset = 301_000;
    try {
      const expired = await failure(kinesis.send(new GetRecordsCommand({ ShardIterator })));
      expect(expired).toBeInstanceOf(ExpiredIteratorException);
      expect(expired.message).toMatch(/^Iterator expired\. The iterator was created at time \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4} while right now it is .* which is further in the future than the tolerated delay of 300000 milliseconds\.$/);
    } finally {
      offset = 0;
    }
  });

  it('answers over HTTP/1.1 as well, for a client given an HTTP/1.1 handler', async () => {
    const http1 = new KinesisClient({ endpoint: tb.httpUrl, region: 'us-east-1', credentials, requestHandler: new NodeHttpHandler() });
    try {
      await http1.send(new CreateStreamCommand({ StreamName: 'sdk-http1', ShardCount: 1 }));
      const put = await http1.send(new PutRecordCommand({ StreamName: 'sdk-http1', PartitionKey: 'k', Data: Buffer.from('over http/1.1') }));
      const got = await readAll('sdk-http1', put.ShardId!);
      expect(got.Records!.map((r) => Buffer.from(r.Data!).toString())).toEqual(['over http/1.1']);
    } finally {
      http1.destroy();
    }
  });

  it('refuses an HTTP/2 request whose :authority does not name the endpoint, as an HTTP/1.1 one with such a Host', async () => {
    const session = http2.connect(tb.httpUrl);
    try {
      const req = session.request({ ':method': 'POST', ':path': '/', ':authority': 'evil.test', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams' });
      req.end('{}');
      const [headers] = await once(req, 'response') as [http2.IncomingHttpHeaders];
      let body = '';
      for await (const chunk of req) body += String(chunk);
      expect(headers[':status']).toBe(403);
      expect(body).toContain("Host 'evil.test' does not name this endpoint");
    } finally {
      session.close();
    }
  });

  it("is the stream a rule's kinesis action writes into", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'rule-readings', ShardCount: 1 }));
    await tb.engine.api.rules.put('to_kinesis', {
      sql: "SELECT topic(2) AS device, temp FROM 'sensors/+/kin'", awsIotSqlVersion: '2016-03-23',
      actions: [{ kinesis: { streamName: 'rule-readings', partitionKey: '${topic(2)}', roleArn: 'arn:aws:iam::000000000000:role/rules' } }],
    });
    const device = await connect(tb.mqttPort, { clientId: 'kinesis-rule-device' });
    await device.publishAsync('sensors/k1/kin', JSON.stringify({ temp: 19 }), { qos: 1 });
    await device.endAsync();
    await vi.waitFor(async () => {
      const got = await readAll('rule-readings', 'shardId-000000000000');
      expect(got.Records!.map((r) => [r.PartitionKey, JSON.parse(Buffer.from(r.Data!).toString())])).toEqual([['k1', { device: 'k1', temp: 19 }]]);
    }, { timeout: 10_000 });
  });
});

describe('Firehose through the SDK v3 client', () => {
  it('creates, describes, lists and deletes DirectPut delivery streams into S3 with AWS errors', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'fh-archive' }));
    const created = await firehose.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'sdk-fh', DeliveryStreamType: 'DirectPut',
      ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/fh', BucketARN: 'arn:aws:s3:::fh-archive', Prefix: 'raw/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } },
    }));
    expect(created.DeliveryStreamARN).toBe('arn:aws:firehose:us-east-1:000000000000:deliverystream/sdk-fh');
    const taken = await failure(firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'sdk-fh', S3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/fh', BucketARN: 'arn:aws:s3:::fh-archive' } })));
    expect(taken).toBeInstanceOf(FirehoseInUse);
    expect(taken.message).toBe('Firehose sdk-fh under accountId 000000000000 already exists');
    // The texts Firehose answers with: one destination, the model's BucketARN pattern, a stale version id, an unknown destination.
    const both = await failure(firehose.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'two-dests', S3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/fh', BucketARN: 'arn:aws:s3:::fh-archive' },
      ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/fh', BucketARN: 'arn:aws:s3:::fh-archive' },
    })));
    expect([both.name, both.message]).toEqual(['InvalidArgumentException', 'Exactly one destination configuration is supported for a Firehose']);
    const none = await failure(firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'no-dest' })));
    expect([none.name, none.message]).toEqual(['InvalidArgumentException', 'Exactly one destination configuration is supported for a Firehose']);
    const badArn = await failure(firehose.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'bad-arn', ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/fh', BucketARN: 'fh-archive' },
    })));
    expect([badArn.name, badArn.message]).toEqual(['ValidationException',
      "1 validation error detected: Value 'fh-archive' at 'extendedS3DestinationConfiguration.bucketARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*:s3:::[\\w\\.\\-]{1,255}"]);
    const update = (more: Record<string, unknown>) => failure(firehose.send(new UpdateDestinationCommand({
      DeliveryStreamName: 'sdk-fh', CurrentDeliveryStreamVersionId: '1', DestinationId: 'destinationId-000000000001', ExtendedS3DestinationUpdate: { Prefix: 'new/' }, ...more,
    })));
    const stale = await update({ CurrentDeliveryStreamVersionId: '4' });
    expect([stale.name, stale.message]).toEqual(['ConcurrentModificationException', 'Cannot update firehose: sdk-fh since the current version id: 1 and specified version id: 4 do not match']);
    const otherDest = await update({ DestinationId: 'destinationId-000000000002' });
    expect([otherDest.name, otherDest.message]).toEqual(['InvalidArgumentException', 'Destination Id destinationId-000000000002 not found']);
    const noUpdate = await update({ ExtendedS3DestinationUpdate: undefined });
    expect([noUpdate.name, noUpdate.message]).toEqual(['InvalidArgumentException', 'Exactly one destination configuration is supported for a Firehose']);
    const { DeliveryStreamDescription: d } = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'sdk-fh' }));
    expect(d).toMatchObject({ DeliveryStreamName: 'sdk-fh', DeliveryStreamStatus: 'ACTIVE', DeliveryStreamType: 'DirectPut', HasMoreDestinations: false });
    expect(d!.Destinations![0].ExtendedS3DestinationDescription).toMatchObject({ BucketARN: 'arn:aws:s3:::fh-archive', Prefix: 'raw/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 }, CompressionFormat: 'UNCOMPRESSED' });
    expect(d!.CreateTimestamp).toBeInstanceOf(Date);
    expect((await firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toContain('sdk-fh');
    expect((await tb.engine.api.sinks.list('firehose')).find((s) => s.name === 'sdk-fh')?.options).toMatchObject({ bucket: 'fh-archive', prefix: 'raw/', bufferSizeBytes: 1024 * 1024, bufferIntervalSeconds: 60 });
    await firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'sdk-fh' }));
    const gone = await failure(firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'sdk-fh' })));
    expect(gone).toBeInstanceOf(FirehoseNotFound);
    expect(gone.message).toBe('Firehose sdk-fh under account 000000000000 not found.');
    expect(await failure(firehose.send(new FirehosePutRecordCommand({ DeliveryStreamName: 'sdk-fh', Record: { Data: Buffer.from('x') } })))).toBeInstanceOf(FirehoseNotFound);
  });

  it('delivers a PutRecordBatch as one object read back with the S3 client', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'fh-batch' }));
    await firehose.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'sdk-batch',
      ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/fh', BucketARN: 'arn:aws:s3:::fh-batch', Prefix: 'in/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } },
    }));
    const put = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'sdk-batch', Records: [{ Data: Buffer.from('{"n":1}') }, { Data: Buffer.from('{"n":2}\n') }] }));
    expect(put.FailedPutCount).toBe(0);
    expect(put.RequestResponses!.every((r) => typeof r.RecordId === 'string' && r.ErrorCode === undefined)).toBe(true);
    const keys = await vi.waitFor(async () => {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'fh-batch', Prefix: 'in/' }));
      const all = (listed.Contents ?? []).map((o) => o.Key!);
      const bodies = await Promise.all(all.map(async (Key) => (await s3.send(new GetObjectCommand({ Bucket: 'fh-batch', Key }))).Body!.transformToString()));
      // As Firehose does, records are concatenated as sent: no delimiter without an AppendDelimiterToRecord processor.
      expect(bodies.join('')).toBe('{"n":1}{"n":2}\n');
      return all;
    }, { timeout: 10_000 });
    expect(keys[0]).toMatch(/^in\/\d{4}\/\d\d\/\d\d\/\d\d\/sdk-batch-1-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-/);
  });
});

describeAwsCli('Kinesis Data Streams and Firehose through the AWS CLI', () => {
  it('create-stream, put-record, put-records, get-shard-iterator, get-records, list-streams and delete-stream', async () => {
    const endpoint = tb.httpUrl;
    await awsCliJson(['kinesis', 'create-stream', '--stream-name', 'cli-stream', '--shard-count', '1'], { endpoint });
    const put = await awsCliJson(['kinesis', 'put-record', '--stream-name', 'cli-stream', '--partition-key', 'p1', '--data', Buffer.from('hello').toString('base64')], { endpoint });
    expect(put.ShardId).toBe('shardId-000000000000');
    const batch = await awsCliJson(['kinesis', 'put-records', '--stream-name', 'cli-stream', '--records', JSON.stringify([{ PartitionKey: 'p2', Data: Buffer.from('world').toString('base64') }])], { endpoint });
    expect(batch.FailedRecordCount).toBe(0);
    const it = await awsCliJson(['kinesis', 'get-shard-iterator', '--stream-name', 'cli-stream', '--shard-id', 'shardId-000000000000', '--shard-iterator-type', 'TRIM_HORIZON'], { endpoint });
    const got = await awsCliJson(['kinesis', 'get-records', '--shard-iterator', it.ShardIterator], { endpoint });
    expect(got.Records.map((r: { Data: string }) => Buffer.from(r.Data, 'base64').toString())).toEqual(['hello', 'world']);
    expect(typeof got.NextShardIterator).toBe('string');
    expect((await awsCliJson(['kinesis', 'list-streams'], { endpoint })).StreamNames).toContain('cli-stream');
    expect((await awsCliJson(['kinesis', 'describe-stream-summary', '--stream-name', 'cli-stream'], { endpoint })).StreamDescriptionSummary.OpenShardCount).toBe(1);
    await awsCliJson(['kinesis', 'delete-stream', '--stream-name', 'cli-stream'], { endpoint });
    const gone = await runAwsCli(['kinesis', 'describe-stream', '--stream-name', 'cli-stream'], { endpoint });
    expect(gone.code).toBe(254);
    expect(gone.stderr).toContain('ResourceNotFoundException');
    expect(gone.stderr).toContain('Stream cli-stream under account 000000000000 not found.');
  });

  it('firehose create-delivery-stream, put-record, list-delivery-streams and delete-delivery-stream', async () => {
    const endpoint = tb.httpUrl;
    await awsCliJson(['firehose', 'create-delivery-stream', '--delivery-stream-name', 'cli-fh', '--extended-s3-destination-configuration',
      JSON.stringify({ RoleARN: 'arn:aws:iam::000000000000:role/fh', BucketARN: 'arn:aws:s3:::fh-batch', Prefix: 'cli/', BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 60 } })], { endpoint });
    const put = await awsCliJson(['firehose', 'put-record', '--delivery-stream-name', 'cli-fh', '--record', JSON.stringify({ Data: Buffer.from('from the cli').toString('base64') })], { endpoint });
    expect(typeof put.RecordId).toBe('string');
    const described = await awsCliJson(['firehose', 'describe-delivery-stream', '--delivery-stream-name', 'cli-fh'], { endpoint });
    expect(described.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription).toMatchObject({ BucketARN: 'arn:aws:s3:::fh-batch', Prefix: 'cli/', BufferingHints: { IntervalInSeconds: 60 } });
    expect((await awsCliJson(['firehose', 'list-delivery-streams'], { endpoint })).DeliveryStreamNames).toContain('cli-fh');
    await awsCliJson(['firehose', 'delete-delivery-stream', '--delivery-stream-name', 'cli-fh'], { endpoint });
    const gone = await runAwsCli(['firehose', 'describe-delivery-stream', '--delivery-stream-name', 'cli-fh'], { endpoint });
    expect(gone.code).toBe(254);
    expect(gone.stderr).toContain('ResourceNotFoundException');
  });
});
