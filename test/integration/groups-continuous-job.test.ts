/**
 * A CONTINUOUS job on a dynamic thing group (AWS's "dynamic thing group as a target for a job" use case), through
 * @aws-sdk/client-iot against a real engine: the group's members at creation get an execution, and a thing whose
 * shadow comes to match the group's query later gets one too; a thing that never matches gets none (proved by a
 * thing that joins after it).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  CreateDynamicThingGroupCommand, CreateJobCommand, CreateThingCommand, IoTClient, ListJobExecutionsForJobCommand,
} from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { eventually } from '../helpers/broker-clients.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

let te: TestEngine;
let iot: IoTClient;
let data: IoTDataPlaneClient;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
  iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
  data = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
});

afterAll(async () => {
  iot?.destroy();
  data?.destroy();
  await te?.stop();
});

const report = (thing: string, reported: object) => data.send(new UpdateThingShadowCommand({ thingName: thing, payload: Buffer.from(JSON.stringify({ state: { reported } })) }));
const executions = async (jobId: string) =>
  ((await iot.send(new ListJobExecutionsForJobCommand({ jobId }))).executionSummaries ?? []).map((e) => e.thingArn?.split('/').pop()).sort();

it('reaches the members of a dynamic group, and the things that join it later', async () => {
  for (const t of ['ready-1', 'later-1', 'never-1']) await iot.send(new CreateThingCommand({ thingName: t }));
  await report('ready-1', { battery: 90 });
  await report('never-1', { battery: 10 });
  const group = await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'charged', queryString: 'shadow.reported.battery > 80' }));
  await iot.send(new CreateJobCommand({
    jobId: 'update-charged', targets: [group.thingGroupArn!], targetSelection: 'CONTINUOUS', document: JSON.stringify({ operation: 'update' }),
  }));
  expect(await executions('update-charged')).toEqual(['ready-1']);
  await report('later-1', { battery: 95 });
  await eventually(async () => JSON.stringify(await executions('update-charged')) === '["later-1","ready-1"]', 5000, 'an execution for later-1');
  // never-1 stays out of the group; a thing that joins afterwards is the marker that its update has been seen.
  await report('never-1', { battery: 20 });
  await iot.send(new CreateThingCommand({ thingName: 'later-2' }));
  await report('later-2', { battery: 99 });
  await eventually(async () => (await executions('update-charged')).includes('later-2'), 5000, 'an execution for later-2');
  expect(await executions('update-charged')).toEqual(['later-1', 'later-2', 'ready-1']);
});
