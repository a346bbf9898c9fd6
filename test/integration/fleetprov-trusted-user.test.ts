/**
 * Fleet provisioning by trusted user [DG:provision-wo-cert]: CreateProvisioningClaim (AWS SDK v3 and /usr/bin/aws)
 * issues an ACTIVE claim certificate and key valid for five minutes, with no attached policy but the right to
 * provision with its template only. A device connects with it over mutual TLS, creates its certificate and registers
 * itself; the claim may not publish elsewhere (disconnected, the denial logged) nor use another template, and it can
 * no longer connect once it expired (the engine clock moved five minutes on).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import {
  CreatePolicyCommand, CreateProvisioningClaimCommand, CreateProvisioningTemplateCommand, DescribeCertificateCommand, InvalidRequestException,
  IoTClient, ListAttachedPoliciesCommand, ResourceNotFoundException,
} from '@aws-sdk/client-iot';
import { nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { awsCliMissing, runAwsCli } from '../helpers/aws-cli.js';
import { closed, tlsConnect } from './helpers/tls-client.js';

const A = 'arn:aws:iot:us-east-1:000000000000';
const ROLE = 'arn:aws:iam::000000000000:role/provisioning';
const clock = { offset: 0, now: () => Date.now() + clock.offset };
let te: TestEngine;
let iot: IoTClient;
let rootCa: string;
const clients: MqttClient[] = [];

const templateBody = JSON.stringify({
  Parameters: { SerialNumber: { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
  Resources: {
    thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::Join': ['', ['meter-', { Ref: 'SerialNumber' }]] } } },
    certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'Active' } },
    policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'MeterPolicy' } },
  },
});

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws', clock });
  iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  rootCa = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8');
  await iot.send(new CreatePolicyCommand({ policyName: 'MeterPolicy', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${A}:client/\${iot:Connection.Thing.ThingName}` },
    { Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/meters/\${iot:Connection.Thing.ThingName}` },
  ] }) }));
  await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'MeterTemplate', templateBody, provisioningRoleArn: ROLE, enabled: true }));
  await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'OtherTemplate', templateBody, provisioningRoleArn: ROLE, enabled: true }));
  await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'JitpTemplate', templateBody, provisioningRoleArn: ROLE, type: 'JITP' }));
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await te?.stop();
});

async function ask(c: MqttClient, topic: string, payload: string): Promise<{ topic: string; body: Record<string, unknown> }> {
  const reply = nextMessages(c, 1);
  await c.publishAsync(topic, payload, { qos: 1 });
  const [m] = await reply;
  return { topic: m.topic, body: JSON.parse(m.payload.toString('utf8')) as Record<string, unknown> };
}

describe('CreateProvisioningClaim', () => {
  it('a five-minute claim with no attached policy provisions a device with its template', async () => {
    const before = Date.now();
    const claim = await iot.send(new CreateProvisioningClaimCommand({ templateName: 'MeterTemplate' }));
    expect(claim.certificateId).toMatch(/^[0-9a-f]{64}$/);
    expect(claim.keyPair?.PrivateKey).toContain('PRIVATE KEY');
    expect(claim.keyPair?.PublicKey).toContain('PUBLIC KEY');
    const expiration = claim.expiration!.getTime();
    expect(expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 5 * 60_000 - 1000);
    expect(expiration).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: claim.certificateId }))).certificateDescription?.status).toBe('ACTIVE');
    expect((await iot.send(new ListAttachedPoliciesCommand({ target: `${A}:cert/${claim.certificateId}` }))).policies).toEqual([]);

    const r = await tlsConnect(te.info.endpoints.mqtts!, { cert: claim.certificatePem!, key: claim.keyPair!.PrivateKey!, ca: rootCa }, { clientId: 'trusted-claim-1' });
    expect(r.error).toBeUndefined();
    clients.push(r.client!);
    const c = r.client!;
    const keys = await ask(c, '$aws/certificates/create/json', '{}');
    expect(keys.topic).toBe('$aws/certificates/create/json/accepted');
    const registered = await ask(c, '$aws/provisioning-templates/MeterTemplate/provision/json', JSON.stringify({
      certificateOwnershipToken: keys.body.certificateOwnershipToken, parameters: { SerialNumber: '7' },
    }));
    expect(registered).toEqual({ topic: '$aws/provisioning-templates/MeterTemplate/provision/json/accepted', body: { thingName: 'meter-7', deviceConfiguration: {} } });

    const device = await tlsConnect(te.info.endpoints.mqtts!, { cert: keys.body.certificatePem as string, key: keys.body.privateKey as string, ca: rootCa }, { clientId: 'meter-7' });
    expect(device.error).toBeUndefined();
    clients.push(device.client!);
    await device.client!.publishAsync('meters/meter-7', '{"kWh":3}', { qos: 1 });

    // Another template's topics are not the claim's: publishing there disconnects it, the denial logged.
    const gone = closed(c);
    c.publish('$aws/provisioning-templates/OtherTemplate/provision/json', '{}', { qos: 1 });
    await gone;
    expect(te.logs.some((l) => l.source === 'security' && l.message.startsWith(`denied iot:Publish on ${A}:topic/$aws/provisioning-templates/OtherTemplate/provision/json for client trusted-claim-1`))).toBe(true);
  });

  it('the claim may not publish telemetry, and cannot connect once five minutes have passed', async () => {
    const claim = await iot.send(new CreateProvisioningClaimCommand({ templateName: 'MeterTemplate' }));
    const creds = { cert: claim.certificatePem!, key: claim.keyPair!.PrivateKey!, ca: rootCa };
    const r = await tlsConnect(te.info.endpoints.mqtts!, creds, { clientId: 'trusted-claim-2' });
    expect(r.error).toBeUndefined();
    const gone = closed(r.client!);
    r.client!.publish('meters/meter-7', '{}', { qos: 1 });
    await gone;
    r.client!.end(true);

    clock.offset += 5 * 60_000 + 1000;
    try {
      const late = await tlsConnect(te.info.endpoints.mqtts!, creds, { clientId: 'trusted-claim-2' });
      late.client?.end(true);
      expect(late.client).toBeUndefined();
      expect(te.logs.some((l) => l.message.includes(`certificate ${claim.certificateId!} is expired`))).toBe(true);
    } finally {
      clock.offset -= 5 * 60_000 + 1000;
    }
  });

  it('an unknown template is ResourceNotFoundException; a JITP template is InvalidRequestException', async () => {
    await expect(iot.send(new CreateProvisioningClaimCommand({ templateName: 'NoSuchTemplate' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(iot.send(new CreateProvisioningClaimCommand({ templateName: 'JitpTemplate' }))).rejects.toBeInstanceOf(InvalidRequestException);
  });

  it.skipIf(awsCliMissing)('aws iot create-provisioning-claim with /usr/bin/aws', async () => {
    const r = await runAwsCli(['iot', 'create-provisioning-claim', '--template-name', 'MeterTemplate'], { endpoint: te.httpUrl });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['certificateId', 'certificatePem', 'expiration', 'keyPair']);
    expect(out.certificateId).toMatch(/^[0-9a-f]{64}$/);
    const missing = await runAwsCli(['iot', 'create-provisioning-claim', '--template-name', 'nope'], { endpoint: te.httpUrl });
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  });
});
