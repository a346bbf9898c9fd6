/**
 * The policies that make a job a rollout, end to end on an engine whose clock the test moves: rollout rates
 * (maximumPerMinute, exponential by notified or succeeded things) counted per minute, an abort at a failure threshold
 * after minNumberOfExecutedThings, in-progress and step timeouts, retries as new execution numbers, presigned URLs
 * served by the local S3 until they expire, documents from the local S3, and jobs from templates with parameters.
 * Clients are the SDK v3 IoT and IoT Jobs data-plane clients and `fetch`; waits are on the engine's sweep.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AddThingToThingGroupCommand, CreateJobCommand, CreateJobTemplateCommand, CreateThingCommand, CreateThingGroupCommand, DescribeJobCommand, DescribeJobExecutionCommand, GetJobDocumentCommand, IoTClient,
  ListJobExecutionsForJobCommand, UpdateJobCommand,
} from '@aws-sdk/client-iot';
import {
  DescribeJobExecutionCommand as DeviceDescribe, IoTJobsDataPlaneClient, StartNextPendingJobExecutionCommand, UpdateJobExecutionCommand,
} from '@aws-sdk/client-iot-jobs-data-plane';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { groupArn, JobsDevice, thingArn } from './helpers/jobs-device.js';

const MINUTE = 60_000;
const clock = { offset: 0, now: () => Date.now() + clock.offset, advance: (ms: number) => void (clock.offset += ms) };
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
let te: TestEngine;
let iot: IoTClient;
let data: IoTJobsDataPlaneClient;
let s3: S3Client;
const devices: JobsDevice[] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws', clock });
  iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
  data = new IoTJobsDataPlaneClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
  s3 = new S3Client({ region: 'us-east-1', endpoint: te.httpUrl, credentials, forcePathStyle: true, maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'firmware' }));
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.close()));
  for (const c of [iot, data, s3]) c?.destroy();
  await te?.stop();
});

async function things(prefix: string, n: number): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);
  for (const thingName of names) await iot.send(new CreateThingCommand({ thingName }));
  return names;
}

async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the call to fail');
}

/** Things notified so far: the job's executions devices can see (held ones are not listed, as on AWS). */
async function notified(jobId: string): Promise<number> {
  const r = await iot.send(new ListJobExecutionsForJobCommand({ jobId, maxResults: 250 }));
  return r.executionSummaries!.length;
}

const job = async (jobId: string) => (await iot.send(new DescribeJobCommand({ jobId }))).job!;
const execution = async (jobId: string, thingName: string, executionNumber?: number) => (await iot.send(new DescribeJobExecutionCommand({ jobId, thingName, executionNumber }))).execution!;
const update = (jobId: string, thingName: string, status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'REJECTED', extra: { stepTimeoutInMinutes?: number; executionNumber?: number } = {}) =>
  data.send(new UpdateJobExecutionCommand({ jobId, thingName, status, ...extra }));

/** Moves the engine's clock and waits until the sweep has seen it (`until` holds). */
async function after(ms: number, until: () => Promise<void>): Promise<void> {
  clock.advance(ms);
  await vi.waitFor(until, { timeout: 8000, interval: 50 });
}

