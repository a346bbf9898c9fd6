/**
 * The AWS IoT Device SDK v2's own Node samples (v1.28.0, vendored unchanged in test/fixtures/sdk-samples) run as child
 * processes against the engine with only what their READMEs say to change: the endpoint, the certificates, the
 * template and thing names, and the AWS credentials the control-plane calls use (here `AWS_ENDPOINT_URL`). The
 * resources are set up as the READMEs set them up (their sample policies, the fleet-provisioning template, a claim from
 * CreateProvisioningClaim), and the outcome is read back with SDK v3: job executions SUCCEEDED and FAILED, things
 * and certificates provisioned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateProvisioningClaimCommand, CreateProvisioningTemplateCommand,
  DescribeCertificateCommand, DescribeJobCommand, DescribeJobExecutionCommand, DescribeThingCommand, ListThingPrincipalsCommand, type IoTClient,
} from '@aws-sdk/client-iot';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { iotClient } from './helpers/jobs-device.js';
import { buildSample, runSample, trustStoreWith, type SampleRun } from './helpers/sdk-sample.js';

const A = 'arn:aws:iot:us-east-1:000000000000';
let te: TestEngine;
let iot: IoTClient;
let trustStore: string;
let env: Record<string, string>;
const runs: SampleRun[] = [];

beforeAll(async () => {
  // The samples cannot be given a port: the engine serves MQTT over TLS on 8883, as AWS IoT does.
  te = await startTestEngine({ mode: 'aws', mqttsPort: 8883 });
  iot = iotClient(te);
  trustStore = trustStoreWith(fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8'));
  env = { AWS_ENDPOINT_URL: te.httpUrl, AWS_ACCESS_KEY_ID: 'sample', AWS_SECRET_ACCESS_KEY: 'sample', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
}, 30_000);

afterAll(async () => {
  for (const r of runs) r.child.kill();
  await te?.stop();
});

/** Writes a certificate and key where the sample's --cert and --key read them. */
function writeCredentials(name: string, certPem: string, keyPem: string): { cert: string; key: string } {
  const dir = tempDir('tb-sample-certs-');
  const cert = path.join(dir, `${name}.cert.pem`), key = path.join(dir, `${name}.private.key`);
  fs.writeFileSync(cert, certPem);
  fs.writeFileSync(key, keyPem);
  return { cert, key };
}

