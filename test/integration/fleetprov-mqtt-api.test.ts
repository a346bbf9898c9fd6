/**
 * The device provisioning MQTT API [DG:fleet-provision-api] with mqtt.js: CreateKeysAndCertificate and
 * CreateCertificateFromCsr (an `openssl`-made CSR) in JSON and CBOR, answered on `…/accepted` to the requesting
 * connection only, whether or not it subscribed, with a PENDING_ACTIVATION certificate and its ownership token; and
 * the rejected paths of every request (payloads that do not parse, tokens that are empty, unknown, another
 * requester's or expired, an unknown template), with AWS's `{statusCode, errorCode, errorMessage}`. An expired
 * token's certificate that was never registered is deleted. Real engine, real sockets, real AWS SDK v3 client.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { cbor } from '@smithy/core/cbor';
import { CreateProvisioningTemplateCommand, DescribeCertificateCommand, IoTClient, ResourceNotFoundException } from '@aws-sdk/client-iot';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openssl } from './helpers/tls-client.js';

const clock = { offset: 0, now: () => Date.now() + clock.offset };
let te: TestEngine;
let iot: IoTClient;
const clients: MqttClient[] = [];
beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws', clock });
  iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await te?.stop();
});

async function device(clientId: string): Promise<MqttClient> {
  const c = await connect(te.mqttPort, { clientId });
  clients.push(c);
  return c;
}

/** Publishes a request and resolves with the one reply it gets (the client subscribed to nothing). */
async function ask(c: MqttClient, topic: string, payload: Buffer | string): Promise<{ topic: string; payload: Buffer }> {
  const reply = nextMessages(c, 1);
  await c.publishAsync(topic, payload, { qos: 1 });
  return (await reply)[0];
}

const json = (p: Buffer) => JSON.parse(p.toString('utf8')) as Record<string, unknown>;
const status = async (certificateId: string) => (await iot.send(new DescribeCertificateCommand({ certificateId }))).certificateDescription?.status;

