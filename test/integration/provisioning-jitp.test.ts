/**
 * Just-in-time provisioning with a CA made by openssl: the CA is registered with a provisioning template (its body,
 * or the name of a JITP template); a device's first mutual-TLS connection with a certificate that CA signed is
 * refused while the template runs (thing from the certificate's subject, certificate ACTIVE, policy attached), and
 * its next connection is accepted and may publish. A template that cannot render leaves the certificate
 * PENDING_ACTIVATION and says why in the log, and
 * the template runs again on its next connection.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { X509Certificate, createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  IoTClient, CreateProvisioningTemplateCommand, CreateThingTypeCommand, DescribeCertificateCommand, DescribeThingCommand, GetRegistrationCodeCommand,
  ListAttachedPoliciesCommand, ListThingPrincipalsCommand, RegisterCACertificateCommand, UpdateCACertificateCommand,
} from '@aws-sdk/client-iot';
import type { MqttClient } from 'mqtt';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { makeCa, makeSigned, openssl, tlsConnect } from './helpers/tls-client.js';

const ROLE = 'arn:aws:iam::000000000000:role/JITPRole';
const policyDocument = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:000000000000:client/${iot:Connection.Thing.ThingName}' },
    { Effect: 'Allow', Action: 'iot:Publish', Resource: 'arn:aws:iot:us-east-1:000000000000:topic/telemetry/${iot:Connection.Thing.ThingName}' },
  ],
});
/** The developer guide's JITP template shape: the thing named after the certificate's CN, its country as an attribute. */
const jitpTemplate = JSON.stringify({
  Parameters: {
    'AWS::IoT::Certificate::CommonName': { Type: 'String' },
    'AWS::IoT::Certificate::Country': { Type: 'String' },
    'AWS::IoT::Certificate::Id': { Type: 'String' },
  },
  Resources: {
    thing: {
      Type: 'AWS::IoT::Thing',
      Properties: { ThingName: { Ref: 'AWS::IoT::Certificate::CommonName' }, AttributePayload: { version: 'v1', country: { Ref: 'AWS::IoT::Certificate::Country' } }, ThingTypeName: 'lightBulb-versionA' },
    },
    certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
    policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: policyDocument } },
  },
});

