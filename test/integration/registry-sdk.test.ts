/**
 * The registry half of the AWS IoT control plane end to end with @aws-sdk/client-iot against a real engine:
 * Lab 1's registry steps, AWS's errors (names and status codes as the SDK reports them), pagination, fleet search
 * with connectivity flipping under a real mqtt.js client and shadow fields, and survival across a restart.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  IoTClient, CreateThingCommand, DescribeThingCommand, UpdateThingCommand, DeleteThingCommand, ListThingsCommand,
  CreateThingTypeCommand, DescribeThingTypeCommand, ListThingTypesCommand, DeprecateThingTypeCommand, DeleteThingTypeCommand,
  CreateThingGroupCommand, DescribeThingGroupCommand, AddThingToThingGroupCommand, RemoveThingFromThingGroupCommand,
  ListThingsInThingGroupCommand, ListThingGroupsForThingCommand, AttachThingPrincipalCommand, DetachThingPrincipalCommand,
  ListThingPrincipalsCommand, ListPrincipalThingsCommand, DescribeEndpointCommand, SearchIndexCommand, DeleteThingGroupCommand,
  CreateKeysAndCertificateCommand, paginateListThings,
} from '@aws-sdk/client-iot';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';

let te: TestEngine;
let iot: IoTClient;
/** A certificate ARN from CreateKeysAndCertificate (the security half), or a well-formed one where that is absent. */
let CERT = 'arn:aws:iot:us-east-1:000000000000:cert/aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999';

function client(url: string) {
  return new IoTClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
}

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  iot = client(te.httpUrl);
  CERT = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true })).then((r) => r.certificateArn!, () => CERT);
});

afterAll(async () => {
  iot?.destroy();
  await te?.stop();
});

/** The SDK error's name and HTTP status (what a caller's `catch` sees). */
async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string; resourceId?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number }; resourceId?: string };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message, resourceId: err.resourceId };
  }
  throw new Error('expected the call to fail');
}

