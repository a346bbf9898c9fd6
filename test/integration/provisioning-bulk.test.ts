/**
 * Bulk registration through `@aws-sdk/client-iot` and the local S3: a task of 100 JSON lines, one of them bad,
 * provisions 99 things and writes a RESULTS report (one line per thing, with its ARNs) and an ERRORS report (the bad
 * line's offset and why) to the local S3; the task is listed, described and filtered by status; an input file that
 * does not exist fails the task with its reason; bad requests answer AWS's errors. `aws iot start-thing-registration-task`
 * works too.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  IoTClient, CreateThingGroupCommand, DescribeThingCommand, DescribeThingRegistrationTaskCommand, ListThingRegistrationTaskReportsCommand,
  ListThingRegistrationTasksCommand, ListThingsInThingGroupCommand, StartThingRegistrationTaskCommand, StopThingRegistrationTaskCommand,
} from '@aws-sdk/client-iot';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { awsCliMissing, runAwsCli } from '../helpers/aws-cli.js';

const ROLE = 'arn:aws:iam::000000000000:role/BulkRegistration';
const templateBody = JSON.stringify({
  Parameters: { ThingName: { Type: 'String' }, SerialNumber: { Type: 'String' }, Location: { Type: 'String', Default: 'WA' } },
  Resources: {
    thing: {
      Type: 'AWS::IoT::Thing',
      Properties: { ThingName: { Ref: 'ThingName' }, AttributePayload: { version: 'v1', serialNumber: { Ref: 'SerialNumber' } }, ThingGroups: ['bulk-fleet', { Ref: 'Location' }] },
    },
  },
});

describe('bulk registration', () => {
  let te: TestEngine;
  let iot: IoTClient;
  let s3: S3Client;
  let dir: string;

  beforeAll(async () => {
    te = await startTestEngine();
    const config = { endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
    iot = new IoTClient(config);
    s3 = new S3Client({ ...config, forcePathStyle: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-bulk-'));
    await s3.send(new CreateBucketCommand({ Bucket: 'provisioning-input' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'bulk-fleet' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'WA' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'OR' }));
  });
  afterAll(async () => {
    await te?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function finished(taskId: string) {
    await vi.waitFor(async () => {
      expect(['Completed', 'Failed', 'Cancelled']).toContain((await iot.send(new DescribeThingRegistrationTaskCommand({ taskId }))).status);
    }, { timeout: 30_000, interval: 100 });
    return iot.send(new DescribeThingRegistrationTaskCommand({ taskId }));
  }

  it('100 lines with one bad: 99 things, a RESULTS and an ERRORS report in the local S3', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ ThingName: `bulb-${i}`, SerialNumber: String(1000 + i), ...(i % 2 ? { Location: 'OR' } : {}) }));
    lines[42] = JSON.stringify({ ThingName: 'bad name!', SerialNumber: '1042' }); // not a valid thing name
    await s3.send(new PutObjectCommand({ Bucket: 'provisioning-input', Key: 'fleet/bulbs.json', Body: lines.join('\n') + '\n' }));

    const { taskId } = await iot.send(new StartThingRegistrationTaskCommand({ templateBody, inputFileBucket: 'provisioning-input', inputFileKey: 'fleet/bulbs.json', roleArn: ROLE }));
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    const done = await finished(taskId!);
    expect(done).toMatchObject({
      taskId, status: 'Completed', successCount: 99, failureCount: 1, percentageProgress: 100, templateBody,
      inputFileBucket: 'provisioning-input', inputFileKey: 'fleet/bulbs.json', roleArn: ROLE,
    });
    expect(done.creationDate).toBeInstanceOf(Date);

    expect((await iot.send(new DescribeThingCommand({ thingName: 'bulb-7' }))).attributes).toEqual({ version: 'v1', serialNumber: '1007' });
    const fleet = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'bulk-fleet', maxResults: 250 }));
    expect(fleet.things).toHaveLength(99);
    expect((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'OR', maxResults: 250 }))).things).toHaveLength(50);

    const read = async (type: 'RESULTS' | 'ERRORS') => {
      const r = await iot.send(new ListThingRegistrationTaskReportsCommand({ taskId, reportType: type }));
      expect(r.reportType).toBe(type);
      expect(r.resourceLinks).toHaveLength(1);
      const url = new URL(r.resourceLinks![0]);
      const [bucket, ...key] = url.pathname.slice(1).split('/');
      expect(bucket).toBe('provisioning-input');
      const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key.map(decodeURIComponent).join('/') }));
      return (await obj.Body!.transformToString()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const errors = await read('ERRORS');
    expect(errors).toEqual([{ offset: 42, errorMessage: expect.stringContaining('bad name!') }]);
    const results = await read('RESULTS');
    expect(results).toHaveLength(99);
    expect(results[0]).toEqual({ offset: 0, response: { CertificatePem: null, ResourceArns: { thing: 'arn:aws:iot:us-east-1:000000000000:thing/bulb-0' } } });
    expect(results.map((r) => r.offset)).not.toContain(42);

    expect((await iot.send(new ListThingRegistrationTasksCommand({}))).taskIds).toContain(taskId);
    expect((await iot.send(new ListThingRegistrationTasksCommand({ status: 'Completed' }))).taskIds).toContain(taskId);
    expect((await iot.send(new ListThingRegistrationTasksCommand({ status: 'InProgress' }))).taskIds).not.toContain(taskId);
    await expect(iot.send(new StopThingRegistrationTaskCommand({ taskId }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });

  it('StopThingRegistrationTask stops a running task after its current line: Cancelled, with the report of what it did', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ ThingName: `stop-${i}`, SerialNumber: String(i) }));
    await s3.send(new PutObjectCommand({ Bucket: 'provisioning-input', Key: 'many.json', Body: lines.join('\n') }));
    const { taskId } = await iot.send(new StartThingRegistrationTaskCommand({ templateBody, inputFileBucket: 'provisioning-input', inputFileKey: 'many.json', roleArn: ROLE }));
    // Only one task at a time, as on AWS.
    await expect(iot.send(new StartThingRegistrationTaskCommand({ templateBody, inputFileBucket: 'provisioning-input', inputFileKey: 'many.json', roleArn: ROLE })))
      .rejects.toMatchObject({ name: 'InvalidRequestException', message: `Only one bulk registration task can run at a time: task ${taskId} is InProgress` });
    await iot.send(new StopThingRegistrationTaskCommand({ taskId }));
    expect(['Cancelling', 'Cancelled']).toContain((await iot.send(new DescribeThingRegistrationTaskCommand({ taskId }))).status);
    const done = await finished(taskId!);
    expect(done.status).toBe('Cancelled');
    expect(done.successCount).toBeLessThan(1000);
    const links = (await iot.send(new ListThingRegistrationTaskReportsCommand({ taskId, reportType: 'RESULTS' }))).resourceLinks ?? [];
    const made = links.length ? (await (await fetch(links[0])).text()).trim().split('\n').length : 0;
    expect(made).toBe(done.successCount);
    // Lines run in order: the things of the lines before the stop exist, none after.
    if (made) expect((await iot.send(new DescribeThingCommand({ thingName: `stop-${made - 1}` }))).thingName).toBe(`stop-${made - 1}`);
    await expect(iot.send(new DescribeThingCommand({ thingName: `stop-${made}` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('an input file that does not exist fails the task with its reason; bad requests answer AWS errors', async () => {
    const { taskId } = await iot.send(new StartThingRegistrationTaskCommand({ templateBody, inputFileBucket: 'provisioning-input', inputFileKey: 'missing.json', roleArn: ROLE }));
    const done = await finished(taskId!);
    expect(done.status).toBe('Failed');
    expect(done.message).toContain('s3://provisioning-input/missing.json');
    expect((await iot.send(new ListThingRegistrationTaskReportsCommand({ taskId, reportType: 'ERRORS' }))).resourceLinks).toEqual([]);

    await expect(iot.send(new StartThingRegistrationTaskCommand({ templateBody: '{"Resources":{}}', inputFileBucket: 'bucket', inputFileKey: 'k', roleArn: ROLE })))
      .rejects.toMatchObject({ name: 'InvalidRequestException', message: 'The template has no Resources' });
    await expect(iot.send(new StartThingRegistrationTaskCommand({ templateBody, inputFileBucket: 'bucket', inputFileKey: 'k', roleArn: 'role' })))
      .rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new DescribeThingRegistrationTaskCommand({ taskId: 'no-such-task' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    await expect(iot.send(new ListThingRegistrationTasksCommand({ status: 'Running' as never }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });

  it.skipIf(awsCliMissing)('aws iot start-thing-registration-task and describe-thing-registration-task with /usr/bin/aws', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'provisioning-input', Key: 'cli.json', Body: '{"ThingName":"cli-bulb","SerialNumber":"1"}\n' }));
    const file = path.join(dir, 'template.json');
    fs.writeFileSync(file, templateBody);
    const started = await runAwsCli(['iot', 'start-thing-registration-task', '--template-body', `file://${file}`, '--input-file-bucket', 'provisioning-input',
      '--input-file-key', 'cli.json', '--role-arn', ROLE], { endpoint: te.httpUrl });
    expect(started.stderr).toBe('');
    const { taskId } = JSON.parse(started.stdout) as { taskId: string };
    expect((await finished(taskId)).successCount).toBe(1);
    const described = await runAwsCli(['iot', 'describe-thing-registration-task', '--task-id', taskId], { endpoint: te.httpUrl });
    expect(JSON.parse(described.stdout)).toMatchObject({ taskId, status: 'Completed', successCount: 1, failureCount: 0, percentageProgress: 100 });
  }, 60_000); // two CLI runs on a busy machine
});
