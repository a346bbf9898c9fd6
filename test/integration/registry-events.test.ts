/**
 * Registry events and fleet indexing's configuration through @aws-sdk/client-iot against a real engine, with a real
 * mqtt.js subscriber on `$aws/events/thing/#`: nothing is published until UpdateEventConfigurations enables THING,
 * then CreateThing, UpdateThing and DeleteThing each publish AWS's THING_EVENT; UpdateIndexingConfiguration is kept and
 * read back, and bad values are refused with AWS's validation messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateThingCommand, DeleteThingCommand, DescribeEventConfigurationsCommand, GetIndexingConfigurationCommand, IoTClient,
  UpdateEventConfigurationsCommand, UpdateIndexingConfigurationCommand, UpdateThingCommand,
} from '@aws-sdk/client-iot';
import { open, closeAll, type Recorded } from '../helpers/broker-clients.js';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';

let te: TestEngine;
let iot: IoTClient;
let sub: Recorded;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  iot = new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  sub = await open(te.mqttPort, { clientId: 'registry-watcher' });
  await sub.client.subscribeAsync({ '$aws/events/thing/#': { qos: 1 }, marker: { qos: 1 } });
});

afterAll(async () => {
  await closeAll([sub?.client]);
  iot?.destroy();
  await te?.stop();
});

const events = () => sub.messages.filter((m) => m.topic.startsWith('$aws/events/thing/')).map((m) => ({ topic: m.topic, body: JSON.parse(m.payload.toString()) as Record<string, unknown> }));

/** Publishes a marker on the subscriber's own connection and waits for it: everything published before it has arrived. */
async function settle(n: number): Promise<void> {
  await sub.client.publishAsync('marker', String(n), { qos: 1 });
  await until(() => sub.messages.some((m) => m.topic === 'marker' && m.payload.toString() === String(n)), 5000, `marker ${n}`);
}

describe('registry events', () => {
  it('are all off by default, and nothing is published for a new thing', async () => {
    const d = await iot.send(new DescribeEventConfigurationsCommand({}));
    expect(d.eventConfigurations?.THING).toEqual({ Enabled: false });
    expect(Object.keys(d.eventConfigurations ?? {})).toContain('THING_GROUP_MEMBERSHIP');
    expect(d.creationDate).toBeInstanceOf(Date);
    await iot.send(new CreateThingCommand({ thingName: 'quiet' }));
    await settle(1);
    expect(events()).toEqual([]);
  });

  it('with THING enabled, CreateThing, UpdateThing and DeleteThing publish THING_EVENTs', async () => {
    await iot.send(new UpdateEventConfigurationsCommand({ eventConfigurations: { THING: { Enabled: true } } }));
    expect((await iot.send(new DescribeEventConfigurationsCommand({}))).eventConfigurations?.THING).toEqual({ Enabled: true });
    const created = await iot.send(new CreateThingCommand({ thingName: 'loud', attributePayload: { attributes: { room: 'kitchen' } } }));
    await iot.send(new UpdateThingCommand({ thingName: 'loud', attributePayload: { attributes: { room: 'hall' } } }));
    await iot.send(new DeleteThingCommand({ thingName: 'loud' }));
    await until(() => events().length === 3, 5000, 'three registry events');
    const [c, u, d] = events();
    expect(c.topic).toBe('$aws/events/thing/loud/created');
    expect(c.body).toMatchObject({
      eventType: 'THING_EVENT', operation: 'CREATED', accountId: '000000000000', thingId: created.thingId, thingName: 'loud',
      versionNumber: 1, thingTypeName: null, attributes: { room: 'kitchen' },
    });
    expect(c.body.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof c.body.timestamp).toBe('number');
    expect(u).toMatchObject({ topic: '$aws/events/thing/loud/updated', body: { operation: 'UPDATED', versionNumber: 2, attributes: { room: 'hall' } } });
    expect(d).toMatchObject({ topic: '$aws/events/thing/loud/deleted', body: { operation: 'DELETED', thingName: 'loud' } });
  });

  it('turned off again, publish nothing; an unknown event type is refused', async () => {
    await iot.send(new UpdateEventConfigurationsCommand({ eventConfigurations: { THING: { Enabled: false } } }));
    const before = events().length;
    await iot.send(new CreateThingCommand({ thingName: 'quiet-again' }));
    await settle(2);
    expect(events().length).toBe(before);
    await expect(iot.send(new UpdateEventConfigurationsCommand({ eventConfigurations: { THINGS: { Enabled: true } } as never })))
      .rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining("Value 'THINGS' at 'eventConfigurations'") });
  });
});

describe('fleet indexing configuration', () => {
  it('UpdateIndexingConfiguration is kept and read back; a bad mode is refused', async () => {
    await iot.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'STATUS' } }));
    const got = await iot.send(new GetIndexingConfigurationCommand({}));
    expect(got.thingIndexingConfiguration).toMatchObject({ thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'STATUS' });
    expect(got.thingGroupIndexingConfiguration).toMatchObject({ thingGroupIndexingMode: 'OFF' });
    await expect(iot.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: { thingIndexingMode: 'ALL' as never } })))
      .rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining("Value 'ALL' at 'thingIndexingConfiguration.thingIndexingMode'") });
  });
});
