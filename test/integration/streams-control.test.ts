/**
 * AWS IoT streams' control plane (CreateStream, DescribeStream, ListStreams, UpdateStream, DeleteStream) through the
 * AWS SDK v3 IoT client and /usr/bin/aws: files in the local S3, versions that go up on update, pages, AWS's errors
 * for taken ids, missing objects, duplicate file ids and limits, and streams kept across a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStreamCommand, DeleteStreamCommand, DescribeStreamCommand, IoTClient, ListStreamsCommand, UpdateStreamCommand,
} from '@aws-sdk/client-iot';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const role = 'arn:aws:iam::000000000000:role/stream-role';
let te: TestEngine;
let s3: S3Client;
let iot: IoTClient;

beforeAll(async () => {
  te = await startTestEngine();
  s3 = new S3Client({ endpoint: te.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
  iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'files' }));
  await s3.send(new PutObjectCommand({ Bucket: 'files', Key: 'a.bin', Body: Buffer.alloc(2048, 1) }));
  await s3.send(new PutObjectCommand({ Bucket: 'files', Key: 'b.bin', Body: Buffer.alloc(10, 2) }));
});
afterAll(async () => {
  s3?.destroy();
  iot?.destroy();
  await te?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

const file = (fileId: number, key: string, version?: string) => ({ fileId, s3Location: { bucket: 'files', key, ...(version ? { version } : {}) } });

describe('streams through the AWS SDK v3', () => {
  it('CreateStream, DescribeStream, UpdateStream (the version goes up) and DeleteStream', async () => {
    const created = await iot.send(new CreateStreamCommand({ streamId: 'ota-1', description: 'first', roleArn: role, files: [file(0, 'a.bin', 'v1')] }));
    expect(created).toMatchObject({ streamId: 'ota-1', streamArn: 'arn:aws:iot:us-east-1:000000000000:stream/ota-1', description: 'first', streamVersion: 1 });
    const { streamInfo } = await iot.send(new DescribeStreamCommand({ streamId: 'ota-1' }));
    expect(streamInfo).toMatchObject({
      streamId: 'ota-1', streamVersion: 1, description: 'first', roleArn: role, files: [file(0, 'a.bin', 'v1')],
    });
    expect(streamInfo!.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(streamInfo!.createdAt!.getTime() - Date.now())).toBeLessThan(60_000);

    const updated = await iot.send(new UpdateStreamCommand({ streamId: 'ota-1', description: 'second', files: [file(0, 'a.bin'), file(1, 'b.bin')] }));
    expect(updated).toMatchObject({ streamId: 'ota-1', description: 'second', streamVersion: 2 });
    const again = await iot.send(new UpdateStreamCommand({ streamId: 'ota-1' }));
    expect(again.streamVersion).toBe(3);
    const after = (await iot.send(new DescribeStreamCommand({ streamId: 'ota-1' }))).streamInfo!;
    expect(after.files).toEqual([file(0, 'a.bin'), file(1, 'b.bin')]);
    expect(after.description).toBe('second');

    await iot.send(new DeleteStreamCommand({ streamId: 'ota-1' }));
    expect(await failure(iot.send(new DescribeStreamCommand({ streamId: 'ota-1' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(await failure(iot.send(new DeleteStreamCommand({ streamId: 'ota-1' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await failure(iot.send(new UpdateStreamCommand({ streamId: 'ota-1', description: 'x' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('refuses a taken id, a missing object or bucket, duplicate file ids, bad ids and limits with AWS\'s exceptions', async () => {
    await iot.send(new CreateStreamCommand({ streamId: 'taken', roleArn: role, files: [file(0, 'a.bin')] }));
    const taken = await failure(iot.send(new CreateStreamCommand({ streamId: 'taken', roleArn: role, files: [file(0, 'a.bin')] })));
    expect(taken).toMatchObject({ name: 'ResourceAlreadyExistsException', status: 409 });
    expect(await failure(iot.send(new CreateStreamCommand({ streamId: 's-missing', roleArn: role, files: [file(0, 'nope.bin')] }))))
      .toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(await failure(iot.send(new CreateStreamCommand({ streamId: 's-bucket', roleArn: role, files: [{ fileId: 0, s3Location: { bucket: 'no-bucket', key: 'a.bin' } }] }))))
      .toMatchObject({ name: 'InvalidRequestException' });
    const dup = await failure(iot.send(new CreateStreamCommand({ streamId: 's-dup', roleArn: role, files: [file(0, 'a.bin'), file(0, 'b.bin')] })));
    expect(dup).toMatchObject({ name: 'InvalidRequestException' });
    expect(dup.message).toContain('Duplicate fileId 0');
    const tooMany = await failure(iot.send(new CreateStreamCommand({ streamId: 's-many', roleArn: role, files: Array.from({ length: 51 }, (_, i) => file(i, 'b.bin')) })));
    expect(tooMany).toMatchObject({ name: 'InvalidRequestException' });
    expect(tooMany.message).toContain('Member must have length less than or equal to 50');
    expect(await failure(iot.send(new CreateStreamCommand({ streamId: 's-none', roleArn: role, files: [] })))).toMatchObject({ name: 'InvalidRequestException' });
    expect(await failure(iot.send(new CreateStreamCommand({ streamId: 's-id', roleArn: role, files: [file(256, 'a.bin')] }))))
      .toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('less than or equal to 255') });
    expect(await failure(iot.send(new CreateStreamCommand({ streamId: 'bad.id', roleArn: role, files: [file(0, 'a.bin')] }))))
      .toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('[a-zA-Z0-9_-]+') });
    expect(await failure(iot.send(new CreateStreamCommand({ streamId: 's-role', roleArn: 'arn:short', files: [file(0, 'a.bin')] }))))
      .toMatchObject({ name: 'InvalidRequestException' });
    // Nothing refused was kept.
    for (const id of ['s-missing', 's-bucket', 's-dup', 's-many']) {
      expect(await failure(iot.send(new DescribeStreamCommand({ streamId: id })))).toMatchObject({ name: 'ResourceNotFoundException' });
    }
  });

  it('ListStreams pages with maxResults and nextToken, newest first unless ascendingOrder', async () => {
    for (const id of ['list-a', 'list-b', 'list-c']) await iot.send(new CreateStreamCommand({ streamId: id, roleArn: role, files: [file(0, 'b.bin')] }));
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await iot.send(new ListStreamsCommand({ maxResults: 2, nextToken, ascendingOrder: true }));
      expect(page.streams!.length).toBeLessThanOrEqual(2);
      ids.push(...page.streams!.map((s) => s.streamId!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(ids.filter((id) => id.startsWith('list-'))).toEqual(['list-a', 'list-b', 'list-c']);
    const newest = await iot.send(new ListStreamsCommand({}));
    expect(newest.streams![0]).toEqual({ streamId: 'list-c', streamArn: 'arn:aws:iot:us-east-1:000000000000:stream/list-c', streamVersion: 1 });
    expect(await failure(iot.send(new ListStreamsCommand({ maxResults: 251 })))).toMatchObject({ name: 'InvalidRequestException' });
  });

  it('streams are kept across a restart', async () => {
    await iot.send(new CreateStreamCommand({ streamId: 'durable', description: 'kept', roleArn: role, files: [file(3, 'a.bin')] }));
    await iot.send(new UpdateStreamCommand({ streamId: 'durable', description: 'kept twice' }));
    await te.stop();
    te = await te.restart();
    iot.destroy();
    iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
    const { streamInfo } = await iot.send(new DescribeStreamCommand({ streamId: 'durable' }));
    expect(streamInfo).toMatchObject({ streamVersion: 2, description: 'kept twice', files: [file(3, 'a.bin')] });
  });
});

describeAwsCli('streams through /usr/bin/aws', () => {
  it('aws iot create-stream, describe-stream, list-streams, update-stream and delete-stream', async () => {
    const opts = { endpoint: te.httpUrl };
    const created = await awsCliJson(['iot', 'create-stream', '--stream-id', 'cli-stream', '--description', 'from the CLI', '--role-arn', role,
      '--files', 'fileId=0,s3Location={bucket=files,key=a.bin}', 'fileId=1,s3Location={bucket=files,key=b.bin}'], opts);
    expect(created).toEqual({ streamId: 'cli-stream', streamArn: 'arn:aws:iot:us-east-1:000000000000:stream/cli-stream', description: 'from the CLI', streamVersion: 1 });
    const described = await awsCliJson(['iot', 'describe-stream', '--stream-id', 'cli-stream'], opts);
    expect(described.streamInfo.files).toEqual([file(0, 'a.bin'), file(1, 'b.bin')]);
    const listed = await awsCliJson(['iot', 'list-streams'], opts);
    expect(listed.streams.map((s: { streamId: string }) => s.streamId)).toContain('cli-stream');
    expect((await awsCliJson(['iot', 'update-stream', '--stream-id', 'cli-stream', '--description', 'v2'], opts)).streamVersion).toBe(2);
    expect((await runAwsCli(['iot', 'delete-stream', '--stream-id', 'cli-stream'], opts)).code).toBe(0);
    const missing = await runAwsCli(['iot', 'describe-stream', '--stream-id', 'cli-stream'], opts);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  }, 180_000); // each /usr/bin/aws run starts a Python interpreter: seconds apiece on a busy machine
});
