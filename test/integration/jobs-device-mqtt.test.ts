/**
 * The Jobs device API over MQTT against the real engine: jobs created with the SDK v3 IoTClient reach a device
 * (mqtt.js) through notify / notify-next; get, start-next, {jobId}/get ($next too) and {jobId}/update answer on
 * accepted / rejected with AWS's documents, versions and error codes; every device-allowed and refused transition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateJobCommand, CreateThingCommand, DescribeJobCommand, DescribeJobExecutionCommand, type IoTClient } from '@aws-sdk/client-iot';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/broker-clients.js';
import { iotClient, JobsDevice, thingArn } from './helpers/jobs-device.js';

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

async function device(thing: string): Promise<JobsDevice> {
  await iot.send(new CreateThingCommand({ thingName: thing }));
  const d = await JobsDevice.open(te, thing);
  devices.push(d);
  return d;
}

const createJob = (jobId: string, thing: string, document: object = { operation: 'update', version: jobId }) =>
  iot.send(new CreateJobCommand({ jobId, targets: [thingArn(thing)], document: JSON.stringify(document) }));

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('Jobs device API over MQTT', () => {
  it('a new job is announced on notify and notify-next, listed by get and described with its document', async () => {
    const dev = await device('lamp-1');
    const from = dev.received.length;
    const before = nowSeconds();
    await createJob('job-a', 'lamp-1', { operation: 'reboot' });
    const notify = await dev.next('notify', from);
    expect(notify.body).toEqual({ timestamp: expect.any(Number), jobs: { QUEUED: [{ jobId: 'job-a', queuedAt: expect.any(Number), lastUpdatedAt: expect.any(Number), versionNumber: 1, executionNumber: 1 }] } });
    expect(notify.body.timestamp as number).toBeGreaterThanOrEqual(before); // epoch seconds
    expect(notify.body.timestamp as number).toBeLessThan(before + 60);
    const next = await dev.next('notify-next', from);
    expect(next.body).toEqual({
      timestamp: expect.any(Number),
      execution: {
        jobId: 'job-a', thingName: 'lamp-1', jobDocument: { operation: 'reboot' }, status: 'QUEUED', queuedAt: expect.any(Number),
        lastUpdatedAt: expect.any(Number), versionNumber: 1, executionNumber: 1,
      },
    });

    const got = await dev.request('get', { clientToken: 'tok-get' });
    expect(got).toEqual({
      outcome: 'accepted',
      body: { inProgressJobs: [], queuedJobs: [expect.objectContaining({ jobId: 'job-a', versionNumber: 1, executionNumber: 1 })], timestamp: expect.any(Number), clientToken: 'tok-get' },
    });
    const described = await dev.request('job-a/get');
    expect(described.body.execution).toMatchObject({ jobId: 'job-a', status: 'QUEUED', jobDocument: { operation: 'reboot' } });
    const noDoc = await dev.request('job-a/get', { includeJobDocument: false });
    expect(noDoc.body.execution).not.toHaveProperty('jobDocument');
    const viaNext = await dev.request('$next/get');
    expect(viaNext.body.execution).toMatchObject({ jobId: 'job-a', status: 'QUEUED' });

    const job = await iot.send(new DescribeJobCommand({ jobId: 'job-a' }));
    expect(job.job).toMatchObject({ jobId: 'job-a', status: 'IN_PROGRESS', targetSelection: 'SNAPSHOT', jobProcessDetails: { numberOfQueuedThings: 1, numberOfSucceededThings: 0 } });
    const exec = await iot.send(new DescribeJobExecutionCommand({ jobId: 'job-a', thingName: 'lamp-1' }));
    expect(exec.execution).toMatchObject({ jobId: 'job-a', status: 'QUEUED', versionNumber: 1, executionNumber: 1, thingArn: thingArn('lamp-1') });
  });

  it('get and start-next order executions: IN_PROGRESS first, then QUEUED in creation order', async () => {
    const dev = await device('lamp-2');
    for (const id of ['o-1', 'o-2', 'o-3']) await createJob(id, 'lamp-2');
    expect((await dev.request('get')).body.queuedJobs).toEqual(['o-1', 'o-2', 'o-3'].map((jobId) => expect.objectContaining({ jobId })));

    // o-2 is started out of order: it now comes first everywhere.
    const started = await dev.request('o-2/update', { status: 'IN_PROGRESS', statusDetails: { step: 'download' } });
    expect(started.outcome).toBe('accepted');
    const list = (await dev.request('get')).body;
    expect((list.inProgressJobs as { jobId: string }[]).map((j) => j.jobId)).toEqual(['o-2']);
    expect((list.queuedJobs as { jobId: string }[]).map((j) => j.jobId)).toEqual(['o-1', 'o-3']);

    // start-next returns the IN_PROGRESS one as it is (no new version), with its document.
    const again = await dev.request('start-next', { statusDetails: { ignored: 'yes' } });
    expect(again.body.execution).toMatchObject({ jobId: 'o-2', status: 'IN_PROGRESS', versionNumber: 2, statusDetails: { step: 'download' }, jobDocument: { operation: 'update', version: 'o-2' } });
    expect(again.body.execution).toHaveProperty('startedAt');

    await dev.request('o-2/update', { status: 'SUCCEEDED' });
    const from = dev.received.length;
    const o1 = await dev.request('start-next', { statusDetails: { phase: 'one' }, stepTimeoutInMinutes: 5 });
    expect(o1.body.execution).toMatchObject({ jobId: 'o-1', status: 'IN_PROGRESS', versionNumber: 2, statusDetails: { phase: 'one' } });
    // QUEUED → IN_PROGRESS keeps the pending list: no notify; the next execution is still o-1: no notify-next.
    await dev.settle();
    expect(dev.on('notify', from)).toEqual([]);
    expect(dev.on('notify-next', from)).toEqual([]);
  });

  it('a device may move QUEUED or IN_PROGRESS to IN_PROGRESS, SUCCEEDED, FAILED or REJECTED, and nothing else', async () => {
    const dev = await device('lamp-3');
    const allowed: [string, string][] = [['QUEUED', 'SUCCEEDED'], ['QUEUED', 'FAILED'], ['QUEUED', 'REJECTED'], ['QUEUED', 'IN_PROGRESS'],
      ['IN_PROGRESS', 'IN_PROGRESS'], ['IN_PROGRESS', 'SUCCEEDED'], ['IN_PROGRESS', 'FAILED'], ['IN_PROGRESS', 'REJECTED']];
    let n = 0;
    for (const [from, to] of allowed) {
      const id = `t-${++n}`;
      await createJob(id, 'lamp-3');
      if (from === 'IN_PROGRESS') await dev.request(`${id}/update`, { status: 'IN_PROGRESS' });
      const r = await dev.request(`${id}/update`, { status: to, includeJobExecutionState: true });
      expect([from, to, r.outcome]).toEqual([from, to, 'accepted']);
      expect(r.body.executionState).toMatchObject({ status: to, versionNumber: from === 'QUEUED' ? 2 : 3 });
    }
    // Statuses only the service sets are refused with InvalidStateTransition and the current state.
    await createJob('t-svc', 'lamp-3');
    for (const to of ['QUEUED', 'CANCELED', 'TIMED_OUT', 'REMOVED']) {
      const r = await dev.request('t-svc/update', { status: to });
      expect(r).toMatchObject({ outcome: 'rejected', body: { code: 'InvalidStateTransition', executionState: { status: 'QUEUED', versionNumber: 1 } } });
    }
    // From a terminal status nothing moves.
    for (const to of ['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED']) {
      const r = await dev.request('t-2/update', { status: to });
      expect(r).toMatchObject({ outcome: 'rejected', body: { code: 'InvalidStateTransition', executionState: { status: 'FAILED', versionNumber: 2 } } });
      expect(r.body.message).toContain('FAILED');
    }
    // Describing a finished execution is TerminalStateReached (no executionState).
    const terminal = await dev.request('t-2/get');
    expect(terminal).toMatchObject({ outcome: 'rejected', body: { code: 'TerminalStateReached' } });
    expect(terminal.body).not.toHaveProperty('executionState');
    // An unknown status is an invalid request.
    expect(await dev.request('t-svc/update', { status: 'DONE' })).toMatchObject({ outcome: 'rejected', body: { code: 'InvalidRequest' } });
  });

  it('expectedVersion: a mismatch is VersionMismatch with the current executionState; a match applies', async () => {
    const dev = await device('lamp-4');
    await createJob('v-1', 'lamp-4');
    await dev.request('v-1/update', { status: 'IN_PROGRESS', statusDetails: { pct: '10' } });
    const stale = await dev.request('v-1/update', { status: 'IN_PROGRESS', expectedVersion: 1, statusDetails: { pct: '50' } });
    expect(stale).toEqual({
      outcome: 'rejected',
      body: {
        code: 'VersionMismatch', message: expect.any(String), clientToken: expect.any(String), timestamp: expect.any(Number),
        executionState: { status: 'IN_PROGRESS', statusDetails: { pct: '10' }, versionNumber: 2 },
      },
    });
    const ok = await dev.request('v-1/update', { status: 'SUCCEEDED', expectedVersion: 2, statusDetails: { pct: '100' }, includeJobExecutionState: true, includeJobDocument: true });
    expect(ok.body).toEqual({
      executionState: { status: 'SUCCEEDED', statusDetails: { pct: '100' }, versionNumber: 3 }, jobDocument: { operation: 'update', version: 'v-1' },
      timestamp: expect.any(Number), clientToken: expect.any(String),
    });
    const job = await iot.send(new DescribeJobCommand({ jobId: 'v-1' }));
    expect(job.job).toMatchObject({ status: 'COMPLETED', jobProcessDetails: { numberOfSucceededThings: 1, numberOfQueuedThings: 0 } });
    expect(job.job?.completedAt).toBeInstanceOf(Date);
  });

  it('notify and notify-next follow the pending list; notify-next without an execution when nothing is left', async () => {
    const dev = await device('lamp-5');
    let from = dev.received.length;
    await createJob('n-1', 'lamp-5');
    await dev.next('notify-next', from);
    from = dev.received.length;
    await createJob('n-2', 'lamp-5');
    const notify = await dev.next('notify', from);
    expect(Object.keys(notify.body.jobs as object)).toEqual(['QUEUED']);
    expect(((notify.body.jobs as { QUEUED: { jobId: string }[] }).QUEUED).map((j) => j.jobId)).toEqual(['n-1', 'n-2']);
    await dev.settle();
    expect(dev.on('notify-next', from)).toEqual([]); // n-1 is still next

    from = dev.received.length;
    await dev.request('n-1/update', { status: 'SUCCEEDED' });
    expect((await dev.next('notify-next', from)).body.execution).toMatchObject({ jobId: 'n-2' });
    expect((await dev.next('notify', from)).body.jobs).toEqual({ QUEUED: [expect.objectContaining({ jobId: 'n-2' })] });

    from = dev.received.length;
    await dev.request('n-2/update', { status: 'REJECTED', statusDetails: { reason: 'incompatible' } });
    expect((await dev.next('notify-next', from)).body).toEqual({ timestamp: expect.any(Number) });
    expect((await dev.next('notify', from)).body).toEqual({ timestamp: expect.any(Number), jobs: {} });
    const next = await dev.request('$next/get');
    expect(next.body).toEqual({ timestamp: expect.any(Number), clientToken: expect.any(String) });
    const start = await dev.request('start-next');
    expect(start.body).toEqual({ timestamp: expect.any(Number), clientToken: expect.any(String) });
  });

  it('bad requests: InvalidJson, InvalidTopic, ResourceNotFound, InvalidRequest for bad members', async () => {
    const dev = await device('lamp-6');
    await createJob('b-1', 'lamp-6');
    expect(await dev.request('get', 'not json')).toMatchObject({ outcome: 'rejected', body: { code: 'InvalidJson' } });
    expect(await dev.request('b-1/bogus')).toMatchObject({ outcome: 'rejected', body: { code: 'InvalidTopic' } });
    expect(await dev.request('ghost/get')).toMatchObject({ outcome: 'rejected', body: { code: 'ResourceNotFound' } });
    expect(await dev.request('ghost/update', { status: 'SUCCEEDED' })).toMatchObject({ outcome: 'rejected', body: { code: 'ResourceNotFound' } });
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expect(await dev.request('b-1/update', { status: 'IN_PROGRESS', statusDetails: eleven })).toMatchObject({ outcome: 'rejected', body: { code: 'InvalidRequest' } });
    expect(await dev.request('b-1/update', { status: 'IN_PROGRESS', statusDetails: { n: 1 } })).toMatchObject({ outcome: 'rejected', body: { code: 'InvalidRequest' } });
    expect(await dev.request('b-1/update', { status: 'IN_PROGRESS', expectedVersion: 'one' })).toMatchObject({ outcome: 'rejected', body: { code: 'InvalidRequest' } });
    expect(await dev.request('b-1/update', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 0 })).toMatchObject({ outcome: 'rejected', body: { code: 'InvalidRequest' } });
    expect(await dev.request('b-1/update', { clientToken: 'x'.repeat(65), status: 'IN_PROGRESS' })).toMatchObject({ outcome: 'rejected', body: { code: 'InvalidRequest' } });
    // Nothing above changed the execution.
    const exec = await iot.send(new DescribeJobExecutionCommand({ jobId: 'b-1', thingName: 'lamp-6' }));
    expect(exec.execution).toMatchObject({ status: 'QUEUED', versionNumber: 1 });
  });

  it('replies go to the requester alone, subscribed or not; other subscribers of the reply topic see nothing', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'lamp-7' }));
    await createJob('r-1', 'lamp-7');
    const observer = await connect(te.mqttPort, { clientId: 'observer-7' });
    const requester = await connect(te.mqttPort, { clientId: 'requester-7' }); // subscribes to nothing
    try {
      await observer.subscribeAsync(['$aws/things/lamp-7/jobs/get/accepted', 'marker/observer-7'], { qos: 1 });
      const reply = nextMessages(requester, 1);
      await requester.publishAsync('$aws/things/lamp-7/jobs/get', JSON.stringify({ clientToken: 'direct' }), { qos: 1 });
      const [got] = await reply;
      expect(got.topic).toBe('$aws/things/lamp-7/jobs/get/accepted');
      expect(JSON.parse(got.payload.toString())).toMatchObject({ clientToken: 'direct', queuedJobs: [{ jobId: 'r-1' }] });
      const seen = nextMessages(observer, 1);
      await observer.publishAsync('marker/observer-7', 'after', { qos: 1 });
      expect((await seen).map((m) => m.topic)).toEqual(['marker/observer-7']);
    } finally {
      await Promise.all([observer.endAsync(true), requester.endAsync(true)]);
    }
  });

  it('mosquitto_rr starts the next execution and reports it SUCCEEDED, as the README shows', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'lamp-8' }));
    await createJob('rr-1', 'lamp-8', { operation: 'update', version: '2.0' });
    const p = '$aws/things/lamp-8/jobs';
    const rr = (topic: string, body: object) => run('mosquitto_rr', ['-h', '127.0.0.1', '-p', String(te.mqttPort), '-i', 'lamp-8-rr', '-t', `${p}/${topic}`, '-e', `${p}/${topic}/accepted`, '-m', JSON.stringify(body), '-W', '5']).done;
    const started = await rr('start-next', { clientToken: 'c1', statusDetails: { step: 'download' } });
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ clientToken: 'c1', execution: { jobId: 'rr-1', status: 'IN_PROGRESS', versionNumber: 2, jobDocument: { version: '2.0' } } });
    const done = await rr('rr-1/update', { status: 'SUCCEEDED', expectedVersion: 2, includeJobExecutionState: true });
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ executionState: { status: 'SUCCEEDED', versionNumber: 3 } });
  });
});
