/**
 * MQTT 5 message properties through the engine, from AWS's HTTP Publish (AWS SDK v3 and /usr/bin/aws): the broker
 * carries them, the retained store keeps them across a restart, GetRetainedMessage returns the user properties,
 * capture and the UI contract show them, rules read them with get_user_properties() and get_mqtt_property(), and a
 * republish action's headers (created through the AWS SDK's CreateTopicRule) become the republished message's.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GetRetainedMessageCommand, IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { CreateTopicRuleCommand, IoTClient } from '@aws-sdk/client-iot';
import fs from 'node:fs';
import mqtt, { type IPublishPacket } from 'mqtt';
import type { MessageBatch, MessageRecord } from '../../engine/contract/index.js';
import { argChecks } from '../../engine/host/rpc-args.js';
import { awsCliJson, describeAwsCli } from '../helpers/aws-cli.js';
import { run } from '../helpers/broker-clients.js';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';

let te: TestEngine;

const sdkFor = (t: TestEngine) => new IoTDataPlaneClient({
  region: 'us-east-1', endpoint: t.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1,
});
const userProps = (blob: Uint8Array | undefined) => (blob ? JSON.parse(Buffer.from(blob).toString('utf8')) : undefined);

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
});

afterAll(async () => {
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
});

describe('retained messages keep their MQTT 5 properties', () => {
  it('GetRetainedMessage returns the user properties of a retained Publish, in order, and after a restart', async () => {
    let sdk = sdkFor(te);
    const users = [{ deviceName: 'alpha' }, { deviceCnt: '45' }, { deviceName: 'beta' }];
    await sdk.send(new PublishCommand({
      topic: 'v5/retained', qos: 1, retain: true, payload: Buffer.from('{"on":true}'), userProperties: JSON.stringify(users),
      contentType: 'application/json', correlationData: Buffer.from([0, 1, 2]).toString('base64'),
    }));
    const got = await sdk.send(new GetRetainedMessageCommand({ topic: 'v5/retained' }));
    expect(userProps(got.userProperties)).toEqual(users);
    expect(Buffer.from(got.payload!).toString()).toBe('{"on":true}');
    sdk.destroy();

    await te.stop();
    te = await te.restart();
    sdk = sdkFor(te);
    const again = await sdk.send(new GetRetainedMessageCommand({ topic: 'v5/retained' }));
    expect(userProps(again.userProperties)).toEqual(users);
    sdk.destroy();
  });

  it('a retained message without user properties has no userProperties', async () => {
    const sdk = sdkFor(te);
    await sdk.send(new PublishCommand({ topic: 'v5/plain', retain: true, payload: Buffer.from('x'), contentType: 'text/plain' }));
    const got = await sdk.send(new GetRetainedMessageCommand({ topic: 'v5/plain' }));
    expect(got.userProperties).toBeUndefined();
    sdk.destroy();
  });
});

describeAwsCli('aws iot-data publish --user-properties', () => {
  it('carries the CLI\'s user properties into the retained message', async () => {
    const opts = { endpoint: te.httpUrl };
    await awsCliJson(['iot-data', 'publish', '--topic', 'v5/cli', '--retain', '--qos', '1', '--cli-binary-format', 'raw-in-base64-out',
      '--payload', '{"t":1}', '--user-properties', '[{"site":"lab"},{"rack":"7"}]', '--content-type', 'application/json'], opts);
    // This CLI's (2.9) GetRetainedMessage model predates `userProperties`, so the SDK reads the message back.
    const sdk = sdkFor(te);
    const got = await sdk.send(new GetRetainedMessageCommand({ topic: 'v5/cli' }));
    sdk.destroy();
    expect(userProps(got.userProperties)).toEqual([{ site: 'lab' }, { rack: '7' }]);
  });
});

const ROLE = 'arn:aws:iam::123456789012:role/rules';
const iotFor = (t: TestEngine) => new IoTClient({
  region: 'us-east-1', endpoint: t.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1,
});

/** The newest captured message on exactly `topic`, once capture has one. */
async function captured(topic: string): Promise<MessageRecord> {
  let found: MessageRecord | undefined;
  await vi.waitFor(async () => {
    found = (await te.engine.api.broker.messages({ filter: topic, limit: 1 }))[0];
    expect(found).toBeDefined();
  });
  return found!;
}

