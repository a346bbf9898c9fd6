/**
 * The contract's thing types, thing groups and memberships, policy versions, CA certificates (with JITR settings)
 * and the `registry.changed` event, over the browser-mode `/rpc` WebSocket on a real engine, checked against what the
 * AWS SDK sees through the engine's IoT API (and the other way round for the event).
 */
import {
  CreateThingCommand, DescribeCACertificateCommand, DescribeThingGroupCommand, DescribeThingTypeCommand, GetPolicyVersionCommand, IoTClient,
  ListThingsInThingGroupCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcError, type RegistryChanged, type ThingbenchClient } from '../../engine/contract/index.js';
import { makeCertificate } from '../../engine/scenarios/steps/certificate.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';

let te: TestEngine;
let contract: OpenContract;
let api: ThingbenchClient;
let iot: IoTClient;
const changes: RegistryChanged[] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  contract = await openContract(te);
  api = contract.api;
  api.on('registry.changed', (e) => changes.push(e));
  iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});

afterAll(async () => {
  iot?.destroy();
  await contract?.close();
  await te?.stop();
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof RpcError ? { code: e.code, message: e.message } : e));

/** Waits for a `registry.changed` event naming `kind` that arrives after this call. */
function nextChange(kind: RegistryChanged['kinds'][number]): Promise<RegistryChanged> {
  const from = changes.length;
  return new Promise((resolve) => {
    const sub = api.on('registry.changed', () => {
      const found = changes.slice(from).find((c) => c.kinds.includes(kind));
      if (found) {
        sub.dispose();
        resolve(found);
      }
    });
  });
}

describe('thing types, groups and memberships through the contract', () => {
  it('creates a thing type and a group tree, adds and removes a thing, as the IoT API sees them', async () => {
    const type = await api.registry.createThingType('lamp', { description: 'Ceiling lamps', searchableAttributes: ['floor'] });
    expect(type).toMatchObject({ name: 'lamp', description: 'Ceiling lamps', searchableAttributes: ['floor'], deprecated: false });
    expect((await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'lamp' }))).thingTypeProperties).toMatchObject({ thingTypeDescription: 'Ceiling lamps', searchableAttributes: ['floor'] });

    const building = await api.registry.createGroup('building', { description: 'HQ' });
    const floor = await api.registry.createGroup('floor-1', { parent: 'building', attributes: { level: '1' } });
    expect(building).toMatchObject({ name: 'building', parent: null, description: 'HQ' });
    expect(floor).toMatchObject({ name: 'floor-1', parent: 'building', rootToParent: ['building'], attributes: { level: '1' } });
    expect((await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'floor-1' }))).thingGroupMetadata?.parentGroupName).toBe('building');
    expect(await failure(api.registry.createGroup('orphan', { parent: 'nowhere' }))).toMatchObject({ code: 'NotFound' });

    await api.registry.createThing('lamp-1', { type: 'lamp', attributes: { floor: '1' } });
    await api.registry.addThingToGroup('floor-1', 'lamp-1');
    expect((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'floor-1' }))).things).toEqual(['lamp-1']);
    expect(await api.registry.groupThings('building', true)).toEqual(['lamp-1']);
    await api.registry.removeThingFromGroup('floor-1', 'lamp-1');
    expect(await api.registry.groupThings('floor-1')).toEqual([]);
    expect(await failure(api.registry.addThingToGroup('floor-1', 'no-such-thing'))).toMatchObject({ code: 'NotFound' });
  });

  it('refuses malformed input at the edge', async () => {
    expect(await failure((api.registry.createGroup as (...a: unknown[]) => Promise<unknown>)('g', { parent: 7 })))
      .toEqual({ code: 'InvalidInput', message: 'registry.createGroup: argument 2 field "parent" must be a string' });
    expect(await failure((api.registry.createThingType as (...a: unknown[]) => Promise<unknown>)('t', { searchableAttributes: 'floor' })))
      .toEqual({ code: 'InvalidInput', message: 'registry.createThingType: argument 2 field "searchableAttributes" must be a list of strings' });
  });
});