describe('Lab 1 registry steps', () => {
  it('creates a thing type, a thing with attributes, a group; attaches a principal; describes the endpoint', async () => {
    const type = await iot.send(new CreateThingTypeCommand({ thingTypeName: 'LightBulb', thingTypeProperties: { thingTypeDescription: 'bulbs', searchableAttributes: ['wattage'] } }));
    expect(type).toMatchObject({ thingTypeName: 'LightBulb', thingTypeArn: 'arn:aws:iot:us-east-1:000000000000:thingtype/LightBulb', thingTypeId: expect.any(String) });

    const created = await iot.send(new CreateThingCommand({ thingName: 'MyIotThing', thingTypeName: 'LightBulb', attributePayload: { attributes: { wattage: '75', model: '123' } } }));
    expect(created).toMatchObject({ thingName: 'MyIotThing', thingArn: 'arn:aws:iot:us-east-1:000000000000:thing/MyIotThing', thingId: expect.any(String) });
    // Idempotent with the same configuration: the original thing comes back.
    const again = await iot.send(new CreateThingCommand({ thingName: 'MyIotThing', thingTypeName: 'LightBulb', attributePayload: { attributes: { model: '123', wattage: '75' } } }));
    expect(again.thingId).toBe(created.thingId);

    const described = await iot.send(new DescribeThingCommand({ thingName: 'MyIotThing' }));
    expect(described).toMatchObject({
      defaultClientId: 'MyIotThing', thingName: 'MyIotThing', thingId: created.thingId, thingTypeName: 'LightBulb',
      attributes: { wattage: '75', model: '123' }, version: 1,
    });

    const dt = await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'LightBulb' }));
    expect(dt.thingTypeProperties).toEqual({ thingTypeDescription: 'bulbs', searchableAttributes: ['wattage'] });
    expect(dt.thingTypeMetadata?.deprecated).toBe(false);
    expect(dt.thingTypeMetadata?.creationDate).toBeInstanceOf(Date);
    expect(Math.abs(dt.thingTypeMetadata!.creationDate!.getTime() - Date.now())).toBeLessThan(60_000);

    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'Building1', thingGroupProperties: { thingGroupDescription: 'HQ' } }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'Floor2', parentGroupName: 'Building1' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'Floor2', thingName: 'MyIotThing' }));
    expect((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'Floor2' }))).things).toEqual(['MyIotThing']);
    expect((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'Building1' }))).things).toEqual([]);
    expect((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'Building1', recursive: true }))).things).toEqual(['MyIotThing']);
    expect((await iot.send(new ListThingGroupsForThingCommand({ thingName: 'MyIotThing' }))).thingGroups).toEqual([
      { groupName: 'Floor2', groupArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/Floor2' },
    ]);
    const group = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'Floor2' }));
    expect(group.thingGroupMetadata?.parentGroupName).toBe('Building1');
    expect(group.thingGroupMetadata?.rootToParentThingGroups).toEqual([{ groupName: 'Building1', groupArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/Building1' }]);

    await iot.send(new AttachThingPrincipalCommand({ thingName: 'MyIotThing', principal: CERT }));
    expect((await iot.send(new ListThingPrincipalsCommand({ thingName: 'MyIotThing' }))).principals).toEqual([CERT]);
    expect((await iot.send(new ListPrincipalThingsCommand({ principal: CERT }))).things).toEqual(['MyIotThing']);

    const endpoint = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
    expect(endpoint.endpointAddress).toBe('127.0.0.1');
  });

  it('updates with merge, replace, removal by empty value and expectedVersion', async () => {
    await iot.send(new UpdateThingCommand({ thingName: 'MyIotThing', attributePayload: { attributes: { color: 'white', model: '' }, merge: true } }));
    let t = await iot.send(new DescribeThingCommand({ thingName: 'MyIotThing' }));
    expect(t).toMatchObject({ attributes: { wattage: '75', color: 'white' }, version: 2 });
    await iot.send(new UpdateThingCommand({ thingName: 'MyIotThing', expectedVersion: 2, attributePayload: { attributes: { wattage: '60' } } }));
    t = await iot.send(new DescribeThingCommand({ thingName: 'MyIotThing' }));
    expect(t).toMatchObject({ attributes: { wattage: '60' }, version: 3 });
    expect(await failure(iot.send(new UpdateThingCommand({ thingName: 'MyIotThing', expectedVersion: 2, attributePayload: { attributes: {} } }))))
      .toMatchObject({ name: 'VersionConflictException', status: 409 });
  });
});

