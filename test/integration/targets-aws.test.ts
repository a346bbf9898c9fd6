/**
 * The `aws` target's resolution, without live AWS: the region and credentials come from the AWS SDK's own chain for
 * the profile's AWS profile name (shared config and credentials files written here), the data endpoint from
 * DescribeEndpoint(iot:Data-ATS) on the control plane, which a local engine stands in for (--control-endpoint).
 * Missing region and missing credentials are one sentence each. Not tested against AWS IoT Core itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateKeysAndCertificateCommand, IoTClient } from '@aws-sdk/client-iot';
import { EngineError } from '../../engine/core/index.js';
import { addProfile, openTarget, type TargetAwsCredentials } from '../../engine/scenarios/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

const home = tempDir('tb-targets-home-');
const dir = tempDir('tb-targets-aws-');
const ENV = ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_EC2_METADATA_DISABLED'];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
let te: TestEngine;
let files: { cert: string; key: string };

beforeAll(async () => {
  for (const k of ENV) delete process.env[k];
  fs.writeFileSync(path.join(dir, 'config'), '[profile lab]\nregion = eu-west-1\n\n[profile keys-only]\n');
  fs.writeFileSync(path.join(dir, 'credentials'), '[lab]\naws_access_key_id = AKIDLAB\naws_secret_access_key = lab-secret\n\n[keys-only]\naws_access_key_id = AKIDKEYS\naws_secret_access_key = keys-secret\n');
  process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true'; // no instance metadata look-up when a profile has no keys
  te = await startTestEngine();
  const c = await new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } })
    .send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  files = { cert: path.join(dir, 'device.pem'), key: path.join(dir, 'device.key') };
  fs.writeFileSync(files.cert, c.certificatePem!);
  fs.writeFileSync(files.key, c.keyPair!.PrivateKey!, { mode: 0o600 });
});

afterAll(async () => {
  for (const k of ENV) if (saved[k] === undefined) delete process.env[k];
  else process.env[k] = saved[k];
  await te?.stop();
});

describe('the aws target resolves', () => {
  it('the region and credentials of its AWS profile, and the data endpoint through DescribeEndpoint', async () => {
    addProfile(home, 'cloud', { kind: 'aws', ...files, awsProfile: 'lab', controlEndpoint: te.httpUrl });
    const t = await openTarget('cloud', { dataDir: home, probe: false });
    expect(t.kind).toBe('aws');
    expect(t.capabilities).toEqual({ shadows: true, controlPlane: true, sinks: false, engineRestart: false });
    expect(t.aws).toMatchObject({ region: 'eu-west-1', profile: 'lab', endpoint: te.httpUrl, dataEndpoint: 'https://127.0.0.1' });
    expect(typeof t.aws!.credentials).toBe('function');
    expect(await (t.aws!.credentials as () => Promise<TargetAwsCredentials>)()).toMatchObject({ accessKeyId: 'AKIDLAB', secretAccessKey: 'lab-secret' });
    expect(t.mqtt()).toMatchObject({ url: 'mqtts://127.0.0.1:8883', tls: { cert: fs.readFileSync(files.cert, 'utf8'), key: fs.readFileSync(files.key, 'utf8') } });
    expect(t.mqtt().tls?.ca).toBeUndefined(); // Amazon Root CA 1 is in Node's trust store
    expect(() => t.mqtt('ws')).toThrow("the target 'cloud' is reached at mqtts://127.0.0.1:8883, not over ws");
    await t.close();
  });

  it('a given endpoint and region win, and nothing is asked of the network without probing', async () => {
    addProfile(home, 'fixed', { kind: 'aws', ...files, endpoint: 'abc123-ats.iot.us-west-2.amazonaws.com', region: 'us-west-2', awsProfile: 'lab' });
    const t = await openTarget('fixed', { dataDir: home, probe: false });
    expect(t.aws).toMatchObject({ region: 'us-west-2', dataEndpoint: 'https://abc123-ats.iot.us-west-2.amazonaws.com' });
    expect(t.aws!.endpoint).toBeUndefined(); // the SDK's regional control-plane endpoint
    expect(t.mqtt().url).toBe('mqtts://abc123-ats.iot.us-west-2.amazonaws.com:8883');
  });

  it('no region anywhere is one sentence', async () => {
    addProfile(home, 'no-region', { kind: 'aws', ...files, awsProfile: 'keys-only', controlEndpoint: te.httpUrl });
    const err = await openTarget('no-region', { dataDir: home, probe: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toBe("target 'no-region': no AWS region: give one with --region, or set it in the AWS profile 'keys-only' or AWS_REGION");
  });

  it('an AWS profile without credentials is one sentence naming it', async () => {
    addProfile(home, 'ghost', { kind: 'aws', ...files, awsProfile: 'ghost', region: 'eu-west-1', controlEndpoint: te.httpUrl });
    const err = await openTarget('ghost', { dataDir: home, probe: false }).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('Unauthorized');
    expect((err as EngineError).message).toBe("the target 'ghost' has no AWS credentials for the AWS profile 'ghost' (Could not load credentials from any providers); set them up with aws configure --profile ghost, or name another profile with --aws-profile");
  });
});