describe('policy versions through the contract', () => {
  const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

  it('lists versions newest first, sets the default, deletes a non-default one, and keeps AWS\'s limit of 5', async () => {
    await api.security.putPolicy('lamps', doc('iot:Connect'));
    for (const action of ['iot:Publish', 'iot:Subscribe', 'iot:Receive', 'iot:*']) await api.security.putPolicy('lamps', doc(action));
    const versions = await api.security.policyVersions('lamps');
    expect(versions.map((v) => [v.versionId, v.isDefault])).toEqual([['5', true], ['4', false], ['3', false], ['2', false], ['1', false]]);
    expect(JSON.parse(versions[4].document).Statement[0].Action).toBe('iot:Connect');

    const sixth = await failure(api.security.putPolicy('lamps', doc('iot:Connect')));
    expect(sixth).toEqual({ code: 'Conflict', message: 'Policy lamps already has 5 versions; delete one first' });

    await api.security.setDefaultPolicyVersion('lamps', '2');
    expect((await iot.send(new GetPolicyVersionCommand({ policyName: 'lamps', policyVersionId: '2' }))).isDefaultVersion).toBe(true);
    expect((await api.security.policies()).find((p) => p.name === 'lamps')?.defaultVersion).toBe('2');
    expect(await failure(api.security.deletePolicyVersion('lamps', '2'))).toEqual({ code: 'Conflict', message: 'The default version of a policy cannot be deleted' });
    await api.security.deletePolicyVersion('lamps', '5');
    expect((await api.security.policyVersions('lamps')).map((v) => v.versionId)).toEqual(['4', '3', '2', '1']);
    expect(await failure(api.security.setDefaultPolicyVersion('lamps', '5'))).toEqual({ code: 'NotFound', message: 'Version 5 of policy lamps does not exist' });
    expect(await failure(api.security.policyVersions('nope'))).toMatchObject({ code: 'NotFound' });
  });
});

