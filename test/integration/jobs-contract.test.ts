/**
 * The contract's `jobs` area (`jobs.list`, `jobs.describe`, `jobs.executions`) over the browser-mode `/rpc`
 * WebSocket on a real engine, checked against what the AWS SDK made and a device did over MQTT.
 */
import { CreateJobCommand, CreateThingCommand, CreateThingGroupCommand, AddThingToThingGroupCommand, type IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcError, type ThingbenchClient } from '../../engine/contract/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';
import { groupArn, iotClient, JobsDevice, thingArn } from './helpers/jobs-device.js';

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
  await te?.stop();
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof RpcError ? { code: e.code, message: e.message } : e));

describe('contract jobs area', () => {
  it('lists and describes jobs and their executions as the control plane made them and the device moved them', async () => {
    for (const t of ['ui-1', 'ui-2']) await iot.send(new CreateThingCommand({ thingName: t }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'ui-group' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'ui-group', thingName: 'ui-2' }));
    await iot.send(new CreateJobCommand({ jobId: 'ui-a', targets: [thingArn('ui-1')], document: '{"op":"a"}', timeoutConfig: { inProgressTimeoutInMinutes: 9 } }));
    await iot.send(new CreateJobCommand({ jobId: 'ui-b', targets: [groupArn('ui-group'), thingArn('ui-1')], document: '{"op":"b"}', description: 'two things' }));
    dev = await JobsDevice.open(te, 'ui-1');
    await dev.request('ui-a/update', { status: 'SUCCEEDED', statusDetails: { fw: '2' } });

    const all = await api.jobs.list();
    expect(all.map((j) => [j.jobId, j.status])).toEqual([['ui-b', 'IN_PROGRESS'], ['ui-a', 'COMPLETED']]);
    expect(all[0]).toMatchObject({ targetSelection: 'SNAPSHOT', description: 'two things', counts: { queued: 2, succeeded: 0 } });
    expect((await api.jobs.list({ status: 'COMPLETED' })).map((j) => j.jobId)).toEqual(['ui-a']);
    expect((await api.jobs.list({ thingGroup: 'ui-group' })).map((j) => j.jobId)).toEqual(['ui-b']);

    const a = await api.jobs.describe('ui-a');
    expect(a).toMatchObject({
      jobId: 'ui-a', jobArn: 'arn:aws:iot:us-east-1:000000000000:job/ui-a', status: 'COMPLETED', document: '{"op":"a"}',
      counts: { succeeded: 1, queued: 0 }, policies: { timeoutConfig: { inProgressTimeoutInMinutes: 9 } },
    });
    expect(a.completedAt).toBeGreaterThanOrEqual(a.createdAt);

    expect(await api.jobs.executions({ jobId: 'ui-b' })).toEqual([
      expect.objectContaining({ jobId: 'ui-b', thingName: 'ui-2', status: 'QUEUED', versionNumber: 1 }),
      expect.objectContaining({ jobId: 'ui-b', thingName: 'ui-1', status: 'QUEUED', versionNumber: 1 }),
    ]);
    expect(await api.jobs.executions({ thing: 'ui-1' })).toEqual([
      expect.objectContaining({ jobId: 'ui-a', status: 'SUCCEEDED', versionNumber: 2, statusDetails: { fw: '2' }, executionNumber: 1 }),
      expect.objectContaining({ jobId: 'ui-b', status: 'QUEUED' }),
    ]);
    expect((await api.jobs.executions({ thing: 'ui-1', jobId: 'ui-a' })).map((e) => e.jobId)).toEqual(['ui-a']);
  });

  it('refuses what it cannot answer', async () => {
    expect(await failure(api.jobs.describe('nope'))).toMatchObject({ code: 'NotFound' });
    expect(await failure(api.jobs.executions({}))).toMatchObject({ code: 'InvalidInput' });
    expect(await failure(api.jobs.list({ status: 'DONE' as 'COMPLETED' }))).toMatchObject({ code: 'InvalidInput' });
  });
});
