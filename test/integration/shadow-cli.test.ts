/**
 * The `aws iot-data` CLI against the shadow HTTP API (skipped when `aws` is not installed): the commands of AWS's
 * worked example [DG:using-device-shadows] and the error it prints for a missing shadow.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { watchShadow, type ShadowWatcher } from './helpers/shadow-client.js';

const awsVersion = spawnSync('aws', ['--version'], { encoding: 'utf8' });
const awsCli = awsVersion.status === 0 ? /aws-cli\/(\d+)/.exec(`${awsVersion.stdout}${awsVersion.stderr}`) : null;

describe.skipIf(!awsCli)('aws iot-data shadow commands', () => {
  let te: TestEngine;
  let device: ShadowWatcher;
  let dir: string;
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
  // CLI v1 sends blob arguments raw; v2 needs the flag to do the same.
  const binaryFormat = awsCli && Number(awsCli[1]) >= 2 ? ['--cli-binary-format', 'raw-in-base64-out'] : [];
  const aws = (...args: string[]) => promisify(execFile)('aws', [...args, '--endpoint-url', te.httpUrl], { env });
  const outfile = (name: string) => path.join(dir, name);
  const read = (name: string) => JSON.parse(fs.readFileSync(outfile(name), 'utf8')) as Record<string, any>;

  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-shadow-cli-'));
    device = await watchShadow(te.mqttPort, 'mySimulatedThing', 'simShadow1');
  });

  afterAll(async () => {
    await device?.end();
    await te?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('update-thing-shadow, get-thing-shadow, list-named-shadows-for-thing, delete-thing-shadow', async () => {
    await aws('iot-data', 'update-thing-shadow', '--thing-name', 'mySimulatedThing', '--shadow-name', 'simShadow1', ...binaryFormat,
      '--payload', '{"state":{"desired":{"ColorRGB":[255,255,0]}},"clientToken":"21b21b21-bfd2-4279-8c65-e2f697ff4fab"}', outfile('update.json'));
    expect(read('update.json')).toMatchObject({ state: { desired: { ColorRGB: [255, 255, 0] } }, version: 1, clientToken: '21b21b21-bfd2-4279-8c65-e2f697ff4fab' });
    const [delta] = await device.waitFor('/update/delta');
    expect(delta).toMatchObject({ state: { ColorRGB: [255, 255, 0] }, version: 1 });

    await aws('iot-data', 'get-thing-shadow', '--thing-name', 'mySimulatedThing', '--shadow-name', 'simShadow1', outfile('get.json'));
    expect(read('get.json')).toMatchObject({ state: { desired: { ColorRGB: [255, 255, 0] }, delta: { ColorRGB: [255, 255, 0] } }, version: 1 });

    const { stdout } = await aws('iot-data', 'list-named-shadows-for-thing', '--thing-name', 'mySimulatedThing');
    expect(JSON.parse(stdout)).toMatchObject({ results: ['simShadow1'] });

    await aws('iot-data', 'delete-thing-shadow', '--thing-name', 'mySimulatedThing', '--shadow-name', 'simShadow1', outfile('delete.json'));
    expect(read('delete.json')).toEqual({ version: 1, timestamp: expect.any(Number) });
  });

  it('get-thing-shadow on a missing shadow fails with ResourceNotFoundException and AWS message', async () => {
    const err = await aws('iot-data', 'get-thing-shadow', '--thing-name', 'nobodyHome', outfile('missing.json')).then(
      () => undefined, (e: { code: number; stderr: string }) => e);
    expect(err?.code).toBe(255);
    expect(err?.stderr).toContain('ResourceNotFoundException');
    expect(err?.stderr).toContain("No shadow exists with name: 'nobodyHome'");
  });
});