describe('CA certificates through the contract', () => {
  it('registers a CA with its verification certificate, turns JITR on with a template, deactivates and deletes it', async () => {
    const ca = makeCertificate({ name: 'ca', subject: { CN: 'Workshop CA', O: 'Thingbench' }, ca: true, key: 'ec' });
    const code = await api.security.registrationCode();
    expect(code).toMatch(/^[0-9a-f]{64}$/);
    const wrong = makeCertificate({ name: 'v', subject: { CN: 'not the code' }, key: 'ec' }, ca);
    expect(await failure(api.security.registerCaCertificate({ caCertificatePem: ca.certificatePem, verificationCertificatePem: wrong.certificatePem })))
      .toEqual({ code: 'InvalidInput', message: 'The verification certificate\'s common name is not the registration code (GetRegistrationCode)' });
    expect(await failure(api.security.registerCaCertificate({ caCertificatePem: ca.certificatePem })))
      .toEqual({ code: 'InvalidInput', message: 'verificationCertificate is required in DEFAULT certificate mode' });

    const verification = makeCertificate({ name: 'v', subject: { CN: code }, key: 'ec' }, ca);
    const registered = await api.security.registerCaCertificate({ caCertificatePem: ca.certificatePem, verificationCertificatePem: verification.certificatePem, setAsActive: true });
    expect(registered).toMatchObject({ status: 'ACTIVE', autoRegistration: 'DISABLE', registrationConfig: null, subject: 'CN=Workshop CA, O=Thingbench', certificates: 0 });
    expect(registered.arn).toBe(`arn:aws:iot:us-east-1:000000000000:cacert/${registered.id}`);
    expect(await failure(api.security.registerCaCertificate({ caCertificatePem: ca.certificatePem, certificateMode: 'SNI_ONLY' })))
      .toEqual({ code: 'AlreadyExists', message: `The CA certificate ${registered.id} is already registered` });

    const registrationConfig = { templateBody: '{"Resources":{}}', roleArn: 'arn:aws:iam::123456789012:role/JITP' };
    await api.security.updateCaCertificate(registered.id, { autoRegistration: 'ENABLE', registrationConfig });
    expect(await api.security.caCertificates()).toEqual([expect.objectContaining({ id: registered.id, autoRegistration: 'ENABLE', registrationConfig })]);
    const described = await iot.send(new DescribeCACertificateCommand({ certificateId: registered.id }));
    expect(described.certificateDescription).toMatchObject({ status: 'ACTIVE', autoRegistrationStatus: 'ENABLE' });
    expect(described.registrationConfig).toEqual(registrationConfig);

    expect(await failure(api.security.deleteCaCertificate(registered.id))).toEqual({ code: 'Conflict', message: 'The CA certificate must be deactivated (INACTIVE) before deletion.' });
    await api.security.updateCaCertificate(registered.id, { status: 'INACTIVE' });
    expect((await api.security.caCertificates())[0]).toMatchObject({ status: 'INACTIVE', autoRegistration: 'ENABLE' });
    await api.security.deleteCaCertificate(registered.id);
    expect(await api.security.caCertificates()).toEqual([]);
  });

  it('a CA without a verification certificate registers in SNI_ONLY mode; a non-CA certificate is refused', async () => {
    const ca = makeCertificate({ name: 'ca', subject: { CN: 'SNI CA' }, ca: true, key: 'ec' });
    const made = await api.security.registerCaCertificate({ caCertificatePem: ca.certificatePem, certificateMode: 'SNI_ONLY', allowAutoRegistration: true });
    expect(made).toMatchObject({ status: 'INACTIVE', autoRegistration: 'ENABLE' });
    const leaf = makeCertificate({ name: 'leaf', subject: { CN: 'leaf' }, key: 'ec' }, ca);
    expect(await failure(api.security.registerCaCertificate({ caCertificatePem: leaf.certificatePem, certificateMode: 'SNI_ONLY' })))
      .toMatchObject({ code: 'InvalidInput', message: expect.stringContaining('not a CA certificate') });
    await api.security.deleteCaCertificate(made.id);
  });
});

describe('fleet-search field names', () => {
  it('lists the thing fields, every attribute name and the classic shadows\' paths, each usable in a query', async () => {
    await api.registry.createThing('boiler', { attributes: { site: 'basement' } });
    await api.shadow.update('boiler', { state: { reported: { temp: 61, pump: { rpm: 1200 } }, desired: { target: 60 } } });
    const fields = await api.registry.searchFields();
    expect(fields).toEqual(expect.arrayContaining([
      'thingName', 'thingTypeName', 'thingGroupNames', 'connectivity.connected', 'attributes.floor', 'attributes.site',
      'shadow.reported.temp', 'shadow.reported.pump.rpm', 'shadow.desired.target',
    ]));
    expect(new Set(fields).size).toBe(fields.length);
    expect((await api.registry.search('shadow.reported.pump.rpm:[1000 TO 2000]')).items.map((t) => t.name)).toEqual(['boiler']);
  });
});

describe('registry.changed', () => {
  it('announces changes made through the AWS API and the contract, by kind', async () => {
    const thing = nextChange('thing');
    await iot.send(new CreateThingCommand({ thingName: 'made-by-sdk' }));
    expect((await thing).kinds).toContain('thing');

    const policy = nextChange('policy');
    await api.security.putPolicy('watched', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] }));
    expect((await policy).kinds).toContain('policy');

    const certificate = nextChange('certificate');
    await api.security.createCertificate(false);
    expect((await certificate).kinds).toContain('certificate');

    const membership = nextChange('groupMembership');
    await api.registry.createGroup('watched-group');
    await api.registry.addThingToGroup('watched-group', 'made-by-sdk');
    expect((await membership).kinds).toContain('groupMembership');
  });
});