describe('AWS errors', () => {
  it.each([
    ['DescribeThing of a missing thing', () => new DescribeThingCommand({ thingName: 'nope' }), 'ResourceNotFoundException', 404],
    ['an invalid thing name', () => new CreateThingCommand({ thingName: 'bad name!' }), 'InvalidRequestException', 400],
    ['an unknown thing type', () => new CreateThingCommand({ thingName: 'x1', thingTypeName: 'NoSuchType' }), 'ResourceNotFoundException', 404],
    ['4 attributes without a type', () => new CreateThingCommand({ thingName: 'x2', attributePayload: { attributes: { a: '1', b: '2', c: '3', d: '4' } } }), 'InvalidRequestException', 400],
    ['a bad attribute value', () => new CreateThingCommand({ thingName: 'x3', attributePayload: { attributes: { a: 'has space' } } }), 'InvalidRequestException', 400],
    ['UpdateThing of a missing thing', () => new UpdateThingCommand({ thingName: 'nope', attributePayload: { attributes: {} } }), 'ResourceNotFoundException', 404],
    ['ListThingPrincipals of a missing thing', () => new ListThingPrincipalsCommand({ thingName: 'nope' }), 'ResourceNotFoundException', 404],
    ['AttachThingPrincipal to a missing thing', () => new AttachThingPrincipalCommand({ thingName: 'nope', principal: CERT }), 'ResourceNotFoundException', 404],
    ['AddThingToThingGroup with a missing group', () => new AddThingToThingGroupCommand({ thingGroupName: 'nope', thingName: 'MyIotThing' }), 'ResourceNotFoundException', 404],
    ['a group under a missing parent', () => new CreateThingGroupCommand({ thingGroupName: 'g9', parentGroupName: 'nope' }), 'ResourceNotFoundException', 404],
    ['maxResults 251', () => new ListThingsCommand({ maxResults: 251 }), 'InvalidRequestException', 400],
    ['a forged nextToken', () => new ListThingsCommand({ nextToken: 'garbage' }), 'InvalidRequestException', 400],
    ['a query syntax error', () => new SearchIndexCommand({ queryString: 'thingName:(' }), 'InvalidQueryException', 400],
    ['more than 7 terms', () => new SearchIndexCommand({ queryString: 'a b c d e f g h' }), 'InvalidQueryException', 400],
    ['SearchIndex maxResults 101', () => new SearchIndexCommand({ queryString: '*', maxResults: 101 }), 'InvalidRequestException', 400],
    ['an unknown index', () => new SearchIndexCommand({ indexName: 'Nope', queryString: '*' }), 'ResourceNotFoundException', 404],
    ['DescribeThingType of a missing type', () => new DescribeThingTypeCommand({ thingTypeName: 'nope' }), 'ResourceNotFoundException', 404],
    ['an unknown endpoint type', () => new DescribeEndpointCommand({ endpointType: 'iot:Nope' }), 'InvalidRequestException', 400],
  ])('%s', async (_what, command, name, status) => {
    expect(await failure(iot.send(command() as never))).toMatchObject({ name, status });
  });

  it('CreateThing with a different configuration is ResourceAlreadyExistsException with the resource id', async () => {
    const { thingId } = await iot.send(new DescribeThingCommand({ thingName: 'MyIotThing' }));
    expect(await failure(iot.send(new CreateThingCommand({ thingName: 'MyIotThing' }))))
      .toMatchObject({ name: 'ResourceAlreadyExistsException', status: 409, resourceId: thingId });
  });

  it('DeleteThing: refused while a principal is attached, wrong version conflicts, missing thing succeeds', async () => {
    expect(await failure(iot.send(new DeleteThingCommand({ thingName: 'MyIotThing' }))))
      .toMatchObject({ name: 'InvalidRequestException', status: 400, message: 'Cannot delete. Thing MyIotThing is still attached to one or more principals' });
    await iot.send(new CreateThingCommand({ thingName: 'Temp' }));
    expect(await failure(iot.send(new DeleteThingCommand({ thingName: 'Temp', expectedVersion: 7 }))))
      .toMatchObject({ name: 'VersionConflictException', status: 409 });
    await iot.send(new DeleteThingCommand({ thingName: 'Temp', expectedVersion: 1 }));
    await iot.send(new DeleteThingCommand({ thingName: 'Temp' }));
    expect(await failure(iot.send(new DescribeThingCommand({ thingName: 'Temp' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('thing types: deprecated types take no new things and delete only when unused', async () => {
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Old' }));
    expect(await failure(iot.send(new DeleteThingTypeCommand({ thingTypeName: 'Old' })))).toMatchObject({ name: 'InvalidRequestException' });
    await iot.send(new DeprecateThingTypeCommand({ thingTypeName: 'Old' }));
    expect(await failure(iot.send(new CreateThingCommand({ thingName: 'y1', thingTypeName: 'Old' })))).toMatchObject({ name: 'InvalidRequestException' });
    const listed = await iot.send(new ListThingTypesCommand({ thingTypeName: 'Old' }));
    expect(listed.thingTypes?.[0].thingTypeMetadata?.deprecated).toBe(true);
    await iot.send(new DeleteThingTypeCommand({ thingTypeName: 'Old' }));
    expect((await iot.send(new ListThingTypesCommand({}))).thingTypes?.map((t) => t.thingTypeName)).toEqual(['LightBulb']);
  });

  it('group membership can be removed and groups with children are not deleted', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'member' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/Building1', thingArn: 'arn:aws:iot:us-east-1:000000000000:thing/member' }));
    expect((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'Building1' }))).things).toEqual(['member']);
    await iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'Building1', thingName: 'member' }));
    expect((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'Building1' }))).things).toEqual([]);
    expect(await failure(iot.send(new DeleteThingGroupCommand({ thingGroupName: 'Building1' })))).toMatchObject({ name: 'InvalidRequestException' });
    await iot.send(new DeleteThingCommand({ thingName: 'member' }));
  });
});

