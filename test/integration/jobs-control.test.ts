/**
 * The Jobs control plane through the SDK v3 IoTClient against the real engine: targets (things, static and dynamic
 * groups, CONTINUOUS jobs following membership), listings with filters and pages, UpdateJob, CancelJob and DeleteJob
 * with and without force, the execution operations, AWS's errors for bad input, jobs events on and off (proved with
 * a marker), and jobs kept across a restart.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AddThingToThingGroupCommand, AssociateTargetsWithJobCommand, CancelJobCommand, CancelJobExecutionCommand, CreateDynamicThingGroupCommand, CreateJobCommand,
  CreateThingCommand, CreateThingGroupCommand, DeleteJobCommand, DeleteThingCommand, DeleteJobExecutionCommand, DescribeJobCommand, DescribeJobExecutionCommand, GetJobDocumentCommand,
  ListJobExecutionsForJobCommand, ListJobExecutionsForThingCommand, ListJobsCommand, UpdateEventConfigurationsCommand, UpdateJobCommand, UpdateThingCommand, type IoTClient,
} from '@aws-sdk/client-iot';
import type { MqttClient } from 'mqtt';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { groupArn, iotClient, JobsDevice, thingArn } from './helpers/jobs-device.js';

let te: TestEngine;
let iot: IoTClient;
const devices: JobsDevice[] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  iot = iotClient(te);
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.close()));
  await te?.stop();
});

const things = (...names: string[]) => Promise.all(names.map((thingName) => iot.send(new CreateThingCommand({ thingName }))));
const doc = (v: string) => JSON.stringify({ operation: 'update', version: v });
const fails = <T>(p: Promise<T>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error & { $metadata?: { httpStatusCode?: number } }) => ({ name: e.name, message: e.message, status: e.$metadata?.httpStatusCode }));

async function device(thing: string): Promise<JobsDevice> {
  const d = await JobsDevice.open(te, thing);
  devices.push(d);
  return d;
}

describe('Jobs control plane', () => {
  it('CreateJob resolves thing and group targets (child and dynamic groups too) to one execution per thing', async () => {
    await things('g-a', 'g-b', 'g-c', 'g-d');
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'floor' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'room', parentGroupName: 'floor' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'floor', thingName: 'g-a' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'room', thingName: 'g-b' }));
    await iot.send(new UpdateThingCommand({ thingName: 'g-c', attributePayload: { attributes: { fw: '1.0' } } }));
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'fw-1', queryString: 'attributes.fw:1.0' }));
    const created = await iot.send(new CreateJobCommand({
      jobId: 'targets-1', targets: [groupArn('floor'), thingArn('g-a'), groupArn('fw-1')], document: doc('2'), description: 'to the floor',
      jobExecutionsRolloutConfig: { maximumPerMinute: 10 }, abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 20, minNumberOfExecutedThings: 5 }] },
      timeoutConfig: { inProgressTimeoutInMinutes: 30 }, jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 2 }] },
      presignedUrlConfig: { roleArn: 'arn:aws:iam::000000000000:role/jobs', expiresInSec: 600 },
    }));
    expect(created).toMatchObject({ jobId: 'targets-1', jobArn: 'arn:aws:iot:us-east-1:000000000000:job/targets-1', description: 'to the floor' });
    const listed = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'targets-1' }));
    expect(listed.executionSummaries?.map((s) => s.thingArn).sort()).toEqual([thingArn('g-a'), thingArn('g-b'), thingArn('g-c')]);
    expect(listed.executionSummaries?.[0].jobExecutionSummary).toMatchObject({ status: 'QUEUED', executionNumber: 1, retryAttempt: 0 });
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'targets-1' }));
    // The policies are kept and returned as given (the rollout module acts on them).
    expect(job).toMatchObject({
      status: 'IN_PROGRESS', targets: [groupArn('floor'), thingArn('g-a'), groupArn('fw-1')], jobProcessDetails: { numberOfQueuedThings: 3 },
      jobExecutionsRolloutConfig: { maximumPerMinute: 10 }, timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 20, minNumberOfExecutedThings: 5 }] },
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 2 }] }, presignedUrlConfig: { expiresInSec: 600 },
    });
    expect(job?.createdAt).toBeInstanceOf(Date);
    expect((await iot.send(new GetJobDocumentCommand({ jobId: 'targets-1' }))).document).toBe(doc('2'));
    const forThing = await iot.send(new ListJobExecutionsForThingCommand({ thingName: 'g-a' }));
    expect(forThing.executionSummaries).toEqual([{ jobId: 'targets-1', jobExecutionSummary: expect.objectContaining({ status: 'QUEUED', executionNumber: 1 }) }]);
  });

  it('bad input gets AWS errors: invalid and oversize documents, unknown targets and jobs, duplicates, bad ids', async () => {
    await things('bad-1');
    const target = [thingArn('bad-1')];
    expect(await fails(iot.send(new CreateJobCommand({ jobId: 'bad-doc', targets: target, document: '{not json' }))))
      .toMatchObject({ name: 'InvalidRequestException', status: 400 });
    const big = JSON.stringify({ blob: 'x'.repeat(32_768) });
    expect(await fails(iot.send(new CreateJobCommand({ jobId: 'bad-big', targets: target, document: big }))))
      .toMatchObject({ name: 'InvalidRequestException', status: 400, message: expect.stringContaining('32768') });
    expect(await fails(iot.send(new CreateJobCommand({ jobId: 'bad-thing', targets: [thingArn('ghost')], document: doc('1') }))))
      .toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(await fails(iot.send(new CreateJobCommand({ jobId: 'bad-group', targets: [groupArn('ghosts')], document: doc('1') }))))
      .toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(await fails(iot.send(new CreateJobCommand({ jobId: 'bad-arn', targets: ['arn:aws:sqs:us-east-1:000000000000:q'], document: doc('1') }))))
      .toMatchObject({ name: 'InvalidRequestException' });
    expect(await fails(iot.send(new CreateJobCommand({ jobId: 'bad id!', targets: target, document: doc('1') }))))
      .toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('[a-zA-Z0-9_-]+') });
    expect(await fails(iot.send(new CreateJobCommand({ jobId: 'no-doc', targets: target }))))
      .toMatchObject({ name: 'InvalidRequestException' });
    // A refused CreateJob leaves nothing behind.
    expect(await fails(iot.send(new DescribeJobCommand({ jobId: 'bad-doc' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    await iot.send(new CreateJobCommand({ jobId: 'dup', targets: target, document: doc('1') }));
    expect(await fails(iot.send(new CreateJobCommand({ jobId: 'dup', targets: target, document: doc('1') }))))
      .toMatchObject({ name: 'ResourceAlreadyExistsException', status: 409 });
    expect(await fails(iot.send(new DescribeJobExecutionCommand({ jobId: 'dup', thingName: 'ghost' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await fails(iot.send(new GetJobDocumentCommand({ jobId: 'ghost' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await fails(iot.send(new CancelJobCommand({ jobId: 'dup', reasonCode: 'lower case' })))).toMatchObject({ name: 'InvalidRequestException' });
  });

  it('ListJobs filters by status, target selection and thing group, newest first, in pages', async () => {
    await things('l-1');
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'list-group' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'list-group', thingName: 'l-1' }));
    for (const id of ['list-1', 'list-2', 'list-3']) await iot.send(new CreateJobCommand({ jobId: id, targets: [groupArn('list-group')], document: doc(id) }));
    await iot.send(new CreateJobCommand({ jobId: 'list-cont', targets: [groupArn('list-group')], document: doc('c'), targetSelection: 'CONTINUOUS' }));
    await iot.send(new CancelJobCommand({ jobId: 'list-2' }));

    const byGroup = await iot.send(new ListJobsCommand({ thingGroupName: 'list-group' }));
    expect(byGroup.jobs?.map((j) => j.jobId)).toEqual(['list-cont', 'list-3', 'list-2', 'list-1']);
    expect(byGroup.jobs?.[0]).toMatchObject({ jobArn: 'arn:aws:iot:us-east-1:000000000000:job/list-cont', targetSelection: 'CONTINUOUS', status: 'IN_PROGRESS', isConcurrent: false });
    expect((await iot.send(new ListJobsCommand({ thingGroupName: 'list-group', status: 'CANCELED' }))).jobs?.map((j) => j.jobId)).toEqual(['list-2']);
    expect((await iot.send(new ListJobsCommand({ thingGroupName: 'list-group', targetSelection: 'CONTINUOUS' }))).jobs?.map((j) => j.jobId)).toEqual(['list-cont']);

    const first = await iot.send(new ListJobsCommand({ thingGroupName: 'list-group', maxResults: 3 }));
    expect(first.jobs?.map((j) => j.jobId)).toEqual(['list-cont', 'list-3', 'list-2']);
    const second = await iot.send(new ListJobsCommand({ thingGroupName: 'list-group', maxResults: 3, nextToken: first.nextToken }));
    expect(second.jobs?.map((j) => j.jobId)).toEqual(['list-1']);
    expect(second.nextToken).toBeUndefined();
    expect(await fails(iot.send(new ListJobsCommand({ maxResults: 251 })))).toMatchObject({ name: 'InvalidRequestException' });
  });

  it('UpdateJob changes the description and policies; GetJobDocument returns the document', async () => {
    await things('u-1');
    await iot.send(new CreateJobCommand({ jobId: 'upd', targets: [thingArn('u-1')], document: doc('u'), description: 'before' }));
    await iot.send(new UpdateJobCommand({ jobId: 'upd', description: 'after', timeoutConfig: { inProgressTimeoutInMinutes: 5 } }));
    const { job } = await iot.send(new DescribeJobCommand({ jobId: 'upd' }));
    expect(job).toMatchObject({ description: 'after', timeoutConfig: { inProgressTimeoutInMinutes: 5 } });
    expect(await fails(iot.send(new UpdateJobCommand({ jobId: 'nope', description: 'x' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('CancelJob: QUEUED executions are canceled, IN_PROGRESS ones only with force; the device is told', async () => {
    await things('c-1', 'c-2');
    const d1 = await device('c-1');
    await iot.send(new CreateJobCommand({ jobId: 'cancel-1', targets: [thingArn('c-1'), thingArn('c-2')], document: doc('c') }));
    await d1.request('cancel-1/update', { status: 'IN_PROGRESS' });
    const from = d1.received.length;
    const canceled = await iot.send(new CancelJobCommand({ jobId: 'cancel-1', reasonCode: 'SUPERSEDED', comment: 'a newer build' }));
    expect(canceled).toMatchObject({ jobId: 'cancel-1', jobArn: 'arn:aws:iot:us-east-1:000000000000:job/cancel-1' });
    let { job } = await iot.send(new DescribeJobCommand({ jobId: 'cancel-1' }));
    expect(job).toMatchObject({ status: 'CANCELED', forceCanceled: false, reasonCode: 'SUPERSEDED', comment: 'a newer build', jobProcessDetails: { numberOfCanceledThings: 1, numberOfInProgressThings: 1 } });
    await d1.settle();
    expect(d1.on('notify', from)).toEqual([]); // c-1's execution is still IN_PROGRESS: its pending list did not change
    // Without force a canceled job cannot be canceled again; with force the IN_PROGRESS execution is canceled too.
    expect(await fails(iot.send(new CancelJobCommand({ jobId: 'cancel-1' })))).toMatchObject({ name: 'InvalidStateTransitionException', status: 409 });
    await iot.send(new CancelJobCommand({ jobId: 'cancel-1', force: true }));
    ({ job } = await iot.send(new DescribeJobCommand({ jobId: 'cancel-1' })));
    expect(job).toMatchObject({ status: 'CANCELED', forceCanceled: true, jobProcessDetails: { numberOfCanceledThings: 2, numberOfInProgressThings: 0 } });
    expect((await d1.next('notify', from)).body.jobs).toEqual({});
    const exec = await iot.send(new DescribeJobExecutionCommand({ jobId: 'cancel-1', thingName: 'c-1' }));
    expect(exec.execution).toMatchObject({ status: 'CANCELED', forceCanceled: true, versionNumber: 3 });
    // The device can no longer move it.
    expect(await d1.request('cancel-1/update', { status: 'SUCCEEDED' })).toMatchObject({ outcome: 'rejected', body: { code: 'InvalidStateTransition', executionState: { status: 'CANCELED' } } });
    // A COMPLETED job cannot be canceled.
    await iot.send(new CreateJobCommand({ jobId: 'cancel-done', targets: [thingArn('c-1')], document: doc('d') }));
    await d1.request('cancel-done/update', { status: 'SUCCEEDED' });
    expect(await fails(iot.send(new CancelJobCommand({ jobId: 'cancel-done' })))).toMatchObject({ name: 'InvalidStateTransitionException' });
  });

  it('CancelJobExecution and DeleteJobExecution: force, expectedVersion and terminal states', async () => {
    await things('e-1');
    const dev = await device('e-1');
    await iot.send(new CreateJobCommand({ jobId: 'exec-1', targets: [thingArn('e-1')], document: doc('e') }));
    await dev.request('exec-1/update', { status: 'IN_PROGRESS' });
    expect(await fails(iot.send(new CancelJobExecutionCommand({ jobId: 'exec-1', thingName: 'e-1' })))).toMatchObject({ name: 'InvalidStateTransitionException', status: 409 });
    expect(await fails(iot.send(new CancelJobExecutionCommand({ jobId: 'exec-1', thingName: 'e-1', force: true, expectedVersion: 1 }))))
      .toMatchObject({ name: 'VersionConflictException', status: 409 });
    expect(await fails(iot.send(new DeleteJobExecutionCommand({ jobId: 'exec-1', thingName: 'e-1', executionNumber: 1 })))).toMatchObject({ name: 'InvalidStateTransitionException' });
    await iot.send(new CancelJobExecutionCommand({ jobId: 'exec-1', thingName: 'e-1', force: true, expectedVersion: 2, statusDetails: { why: 'operator' } }));
    const exec = await iot.send(new DescribeJobExecutionCommand({ jobId: 'exec-1', thingName: 'e-1' }));
    expect(exec.execution).toMatchObject({ status: 'CANCELED', statusDetails: { detailsMap: { why: 'operator' } }, forceCanceled: true });
    expect(await fails(iot.send(new CancelJobExecutionCommand({ jobId: 'exec-1', thingName: 'e-1', force: true })))).toMatchObject({ name: 'InvalidStateTransitionException' });
    // The only execution ended: the job is COMPLETED.
    expect((await iot.send(new DescribeJobCommand({ jobId: 'exec-1' }))).job?.status).toBe('COMPLETED');
    expect(await fails(iot.send(new DeleteJobExecutionCommand({ jobId: 'exec-1', thingName: 'e-1', executionNumber: 2 })))).toMatchObject({ name: 'ResourceNotFoundException' });
    await iot.send(new DeleteJobExecutionCommand({ jobId: 'exec-1', thingName: 'e-1', executionNumber: 1 }));
    expect(await fails(iot.send(new DescribeJobExecutionCommand({ jobId: 'exec-1', thingName: 'e-1' })))).toMatchObject({ name: 'ResourceNotFoundException' });

    // A QUEUED execution is deleted only with force; the device's pending list follows.
    await iot.send(new CreateJobCommand({ jobId: 'exec-2', targets: [thingArn('e-1')], document: doc('e2') }));
    expect(await fails(iot.send(new DeleteJobExecutionCommand({ jobId: 'exec-2', thingName: 'e-1', executionNumber: 1 })))).toMatchObject({ name: 'InvalidStateTransitionException' });
    const from = dev.received.length;
    await iot.send(new DeleteJobExecutionCommand({ jobId: 'exec-2', thingName: 'e-1', executionNumber: 1, force: true }));
    expect((await dev.next('notify-next', from)).body).toEqual({ timestamp: expect.any(Number) });
  });

  it('DeleteJob: an IN_PROGRESS job needs force; a finished one is deleted with its executions', async () => {
    await things('d-1');
    const dev = await device('d-1');
    await iot.send(new CreateJobCommand({ jobId: 'del-1', targets: [thingArn('d-1')], document: doc('d') }));
    expect(await fails(iot.send(new DeleteJobCommand({ jobId: 'del-1' })))).toMatchObject({ name: 'InvalidStateTransitionException', status: 409 });
    const from = dev.received.length;
    await iot.send(new DeleteJobCommand({ jobId: 'del-1', force: true }));
    expect((await dev.next('notify', from)).body.jobs).toEqual({});
    expect(await fails(iot.send(new DescribeJobCommand({ jobId: 'del-1' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await iot.send(new ListJobExecutionsForThingCommand({ thingName: 'd-1' }))).executionSummaries).toEqual([]);
    // The id is free again.
    await iot.send(new CreateJobCommand({ jobId: 'del-1', targets: [thingArn('d-1')], document: doc('d2') }));
    await dev.request('del-1/update', { status: 'SUCCEEDED' });
    await iot.send(new DeleteJobCommand({ jobId: 'del-1' }));
    expect(await fails(iot.send(new DeleteJobCommand({ jobId: 'del-1' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('CONTINUOUS jobs reach things that join their groups later; AssociateTargetsWithJob adds targets', async () => {
    await things('k-1', 'k-2', 'k-3');
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'cont' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'cont', thingName: 'k-1' }));
    await iot.send(new CreateJobCommand({ jobId: 'cont-1', targets: [groupArn('cont')], document: doc('k'), targetSelection: 'CONTINUOUS' }));
    await iot.send(new CreateJobCommand({ jobId: 'snap-1', targets: [groupArn('cont')], document: doc('s') }));
    const k2 = await device('k-2');
    const from = k2.received.length;
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'cont', thingName: 'k-2' }));
    expect((await k2.next('notify-next', from)).body.execution).toMatchObject({ jobId: 'cont-1', status: 'QUEUED' });
    const members = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'cont-1' }));
    expect(members.executionSummaries?.map((s) => s.thingArn)).toEqual([thingArn('k-1'), thingArn('k-2')]);
    // A SNAPSHOT job does not follow the group.
    expect((await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'snap-1' }))).executionSummaries?.map((s) => s.thingArn)).toEqual([thingArn('k-1')]);
    // A CONTINUOUS job stays IN_PROGRESS when every execution has ended.
    await k2.request('cont-1/update', { status: 'SUCCEEDED' });
    expect((await iot.send(new DescribeJobCommand({ jobId: 'cont-1' }))).job?.status).toBe('IN_PROGRESS');

    const associated = await iot.send(new AssociateTargetsWithJobCommand({ jobId: 'cont-1', targets: [thingArn('k-3')], comment: 'one more' }));
    expect(associated).toMatchObject({ jobId: 'cont-1', jobArn: 'arn:aws:iot:us-east-1:000000000000:job/cont-1' });
    expect((await iot.send(new DescribeJobExecutionCommand({ jobId: 'cont-1', thingName: 'k-3' }))).execution?.status).toBe('QUEUED');
    expect((await iot.send(new DescribeJobCommand({ jobId: 'cont-1' }))).job?.targets).toEqual([groupArn('cont'), thingArn('k-3')]);
    expect(await fails(iot.send(new AssociateTargetsWithJobCommand({ jobId: 'snap-1', targets: [thingArn('k-3')] })))).toMatchObject({ name: 'InvalidRequestException' });
  });

  it("a deleted thing's pending executions become REMOVED", async () => {
    await things('gone-1', 'gone-2');
    await iot.send(new CreateJobCommand({ jobId: 'gone', targets: [thingArn('gone-1'), thingArn('gone-2')], document: doc('g') }));
    await iot.send(new DeleteThingCommand({ thingName: 'gone-1' }));
    await vi.waitFor(async () => {
      expect((await iot.send(new DescribeJobExecutionCommand({ jobId: 'gone', thingName: 'gone-1' }))).execution).toMatchObject({ status: 'REMOVED', versionNumber: 2 });
    }, { timeout: 5000, interval: 20 });
    expect((await iot.send(new DescribeJobCommand({ jobId: 'gone' }))).job).toMatchObject({ status: 'IN_PROGRESS', jobProcessDetails: { numberOfRemovedThings: 1, numberOfQueuedThings: 1 } });
  });

  it('jobs events are published only once JOB and JOB_EXECUTION are enabled', async () => {
    await things('ev-1');
    const dev = await device('ev-1');
    const watcher: MqttClient = await connect(te.mqttPort, { clientId: 'ev-watcher' });
    const seen: { topic: string; body: Record<string, unknown> }[] = [];
    watcher.on('message', (topic, payload) => seen.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
    await watcher.subscribeAsync(['$aws/events/job/#', '$aws/events/jobExecution/#', 'marker/ev'], { qos: 1 });
    const marker = async (n: string) => {
      await watcher.publishAsync('marker/ev', n, { qos: 1 });
      await vi.waitFor(() => {
        if (!seen.some((m) => m.topic === 'marker/ev' && (m.body as unknown) === Number(n))) throw new Error('waiting for the marker');
      }, { timeout: 5000, interval: 10 });
    };

    // Off (the default): nothing, proved by the marker arriving after the job completed.
    await iot.send(new CreateJobCommand({ jobId: 'ev-off', targets: [thingArn('ev-1')], document: doc('off') }));
    await dev.request('ev-off/update', { status: 'SUCCEEDED' });
    await marker('1');
    expect(seen.filter((m) => m.topic.startsWith('$aws/events/'))).toEqual([]);

    await iot.send(new UpdateEventConfigurationsCommand({ eventConfigurations: { JOB: { Enabled: true }, JOB_EXECUTION: { Enabled: true } } }));
    await iot.send(new CreateJobCommand({ jobId: 'ev-on', targets: [thingArn('ev-1')], document: doc('on'), description: 'events' }));
    await dev.request('ev-on/update', { status: 'SUCCEEDED', statusDetails: { fw: '2' } });
    await iot.send(new CreateJobCommand({ jobId: 'ev-cancel', targets: [thingArn('ev-1')], document: doc('c') }));
    await iot.send(new CancelJobCommand({ jobId: 'ev-cancel', reasonCode: 'STOP' }));
    await iot.send(new DeleteJobCommand({ jobId: 'ev-cancel' }));
    await iot.send(new DeleteJobExecutionCommand({ jobId: 'ev-on', thingName: 'ev-1', executionNumber: 1 }));
    await marker('2');
    const events = seen.filter((m) => m.topic.startsWith('$aws/events/'));
    expect(events.map((m) => m.topic)).toEqual([
      '$aws/events/jobExecution/ev-on/succeeded', '$aws/events/job/ev-on/completed',
      '$aws/events/job/ev-cancel/cancellation_in_progress', '$aws/events/jobExecution/ev-cancel/canceled', '$aws/events/job/ev-cancel/canceled',
      '$aws/events/job/ev-cancel/deletion_in_progress', '$aws/events/job/ev-cancel/deleted', '$aws/events/jobExecution/ev-on/deleted',
    ]);
    expect(events[0].body).toEqual({
      eventType: 'JOB_EXECUTION', eventId: expect.any(String), timestamp: expect.any(Number), operation: 'succeeded', jobId: 'ev-on',
      thingArn: thingArn('ev-1'), status: 'SUCCEEDED', statusDetails: { fw: '2' },
    });
    expect(events[1].body).toMatchObject({
      eventType: 'JOB', operation: 'completed', jobId: 'ev-on', status: 'COMPLETED', targetSelection: 'SNAPSHOT', targets: [thingArn('ev-1')],
      description: 'events', jobProcessDetails: { numberOfSucceededThings: 1, numberOfFailedThings: 0, numberOfCanceledThings: 0 },
    });
    expect(events[4].body).toMatchObject({ eventType: 'JOB', operation: 'canceled', jobId: 'ev-cancel', status: 'CANCELED', reasonCode: 'STOP' });
    await watcher.endAsync(true);
  });

  it('jobs and executions are kept across a restart', async () => {
    await things('r-1');
    await iot.send(new CreateJobCommand({ jobId: 'kept', targets: [thingArn('r-1')], document: doc('r') }));
    const dev = await device('r-1');
    await dev.request('kept/update', { status: 'IN_PROGRESS', statusDetails: { step: '1' } });
    await dev.close();
    devices.splice(devices.indexOf(dev), 1);
    await te.stop();
    te = await te.restart();
    iot = iotClient(te);
    const exec = await iot.send(new DescribeJobExecutionCommand({ jobId: 'kept', thingName: 'r-1' }));
    expect(exec.execution).toMatchObject({ status: 'IN_PROGRESS', versionNumber: 2, statusDetails: { detailsMap: { step: '1' } } });
    const again = await device('r-1');
    expect((await again.request('start-next')).body.execution).toMatchObject({ jobId: 'kept', status: 'IN_PROGRESS', versionNumber: 2 });
    // New jobs still come after the old ones (creation order survives the restart).
    await iot.send(new CreateJobCommand({ jobId: 'kept-2', targets: [thingArn('r-1')], document: doc('r2') }));
    expect((await again.request('get')).body).toMatchObject({ inProgressJobs: [{ jobId: 'kept' }], queuedJobs: [{ jobId: 'kept-2' }] });
  });
});
