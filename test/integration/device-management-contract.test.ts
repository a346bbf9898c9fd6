/**
 * The contract's device-management calls the Jobs view uses, over the browser-mode `/rpc` WebSocket on a real engine:
 * `jobs.cancel` and `jobs.cancelExecution` (AWS's refusals for a finished job or execution, `force` for one in
 * progress), `jobs.templates` and `streams.list`, each checked against what the AWS SDK made and a device did over MQTT.
 */
import { CreateJobCommand, CreateJobTemplateCommand, CreateStreamCommand, CreateThingCommand, DescribeJobCommand, type IoTClient } from '@aws-sdk/client-iot';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcError, type ThingbenchClient } from '../../engine/contract/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';
import { iotClient, JobsDevice, thingArn } from './helpers/jobs-device.js';

let te: TestEngine;
let contract: OpenContract;
let api: ThingbenchClient;
let iot: IoTClient;
let dev: JobsDevice | undefined;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  contract = await openContract(te);
  api = contract.api;
  iot = iotClient(te);
});
afterAll(async () => {
  await dev?.close();
  await contract?.close();
  iot?.destroy();
  await te?.stop();
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof RpcError ? { code: e.code, message: e.message } : e));

describe('contract device management', () => {
  it('cancels an execution (in progress only with force) and a job, as the control plane then sees them', async () => {
    for (const t of ['dm-1', 'dm-2', 'dm-3']) await iot.send(new CreateThingCommand({ thingName: t }));
    await iot.send(new CreateJobCommand({ jobId: 'dm-job', targets: ['dm-1', 'dm-2', 'dm-3'].map(thingArn), document: '{"op":"x"}' }));
    dev = await JobsDevice.open(te, 'dm-1');
    await dev.request('dm-job/update', { status: 'IN_PROGRESS' });

    expect(await failure(api.jobs.cancelExecution('dm-job', 'dm-1'))).toMatchObject({ code: 'Conflict', message: expect.stringMatching(/IN_PROGRESS/) });
    await api.jobs.cancelExecution('dm-job', 'dm-1', true);
    await api.jobs.cancelExecution('dm-job', 'dm-2');
    expect(await failure(api.jobs.cancelExecution('dm-job', 'dm-2'))).toMatchObject({ code: 'Conflict' });
    const byThing = Object.fromEntries((await api.jobs.executions({ jobId: 'dm-job' })).map((e) => [e.thingName, e]));
    expect(byThing['dm-1']).toMatchObject({ status: 'CANCELED', forceCanceled: true });
    expect(byThing['dm-2']).toMatchObject({ status: 'CANCELED' });
    expect(byThing['dm-3']).toMatchObject({ status: 'QUEUED' });

    const canceled = await api.jobs.cancel('dm-job', { comment: 'wrong firmware', reasonCode: 'BAD_FW' });
    expect(canceled).toMatchObject({ jobId: 'dm-job', status: 'CANCELED', comment: 'wrong firmware', reasonCode: 'BAD_FW', counts: { canceled: 3, queued: 0 } });
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'dm-job' }));
    expect(job).toMatchObject({ status: 'CANCELED', comment: 'wrong firmware', reasonCode: 'BAD_FW' });
    expect(await failure(api.jobs.cancel('dm-job'))).toMatchObject({ code: 'Conflict', message: expect.stringMatching(/already canceled/) });
    expect(await failure(api.jobs.cancel('no-such-job'))).toMatchObject({ code: 'NotFound' });
  });

  it('lists job templates with their documents and configurations', async () => {
    expect(await api.jobs.templates()).toEqual([]);
    await iot.send(new CreateJobTemplateCommand({
      jobTemplateId: 'fw-update', description: 'Firmware update', document: '{"op":"update"}',
      timeoutConfig: { inProgressTimeoutInMinutes: 5 }, jobExecutionsRolloutConfig: { maximumPerMinute: 10 },
    }));
    expect(await api.jobs.templates()).toEqual([expect.objectContaining({
      jobTemplateId: 'fw-update', jobTemplateArn: 'arn:aws:iot:us-east-1:000000000000:jobtemplate/fw-update', description: 'Firmware update',
      document: '{"op":"update"}',
      policies: expect.objectContaining({ timeoutConfig: { inProgressTimeoutInMinutes: 5 }, jobExecutionsRolloutConfig: { maximumPerMinute: 10 } }),
    })]);
  });

  it('lists streams with their files and sizes', async () => {
    expect(await api.streams.list()).toEqual([]);
    const s3 = new S3Client({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, forcePathStyle: true });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'ota' }));
      await s3.send(new PutObjectCommand({ Bucket: 'ota', Key: 'fw.bin', Body: Buffer.alloc(3000, 7) }));
    } finally {
      s3.destroy();
    }
    await iot.send(new CreateStreamCommand({
      streamId: 'fw-stream', description: 'firmware', roleArn: 'arn:aws:iam::000000000000:role/r', files: [{ fileId: 0, s3Location: { bucket: 'ota', key: 'fw.bin' } }],
    }));
    expect(await api.streams.list()).toEqual([expect.objectContaining({
      streamId: 'fw-stream', streamArn: 'arn:aws:iot:us-east-1:000000000000:stream/fw-stream', version: 1, description: 'firmware',
      files: [{ fileId: 0, bucket: 'ota', key: 'fw.bin', size: 3000 }],
    })]);
  });

  it('checks its arguments', async () => {
    const loose = <T>(f: T) => f as unknown as (...a: unknown[]) => Promise<unknown>;
    expect(await failure(loose(api.jobs.cancelExecution)('dm-job'))).toMatchObject({ code: 'InvalidInput' });
    expect(await failure(loose(api.jobs.cancel)('dm-job', { force: 'yes' })))
      .toEqual({ code: 'InvalidInput', message: 'jobs.cancel: argument 2 field "force" must be a boolean' });
  });
});