describe('capture and the UI contract', () => {
  it('a captured message carries its properties: correlation data as base64, user properties as ordered pairs', async () => {
    const sdk = sdkFor(te);
    await sdk.send(new PublishCommand({
      topic: 'v5/capture', payload: Buffer.from('hi'), contentType: 'text/plain', responseTopic: 'v5/capture/reply',
      messageExpiry: 120, payloadFormatIndicator: 'UTF8_DATA', correlationData: Buffer.from('req-9').toString('base64'),
      userProperties: JSON.stringify([{ b: '2' }, { a: '1' }, { b: '3' }]),
    }));
    sdk.destroy();
    const record = await captured('v5/capture');
    expect(record.properties).toEqual({
      contentType: 'text/plain', responseTopic: 'v5/capture/reply', messageExpiryInterval: 120, payloadFormatIndicator: true,
      correlationData: Buffer.from('req-9').toString('base64'), userProperties: [['b', '2'], ['a', '1'], ['b', '3']],
    });
    expect((await te.engine.api.broker.message(record.id))?.properties).toEqual(record.properties);
  });
});

describe('the UI contract', () => {
  it('broker.publish takes MQTT 5 properties, and the live feed (the broker.messages event) shows them', async () => {
    const props = { contentType: 'text/plain', correlationData: Buffer.from('ui-1').toString('base64'), userProperties: [['by', 'ui'], ['by', 'me']] as Array<[string, string]> };
    const live = new Promise<MessageRecord>((resolve) => {
      const sub = te.engine.events.on('broker.messages', (batch: MessageBatch) => {
        const m = batch.messages.find((r) => r.topic === 'v5/ui');
        if (m) {
          sub.dispose();
          resolve(m);
        }
      });
    });
    await te.engine.api.broker.publish({ topic: 'v5/ui', payload: 'hello', properties: props });
    expect((await live).properties).toEqual(props);
  });

  it('rules.test evaluates get_user_properties() and get_mqtt_property() against a sample message\'s properties', async () => {
    const r = await te.engine.api.rules.test({
      sql: "SELECT get_user_properties('k') AS k, get_mqtt_property('correlation_data') AS cd, get_mqtt_property('format_indicator') AS fi FROM 't'",
      topic: 't', payload: '{}', awsIotSqlVersion: '2016-03-23',
      properties: { userProperties: [['k', '1'], ['k', '2']], correlationData: 'AQID', payloadFormatIndicator: false },
    });
    expect(r).toMatchObject({ ok: true, matched: true });
    expect(JSON.parse((r as { output: string }).output)).toEqual({ k: ['1', '2'], cd: 'AQID', fi: 'UNSPECIFIED_BYTES' });
  });

  it('the contract\'s argument checks refuse malformed properties', () => {
    const publish = argChecks['broker.publish'];
    expect(publish([{ topic: 't', payload: 'p', properties: { userProperties: [['k', 'v']], correlationData: 'AQID', messageExpiryInterval: 5 } }])).toBeNull();
    expect(publish([{ topic: 't', payload: 'p', properties: { userProperties: [['k']] } }])).toMatch(/userProperties/);
    expect(publish([{ topic: 't', payload: 'p', properties: { correlationData: 'not base64!' } }])).toMatch(/correlationData/);
    expect(publish([{ topic: 't', payload: 'p', properties: { messageExpiryInterval: -1 } }])).toMatch(/messageExpiryInterval/);
    expect(publish([{ topic: 't', payload: 'p', properties: { topicAlias: 1 } }])).toMatch(/unknown field "topicAlias"/);
    expect(argChecks['rules.test']([{ sql: 's', topic: 't', payload: 'p', properties: { payloadFormatIndicator: 'yes' } }])).toMatch(/payloadFormatIndicator/);
  });
});

