/**
 * Provisioning templates through `@aws-sdk/client-iot` and `/usr/bin/aws`: create, describe, list, update, versions
 * (5 at most, the default one undeletable), delete, AWS's errors for bad bodies and names; RegisterThing renders a
 * template into a thing in its groups, a certificate from a CSR, a policy and their attachments, all or nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  IoTClient, CreateProvisioningTemplateCommand, CreateProvisioningTemplateVersionCommand, CreateThingCommand, CreateThingGroupCommand,
  DeleteProvisioningTemplateCommand, DeleteProvisioningTemplateVersionCommand, DescribeCertificateCommand, DescribeProvisioningTemplateCommand,
  DescribeProvisioningTemplateVersionCommand, DescribeThingCommand, GetPolicyCommand, ListAttachedPoliciesCommand, ListCertificatesCommand, ListProvisioningTemplatesCommand,
  ListProvisioningTemplateVersionsCommand, ListThingGroupsForThingCommand, ListThingPrincipalsCommand, ListThingsCommand, ListPoliciesCommand,
  RegisterThingCommand, UpdateProvisioningTemplateCommand,
} from '@aws-sdk/client-iot';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { awsCliMissing, runAwsCli } from '../helpers/aws-cli.js';
import { openssl } from './helpers/tls-client.js';

const ROLE = 'arn:aws:iam::000000000000:role/provisioning';
const body = (resources: object, extra: object = {}) => JSON.stringify({ ...extra, Resources: resources });
const thingTemplate = body({ thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'SerialNumber' } } } }, { Parameters: { SerialNumber: { Type: 'String' } } });

describe('provisioning templates', () => {
  let te: TestEngine;
  let iot: IoTClient;
  let dir: string;

  beforeAll(async () => {
    te = await startTestEngine();
    iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-prov-'));
  });
  afterAll(async () => {
    await te?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('create, describe, list, update and delete a template; versions up to 5 with a default', async () => {
    const created = await iot.send(new CreateProvisioningTemplateCommand({
      templateName: 'fleet-a', templateBody: thingTemplate, provisioningRoleArn: ROLE, description: 'first', enabled: true,
      preProvisioningHook: { targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:hook' },
    }));
    expect(created).toMatchObject({ templateArn: 'arn:aws:iot:us-east-1:000000000000:provisioningtemplate/fleet-a', templateName: 'fleet-a', defaultVersionId: 1 });
    const d = await iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'fleet-a' }));
    expect(d).toMatchObject({
      templateName: 'fleet-a', description: 'first', enabled: true, defaultVersionId: 1, templateBody: thingTemplate, provisioningRoleArn: ROLE,
      type: 'FLEET_PROVISIONING', preProvisioningHook: { targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:hook', payloadVersion: '2020-04-01' },
    });
    expect(d.creationDate).toBeInstanceOf(Date);

    await expect(iot.send(new CreateProvisioningTemplateCommand({ templateName: 'fleet-a', templateBody: thingTemplate, provisioningRoleArn: ROLE })))
      .rejects.toMatchObject({ name: 'ResourceAlreadyExistsException', $metadata: { httpStatusCode: 409 } });

    // Versions: 2 (default), 3, 4, 5; a sixth is VersionsLimitExceededException.
    const body2 = body({ thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'fixed' } } });
    const v2 = await iot.send(new CreateProvisioningTemplateVersionCommand({ templateName: 'fleet-a', templateBody: body2, setAsDefault: true }));
    expect(v2).toMatchObject({ templateName: 'fleet-a', versionId: 2, isDefaultVersion: true });
    for (const n of [3, 4, 5]) expect((await iot.send(new CreateProvisioningTemplateVersionCommand({ templateName: 'fleet-a', templateBody: body2 }))).versionId).toBe(n);
    await expect(iot.send(new CreateProvisioningTemplateVersionCommand({ templateName: 'fleet-a', templateBody: body2 })))
      .rejects.toMatchObject({ name: 'VersionsLimitExceededException', $metadata: { httpStatusCode: 409 } });
    expect((await iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'fleet-a' }))).templateBody).toBe(body2);
    const listed = await iot.send(new ListProvisioningTemplateVersionsCommand({ templateName: 'fleet-a' }));
    expect(listed.versions?.map((v) => [v.versionId, v.isDefaultVersion])).toEqual([[1, false], [2, true], [3, false], [4, false], [5, false]]);
    expect(await iot.send(new DescribeProvisioningTemplateVersionCommand({ templateName: 'fleet-a', versionId: 1 }))).toMatchObject({ versionId: 1, templateBody: thingTemplate, isDefaultVersion: false });

    // The default version cannot be deleted; another can, and then a new version fits.
    await expect(iot.send(new DeleteProvisioningTemplateVersionCommand({ templateName: 'fleet-a', versionId: 2 })))
      .rejects.toMatchObject({ name: 'DeleteConflictException' });
    await iot.send(new DeleteProvisioningTemplateVersionCommand({ templateName: 'fleet-a', versionId: 3 }));
    expect((await iot.send(new CreateProvisioningTemplateVersionCommand({ templateName: 'fleet-a', templateBody: body2 }))).versionId).toBe(6);
    await expect(iot.send(new DescribeProvisioningTemplateVersionCommand({ templateName: 'fleet-a', versionId: 3 }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    // Update: default version back to 1, disabled, hook removed.
    await iot.send(new UpdateProvisioningTemplateCommand({ templateName: 'fleet-a', defaultVersionId: 1, enabled: false, removePreProvisioningHook: true, description: 'second' }));
    const u = await iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'fleet-a' }));
    expect(u).toMatchObject({ defaultVersionId: 1, enabled: false, description: 'second', templateBody: thingTemplate });
    expect(u.preProvisioningHook).toBeUndefined();
    await expect(iot.send(new UpdateProvisioningTemplateCommand({ templateName: 'fleet-a', defaultVersionId: 9 }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'jitp-a', templateBody: thingTemplate, provisioningRoleArn: ROLE, type: 'JITP' }));
    const all = await iot.send(new ListProvisioningTemplatesCommand({ maxResults: 1 }));
    expect(all.templates?.map((t) => t.templateName)).toEqual(['fleet-a']);
    const rest = await iot.send(new ListProvisioningTemplatesCommand({ maxResults: 1, nextToken: all.nextToken }));
    expect(rest.templates).toEqual([expect.objectContaining({ templateName: 'jitp-a', type: 'JITP', enabled: false })]);
    expect(rest.nextToken).toBeUndefined();

    await iot.send(new DeleteProvisioningTemplateCommand({ templateName: 'fleet-a' }));
    await expect(iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'fleet-a' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    await expect(iot.send(new DeleteProvisioningTemplateCommand({ templateName: 'fleet-a' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it.each([
    ['{not json', 'The template body is not valid JSON'],
    [body({ b: { Type: 'AWS::S3::Bucket' } }), 'unsupported Type'],
    [body({ t: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'Missing' } } } }), 'Ref to an undeclared parameter'],
    [body({ t: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::GetAtt': ['x', 'y'] } } } }), 'unsupported function Fn::GetAtt'],
  ])('refuses a template that does not parse: %s', async (templateBody, message) => {
    const e = await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'bad', templateBody, provisioningRoleArn: ROLE })).catch((err: Error) => err);
    expect(e).toMatchObject({ name: 'InvalidRequestException', $metadata: { httpStatusCode: 400 } });
    expect((e as Error).message).toContain(message);
  });

  it('refuses bad names, roles and hooks with AWS validation errors', async () => {
    await expect(iot.send(new CreateProvisioningTemplateCommand({ templateName: 'has space', templateBody: thingTemplate, provisioningRoleArn: ROLE })))
      .rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new CreateProvisioningTemplateCommand({ templateName: 'norole', templateBody: thingTemplate, provisioningRoleArn: 'not-an-arn' })))
      .rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new CreateProvisioningTemplateCommand({
      templateName: 'jitp-hook', templateBody: thingTemplate, provisioningRoleArn: ROLE, type: 'JITP', preProvisioningHook: { targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:hook' },
    }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });

  it('RegisterThing: a thing in its groups, a certificate from a CSR, a policy, attachments', async () => {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'v1-lightbulbs' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'WA' }));
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'bulb.key', '-out', 'bulb.csr', '-subj', '/CN=bulb-1');
    const csr = fs.readFileSync(path.join(dir, 'bulb.csr'), 'utf8');
    const policyDocument = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iot:Publish'], Resource: ['arn:aws:iot:us-east-1:000000000000:topic/foo/bar'] }] });
    const templateBody = JSON.stringify({
      Parameters: { ThingName: { Type: 'String' }, SerialNumber: { Type: 'String' }, Location: { Type: 'String', Default: 'WA' }, CSR: { Type: 'String' } },
      Resources: {
        thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'ThingName' }, AttributePayload: { version: 'v1', serialNumber: { Ref: 'SerialNumber' } }, ThingGroups: ['v1-lightbulbs', { Ref: 'Location' }] } },
        certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateSigningRequest: { Ref: 'CSR' }, Status: 'ACTIVE' } },
        policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: policyDocument } },
      },
    });
    const r = await iot.send(new RegisterThingCommand({ templateBody, parameters: { ThingName: 'bulb-1', SerialNumber: '123', CSR: csr } }));
    expect(r.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(r.resourceArns).toMatchObject({ thing: 'arn:aws:iot:us-east-1:000000000000:thing/bulb-1', certificate: expect.stringMatching(/:cert\/[0-9a-f]{64}$/), policy: expect.stringMatching(/:policy\/[0-9a-f]{64}$/) });
    const certId = r.resourceArns!.certificate.split('/')[1];
    const policyName = r.resourceArns!.policy.split('/')[1];
    expect((await iot.send(new DescribeThingCommand({ thingName: 'bulb-1' }))).attributes).toEqual({ version: 'v1', serialNumber: '123' });
    expect((await iot.send(new ListThingGroupsForThingCommand({ thingName: 'bulb-1' }))).thingGroups?.map((g) => g.groupName).sort()).toEqual(['WA', 'v1-lightbulbs']);
    expect((await iot.send(new ListThingPrincipalsCommand({ thingName: 'bulb-1' }))).principals).toEqual([r.resourceArns!.certificate]);
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: certId }))).certificateDescription?.status).toBe('ACTIVE');
    expect((await iot.send(new ListAttachedPoliciesCommand({ target: r.resourceArns!.certificate }))).policies?.map((p) => p.policyName)).toEqual([policyName]);
    expect(JSON.parse((await iot.send(new GetPolicyCommand({ policyName }))).policyDocument!)).toEqual(JSON.parse(policyDocument));
  });

  it('RegisterThing on an existing thing follows OverrideSettings; FAIL is ResourceRegistrationFailureException', async () => {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'old-group' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'new-group' }));
    await iot.send(new CreateThingCommand({ thingName: 'existing', attributePayload: { attributes: { a: '1', b: '2' } } }));
    await iot.send(new RegisterThingCommand({ templateBody: body({ t: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'existing', ThingGroups: ['old-group'] }, OverrideSettings: { ThingGroups: 'MERGE' } } }) }));
    const template = (o: object) => body({ t: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'existing', AttributePayload: { b: '3', c: '4' }, ThingGroups: ['new-group'] }, OverrideSettings: o } });
    await iot.send(new RegisterThingCommand({ templateBody: template({}) })); // DO_NOTHING by default
    expect((await iot.send(new DescribeThingCommand({ thingName: 'existing' }))).attributes).toEqual({ a: '1', b: '2' });
    await iot.send(new RegisterThingCommand({ templateBody: template({ AttributePayload: 'MERGE', ThingGroups: 'REPLACE' }) }));
    expect((await iot.send(new DescribeThingCommand({ thingName: 'existing' }))).attributes).toEqual({ a: '1', b: '3', c: '4' });
    expect((await iot.send(new ListThingGroupsForThingCommand({ thingName: 'existing' }))).thingGroups?.map((g) => g.groupName)).toEqual(['new-group']);
    await iot.send(new RegisterThingCommand({ templateBody: template({ AttributePayload: 'REPLACE' }) }));
    expect((await iot.send(new DescribeThingCommand({ thingName: 'existing' }))).attributes).toEqual({ b: '3', c: '4' });
    const failed = template({ ThingGroups: 'FAIL' }).replace('new-group', 'old-group');
    await expect(iot.send(new RegisterThingCommand({ templateBody: failed }))).rejects.toMatchObject({ name: 'ResourceRegistrationFailureException', $metadata: { httpStatusCode: 400 } });
  });

  it('RegisterThing is all or nothing: a missing group undoes the certificate and policy it had created', async () => {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'undo.key', '-out', 'undo.csr', '-subj', '/CN=undo');
    const csr = fs.readFileSync(path.join(dir, 'undo.csr'), 'utf8');
    const policiesBefore = (await iot.send(new ListPoliciesCommand({}))).policies?.length ?? 0;
    const certificatesBefore = (await iot.send(new ListCertificatesCommand({}))).certificates?.length ?? 0;
    const templateBody = body({
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateSigningRequest: { Ref: 'CSR' } } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'undo-policy', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] }) } },
      thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'undo-thing', ThingGroups: ['no-such-group'] } },
    }, { Parameters: { CSR: { Type: 'String' } } });
    await expect(iot.send(new RegisterThingCommand({ templateBody, parameters: { CSR: csr } }))).rejects.toMatchObject({ name: 'ResourceRegistrationFailureException' });
    expect((await iot.send(new ListPoliciesCommand({}))).policies?.length ?? 0).toBe(policiesBefore);
    expect((await iot.send(new ListCertificatesCommand({}))).certificates?.length ?? 0).toBe(certificatesBefore);
    expect((await iot.send(new ListThingsCommand({}))).things?.some((t) => t.thingName === 'undo-thing')).toBe(false);
    await expect(iot.send(new RegisterThingCommand({ templateBody: thingTemplate, parameters: {} }))).rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('Parameter SerialNumber is not provided') });
  });

  it('RegisterThing registers a certificate PEM; pseudo parameters; a policy name taken by another document is refused', async () => {
    openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'own.key', '-out', 'own.pem', '-days', '5', '-subj', '/CN=own');
    const pem = fs.readFileSync(path.join(dir, 'own.pem'), 'utf8');
    const templateBody = body({
      thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::Sub': 'own-${AWS::Region}' } } },
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificatePem: { Ref: 'Pem' }, Status: 'INACTIVE' } },
    }, { Parameters: { Pem: { Type: 'String' } } });
    // A self-signed certificate that no registered CA signed: RegisterCertificate's CertificateValidationException, nothing left behind.
    await expect(iot.send(new RegisterThingCommand({ templateBody, parameters: { Pem: pem } }))).rejects.toMatchObject({ name: 'CertificateValidationException' });
    expect((await iot.send(new ListThingsCommand({}))).things?.some((t) => t.thingName === 'own-us-east-1')).toBe(false);
    // One the local root CA signed: registered from its PEM, INACTIVE as the template says, attached to the thing.
    const sec = path.join(te.dataDir, 'security');
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'own2.key', '-out', 'own2.csr', '-subj', '/CN=own2');
    openssl(dir, 'x509', '-req', '-in', 'own2.csr', '-CA', path.join(sec, 'root-ca.pem'), '-CAkey', path.join(sec, 'root-ca.key'), '-CAcreateserial', '-out', 'own2.pem', '-days', '5');
    const registered = await iot.send(new RegisterThingCommand({ templateBody, parameters: { Pem: fs.readFileSync(path.join(dir, 'own2.pem'), 'utf8') } }));
    expect(registered.resourceArns?.thing).toBe('arn:aws:iot:us-east-1:000000000000:thing/own-us-east-1');
    const id = registered.resourceArns!.certificate.split('/')[1];
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: id }))).certificateDescription?.status).toBe('INACTIVE');
    expect((await iot.send(new ListThingPrincipalsCommand({ thingName: 'own-us-east-1' }))).principals).toEqual([registered.resourceArns!.certificate]);

    const policy = (doc: object) => body({ p: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'shared-name', PolicyDocument: JSON.stringify(doc) } } });
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] };
    await iot.send(new RegisterThingCommand({ templateBody: policy(doc) }));
    await iot.send(new RegisterThingCommand({ templateBody: policy(doc) })); // the same document: reused
    await expect(iot.send(new RegisterThingCommand({ templateBody: policy({ ...doc, Statement: [] }) })))
      .rejects.toMatchObject({ name: 'ResourceRegistrationFailureException', message: 'Policy shared-name already exists with a different document' });
  });

  it('templates and their versions are kept across a restart', async () => {
    await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'kept', templateBody: thingTemplate, provisioningRoleArn: ROLE, enabled: true }));
    await iot.send(new CreateProvisioningTemplateVersionCommand({ templateName: 'kept', templateBody: thingTemplate, setAsDefault: true }));
    await te.stop();
    te = await te.restart();
    iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    expect(await iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'kept' }))).toMatchObject({ enabled: true, defaultVersionId: 2, templateBody: thingTemplate });
    expect((await iot.send(new ListProvisioningTemplateVersionsCommand({ templateName: 'kept' }))).versions?.map((v) => v.versionId)).toEqual([1, 2]);
    expect((await iot.send(new CreateProvisioningTemplateVersionCommand({ templateName: 'kept', templateBody: thingTemplate }))).versionId).toBe(3);
  });

  it.skipIf(awsCliMissing)('aws iot create-provisioning-template, describe, list, update and register-thing with /usr/bin/aws', async () => {
    const file = path.join(dir, 'template.json');
    fs.writeFileSync(file, thingTemplate);
    const created = await runAwsCli(['iot', 'create-provisioning-template', '--template-name', 'cli-template', '--provisioning-role-arn', ROLE,
      '--template-body', `file://${file}`, '--enabled', '--type', 'FLEET_PROVISIONING'], { endpoint: te.httpUrl });
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toEqual({ templateArn: 'arn:aws:iot:us-east-1:000000000000:provisioningtemplate/cli-template', templateName: 'cli-template', defaultVersionId: 1 });
    const described = await runAwsCli(['iot', 'describe-provisioning-template', '--template-name', 'cli-template'], { endpoint: te.httpUrl });
    expect(JSON.parse(described.stdout)).toMatchObject({ templateName: 'cli-template', enabled: true, templateBody: thingTemplate, type: 'FLEET_PROVISIONING' });
    const version = await runAwsCli(['iot', 'create-provisioning-template-version', '--template-name', 'cli-template', '--template-body', `file://${file}`, '--set-as-default'], { endpoint: te.httpUrl });
    expect(JSON.parse(version.stdout)).toMatchObject({ versionId: 2, isDefaultVersion: true });
    const listed = await runAwsCli(['iot', 'list-provisioning-templates'], { endpoint: te.httpUrl });
    expect((JSON.parse(listed.stdout) as { templates: Array<{ templateName: string }> }).templates.map((t) => t.templateName)).toContain('cli-template');
    const disabled = await runAwsCli(['iot', 'update-provisioning-template', '--template-name', 'cli-template', '--default-version-id', '1', '--no-enabled'], { endpoint: te.httpUrl });
    expect(disabled.code).toBe(0);
    expect(await iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'cli-template' }))).toMatchObject({ enabled: false, defaultVersionId: 1 });
    const registered = await runAwsCli(['iot', 'register-thing', '--template-body', `file://${file}`, '--parameters', '{"SerialNumber":"cli-sn-1"}'], { endpoint: te.httpUrl });
    expect(registered.stderr).toBe('');
    expect(JSON.parse(registered.stdout)).toEqual({ resourceArns: { thing: 'arn:aws:iot:us-east-1:000000000000:thing/cli-sn-1' } });
    const missing = await runAwsCli(['iot', 'describe-provisioning-template', '--template-name', 'nope'], { endpoint: te.httpUrl });
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  }, 120_000); // seven CLI runs (Python start-up each) on a busy machine
});
