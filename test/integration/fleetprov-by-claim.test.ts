/**
 * Fleet provisioning by claim end to end [DG:provision-wo-cert]: a device connects over mutual TLS with a claim
 * certificate whose policy is the guide's claim policy, creates its keys and certificate and registers itself with a
 * provisioning template through the AWS IoT Device SDK v2's `iotidentity.IotIdentityClient`, then connects with its
 * new certificate and publishes telemetry. The same flow in CBOR with mqtt.js; a template's pre-provisioning hook (a
 * local Lambda function) that sees AWS's input, overrides parameters or refuses; a template that does not render; and
 * the claim certificate refused (disconnected, the denial logged) when it publishes telemetry.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { cbor } from '@smithy/core/cbor';
import {
  AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateProvisioningTemplateCommand, DescribeCertificateCommand,
  DescribeThingCommand, IoTClient, ListAttachedPoliciesCommand, ListThingPrincipalsCommand,
} from '@aws-sdk/client-iot';
import { iot as iotSdk, iotidentity, mqtt } from 'aws-iot-device-sdk-v2';
import { nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/broker-clients.js';
import { closed, tlsConnect } from './helpers/tls-client.js';

const A = 'arn:aws:iot:us-east-1:000000000000';
const ROLE = 'arn:aws:iam::000000000000:role/provisioning';

let te: TestEngine;
let iot: IoTClient;
let rootCa: string;
let claim: { cert: string; key: string; id: string };
const clients: MqttClient[] = [];

/** The guide's claim policy: connect, and the provisioning topics of these templates only. */
function claimPolicy(templates: string[]): string {
  const topics = ['$aws/certificates/create/*', '$aws/certificates/create-from-csr/*', ...templates.map((t) => `$aws/provisioning-templates/${t}/provision/*`)];
  return JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
    { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: topics.map((t) => `${A}:topic/${t}`) },
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: topics.map((t) => `${A}:topicfilter/${t}`) },
  ] });
}

