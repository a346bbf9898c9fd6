/**
 * The contract's device-management calls the Jobs view uses, over the browser-mode `/rpc` WebSocket on a real engine:
 * `jobs.cancel` and `jobs.cancelExecution` (AWS's refusals for a finished job or execution, `force` for one in
 * progress), `jobs.templates` and `streams.list`, each checked against what the AWS SDK made and a device did over MQTT.
 */
import { CreateJobCommand, CreateJobTemplateCommand, CreateStreamCommand, CreateThingCommand, DescribeJobCommand } from '@aws-sdk/client-iot';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { failure, useJobsContract } from '../helpers/jobs-contract.js';
import { JobsDevice, thingArn } from './helpers/jobs-device.js';

const f = useJobsContract();

describe('contract device management', () => {
  it('cancels an execution (in progress only with force) and a job, as the control plane then sees them', async () => {
    for (const t of ['dm-1', 'dm-2', 'dm-3']) await f.iot.send(new CreateThingCommand({ thingName: t }));
    await f.iot.send(new CreateJobCommand({ jobId: 'dm-job', targets: ['dm-1', 'dm-2', 'dm-3'].map(thingArn), document: '{"op":"x"}' }));
    f.dev = await JobsDevice.open(f.te, 'dm-1');
    await f.dev.request('dm-job/update', { status: 'IN_PROGRESS' });

    expect(await failure(f.api.jobs.cancelExecution('dm-job', 'dm-1'))).toMatchObject({ code: 'Conflict', message: expect.stringMatching(/IN_PROGRESS/) });
    await f.api.jobs.cancelExecution('dm-job', 'dm-1', true);
    await f.api.jobs.cancelExecution('dm-job', 'dm-2');
    expect(await failure(f.api.jobs.cancelExecution('dm-job', 'dm-2'))).toMatchObject({ code: 'Conflict' });
    const byThing = Object.fromEntries((await f.api.jobs.executions({ jobId: 'dm-job' })).map((e) => [e.thingName, e]));
    expect(byThing['dm-1']).toMatchObject({ status: 'CANCELED', forceCanceled: true });
    expect(byThing['dm-2']).toMatchObject({ status: 'CANCELED' });
    expect(byThing['dm-3']).toMatchObject({ status: 'QUEUED' });

    const canceled = await f.api.jobs.cancel('dm-job', { comment: 'wrong firmware', reasonCode: 'BAD_FW' });
    expect(canceled).toMatchObject({ jobId: 'dm-job', status: 'CANCELED', comment: 'wrong firmware', reasonCode: 'BAD_FW', counts: { canceled: 3, queued: 0 } });
    const { job } = await f.iot.send(new DescribeJobCommand({ jobId: 'dm-job' }));
    expect(job).toMatchObject({ status: 'CANCELED', comment: 'wrong firmware', reasonCode: 'BAD_FW' });
    expect(await failure(f.api.jobs.cancel('dm-job'))).toMatchObject({ code: 'Conflict', message: expect.stringMatching(/already canceled/) });
    expect(await failure(f.api.jobs.cancel('no-such-job'))).toMatchObject({ code: 'NotFound' });
  });

  it('lists job templates with their documents and configurations', async () => {
    expect(await f.api.jobs.templates()).toEqual([]);
    await f.iot.send(new CreateJobTemplateCommand({
      jobTemplateId: 'fw-update', description: 'Firmware update', document: '{"op":"update"}',
      timeoutConfig: { inProgressTimeoutInMinutes: 5 }, jobExecutionsRolloutConfig: { maximumPerMinute: 10 },
    }));
    expect(await f.api.jobs.templates()).toEqual([expect.objectContaining({
      jobTemplateId: 'fw-update', jobTemplateArn: 'arn:aws:iot:us-east-1:000000000000:jobtemplate/fw-update', description: 'Firmware update',
      document: '{"op":"update"}',
      policies: expect.objectContaining({ timeoutConfig: { inProgressTimeoutInMinutes: 5 }, jobExecutionsRolloutConfig: { maximumPerMinute: 10 } }),
    })]);
  });

  it('lists streams with their files and sizes', async () => {
    expect(await f.api.streams.list()).toEqual([]);
    const s3 = new S3Client({ endpoint: f.te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, forcePathStyle: true });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'ota' }));
      await s3.send(new PutObjectCommand({ Bucket: 'ota', Key: 'fw.bin', Body: Buffer.alloc(3000, 7) }));
    } finally {
      s3.destroy();
    }
    await f.iot.send(new CreateStreamCommand({
      streamId: 'fw-stream', description: 'firmware', roleArn: 'arn:aws:iam::000000000000:role/r', files: [{ fileId: 0, s3Location: { bucket: 'ota', key: 'fw.bin' } }],
    }));
    expect(await f.api.streams.list()).toEqual([expect.objectContaining({
      streamId: 'fw-stream', streamArn: 'arn:aws:iot:us-east-1:000000000000:stream/fw-stream', version: 1, description: 'firmware',
      files: [{ fileId: 0, bucket: 'ota', key: 'fw.bin', size: 3000 }],
    })]);
  });

  it('checks its arguments', async () => {
    const loose = <T>(f: T) => f as unknown as (...a: unknown[]) => Promise<unknown>;
    expect(await failure(loose(f.api.jobs.cancelExecution)('dm-job'))).toMatchObject({ code: 'InvalidInput' });
    expect(await failure(loose(f.api.jobs.cancel)('dm-job', { force: 'yes' })))
      .toEqual({ code: 'InvalidInput', message: 'jobs.cancel: argument 2 field "force" must be a boolean' });
  });
});
