/**
 * The contract's registry and security writes through the UI transport (browser-mode `/rpc` WebSocket) on a real
 * engine: a thing made and deleted (AWS's errors for a different thing of the same name and for one still attached),
 * a certificate made with its key that a mutual-TLS client connects with once a policy is attached, deactivated
 * (refused), revoked (never back), deleted; the AWS SDK sees the same registry.
 */
import { X509Certificate, createPublicKey, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { CreatePolicyCommand, DescribeCertificateCommand, DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcError, type ThingbenchClient } from '../../engine/contract/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';

let te: TestEngine;
let contract: OpenContract;
let api: ThingbenchClient;
let iot: IoTClient;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  contract = await openContract(te);
  api = contract.api;
  iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});

afterAll(async () => {
  iot?.destroy();
  await contract?.close();
  await te?.stop();
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof RpcError ? { code: e.code, message: e.message } : e));

function connect(clientId: string, cert: string, key: string): Promise<string> {
  const ca = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'));
  return new Promise((resolve) => {
    const c = mqtt.connect(te.info.endpoints.mqtts, { clientId, ca, cert, key, rejectUnauthorized: false, reconnectPeriod: 0, connectTimeout: 5000 });
    c.once('connect', () => { c.end(true); resolve('connected'); });
    c.once('error', (e) => { c.end(true); resolve(`refused: ${e.message}`); });
    // A handshake the server ends (an inactive certificate) closes the socket without an MQTT error.
    c.once('close', () => resolve('refused: closed'));
  });
}

describe('registry and security writes through the UI contract', () => {
  it('creates a thing as CreateThing does, and refuses a different one of the same name', async () => {
    const thing = await api.registry.createThing('porch-light', { attributes: { floor: '0' } });
    expect(thing).toMatchObject({ name: 'porch-light', type: null, attributes: { floor: '0' }, version: 1 });
    expect((await iot.send(new DescribeThingCommand({ thingName: 'porch-light' }))).attributes).toEqual({ floor: '0' });
    expect((await api.registry.createThing('porch-light', { attributes: { floor: '0' } })).id).toBe(thing.id);
    expect(await failure(api.registry.createThing('porch-light', { attributes: { floor: '1' } }))).toEqual({ code: 'AlreadyExists', message: 'Thing porch-light already exists in account with different attributes' });
    expect(await failure(api.registry.createThing('bad name!'))).toMatchObject({ code: 'InvalidInput' });
    expect(await failure(api.registry.createThing('t', { type: 'no-such-type' }))).toMatchObject({ code: 'NotFound' });
  });

  it('makes a certificate whose key connects over mutual TLS once a policy allows it, then deactivates, revokes and deletes it', async () => {
    const made = await api.security.createCertificate(true);
    const x509 = new X509Certificate(made.certificatePem);
    expect(x509.publicKey.export({ format: 'pem', type: 'spki' })).toBe(createPublicKey(made.publicKey).export({ format: 'pem', type: 'spki' }));
    expect(x509.checkPrivateKey(createPrivateKey(made.privateKey))).toBe(true);
    expect(made.arn).toBe(`arn:aws:iot:us-east-1:000000000000:cert/${made.id}`);

    await api.registry.attachPrincipal('porch-light', made.arn);
    expect(await api.registry.principals('porch-light')).toEqual([made.arn]);
    expect(await failure(api.registry.deleteThing('porch-light'))).toEqual({ code: 'InvalidInput', message: 'Cannot delete. Thing porch-light is still attached to one or more principals' });

    // No policy yet: every action is denied.
    expect(await connect('porch-light', made.certificatePem, made.privateKey)).toMatch(/^refused: .*[Nn]ot authori[sz]ed/);
    await iot.send(new CreatePolicyCommand({ policyName: 'connect-any', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] }) }));
    await api.security.attachPolicy('connect-any', made.arn);
    const listed = (await api.security.certificates()).find((c) => c.id === made.id);
    expect(listed).toMatchObject({ status: 'ACTIVE', things: ['porch-light'], policies: ['connect-any'] });
    expect(await connect('porch-light', made.certificatePem, made.privateKey)).toBe('connected');

    await api.security.setCertificateStatus(made.id, 'INACTIVE');
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: made.id }))).certificateDescription?.status).toBe('INACTIVE');
    expect(await connect('porch-light', made.certificatePem, made.privateKey)).toMatch(/^refused/);
    await api.security.setCertificateStatus(made.id, 'REVOKED');
    expect(await failure(api.security.setCertificateStatus(made.id, 'ACTIVE'))).toMatchObject({ code: 'Conflict', message: 'A revoked certificate cannot be changed back' });
    expect(await failure(api.security.setCertificateStatus(made.id, 'PENDING' as 'ACTIVE'))).toMatchObject({ code: 'InvalidInput' });

    // Deleting: refused while a thing is attached, then with policies unless forced.
    expect(await failure(api.security.deleteCertificate(made.id))).toMatchObject({ code: 'Conflict', message: 'Things are attached to the certificate: porch-light' });
    await api.registry.detachPrincipal('porch-light', made.arn);
    expect(await failure(api.security.deleteCertificate(made.id))).toMatchObject({ code: 'Conflict', message: 'Policies are attached to the certificate: connect-any' });
    await api.security.deleteCertificate(made.id, true);
    expect((await api.security.certificates()).some((c) => c.id === made.id)).toBe(false);
    expect((await api.security.policies()).find((p) => p.name === 'connect-any')?.targets).toEqual([]);

    await api.registry.deleteThing('porch-light');
    expect(await failure(api.registry.thing('porch-light'))).toMatchObject({ code: 'NotFound' });
  });

  it('refuses an active certificate\'s deletion and a policy that does not exist, with AWS\'s messages', async () => {
    const made = await api.security.createCertificate(true);
    expect(await failure(api.security.deleteCertificate(made.id))).toMatchObject({ code: 'Conflict', message: 'Certificate must be deactivated (not ACTIVE) before deletion.' });
    expect(await failure(api.security.attachPolicy('nope', made.arn))).toMatchObject({ code: 'NotFound' });
    expect(await failure(api.security.setCertificateStatus('0'.repeat(64), 'INACTIVE'))).toMatchObject({ code: 'NotFound' });
  });

  it('puts a policy: created at version 1, a new default version after, AWS\'s errors for a bad document', async () => {
    const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
    expect(await api.security.putPolicy('ui-made', doc('iot:Connect'))).toMatchObject({ name: 'ui-made', defaultVersion: '1', targets: [] });
    const second = await api.security.putPolicy('ui-made', doc('iot:Publish'));
    expect(second.defaultVersion).toBe('2');
    expect(JSON.parse(second.document).Statement[0].Action).toBe('iot:Publish');
    expect((await api.security.policies()).find((p) => p.name === 'ui-made')?.defaultVersion).toBe('2');
    expect(await failure(api.security.putPolicy('ui-made', '{"Version":'))).toMatchObject({ code: 'InvalidInput' });
    expect(await failure(api.security.putPolicy('bad name', doc('iot:Connect')))).toMatchObject({ code: 'InvalidInput' });
  });
});