describe('ListThings', () => {
  beforeAll(async () => {
    for (let i = 0; i < 12; i++) {
      await iot.send(new CreateThingCommand({ thingName: `page-${String(i).padStart(2, '0')}`, attributePayload: { attributes: { batch: i % 2 ? 'odd' : 'even', serial: `SN${i}` } } }));
    }
  });

  it('pages with nextToken and maxResults (SDK paginator)', async () => {
    const first = await iot.send(new ListThingsCommand({ maxResults: 5 }));
    expect(first.things).toHaveLength(5);
    expect(first.nextToken).toEqual(expect.any(String));
    const all: string[] = [];
    for await (const page of paginateListThings({ client: iot, pageSize: 4 }, {})) all.push(...page.things!.map((t) => t.thingName!));
    expect(all).toEqual([...all].sort());
    expect(all.filter((n) => n.startsWith('page-'))).toHaveLength(12);
    expect(all).toContain('MyIotThing');
  });

  it('filters by attribute, attribute prefix and thing type', async () => {
    const odd = await iot.send(new ListThingsCommand({ attributeName: 'batch', attributeValue: 'odd' }));
    expect(odd.things?.map((t) => t.thingName)).toEqual(['page-01', 'page-03', 'page-05', 'page-07', 'page-09', 'page-11']);
    const prefix = await iot.send(new ListThingsCommand({ attributeName: 'serial', attributeValue: 'SN1', usePrefixAttributeValue: true }));
    expect(prefix.things?.map((t) => t.thingName)).toEqual(['page-01', 'page-10', 'page-11']);
    const typed = await iot.send(new ListThingsCommand({ thingTypeName: 'LightBulb' }));
    expect(typed.things).toEqual([{ thingName: 'MyIotThing', thingTypeName: 'LightBulb', thingArn: 'arn:aws:iot:us-east-1:000000000000:thing/MyIotThing', attributes: { wattage: '60' }, version: 3 }]);
  });
});