describe('rollout rates (counts per minute on the engine clock)', () => {
  it('notifies at most maximumPerMinute things a minute; the rest wait unseen', async () => {
    const names = await things('max', 7);
    const dev = await JobsDevice.open(te, names[6]);
    devices.push(dev);
    await iot.send(new CreateJobCommand({ jobId: 'max-rate', targets: names.map(thingArn), document: '{"op":"update"}', jobExecutionsRolloutConfig: { maximumPerMinute: 3 } }));
    expect(await notified('max-rate')).toBe(3);
    expect((await job('max-rate')).jobProcessDetails).toMatchObject({ numberOfQueuedThings: 3 });
    // The seventh thing has nothing pending yet: its device sees an empty list.
    expect((await dev.request('get')).body).toMatchObject({ queuedJobs: [], inProgressJobs: [] });
    const from = dev.received.length;
    await after(MINUTE, async () => expect(await notified('max-rate')).toBe(6));
    await after(MINUTE, async () => expect(await notified('max-rate')).toBe(7));
    // Released, the seventh thing is told on notify-next like any new execution.
    expect((await dev.next('notify-next', from)).body.execution).toMatchObject({ jobId: 'max-rate', status: 'QUEUED', jobDocument: { op: 'update' } });
  });

  it('multiplies the rate by incrementFactor as numberOfNotifiedThings more things are notified', async () => {
    const names = await things('exp', 20);
    await iot.send(new CreateJobCommand({
      jobId: 'exp-rate', targets: names.map(thingArn), document: '{}',
      jobExecutionsRolloutConfig: { exponentialRate: { baseRatePerMinute: 2, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 2 } } },
    }));
    const counts = [await notified('exp-rate')];
    for (const expected of [6, 14, 20]) {
      await after(MINUTE, async () => expect(await notified('exp-rate')).toBe(expected));
      counts.push(expected);
    }
    expect(counts).toEqual([2, 6, 14, 20]); // 2, then 4, 8, and the last 6 a minute
  });

  it('raises the rate on succeeded things only as they succeed, capped by maximumPerMinute', async () => {
    const names = await things('succ', 8);
    await iot.send(new CreateJobCommand({
      jobId: 'succ-rate', targets: names.map(thingArn), document: '{}',
      jobExecutionsRolloutConfig: { maximumPerMinute: 3, exponentialRate: { baseRatePerMinute: 1, incrementFactor: 3, rateIncreaseCriteria: { numberOfSucceededThings: 1 } } },
    }));
    expect(await notified('succ-rate')).toBe(1);
    await after(MINUTE, async () => expect(await notified('succ-rate')).toBe(2)); // nothing succeeded: still 1 a minute
    await update('succ-rate', names[0], 'SUCCEEDED');
    await after(MINUTE, async () => expect(await notified('succ-rate')).toBe(5)); // 1 × 3, at most 3
  });
});

describe('CONTINUOUS jobs under a rollout rate', () => {
  it('paces the things that join the target group later, as it paces the first ones', async () => {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'cont-fleet' }));
    const names = await things('cont', 5);
    await iot.send(new CreateJobCommand({
      jobId: 'cont-rate', targets: [groupArn('cont-fleet')], targetSelection: 'CONTINUOUS', document: '{}', jobExecutionsRolloutConfig: { maximumPerMinute: 2 },
    }));
    expect(await notified('cont-rate')).toBe(0);
    for (const thingName of names) await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'cont-fleet', thingName }));
    await vi.waitFor(async () => expect((await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'cont-rate' }))).executionSummaries).toHaveLength(2), { timeout: 5000 });
    await after(MINUTE, async () => expect(await notified('cont-rate')).toBe(4));
    await after(MINUTE, async () => expect(await notified('cont-rate')).toBe(5));
    expect((await job('cont-rate')).status).toBe('IN_PROGRESS');
  });
});