describe('rules read MQTT 5 properties and republish with headers', () => {
  it('get_user_properties() and get_mqtt_property() see an HTTP Publish\'s properties; the republish carries its headers', async () => {
    const iot = iotFor(te);
    await iot.send(new CreateTopicRuleCommand({
      ruleName: 'v5_props',
      topicRulePayload: {
        sql: "SELECT get_user_properties('site') AS sites, get_user_properties() AS every, get_mqtt_property('content_type') AS ct, "
          + "get_mqtt_property('format_indicator') AS fi, get_mqtt_property('response_topic') AS rt, "
          + "get_mqtt_property('correlation_data') AS cd, get_mqtt_property('format') AS unknown FROM 'v5/rules/in'",
        awsIotSqlVersion: '2016-03-23',
        actions: [{
          republish: {
            topic: 'v5/rules/out', qos: 1, roleArn: ROLE,
            headers: {
              payloadFormatIndicator: 'UTF8_DATA', contentType: 'application/json',
              responseTopic: "${get_mqtt_property('response_topic')}", correlationData: "${get_mqtt_property('correlation_data')}",
              messageExpiry: '300', userProperties: [{ key: 'from', value: '${topic()}' }, { key: 'site', value: "${get(get_user_properties('site'), 0)}" }],
            },
          },
        }],
      },
    }));
    iot.destroy();
    const watcher = await connect(te.mqttPort, { clientId: 'v5-watcher' });
    await watcher.subscribeAsync('v5/rules/out', { qos: 1 });
    const out = nextMessages(watcher, 1);
    const sdk = sdkFor(te);
    await sdk.send(new PublishCommand({
      topic: 'v5/rules/in', payload: Buffer.from('{}'), contentType: 'text/csv', responseTopic: 'v5/rules/reply',
      payloadFormatIndicator: 'UNSPECIFIED_BYTES', correlationData: Buffer.from([1, 2, 3]).toString('base64'),
      userProperties: JSON.stringify([{ site: 'lab' }, { rack: '7' }, { site: 'annex' }]),
    }));
    sdk.destroy();
    const [msg] = await out;
    await watcher.endAsync();
    expect(JSON.parse(msg.payload.toString())).toEqual({
      sites: ['lab', 'annex'], every: [{ site: 'lab' }, { rack: '7' }, { site: 'annex' }], ct: 'text/csv',
      fi: 'UNSPECIFIED_BYTES', rt: 'v5/rules/reply', cd: 'AQID',
    });
    expect((await captured('v5/rules/out')).properties).toEqual({
      payloadFormatIndicator: true, contentType: 'application/json', responseTopic: 'v5/rules/reply', correlationData: 'AQID',
      messageExpiryInterval: 300, userProperties: [['from', 'v5/rules/in'], ['site', 'lab']],
    });
  });

  it('CreateTopicRule refuses headers AWS would refuse', async () => {
    const iot = iotFor(te);
    const create = (headers: object) => iot.send(new CreateTopicRuleCommand({
      ruleName: 'v5_bad_headers',
      topicRulePayload: { sql: "SELECT * FROM 'v5/bad'", actions: [{ republish: { topic: 'x', roleArn: ROLE, headers } }] },
    }));
    await expect(create({ userProperties: [] })).rejects.toMatchObject({ name: 'InvalidRequestException', $metadata: { httpStatusCode: 400 } });
    await expect(create({ contentType: 'x'.repeat(1025) })).rejects.toMatchObject({ name: 'InvalidRequestException' });
    iot.destroy();
  });

  it('a republish whose headers resolve to something MQTT 5 cannot carry fails and runs the errorAction', async () => {
    await te.engine.api.rules.put('v5_bad_expiry', {
      sql: "SELECT * FROM 'v5/expiry/in'", awsIotSqlVersion: '2016-03-23',
      actions: [{ republish: { topic: 'v5/expiry/out', roleArn: ROLE, headers: { messageExpiry: '${n}' } } }],
      errorAction: { republish: { topic: 'v5/expiry/errors', roleArn: ROLE } },
    });
    const watcher = await connect(te.mqttPort, { clientId: 'v5-expiry-watcher' });
    await watcher.subscribeAsync(['v5/expiry/out', 'v5/expiry/errors']);
    const got = nextMessages(watcher, 2);
    const device = await connect(te.mqttPort, { clientId: 'v5-expiry-device' });
    await device.publishAsync('v5/expiry/in', '{"n":"soon"}', { qos: 1 });
    await device.publishAsync('v5/expiry/in', '{"n":"30"}', { qos: 1 }); // the marker: a valid expiry gets through
    const [first, second] = await got;
    await device.endAsync();
    await watcher.endAsync();
    expect(first.topic).toBe('v5/expiry/errors');
    expect(JSON.parse(first.payload.toString())).toMatchObject({ failures: [expect.objectContaining({ errorMessage: expect.stringContaining('messageExpiry') })] });
    expect(second.topic).toBe('v5/expiry/out');
    expect((await captured('v5/expiry/out')).properties).toEqual({ messageExpiryInterval: 30 });
  });
});