/** The jobs sample README's device policy with its placeholders filled in. */
function jobsReadmePolicy(thing: string): string {
  const t = `${A}:topic/$aws/things/${thing}/jobs`, f = `${A}:topicfilter/$aws/things/${thing}/jobs`;
  return JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'iot:Publish', Resource: [`${t}/start-next`, `${t}/*/update`, `${t}/*/get`, `${t}/get`] },
    { Effect: 'Allow', Action: 'iot:Receive', Resource: [`${t}/notify`, `${t}/notify-next`, `${t}/start-next/*`, `${t}/*/update/*`, `${t}/get/*`, `${t}/*/get/*`] },
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${f}/notify`, `${f}/notify-next`, `${f}/start-next/*`, `${f}/*/update/*`, `${f}/get/*`, `${f}/*/get/*`] },
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${A}:client/test-*` },
  ] });
}

describe('AWS IoT Device SDK v2 samples, unchanged', () => {
  it('jobs: the README walkthrough creates the thing and two jobs, runs one to SUCCEEDED and one to FAILED, and deletes a job', async () => {
    const thing = 'sample-jobs-thing';
    const keys = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new CreatePolicyCommand({ policyName: 'JobsSamplePolicy', policyDocument: jobsReadmePolicy(thing) }));
    await iot.send(new AttachPolicyCommand({ policyName: 'JobsSamplePolicy', target: keys.certificateArn }));
    const creds = writeCredentials('jobs', keys.certificatePem!, keys.keyPair!.PrivateKey!);

    // The README: node dist/index --endpoint <endpoint> --cert <cert> --key <key> --thing_name <thing>; --region is
    // required too, and the policy allows client ids test-* ("use --client_id to send the client ID your policy supports").
    const run = runSample(await buildSample('jobs'), ['--endpoint', 'localhost', '--cert', creds.cert, '--key', creds.key, '--thing_name', thing, '--region', 'us-east-1', '--client_id', 'test-jobs-sample'], { trustStore, extra: env });
    runs.push(run);
    await run.waitFor(/Thing "sample-jobs-thing" successfully created/);
    await run.waitFor(/Connected!\n[\s\S]*Enter command:/);
    const step = async (command: string, reply: RegExp): Promise<string> => {
      const from = run.output().length;
      run.send(command);
      const m = await run.waitFor(new RegExp(`(${reply.source}|Error processing command: .*)`), from);
      expect(m[0]).not.toMatch(/^Error processing command/);
      await run.waitFor(/Enter command:/, from);
      return m[0];
    };

    expect(await step('get-pending-job-executions', /GetPendingJobExecutions Response: .*/)).toContain('"inProgressJobs":[],"queuedJobs":[]');
    expect(await step('create-job Job1 {"ToDo":"Reboot"}', /CreateJob Response: .*/)).toContain(`"jobArn":"${A}:job/Job1","jobId":"Job1"`);
    await step('create-job Job2 {"ToDo":"Delete Root User"}', /CreateJob Response: .*/);
    expect(JSON.parse((await step('start-next-pending-job-execution', /StartNextPendingJobExecution Response: (.*)/)).replace(/^[^{]*/, ''))).toMatchObject({
      execution: { jobId: 'Job1', status: 'IN_PROGRESS', versionNumber: 2, executionNumber: 1, jobDocument: { ToDo: 'Reboot' } },
    });
    const pending = JSON.parse((await step('get-pending-job-executions', /GetPendingJobExecutions Response: .*/)).replace(/^[^{]*/, '')) as Record<string, Array<{ jobId: string }>>;
    expect([pending.inProgressJobs.map((j) => j.jobId), pending.queuedJobs.map((j) => j.jobId)]).toEqual([['Job1'], ['Job2']]);

    // Job1 done: the streams the sample opened before its first prompt get the README's two events, naming Job2 next.
    let from = run.output().length;
    await step('update-job-execution Job1 SUCCEEDED', /UpdateJobExecution Response: .*/);
    await run.waitFor(/Received JobExecutionsChanged event: .*"QUEUED":\[\{"jobId":"Job2"/, from);
    await run.waitFor(/Received NextJobExecutionChanged event: .*"jobId":"Job2",.*"status":"QUEUED"/, from);
    expect(JSON.parse((await step('start-next-pending-job-execution', /StartNextPendingJobExecution Response: .*/)).replace(/^[^{]*/, ''))).toMatchObject({ execution: { jobId: 'Job2', status: 'IN_PROGRESS' } });
    expect(JSON.parse((await step('describe-job-execution Job2', /DescribeJobExecution Response: .*/)).replace(/^[^{]*/, ''))).toMatchObject({ execution: { jobId: 'Job2', status: 'IN_PROGRESS' } });
    from = run.output().length;
    await step('update-job-execution Job2 FAILED', /UpdateJobExecution Response: .*/);
    await run.waitFor(/Received JobExecutionsChanged event: \{"timestamp":\d+,"jobs":\{\}\}/, from);
    // AWS: describing an execution in a terminal state is refused with TerminalStateReached; the sample prints the error.
    from = run.output().length;
    run.send('describe-job-execution Job2');
    expect((await run.waitFor(/Error processing command: (.*)/, from))[1]).toContain('"code":"TerminalStateReached"');
    await run.waitFor(/Enter command:/, from);
    // The README's "Misc. Topics": nothing left to start is not a failure, the response has no execution.
    expect(JSON.parse((await step('start-next-pending-job-execution', /StartNextPendingJobExecution Response: .*/)).replace(/^[^{]*/, ''))).not.toHaveProperty('execution');
    expect((await iot.send(new DescribeJobExecutionCommand({ jobId: 'Job1', thingName: thing }))).execution?.status).toBe('SUCCEEDED');
    expect((await iot.send(new DescribeJobCommand({ jobId: 'Job2' }))).job).toMatchObject({ status: 'COMPLETED', jobProcessDetails: { numberOfFailedThings: 1 } });
    await step('delete-job Job1', /DeleteJob Response: .*/);
    await expect(iot.send(new DescribeJobCommand({ jobId: 'Job1' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    run.send('quit');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('Stopped');
  }, 90_000);

  describe('fleet provisioning', () => {
    const template = fs.readFileSync(path.join(import.meta.dirname, '../fixtures/sdk-samples/fleet_provisioning/basic/README.md'), 'utf8')
      .match(/single line for easier copy-pasting[\s\S]*?```\s*json\n(.*)\n```/)![1];

    beforeAll(async () => {
      await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'SampleTemplate', provisioningRoleArn: 'arn:aws:iam::000000000000:role/SampleProvisioningRole', templateBody: template, enabled: true }));
    });

    /** The README's claim: `aws iot create-provisioning-claim --template-name <TemplateName>`, saved as files. */
    async function claim(name: string): Promise<{ cert: string; key: string }> {
      const c = await iot.send(new CreateProvisioningClaimCommand({ templateName: 'SampleTemplate' }));
      return writeCredentials(name, c.certificatePem!, c.keyPair!.PrivateKey!);
    }

    /** Runs a sample to its end and checks what it provisioned: the thing, its active certificate and its attributes. */
    async function provisioned(run: SampleRun, serial: string): Promise<void> {
      runs.push(run);
      expect(await run.exited, run.output()).toBe(0);
      const registered = JSON.parse(run.output().match(/RegisterThing Response: (.*)/)![1]) as { thingName: string; deviceConfiguration: object };
      expect(registered).toEqual({ thingName: `ThingPrefix_${serial}`, deviceConfiguration: { FallbackUrl: 'https://www.example.com/test-site', LocationUrl: 'https://example.aws' } });
      expect((await iot.send(new DescribeThingCommand({ thingName: registered.thingName }))).attributes).toEqual({ version: 'v1', serialNumber: 'serialNumber' });
      const [principal] = (await iot.send(new ListThingPrincipalsCommand({ thingName: registered.thingName }))).principals ?? [];
      expect(principal).toMatch(/:cert\/[0-9a-f]{64}$/);
      expect((await iot.send(new DescribeCertificateCommand({ certificateId: principal!.split('/')[1] }))).certificateDescription?.status).toBe('ACTIVE');
    }

    it('basic: CreateKeysAndCertificate then RegisterThing with the README\'s template parameters', async () => {
      const creds = await claim('provision');
      const script = await buildSample('fleet_provisioning/basic');
      await provisioned(runSample(script, ['--endpoint', 'localhost', '--cert', creds.cert, '--key', creds.key, '--template_name', 'SampleTemplate', '--template_parameters', '{"SerialNumber":"1","DeviceLocation":"Seattle"}'], { trustStore, extra: env }), '1');
    }, 60_000);

    it('csr: CreateCertificateFromCsr with the device\'s own key, then RegisterThing', async () => {
      const creds = await claim('provision-csr');
      const dir = tempDir('tb-sample-csr-');
      const csr = path.join(dir, 'device.csr');
      execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'device.key'), '-out', csr, '-subj', '/CN=sample-csr-device'], { stdio: 'ignore' });
      const script = await buildSample('fleet_provisioning/csr');
      await provisioned(runSample(script, ['--endpoint', 'localhost', '--cert', creds.cert, '--key', creds.key, '--template_name', 'SampleTemplate', '--template_parameters', '{"SerialNumber":"2","DeviceLocation":"Seattle"}', '--csr', csr], { trustStore, extra: env }), '2');
    }, 60_000);
  });
});