describe('abort configuration', () => {
  it('cancels the job once the failure threshold is met among at least minNumberOfExecutedThings', async () => {
    const names = await things('abort', 8);
    await iot.send(new CreateJobCommand({
      jobId: 'abort-job', targets: names.map(thingArn), document: '{}',
      abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 4 }] },
    }));
    await update('abort-job', names[0], 'FAILED');
    await update('abort-job', names[1], 'FAILED');
    await update('abort-job', names[2], 'SUCCEEDED');
    await update('abort-job', names[6], 'IN_PROGRESS');
    expect((await job('abort-job')).status).toBe('IN_PROGRESS'); // 2 of 3 failed, but only 3 executed
    await update('abort-job', names[3], 'REJECTED'); // 4 executed, 2 FAILED: 50 %
    await vi.waitFor(async () => expect((await job('abort-job')).status).toBe('CANCELED'), { timeout: 5000 });
    const j = await job('abort-job');
    expect(j.reasonCode).toBe('FAILURE_THRESHOLD_EXCEEDED');
    expect(j.comment).toContain('50%');
    expect(j.jobProcessDetails).toMatchObject({ numberOfFailedThings: 2, numberOfSucceededThings: 1, numberOfRejectedThings: 1, numberOfCanceledThings: 3, numberOfInProgressThings: 1 });
    expect((await execution('abort-job', names[7])).status).toBe('CANCELED');
    expect((await execution('abort-job', names[6])).status).toBe('IN_PROGRESS'); // not forced: it may still finish
  });

  it('does not count other failure types against a FAILED criterion', async () => {
    const names = await things('abort-rej', 3);
    await iot.send(new CreateJobCommand({
      jobId: 'abort-rej', targets: names.map(thingArn), document: '{}',
      abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 10, minNumberOfExecutedThings: 1 }] },
    }));
    await update('abort-rej', names[0], 'REJECTED');
    await update('abort-rej', names[1], 'SUCCEEDED');
    expect((await job('abort-rej')).status).toBe('IN_PROGRESS');
    await update('abort-rej', names[2], 'FAILED');
    await vi.waitFor(async () => expect((await job('abort-rej')).status).not.toBe('IN_PROGRESS'), { timeout: 5000 });
    // The last execution completed the job before the abort could cancel it: a SNAPSHOT job with nothing left is COMPLETED.
    expect(['COMPLETED', 'CANCELED']).toContain((await job('abort-rej')).status);
  });
});

describe('timeouts', () => {
  it('times out at the in-progress timeout and at an earlier step timeout; a new step timeout restarts the timer', async () => {
    const names = await things('tmo', 3);
    await iot.send(new CreateJobCommand({ jobId: 'timeouts', targets: names.map(thingArn), document: '{}', timeoutConfig: { inProgressTimeoutInMinutes: 3 } }));
    await data.send(new StartNextPendingJobExecutionCommand({ thingName: names[0] }));
    const stepped = await data.send(new StartNextPendingJobExecutionCommand({ thingName: names[1], stepTimeoutInMinutes: 1 }));
    expect(stepped.execution?.approximateSecondsBeforeTimedOut).toBeGreaterThan(50); // in the reply itself
    expect(stepped.execution?.approximateSecondsBeforeTimedOut).toBeLessThanOrEqual(60);
    await data.send(new StartNextPendingJobExecutionCommand({ thingName: names[2], stepTimeoutInMinutes: 1 }));
    expect((await data.send(new DeviceDescribe({ jobId: 'timeouts', thingName: names[0] }))).execution?.approximateSecondsBeforeTimedOut).toBeGreaterThan(170);

    clock.advance(40_000);
    await update('timeouts', names[2], 'IN_PROGRESS', { stepTimeoutInMinutes: 2 }); // its step timer restarts: 2 more minutes
    await after(25_000, async () => expect((await execution('timeouts', names[1])).status).toBe('TIMED_OUT'));
    expect((await execution('timeouts', names[0])).status).toBe('IN_PROGRESS');
    expect((await execution('timeouts', names[2])).status).toBe('IN_PROGRESS');
    await after(100_000, async () => expect((await execution('timeouts', names[2])).status).toBe('TIMED_OUT')); // 2 min 45 s
    expect((await execution('timeouts', names[0])).status).toBe('IN_PROGRESS'); // its 3 minutes are not over yet
    await after(MINUTE, async () => expect((await execution('timeouts', names[0])).status).toBe('TIMED_OUT'));
    const refused = await failure(update('timeouts', names[0], 'SUCCEEDED'));
    expect(refused.name).toBe('InvalidStateTransitionException');
    expect((await job('timeouts')).jobProcessDetails?.numberOfTimedOutThings).toBe(3);
  });

  it('-1 cancels a step timer', async () => {
    const [thing] = await things('tmo-cancel', 1);
    await iot.send(new CreateJobCommand({ jobId: 'step-cancel', targets: [thingArn(thing)], document: '{}' }));
    await data.send(new StartNextPendingJobExecutionCommand({ thingName: thing, stepTimeoutInMinutes: 1 }));
    await update('step-cancel', thing, 'IN_PROGRESS', { stepTimeoutInMinutes: -1 });
    expect((await data.send(new DeviceDescribe({ jobId: 'step-cancel', thingName: thing }))).execution?.approximateSecondsBeforeTimedOut).toBeUndefined();
    clock.advance(5 * MINUTE);
    // A marker job on the same thing proves a sweep ran after the move.
    const [marker] = await things('tmo-marker', 1);
    await iot.send(new CreateJobCommand({ jobId: 'sweep-marker', targets: [thingArn(marker)], document: '{}', timeoutConfig: { inProgressTimeoutInMinutes: 1 } }));
    await data.send(new StartNextPendingJobExecutionCommand({ thingName: marker }));
    await after(MINUTE, async () => expect((await execution('sweep-marker', marker)).status).toBe('TIMED_OUT'));
    expect((await execution('step-cancel', thing)).status).toBe('IN_PROGRESS');
  });
});

