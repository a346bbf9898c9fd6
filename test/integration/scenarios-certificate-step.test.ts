/**
 * The `certificate` step (a CA of one's own and certificates it signs, made offline in the run) and a `publish` as a
 * device with its own certificate: a just-in-time registration against the real engine, over mutual TLS, checked
 * with openssl and the AWS SDK v3 IoT client.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttachPolicyCommand, CreatePolicyCommand, DescribeCACertificateCommand, DescribeCertificateCommand, IoTClient, UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { certificateStep, makeCertificate } from '../../engine/scenarios/steps/certificate.js';
import { RunVariables } from '../../engine/scenarios/run/variables.js';
import type { StepContext } from '../../engine/scenarios/steps/step.js';
import type { StepRecord } from '../../engine/scenarios/index.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';
import { tempDir } from '../helpers/temp-dirs.js';

const statuses = (steps: StepRecord[]) => steps.map((s) => `${s.id} ${s.step} ${s.status}`);

describe('certificate: a CA and the certificates it signs', () => {
  it('makes a self-signed CA and a device certificate that openssl verifies against it, with the chain and AWS id', () => {
    const ca = makeCertificate({ name: 'ca', subject: { CN: 'lab CA', O: 'Thingbench labs' }, ca: true });
    const device = makeCertificate({ name: 'device', subject: { CN: 'lamp-1' }, key: 'ec', days: 2 }, ca);
    const caCert = new X509Certificate(ca.certificatePem), devCert = new X509Certificate(device.certificatePem);
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe('CN=lab CA\nO=Thingbench labs');
    expect(caCert.checkIssued(caCert)).toBe(true);
    expect(devCert.ca).toBe(false);
    expect(devCert.checkIssued(caCert)).toBe(true);
    expect(devCert.verify(caCert.publicKey)).toBe(true);
    expect(devCert.publicKey.asymmetricKeyType).toBe('ec');
    expect(Date.parse(devCert.validTo) - Date.now()).toBeLessThanOrEqual(2 * 86_400_000);
    expect(device.certificateChainPem).toBe(device.certificatePem + ca.certificatePem);
    expect(device.certificateId).toBe(devCert.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(device.subject).toBe('CN=lamp-1');
    const dir = tempDir('tb-cert-step-');
    fs.writeFileSync(path.join(dir, 'ca.pem'), ca.certificatePem);
    fs.writeFileSync(path.join(dir, 'device.pem'), device.certificatePem);
    const v = spawnSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), path.join(dir, 'device.pem')], { encoding: 'utf8' });
    expect(v.stdout.trim(), v.stderr).toBe(`${path.join(dir, 'device.pem')}: OK`);
    const key = spawnSync('openssl', ['pkey', '-noout', '-text'], { input: ca.privateKey, encoding: 'utf8' });
    expect(key.stdout).toContain('Private-Key: (2048 bit');
  });

  it("refuses an issuer whose private key is not its certificate's, or that holds no certificate", async () => {
    const one = makeCertificate({ name: 'one', subject: { CN: 'one' }, ca: true, key: 'ec' });
    const two = makeCertificate({ name: 'two', subject: { CN: 'two' }, ca: true, key: 'ec' });
    const vars = new RunVariables({ forged: { certificatePem: one.certificatePem, privateKey: two.privateKey }, junk: { certificatePem: 'nope', privateKey: 'nope' } });
    const run = (issuer: string) => certificateStep.run({ vars } as unknown as StepContext, { name: 'child', issuer, subject: { CN: 'child' } });
    expect(await run('forged')).toEqual({ status: 'failed', message: 'the private key of forged does not belong to its certificate' });
    expect(await run('junk')).toMatchObject({ status: 'failed', message: expect.stringMatching(/^the issuer junk does not hold a PEM certificate and private key: /) });
    expect(vars.has('child')).toBe(false);
  });

  describe('in a scenario, on the real engine', () => {
    let te: TestEngine;
    let iot: IoTClient;
    beforeAll(async () => {
      te = await startTestEngine();
      iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    });
    afterAll(async () => {
      iot.destroy();
      await te.stop();
    });

    it('registers its own CA with auto-registration, and a device it signs is refused once, activated, then publishes', async () => {
      await iot.send(new CreatePolicyCommand({ policyName: 'jitr-step', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) }));
      // The activator a rule and a function would be: the test itself, on the JITR event.
      const watcher = await connect(te.mqttPort, { clientId: 'jitr-activator' });
      await watcher.subscribeAsync('$aws/events/certificates/registered/+', { qos: 1 });
      const events: Array<{ topic: string; body: Record<string, unknown> }> = [];
      // Awaited after the run: a failed activation fails this test instead of surfacing later as an unhandled rejection.
      const activations: Promise<unknown>[] = [];
      watcher.on('message', (topic, payload) => {
        const body = JSON.parse(payload.toString()) as Record<string, unknown>;
        events.push({ topic, body });
        const arn = `arn:aws:iot:us-east-1:000000000000:cert/${String(body.certificateId)}`;
        const activation = iot.send(new UpdateCertificateCommand({ certificateId: String(body.certificateId), newStatus: 'ACTIVE' }))
          .then(() => iot.send(new AttachPolicyCommand({ policyName: 'jitr-step', target: arn })));
        activation.catch(() => {}); // handled now; Promise.all below still rejects with it
        activations.push(activation);
      });
      const { result } = await runFiles(engineTarget(te), {
        'main.yaml': `
name: jitr with a CA of our own
steps:
  - certificate: { name: ca, subject: { CN: step CA }, ca: true }
  - aws: { service: iot, operation: GetRegistrationCode, input: {}, vars: { code: $.registrationCode } }
  - certificate: { name: verification, issuer: ca, subject: { CN: "\${code}" } }
  - aws:
      service: iot
      operation: RegisterCACertificate
      input: { caCertificate: "\${ca.certificatePem}", verificationCertificate: "\${verification.certificatePem}", setAsActive: true, allowAutoRegistration: true }
      vars: { caId: $.certificateId }
  - certificate: { name: device, issuer: ca, subject: { CN: jitr-lamp } }
  - publish: { topic: lamp/state, payload: { on: true }, qos: 1, clientId: jitr-lamp, certificate: device, connectWithin: 20s }
  - expect: { topic: lamp/state, json: { on: true } }
`,
      });
      await watcher.endAsync();
      await Promise.all(activations);
      expect(result.message).toBeUndefined();
      expect(statuses(result.steps).filter((s) => !s.includes('expect'))).toEqual(['1 certificate passed', '2 aws passed', '3 certificate passed', '4 aws passed', '5 certificate passed', '6 publish passed']);
      expect(result.steps[5].note).toMatch(/^connected after [1-9]\d* refused connections?$/);
      const ca = await iot.send(new DescribeCACertificateCommand({ certificateId: events[0].body.caCertificateId as string }));
      expect(ca.certificateDescription).toMatchObject({ status: 'ACTIVE', autoRegistrationStatus: 'ENABLE' });
      expect(events[0].topic).toBe(`$aws/events/certificates/registered/${ca.certificateDescription!.certificateId}`);
      const device = await iot.send(new DescribeCertificateCommand({ certificateId: events[0].body.certificateId as string }));
      expect(device.certificateDescription).toMatchObject({ status: 'ACTIVE', caCertificateId: ca.certificateDescription!.certificateId });
      expect(new X509Certificate(device.certificateDescription!.certificatePem!).subject).toBe('CN=jitr-lamp');
    }, 60_000);

    it('without connectWithin, the refused first connection fails the publish; an unknown certificate variable is named', async () => {
      const run = (steps: string) => runFiles(engineTarget(te), { 'main.yaml': `name: refused\nsteps:\n${steps}` });
      const refused = await run([
        '  - certificate: { name: ca, subject: { CN: unregistered CA }, ca: true }',
        '  - certificate: { name: device, issuer: ca, subject: { CN: stranger } }',
        '  - publish: { topic: a/b, clientId: stranger, certificate: device }',
      ].join('\n'));
      expect(refused.result.steps[2].status).not.toBe('passed');
      expect(JSON.stringify(refused.result)).toMatch(/cannot connect to the target 'local' at mqtts:\/\/[^ ]+ as 'stranger'/);
      const unknown = await run('  - publish: { topic: a/b, certificate: nobody }');
      expect(unknown.result.steps[0]).toMatchObject({ status: 'failed', message: 'the certificate nobody is no run variable (make it with a certificate or provision step)' });
      const notCa = await run('  - certificate: { name: leaf, subject: { CN: leaf } }\n  - certificate: { name: child, issuer: leaf, subject: { CN: child } }');
      expect(notCa.result.steps[1]).toMatchObject({ status: 'failed', message: 'the issuer leaf is not a CA certificate (make it with ca: true)' });
    }, 30_000);
  });
});