describe('just-in-time provisioning', () => {
  let te: TestEngine;
  let iot: IoTClient;
  let dir: string;
  let rootCa: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    te = await startTestEngine();
    iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-jitp-'));
    rootCa = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8');
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'lightBulb-versionA' }));
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await te?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Registers an openssl CA (active, auto-registration on) with this registration config. */
  async function registerCa(name: string, registrationConfig: { templateBody?: string; templateName?: string; roleArn: string }): Promise<string> {
    const ca = makeCa(dir, name);
    const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
    const verification = makeSigned(dir, name, `${name}-verify`, registrationCode!);
    const reg = await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.cert, verificationCertificate: verification.cert, setAsActive: true, allowAutoRegistration: true, registrationConfig }));
    return reg.certificateId!;
  }

  /** A device key and certificate signed by CA `ca` with this subject. */
  function device(ca: string, name: string, subject: string): { key: string; cert: string; id: string } {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '30');
    const cert = fs.readFileSync(path.join(dir, `${name}.pem`), 'utf8');
    return { key: fs.readFileSync(path.join(dir, `${name}.key`), 'utf8'), cert, id: createHash('sha256').update(new X509Certificate(cert).raw).digest('hex') };
  }

  it('templateBody: the first connection provisions the thing, certificate and policy and is refused; the next one connects and publishes', async () => {
    const caId = await registerCa('jitp-ca', { templateBody: jitpTemplate, roleArn: ROLE });
    const dev = device('jitp-ca', 'sensor-42', '/C=US/O=Acme/CN=sensor-42');

    // First connection: only the device's own certificate (JITP does not need the CA in the chain). Refused, provisioned.
    expect((await tlsConnect(te.info.endpoints.mqtts!, { key: dev.key, cert: dev.cert, ca: rootCa }, { clientId: 'sensor-42' })).error).toBeDefined();
    const thing = await iot.send(new DescribeThingCommand({ thingName: 'sensor-42' }));
    expect(thing).toMatchObject({ thingName: 'sensor-42', thingTypeName: 'lightBulb-versionA', attributes: { version: 'v1', country: 'US' } });
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: dev.id }))).certificateDescription).toMatchObject({ status: 'ACTIVE', caCertificateId: caId });
    const certArn = `arn:aws:iot:us-east-1:000000000000:cert/${dev.id}`;
    expect((await iot.send(new ListThingPrincipalsCommand({ thingName: 'sensor-42' }))).principals).toEqual([certArn]);
    expect((await iot.send(new ListAttachedPoliciesCommand({ target: certArn }))).policies?.map((p) => p.policyName)).toEqual([createHash('sha256').update(policyDocument).digest('hex')]);
    expect(te.logs.some((l) => l.message.includes(`certificate ${dev.id} provisioned by the template of CA ${caId}`))).toBe(true);

    // Second connection: accepted; the policy's thing-name variables hold, so it may publish its telemetry.
    const watcher = await connect(te.mqttPort, { clientId: 'jitp-watcher' });
    clients.push(watcher);
    await watcher.subscribeAsync('telemetry/#');
    const second = await tlsConnect(te.info.endpoints.mqtts!, { key: dev.key, cert: dev.cert, ca: rootCa }, { clientId: 'sensor-42' });
    expect(second.error).toBeUndefined();
    clients.push(second.client!);
    const got = new Promise<[string, Buffer]>((resolve) => watcher.once('message', (t, p) => resolve([t, p])));
    await second.client!.publishAsync('telemetry/sensor-42', '{"temp":21}', { qos: 1 });
    const [topic, payload] = await got;
    expect([topic, payload.toString()]).toEqual(['telemetry/sensor-42', '{"temp":21}']);
  });

  it('a registrationConfig whose template does not parse is InvalidRequestException', async () => {
    const ca = makeCa(dir, 'bad-template-ca');
    const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
    const verification = makeSigned(dir, 'bad-template-ca', 'bad-template-verify', registrationCode!);
    const e = await iot.send(new RegisterCACertificateCommand({
      caCertificate: ca.cert, verificationCertificate: verification.cert, setAsActive: true, allowAutoRegistration: true,
      registrationConfig: { templateBody: '{"Resources":{"x":{"Type":"AWS::EC2::Instance"}}}', roleArn: ROLE },
    })).catch((err: Error) => err);
    expect(e).toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('unsupported Type "AWS::EC2::Instance"') });
  });

  it('templateName of a JITP template; a certificate without a field the template needs stays PENDING_ACTIVATION', async () => {
    await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'jitp-by-name', templateBody: jitpTemplate, provisioningRoleArn: ROLE, type: 'JITP' }));
    const caId = await registerCa('jitp-named-ca', { templateName: 'jitp-by-name', roleArn: ROLE });

    const dev = device('jitp-named-ca', 'lamp-7', '/C=FR/CN=lamp-7');
    expect((await tlsConnect(te.info.endpoints.mqtts!, { key: dev.key, cert: dev.cert, ca: rootCa }, { clientId: 'lamp-7' })).error).toBeDefined();
    expect((await iot.send(new DescribeThingCommand({ thingName: 'lamp-7' }))).attributes).toEqual({ version: 'v1', country: 'FR' });
    const ok = await tlsConnect(te.info.endpoints.mqtts!, { key: dev.key, cert: dev.cert, ca: rootCa }, { clientId: 'lamp-7' });
    expect(ok.error).toBeUndefined();
    clients.push(ok.client!);

    // No country in the subject: the template cannot render; nothing is created, the certificate waits.
    const bare = device('jitp-named-ca', 'bare', '/CN=bare-1');
    expect((await tlsConnect(te.info.endpoints.mqtts!, { key: bare.key, cert: bare.cert, ca: rootCa }, { clientId: 'bare-1' })).error).toBeDefined();
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: bare.id }))).certificateDescription).toMatchObject({ status: 'PENDING_ACTIVATION', caCertificateId: caId });
    await expect(iot.send(new DescribeThingCommand({ thingName: 'bare-1' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await vi.waitFor(() => expect(te.logs.some((l) => l.message.includes(`just-in-time provisioning of certificate ${bare.id}`) && l.message.includes('Parameter AWS::IoT::Certificate::Country is not provided'))).toBe(true));

    // The CA's template is fixed (a default country): the waiting certificate's next connection provisions it.
    await iot.send(new UpdateCACertificateCommand({ certificateId: caId, registrationConfig: { templateBody: jitpTemplate.replace('Country":{"Type":"String"}', 'Country":{"Type":"String","Default":"ZZ"}'), roleArn: ROLE } }));
    expect((await tlsConnect(te.info.endpoints.mqtts!, { key: bare.key, cert: bare.cert, ca: rootCa }, { clientId: 'bare-1' })).error).toBeDefined();
    expect((await iot.send(new DescribeThingCommand({ thingName: 'bare-1' }))).attributes).toEqual({ version: 'v1', country: 'ZZ' });
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: bare.id }))).certificateDescription?.status).toBe('ACTIVE');
  });
});