describe('retries', () => {
  it('retries a FAILED execution as a new execution number, up to numberOfRetries', async () => {
    const [thing] = await things('retry', 1);
    await iot.send(new CreateJobCommand({ jobId: 'retry-job', targets: [thingArn(thing)], document: '{}', jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 1 }] } }));
    await update('retry-job', thing, 'FAILED');
    await vi.waitFor(async () => expect((await execution('retry-job', thing, 2)).status).toBe('QUEUED'), { timeout: 5000 });
    expect((await execution('retry-job', thing, 1)).status).toBe('FAILED');
    const next = await data.send(new StartNextPendingJobExecutionCommand({ thingName: thing }));
    expect(next.execution).toMatchObject({ jobId: 'retry-job', executionNumber: 2, status: 'IN_PROGRESS' });
    await update('retry-job', thing, 'FAILED', { executionNumber: 2 });
    await vi.waitFor(async () => expect((await job('retry-job')).status).toBe('COMPLETED'), { timeout: 5000 });
    await expect(failure(iot.send(new DescribeJobExecutionCommand({ jobId: 'retry-job', thingName: thing, executionNumber: 3 })))).resolves.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('retries a TIMED_OUT execution under ALL', async () => {
    const [thing] = await things('retry-tmo', 1);
    await iot.send(new CreateJobCommand({
      jobId: 'retry-tmo', targets: [thingArn(thing)], document: '{}', timeoutConfig: { inProgressTimeoutInMinutes: 1 },
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'ALL', numberOfRetries: 2 }] },
    }));
    await data.send(new StartNextPendingJobExecutionCommand({ thingName: thing }));
    await after(MINUTE, async () => expect((await execution('retry-tmo', thing, 2)).status).toBe('QUEUED'));
    expect((await execution('retry-tmo', thing, 1)).status).toBe('TIMED_OUT');
  });
});

