/**
 * The contract's `jobs` area (`jobs.list`, `jobs.describe`, `jobs.executions`) over the browser-mode `/rpc`
 * WebSocket on a real engine, checked against what the AWS SDK made and a device did over MQTT.
 */
import { CreateJobCommand, CreateThingCommand, CreateThingGroupCommand, AddThingToThingGroupCommand } from '@aws-sdk/client-iot';
import { describe, expect, it } from 'vitest';
import { failure, useJobsContract } from '../helpers/jobs-contract.js';
import { groupArn, JobsDevice, thingArn } from './helpers/jobs-device.js';

const f = useJobsContract();

describe('contract jobs area', () => {
  it('lists and describes jobs and their executions as the control plane made them and the device moved them', async () => {
    for (const t of ['ui-1', 'ui-2']) await f.iot.send(new CreateThingCommand({ thingName: t }));
    await f.iot.send(new CreateThingGroupCommand({ thingGroupName: 'ui-group' }));
    await f.iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'ui-group', thingName: 'ui-2' }));
    await f.iot.send(new CreateJobCommand({ jobId: 'ui-a', targets: [thingArn('ui-1')], document: '{"op":"a"}', timeoutConfig: { inProgressTimeoutInMinutes: 9 } }));
    await f.iot.send(new CreateJobCommand({ jobId: 'ui-b', targets: [groupArn('ui-group'), thingArn('ui-1')], document: '{"op":"b"}', description: 'two things' }));
    f.dev = await JobsDevice.open(f.te, 'ui-1');
    await f.dev.request('ui-a/update', { status: 'SUCCEEDED', statusDetails: { fw: '2' } });

    const all = await f.api.jobs.list();
    expect(all.map((j) => [j.jobId, j.status])).toEqual([['ui-b', 'IN_PROGRESS'], ['ui-a', 'COMPLETED']]);
    expect(all[0]).toMatchObject({ targetSelection: 'SNAPSHOT', description: 'two things', counts: { queued: 2, succeeded: 0 } });
    expect((await f.api.jobs.list({ status: 'COMPLETED' })).map((j) => j.jobId)).toEqual(['ui-a']);
    expect((await f.api.jobs.list({ thingGroup: 'ui-group' })).map((j) => j.jobId)).toEqual(['ui-b']);

    const a = await f.api.jobs.describe('ui-a');
    expect(a).toMatchObject({
      jobId: 'ui-a', jobArn: 'arn:aws:iot:us-east-1:000000000000:job/ui-a', status: 'COMPLETED', document: '{"op":"a"}',
      counts: { succeeded: 1, queued: 0 }, policies: { timeoutConfig: { inProgressTimeoutInMinutes: 9 } },
    });
    expect(a.completedAt).toBeGreaterThanOrEqual(a.createdAt);

    expect(await f.api.jobs.executions({ jobId: 'ui-b' })).toEqual([
      expect.objectContaining({ jobId: 'ui-b', thingName: 'ui-2', status: 'QUEUED', versionNumber: 1 }),
      expect.objectContaining({ jobId: 'ui-b', thingName: 'ui-1', status: 'QUEUED', versionNumber: 1 }),
    ]);
    expect(await f.api.jobs.executions({ thing: 'ui-1' })).toEqual([
      expect.objectContaining({ jobId: 'ui-a', status: 'SUCCEEDED', versionNumber: 2, statusDetails: { fw: '2' }, executionNumber: 1 }),
      expect.objectContaining({ jobId: 'ui-b', status: 'QUEUED' }),
    ]);
    expect((await f.api.jobs.executions({ thing: 'ui-1', jobId: 'ui-a' })).map((e) => e.jobId)).toEqual(['ui-a']);
  });

  it('refuses what it cannot answer', async () => {
    expect(await failure(f.api.jobs.describe('nope'))).toMatchObject({ code: 'NotFound' });
    expect(await failure(f.api.jobs.executions({}))).toMatchObject({ code: 'InvalidInput' });
    expect(await failure(f.api.jobs.list({ status: 'DONE' as 'COMPLETED' }))).toMatchObject({ code: 'InvalidInput' });
  });
});
