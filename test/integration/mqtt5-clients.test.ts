/**
 * MQTT 5 with the real clients users have: mqtt.js (`protocolVersion: 5`) on TCP and WebSocket in both modes,
 * mosquitto_pub/_sub -V mqttv5 with every message property, and the AWS IoT Device SDK v2's MQTT 5 client over mutual
 * TLS (publish and subscribe with properties, and a shadow update through its service client). Delivery crosses
 * versions: an MQTT 3.1.1 subscriber gets what an MQTT 5 client published, without properties, and the reverse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { iot, iotshadow, mqtt5 } from 'aws-iot-device-sdk-v2';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/broker-clients.js';

type Message = { topic: string; payload: string; properties?: Record<string, unknown> };

/** Resolves with the next message `client` receives. */
function nextMessage(client: MqttClient): Promise<Message> {
  return new Promise((resolve) => client.once('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString(), properties: packet.properties as Record<string, unknown> | undefined })));
}

async function connect5(url: string, clientId: string, opts: IClientOptions = {}): Promise<MqttClient & { connack?: { properties?: Record<string, unknown> } }> {
  const client = mqtt.connect(url, { protocolVersion: 5, clientId, reconnectPeriod: 0, ...opts });
  const connack = await new Promise<{ properties?: Record<string, unknown> }>((resolve, reject) => {
    client.once('connect', (packet) => resolve(packet as never));
    client.once('error', reject);
  });
  return Object.assign(client, { connack });
}

describe.each(['aws', 'standard'] as const)('mqtt.js MQTT 5 in %s mode', (mode) => {
  let t: TestEngine;
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    t = await startTestEngine({ mode });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await t.stop();
  });

  it.each(['tcp', 'ws'] as const)('connects over %s; CONNACK states what the broker offers', async (transport) => {
    const url = transport === 'tcp' ? `mqtt://127.0.0.1:${t.mqttPort}` : t.wsUrl;
    const c = await connect5(url, `v5-${mode}-${transport}`);
    clients.push(c);
    const offered = c.connack!.properties!;
    expect(offered).toMatchObject(mode === 'aws'
      ? { topicAliasMaximum: 8, receiveMaximum: 100, maximumQoS: 1, subscriptionIdentifiersAvailable: false }
      : { topicAliasMaximum: 64, receiveMaximum: 65535 });
    // Standard mode has QoS 2 and Subscription Identifiers: CONNACK leaves both properties out (they default to available).
    if (mode === 'standard') expect([offered.maximumQoS, offered.subscriptionIdentifiersAvailable]).toEqual([undefined, undefined]);
  });

  it('a message keeps its properties from MQTT 5 publisher to MQTT 5 subscriber; an MQTT 3.1.1 subscriber gets it without', async () => {
    const url = `mqtt://127.0.0.1:${t.mqttPort}`;
    const sub5 = await connect5(url, `sub5-${mode}`);
    const sub4 = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: `sub4-${mode}`, reconnectPeriod: 0 });
    const pub5 = await connect5(url, `pub5-${mode}`);
    clients.push(sub5, sub4, pub5);
    await sub5.subscribeAsync('lab/props', { qos: 1 });
    await sub4.subscribeAsync('lab/props', { qos: 1 });
    const got5 = nextMessage(sub5);
    const got4 = nextMessage(sub4);
    await pub5.publishAsync('lab/props', '{"t":21}', {
      qos: 1,
      properties: {
        userProperties: { device: 'alpha', tag: ['a', 'b'] }, contentType: 'application/json', responseTopic: 'lab/replies',
        correlationData: Buffer.from('req-7'), payloadFormatIndicator: true, messageExpiryInterval: 600,
      },
    });
    const m5 = await got5;
    expect(m5.payload).toBe('{"t":21}');
    expect(m5.properties).toMatchObject({
      userProperties: { device: 'alpha', tag: ['a', 'b'] }, contentType: 'application/json', responseTopic: 'lab/replies',
      correlationData: Buffer.from('req-7'), payloadFormatIndicator: true,
    });
    // The remaining lifetime is forwarded: at most what was sent.
    expect(m5.properties!.messageExpiryInterval).toBeLessThanOrEqual(600);
    const m4 = await got4;
    expect(m4).toEqual({ topic: 'lab/props', payload: '{"t":21}', properties: undefined });
  });

  it('Subscription Identifiers with mqtt.js: standard mode sends each matching subscription\'s; aws mode refuses them (DISCONNECT 0xA1)', async () => {
    const url = `mqtt://127.0.0.1:${t.mqttPort}`;
    const sub = await connect5(url, `sid-${mode}`);
    clients.push(sub);
    if (mode === 'aws') {
      const refused = new Promise<{ reasonCode?: number }>((resolve) => sub.once('disconnect', (packet) => resolve(packet)));
      sub.subscribe('lab/sid/+', { qos: 0, properties: { subscriptionIdentifier: 7 } });
      expect((await refused).reasonCode).toBe(0xa1);
      return;
    }
    await sub.subscribeAsync('lab/sid/+', { qos: 1, properties: { subscriptionIdentifier: 7 } });
    await sub.subscribeAsync('lab/sid/#', { qos: 1, properties: { subscriptionIdentifier: 11 } });
    const got = nextMessage(sub);
    await sub.publishAsync('lab/sid/x', 'both', { qos: 1 });
    const m = await got;
    expect(m.payload).toBe('both');
    expect(([m.properties?.subscriptionIdentifier].flat() as number[]).sort((a, b) => a - b)).toEqual([7, 11]);
  });

  it('an MQTT 3.1.1 publish reaches an MQTT 5 subscriber with no properties', async () => {
    const url = `mqtt://127.0.0.1:${t.mqttPort}`;
    const sub5 = await connect5(url, `sub5b-${mode}`);
    const pub4 = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: `pub4-${mode}`, reconnectPeriod: 0 });
    clients.push(sub5, pub4);
    await sub5.subscribeAsync('lab/v4', { qos: 0 });
    const got = nextMessage(sub5);
    await pub4.publishAsync('lab/v4', 'from 3.1.1', { qos: 0 });
    const m = await got;
    expect(m.payload).toBe('from 3.1.1');
    expect(m.properties ?? {}).toEqual({});
  });

  it('presence events and the will work for MQTT 5 clients: DISCONNECT 0x04 publishes the will, and the client disconnected', async () => {
    const url = `mqtt://127.0.0.1:${t.mqttPort}`;
    const watcher = await connect5(url, `presence-watch-${mode}`);
    clients.push(watcher);
    await watcher.subscribeAsync(['$aws/events/presence/+/v5-presence-' + mode, 'lab/wills/#'], { qos: 1 });
    const seen: Message[] = [];
    watcher.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), properties: packet.properties as never }));
    const device = await connect5(url, `v5-presence-${mode}`, {
      will: { topic: 'lab/wills/v5', payload: Buffer.from('gone'), qos: 1, retain: false, properties: { contentType: 'text/plain', userProperties: { why: 'test' } } },
    });
    await expect.poll(() => seen.some((m) => m.topic.includes('/connected/'))).toBe(true);
    device.end(false, { reasonCode: 0x04 });
    await expect.poll(() => seen.filter((m) => m.topic === 'lab/wills/v5' || m.topic.includes('/disconnected/')).length).toBe(2);
    const will = seen.find((m) => m.topic === 'lab/wills/v5')!;
    expect(will.payload).toBe('gone');
    expect(will.properties).toMatchObject({ contentType: 'text/plain', userProperties: { why: 'test' } });
    const disconnected = JSON.parse(seen.find((m) => m.topic.includes('/disconnected/'))!.payload);
    expect(disconnected).toMatchObject({ clientId: `v5-presence-${mode}`, eventType: 'disconnected', disconnectReason: 'CLIENT_INITIATED_DISCONNECT' });
  });

  it.each([1, 0] as const)('mqtt.js with topic aliases both ways (QoS %i): the publisher sends through them, the subscriber resolves the broker\'s', async (qos) => {
    const url = `mqtt://127.0.0.1:${t.mqttPort}`;
    const sub = await connect5(url, `alias-sub-${mode}-${qos}`, { properties: { topicAliasMaximum: 4 } });
    const pub = await connect5(url, `alias-pub-${mode}-${qos}`, { autoAssignTopicAlias: true });
    clients.push(sub, pub);
    await sub.subscribeAsync('lab/alias/long/topic/name', { qos });
    const received: Array<[string, string]> = [];
    const three = new Promise<void>((resolve) => sub.on('message', (topic, p) => received.push([topic, p.toString()]) === 3 && resolve()));
    for (const n of ['1', '2', '3']) await pub.publishAsync('lab/alias/long/topic/name', n, { qos });
    await three;
    expect(received).toEqual(['1', '2', '3'].map((n) => ['lab/alias/long/topic/name', n]));
  });
});