describe('an MQTT 5 device end to end (mqtt.js protocolVersion 5)', () => {
  it('publish with properties → rule reading them → republish with headers → an MQTT 5 subscriber gets the headers', async () => {
    await te.engine.api.rules.put('v5_device', {
      sql: "SELECT get_user_properties('unit') AS units, get_mqtt_property('content_type') AS ct, temp FROM 'v5/dev/+/data'",
      awsIotSqlVersion: '2016-03-23',
      actions: [{
        republish: {
          topic: 'v5/dev/${topic(3)}/out', qos: 1, roleArn: ROLE,
          headers: {
            contentType: 'application/json', payloadFormatIndicator: 'UTF8_DATA', messageExpiry: '120',
            responseTopic: "${get_mqtt_property('response_topic')}", correlationData: "${get_mqtt_property('correlation_data')}",
            userProperties: [{ key: 'device', value: '${topic(3)}' }, { key: 'unit', value: "${get(get_user_properties('unit'), 0)}" }],
          },
        },
      }],
    });
    const url = `mqtt://127.0.0.1:${te.mqttPort}`;
    const sub = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: 'v5-e2e-sub', reconnectPeriod: 0 });
    const dev = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: 'v5-e2e-dev', reconnectPeriod: 0 });
    await sub.subscribeAsync('v5/dev/+/out', { qos: 1 });
    const got = new Promise<IPublishPacket>((resolve) => sub.once('message', (_t, _p, packet) => resolve(packet)));
    await dev.publishAsync('v5/dev/d7/data', '{"temp":21.5}', {
      qos: 1,
      properties: {
        contentType: 'application/json; charset=utf-8', responseTopic: 'v5/dev/d7/reply', correlationData: Buffer.from([9, 8, 7]),
        userProperties: { unit: ['C', 'K'] },
      },
    });
    const packet = await got;
    expect(packet.topic).toBe('v5/dev/d7/out');
    expect(JSON.parse(packet.payload.toString())).toEqual({ units: ['C', 'K'], ct: 'application/json; charset=utf-8', temp: 21.5 });
    expect(packet.properties).toMatchObject({
      contentType: 'application/json', payloadFormatIndicator: true, responseTopic: 'v5/dev/d7/reply',
      correlationData: Buffer.from([9, 8, 7]), userProperties: { device: 'd7', unit: 'C' },
    });
    expect(packet.properties!.messageExpiryInterval).toBeLessThanOrEqual(120);

    // Capture keeps the device's own properties, and metering counts them for the publisher.
    const record = await captured('v5/dev/d7/data');
    expect(record.properties).toMatchObject({ responseTopic: 'v5/dev/d7/reply', correlationData: 'CQgH', userProperties: [['unit', 'C'], ['unit', 'K']] });
    const usage = (await te.engine.api.metering.usage()).clients.find((c) => c.clientId === 'v5-e2e-dev');
    const propertyBytes = 'application/json; charset=utf-8'.length + 'v5/dev/d7/reply'.length + 3 + ('unit'.length + 1) * 2;
    expect(usage).toMatchObject({ messagesIn: 1, bytesIn: '{"temp":21.5}'.length + propertyBytes });
    // The MQTT 5 subscriber is metered for the properties it was sent too.
    const subUsage = (await te.engine.api.metering.usage()).clients.find((c) => c.clientId === 'v5-e2e-sub');
    const sentProperties = 'application/json'.length + 'v5/dev/d7/reply'.length + 3 + 'device'.length + 'd7'.length + 'unit'.length + 'C'.length;
    expect(subUsage).toMatchObject({ messagesOut: 1, bytesOut: packet.payload.length + sentProperties });
    await dev.endAsync();
    await sub.endAsync();
  });

  it('a retained message from an MQTT 5 device gives GetRetainedMessage its user properties', async () => {
    const dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${te.mqttPort}`, { protocolVersion: 5, clientId: 'v5-retain-dev', reconnectPeriod: 0 });
    await dev.publishAsync('v5/dev/retained', 'on', { qos: 1, retain: true, properties: { userProperties: { mode: 'eco' } } });
    await dev.endAsync();
    const sdk = sdkFor(te);
    const got = await sdk.send(new GetRetainedMessageCommand({ topic: 'v5/dev/retained' }));
    sdk.destroy();
    expect(userProps(got.userProperties)).toEqual([{ mode: 'eco' }]);
  });
});

describeAwsCli('aws iot create-topic-rule with headers, fed by mosquitto_pub -V mqttv5', () => {
  it('the CLI\'s republish headers round-trip through GetTopicRule and reach an MQTT 5 subscriber', async () => {
    const opts = { endpoint: te.httpUrl };
    const payload = {
      sql: "SELECT get_user_properties('site') AS sites FROM 'v5/mosq/in'", awsIotSqlVersion: '2016-03-23',
      actions: [{ republish: { topic: 'v5/mosq/out', qos: 1, roleArn: ROLE, headers: {
        contentType: 'text/plain', userProperties: [{ key: 'site', value: "${get(get_user_properties('site'), 1)}" }],
      } } }],
    };
    await awsCliJson(['iot', 'create-topic-rule', '--rule-name', 'v5_cli', '--topic-rule-payload', JSON.stringify(payload)], opts);
    const rule = await awsCliJson(['iot', 'get-topic-rule', '--rule-name', 'v5_cli'], opts);
    expect(rule.rule.actions[0].republish.headers).toEqual(payload.actions[0].republish.headers);

    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${te.mqttPort}`, { protocolVersion: 5, clientId: 'v5-mosq-sub', reconnectPeriod: 0 });
    await sub.subscribeAsync('v5/mosq/out', { qos: 1 });
    const got = new Promise<IPublishPacket>((resolve) => sub.once('message', (_t, _p, packet) => resolve(packet)));
    const pub = run('/usr/bin/mosquitto_pub', ['-h', '127.0.0.1', '-p', String(te.mqttPort), '-V', 'mqttv5', '-i', 'v5-mosq-pub', '-q', '1',
      '-t', 'v5/mosq/in', '-m', '{}', '-D', 'publish', 'user-property', 'site', 'lab', '-D', 'publish', 'user-property', 'site', 'annex']);
    expect((await pub.done).code).toBe(0);
    const packet = await got;
    await sub.endAsync();
    expect(JSON.parse(packet.payload.toString())).toEqual({ sites: ['lab', 'annex'] });
    expect(packet.properties).toMatchObject({ contentType: 'text/plain', userProperties: { site: 'annex' } });
  });
}, fs.existsSync('/usr/bin/mosquitto_pub') ? undefined : '/usr/bin/mosquitto_pub is not installed');
