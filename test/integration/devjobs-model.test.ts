/**
 * The `jobs` option of a device model: every bad value is refused with the file, line and column and what was
 * expected (schema and semantic checks), through `loadDeviceModel` and through the engine's model catalogue
 * (`devices.models` on the contract, where a broken custom model is listed with its problems); the built-in
 * firmware-device model runs jobs, and a provisioned fleet's default policy names the device's own jobs and streams
 * topics (through `${iot:Connection.Thing.ThingName}`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/core/index.js';
import { loadBuiltInModels, loadDeviceModel } from '../../engine/devices/index.js';
import { devicePolicyDocument } from '../../engine/scenarios/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';

function problems(text: string): string {
  try {
    loadDeviceModel(text, 'm.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe('InvalidInput');
    return (e as Error).message;
  }
  throw new Error('the model loaded');
}

describe('bad job options', () => {
  it.each([
    ['a probability above 1', 'jobs:\n  failureProbability: 1.5\n', 'm.yaml:3:23: jobs.failureProbability: must be <= 1'],
    ['a block size below 256 B and negative progress reports', 'jobs:\n  blockSize: 100\n  progressReports: -1\n',
      'm.yaml:3:14: jobs.blockSize: must be >= 256\nm.yaml:4:20: jobs.progressReports: must be >= 0'],
    ['a delay that is no duration and an unknown option', 'jobs:\n  applyDelay: soon\n  retries: 3\n',
      "m.yaml:3:15: jobs.applyDelay: expected a duration such as 500ms, 5s, 2m or 1h\nm.yaml:4:3: unknown property 'retries' in jobs; expected one of: operations, applyDelay, failureProbability, progressReports, requireSignature, blockSize, maxFileSize, downloadTimeout, report"],
    ['no operations', 'jobs:\n  operations: []\n', 'm.yaml:3:15: jobs.operations: must NOT have fewer than 1 items'],
    ['a report template reading an unknown name', 'jobs:\n  report: { fw: "{document.version + nosuch}" }\n',
      "m.yaml:3:19: template reads 'nosuch', which is not defined here; expected one of: index, deviceIndex, seed, model, thingName, clientId, attributes, document, jobId, shadow"],
    ['a download timeout of 0', 'jobs:\n  downloadTimeout: 0\n', 'm.yaml:3:20: downloadTimeout must be longer than 0'],
  ])('refuses %s', (_what, jobs, message) => {
    expect(problems(`name: m\n${jobs}`)).toBe(message);
  });

  it('fills in the defaults', () => {
    expect(loadDeviceModel('name: m\njobs: {}\n', 'm.yaml').jobs).toEqual({
      operations: ['firmware-update'], applyDelayMs: 2000, failureProbability: 0, progressReports: 1, requireSignature: false,
      blockSizeBytes: 4096, maxFileBytes: 16 * 1024 * 1024, downloadTimeoutMs: 60_000, report: {},
    });
  });
});

describe('the model catalogue', () => {
  let te: TestEngine;
  let contract: OpenContract;
  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws' });
    fs.mkdirSync(path.join(te.dataDir, 'models'));
    fs.writeFileSync(path.join(te.dataDir, 'models', 'bad-jobs.yaml'), 'name: bad-jobs\njobs:\n  failureProbability: 2\n');
    contract = await openContract(te);
  });
  afterAll(async () => {
    await contract?.close();
    await te?.stop();
  });

  it('lists a custom model with bad job options as a broken file, and the built-in firmware-device model as one that runs jobs', async () => {
    const { models, errors } = await contract.api.devices.models();
    expect(models.map((m) => m.name)).toContain('firmware-device');
    expect(models.map((m) => m.name)).not.toContain('bad-jobs');
    expect(errors).toEqual([expect.objectContaining({ file: path.join(te.dataDir, 'models', 'bad-jobs.yaml'), message: `${path.join(te.dataDir, 'models', 'bad-jobs.yaml')}:3:23: jobs.failureProbability: must be <= 1` })]);
    const firmware = loadBuiltInModels().get('firmware-device')!;
    expect(firmware.jobs).toMatchObject({ operations: ['firmware-update', 'install'], failureProbability: 0.05, report: { fw: expect.any(String) } });
  });

  it('gives a provisioned jobs device a policy over its own jobs and streams topics', () => {
    const policy = devicePolicyDocument(loadBuiltInModels().get('firmware-device')!, 'arn:aws:iot:us-east-1:000000000000:cert/abc');
    const statement = (action: string) => policy.Statement.find((s) => (s as { Action: string }).Action === action) as { Resource: string[] };
    const prefix = 'arn:aws:iot:us-east-1:000000000000';
    expect(statement('iot:Publish').Resource).toEqual(expect.arrayContaining([`${prefix}:topic/$aws/things/\${iot:Connection.Thing.ThingName}/jobs/*`, `${prefix}:topic/$aws/things/\${iot:Connection.Thing.ThingName}/streams/*`]));
    expect(statement('iot:Subscribe').Resource).toEqual(expect.arrayContaining([`${prefix}:topicfilter/$aws/things/\${iot:Connection.Thing.ThingName}/jobs/*`]));
    expect(statement('iot:Receive').Resource).toEqual(expect.arrayContaining([`${prefix}:topic/$aws/things/\${iot:Connection.Thing.ThingName}/streams/*`]));
  });
});
