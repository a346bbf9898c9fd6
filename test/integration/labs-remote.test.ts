/**
 * Lab 1 against another Thingbench acting as the cloud (a trainer's machine on 127.0.0.2: SigV4 required on its API,
 * mutual TLS for MQTT), through a target profile: start, every check missing (messages: not without a watch), solve
 * while watched, every check done (who published is left out there, saying so), reset. Also through the contract
 * (`labs.check` with `target`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { checkLab, findLab, labInventory, loadCatalogue, resetLab, solveLab, startLab, watchLab, type CheckReport } from '../../engine/labs/index.js';
import { addProfile, openTarget, type Target } from '../../engine/scenarios/index.js';
import { startTestEngine } from '../helpers/engine.js';
import { closeBeforeRemovingTempDirs, tempDir } from '../helpers/temp-dirs.js';

const key = { accessKeyId: 'AKIDTRAINER', secretAccessKey: 'trainer-secret' };
const home = tempDir('tb-labs-remote-home-');
let cloud: Engine;
let target: Target;

beforeAll(async () => {
  const dataDir = tempDir('tb-labs-cloud-');
  cloud = await createEngine(defaultConfig({ dataDir, host: '127.0.0.2', ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key] } }));
  closeBeforeRemovingTempDirs(() => cloud.stop());
  const { endpoints } = await cloud.start();
  // The trainer hands out a certificate for the lab's observer and test clients.
  const admin = new IoTClient({ endpoint: endpoints.http, region: 'us-east-1', credentials: key });
  const c = await admin.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await admin.send(new CreatePolicyCommand({ policyName: 'trainer', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) }));
  await admin.send(new AttachPolicyCommand({ policyName: 'trainer', target: c.certificateArn }));
  admin.destroy();
  const files = tempDir('tb-labs-remote-files-');
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(files, name), text, { mode: 0o600 });
    return path.join(files, name);
  };
  addProfile(home, 'trainer', {
    kind: 'thingbench', mqttUrl: endpoints.mqtts, endpoint: endpoints.http, accessKeyId: key.accessKeyId,
    secretAccessKeyFile: file('secret', key.secretAccessKey), cert: file('c.pem', c.certificatePem!), key: file('c.key', c.keyPair!.PrivateKey!),
    ca: file('ca.pem', fs.readFileSync(path.join(dataDir, 'security', 'root-ca.pem'), 'utf8')),
  });
  target = await openTarget('trainer', { dataDir: home });
}, 60_000);
afterAll(async () => {
  await target?.close();
  await cloud?.stop();
});

const statuses = (r: CheckReport) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));

describe('lab 1 on another Thingbench (mutual TLS, SigV4)', () => {
  it('starts, is solved while watched and resets through the AWS APIs and an observer connection', async () => {
    const lab = findLab(loadCatalogue(), 1);
    const attendee = 'ivan';
    const started = await startLab(lab, target, { attendee });
    expect(started.env).toMatchObject({ AWS: `aws --endpoint-url ${target.aws!.endpoint}`, MQTT_HOST: '127.0.0.2', ACCOUNT: '000000000000' });
    expect(started.env.AWS_ACCESS_KEY_ID).toBe(key.accessKeyId);
    const before = await checkLab(lab, target, { attendee, since: started.startedAt });
    expect(statuses(before)).toMatchObject({ thing: 'missing', 'policy-refuses-other': 'missing', data: 'skipped' });
    expect(before.checks.find((c) => c.id === 'data')!.reason).toBe("messages on device/l01-ivan-ratchet/data are seen on 'trainer' only while the lab is watched (lab check --watch)");

    // Watched (its observer connection subscribed), the lab sees the solution's device publish.
    const reports: CheckReport[] = [];
    const watch = await watchLab(lab, target, { attendee, since: started.startedAt, onReport: (r) => reports.push(r), debounceMs: 50 });
    try {
      const run = await solveLab(lab, target, { attendee });
      expect(run.message ?? run.status).toBe('passed');
      await watch.recheck();
      await vi.waitFor(() => expect(reports.at(-1)!.done).toBe(lab.checks.length), { timeout: 10_000, interval: 100 });
      const after = reports.at(-1)!;
      expect(after.checks.filter((c) => c.status !== 'done')).toEqual([]);
      expect(after.checks.find((c) => c.id === 'data')!.reason).toBe("1 message on device/l01-ivan-ratchet/data matched (who published is not known on 'trainer')");
    } finally {
      await watch.stop();
    }

    const reset = await resetLab(lab, target, { attendee });
    expect(reset.errors).toEqual([]);
    expect(await labInventory(lab, target, { attendee })).toEqual([]);
  }, 90_000);

  it('the engine checks a lab on a target profile through labs.check', async () => {
    const tb = await startTestEngine({ dataDir: home });
    try {
      const report = await tb.engine.api.labs.check('1', { target: 'trainer', attendee: 'judy' });
      expect(report).toMatchObject({ target: 'trainer', attendee: 'judy', done: 0 });
      expect(report.checks[0]).toMatchObject({ status: 'missing', reason: 'there is no thing named l01-judy-ratchet' });
    } finally {
      await tb.stop();
    }
  }, 60_000);
});