describe('CreateKeysAndCertificate and CreateCertificateFromCsr over MQTT', () => {
  it('create/json: a new key pair and PENDING_ACTIVATION certificate with an ownership token, to a client that subscribed to nothing', async () => {
    const c = await device('fp-create-json');
    const r = await ask(c, '$aws/certificates/create/json', '{}');
    expect(r.topic).toBe('$aws/certificates/create/json/accepted');
    const body = json(r.payload);
    expect(Object.keys(body).sort()).toEqual(['certificateId', 'certificateOwnershipToken', 'certificatePem', 'privateKey']);
    expect(body.certificateId).toMatch(/^[0-9a-f]{64}$/);
    expect(body.certificateOwnershipToken).toEqual(expect.any(String));
    const cert = new X509Certificate(body.certificatePem as string);
    expect(cert.checkPrivateKey(createPrivateKey(body.privateKey as string))).toBe(true);
    expect(await status(body.certificateId as string)).toBe('PENDING_ACTIVATION');
  });

  it('create/cbor: the same answer in CBOR; an empty payload is an empty request', async () => {
    const c = await device('fp-create-cbor');
    const r = await ask(c, '$aws/certificates/create/cbor', Buffer.from(cbor.serialize({})));
    expect(r.topic).toBe('$aws/certificates/create/cbor/accepted');
    const body = cbor.deserialize(new Uint8Array(r.payload)) as Record<string, string>;
    expect(body.certificateId).toMatch(/^[0-9a-f]{64}$/);
    expect(body.certificatePem).toContain('BEGIN CERTIFICATE');
    expect(body.privateKey).toContain('PRIVATE KEY');
    const empty = await ask(c, '$aws/certificates/create/json', Buffer.alloc(0));
    expect(empty.topic).toBe('$aws/certificates/create/json/accepted');
  });

  it('create-from-csr in JSON and CBOR: a certificate for the CSR\'s own key and subject, nothing of the key sent back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-fp-csr-'));
    try {
      openssl(dir, 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'device.key', '-out', 'device.csr', '-subj', '/CN=sensor-42');
      const csr = fs.readFileSync(path.join(dir, 'device.csr'), 'utf8');
      const key = createPublicKey(fs.readFileSync(path.join(dir, 'device.key'), 'utf8'));
      const c = await device('fp-csr');
      const r = await ask(c, '$aws/certificates/create-from-csr/json', JSON.stringify({ certificateSigningRequest: csr }));
      expect(r.topic).toBe('$aws/certificates/create-from-csr/json/accepted');
      const body = json(r.payload);
      expect(Object.keys(body).sort()).toEqual(['certificateId', 'certificateOwnershipToken', 'certificatePem']);
      const cert = new X509Certificate(body.certificatePem as string);
      expect(cert.publicKey.export({ format: 'pem', type: 'spki' })).toBe(key.export({ format: 'pem', type: 'spki' }));
      expect(cert.subject).toContain('CN=sensor-42');
      expect(await status(body.certificateId as string)).toBe('PENDING_ACTIVATION');

      const viaCbor = await ask(c, '$aws/certificates/create-from-csr/cbor', Buffer.from(cbor.serialize({ certificateSigningRequest: csr })));
      expect(viaCbor.topic).toBe('$aws/certificates/create-from-csr/cbor/accepted');
      expect((cbor.deserialize(new Uint8Array(viaCbor.payload)) as Record<string, string>).certificatePem).toContain('BEGIN CERTIFICATE');

      const bad = await ask(c, '$aws/certificates/create-from-csr/json', JSON.stringify({ certificateSigningRequest: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----' }));
      expect(bad.topic).toBe('$aws/certificates/create-from-csr/json/rejected');
      expect(json(bad.payload)).toMatchObject({ statusCode: 400, errorCode: 'InvalidPayload' });
      const missing = await ask(c, '$aws/certificates/create-from-csr/json', '{}');
      expect(json(missing.payload)).toEqual({ statusCode: 400, errorCode: 'InvalidPayload', errorMessage: 'certificateSigningRequest is required' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the answer goes to the requester only: another client subscribed to the accepted topic gets its marker first', async () => {
    const asker = await device('fp-asker');
    const watcher = await device('fp-watcher');
    await watcher.subscribeAsync(['$aws/certificates/create/json/accepted', 'fp/marker'], { qos: 1 });
    const watched = nextMessages(watcher, 1);
    await ask(asker, '$aws/certificates/create/json', '{}');
    await asker.publishAsync('fp/marker', 'marker', { qos: 1 });
    expect((await watched).map((m) => m.topic)).toEqual(['fp/marker']);
  });
});

describe('rejected requests', () => {
  it('payloads that do not parse, in the request\'s format', async () => {
    const c = await device('fp-bad-payloads');
    const notJson = await ask(c, '$aws/certificates/create/json', '{nope');
    expect(notJson.topic).toBe('$aws/certificates/create/json/rejected');
    expect(json(notJson.payload)).toMatchObject({ statusCode: 400, errorCode: 'InvalidPayload' });
    const notCbor = await ask(c, '$aws/provisioning-templates/fleet/provision/cbor', Buffer.from([0xbf, 0x61]));
    expect(notCbor.topic).toBe('$aws/provisioning-templates/fleet/provision/cbor/rejected');
    expect(cbor.deserialize(new Uint8Array(notCbor.payload))).toMatchObject({ statusCode: 400, errorCode: 'InvalidPayload' });
    const array = await ask(c, '$aws/provisioning-templates/fleet/provision/json', '[1]');
    expect(json(array.payload)).toMatchObject({ statusCode: 400, errorCode: 'InvalidPayload', errorMessage: 'Unable to parse the request payload: the JSON document is not an object' });
    const numbers = await ask(c, '$aws/provisioning-templates/fleet/provision/json', JSON.stringify({ certificateOwnershipToken: 'x', parameters: { SerialNumber: 42 } }));
    expect(json(numbers.payload)).toMatchObject({ statusCode: 400, errorCode: 'InvalidPayload', errorMessage: 'Unable to parse the request payload: parameters.SerialNumber must be a string' });
  });

  it('RegisterThing: empty, unknown and another requester\'s tokens; an unknown template', async () => {
    const c = await device('fp-tokens');
    const provision = '$aws/provisioning-templates/no-such-template/provision/json';
    expect(json((await ask(c, provision, JSON.stringify({ parameters: {} }))).payload)).toEqual({
      statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken', errorMessage: 'Certificate ownership token cannot be empty.',
    });
    expect(json((await ask(c, provision, JSON.stringify({ certificateOwnershipToken: 'made-up' }))).payload)).toEqual({
      statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken', errorMessage: 'Certificate ownership token is invalid.',
    });
    const created = json((await ask(c, '$aws/certificates/create/json', '{}')).payload);
    const other = await device('fp-tokens-other');
    expect(json((await ask(other, provision, JSON.stringify({ certificateOwnershipToken: created.certificateOwnershipToken }))).payload)).toMatchObject({
      errorCode: 'InvalidCertificateOwnershipToken',
    });
    const unknown = await ask(c, provision, JSON.stringify({ certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: '1' } }));
    expect(unknown.topic).toBe(`${provision}/rejected`);
    expect(json(unknown.payload)).toEqual({ statusCode: 404, errorCode: 'ResourceNotFound', errorMessage: 'The provisioning template no-such-template does not exist' });
    // A failed RegisterThing leaves the token usable, and the certificate pending.
    expect(await status(created.certificateId as string)).toBe('PENDING_ACTIVATION');
    expect(json((await ask(c, provision, JSON.stringify({ certificateOwnershipToken: created.certificateOwnershipToken }))).payload)).toMatchObject({ errorCode: 'ResourceNotFound' });
  });

  it('RegisterThing with a disabled template, or a JITP one, is InvalidRequest', async () => {
    const body = JSON.stringify({ Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'never' } } } });
    const provisioningRoleArn = 'arn:aws:iam::000000000000:role/provisioning';
    await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'off-template', templateBody: body, provisioningRoleArn, enabled: false }));
    await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'jitp-template', templateBody: body, provisioningRoleArn, type: 'JITP' }));
    const c = await device('fp-template-kinds');
    const token = json((await ask(c, '$aws/certificates/create/json', '{}')).payload).certificateOwnershipToken;
    expect(json((await ask(c, '$aws/provisioning-templates/off-template/provision/json', JSON.stringify({ certificateOwnershipToken: token }))).payload)).toEqual({
      statusCode: 400, errorCode: 'InvalidRequest', errorMessage: 'The provisioning template off-template is disabled',
    });
    expect(json((await ask(c, '$aws/provisioning-templates/jitp-template/provision/json', JSON.stringify({ certificateOwnershipToken: token }))).payload)).toEqual({
      statusCode: 400, errorCode: 'InvalidRequest', errorMessage: 'The provisioning template jitp-template is not a FLEET_PROVISIONING template',
    });
  });

  it('a token expires after an hour; the certificate it was for, never registered, is then deleted', async () => {
    const c = await device('fp-expiry');
    const created = json((await ask(c, '$aws/certificates/create/json', '{}')).payload);
    clock.offset += 60 * 60 * 1000;
    try {
      const r = await ask(c, '$aws/provisioning-templates/fleet/provision/json', JSON.stringify({ certificateOwnershipToken: created.certificateOwnershipToken }));
      expect(json(r.payload)).toEqual({ statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken', errorMessage: 'Certificate ownership token has expired.' });
      // The sweep after that request removed it.
      await expect.poll(() => status(created.certificateId as string).catch((e: unknown) => (e instanceof ResourceNotFoundException ? 'deleted' : e))).toBe('deleted');
      // The log line follows the deletion's own promise, which an API request may overtake.
      await expect.poll(() => te.logs.some((l) => l.source === 'fleet-provisioning' && l.message.includes(`certificate ${created.certificateId as string} deleted`))).toBe(true);
    } finally {
      clock.offset -= 60 * 60 * 1000;
    }
  });
});