describe.skipIf(!fs.existsSync('/usr/bin/mosquitto_sub'))('mosquitto_pub and mosquitto_sub -V mqttv5', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine({ mode: 'standard' });
  });
  afterAll(() => t.stop());

  it('user properties (in order, duplicates kept), content type, response topic, correlation data and expiry arrive', async () => {
    const port = String(t.mqttPort);
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.mqttPort}`, { clientId: 'm5-watch', reconnectPeriod: 0 });
    await watcher.subscribeAsync('$aws/events/subscriptions/subscribed/m5-sub');
    const subscribed = nextMessage(watcher);
    const sub = run('/usr/bin/mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-V', 'mqttv5', '-i', 'm5-sub', '-t', 'lab/mosq', '-C', '1', '-F', '%t|%p|%P|%C|%R|%D|%E'], 20_000);
    await subscribed;
    await watcher.endAsync();
    const pub = run('/usr/bin/mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-V', 'mqttv5', '-i', 'm5-pub', '-t', 'lab/mosq', '-m', 'hello',
      '-D', 'publish', 'user-property', 'zone', 'b',
      '-D', 'publish', 'user-property', 'id', '7',
      '-D', 'publish', 'user-property', 'zone', 'a',
      '-D', 'publish', 'content-type', 'text/plain',
      '-D', 'publish', 'response-topic', 'lab/reply',
      '-D', 'publish', 'correlation-data', 'c0ffee',
      '-D', 'publish', 'message-expiry-interval', '3600'], 20_000);
    expect((await pub.done).code).toBe(0);
    const out = await sub.done;
    expect(out.code).toBe(0);
    const [topic, payload, users, contentType, responseTopic, correlation, expiry] = out.stdout.trim().split('|');
    expect({ topic, payload, contentType, responseTopic, correlation }).toEqual({ topic: 'lab/mosq', payload: 'hello', contentType: 'text/plain', responseTopic: 'lab/reply', correlation: 'c0ffee' });
    expect(users).toBe('zone:b id:7 zone:a'); // [MQTT-3.3.2-18]: forwarded unaltered, in order
    expect(Number(expiry)).toBeGreaterThan(3590);
    expect(Number(expiry)).toBeLessThanOrEqual(3600);
  });
});

describe('AWS IoT Device SDK v2 MQTT 5 client over mutual TLS', () => {
  let t: TestEngine;
  let client: mqtt5.Mqtt5Client | undefined;

  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(async () => {
    client?.stop();
    client?.close();
    await t.stop();
  });

  it('connects with an issued certificate, publishes and receives with user properties, and updates its shadow', async () => {
    const control = new IoTClient({ endpoint: t.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const cert = await control.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await control.send(new CreateThingCommand({ thingName: 'v5-lamp' }));
    await control.send(new AttachThingPrincipalCommand({ thingName: 'v5-lamp', principal: cert.certificateArn }));
    const A = 'arn:aws:iot:us-east-1:000000000000';
    await control.send(new CreatePolicyCommand({ policyName: 'v5', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${A}:client/\${iot:Connection.Thing.ThingName}` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: [`${A}:topic/$aws/things/\${iot:Connection.Thing.ThingName}/shadow/*`, `${A}:topic/lab/\${iot:Connection.Thing.ThingName}/*`] },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${A}:topicfilter/$aws/things/\${iot:Connection.Thing.ThingName}/shadow/*`, `${A}:topicfilter/lab/\${iot:Connection.Thing.ThingName}/*`] },
    ] }) }));
    await control.send(new AttachPolicyCommand({ policyName: 'v5', target: cert.certificateArn }));

    const builder = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromMemory('localhost', cert.certificatePem!, cert.keyPair!.PrivateKey!);
    builder.withCertificateAuthority(fs.readFileSync(path.join(t.dataDir, 'security', 'root-ca.pem'), 'utf8'));
    builder.withPort(Number(new URL(t.info.endpoints.mqtts!).port));
    builder.withConnectProperties({ clientId: 'v5-lamp', keepAliveIntervalSeconds: 60 });
    client = new mqtt5.Mqtt5Client(builder.build());
    const connected = new Promise<mqtt5.ConnectionSuccessEvent>((resolve, reject) => {
      client!.once('connectionSuccess', resolve);
      client!.once('connectionFailure', (e) => reject(e.error));
    });
    client.start();
    const success = await connected;
    expect(success.connack.reasonCode).toBe(mqtt5.ConnectReasonCode.Success);
    expect(success.connack.topicAliasMaximum).toBe(8);
    expect(success.connack.maximumQos).toBe(mqtt5.QoS.AtLeastOnce);

    const suback = await client.subscribe({ subscriptions: [{ topicFilter: 'lab/v5-lamp/#', qos: mqtt5.QoS.AtLeastOnce }] });
    expect(suback.reasonCodes).toEqual([mqtt5.SubackReasonCode.GrantedQoS1]);
    const received = new Promise<mqtt5.PublishPacket>((resolve) => client!.once('messageReceived', (e) => resolve(e.message)));
    const puback = await client.publish({
      topicName: 'lab/v5-lamp/telemetry', qos: mqtt5.QoS.AtLeastOnce, payload: 'on',
      userProperties: [{ name: 'unit', value: 'lux' }, { name: 'site', value: 'hall' }], contentType: 'text/plain',
    });
    expect((puback as mqtt5.PubackPacket).reasonCode).toBe(mqtt5.PubackReasonCode.Success);
    const message = await received;
    expect(Buffer.from(message.payload as ArrayBuffer).toString()).toBe('on');
    expect(message.userProperties).toEqual([{ name: 'unit', value: 'lux' }, { name: 'site', value: 'hall' }]);
    expect(message.contentType).toBe('text/plain');

    // A topic the policy does not allow: PUBACK 0x87 Not authorized, and the connection stays up.
    const denied = await client.publish({ topicName: 'elsewhere/x', qos: mqtt5.QoS.AtLeastOnce, payload: 'no' });
    expect((denied as mqtt5.PubackPacket).reasonCode).toBe(mqtt5.PubackReasonCode.NotAuthorized);

    const shadow = iotshadow.IotShadowClient.newFromMqtt5Client(client);
    const accepted = new Promise<iotshadow.model.UpdateShadowResponse>((resolve, reject) => {
      void shadow.subscribeToUpdateShadowAccepted({ thingName: 'v5-lamp' }, mqtt5.QoS.AtLeastOnce, (error, response) => (error ? reject(error) : resolve(response!)))
        .then(() => shadow.publishUpdateShadow({ thingName: 'v5-lamp', state: { reported: { on: true } } }, mqtt5.QoS.AtLeastOnce)).catch(reject);
    });
    const response = await accepted;
    expect(response.state?.reported).toEqual({ on: true });
    const stopped = new Promise<void>((resolve) => client!.once('stopped', () => resolve()));
    client.stop();
    await stopped;
    client.close();
    client = undefined;
  }, 30_000);
});