/** The template most tests use: thing `sensor-{SerialNumber}`, the certificate activated, the device policy attached. */
const template = (extra: { parameters?: object; attributes?: object } = {}) => JSON.stringify({
  Parameters: { SerialNumber: { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' }, ...extra.parameters },
  Resources: {
    thing: {
      Type: 'AWS::IoT::Thing',
      Properties: { ThingName: { 'Fn::Join': ['', ['sensor-', { Ref: 'SerialNumber' }]] }, ...(extra.attributes && { AttributePayload: extra.attributes }) },
    },
    certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'Active' } },
    policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'DevicePolicy' } },
  },
  DeviceConfiguration: { FallbackUrl: 'https://example.com/fallback', Region: 'us-east-1' },
});

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  rootCa = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8');
  await iot.send(new CreatePolicyCommand({ policyName: 'DevicePolicy', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${A}:client/\${iot:Connection.Thing.ThingName}` },
    { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${A}:topic/telemetry/\${iot:Connection.Thing.ThingName}` },
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${A}:topicfilter/telemetry/\${iot:Connection.Thing.ThingName}` },
  ] }) }));
  for (const [name, body, hook] of [
    ['FleetTemplate', template(), undefined],
    ['HookedTemplate', template({ parameters: { Location: { Type: 'String' }, Claim: { Type: 'String', Default: '' } }, attributes: { location: { Ref: 'Location' }, claim: { Ref: 'Claim' } } }), `${'arn:aws:lambda:us-east-1:000000000000'}:function:fleetHook`],
  ] as const) {
    await iot.send(new CreateProvisioningTemplateCommand({
      templateName: name, templateBody: body, provisioningRoleArn: ROLE, enabled: true, ...(hook && { preProvisioningHook: { targetArn: hook } }),
    }));
  }
  // The hook refuses serial numbers starting with "bad", and otherwise overrides Location and reports what it was given.
  fs.mkdirSync(path.join(te.dataDir, 'functions'), { recursive: true });
  fs.writeFileSync(path.join(te.dataDir, 'functions', 'fleetHook.js'), `export const handler = async (event) => {
  if (event.parameters.SerialNumber.startsWith('bad')) return { allowProvisioning: false };
  if (event.parameters.SerialNumber.startsWith('broken')) throw new Error('hook crashed');
  const seen = [event.claimCertificateId, event.certificateId, event.certificatePem.includes('BEGIN CERTIFICATE'), event.templateArn, event.clientId].join(',');
  return { allowProvisioning: true, parameterOverrides: { Location: 'lab-' + event.parameters.Location, Claim: seen } };
};
`);
  const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new CreatePolicyCommand({ policyName: 'ClaimPolicy', policyDocument: claimPolicy(['FleetTemplate', 'HookedTemplate', 'Broken']) }));
  await iot.send(new AttachPolicyCommand({ policyName: 'ClaimPolicy', target: c.certificateArn }));
  claim = { cert: c.certificatePem!, key: c.keyPair!.PrivateKey!, id: c.certificateId! };
}, 30_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await te?.stop();
});

async function mtls(clientId: string, creds: { cert: string; key: string }): Promise<MqttClient> {
  const r = await tlsConnect(te.info.endpoints.mqtts!, { ...creds, ca: rootCa }, { clientId });
  expect(r.error).toBeUndefined();
  clients.push(r.client!);
  return r.client!;
}

async function ask(c: MqttClient, topic: string, payload: Buffer | string): Promise<{ topic: string; payload: Buffer }> {
  const reply = nextMessages(c, 1);
  await c.publishAsync(topic, payload, { qos: 1 });
  return (await reply)[0];
}
const json = (p: Buffer) => JSON.parse(p.toString('utf8')) as Record<string, unknown>;

describe('fleet provisioning by claim', () => {
  it('the Device SDK v2 IotIdentityClient creates keys, registers the thing; the device then connects with its new certificate and publishes', async () => {
    const config = iotSdk.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(claim.cert, claim.key)
      .with_certificate_authority(rootCa)
      .with_endpoint('localhost')
      .with_port(Number(new URL(te.info.endpoints.mqtts!).port))
      .with_client_id('claim-sdk-1')
      .with_clean_session(true)
      .build();
    const connection = new mqtt.MqttClient().new_connection(config);
    await connection.connect();
    try {
      const identity = new iotidentity.IotIdentityClient(connection);
      const keys = await new Promise<iotidentity.model.CreateKeysAndCertificateResponse>((resolve, reject) => {
        void (async () => {
          await identity.subscribeToCreateKeysAndCertificateAccepted({}, mqtt.QoS.AtLeastOnce, (e, r) => (e ? reject(e) : resolve(r!)));
          await identity.subscribeToCreateKeysAndCertificateRejected({}, mqtt.QoS.AtLeastOnce, (e, r) => reject(e ?? new Error(JSON.stringify(r))));
          await identity.publishCreateKeysAndCertificate({}, mqtt.QoS.AtLeastOnce);
        })().catch(reject);
      });
      expect(keys.certificateId).toMatch(/^[0-9a-f]{64}$/);
      expect((await iot.send(new DescribeCertificateCommand({ certificateId: keys.certificateId }))).certificateDescription?.status).toBe('PENDING_ACTIVATION');

      const registered = await new Promise<iotidentity.model.RegisterThingResponse>((resolve, reject) => {
        void (async () => {
          await identity.subscribeToRegisterThingAccepted({ templateName: 'FleetTemplate' }, mqtt.QoS.AtLeastOnce, (e, r) => (e ? reject(e) : resolve(r!)));
          await identity.subscribeToRegisterThingRejected({ templateName: 'FleetTemplate' }, mqtt.QoS.AtLeastOnce, (e, r) => reject(e ?? new Error(JSON.stringify(r))));
          await identity.publishRegisterThing({ templateName: 'FleetTemplate', certificateOwnershipToken: keys.certificateOwnershipToken, parameters: { SerialNumber: '001' } }, mqtt.QoS.AtLeastOnce);
        })().catch(reject);
      });
      expect(registered).toEqual({ thingName: 'sensor-001', deviceConfiguration: { FallbackUrl: 'https://example.com/fallback', Region: 'us-east-1' } });
      expect((await iot.send(new DescribeCertificateCommand({ certificateId: keys.certificateId }))).certificateDescription?.status).toBe('ACTIVE');
      expect((await iot.send(new ListThingPrincipalsCommand({ thingName: 'sensor-001' }))).principals).toEqual([`${A}:cert/${keys.certificateId}`]);
      expect((await iot.send(new ListAttachedPoliciesCommand({ target: `${A}:cert/${keys.certificateId}` }))).policies?.map((p) => p.policyName)).toEqual(['DevicePolicy']);

      // The token is used up.
      const again = await new Promise<iotidentity.model.ErrorResponse>((resolve, reject) => {
        void (async () => {
          await identity.subscribeToRegisterThingRejected({ templateName: 'FleetTemplate' }, mqtt.QoS.AtLeastOnce, (e, r) => (e ? reject(e) : resolve(r!)));
          await identity.publishRegisterThing({ templateName: 'FleetTemplate', certificateOwnershipToken: keys.certificateOwnershipToken, parameters: { SerialNumber: '001' } }, mqtt.QoS.AtLeastOnce);
        })().catch(reject);
      });
      expect(again).toMatchObject({ statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken' });

      const device = await mtls('sensor-001', { cert: keys.certificatePem!, key: keys.privateKey! });
      await device.subscribeAsync('telemetry/sensor-001', { qos: 1 });
      const echo = nextMessages(device, 1);
      await device.publishAsync('telemetry/sensor-001', JSON.stringify({ t: 21.5 }), { qos: 1 });
      expect(json((await echo)[0].payload)).toEqual({ t: 21.5 });
    } finally {
      await connection.disconnect();
    }
  }, 30_000);

  it('the same flow in CBOR with mqtt.js; the accepted replies reach a claim connection that subscribed to nothing', async () => {
    const c = await mtls('claim-cbor-1', claim);
    const created = await ask(c, '$aws/certificates/create/cbor', Buffer.from(cbor.serialize({})));
    expect(created.topic).toBe('$aws/certificates/create/cbor/accepted');
    const keys = cbor.deserialize(new Uint8Array(created.payload)) as Record<string, string>;
    const r = await ask(c, '$aws/provisioning-templates/FleetTemplate/provision/cbor', Buffer.from(cbor.serialize({ certificateOwnershipToken: keys.certificateOwnershipToken, parameters: { SerialNumber: '002' } })));
    expect(r.topic).toBe('$aws/provisioning-templates/FleetTemplate/provision/cbor/accepted');
    expect(cbor.deserialize(new Uint8Array(r.payload))).toEqual({ thingName: 'sensor-002', deviceConfiguration: { FallbackUrl: 'https://example.com/fallback', Region: 'us-east-1' } });
    const device = await mtls('sensor-002', { cert: keys.certificatePem, key: keys.privateKey });
    await device.publishAsync('telemetry/sensor-002', '{}', { qos: 1 });
  });

  it('a template that does not render (a required parameter missing) is rejected; the certificate stays pending and the token usable', async () => {
    const c = await mtls('claim-render-1', claim);
    const keys = json((await ask(c, '$aws/certificates/create/json', '{}')).payload);
    const r = await ask(c, '$aws/provisioning-templates/FleetTemplate/provision/json', JSON.stringify({ certificateOwnershipToken: keys.certificateOwnershipToken, parameters: {} }));
    expect(r.topic).toBe('$aws/provisioning-templates/FleetTemplate/provision/json/rejected');
    expect(json(r.payload)).toMatchObject({ statusCode: 400, errorCode: 'InvalidParameters', errorMessage: expect.stringContaining('SerialNumber') });
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: keys.certificateId as string }))).certificateDescription?.status).toBe('PENDING_ACTIVATION');
    const ok = await ask(c, '$aws/provisioning-templates/FleetTemplate/provision/json', JSON.stringify({ certificateOwnershipToken: keys.certificateOwnershipToken, parameters: { SerialNumber: '003' } }));
    expect(json(ok.payload)).toMatchObject({ thingName: 'sensor-003' });
    const missing = await ask(c, '$aws/provisioning-templates/Broken/provision/json', JSON.stringify({ certificateOwnershipToken: 'x' }));
    expect(json(missing.payload)).toMatchObject({ errorCode: 'InvalidCertificateOwnershipToken' });
  });

  it('the pre-provisioning hook gets AWS\'s input and overrides parameters; a refusal or a failing hook rejects RegisterThing', async () => {
    const c = await mtls('claim-hook-1', claim);
    const keys = json((await ask(c, '$aws/certificates/create/json', '{}')).payload);
    const r = await ask(c, '$aws/provisioning-templates/HookedTemplate/provision/json', JSON.stringify({
      certificateOwnershipToken: keys.certificateOwnershipToken, parameters: { SerialNumber: '004', Location: 'bench' },
    }));
    expect(json(r.payload)).toMatchObject({ thingName: 'sensor-004' });
    const attributes = (await iot.send(new DescribeThingCommand({ thingName: 'sensor-004' }))).attributes;
    expect(attributes).toEqual({
      location: 'lab-bench',
      claim: [claim.id, keys.certificateId, 'true', `${A}:provisioningtemplate/HookedTemplate`, 'claim-hook-1'].join(','),
    });

    const refused = json((await ask(c, '$aws/certificates/create/json', '{}')).payload);
    const no = await ask(c, '$aws/provisioning-templates/HookedTemplate/provision/json', JSON.stringify({
      certificateOwnershipToken: refused.certificateOwnershipToken, parameters: { SerialNumber: 'bad-1', Location: 'x' },
    }));
    expect(no.topic).toBe('$aws/provisioning-templates/HookedTemplate/provision/json/rejected');
    expect(json(no.payload)).toEqual({ statusCode: 403, errorCode: 'AccessDenied', errorMessage: 'The pre-provisioning hook fleetHook did not allow provisioning' });
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: refused.certificateId as string }))).certificateDescription?.status).toBe('PENDING_ACTIVATION');

    const crash = await ask(c, '$aws/provisioning-templates/HookedTemplate/provision/json', JSON.stringify({
      certificateOwnershipToken: refused.certificateOwnershipToken, parameters: { SerialNumber: 'broken-1', Location: 'x' },
    }));
    expect(json(crash.payload)).toMatchObject({ statusCode: 500, errorCode: 'InternalError', errorMessage: expect.stringContaining('hook crashed') });
  });

  it('mosquitto_rr over mutual TLS with the claim creates keys and registers the thing, as the README shows', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-fp-rr-'));
    try {
      fs.writeFileSync(path.join(dir, 'root-ca.pem'), rootCa);
      fs.writeFileSync(path.join(dir, 'claim.pem'), claim.cert);
      fs.writeFileSync(path.join(dir, 'claim.key'), claim.key);
      const port = String(new URL(te.info.endpoints.mqtts!).port);
      const rr = (topic: string, message: string) => run('mosquitto_rr', [
        '-h', 'localhost', '-p', port, '--cafile', path.join(dir, 'root-ca.pem'), '--cert', path.join(dir, 'claim.pem'), '--key', path.join(dir, 'claim.key'),
        '-i', 'claim-rr', '-t', topic, '-e', `${topic}/accepted`, '-m', message, '-W', '5',
      ]).done;
      const created = await rr('$aws/certificates/create/json', '{}');
      expect(created.code).toBe(0);
      const keys = JSON.parse(created.stdout) as Record<string, string>;
      const registered = await rr('$aws/provisioning-templates/FleetTemplate/provision/json', JSON.stringify({ certificateOwnershipToken: keys.certificateOwnershipToken, parameters: { SerialNumber: '005' } }));
      expect(registered.code).toBe(0);
      expect(JSON.parse(registered.stdout)).toMatchObject({ thingName: 'sensor-005' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a reply is still subject to iot:Receive: a claim whose policy does not allow receiving it gets its marker first', async () => {
    const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new CreatePolicyCommand({ policyName: 'NoReceiveClaim', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: [`${A}:topic/$aws/certificates/create/json`, `${A}:topic/marker/no-receive`] },
      { Effect: 'Allow', Action: ['iot:Subscribe'], Resource: `${A}:topicfilter/marker/no-receive` },
      { Effect: 'Allow', Action: ['iot:Receive'], Resource: `${A}:topic/marker/no-receive` },
    ] }) }));
    await iot.send(new AttachPolicyCommand({ policyName: 'NoReceiveClaim', target: c.certificateArn }));
    const dev = await mtls('claim-no-receive', { cert: c.certificatePem!, key: c.keyPair!.PrivateKey! });
    await dev.subscribeAsync('marker/no-receive', { qos: 1 });
    const first = nextMessages(dev, 1);
    await dev.publishAsync('$aws/certificates/create/json', '{}', { qos: 1 });
    await vi.waitFor(() => expect(te.logs.some((l) => l.message.startsWith(`denied iot:Receive on ${A}:topic/$aws/certificates/create/json/accepted for client claim-no-receive`))).toBe(true));
    await dev.publishAsync('marker/no-receive', 'marker', { qos: 1 });
    expect((await first).map((m) => m.topic)).toEqual(['marker/no-receive']);
  });

  it('the claim certificate may only provision: publishing telemetry disconnects it, and the denial is logged', async () => {
    const c = await mtls('claim-telemetry-1', claim);
    const gone = closed(c);
    c.publish('telemetry/claim-telemetry-1', '{"t":1}', { qos: 1 });
    await gone;
    expect(te.logs.some((l) => l.source === 'security' && l.level === 'warn'
      && l.message.startsWith(`denied iot:Publish on ${A}:topic/telemetry/claim-telemetry-1 for client claim-telemetry-1`))).toBe(true);
  });
});