describe('documents from the local S3 and presigned URLs', () => {
  it('reads a documentSource at CreateJob, with AWS errors for a missing or bad document', async () => {
    const [thing] = await things('src', 1);
    await s3.send(new PutObjectCommand({ Bucket: 'firmware', Key: 'jobs/doc.json', Body: '{"operation":"install","version":"2.0"}' }));
    await s3.send(new PutObjectCommand({ Bucket: 'firmware', Key: 'jobs/bad.json', Body: '[1, 2' }));
    await iot.send(new CreateJobCommand({ jobId: 'from-source', targets: [thingArn(thing)], documentSource: 'https://firmware.s3.amazonaws.com/jobs/doc.json' }));
    expect(JSON.parse((await iot.send(new GetJobDocumentCommand({ jobId: 'from-source' }))).document!)).toEqual({ operation: 'install', version: '2.0' });
    const missing = await failure(iot.send(new CreateJobCommand({ jobId: 'no-source', targets: [thingArn(thing)], documentSource: 'https://s3.amazonaws.com/firmware/jobs/none.json' })));
    expect(missing).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(missing.message).toContain('does not exist');
    const bad = await failure(iot.send(new CreateJobCommand({ jobId: 'bad-source', targets: [thingArn(thing)], documentSource: 'https://s3.amazonaws.com/firmware/jobs/bad.json' })));
    expect(bad).toMatchObject({ name: 'InvalidRequestException' });
    expect(bad.message).toContain('not valid JSON');
  });

  it('gives devices a presigned URL of the local S3 that serves the object until it expires', async () => {
    const [thing] = await things('presign', 1);
    await s3.send(new PutObjectCommand({ Bucket: 'firmware', Key: 'app v2.bin', Body: 'firmware-bytes' }));
    const dev = await JobsDevice.open(te, thing);
    devices.push(dev);
    const from = dev.received.length;
    await iot.send(new CreateJobCommand({
      jobId: 'presigned', targets: [thingArn(thing)], presignedUrlConfig: { roleArn: 'arn:aws:iam::000000000000:role/JobsDownload', expiresInSec: 60 },
      document: JSON.stringify({ operation: 'install', url: '${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/firmware/app v2.bin}' }),
    }));
    // Over MQTT (notify-next) and over HTTP (the data plane), each delivery signs a fresh URL.
    const viaMqtt = (await dev.next('notify-next', from)).body.execution as { jobDocument: { url: string } };
    expect(viaMqtt.jobDocument.url).toMatch(/X-Amz-Expires=60/);
    const described = await data.send(new DeviceDescribe({ jobId: 'presigned', thingName: thing, includeJobDocument: true }));
    const url = (JSON.parse(described.execution!.jobDocument!) as { url: string }).url;
    expect(url.startsWith(`${te.httpUrl}/firmware/app%20v2.bin?`)).toBe(true);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('firmware-bytes');
    // The stored document keeps the placeholder.
    expect((await iot.send(new GetJobDocumentCommand({ jobId: 'presigned' }))).document).toContain('${aws:iot:s3-presigned-url:');
    clock.advance(61_000);
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('expired');
    const tampered = await fetch(url.replace('app%20v2.bin', 'other.bin'));
    expect(tampered.status).toBe(403);
  });

  it('refuses a placeholder that names no S3 object', async () => {
    const [thing] = await things('presign-bad', 1);
    const f = await failure(iot.send(new CreateJobCommand({ jobId: 'bad-placeholder', targets: [thingArn(thing)], document: '{"url":"${aws:iot:s3-presigned-url:ftp://x/y}"}' })));
    expect(f).toMatchObject({ name: 'InvalidRequestException' });
  });
});

