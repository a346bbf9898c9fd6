/**
 * The `aws iot-data` CLI (AWS CLI v2 at /usr/bin/aws) against the shadow HTTP API (skipped when it is not installed): the commands of AWS's
 * worked example [DG:using-device-shadows] and the error it prints for a missing shadow.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { AwsCliError, awsCliJson, describeAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { watchShadow, type ShadowWatcher } from './helpers/shadow-client.js';

describeAwsCli('aws iot-data shadow commands', () => {
  let te: TestEngine;
  let device: ShadowWatcher;
  let dir: string;
  // AWS CLI v2 reads blob arguments as base64 unless told to send them raw.
  const binaryFormat = ['--cli-binary-format', 'raw-in-base64-out'];
  const aws = (...args: string[]) => awsCliJson(args, { endpoint: te.httpUrl });
  const outfile = (name: string) => path.join(dir, name);
  const read = (name: string) => JSON.parse(fs.readFileSync(outfile(name), 'utf8')) as Record<string, any>;

  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws' });
    dir = tempDir('tb-shadow-cli-');
    device = await watchShadow(te.mqttPort, 'mySimulatedThing', 'simShadow1');
  });

  afterAll(async () => {
    await device?.end();
    await te?.stop();
  });

  it('update-thing-shadow, get-thing-shadow, list-named-shadows-for-thing, delete-thing-shadow', async () => {
    await aws('iot-data', 'update-thing-shadow', '--thing-name', 'mySimulatedThing', '--shadow-name', 'simShadow1', ...binaryFormat,
      '--payload', '{"state":{"desired":{"ColorRGB":[255,255,0]}},"clientToken":"21b21b21-bfd2-4279-8c65-e2f697ff4fab"}', outfile('update.json'));
    expect(read('update.json')).toMatchObject({ state: { desired: { ColorRGB: [255, 255, 0] } }, version: 1, clientToken: '21b21b21-bfd2-4279-8c65-e2f697ff4fab' });
    const [delta] = await device.waitFor('/update/delta');
    expect(delta).toMatchObject({ state: { ColorRGB: [255, 255, 0] }, version: 1 });

    await aws('iot-data', 'get-thing-shadow', '--thing-name', 'mySimulatedThing', '--shadow-name', 'simShadow1', outfile('get.json'));
    expect(read('get.json')).toMatchObject({ state: { desired: { ColorRGB: [255, 255, 0] }, delta: { ColorRGB: [255, 255, 0] } }, version: 1 });

    expect(await aws('iot-data', 'list-named-shadows-for-thing', '--thing-name', 'mySimulatedThing')).toMatchObject({ results: ['simShadow1'] });

    await aws('iot-data', 'delete-thing-shadow', '--thing-name', 'mySimulatedThing', '--shadow-name', 'simShadow1', outfile('delete.json'));
    expect(read('delete.json')).toEqual({ version: 1, timestamp: expect.any(Number) });
  });

  it('get-thing-shadow on a missing shadow fails with ResourceNotFoundException and AWS message', async () => {
    const err = await aws('iot-data', 'get-thing-shadow', '--thing-name', 'nobodyHome', outfile('missing.json')).then(
      () => undefined, (e: AwsCliError) => e);
    expect(err?.code).toBe(254); // AWS CLI v2: the service answered with an error
    expect(err?.stderr).toContain('ResourceNotFoundException');
    expect(err?.stderr).toContain("No shadow exists with name: 'nobodyHome'");
  });
});
