/**
 * Certificates, policies and mutual TLS through `@aws-sdk/client-iot` and mqtt.js: Lab 1 (keys and certificate,
 * policy, attach, connect), policy enforcement with AWS's consequences, certificate status and bad certificates,
 * AWS's control-plane errors, CSRs, JITR end to end.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { X509Certificate, createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  IoTClient, AddThingToThingGroupCommand, AttachPolicyCommand, CreateThingGroupCommand, AttachThingPrincipalCommand, CreateCertificateFromCsrCommand, CreateKeysAndCertificateCommand,
  CreatePolicyCommand, CreatePolicyVersionCommand, CreateThingCommand, DeleteCertificateCommand, DeletePolicyCommand, DescribeCertificateCommand,
  DetachPolicyCommand, GetPolicyCommand, GetRegistrationCodeCommand, ListAttachedPoliciesCommand, ListCertificatesCommand,
  RegisterCACertificateCommand, RegisterCertificateCommand, UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import type { MqttClient } from 'mqtt';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { closed, makeCa, makeSigned, openssl, tlsConnect, type Credentials } from './helpers/tls-client.js';

const ACCOUNT = 'arn:aws:iot:us-east-1:000000000000';
const policyDoc = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('certificates, policies and mutual TLS', () => {
  let te: TestEngine;
  let iot: IoTClient;
  let mqtts: string;
  let ca: string;
  let dir: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    te = await startTestEngine();
    mqtts = te.info.endpoints.mqtts;
    ca = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8');
    iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-mtls-'));
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await te?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A new ACTIVE certificate with the policy attached (and attached to thing `thing` if given). */
  async function device(policyName: string, statements: object[] | null, thing?: string): Promise<Credentials & { id: string; arn: string }> {
    const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    if (statements) await iot.send(new CreatePolicyCommand({ policyName, policyDocument: policyDoc(statements) }));
    await iot.send(new AttachPolicyCommand({ policyName, target: c.certificateArn }));
    if (thing) {
      await iot.send(new CreateThingCommand({ thingName: thing }));
      await iot.send(new AttachThingPrincipalCommand({ thingName: thing, principal: c.certificateArn }));
    }
    return { key: c.keyPair!.PrivateKey!, cert: c.certificatePem!, ca, id: c.certificateId!, arn: c.certificateArn! };
  }

  async function connected(creds: Credentials, clientId: string) {
    const r = await tlsConnect(mqtts, creds, { clientId });
    expect(r.error).toBeUndefined();
    clients.push(r.client!);
    return r.client!;
  }

  it('Lab 1: CreateKeysAndCertificate, CreatePolicy, AttachPolicy, AttachThingPrincipal, connect and publish', async () => {
    const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    const x = new X509Certificate(c.certificatePem!);
    expect(c.certificateId).toBe(createHash('sha256').update(x.raw).digest('hex'));
    expect(c.certificateArn).toBe(`${ACCOUNT}:cert/${c.certificateId}`);
    expect(c.keyPair?.PrivateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(c.keyPair?.PublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(x.verify(new X509Certificate(ca).publicKey)).toBe(true);

    await iot.send(new CreatePolicyCommand({ policyName: 'lab1', policyDocument: policyDoc([
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ACCOUNT}:client/\${iot:Connection.Thing.ThingName}` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${ACCOUNT}:topic/lab1/\${iot:ClientId}/*` },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${ACCOUNT}:topicfilter/lab1/\${iot:ClientId}/*` },
    ]) }));
    await iot.send(new AttachPolicyCommand({ policyName: 'lab1', target: c.certificateArn }));
    await iot.send(new CreateThingCommand({ thingName: 'lab1-thing' }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'lab1-thing', principal: c.certificateArn }));
    expect((await iot.send(new ListAttachedPoliciesCommand({ target: c.certificateArn }))).policies).toEqual([{ policyName: 'lab1', policyArn: `${ACCOUNT}:policy/lab1` }]);

    const presence = await connect(te.mqttPort, { clientId: 'watcher' });
    clients.push(presence);
    await presence.subscribeAsync('$aws/events/presence/connected/lab1-thing');
    const event = new Promise<Record<string, unknown>>((r) => presence.once('message', (_t, p) => r(JSON.parse(p.toString()))));
    const creds = { key: c.keyPair!.PrivateKey!, cert: c.certificatePem!, ca };
    const dev = await connected(creds, 'lab1-thing');
    expect(await event).toMatchObject({ clientId: 'lab1-thing', principalIdentifier: c.certificateId });
    await dev.subscribeAsync('lab1/lab1-thing/#');
    const got = new Promise<string>((r) => dev.once('message', (t) => r(t)));
    await dev.publishAsync('lab1/lab1-thing/state', 'on', { qos: 1 });
    expect(await got).toBe('lab1/lab1-thing/state');

    // Not the thing's name: iot:Connect is denied (CONNACK 5).
    const other = await tlsConnect(mqtts, creds, { clientId: 'someone-else' });
    expect(other.error).toMatch(/not authori[sz]ed/i);
  });

  it('a denied publish disconnects the client (MQTT 3.1.1), and the denial is logged with its reason', async () => {
    const creds = await device('pub-deny', [
      { Effect: 'Allow', Action: ['iot:Connect', 'iot:Publish'], Resource: '*' },
      { Effect: 'Deny', Action: 'iot:Publish', Resource: `${ACCOUNT}:topic/\${iot:ClientId}/secret` },
    ]);
    const dev = await connected(creds, 'pub-deny-1');
    await dev.publishAsync('pub-deny-1/ok', 'x', { qos: 1 });
    const gone = closed(dev);
    dev.publish('pub-deny-1/secret', 'x', { qos: 1 });
    await gone;
    const log = te.logs.find((l) => l.source === 'security' && l.message.includes('topic/pub-deny-1/secret'));
    expect(log?.details).toMatchObject({ kind: 'explicitDeny', statement: { policy: 'pub-deny', index: 1 }, variables: { 'iot:ClientId': 'pub-deny-1' } });
    // The UI contract: "why was this denied?"
    const denial = (await te.engine.api.security.denials()).find((d) => d.clientId === 'pub-deny-1');
    expect(denial).toMatchObject({ action: 'iot:Publish', resource: `${ACCOUNT}:topic/pub-deny-1/secret`, kind: 'explicitDeny', certificateId: creds.id, statement: { policy: 'pub-deny', version: '1', index: 1 } });
    expect(JSON.parse(denial!.statement!.text!)).toEqual({ Effect: 'Deny', Action: 'iot:Publish', Resource: `${ACCOUNT}:topic/\${iot:ClientId}/secret` });
    expect((await te.engine.api.security.certificates()).find((c) => c.id === creds.id)).toMatchObject({ status: 'ACTIVE', policies: ['pub-deny'] });
  });

  it('a denied subscription disconnects the client; iot:Receive filters deliveries', async () => {
    const creds = await device('sub-deny', [
      { Effect: 'Allow', Action: ['iot:Connect', 'iot:Publish'], Resource: '*' },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${ACCOUNT}:topicfilter/open/*` },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: `${ACCOUNT}:topic/open/yes` },
    ]);
    const dev = await connected(creds, 'sub-deny-1');
    await dev.subscribeAsync('open/#');
    const received: string[] = [];
    dev.on('message', (t) => received.push(t));
    const pub = await connect(te.mqttPort, { clientId: 'plain-pub' });
    clients.push(pub);
    const yes = new Promise<void>((r) => dev.on('message', (t) => t === 'open/yes' && r()));
    await pub.publishAsync('open/no', 'x', { qos: 1 }); // delivered in order: had it passed, it would arrive first
    await pub.publishAsync('open/yes', 'x', { qos: 1 });
    await yes;
    expect(received).toEqual(['open/yes']);
    const gone = closed(dev);
    dev.subscribe('closed/#');
    await gone;
  });

  it('refuses inactive, revoked, unknown and wrong-CA certificates with a logged reason', async () => {
    const creds = await device('status', [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }]);
    await iot.send(new UpdateCertificateCommand({ certificateId: creds.id, newStatus: 'INACTIVE' }));
    expect((await tlsConnect(mqtts, creds, { clientId: 's1' })).error).toBeDefined();
    await iot.send(new UpdateCertificateCommand({ certificateId: creds.id, newStatus: 'ACTIVE' }));
    (await connected(creds, 's1')).end();
    await iot.send(new UpdateCertificateCommand({ certificateId: creds.id, newStatus: 'REVOKED' }));
    expect((await tlsConnect(mqtts, creds, { clientId: 's1' })).error).toBeDefined();
    await expect(iot.send(new UpdateCertificateCommand({ certificateId: creds.id, newStatus: 'ACTIVE' }))).rejects.toMatchObject({ name: 'CertificateStateException' });

    makeCa(dir, 'stranger');
    const stranger = makeSigned(dir, 'stranger', 'stranger-dev', 'x');
    expect((await tlsConnect(mqtts, { ...stranger, ca }, { clientId: 's2' })).error).toBeDefined();
    expect(te.logs.some((l) => l.source === 'security' && /unknown certificate/.test(l.message))).toBe(true);
    expect(te.logs.some((l) => l.source === 'security' && /is REVOKED/.test(l.message))).toBe(true);
  });

  it('answers with AWS errors: malformed policy, bad PEM, bad CSR, delete rules, version limit', async () => {
    await expect(iot.send(new CreatePolicyCommand({ policyName: 'bad', policyDocument: '{"Statement":' }))).rejects.toMatchObject({ name: 'MalformedPolicyException', $metadata: { httpStatusCode: 400 } });
    await expect(iot.send(new CreatePolicyCommand({ policyName: 'bad', policyDocument: policyDoc([{ Effect: 'Allow', Action: 'iot:Fly', Resource: '*' }]) }))).rejects.toMatchObject({ name: 'MalformedPolicyException' });
    await expect(iot.send(new GetPolicyCommand({ policyName: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    await expect(iot.send(new RegisterCertificateCommand({ certificatePem: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----' }))).rejects.toMatchObject({ name: 'CertificateValidationException' });
    await expect(iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: 'garbage' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });

    const creds = await device('del', [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }]);
    await expect(iot.send(new CreatePolicyCommand({ policyName: 'del', policyDocument: policyDoc([{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }]) }))).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException', $metadata: { httpStatusCode: 409 } });
    await expect(iot.send(new DeleteCertificateCommand({ certificateId: creds.id }))).rejects.toMatchObject({ name: 'CertificateStateException', $metadata: { httpStatusCode: 406 } });
    await iot.send(new UpdateCertificateCommand({ certificateId: creds.id, newStatus: 'INACTIVE' }));
    await expect(iot.send(new DeleteCertificateCommand({ certificateId: creds.id }))).rejects.toMatchObject({ name: 'DeleteConflictException', $metadata: { httpStatusCode: 409 } });
    await expect(iot.send(new DeletePolicyCommand({ policyName: 'del' }))).rejects.toMatchObject({ name: 'DeleteConflictException' });
    await iot.send(new DetachPolicyCommand({ policyName: 'del', target: creds.arn }));
    await iot.send(new DeleteCertificateCommand({ certificateId: creds.id }));
    await expect(iot.send(new DescribeCertificateCommand({ certificateId: creds.id }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    for (let i = 0; i < 4; i++) await iot.send(new CreatePolicyVersionCommand({ policyName: 'del', policyDocument: policyDoc([{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }]), setAsDefault: i === 3 }));
    expect((await iot.send(new GetPolicyCommand({ policyName: 'del' }))).defaultVersionId).toBe('5');
    await expect(iot.send(new CreatePolicyVersionCommand({ policyName: 'del', policyDocument: policyDoc([{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }]) }))).rejects.toMatchObject({ name: 'VersionsLimitExceededException' });
  });

  it('CreateCertificateFromCsr signs an openssl CSR with its subject; the certificate variables reach policies', async () => {
    makeCa(dir, 'unused');
    const { csr, key } = makeSigned(dir, 'unused', 'csr-dev', 'sensor-7');
    const c = await iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: csr, setAsActive: true }));
    expect(new X509Certificate(c.certificatePem!).subject).toContain('CN=sensor-7');
    await iot.send(new CreatePolicyCommand({ policyName: 'cn', policyDocument: policyDoc([
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ACCOUNT}:client/\${iot:Certificate.Subject.CommonName}` },
    ]) }));
    await iot.send(new AttachPolicyCommand({ policyName: 'cn', target: c.certificateArn }));
    const creds = { key, cert: c.certificatePem!, ca };
    (await connected(creds, 'sensor-7')).end();
    expect((await tlsConnect(mqtts, creds, { clientId: 'sensor-8' })).error).toMatch(/not authori[sz]ed/i);
  });

  it('CreateCertificateFromCsr accepts an EC P-256 CSR; a tampered CSR is InvalidRequestException', async () => {
    openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ec.key', '-out', 'ec.csr', '-subj', '/CN=ec-dev');
    const csr = fs.readFileSync(path.join(dir, 'ec.csr'), 'utf8');
    const c = await iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: csr, setAsActive: true }));
    const x = new X509Certificate(c.certificatePem!);
    expect(x.publicKey.asymmetricKeyType).toBe('ec');
    expect(x.subject).toBe('CN=ec-dev');
    await iot.send(new AttachPolicyCommand({ policyName: 'lab1', target: c.certificateArn }));
    const lines = csr.trim().split('\n');
    const body = lines.slice(1, -1).join('');
    const tampered = [lines[0], body.slice(0, 60) + (body[60] === 'A' ? 'B' : 'A') + body.slice(61), lines[lines.length - 1]].join('\n');
    await expect(iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: tampered }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });

  it('JITR: a device that presents the CA with its certificate is refused once and registered PENDING_ACTIVATION; one that presents only its own is refused and not registered', async () => {
    makeCa(dir, 'myca');
    const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
    const wrongCn = makeSigned(dir, 'myca', 'verify-wrong', 'not-the-code');
    const caPem = fs.readFileSync(path.join(dir, 'myca.pem'), 'utf8');
    await expect(iot.send(new RegisterCACertificateCommand({ caCertificate: caPem, verificationCertificate: wrongCn.cert })))
      .rejects.toMatchObject({ name: 'RegistrationCodeValidationException', $metadata: { httpStatusCode: 400 } });
    const verification = makeSigned(dir, 'myca', 'verify', registrationCode!);
    const reg = await iot.send(new RegisterCACertificateCommand({
      caCertificate: caPem, verificationCertificate: verification.cert, setAsActive: true, allowAutoRegistration: true,
    }));
    const watcher = await connect(te.mqttPort, { clientId: 'jitr-watcher' });
    clients.push(watcher);
    await watcher.subscribeAsync(`$aws/events/certificates/registered/${reg.certificateId}`);
    const events: Array<Record<string, unknown>> = [];
    watcher.on('message', (_t, p) => events.push(JSON.parse(p.toString()) as Record<string, unknown>));
    const idOf = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

    // Only its own certificate: AWS refuses the connection and registers nothing.
    const lone = makeSigned(dir, 'myca', 'jitr-lone', 'jitr-lone');
    expect((await tlsConnect(mqtts, { key: lone.key, cert: lone.cert, ca }, { clientId: 'jitr-lone' })).error).toBeDefined();
    await expect(iot.send(new DescribeCertificateCommand({ certificateId: idOf(lone.cert) }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await vi.waitFor(() => expect(te.logs.some((e) => e.message.includes(`${idOf(lone.cert)} is not registered and the device did not present its CA ${reg.certificateId}`))).toBe(true));

    // The device certificate and the CA's in one chain (cat device.pem ca.pem): refused once, registered, announced.
    const devCert = makeSigned(dir, 'myca', 'jitr-dev', 'jitr-dev');
    const chain = { key: devCert.key, cert: devCert.cert + caPem, ca };
    expect((await tlsConnect(mqtts, chain, { clientId: 'jitr-dev' })).error).toBeDefined();
    const id = idOf(devCert.cert);
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatchObject({ certificateId: id, caCertificateId: reg.certificateId, certificateStatus: 'PENDING_ACTIVATION', awsAccountId: '000000000000' });
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: id }))).certificateDescription).toMatchObject({ status: 'PENDING_ACTIVATION', caCertificateId: reg.certificateId });
    // No event was published for the lone certificate: the only one is the chain's.
    expect(events.map((e) => e.certificateId)).toEqual([id]);
    // What the JITR rule's function does: activate and attach a policy; then the device reconnects, with the chain
    // or, now that its certificate is registered, with its own certificate alone.
    await iot.send(new UpdateCertificateCommand({ certificateId: id, newStatus: 'ACTIVE' }));
    await iot.send(new CreatePolicyCommand({ policyName: 'jitr', policyDocument: policyDoc([{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }]) }));
    await iot.send(new AttachPolicyCommand({ policyName: 'jitr', target: `${ACCOUNT}:cert/${id}` }));
    (await connected(chain, 'jitr-dev')).end();
    (await connected({ key: devCert.key, cert: devCert.cert, ca }, 'jitr-dev')).end();
    const listed = await iot.send(new ListCertificatesCommand({}));
    expect(listed.certificates?.some((c) => c.certificateId === id)).toBe(true);
    expect(listed.certificates?.some((c) => c.certificateId === idOf(lone.cert))).toBe(false);
  });

  it("rules see the publisher's certificate id as principal()", async () => {
    const creds = await device('rules', [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }]);
    const res = await fetch(`${te.httpUrl}/rules/principal_probe`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: "SELECT principal() AS p, clientid() AS c FROM 'probe/in'", awsIotSqlVersion: '2016-03-23', ruleDisabled: false,
        actions: [{ republish: { topic: 'probe/out', roleArn: 'arn:aws:iam::000000000000:role/r' } }] }),
    });
    expect(res.status).toBe(200);
    const dev = await connected(creds, 'probe-dev');
    await dev.subscribeAsync('probe/out');
    const out = new Promise<Record<string, unknown>>((r) => dev.once('message', (_t, p) => r(JSON.parse(p.toString()))));
    await dev.publishAsync('probe/in', '{}', { qos: 1 });
    expect(await out).toEqual({ p: creds.id, c: 'probe-dev' });
  });

  it('policies attached to a thing group apply to connections of its things (and of its subgroups)', async () => {
    const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new CreateThingCommand({ thingName: 'grouped-lamp' }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'grouped-lamp', principal: c.certificateArn }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'Building' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'Floor1', parentGroupName: 'Building' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'Floor1', thingName: 'grouped-lamp' }));
    const creds = { key: c.keyPair!.PrivateKey!, cert: c.certificatePem!, ca };
    expect((await tlsConnect(mqtts, creds, { clientId: 'grouped-lamp' })).error).toMatch(/not authori[sz]ed/i); // no policy yet
    await iot.send(new CreatePolicyCommand({ policyName: 'building', policyDocument: policyDoc([
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ACCOUNT}:client/\${iot:Connection.Thing.ThingName}` },
    ]) }));
    await iot.send(new AttachPolicyCommand({ policyName: 'building', target: `${ACCOUNT}:thinggroup/Building` }));
    (await connected(creds, 'grouped-lamp')).end();
    await expect(iot.send(new AttachPolicyCommand({ policyName: 'building', target: `${ACCOUNT}:thinggroup/Nowhere` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('a TLS client without a certificate is refused after the handshake; plaintext on the TLS port only ends that socket', async () => {
    expect((await tlsConnect(mqtts, { ca } as Credentials, { clientId: 'anonymous' })).error).toBeDefined();
    expect(te.logs.some((l) => l.source === 'security' && /no client certificate/.test(l.message))).toBe(true);
    const raw = net.connect(Number(new URL(mqtts).port), '127.0.0.1');
    raw.on('error', () => {});
    raw.write(Buffer.from('101000044d5154540402003c0004746573', 'hex')); // a plain MQTT CONNECT
    await new Promise((r) => raw.once('close', r));
    const creds = await device('after-garbage', [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }]);
    (await connected(creds, 'after-garbage')).end();
  });

  it('MQTT over secure WebSocket with a client certificate', async () => {
    const creds = await device('wss', [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }]);
    const r = await tlsConnect(te.info.endpoints.wss, creds, { clientId: 'wss-1' });
    expect(r.error).toBeUndefined();
    r.client!.end();
  });
});

describe('plain listeners: allow-all (default), enforce, off', () => {
  const engines: Array<{ stop(): Promise<void> }> = [];
  afterAll(async () => {
    for (const e of engines) await e.stop();
  });
  const start = async (plain: 'enforce' | 'off') => {
    const { createEngine } = await import('../../engine/engine.js');
    const { defaultConfig } = await import('../../engine/config.js');
    const dataDir = tempDir('tb-plain-');
    const engine = await createEngine(defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0 }, security: { plain } }));
    engines.push(engine);
    return engine.start();
  };

  it('enforce: a plain CONNECT is refused as not authorized (there is no certificate to authorize)', async () => {
    const info = await start('enforce');
    await expect(connect(Number(new URL(info.endpoints.mqtt).port), { clientId: 'plain' })).rejects.toThrow(/not authori[sz]ed/i);
    expect(info.endpoints.mqtts).toMatch(/^mqtts:/);
  });

  it('off: no plain listeners; TLS still listens', async () => {
    const info = await start('off');
    expect(info.endpoints.mqtt).toBe('off');
    expect(info.endpoints.mqtts).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('certificate validity follows the engine clock', () => {
  let engine: { stop(): Promise<void> } | undefined;
  let dataDir = '';
  afterAll(async () => {
    await engine?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a registered certificate is refused once it has expired', async () => {
    const { createEngine } = await import('../../engine/engine.js');
    const { defaultConfig } = await import('../../engine/config.js');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-expiry-'));
    let offset = 0;
    const logs: string[] = [];
    const e = await createEngine(defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0 } }), {
      clock: { now: () => Date.now() + offset }, logger: { log: (_l, source, message) => source === 'security' && logs.push(message) },
    });
    engine = e;
    const info = await e.start();
    const iot = new IoTClient({ endpoint: info.endpoints.http, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    makeCa(dataDir, 'shortca');
    const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
    const caPem = fs.readFileSync(path.join(dataDir, 'shortca.pem'), 'utf8');
    await iot.send(new RegisterCACertificateCommand({ caCertificate: caPem, verificationCertificate: makeSigned(dataDir, 'shortca', 'v', registrationCode!).cert, setAsActive: true }));
    const dev = makeSigned(dataDir, 'shortca', 'short', 'short', 1);
    const reg = await iot.send(new RegisterCertificateCommand({ certificatePem: dev.cert, caCertificatePem: caPem, setAsActive: true }));
    await iot.send(new CreatePolicyCommand({ policyName: 'all', policyDocument: policyDoc([{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }]) }));
    await iot.send(new AttachPolicyCommand({ policyName: 'all', target: reg.certificateArn }));
    const ca = fs.readFileSync(path.join(dataDir, 'security', 'root-ca.pem'), 'utf8');
    const ok = await tlsConnect(info.endpoints.mqtts, { key: dev.key, cert: dev.cert, ca }, { clientId: 'short' });
    expect(ok.error).toBeUndefined();
    ok.client!.end(true);
    offset = 2 * 86_400_000;
    expect((await tlsConnect(info.endpoints.mqtts, { key: dev.key, cert: dev.cert, ca }, { clientId: 'short' })).error).toBeDefined();
    expect(logs.some((m) => /expired/.test(m))).toBe(true);
  });
});