describe('SearchIndex', () => {
  it('searches registry fields and pages', async () => {
    const r = await iot.send(new SearchIndexCommand({ queryString: 'thingName:page-0* AND attributes.batch:even', maxResults: 3 }));
    expect(r.things?.map((t) => t.thingName)).toEqual(['page-00', 'page-02', 'page-04']);
    const next = await iot.send(new SearchIndexCommand({ queryString: 'thingName:page-0* AND attributes.batch:even', maxResults: 3, nextToken: r.nextToken }));
    expect(next.things?.map((t) => t.thingName)).toEqual(['page-06', 'page-08']);
    expect(next.nextToken).toBeUndefined();
    const typed = await iot.send(new SearchIndexCommand({ queryString: 'thingTypeName:LightBulb AND thingGroupNames:Floor2' }));
    expect(typed.things).toEqual([{
      thingName: 'MyIotThing', thingId: expect.any(String), thingTypeName: 'LightBulb', thingGroupNames: ['Floor2'], attributes: { wattage: '60' },
      connectivity: { connected: false },
    }]);
  });

  it('connectivity.connected flips as a real MQTT client connects and disconnects', async () => {
    const search = async () => (await iot.send(new SearchIndexCommand({ queryString: 'connectivity.connected:true' }))).things?.map((t) => t.thingName!);
    expect(await search()).toEqual([]);
    const device = await connect(te.mqttPort, { clientId: 'MyIotThing' });
    // The connected event reaches the index asynchronously: poll it.
    let names: string[] | undefined;
    for (let i = 0; i < 100 && !(names = await search())?.length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(names).toEqual(['MyIotThing']);
    const doc = (await iot.send(new SearchIndexCommand({ queryString: 'thingName:MyIotThing' }))).things![0];
    expect(doc.connectivity).toEqual({ connected: true, timestamp: expect.any(Number) });
    await device.endAsync();
    for (let i = 0; i < 100 && (names = await search())?.length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(names).toEqual([]);
    const after = (await iot.send(new SearchIndexCommand({ queryString: 'thingName:MyIotThing AND connectivity.connected:false' }))).things![0];
    expect(after.connectivity).toMatchObject({ connected: false, disconnectReason: 'CLIENT_INITIATED_DISCONNECT' });
  });

  it('shadow.reported and shadow.desired fields follow shadow updates', async () => {
    await te.engine.api.shadow.update('page-03', { state: { reported: { temp: 21, mode: 'eco' }, desired: { temp: 25 } } });
    const r = await iot.send(new SearchIndexCommand({ queryString: 'shadow.reported.temp:[20 TO 22] AND shadow.desired.temp>24' }));
    expect(r.things?.map((t) => t.thingName)).toEqual(['page-03']);
    expect(JSON.parse(r.things![0].shadow!)).toMatchObject({ reported: { temp: 21, mode: 'eco' }, desired: { temp: 25 }, hasDelta: true });
    await te.engine.api.shadow.update('page-03', { state: { reported: { temp: 25 } } });
    expect((await iot.send(new SearchIndexCommand({ queryString: 'shadow.reported.temp:21' }))).things).toEqual([]);
    expect((await iot.send(new SearchIndexCommand({ queryString: 'shadow.hasDelta:false AND thingName:page-03' }))).things).toHaveLength(1);
  });
});

describe('UI contract', () => {
  it('registry.* sees what the control plane wrote, with the same validation', async () => {
    const api = te.engine.api.registry;
    expect(await api.thing('MyIotThing')).toMatchObject({ name: 'MyIotThing', type: 'LightBulb', defaultClientId: 'MyIotThing', connectivity: { connected: false } });
    expect((await api.things({ type: 'LightBulb' })).items.map((t) => t.name)).toEqual(['MyIotThing']);
    expect((await api.thingTypes()).map((t) => t.name)).toEqual(['LightBulb']);
    expect((await api.groups()).map((g) => g.name)).toEqual(['Building1', 'Floor2']);
    expect(await api.groupThings('Building1', true)).toEqual(['MyIotThing']);
    expect(await api.principals('MyIotThing')).toEqual([CERT]);
    expect((await api.search('thingGroupNames:Floor2')).items.map((h) => h.name)).toEqual(['MyIotThing']);
    await expect(api.search('thingName:(')).rejects.toMatchObject({ code: 'InvalidInput' });
    await expect(api.thing('bad name')).rejects.toMatchObject({ code: 'InvalidInput' });
  });
});

describe('restart', () => {
  it('things, types, groups, memberships and principals survive', async () => {
    iot.destroy();
    await te.stop();
    te = await te.restart();
    iot = client(te.httpUrl);
    expect(await iot.send(new DescribeThingCommand({ thingName: 'MyIotThing' }))).toMatchObject({ thingTypeName: 'LightBulb', attributes: { wattage: '60' }, version: 3 });
    expect((await iot.send(new ListThingPrincipalsCommand({ thingName: 'MyIotThing' }))).principals).toEqual([CERT]);
    expect((await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'Building1', recursive: true }))).things).toEqual(['MyIotThing']);
    expect((await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'LightBulb' }))).thingTypeProperties?.searchableAttributes).toEqual(['wattage']);
    const search = await iot.send(new SearchIndexCommand({ queryString: 'thingName:MyIotThing' }));
    expect(search.things?.[0].connectivity).toEqual({ connected: false });
    await iot.send(new DetachThingPrincipalCommand({ thingName: 'MyIotThing', principal: CERT }));
    await iot.send(new DeleteThingCommand({ thingName: 'MyIotThing' }));
    expect(await failure(iot.send(new DescribeThingCommand({ thingName: 'MyIotThing' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
