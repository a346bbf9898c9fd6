/**
 * The device-management check kinds on a local engine, done on the right state and missing with what they found on a
 * wrong one: `provisioningTemplate` (enabled, groups, policies, parameters), `policy` with `certificateWith` (a claim
 * certificate found through its policy), and `job` (status, counts, settled, document, and `reported` only where the
 * execution SUCCEEDED), the executions moved by the Jobs data plane as a device would.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AttachPolicyCommand, CreateJobCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateProvisioningTemplateCommand,
  CreateThingCommand, CreateThingGroupCommand, IoTClient,
} from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { IoTJobsDataPlaneClient, UpdateJobExecutionCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkLab, labNames, loadLab, resetLab, type CheckReport, type Lab } from '../../engine/labs/index.js';
import { openTarget, type Target } from '../../engine/scenarios/index.js';
import { tempDir } from '../helpers/temp-dirs.js';

let target: Target;
beforeAll(async () => {
  target = await openTarget(undefined, { dataDir: tempDir('tb-labdm-home-') });
}, 60_000);
afterAll(async () => {
  await target?.close();
});

const GUIDE = `# Kinds\n\n## Goal\n\nG.\n\n## The pipeline\n\n\`\`\`mermaid\nflowchart LR\n  a --> b\n\`\`\`\n\n## Steps\n\n### Step 1: Nothing\n\nNothing.\n\n## Why it works\n\nW.\n\n## What it costs on AWS\n\nC.\n\n## Clean up\n\nR.\n`;

function dmLab(): Lab {
  const dir = path.join(tempDir('tb-labdm-'), '92-dm-kinds');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'guide.md'), GUIDE);
  fs.writeFileSync(path.join(dir, 'solution.yaml'), 'name: none\nsteps: []\n');
  fs.writeFileSync(path.join(dir, 'lab.yaml'), `id: 92
slug: dm-kinds
title: Device management kinds
summary: S.
minutes: 1
names:
  TEMPLATE: { kind: template, base: fleet }
  GROUP: { kind: thingGroup, base: fleet }
  POLICY: { kind: policy, base: device }
  CLAIM: { kind: policy, base: claim }
  A: { kind: thing, base: a }
  B: { kind: thing, base: b }
  JOB: { kind: job, base: fw-2 }
checks:
  - { id: template, title: t, provisioningTemplate: { name: "\${TEMPLATE}", enabled: true, thingGroups: ["\${GROUP}"], policies: ["\${POLICY}"], parameters: [SerialNumber] } }
  - { id: template-group, title: t, provisioningTemplate: { name: "\${TEMPLATE}", thingGroups: ["other"] } }
  - { id: template-jitp, title: t, provisioningTemplate: { name: "\${TEMPLATE}", type: JITP } }
  - { id: claim-allowed, title: c, policy: { certificateWith: "\${CLAIM}", action: publish, resource: "topic/$aws/certificates/create/json", decision: allow } }
  - { id: claim-denied, title: c, policy: { certificateWith: "\${CLAIM}", action: publish, resource: "topic/telemetry/x", decision: deny } }
  - { id: claim-wrong, title: c, policy: { certificateWith: "\${CLAIM}", action: publish, resource: "topic/telemetry/x", decision: allow } }
  - { id: job, title: j, job: { id: "\${JOB}", status: COMPLETED, settled: true, document: ["firmware-update"], counts: { succeeded: { min: 1, max: 1 }, failed: { min: 1 } } } }
  - { id: job-canceled, title: j, job: { id: "\${JOB}", status: CANCELED } }
  - { id: job-abort, title: j, job: { id: "\${JOB}", abortThreshold: 20 } }
  - { id: job-counts, title: j, job: { id: "\${JOB}", counts: { succeeded: { min: 2 } } } }
  - { id: fw, title: f, job: { id: "\${JOB}", reported: { fw: "2.0.0" } } }
`);
  return loadLab(dir);
}
const byId = (r: CheckReport) => Object.fromEntries(r.checks.map((c) => [c.id, `${c.status}: ${c.reason}`]));

it('provisioningTemplate, policy certificateWith and job are done on the right state and say what they found on a wrong one', async () => {
  const lab = dmLab();
  const attendee = 'hal';
  const n = labNames(lab, { attendee });
  const since = Date.now() - 10;
  const cfg = { region: target.aws!.region, endpoint: target.aws!.endpoint, credentials: target.aws!.credentials as { accessKeyId: string; secretAccessKey: string } };
  const iot = new IoTClient(cfg), data = new IoTDataPlaneClient(cfg), jobs = new IoTJobsDataPlaneClient(cfg);
  try {
    expect(byId(await checkLab(lab, target, { attendee, since }))).toMatchObject({
      template: `missing: there is no provisioning template named ${n.TEMPLATE}`,
      'claim-allowed': `missing: there is no policy named ${n.CLAIM}`,
      job: `missing: there is no job ${n.JOB}`,
    });

    await iot.send(new CreateThingGroupCommand({ thingGroupName: n.GROUP }));
    await iot.send(new CreatePolicyCommand({ policyName: n.POLICY, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] }) }));
    await iot.send(new CreateProvisioningTemplateCommand({
      templateName: n.TEMPLATE, enabled: true, provisioningRoleArn: 'arn:aws:iam::000000000000:role/p',
      templateBody: JSON.stringify({
        Parameters: { SerialNumber: { Type: 'String' } },
        Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'SerialNumber' }, ThingGroups: [n.GROUP] } }, policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: n.POLICY } } },
      }),
    }));
    const A = 'arn:aws:iot:us-east-1:000000000000';
    await iot.send(new CreatePolicyCommand({ policyName: n.CLAIM, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/$aws/certificates/create/*` },
    ] }) }));
    expect(byId(await checkLab(lab, target, { attendee, since }))['claim-allowed']).toBe(`missing: the policy ${n.CLAIM} is attached to no certificate`);
    const claim = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new AttachPolicyCommand({ policyName: n.CLAIM, target: claim.certificateArn }));

    const a = await iot.send(new CreateThingCommand({ thingName: n.A }));
    const b = await iot.send(new CreateThingCommand({ thingName: n.B }));
    await iot.send(new CreateJobCommand({ jobId: n.JOB, targets: [a.thingArn!, b.thingArn!], document: '{"operation":"firmware-update","version":"2.0.0"}' }));
    const inProgress = byId(await checkLab(lab, target, { attendee, since }));
    expect(inProgress.job).toBe(`missing: the job ${n.JOB} is IN_PROGRESS, not COMPLETED`);
    const shadow = (thing: string, fw: string) => data.send(new UpdateThingShadowCommand({ thingName: thing, payload: Buffer.from(JSON.stringify({ state: { reported: { fw } } })) }));
    await shadow(n.A, '2.0.0');
    await shadow(n.B, '2.0.0');
    await jobs.send(new UpdateJobExecutionCommand({ jobId: n.JOB, thingName: n.A, status: 'SUCCEEDED' }));
    await jobs.send(new UpdateJobExecutionCommand({ jobId: n.JOB, thingName: n.B, status: 'FAILED' }));

    const r = byId(await checkLab(lab, target, { attendee, since }));
    expect(r).toMatchObject({
      template: `done: the template ${n.TEMPLATE} (FLEET_PROVISIONING, enabled, version 1) provisions things in ${n.GROUP} with ${n.POLICY}`,
      'template-group': `missing: the template ${n.TEMPLATE} puts its thing in the groups ${n.GROUP}, not other`,
      'template-jitp': `missing: the template ${n.TEMPLATE} is of type FLEET_PROVISIONING, not JITP`,
      'claim-wrong': expect.stringMatching(/^missing: publish on topic\/telemetry\/x for the certificate with .* is IMPLICIT_DENY/),
      job: `done: the job ${n.JOB} is COMPLETED with 1 succeeded and 1 failed`,
      'job-canceled': `missing: the job ${n.JOB} is COMPLETED, not CANCELED`,
      'job-abort': `missing: the job ${n.JOB} does not cancel at 20% failures (its abort criteria: none)`,
      'job-counts': `missing: the job ${n.JOB} has 1 succeeded executions, not at least 2`,
      fw: `missing: ${n.B} report fw "2.0.0" without a SUCCEEDED execution`,
    });
    expect(r['claim-allowed']).toMatch(/^done: publish on topic\/\$aws\/certificates\/create\/json for the certificate with .* is ALLOWED/);
    expect(r['claim-denied']).toMatch(/^done: /);

    await shadow(n.B, '1.0.0');
    expect(byId(await checkLab(lab, target, { attendee, since })).fw).toBe(`done: the job ${n.JOB} is COMPLETED with 1 succeeded and 1 failed; the 1 things whose execution succeeded report fw "2.0.0", the other 1 do not`);
    await shadow(n.A, '1.0.0');
    expect(byId(await checkLab(lab, target, { attendee, since })).fw).toBe(`missing: ${n.A} succeeded but does not report fw "2.0.0"`);
  } finally {
    iot.destroy();
    data.destroy();
    jobs.destroy();
    await resetLab(lab, target, { attendee });
  }
}, 60_000);
