/**
 * The Jobs data plane over HTTP (SigV4 for `iot-jobs-data`) with the SDK v3 IoTJobsDataPlaneClient and Debian's
 * AWS CLI v2 (`aws iot create-job`, `aws iot-jobs-data …`), against the real engine: the same executions as MQTT,
 * AWS's response shapes (the document as text) and exceptions; unsigned requests on shared paths reach the control plane.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateJobCommand, CreateThingCommand, DescribeJobCommand, type IoTClient } from '@aws-sdk/client-iot';
import {
  DescribeJobExecutionCommand, GetPendingJobExecutionsCommand, IoTJobsDataPlaneClient, StartNextPendingJobExecutionCommand, UpdateJobExecutionCommand,
} from '@aws-sdk/client-iot-jobs-data-plane';
import { AwsCliError, awsCliJson, describeAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { iotClient, thingArn } from './helpers/jobs-device.js';

let te: TestEngine;
let iot: IoTClient;
let data: IoTJobsDataPlaneClient;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  iot = iotClient(te);
  data = new IoTJobsDataPlaneClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});
afterAll(async () => {
  await te?.stop();
});

const fails = <T>(p: Promise<T>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error & { $metadata?: { httpStatusCode?: number } }) => ({ name: e.name, message: e.message, status: e.$metadata?.httpStatusCode }));

describe('Jobs data plane with SDK v3', () => {
  it('get pending, start next, describe and update: the device API over HTTPS', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'hp-1' }));
    for (const id of ['h-1', 'h-2']) await iot.send(new CreateJobCommand({ jobId: id, targets: [thingArn('hp-1')], document: JSON.stringify({ op: id }) }));
    const pending = await data.send(new GetPendingJobExecutionsCommand({ thingName: 'hp-1' }));
    expect(pending.inProgressJobs).toEqual([]);
    expect(pending.queuedJobs).toEqual([
      { jobId: 'h-1', queuedAt: expect.any(Number), lastUpdatedAt: expect.any(Number), versionNumber: 1, executionNumber: 1 },
      { jobId: 'h-2', queuedAt: expect.any(Number), lastUpdatedAt: expect.any(Number), versionNumber: 1, executionNumber: 1 },
    ]);
    expect(pending.queuedJobs![0].queuedAt!).toBeLessThan(Date.now() / 1000 + 60); // epoch seconds

    const started = await data.send(new StartNextPendingJobExecutionCommand({ thingName: 'hp-1', statusDetails: { step: 'download' }, stepTimeoutInMinutes: 10 }));
    expect(started.execution).toMatchObject({ jobId: 'h-1', thingName: 'hp-1', status: 'IN_PROGRESS', statusDetails: { step: 'download' }, versionNumber: 2, executionNumber: 1 });
    expect(JSON.parse(started.execution!.jobDocument!)).toEqual({ op: 'h-1' }); // the document is a string here

    const described = await data.send(new DescribeJobExecutionCommand({ thingName: 'hp-1', jobId: 'h-1' }));
    expect(described.execution).toMatchObject({ jobId: 'h-1', status: 'IN_PROGRESS', jobDocument: JSON.stringify({ op: 'h-1' }) });
    const withoutDoc = await data.send(new DescribeJobExecutionCommand({ thingName: 'hp-1', jobId: 'h-1', includeJobDocument: false }));
    expect(withoutDoc.execution?.jobDocument).toBeUndefined();

    const stale = await fails(data.send(new UpdateJobExecutionCommand({ thingName: 'hp-1', jobId: 'h-1', status: 'SUCCEEDED', expectedVersion: 1 })));
    expect(stale).toMatchObject({ name: 'InvalidStateTransitionException', status: 409 });
    const done = await data.send(new UpdateJobExecutionCommand({ thingName: 'hp-1', jobId: 'h-1', status: 'SUCCEEDED', expectedVersion: 2, includeJobExecutionState: true, includeJobDocument: true }));
    expect(done).toMatchObject({ executionState: { status: 'SUCCEEDED', statusDetails: { step: 'download' }, versionNumber: 3 }, jobDocument: JSON.stringify({ op: 'h-1' }) });
    expect((await iot.send(new DescribeJobCommand({ jobId: 'h-1' }))).job?.status).toBe('COMPLETED');

    expect(await fails(data.send(new UpdateJobExecutionCommand({ thingName: 'hp-1', jobId: 'h-1', status: 'IN_PROGRESS' })))).toMatchObject({ name: 'InvalidStateTransitionException', status: 409 });
    expect(await fails(data.send(new DescribeJobExecutionCommand({ thingName: 'hp-1', jobId: 'h-1' })))).toMatchObject({ name: 'TerminalStateException', status: 410 });
    expect(await fails(data.send(new DescribeJobExecutionCommand({ thingName: 'hp-1', jobId: 'ghost' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(await fails(data.send(new UpdateJobExecutionCommand({ thingName: 'hp-1', jobId: 'h-2', status: 'DONE' as 'SUCCEEDED' })))).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    expect(await fails(data.send(new UpdateJobExecutionCommand({ thingName: 'hp-1', jobId: 'h-2', status: 'IN_PROGRESS', statusDetails: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }))))
      .toMatchObject({ name: 'InvalidRequestException' });

    // Next is h-2; once it is done nothing is pending and StartNext returns no execution.
    expect((await data.send(new DescribeJobExecutionCommand({ thingName: 'hp-1', jobId: '$next' }))).execution).toMatchObject({ jobId: 'h-2', status: 'QUEUED' });
    await data.send(new UpdateJobExecutionCommand({ thingName: 'hp-1', jobId: 'h-2', status: 'REJECTED' }));
    expect((await data.send(new StartNextPendingJobExecutionCommand({ thingName: 'hp-1' }))).execution).toBeUndefined();
  });

  it('an unsigned GET on a shared path is the control plane (ListJobExecutionsForThing), a signed one the data plane', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'hp-2' }));
    await iot.send(new CreateJobCommand({ jobId: 'shared', targets: [thingArn('hp-2')], document: '{}' }));
    const unsigned = await (await fetch(`${te.httpUrl}/things/hp-2/jobs`)).json() as Record<string, unknown>;
    expect(unsigned).toEqual({ executionSummaries: [{ jobId: 'shared', jobExecutionSummary: expect.objectContaining({ status: 'QUEUED' }) }] });
    expect(await data.send(new GetPendingJobExecutionsCommand({ thingName: 'hp-2' }))).toMatchObject({ queuedJobs: [{ jobId: 'shared' }] });
  });
});

describeAwsCli('aws iot and aws iot-jobs-data (AWS CLI v2)', () => {
  const aws = (...args: string[]) => awsCliJson([...args, '--output', 'json'], { endpoint: te.httpUrl });

  it('aws iot create-job, then the device side with aws iot-jobs-data', async () => {
    await aws('iot', 'create-thing', '--thing-name', 'cli-1');
    expect(await aws('iot', 'create-job', '--job-id', 'cli-job', '--targets', thingArn('cli-1'), '--document', '{"operation":"reboot"}', '--description', 'from the CLI'))
      .toEqual({ jobArn: 'arn:aws:iot:us-east-1:000000000000:job/cli-job', jobId: 'cli-job', description: 'from the CLI' });
    expect((await aws('iot', 'describe-job', '--job-id', 'cli-job')).job).toMatchObject({ status: 'IN_PROGRESS', jobProcessDetails: { numberOfQueuedThings: 1 } });
    expect((await aws('iot-jobs-data', 'get-pending-job-executions', '--thing-name', 'cli-1')).queuedJobs).toEqual([expect.objectContaining({ jobId: 'cli-job' })]);
    const started = await aws('iot-jobs-data', 'start-next-pending-job-execution', '--thing-name', 'cli-1', '--status-details', 'step=one');
    expect(started.execution).toMatchObject({ jobId: 'cli-job', status: 'IN_PROGRESS', statusDetails: { step: 'one' }, jobDocument: '{"operation":"reboot"}' });
    const updated = await aws('iot-jobs-data', 'update-job-execution', '--thing-name', 'cli-1', '--job-id', 'cli-job', '--status', 'SUCCEEDED', '--expected-version', '2', '--include-job-execution-state');
    expect(updated).toEqual({ executionState: { status: 'SUCCEEDED', statusDetails: { step: 'one' }, versionNumber: 3 } });
    expect((await aws('iot', 'describe-job-execution', '--job-id', 'cli-job', '--thing-name', 'cli-1')).execution).toMatchObject({ status: 'SUCCEEDED', versionNumber: 3 });
    expect((await aws('iot', 'list-jobs', '--status', 'COMPLETED')).jobs).toContainEqual(expect.objectContaining({ jobId: 'cli-job', status: 'COMPLETED' }));

    const refused = await aws('iot-jobs-data', 'describe-job-execution', '--thing-name', 'cli-1', '--job-id', 'ghost').catch((e: AwsCliError) => e);
    expect(refused).toBeInstanceOf(AwsCliError);
    expect((refused as AwsCliError).stderr).toContain('An error occurred (ResourceNotFoundException) when calling the DescribeJobExecution operation');
    const duplicate = await aws('iot', 'create-job', '--job-id', 'cli-job', '--targets', thingArn('cli-1'), '--document', '{}').catch((e: AwsCliError) => e);
    expect((duplicate as AwsCliError).stderr).toContain('An error occurred (ResourceAlreadyExistsException) when calling the CreateJob operation');
  }, 120_000); // each CLI run starts Python

  it("the README's control-plane commands: list executions, cancel with a reason and force, delete with force", async () => {
    await aws('iot', 'create-thing', '--thing-name', 'cli-2');
    await aws('iot', 'create-job', '--job-id', 'fw-2', '--targets', thingArn('cli-2'), '--document', '{"operation":"update","version":"2.0"}');
    expect((await aws('iot', 'list-job-executions-for-job', '--job-id', 'fw-2')).executionSummaries)
      .toEqual([{ thingArn: thingArn('cli-2'), jobExecutionSummary: expect.objectContaining({ status: 'QUEUED', executionNumber: 1 }) }]);
    await aws('iot-jobs-data', 'update-job-execution', '--thing-name', 'cli-2', '--job-id', 'fw-2', '--status', 'IN_PROGRESS');
    expect(await aws('iot', 'cancel-job', '--job-id', 'fw-2', '--reason-code', 'SUPERSEDED', '--comment', '2.1 is out', '--force'))
      .toEqual({ jobArn: 'arn:aws:iot:us-east-1:000000000000:job/fw-2', jobId: 'fw-2' });
    expect((await aws('iot', 'describe-job', '--job-id', 'fw-2')).job).toMatchObject({
      status: 'CANCELED', forceCanceled: true, reasonCode: 'SUPERSEDED', comment: '2.1 is out', jobProcessDetails: { numberOfCanceledThings: 1 },
    });
    await aws('iot', 'delete-job', '--job-id', 'fw-2', '--force');
    expect((await aws('iot', 'list-job-executions-for-thing', '--thing-name', 'cli-2')).executionSummaries).toEqual([]);
  }, 120_000);
});