describe('jobs from templates and bad input', () => {
  it('takes the template document and policies as defaults, the request winning, with document parameters filled in', async () => {
    const [thing] = await things('tpl', 1);
    const tpl = await iot.send(new CreateJobTemplateCommand({
      jobTemplateId: 'ota', description: 'OTA', document: '{"operation":"install","version":"${aws:iot:parameter:version}"}',
      timeoutConfig: { inProgressTimeoutInMinutes: 30 }, jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 2 }] },
    }));
    await iot.send(new CreateJobCommand({ jobId: 'from-template', targets: [thingArn(thing)], jobTemplateArn: tpl.jobTemplateArn, documentParameters: { version: '3.1' }, timeoutConfig: { inProgressTimeoutInMinutes: 5 } }));
    const j = await job('from-template');
    expect(j).toMatchObject({ jobTemplateArn: tpl.jobTemplateArn, timeoutConfig: { inProgressTimeoutInMinutes: 5 }, jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'FAILED', numberOfRetries: 2 }] } });
    expect(JSON.parse((await iot.send(new GetJobDocumentCommand({ jobId: 'from-template' }))).document!)).toEqual({ operation: 'install', version: '3.1' });
    // A job made from a job becomes a template in turn.
    const again = await iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'from-job', description: 'copy', jobArn: j.jobArn }));
    expect(again.jobTemplateId).toBe('from-job');

    const missing = await failure(iot.send(new CreateJobCommand({ jobId: 'tpl-missing', targets: [thingArn(thing)], jobTemplateArn: tpl.jobTemplateArn })));
    expect(missing).toMatchObject({ name: 'InvalidRequestException' });
    expect(missing.message).toContain('version');
    const unknown = await failure(iot.send(new CreateJobCommand({ jobId: 'tpl-unknown', targets: [thingArn(thing)], jobTemplateArn: tpl.jobTemplateArn, documentParameters: { version: '1', colour: 'red' } })));
    expect(unknown.message).toContain('colour');
    const gone = await failure(iot.send(new CreateJobCommand({ jobId: 'tpl-gone', targets: [thingArn(thing)], jobTemplateArn: 'arn:aws:iot:us-east-1:000000000000:jobtemplate/nope' })));
    expect(gone).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('answers AWS validation errors for out-of-range policies on CreateJob and UpdateJob', async () => {
    const [thing] = await things('range', 1);
    const base = { targets: [thingArn(thing)], document: '{}' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ jobExecutionsRolloutConfig: { maximumPerMinute: 1001 } }, "at 'jobExecutionsRolloutConfig.maximumPerMinute' failed to satisfy constraint: Member must have value less than or equal to 1000"],
      [{ jobExecutionsRolloutConfig: { exponentialRate: { baseRatePerMinute: 0, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 1 } } } }, 'greater than or equal to 1'],
      [{ abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 10, minNumberOfExecutedThings: 0 }] } }, 'minNumberOfExecutedThings'],
      [{ timeoutConfig: { inProgressTimeoutInMinutes: 10081 } }, 'less than or equal to 10080'],
      [{ jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'ALL', numberOfRetries: 11 }] } }, 'less than or equal to 10'],
      [{ presignedUrlConfig: { expiresInSec: 30 } }, 'greater than or equal to 60'],
      [{ documentParameters: { v: '1' } }, 'job template'],
      [{ schedulingConfig: { startTime: '2030-01-01T00:00' } }, 'schedulingConfig'],
    ];
    for (const [input, message] of cases) {
      const f = await failure(iot.send(new CreateJobCommand({ jobId: 'range-job', ...base, ...input } as never)));
      expect(f, JSON.stringify(input)).toMatchObject({ name: 'InvalidRequestException', status: 400 });
      expect(f.message, JSON.stringify(input)).toContain(message);
    }
    await iot.send(new CreateJobCommand({ jobId: 'range-ok', ...base }));
    const upd = await failure(iot.send(new UpdateJobCommand({ jobId: 'range-ok', timeoutConfig: { inProgressTimeoutInMinutes: 0 } })));
    expect(upd).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    const step = await failure(data.send(new StartNextPendingJobExecutionCommand({ thingName: thing, stepTimeoutInMinutes: 10081 })));
    expect(step.name).toBe('InvalidRequestException');
  });
});

describe('across a restart', () => {
  it('goes on releasing held executions and keeps the deadlines', async () => {
    const names = await things('restart', 5);
    await iot.send(new CreateJobCommand({ jobId: 'restart-job', targets: names.map(thingArn), document: '{}', jobExecutionsRolloutConfig: { maximumPerMinute: 2 } }));
    await data.send(new StartNextPendingJobExecutionCommand({ thingName: names[0], stepTimeoutInMinutes: 2 }));
    expect(await notified('restart-job')).toBe(2);
    await Promise.all(devices.splice(0).map((d) => d.close()));
    await te.stop();
    te = await te.restart();
    for (const c of [iot, data]) c.destroy();
    iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
    data = new IoTJobsDataPlaneClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
    expect(await notified('restart-job')).toBe(2);
    expect((await execution('restart-job', names[0])).status).toBe('IN_PROGRESS');
    await after(MINUTE, async () => expect(await notified('restart-job')).toBe(4));
    await after(MINUTE, async () => expect((await execution('restart-job', names[0])).status).toBe('TIMED_OUT'));
    await vi.waitFor(async () => expect(await notified('restart-job')).toBe(5), { timeout: 8000 });
  });
});
