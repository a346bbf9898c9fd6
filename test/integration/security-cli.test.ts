/**
 * Lab 1's security part with the real tools: the `aws iot` CLI (AWS CLI v2 at /usr/bin/aws: create-keys-and-certificate, create-policy,
 * attach-policy, attach-thing-principal) and `mosquitto_pub --cert --key --cafile` allowed and denied by the policy;
 * then SigV4: an engine bound to 127.0.0.2 (loopback, but not a trusted address) refuses unsigned and wrongly signed
 * calls with 403 and accepts the configured key (skipped without /usr/bin/aws / `mosquitto_pub`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { IoTClient, ListPoliciesCommand } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { awsCliJson, awsCliMissing, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

const has = (cmd: string, arg: string) => spawnSync(cmd, [arg], { encoding: 'utf8' }).status !== null && !spawnSync(cmd, [arg]).error;
const run = promisify(execFile);

describeAwsCli('Lab 1 with the aws CLI and mosquitto', () => {
  let te: TestEngine;
  let dir: string;
  const aws = (...args: string[]) => awsCliJson(['iot', ...args], { endpoint: te.httpUrl, cwd: dir });
  // Asynchronous: the engine runs in this process.
  const pub = (clientId: string, topic: string) => run('mosquitto_pub', [
    '-h', 'localhost', '-p', new URL(te.info.endpoints.mqtts).port, '--cafile', 'ca.pem', '--cert', 'cert.pem', '--key', 'key.pem',
    '-i', clientId, '-t', topic, '-m', 'on', '-q', '1',
  ], { cwd: dir, encoding: 'utf8', timeout: 10_000 }).then(() => ({ status: 0, output: '' }), (e: { code?: number; stderr?: string; stdout?: string }) => ({ status: e.code ?? -1, output: `${e.stderr}${e.stdout}` }));

  beforeAll(async () => {
    te = await startTestEngine();
    dir = tempDir('tb-lab1-');
    fs.copyFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), path.join(dir, 'ca.pem'));
  });
  afterAll(async () => {
    await te?.stop();
  });

  it('create-keys-and-certificate, create-policy, attach-policy, attach-thing-principal, then mosquitto_pub', async () => {
    await aws('create-thing', '--thing-name', 'lamp');
    const cert = await aws('create-keys-and-certificate', '--set-as-active', '--certificate-pem-outfile', 'cert.pem', '--private-key-outfile', 'key.pem', '--public-key-outfile', 'pub.pem');
    expect(cert.certificateId).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(path.join(dir, 'key.pem'), 'utf8')).toBe(cert.keyPair.PrivateKey);
    fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:*:client/${iot:Connection.Thing.ThingName}' },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: 'arn:aws:iot:us-east-1:*:topic/lamp/${iot:ClientId}/*' },
      { Effect: 'Deny', Action: 'iot:Publish', Resource: 'arn:aws:iot:us-east-1:*:topic/lamp/*/secret' },
    ] }));
    const policy = await aws('create-policy', '--policy-name', 'lamp-policy', '--policy-document', 'file://policy.json');
    expect(policy).toMatchObject({ policyName: 'lamp-policy', policyVersionId: '1' });
    await aws('attach-policy', '--policy-name', 'lamp-policy', '--target', cert.certificateArn);
    await aws('attach-thing-principal', '--thing-name', 'lamp', '--principal', cert.certificateArn);
    expect((await aws('list-attached-policies', '--target', cert.certificateArn)).policies).toHaveLength(1);

    expect((await pub('lamp', 'lamp/lamp/state')).status).toBe(0);
    expect((await pub('lamp', 'lamp/lamp/secret')).status).not.toBe(0); // explicit deny: disconnected
    expect((await pub('lamp', 'elsewhere')).status).not.toBe(0); // no Allow
    const refused = await pub('not-the-thing', 'lamp/not-the-thing/state'); // iot:Connect denied: CONNACK 5
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/not authori[sz]ed/i);

    const err = await aws('create-policy', '--policy-name', 'broken', '--policy-document', '{"Statement":').catch((e: Error) => e);
    expect(err).toMatchObject({ code: 254, stderr: expect.stringContaining('An error occurred (MalformedPolicyException) when calling the CreatePolicy operation') });
    await aws('update-certificate', '--certificate-id', cert.certificateId, '--new-status', 'INACTIVE');
    const del = await aws('delete-certificate', '--certificate-id', cert.certificateId).catch((e: Error) => e);
    expect(del).toMatchObject({ code: 254, stderr: expect.stringContaining('An error occurred (DeleteConflictException) when calling the DeleteCertificate operation') });
  });
}, has('mosquitto_pub', '--help') ? undefined : 'mosquitto_pub is not installed');

describe('SigV4 when not bound to a trusted loopback address', () => {
  let engine: Engine;
  let http: string;
  let dataDir: string;
  const key = { accessKeyId: 'AKIDTRAINER', secretAccessKey: 'room-secret' };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sigv4-'));
    const config = defaultConfig({ dataDir, host: '127.0.0.2', ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key] } });
    engine = await createEngine(config);
    http = (await engine.start()).endpoints.http;
  });
  afterAll(async () => {
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts requests signed with a configured key, on the control and data planes', async () => {
    const iot = new IoTClient({ endpoint: http, region: 'us-east-1', credentials: key });
    expect((await iot.send(new ListPoliciesCommand({}))).policies).toEqual([]);
    const data = new IoTDataPlaneClient({ endpoint: http, region: 'us-east-1', credentials: key });
    await data.send(new PublishCommand({ topic: 'room/a b/%', payload: Buffer.from('x'), qos: 1 }));
  });

  it('refuses wrong secrets, unknown keys and unsigned requests with 403', async () => {
    const wrong = new IoTClient({ endpoint: http, region: 'us-east-1', credentials: { ...key, secretAccessKey: 'guess' } });
    await expect(wrong.send(new ListPoliciesCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
    const unknown = new IoTClient({ endpoint: http, region: 'us-east-1', credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' } });
    await expect(unknown.send(new ListPoliciesCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 403 } });
    const res = await fetch(`${http}/policies`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/^MissingAuthenticationTokenException/);
  });

  it('the aws CLI signs with the configured key (botocore canonical request)', async (ctx) => {
    if (awsCliMissing) ctx.skip(awsCliMissing);
    expect(await awsCliJson(['iot', 'list-certificates', '--page-size', '5'], { endpoint: http, credentials: key })).toMatchObject({ certificates: [] });
    const bad = await runAwsCli(['iot', 'list-certificates'], { endpoint: http, credentials: { ...key, secretAccessKey: 'nope' } });
    expect(bad.code).toBe(254); // AWS CLI v2: the service answered with an error
    expect(bad.stderr).toContain('An error occurred (InvalidSignatureException) when calling the ListCertificates operation');
  });
});
