/**
 * Kinesis streams and DynamoDB streams as Lambda event sources, through the real SDK v3 clients and the AWS CLI:
 * CreateEventSourceMapping and its refusals, the events exactly as Lambda sends them, order per shard, retries that
 * end in the OnFailure queue, ReportBatchItemFailures, and checkpoints that survive a restart.
 * Functions report each invocation's event over MQTT (`thingbench.publish`), so the test sees what they saw.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import type { MqttClient } from 'mqtt';
import {
  CreateEventSourceMappingCommand, CreateFunctionCommand, DeleteEventSourceMappingCommand, GetEventSourceMappingCommand, LambdaClient,
  ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand, type CreateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import { CreateStreamCommand, KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateTableCommand, DeleteItemCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand, UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { awsCliJson, awsCliMissing } from '../helpers/aws-cli.js';

const ROLE = 'arn:aws:iam::000000000000:role/stream-reader';
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };
const streamArn = (name: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const zip = (code: string) => zipSync({ 'index.js': strToU8(code) });

interface KinesisEventRecord {
  kinesis: { kinesisSchemaVersion: string; partitionKey: string; sequenceNumber: string; data: string; approximateArrivalTimestamp: number };
  eventSource: string; eventVersion: string; eventID: string; eventName: string; invokeIdentityArn: string; awsRegion: string; eventSourceARN: string;
}
type Event = { Records: Array<KinesisEventRecord & Record<string, unknown>> };
const dataOf = (r: KinesisEventRecord) => Buffer.from(r.kinesis.data, 'base64').toString('utf8');

describe('Kinesis and DynamoDB streams as Lambda event sources', () => {
  let te: TestEngine;
  let lambda: LambdaClient;
  let kinesis: KinesisClient;
  let sqs: SQSClient;
  let ddb: DynamoDBClient;
  let sub: MqttClient;
  /** Each function's invocations, in the order they reported. */
  const seen = new Map<string, Event[]>();

  const clients = () => {
    lambda = new LambdaClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    kinesis = new KinesisClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    sqs = new SQSClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    ddb = new DynamoDBClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
  };
  const listen = async () => {
    sub = await connect(te.mqttPort, { clientId: 'esm-watch' });
    sub.on('message', (topic, payload) => {
      const name = topic.slice('esm/'.length);
      seen.set(name, [...(seen.get(name) ?? []), JSON.parse(payload.toString()) as Event]);
    });
    await sub.subscribeAsync('esm/#', { qos: 1 });
  };
  const invocations = (name: string) => seen.get(name) ?? [];
  const records = (name: string) => invocations(name).flatMap((e) => e.Records);
  const waitRecords = (name: string, n: number) => vi.waitFor(() => expect(records(name).length).toBeGreaterThanOrEqual(n), { timeout: 15_000, interval: 20 });
  /** A function that reports each event; `body` (optional) runs after, with `event` in scope. */
  const createFunction = (name: string, body = '') => lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE,
    Code: { ZipFile: zip(`let calls = 0;\nexports.handler = async (event) => {\n  calls++;\n  await thingbench.publish('esm/${name}', event, { qos: 1 });\n${body}\n};\n`) },
  }));
  const map = (input: CreateEventSourceMappingCommandInput) => lambda.send(new CreateEventSourceMappingCommand(input));
  const refusal = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e: Error & { $metadata?: { httpStatusCode?: number } }) => ({ name: e.name, message: e.message, status: e.$metadata?.httpStatusCode }));

  /** The engine's clock runs `offset` ms ahead of the system's (record ages, AT_TIMESTAMP). */
  let offset = 0;
  const now = () => Date.now() + offset;

  beforeAll(async () => {
    te = await startTestEngine({ clock: { now }, sinks: { ttlSweepMs: 200 } });
    clients();
    await listen();
  });
  afterAll(async () => {
    await sub?.endAsync();
    for (const c of [lambda, kinesis, sqs, ddb]) c?.destroy();
    await te?.stop();
  });

  it('PutRecords reach the function in order per shard, with the Kinesis event exactly as Lambda sends it', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'telemetry', ShardCount: 2 }));
    await createFunction('kin');
    const created = await map({ FunctionName: 'kin', EventSourceArn: streamArn('telemetry'), StartingPosition: 'TRIM_HORIZON', BatchSize: 10 });
    expect(created.$metadata.httpStatusCode).toBe(202);
    expect(created).toMatchObject({
      UUID: expect.any(String), BatchSize: 10, MaximumBatchingWindowInSeconds: 0, ParallelizationFactor: 1, EventSourceArn: streamArn('telemetry'),
      FunctionArn: fnArn('kin'), LastProcessingResult: 'No records processed', State: 'Creating', StateTransitionReason: 'User action',
      StartingPosition: 'TRIM_HORIZON', DestinationConfig: {}, MaximumRecordAgeInSeconds: -1, BisectBatchOnFunctionError: false, MaximumRetryAttempts: -1,
      FunctionResponseTypes: [],
    });
    expect(created.LastModified).toBeInstanceOf(Date);

    const entries = Array.from({ length: 24 }, (_, i) => ({ Data: Buffer.from(`m${i}`), PartitionKey: `device-${i % 4}` }));
    const put = await kinesis.send(new PutRecordsCommand({ StreamName: 'telemetry', Records: entries }));
    expect(put.FailedRecordCount).toBe(0);
    await waitRecords('kin', 24);

    const got = records('kin');
    expect(got.map(dataOf).sort()).toEqual(entries.map((e) => e.Data.toString()).sort());
    // Each invocation carries one shard's records; per shard they arrive in the order they were written.
    for (const inv of invocations('kin')) expect(new Set(inv.Records.map((r) => r.eventID.split(':')[0])).size).toBe(1);
    for (const shard of new Set(put.Records!.map((r) => r.ShardId!))) {
      const written = put.Records!.map((r, i) => ({ ...r, data: `m${i}` })).filter((r) => r.ShardId === shard);
      expect(got.filter((r) => r.eventID.startsWith(`${shard}:`)).map(dataOf)).toEqual(written.map((r) => r.data));
    }
    const first = put.Records![0];
    expect(got.find((r) => dataOf(r) === 'm0')).toEqual({
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'device-0', sequenceNumber: first.SequenceNumber, data: Buffer.from('m0').toString('base64'), approximateArrivalTimestamp: expect.any(Number) },
      eventSource: 'aws:kinesis', eventVersion: '1.0', eventID: `${first.ShardId}:${first.SequenceNumber}`, eventName: 'aws:kinesis:record',
      invokeIdentityArn: ROLE, awsRegion: 'us-east-1', eventSourceARN: streamArn('telemetry'),
    });
    expect(Math.abs(got[0].kinesis.approximateArrivalTimestamp * 1000 - now())).toBeLessThan(60_000);

    await vi.waitFor(async () => expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }))).LastProcessingResult).toBe('OK'));
    const got2 = await lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }));
    expect(got2).toMatchObject({ State: 'Enabled', StartingPosition: 'TRIM_HORIZON', EventSourceArn: streamArn('telemetry') });
    const byFunction = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'kin' }));
    expect(byFunction.EventSourceMappings!.map((m) => m.UUID)).toEqual([created.UUID]);
    const bySource = await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: streamArn('telemetry') }));
    expect(bySource.EventSourceMappings!.map((m) => m.UUID)).toEqual([created.UUID]);
    expect((await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: streamArn('other') }))).EventSourceMappings).toEqual([]);

    // UpdateEventSourceMapping can point the mapping at another function: it gets the records from there on.
    await createFunction('kin2');
    const moved = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: created.UUID, FunctionName: 'kin2' }));
    expect(moved).toMatchObject({ FunctionArn: fnArn('kin2'), State: 'Updating' });
    await kinesis.send(new PutRecordCommand({ StreamName: 'telemetry', Data: Buffer.from('moved'), PartitionKey: 'device-0' }));
    await waitRecords('kin2', 1);
    expect(records('kin2').map(dataOf)).toEqual(['moved']);
    expect(records('kin').map(dataOf)).not.toContain('moved');
  });

  it('refuses what Lambda refuses, with its messages', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'refusals', ShardCount: 1 }));
    await createFunction('picky');
    expect(await refusal(map({ FunctionName: 'picky', EventSourceArn: streamArn('refusals') }))).toEqual({
      name: 'InvalidParameterValueException', status: 400,
      message: "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.",
    });
    expect(await refusal(map({ FunctionName: 'picky', EventSourceArn: streamArn('refusals'), StartingPosition: 'SOMEWHERE' as 'LATEST' }))).toMatchObject({
      name: 'ValidationException', message: "1 validation error detected: Value 'SOMEWHERE' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]",
    });
    expect(await refusal(map({ FunctionName: 'picky', EventSourceArn: streamArn('nosuch'), StartingPosition: 'LATEST' }))).toMatchObject({
      name: 'InvalidParameterValueException', message: `Cannot access stream ${streamArn('nosuch')}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListShards Actions on your stream.`,
    });
    expect(await refusal(map({ FunctionName: 'picky', EventSourceArn: streamArn('refusals'), StartingPosition: 'LATEST', ParallelizationFactor: 2 }))).toMatchObject({
      name: 'InvalidParameterValueException', message: expect.stringContaining('ParallelizationFactor must be 1'),
    });
    expect(await refusal(map({ FunctionName: 'picky', EventSourceArn: streamArn('refusals'), StartingPosition: 'LATEST', BatchSize: 10001 }))).toMatchObject({ name: 'ValidationException' });
    expect(await refusal(map({ FunctionName: 'picky', EventSourceArn: streamArn('refusals'), StartingPosition: 'LATEST', MaximumRetryAttempts: 10001 }))).toMatchObject({
      name: 'ValidationException', message: "1 validation error detected: Value '10001' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 10000",
    });
    expect(await refusal(map({ FunctionName: 'picky', EventSourceArn: streamArn('refusals'), StartingPosition: 'AT_TIMESTAMP' }))).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await refusal(map({ FunctionName: 'picky', EventSourceArn: streamArn('refusals'), StartingPosition: 'LATEST', DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:x' } } })))
      .toMatchObject({ name: 'InvalidParameterValueException', message: 'Unsupported DestinationConfig parameter for given event source mapping type.' });
    await sqs.send(new CreateQueueCommand({ QueueName: 'plain' }));
    expect(await refusal(map({ FunctionName: 'picky', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:plain', StartingPosition: 'LATEST' }))).toMatchObject({
      name: 'InvalidParameterValueException', message: 'StartingPosition is not valid for SQS event sources.',
    });
    expect(await refusal(map({ FunctionName: 'picky', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:plain', MaximumRetryAttempts: 2 }))).toMatchObject({
      name: 'InvalidParameterValueException', message: 'Unsupported MaximumRetryAttempts parameter for given event source mapping type.',
    });
    const ok = await map({ FunctionName: 'picky', EventSourceArn: streamArn('refusals'), StartingPosition: 'LATEST' });
    expect(await refusal(map({ FunctionName: 'picky', EventSourceArn: streamArn('refusals'), StartingPosition: 'LATEST' }))).toEqual({
      name: 'ResourceConflictException', status: 409,
      message: `The event source arn (" ${streamArn('refusals')} ") and function (" picky ") provided mapping already exists. Please update or delete the existing mapping with UUID ${ok.UUID}`,
    });
    expect((await lambda.send(new DeleteEventSourceMappingCommand({ UUID: ok.UUID }))).State).toBe('Deleting');
    expect(await refusal(lambda.send(new GetEventSourceMappingCommand({ UUID: ok.UUID })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('a failing batch is retried, then its invocation record goes to the OnFailure queue and the shard moves on', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'faulty', ShardCount: 1 }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'esm-failures' }));
    await createFunction('fragile', `  if (event.Records.some((r) => Buffer.from(r.kinesis.data, 'base64').toString() === 'bad')) throw new Error('cannot handle bad');`);
    const m = await map({
      FunctionName: 'fragile', EventSourceArn: streamArn('faulty'), StartingPosition: 'TRIM_HORIZON', MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:esm-failures' } },
    });
    expect(m).toMatchObject({ MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:esm-failures' } } });
    const bad = await kinesis.send(new PutRecordCommand({ StreamName: 'faulty', Data: Buffer.from('bad'), PartitionKey: 'k' }));
    const received = await vi.waitFor(async () => {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(r.Messages?.length).toBe(1);
      return JSON.parse(r.Messages![0].Body!) as Record<string, unknown>;
    }, { timeout: 15_000 });
    // The first attempt and two retries, each with the same record.
    expect(invocations('fragile').map((e) => e.Records.map(dataOf))).toEqual([['bad'], ['bad'], ['bad']]);
    expect(received).toEqual({
      requestContext: { requestId: expect.any(String), functionArn: fnArn('fragile'), condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      KinesisBatchInfo: {
        shardId: bad.ShardId, startSequenceNumber: bad.SequenceNumber, endSequenceNumber: bad.SequenceNumber,
        approximateArrivalOfFirstRecord: expect.stringMatching(/Z$/), approximateArrivalOfLastRecord: expect.stringMatching(/Z$/), batchSize: 1, streamArn: streamArn('faulty'),
      },
    });
    // The shard was not blocked: the next record is processed.
    await kinesis.send(new PutRecordCommand({ StreamName: 'faulty', Data: Buffer.from('good'), PartitionKey: 'k' }));
    await waitRecords('fragile', 4);
    expect(records('fragile').map(dataOf)).toEqual(['bad', 'bad', 'bad', 'good']);
    // The function published its record before it returned; the mapping's result follows its return.
    await vi.waitFor(async () => expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).LastProcessingResult).toBe('OK'), { timeout: 15_000, interval: 20 });
  });

  it('with ReportBatchItemFailures the checkpoint moves to the first failed record and only the rest is retried', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'partial', ShardCount: 1 }));
    await createFunction('partial', `  const failed = calls === 1 ? event.Records.find((r) => Buffer.from(r.kinesis.data, 'base64').toString() === 'b') : undefined;
  return { batchItemFailures: failed ? [{ itemIdentifier: failed.kinesis.sequenceNumber }] : [] };`);
    // Disabled while the batch is written, so it arrives as one batch when enabled.
    const m = await map({ FunctionName: 'partial', EventSourceArn: streamArn('partial'), StartingPosition: 'TRIM_HORIZON', FunctionResponseTypes: ['ReportBatchItemFailures'], Enabled: false });
    expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    await kinesis.send(new PutRecordsCommand({ StreamName: 'partial', Records: ['a', 'b', 'c'].map((d) => ({ Data: Buffer.from(d), PartitionKey: 'k' })) }));
    const enabled = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: true }));
    expect(enabled.State).toBe('Enabling');
    await waitRecords('partial', 5);
    expect(invocations('partial').map((e) => e.Records.map(dataOf))).toEqual([['a', 'b', 'c'], ['b', 'c']]);
    await kinesis.send(new PutRecordCommand({ StreamName: 'partial', Data: Buffer.from('d'), PartitionKey: 'k' }));
    await waitRecords('partial', 6);
    expect(invocations('partial').map((e) => e.Records.map(dataOf))).toEqual([['a', 'b', 'c'], ['b', 'c'], ['d']]);
  });

  it.skipIf(awsCliMissing !== undefined)('aws lambda create-event-source-mapping with LATEST: only records written afterwards', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'cli-stream', ShardCount: 1 }));
    await kinesis.send(new PutRecordCommand({ StreamName: 'cli-stream', Data: Buffer.from('before'), PartitionKey: 'k' }));
    await createFunction('clikin');
    const out = await awsCliJson(['lambda', 'create-event-source-mapping', '--function-name', 'clikin', '--event-source-arn', streamArn('cli-stream'),
      '--starting-position', 'LATEST', '--batch-size', '50', '--maximum-retry-attempts', '3', '--bisect-batch-on-function-error'], { endpoint: te.httpUrl });
    expect(out).toMatchObject({ State: 'Creating', StartingPosition: 'LATEST', BatchSize: 50, MaximumRetryAttempts: 3, BisectBatchOnFunctionError: true, FunctionArn: fnArn('clikin') });
    await kinesis.send(new PutRecordCommand({ StreamName: 'cli-stream', Data: Buffer.from('after'), PartitionKey: 'k' }));
    await waitRecords('clikin', 1);
    expect(records('clikin').map(dataOf)).toEqual(['after']);
    const listed = await awsCliJson(['lambda', 'list-event-source-mappings', '--function-name', 'clikin'], { endpoint: te.httpUrl });
    expect((listed.EventSourceMappings as Array<{ UUID: string }>).map((x) => x.UUID)).toEqual([out.UUID]);
    const uuid = out.UUID as string;
    const updated = await awsCliJson(['lambda', 'update-event-source-mapping', '--uuid', uuid, '--no-enabled', '--maximum-record-age-in-seconds', '3600',
      '--destination-config', '{"OnFailure":{"Destination":"arn:aws:sqs:us-east-1:000000000000:plain"}}'], { endpoint: te.httpUrl });
    expect(updated).toMatchObject({ UUID: uuid, State: 'Disabling', MaximumRecordAgeInSeconds: 3600, DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:plain' } } });
    expect(await awsCliJson(['lambda', 'get-event-source-mapping', '--uuid', uuid], { endpoint: te.httpUrl })).toMatchObject({
      State: 'Disabled', StateTransitionReason: 'User action', LastProcessingResult: 'OK', StartingPosition: 'LATEST', MaximumRecordAgeInSeconds: 3600,
    });
    expect(await awsCliJson(['lambda', 'delete-event-source-mapping', '--uuid', uuid], { endpoint: te.httpUrl })).toMatchObject({ UUID: uuid, State: 'Deleting' });
    expect((await awsCliJson(['lambda', 'list-event-source-mappings', '--event-source-arn', streamArn('cli-stream')], { endpoint: te.httpUrl })).EventSourceMappings).toEqual([]);
   }, 90_000);

  it('a DynamoDB table with NEW_AND_OLD_IMAGES: INSERT, MODIFY and REMOVE events as Lambda sends them', async () => {
    const table = await ddb.send(new CreateTableCommand({
      TableName: 'Devices', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST', StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }));
    const arn = table.TableDescription!.LatestStreamArn!;
    expect((await ddb.send(new DescribeTableCommand({ TableName: 'Devices' }))).Table!.LatestStreamArn).toBe(arn);
    await createFunction('ddbfn');
    expect(await refusal(map({ FunctionName: 'ddbfn', EventSourceArn: arn, StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: new Date() }))).toMatchObject({
      name: 'InvalidParameterValueException', message: `Unsupported starting position for arn type: ${arn}`,
    });
    const m = await map({ FunctionName: 'ddbfn', EventSourceArn: arn, StartingPosition: 'TRIM_HORIZON' });
    expect(m).toMatchObject({ EventSourceArn: arn, StartingPosition: 'TRIM_HORIZON', BatchSize: 100, State: 'Creating' });
    await ddb.send(new PutItemCommand({ TableName: 'Devices', Item: { id: { S: 'd1' }, tc: { N: '20' } } }));
    await ddb.send(new UpdateItemCommand({ TableName: 'Devices', Key: { id: { S: 'd1' } }, UpdateExpression: 'SET tc = :t', ExpressionAttributeValues: { ':t': { N: '25' } } }));
    await ddb.send(new DeleteItemCommand({ TableName: 'Devices', Key: { id: { S: 'd1' } } }));
    await waitRecords('ddbfn', 3);
    const got = records('ddbfn') as unknown as Array<{ eventName: string; dynamodb: { SequenceNumber: string; ApproximateCreationDateTime: number } }>;
    expect(got.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const seqs = got.map((r) => r.dynamodb.SequenceNumber);
    expect([...seqs].sort()).toEqual(seqs);
    const common = { eventID: expect.stringMatching(/^[0-9a-f]{32}$/), eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'us-east-1', eventSourceARN: arn };
    const meta = { ApproximateCreationDateTime: expect.any(Number), Keys: { id: { S: 'd1' } }, SequenceNumber: expect.stringMatching(/^\d{21}$/), SizeBytes: expect.any(Number), StreamViewType: 'NEW_AND_OLD_IMAGES' };
    expect(got[0]).toEqual({ ...common, eventName: 'INSERT', dynamodb: { ...meta, NewImage: { id: { S: 'd1' }, tc: { N: '20' } } } });
    expect(got[1]).toEqual({ ...common, eventName: 'MODIFY', dynamodb: { ...meta, NewImage: { id: { S: 'd1' }, tc: { N: '25' } }, OldImage: { id: { S: 'd1' }, tc: { N: '20' } } } });
    expect(got[2]).toEqual({ ...common, eventName: 'REMOVE', dynamodb: { ...meta, OldImage: { id: { S: 'd1' }, tc: { N: '25' } } } });
    expect(Number.isInteger(got[0].dynamodb.ApproximateCreationDateTime)).toBe(true);
    expect(Math.abs(got[0].dynamodb.ApproximateCreationDateTime - now() / 1000)).toBeLessThan(60);
  });

  it('a failing DynamoDB batch goes to the OnFailure queue with DDBStreamBatchInfo', async () => {
    const table = await ddb.send(new CreateTableCommand({
      TableName: 'Alarms', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
    }));
    const arn = table.TableDescription!.LatestStreamArn!;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'ddb-failures' }));
    await createFunction('ddbfail', '  throw new Error("no");');
    await map({ FunctionName: 'ddbfail', EventSourceArn: arn, StartingPosition: 'LATEST', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:ddb-failures' } } });
    await ddb.send(new PutItemCommand({ TableName: 'Alarms', Item: { id: { S: 'a1' } } }));
    const received = await vi.waitFor(async () => {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(r.Messages?.length).toBe(1);
      return JSON.parse(r.Messages![0].Body!) as Record<string, unknown>;
    }, { timeout: 15_000 });
    const seq = (records('ddbfail')[0] as unknown as { dynamodb: { SequenceNumber: string } }).dynamodb.SequenceNumber;
    expect(records('ddbfail')[0]).toMatchObject({ eventName: 'INSERT', dynamodb: { Keys: { id: { S: 'a1' } }, StreamViewType: 'KEYS_ONLY' } });
    expect(received).toMatchObject({
      requestContext: { functionArn: fnArn('ddbfail'), condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      DDBStreamBatchInfo: {
        shardId: expect.stringMatching(/^shardId-/), startSequenceNumber: seq, endSequenceNumber: seq, batchSize: 1, streamArn: arn,
        approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      },
    });
  });

  it('BisectBatchOnFunctionError splits a failing batch until the bad record is alone', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'halves', ShardCount: 1 }));
    await createFunction('bisect', `  if (event.Records.some((r) => Buffer.from(r.kinesis.data, 'base64').toString() === 'bad')) throw new Error('bad record');`);
    const m = await map({ FunctionName: 'bisect', EventSourceArn: streamArn('halves'), StartingPosition: 'TRIM_HORIZON', BisectBatchOnFunctionError: true, MaximumRetryAttempts: 0, Enabled: false });
    await kinesis.send(new PutRecordsCommand({ StreamName: 'halves', Records: ['a', 'bad', 'c', 'd'].map((d) => ({ Data: Buffer.from(d), PartitionKey: 'k' })) }));
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: true }));
    await vi.waitFor(() => expect(invocations('bisect').length).toBe(5), { timeout: 15_000, interval: 20 });
    expect(invocations('bisect').map((e) => e.Records.map(dataOf))).toEqual([['a', 'bad', 'c', 'd'], ['a', 'bad'], ['a'], ['bad'], ['c', 'd']]);
  });

  it('MaximumBatchingWindowInSeconds gathers records written one by one into one batch', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'gather', ShardCount: 1 }));
    await createFunction('gather');
    await map({ FunctionName: 'gather', EventSourceArn: streamArn('gather'), StartingPosition: 'LATEST', BatchSize: 3, MaximumBatchingWindowInSeconds: 20 });
    for (const d of ['x', 'y', 'z']) await kinesis.send(new PutRecordCommand({ StreamName: 'gather', Data: Buffer.from(d), PartitionKey: 'k' }));
    await waitRecords('gather', 3);
    expect(invocations('gather').map((e) => e.Records.map(dataOf))).toEqual([['x', 'y', 'z']]);
  });

  it('AT_TIMESTAMP starts at the first record written at or after the timestamp', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'timed', ShardCount: 1 }));
    await kinesis.send(new PutRecordCommand({ StreamName: 'timed', Data: Buffer.from('early'), PartitionKey: 'k' }));
    offset += 10_000;
    const from = new Date(now() - 5_000);
    await kinesis.send(new PutRecordCommand({ StreamName: 'timed', Data: Buffer.from('late'), PartitionKey: 'k' }));
    await createFunction('timed');
    const m = await map({ FunctionName: 'timed', EventSourceArn: streamArn('timed'), StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: from });
    expect(m.StartingPositionTimestamp?.getTime()).toBe(from.getTime());
    await waitRecords('timed', 1);
    await kinesis.send(new PutRecordCommand({ StreamName: 'timed', Data: Buffer.from('later'), PartitionKey: 'k' }));
    await waitRecords('timed', 2);
    expect(records('timed').map(dataOf)).toEqual(['late', 'later']);
  });

  it('records older than MaximumRecordAgeInSeconds are given up to an SNS topic as RecordAgeExceeded', async () => {
    const sns = new SNSClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'aging', ShardCount: 1 }));
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'stream-failures' }));
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'stream-failures-q' }));
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:stream-failures-q' }));
      await createFunction('aging', '  throw new Error("always");');
      const m = await map({ FunctionName: 'aging', EventSourceArn: streamArn('aging'), StartingPosition: 'TRIM_HORIZON', MaximumRecordAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: TopicArn } } });
      expect(m).toMatchObject({ MaximumRecordAgeInSeconds: 60, MaximumRetryAttempts: -1 });
      const put = await kinesis.send(new PutRecordCommand({ StreamName: 'aging', Data: Buffer.from('stale'), PartitionKey: 'k' }));
      await waitRecords('aging', 1);
      offset += 120_000;
      const message = await vi.waitFor(async () => {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
        expect(r.Messages?.length).toBe(1);
        return JSON.parse((JSON.parse(r.Messages![0].Body!) as { Message: string }).Message) as Record<string, unknown>;
      }, { timeout: 15_000 });
      expect(message).toMatchObject({
        requestContext: { functionArn: fnArn('aging'), condition: 'RecordAgeExceeded', approximateInvokeCount: expect.any(Number) },
        KinesisBatchInfo: { shardId: put.ShardId, startSequenceNumber: put.SequenceNumber, endSequenceNumber: put.SequenceNumber, batchSize: 1, streamArn: streamArn('aging') },
      });
      // The shard moved on: a fresh record reaches the function.
      await kinesis.send(new PutRecordCommand({ StreamName: 'aging', Data: Buffer.from('fresh'), PartitionKey: 'k' }));
      await vi.waitFor(() => expect(records('aging').map(dataOf)).toContain('fresh'), { timeout: 15_000, interval: 20 });
    } finally {
      sns.destroy();
    }
  });

  it('FilterCriteria: only matching records reach the function; the others are passed over (Kinesis, DynamoDB) or deleted (SQS)', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'filtered', ShardCount: 1 }));
    await createFunction('hot');
    const pattern = JSON.stringify({ partitionKey: [{ prefix: 'sensor-' }], data: { temp: [{ numeric: ['>', 30] }] } });
    expect(await refusal(map({ FunctionName: 'hot', EventSourceArn: streamArn('filtered'), StartingPosition: 'LATEST', FilterCriteria: { Filters: [{ Pattern: '{"temp": 30}' }] } })))
      .toMatchObject({ name: 'InvalidParameterValueException', message: 'Invalid filter pattern definition.' });
    const m = await map({ FunctionName: 'hot', EventSourceArn: streamArn('filtered'), StartingPosition: 'LATEST', FilterCriteria: { Filters: [{ Pattern: pattern }] } });
    expect(m.FilterCriteria).toEqual({ Filters: [{ Pattern: pattern }] });
    const put = (pk: string, data: string) => ({ PartitionKey: pk, Data: Buffer.from(data) });
    await kinesis.send(new PutRecordsCommand({ StreamName: 'filtered', Records: [
      put('sensor-1', '{"temp": 31}'), put('sensor-1', '{"temp": 20}'), put('other', '{"temp": 40}'), put('sensor-2', 'not json'), put('sensor-2', '{"temp": 35}'), put('sensor-3', '{"temp": 1}'),
    ] }));
    await waitRecords('hot', 2);
    // The trailing record nobody wanted was passed over: the next match is the next thing the function sees.
    await kinesis.send(new PutRecordCommand({ StreamName: 'filtered', ...put('sensor-4', '{"temp": 50}') }));
    await waitRecords('hot', 3);
    expect(records('hot').map(dataOf)).toEqual(['{"temp": 31}', '{"temp": 35}', '{"temp": 50}']);
    const cleared = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, FilterCriteria: {} }));
    expect(cleared.FilterCriteria).toBeUndefined();

    // DynamoDB: INSERTs only.
    const table = await ddb.send(new CreateTableCommand({
      TableName: 'Inserts', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST', StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }));
    await createFunction('inserts');
    await map({ FunctionName: 'inserts', EventSourceArn: table.TableDescription!.LatestStreamArn!, StartingPosition: 'TRIM_HORIZON', FilterCriteria: { Filters: [{ Pattern: '{"eventName": ["INSERT"]}' }] } });
    await ddb.send(new PutItemCommand({ TableName: 'Inserts', Item: { id: { S: 'i1' } } }));
    await ddb.send(new DeleteItemCommand({ TableName: 'Inserts', Key: { id: { S: 'i1' } } }));
    await ddb.send(new PutItemCommand({ TableName: 'Inserts', Item: { id: { S: 'i2' } } }));
    await waitRecords('inserts', 2);
    expect((records('inserts') as unknown as Array<{ eventName: string; dynamodb: { Keys: unknown } }>).map((r) => [r.eventName, r.dynamodb.Keys]))
      .toEqual([['INSERT', { id: { S: 'i1' } }], ['INSERT', { id: { S: 'i2' } }]]);

    // SQS: a JSON body pattern; the others are deleted from the queue.
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }));
    await createFunction('bigorders');
    await map({ FunctionName: 'bigorders', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:orders', FilterCriteria: { Filters: [{ Pattern: '{"body": {"qty": [{"numeric": [">=", 10]}]}}' }] } });
    for (const body of ['{"qty": 1}', 'qty=50', '{"qty": 12}']) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    await waitRecords('bigorders', 1);
    expect((records('bigorders') as unknown as Array<{ body: string }>).map((r) => r.body)).toEqual(['{"qty": 12}']);
    await vi.waitFor(async () => {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      expect(Attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    }, { timeout: 10_000 });
  });

  it('an SQS mapping with a batching window gathers more than 10 messages into one batch', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bulk' }));
    await createFunction('bulk');
    expect(await refusal(map({ FunctionName: 'bulk', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:bulk', BatchSize: 25 }))).toMatchObject({
      name: 'InvalidParameterValueException', message: 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    });
    await map({ FunctionName: 'bulk', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:bulk', BatchSize: 25, MaximumBatchingWindowInSeconds: 30 });
    for (let b = 0; b < 3; b++) {
      const n = b < 2 ? 10 : 5;
      await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: n }, (_, i) => ({ Id: `m${i}`, MessageBody: `msg-${b * 10 + i}` })) }));
    }
    await waitRecords('bulk', 25);
    expect(invocations('bulk').map((e) => e.Records.length)).toEqual([25]);
  });

  it('without a record age limit, a failing batch is retried until its records leave the stream (its retention period)', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'stubborn', ShardCount: 1 }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'stubborn-failures' }));
    await createFunction('stubborn', '  throw new Error("never");');
    await map({ FunctionName: 'stubborn', EventSourceArn: streamArn('stubborn'), StartingPosition: 'TRIM_HORIZON', DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:stubborn-failures' } } });
    await kinesis.send(new PutRecordCommand({ StreamName: 'stubborn', Data: Buffer.from('poison'), PartitionKey: 'k' }));
    await vi.waitFor(() => expect(invocations('stubborn').length).toBeGreaterThanOrEqual(2), { timeout: 15_000, interval: 20 });
    offset += 25 * 3_600_000; // past the stream's 24-hour retention
    const message = await vi.waitFor(async () => {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(r.Messages?.length).toBe(1);
      return JSON.parse(r.Messages![0].Body!) as { requestContext: { condition: string; approximateInvokeCount: number } };
    }, { timeout: 20_000 });
    expect(message.requestContext.condition).toBe('RecordAgeExceeded');
    expect(message.requestContext.approximateInvokeCount).toBeGreaterThanOrEqual(2);
  });

  it('an item deleted by time to live reaches the function as a REMOVE by the DynamoDB service', async () => {
    const table = await ddb.send(new CreateTableCommand({
      TableName: 'Sessions', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST', StreamSpecification: { StreamEnabled: true, StreamViewType: 'OLD_IMAGE' },
    }));
    await ddb.send(new UpdateTimeToLiveCommand({ TableName: 'Sessions', TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' } }));
    await createFunction('expired');
    await map({ FunctionName: 'expired', EventSourceArn: table.TableDescription!.LatestStreamArn!, StartingPosition: 'TRIM_HORIZON', FilterCriteria: { Filters: [{ Pattern: '{"userIdentity": {"type": ["Service"]}}' }] } });
    const expires = String(Math.floor(now() / 1000) - 60);
    await ddb.send(new PutItemCommand({ TableName: 'Sessions', Item: { id: { S: 's1' }, expires: { N: expires } } }));
    await waitRecords('expired', 1);
    expect(records('expired')[0]).toMatchObject({
      eventName: 'REMOVE', userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      dynamodb: { Keys: { id: { S: 's1' } }, OldImage: { id: { S: 's1' }, expires: { N: expires } }, StreamViewType: 'OLD_IMAGE' },
    });
  });

  it('checkpoints survive a restart: nothing processed twice, nothing written while disabled lost', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'durable', ShardCount: 2 }));
    await createFunction('durable');
    const m = await map({ FunctionName: 'durable', EventSourceArn: streamArn('durable'), StartingPosition: 'TRIM_HORIZON' });
    await kinesis.send(new PutRecordsCommand({ StreamName: 'durable', Records: Array.from({ length: 8 }, (_, i) => ({ Data: Buffer.from(`one-${i}`), PartitionKey: `p${i}` })) }));
    await waitRecords('durable', 8);
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: false }));
    await vi.waitFor(async () => expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).State).toBe('Disabled'));
    await kinesis.send(new PutRecordsCommand({ StreamName: 'durable', Records: Array.from({ length: 4 }, (_, i) => ({ Data: Buffer.from(`two-${i}`), PartitionKey: `p${i}` })) }));

    await sub.endAsync();
    for (const c of [lambda, kinesis, sqs, ddb]) c.destroy();
    await te.stop();
    expect(JSON.parse(fs.readFileSync(path.join(te.dataDir, 'lambda', 'event-source-mappings.json'), 'utf8'))).toEqual(expect.arrayContaining([
      expect.objectContaining({ uuid: m.UUID, enabled: false, positions: expect.any(Object) }),
    ]));
    te = await te.restart();
    clients();
    await listen();
    const before = records('durable').length;
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: true }));
    await kinesis.send(new PutRecordsCommand({ StreamName: 'durable', Records: Array.from({ length: 4 }, (_, i) => ({ Data: Buffer.from(`three-${i}`), PartitionKey: `p${i}` })) }));
    await waitRecords('durable', before + 8);
    const after = records('durable').slice(before).map(dataOf);
    expect(after.sort()).toEqual([...Array.from({ length: 4 }, (_, i) => `three-${i}`), ...Array.from({ length: 4 }, (_, i) => `two-${i}`)].sort());
    // The one-* records were not processed again (the marker three-* records came after them on every shard).
    expect(records('durable').map(dataOf).filter((d) => d.startsWith('one-')).length).toBe(8);
  });
});
