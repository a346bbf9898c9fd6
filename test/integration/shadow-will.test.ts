/**
 * Last wills and the Device Shadow service on a real engine (aws mode): a will published on a shadow topic reaches
 * MQTT subscribers and the rules engine but is ignored by the shadow service [DG:device-shadow-comms-app], while
 * AWS's documented LWT pattern (a rule republishing the will onto the shadow update topic) does update the shadow.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { CreateTopicRuleCommand, DeleteTopicRuleCommand, IoTClient } from '@aws-sdk/client-iot';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { open, type Recorded } from '../helpers/broker-clients.js';
import { prefix, watchShadow, type ShadowWatcher } from './helpers/shadow-client.js';

const ROLE = 'arn:aws:iam::123456789012:role/rules';

let te: TestEngine;
let iot: IoTClient;
const clients: Array<Recorded | ShadowWatcher> = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => ('end' in c ? c.end() : c.client.endAsync(true))));
  iot?.destroy();
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
});

/** Connects a client whose will is `payload` on `topic`, then loses its connection (no DISCONNECT). */
async function dieWithWill(topic: string, payload: string): Promise<void> {
  const dying = await open(te.mqttPort, { clientId: `dying-${topic.replaceAll('/', '-')}`, will: { topic, payload: Buffer.from(payload), qos: 1, retain: false } });
  dying.client.stream.destroy();
  await dying.closed;
}

const rule = (ruleName: string, sql: string, republishTo: string) =>
  iot.send(new CreateTopicRuleCommand({ ruleName, topicRulePayload: { sql, awsIotSqlVersion: '2016-03-23', actions: [{ republish: { topic: republishTo, roleArn: ROLE, qos: 1 } }] } }));

describe('a will on a shadow topic', () => {
  it('reaches subscribers and rules, and the shadow service ignores it', async () => {
    const thing = 'willThing';
    const updateTopic = `${prefix(thing)}/update`;
    const shadow = await watchShadow(te.mqttPort, thing);
    clients.push(shadow);
    await shadow.rec.client.subscribeAsync(updateTopic, { qos: 1 });
    const ruleOut = await open(te.mqttPort);
    clients.push(ruleOut);
    await ruleOut.client.subscribeAsync('seen/will', { qos: 1 });
    await rule('sees_shadow_wills', "SELECT state.reported.connected AS connected FROM '$aws/things/+/shadow/update'", 'seen/will');

    await dieWithWill(updateTopic, JSON.stringify({ state: { reported: { connected: false } }, clientToken: 'will-1' }));

    await until(() => shadow.rec.messages.some((m) => m.topic === updateTopic), 5000, 'the will on the update topic');
    const will = shadow.rec.messages.find((m) => m.topic === updateTopic)!;
    expect(JSON.parse(will.payload.toString())).toEqual({ state: { reported: { connected: false } }, clientToken: 'will-1' });
    await until(() => ruleOut.messages.length > 0, 5000, "the rule's output");
    expect(JSON.parse(ruleOut.messages[0].payload.toString())).toEqual({ connected: false });

    // Requests are handled in arrival order: the get answers after the will would have been applied.
    const get = await shadow.request('get', { clientToken: 'after-will' });
    expect(get.doc).toMatchObject({ code: 404, clientToken: 'after-will' });
    expect(shadow.on('/update/accepted')).toEqual([]);
    expect(shadow.on('/update/rejected')).toEqual([]);
    expect(await te.engine.api.shadow.list(thing)).toEqual([]);
    await iot.send(new DeleteTopicRuleCommand({ ruleName: 'sees_shadow_wills' }));
  });

  it('updates the shadow when a rule republishes it onto the update topic (the documented LWT pattern)', async () => {
    const thing = 'lwtThing';
    const shadow = await watchShadow(te.mqttPort, thing);
    clients.push(shadow);
    await rule('lwt_to_shadow', "SELECT * FROM 'my/things/+/lwt'", '$$aws/things/${topic(3)}/shadow/update');

    await dieWithWill(`my/things/${thing}/lwt`, JSON.stringify({ state: { reported: { connected: false } } }));

    const [accepted] = await shadow.waitFor('/update/accepted');
    expect(accepted).toMatchObject({ state: { reported: { connected: false } }, version: 1 });
    expect((await te.engine.api.shadow.get(thing)).state.reported).toEqual({ connected: false });
    await iot.send(new DeleteTopicRuleCommand({ ruleName: 'lwt_to_shadow' }));
  });
});
