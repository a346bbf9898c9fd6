/**
 * Registry events of every type through @aws-sdk/client-iot and a real mqtt.js subscriber on `$aws/events/#`: with
 * every type off, registry changes publish nothing (proved with a marker on the same connection); with each of
 * THING_GROUP, THING_TYPE, THING_TYPE_ASSOCIATION, THING_GROUP_MEMBERSHIP (static and dynamic) and
 * THING_GROUP_HIERARCHY enabled, AWS's topics and payloads; the configuration survives a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddThingToThingGroupCommand, CreateDynamicThingGroupCommand, CreateThingCommand, CreateThingGroupCommand, CreateThingTypeCommand,
  DeleteThingCommand, DeleteThingGroupCommand, DeleteThingTypeCommand, DeprecateThingTypeCommand, DescribeEventConfigurationsCommand,
  IoTClient, RemoveThingFromThingGroupCommand, UpdateEventConfigurationsCommand, UpdateThingCommand, UpdateThingGroupCommand,
} from '@aws-sdk/client-iot';
import { open, closeAll, type Recorded } from '../helpers/broker-clients.js';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';

let te: TestEngine;
let iot: IoTClient;
let sub: Recorded;
let markers = 0;

async function connect(): Promise<void> {
  iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  sub = await open(te.mqttPort, { clientId: 'registry-events-watcher' });
  await sub.client.subscribeAsync({ '$aws/events/#': { qos: 1 }, marker: { qos: 1 } });
}

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  await connect();
});

afterAll(async () => {
  await closeAll([sub?.client]);
  iot?.destroy();
  await te?.stop();
});

type Event = { topic: string; body: Record<string, unknown> };
/** Registry events received since the last call (presence and subscription events left out). */
let seen = 0;
function fresh(): Event[] {
  const all = sub.messages.filter((m) => m.topic.startsWith('$aws/events/') && !/^\$aws\/events\/(presence|subscriptions)\//.test(m.topic));
  const out = all.slice(seen).map((m) => ({ topic: m.topic, body: JSON.parse(m.payload.toString()) as Record<string, unknown> }));
  seen = all.length;
  return out;
}

/** A marker on the subscriber's own connection: every event published before it has arrived. */
async function settle(): Promise<void> {
  const n = String(++markers);
  await sub.client.publishAsync('marker', n, { qos: 1 });
  await until(() => sub.messages.some((m) => m.topic === 'marker' && m.payload.toString() === n), 5000, `marker ${n}`);
}

const enable = (types: string[], on = true) =>
  iot.send(new UpdateEventConfigurationsCommand({ eventConfigurations: Object.fromEntries(types.map((t) => [t, { Enabled: on }])) }));

const ALL = ['THING', 'THING_GROUP', 'THING_TYPE', 'THING_TYPE_ASSOCIATION', 'THING_GROUP_MEMBERSHIP', 'THING_GROUP_HIERARCHY'];

describe('registry events', () => {
  it('publish nothing while their types are off', async () => {
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'QuietType' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'quiet-root' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'quiet-child', parentGroupName: 'quiet-root' }));
    await iot.send(new CreateThingCommand({ thingName: 'quiet-thing', thingTypeName: 'QuietType' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'quiet-child', thingName: 'quiet-thing' }));
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'quiet-dynamic', queryString: 'thingName:quiet*' }));
    await settle();
    expect(fresh()).toEqual([]);
  });

  it('THING_GROUP: created, updated and deleted with AWS\'s THING_GROUP_EVENT', async () => {
    await enable(['THING_GROUP']);
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'building', thingGroupProperties: { thingGroupDescription: 'HQ', attributePayload: { attributes: { city: 'Oslo' } } } }));
    const child = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'floor-3', parentGroupName: 'building' }));
    await iot.send(new UpdateThingGroupCommand({ thingGroupName: 'floor-3', thingGroupProperties: { thingGroupDescription: 'Third floor' } }));
    await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'floor-3' }));
    await settle();
    const got = fresh();
    expect(got.map((e) => e.topic)).toEqual([
      '$aws/events/thingGroup/building/created', '$aws/events/thingGroup/floor-3/created',
      '$aws/events/thingGroup/floor-3/updated', '$aws/events/thingGroup/floor-3/deleted',
    ]);
    expect(got[0].body).toMatchObject({
      eventType: 'THING_GROUP_EVENT', operation: 'CREATED', accountId: '000000000000', thingGroupName: 'building', versionNumber: 1,
      description: 'HQ', rootToParentThingGroups: [], attributes: { city: 'Oslo' }, dynamicGroupMappingId: null,
    });
    expect(got[0].body.eventId).toEqual(expect.any(String));
    expect(got[0].body.timestamp).toEqual(expect.any(Number));
    expect(got[2].body).toMatchObject({
      operation: 'UPDATED', thingGroupId: child.thingGroupId, versionNumber: 2, parentGroupName: 'building', description: 'Third floor',
      rootToParentThingGroups: [{ groupArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/building', groupId: expect.any(String) }],
    });
    expect(got[2].body.parentGroupId).toBe((got[0].body as { thingGroupId: string }).thingGroupId);
    await enable(['THING_GROUP'], false);
  });

  it('THING_TYPE: created, updated (deprecated) and deleted with AWS\'s THING_TYPE_EVENT', async () => {
    await enable(['THING_TYPE']);
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Lamp', thingTypeProperties: { thingTypeDescription: 'Lamps', searchableAttributes: ['watts'] } }));
    await iot.send(new DeprecateThingTypeCommand({ thingTypeName: 'Lamp' }));
    await iot.send(new DeleteThingTypeCommand({ thingTypeName: 'Lamp' }));
    await settle();
    const got = fresh();
    expect(got.map((e) => e.topic)).toEqual(['$aws/events/thingType/Lamp/created', '$aws/events/thingType/Lamp/updated', '$aws/events/thingType/Lamp/deleted']);
    expect(got[0].body).toMatchObject({
      eventType: 'THING_TYPE_EVENT', operation: 'CREATED', accountId: '000000000000', thingTypeName: 'Lamp', isDeprecated: false,
      deprecationDate: null, searchableAttributes: ['watts'], description: 'Lamps',
    });
    expect(got[1].body).toMatchObject({ operation: 'UPDATED', isDeprecated: true, deprecationDate: expect.any(Number) });
    await enable(['THING_TYPE'], false);
  });

  it('THING_TYPE_ASSOCIATION: a thing gains and loses its type', async () => {
    await enable(['THING_TYPE_ASSOCIATION']);
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Plug' }));
    const t = await iot.send(new CreateThingCommand({ thingName: 'plug-1', thingTypeName: 'Plug' }));
    await iot.send(new UpdateThingCommand({ thingName: 'plug-1', removeThingType: true }));
    await settle();
    const got = fresh();
    expect(got).toEqual([
      { topic: '$aws/events/thingTypeAssociation/thing/plug-1/Plug', body: expect.objectContaining({ eventType: 'THING_TYPE_ASSOCIATION_EVENT', operation: 'CREATED', thingId: t.thingId, thingName: 'plug-1', thingTypeName: 'Plug' }) },
      { topic: '$aws/events/thingTypeAssociation/thing/plug-1/Plug', body: expect.objectContaining({ operation: 'DELETED', thingName: 'plug-1', thingTypeName: 'Plug' }) },
    ]);
    await enable(['THING_TYPE_ASSOCIATION'], false);
  });

  it('THING_GROUP_MEMBERSHIP: static adds and removes, dynamic membership, and a deleted thing', async () => {
    await enable(['THING_GROUP_MEMBERSHIP']);
    const g = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'kitchen' }));
    const t = await iot.send(new CreateThingCommand({ thingName: 'toaster' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'kitchen', thingName: 'toaster' }));
    await iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'kitchen', thingName: 'toaster' }));
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'hot', queryString: 'attributes.temp:hot' }));
    await iot.send(new UpdateThingCommand({ thingName: 'toaster', attributePayload: { attributes: { temp: 'hot' } } }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'kitchen', thingName: 'toaster' }));
    await iot.send(new DeleteThingCommand({ thingName: 'toaster' }));
    await settle();
    const got = fresh();
    expect(got.map((e) => e.topic)).toEqual([
      '$aws/events/thingGroupMembership/thingGroup/kitchen/thing/toaster/added',
      '$aws/events/thingGroupMembership/thingGroup/kitchen/thing/toaster/removed',
      '$aws/events/thingGroupMembership/thingGroup/hot/thing/toaster/added',
      '$aws/events/thingGroupMembership/thingGroup/kitchen/thing/toaster/added',
      '$aws/events/thingGroupMembership/thingGroup/kitchen/thing/toaster/removed',
      '$aws/events/thingGroupMembership/thingGroup/hot/thing/toaster/removed',
    ]);
    expect(got[0].body).toEqual({
      eventType: 'THING_GROUP_MEMBERSHIP_EVENT', eventId: expect.any(String), timestamp: expect.any(Number), operation: 'ADDED',
      accountId: '000000000000', groupArn: g.thingGroupArn, groupId: g.thingGroupId, thingArn: t.thingArn, thingId: t.thingId,
      membershipId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(got[1].body).toMatchObject({ operation: 'REMOVED', membershipId: got[0].body.membershipId });
    expect(got[5].body).toMatchObject({ operation: 'REMOVED', thingId: t.thingId });
    await enable(['THING_GROUP_MEMBERSHIP'], false);
  });

  it('THING_GROUP_HIERARCHY: a child group added under a parent and removed with its deletion', async () => {
    await enable(['THING_GROUP_HIERARCHY']);
    const parent = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'campus' }));
    const child = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'lab', parentGroupName: 'campus' }));
    await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'lab' }));
    await settle();
    expect(fresh()).toEqual([
      {
        topic: '$aws/events/thingGroupHierarchy/thingGroup/campus/childThingGroup/lab/added',
        body: {
          eventType: 'THING_GROUP_HIERARCHY_EVENT', eventId: expect.any(String), timestamp: expect.any(Number), operation: 'ADDED', accountId: '000000000000',
          thingGroupId: parent.thingGroupId, thingGroupName: 'campus', childGroupId: child.thingGroupId, childGroupName: 'lab',
        },
      },
      { topic: '$aws/events/thingGroupHierarchy/thingGroup/campus/childThingGroup/lab/removed', body: expect.objectContaining({ operation: 'REMOVED', childGroupName: 'lab' }) },
    ]);
  });

  it('keep their configuration across a restart', async () => {
    await enable(ALL, false);
    await enable(['THING_GROUP', 'JOB']);
    await closeAll([sub.client]);
    iot.destroy();
    await te.stop();
    te = await te.restart();
    seen = 0;
    await connect();
    const d = await iot.send(new DescribeEventConfigurationsCommand({}));
    expect(d.eventConfigurations).toMatchObject({ THING_GROUP: { Enabled: true }, JOB: { Enabled: true }, THING: { Enabled: false }, THING_GROUP_HIERARCHY: { Enabled: false } });
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'after-restart' }));
    await iot.send(new CreateThingCommand({ thingName: 'after-restart-thing' }));
    await settle();
    expect(fresh().map((e) => e.topic)).toEqual(['$aws/events/thingGroup/after-restart/created']);
  });
});
