/**
 * A fleet of virtual devices takes an AWS IoT job end to end against a real engine: 20 devices of a model with a job
 * behaviour run in a fleet worker, a job created with the SDK v3 IoTClient targets all of them, every device takes
 * its execution over MQTT (notify-next, start-next, update), and the executions end SUCCEEDED or FAILED exactly as
 * the seeded failure probability says (the same draw the devices make, computed here from the fleet's seed). The
 * succeeded devices report the document's version in their shadow; the failed ones keep the old one and say why in
 * `statusDetails`. The AWS CLI (`/usr/bin/aws`) lists the executions of one thing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CreateJobCommand, CreateThingCommand, DescribeJobCommand, DescribeJobExecutionCommand, IoTClient, ListJobExecutionsForJobCommand,
  type JobExecutionSummaryForJob,
} from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { Fleet, jobExecutionFails, loadDeviceModel } from '../../engine/devices/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { awsCliJson } from '../helpers/aws-cli.js';

const COUNT = 20, SEED = 42, P = 0.3;
const MODEL = `
name: updater
identity:
  thingName: "updater-{pad(index, 2)}"
shadow:
  initial: { fw: "1.0.0" }
jobs:
  operations: [firmware-update]
  applyDelay: 50ms
  failureProbability: ${P}
  report: { fw: "{document.version}", lastJob: "{jobId}" }
`;

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
let te: TestEngine;
let iot: IoTClient;
let data: IoTDataPlaneClient;
let fleet: Fleet | undefined;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
  data = new IoTDataPlaneClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
});
afterAll(async () => {
  await fleet?.stop();
  iot?.destroy();
  data?.destroy();
  await te?.stop();
});

const thing = (i: number) => `updater-${String(i).padStart(2, '0')}`;

async function allExecutions(jobId: string): Promise<JobExecutionSummaryForJob[]> {
  const out: JobExecutionSummaryForJob[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListJobExecutionsForJobCommand({ jobId, maxResults: 100, nextToken }));
    out.push(...(page.executionSummaries ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

describe('a fleet takes a job', () => {
  it('20 devices end SUCCEEDED or FAILED as the seeded probability says, report the new version, and say why they failed', async () => {
    const model = loadDeviceModel(MODEL, 'updater.yaml');
    const arns: string[] = [];
    for (let i = 0; i < COUNT; i++) arns.push((await iot.send(new CreateThingCommand({ thingName: thing(i) }))).thingArn!);
    fleet = await Fleet.start({ model, count: COUNT, seed: SEED, url: `mqtt://127.0.0.1:${te.mqttPort}`, statusIntervalMs: 100 });
    await fleet.until((s) => s.connected === COUNT);

    const jobId = 'fw-2-0-0';
    // The draw every device makes for execution 1 of this job, from the fleet's seed and its index.
    const failing = new Set(Array.from({ length: COUNT }, (_, i) => i).filter((i) => jobExecutionFails(P, SEED, i, jobId, 1)).map(thing));
    // With p = 0.3 over 20 devices both outcomes occur for this seed (binomial: P(0 or 20 failures) < 0.001).
    expect(failing.size).toBeGreaterThan(0);
    expect(failing.size).toBeLessThan(COUNT);

    await iot.send(new CreateJobCommand({ jobId, targets: arns, document: JSON.stringify({ operation: 'firmware-update', version: '2.0.0' }) }));
    await vi.waitFor(async () => {
      const d = (await iot.send(new DescribeJobCommand({ jobId }))).job?.jobProcessDetails;
      expect((d?.numberOfSucceededThings ?? 0) + (d?.numberOfFailedThings ?? 0)).toBe(COUNT);
    }, { timeout: 30_000, interval: 100 });

    const executions = await allExecutions(jobId);
    expect(executions).toHaveLength(COUNT);
    const failed = new Set(executions.filter((e) => e.jobExecutionSummary?.status === 'FAILED').map((e) => e.thingArn!.split('/').pop()!));
    expect(failed).toEqual(failing);
    expect(executions.filter((e) => e.jobExecutionSummary?.status === 'SUCCEEDED')).toHaveLength(COUNT - failing.size);
    const job = (await iot.send(new DescribeJobCommand({ jobId }))).job!;
    expect(job.jobProcessDetails).toMatchObject({ numberOfSucceededThings: COUNT - failing.size, numberOfFailedThings: failing.size, numberOfQueuedThings: 0, numberOfInProgressThings: 0 });

    // A failed execution says why; a succeeded one ends with step done.
    const aFailed = [...failing][0], aSucceeded = [...Array(COUNT).keys()].map(thing).find((t) => !failing.has(t))!;
    const f = (await iot.send(new DescribeJobExecutionCommand({ jobId, thingName: aFailed }))).execution!;
    expect(f).toMatchObject({ status: 'FAILED', statusDetails: { detailsMap: { reason: 'the update did not apply' } } });
    const s = (await iot.send(new DescribeJobExecutionCommand({ jobId, thingName: aSucceeded }))).execution!;
    expect(s).toMatchObject({ status: 'SUCCEEDED', statusDetails: { detailsMap: { step: 'done' } } });

    // The shadow says the new version only where the update applied.
    await vi.waitFor(async () => {
      for (let i = 0; i < COUNT; i++) {
        const out = await data.send(new GetThingShadowCommand({ thingName: thing(i) }));
        const reported = (JSON.parse(Buffer.from(out.payload!).toString('utf8')) as { state: { reported: Record<string, unknown> } }).state.reported;
        if (failing.has(thing(i))) expect(reported).toEqual({ fw: '1.0.0' });
        else expect(reported).toEqual({ fw: '2.0.0', lastJob: jobId });
      }
    }, { timeout: 10_000, interval: 100 });

    // The AWS CLI sees the same outcome for one thing.
    const cli = await awsCliJson(['iot', 'list-job-executions-for-thing', '--thing-name', aFailed], { endpoint: te.httpUrl });
    expect(cli).toMatchObject({ executionSummaries: [{ jobId, jobExecutionSummary: { status: 'FAILED', executionNumber: 1 } }] });
  });
});
