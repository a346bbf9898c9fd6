/**
 * Dynamic thing groups through @aws-sdk/client-iot against a real engine: CreateDynamicThingGroup, DescribeThingGroup
 * (query, index, status), ListThingGroups / ListThingsInThingGroup / ListThingGroupsForThing including them; membership
 * following UpdateThing attributes, the thing type, thing creation and deletion, shadow reported values
 * (UpdateThingShadow through @aws-sdk/client-iot-data-plane) and connectivity (a real MQTT client); Update/Delete-
 * DynamicThingGroup; UpdateThingGroup with attribute merge and expectedVersion; bad input with AWS's exceptions; and
 * the groups and their members after a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddThingToThingGroupCommand, AttachPolicyCommand, CreateDynamicThingGroupCommand, CreatePolicyCommand, CreateThingCommand, CreateThingGroupCommand, CreateThingTypeCommand,
  DeleteDynamicThingGroupCommand, DeleteThingCommand, DeleteThingGroupCommand, DescribeThingGroupCommand, IoTClient, ListThingGroupsCommand,
  ListThingGroupsForThingCommand, ListThingsInThingGroupCommand, RemoveThingFromThingGroupCommand, SearchIndexCommand, UpdateDynamicThingGroupCommand,
  UpdateThingCommand, UpdateThingGroupCommand, UpdateThingGroupsForThingCommand,
} from '@aws-sdk/client-iot';
import { DeleteThingShadowCommand, IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { closeAll, eventually, open } from '../helpers/broker-clients.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

let te: TestEngine;
let iot: IoTClient;
let data: IoTDataPlaneClient;
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

function clients(): void {
  iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
  data = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials, maxAttempts: 1 });
}

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  clients();
});

afterAll(async () => {
  iot?.destroy();
  data?.destroy();
  await te?.stop();
});

const members = async (group: string) => (await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: group }))).things;
const groupsOf = async (thing: string) => (await iot.send(new ListThingGroupsForThingCommand({ thingName: thing }))).thingGroups?.map((g) => g.groupName);
const report = (thing: string, reported: object) => data.send(new UpdateThingShadowCommand({ thingName: thing, payload: Buffer.from(JSON.stringify({ state: { reported } })) }));

describe('dynamic thing groups', () => {
  it('are created with AWS\'s response and described with their query, index and status', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'sensor-1', attributePayload: { attributes: { fw: '1.0', site: 'north' } } }));
    const created = await iot.send(new CreateDynamicThingGroupCommand({
      thingGroupName: 'north-sites', queryString: 'attributes.site:north',
      thingGroupProperties: { thingGroupDescription: 'Things at the north site', attributePayload: { attributes: { owner: 'ops' } } },
      tags: [{ Key: 'team', Value: 'ops' }],
    }));
    expect(created).toMatchObject({
      thingGroupName: 'north-sites', thingGroupArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/north-sites',
      indexName: 'AWS_Things', queryString: 'attributes.site:north', queryVersion: '2017-09-30',
    });
    expect(created.thingGroupId).toMatch(/^[0-9a-f-]{36}$/);
    const d = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'north-sites' }));
    expect(d).toMatchObject({
      thingGroupName: 'north-sites', thingGroupId: created.thingGroupId, version: 1, status: 'ACTIVE',
      indexName: 'AWS_Things', queryString: 'attributes.site:north', queryVersion: '2017-09-30',
      thingGroupProperties: { thingGroupDescription: 'Things at the north site', attributePayload: { attributes: { owner: 'ops' } } },
    });
    expect(await members('north-sites')).toEqual(['sensor-1']);
    const listed = (await iot.send(new ListThingGroupsCommand({}))).thingGroups?.map((g) => g.groupName);
    expect(listed).toContain('north-sites');
  });

  it('follow attribute updates, thing types, and things created and deleted', async () => {
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'fw-2', queryString: 'attributes.fw:2.*' }));
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Meter' }));
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'meters', queryString: 'thingTypeName:Meter' }));
    expect(await members('fw-2')).toEqual([]);
    await iot.send(new UpdateThingCommand({ thingName: 'sensor-1', attributePayload: { attributes: { fw: '2.1' }, merge: true } }));
    expect(await members('fw-2')).toEqual(['sensor-1']);
    expect(await groupsOf('sensor-1')).toEqual(['fw-2', 'north-sites']);
    await iot.send(new CreateThingCommand({ thingName: 'sensor-2', thingTypeName: 'Meter', attributePayload: { attributes: { fw: '2.0' } } }));
    expect(await members('fw-2')).toEqual(['sensor-1', 'sensor-2']);
    expect(await members('meters')).toEqual(['sensor-2']);
    await iot.send(new UpdateThingCommand({ thingName: 'sensor-2', removeThingType: true }));
    expect(await members('meters')).toEqual([]);
    await iot.send(new UpdateThingCommand({ thingName: 'sensor-1', attributePayload: { attributes: { fw: '1.9' }, merge: true } }));
    await iot.send(new DeleteThingCommand({ thingName: 'sensor-2' }));
    expect(await members('fw-2')).toEqual([]);
  });

  it('follow shadow reported values', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'battery-1' }));
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'charged', queryString: 'shadow.reported.battery > 80' }));
    expect(await members('charged')).toEqual([]);
    await report('battery-1', { battery: 95 });
    expect(await members('charged')).toEqual(['battery-1']);
    await report('battery-1', { battery: 40 });
    expect(await members('charged')).toEqual([]);
    await report('no-such-thing', { battery: 99 }); // a shadow without a registry thing is not indexed
    expect(await members('charged')).toEqual([]);
    await report('battery-1', { battery: 81 });
    expect(await members('charged')).toEqual(['battery-1']);
    await data.send(new DeleteThingShadowCommand({ thingName: 'battery-1' }));
    expect(await members('charged')).toEqual([]);
  });

  it('follow connectivity as a real MQTT client connects and disconnects', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'online-1' }));
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'online', queryString: 'connectivity.connected:true' }));
    expect(await members('online')).toEqual([]);
    const device = await open(te.mqttPort, { clientId: 'online-1' });
    await eventually(async () => JSON.stringify(await members('online')) === '["online-1"]', 5000, 'online-1 in the group');
    await closeAll([device.client]);
    await eventually(async () => (await members('online'))?.length === 0, 5000, 'online-1 out of the group');
  });

  it('take a new query with UpdateDynamicThingGroup, check expectedVersion, and are deleted', async () => {
    const v = await iot.send(new UpdateDynamicThingGroupCommand({
      thingGroupName: 'north-sites', queryString: 'attributes.site:south', thingGroupProperties: { thingGroupDescription: 'South now' }, expectedVersion: 1,
    }));
    expect(v.version).toBe(2);
    expect(await members('north-sites')).toEqual([]);
    expect(await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'north-sites' })))
      .toMatchObject({ version: 2, queryString: 'attributes.site:south', thingGroupProperties: { thingGroupDescription: 'South now' } });
    await expect(iot.send(new UpdateDynamicThingGroupCommand({ thingGroupName: 'north-sites', thingGroupProperties: {}, expectedVersion: 1 })))
      .rejects.toMatchObject({ name: 'VersionConflictException' });
    await iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'north-sites' }));
    await expect(iot.send(new DescribeThingGroupCommand({ thingGroupName: 'north-sites' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'north-sites' })); // a missing group: success, as AWS
  });

  it('refuse bad queries, other indexes and query versions, and static-only calls', async () => {
    await expect(iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'bad', queryString: 'attributes.a:(' })))
      .rejects.toMatchObject({ name: 'InvalidQueryException' });
    await expect(iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'bad', queryString: 'a:1 b:2 c:3 d:4 e:5 f:6 g:7 h:8' })))
      .rejects.toMatchObject({ name: 'InvalidQueryException' });
    await expect(iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'bad', queryString: '*', indexName: 'AWS_ThingGroups' })))
      .rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'bad', queryString: '*', queryVersion: '2020-01-01' })))
      .rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'bad name', queryString: '*' })))
      .rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'charged', thingName: 'battery-1' })))
      .rejects.toMatchObject({
        name: 'InvalidRequestException', message: 'This operation does not support dynamic thing groups. Thing group arn: arn:aws:iot:us-east-1:000000000000:thinggroup/charged',
      });
    await expect(iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'charged', thingName: 'battery-1' })))
      .rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new DeleteThingGroupCommand({ thingGroupName: 'charged' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new UpdateThingGroupCommand({ thingGroupName: 'charged', thingGroupProperties: { thingGroupDescription: 'x' } })))
      .rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new CreateThingGroupCommand({ thingGroupName: 'child', parentGroupName: 'charged' })))
      .rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('hierarchy') });
    await expect(iot.send(new CreateThingGroupCommand({ thingGroupName: 'charged' }))).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
    await iot.send(new CreatePolicyCommand({ policyName: 'anything', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) }));
    await expect(iot.send(new AttachPolicyCommand({ policyName: 'anything', target: 'arn:aws:iot:us-east-1:000000000000:thinggroup/charged' })))
      .rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('does not support dynamic thing groups') });
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'plain' }));
    await iot.send(new AttachPolicyCommand({ policyName: 'anything', target: 'arn:aws:iot:us-east-1:000000000000:thinggroup/plain' }));
    await expect(iot.send(new UpdateDynamicThingGroupCommand({ thingGroupName: 'plain', thingGroupProperties: {}, queryString: '*' })))
      .rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'plain' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });
});

describe('UpdateThingGroup', () => {
  it('replaces or merges attributes, sets the description, and checks expectedVersion', async () => {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'floor-1', thingGroupProperties: { thingGroupDescription: 'First', attributePayload: { attributes: { a: '1', b: '2' } } } }));
    expect(await iot.send(new UpdateThingGroupCommand({
      thingGroupName: 'floor-1', thingGroupProperties: { attributePayload: { attributes: { b: '', c: '3' }, merge: true } }, expectedVersion: 1,
    }))).toMatchObject({ version: 2 });
    expect(await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'floor-1' })))
      .toMatchObject({ version: 2, thingGroupProperties: { thingGroupDescription: 'First', attributePayload: { attributes: { a: '1', c: '3' } } } });
    await iot.send(new UpdateThingGroupCommand({ thingGroupName: 'floor-1', thingGroupProperties: { thingGroupDescription: 'Ground', attributePayload: { attributes: { z: '9' } } } }));
    expect(await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'floor-1' })))
      .toMatchObject({ version: 3, thingGroupProperties: { thingGroupDescription: 'Ground', attributePayload: { attributes: { z: '9' } } } });
    await expect(iot.send(new UpdateThingGroupCommand({ thingGroupName: 'floor-1', thingGroupProperties: {}, expectedVersion: 2 })))
      .rejects.toMatchObject({ name: 'VersionConflictException', message: 'The version for thing group floor-1 does not match the expected version.' });
    await expect(iot.send(new UpdateThingGroupCommand({ thingGroupName: 'nowhere', thingGroupProperties: {} }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('UpdateThingGroupsForThing', () => {
  it('adds a thing to static groups and removes it from others; a dynamic group is refused', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'mover' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'from' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'to-1' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'to-2' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'from', thingName: 'mover' }));
    await iot.send(new UpdateThingGroupsForThingCommand({ thingName: 'mover', thingGroupsToAdd: ['to-1', 'to-2'], thingGroupsToRemove: ['from'] }));
    expect(await groupsOf('mover')).toEqual(['to-1', 'to-2']);
    await expect(iot.send(new UpdateThingGroupsForThingCommand({ thingName: 'mover', thingGroupsToAdd: ['charged'] })))
      .rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('does not support dynamic thing groups') });
    await expect(iot.send(new UpdateThingGroupsForThingCommand({ thingName: 'mover', thingGroupsToAdd: ['nowhere'] }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await groupsOf('mover')).toEqual(['to-1', 'to-2']);
  });
});

describe('SearchIndex', () => {
  it('shows dynamic groups in thingGroupNames', async () => {
    await report('battery-1', { battery: 99 });
    const found = await iot.send(new SearchIndexCommand({ queryString: 'thingName:battery-1' }));
    expect(found.things?.[0]?.thingGroupNames).toEqual(['charged']);
  });
});

describe('after a restart', () => {
  it('dynamic groups are still there and their members are found again', async () => {
    await report('battery-1', { battery: 90 });
    expect(await members('charged')).toEqual(['battery-1']);
    iot.destroy();
    data.destroy();
    await te.stop();
    te = await te.restart();
    clients();
    expect(await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'charged' }))).toMatchObject({ queryString: 'shadow.reported.battery > 80', status: 'ACTIVE' });
    expect(await members('charged')).toEqual(['battery-1']);
    expect(await groupsOf('battery-1')).toEqual(['charged']);
  });
});
