/**
 * CoAP devices end to end with libcoap's `coap-client-notls` (and raw UDP where it cannot express a case): publishes
 * (CON and NON) an MQTT subscriber receives and a rule sees with the thing's client id and token id; a shadow read
 * and updated; a topic observed; a block-wise upload; refusals with their codes (4.01, 4.03, 4.04, 4.05, 4.02, 4.13,
 * 4.29); garbage datagrams dropped while other devices are served.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { generate, parse } from 'coap-packet';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import type { LogEntry } from '../../engine/core/index.js';
import { coapClient } from '../helpers/device-clients.js';
import { connect, nextMessages } from '../helpers/engine.js';
import { closeBeforeRemovingTempDirs, tempDir } from '../helpers/temp-dirs.js';

const A = 'arn:aws:iot:us-east-1:000000000000';

let engine: Engine;
let base: string;
let port: number;
let mqttPort: number;
const logs: LogEntry[] = [];
let token: string;
let tokenId: string;
let otherToken: string;

const url = (p: string, query: string) => `${base}${p}?${query}`;
const auth = (thing = 'sensor-1', secret = token) => `thing=${thing}&token=${secret}`;

beforeAll(async () => {
  const dataDir = tempDir('tb-coap-');
  const logger = { log: (level: LogEntry['level'], source: string, message: string) => void logs.push({ level, source, message, time: Date.now() }) };
  engine = await createEngine(defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0 }, coap: { requestsPerSecond: 50, burst: 400 } }), { logger });
  closeBeforeRemovingTempDirs(() => engine.stop());
  const info = await engine.start();
  base = info.endpoints.coap;
  port = Number(new URL(base.replace('coap:', 'http:')).port);
  mqttPort = Number(new URL(info.endpoints.mqtt).port);
  const api = engine.api;
  for (const thing of ['sensor-1', 'sensor-2', 'sensor-3']) await api.registry.createThing(thing);
  ({ token, tokenId } = await api.registry.setDeviceToken({ thing: 'sensor-1' }));
  otherToken = (await api.registry.setDeviceToken({ thing: 'sensor-2' })).token;
  await api.registry.setDeviceToken({ thing: 'sensor-3', token: 'sensor-three-token' });
  // The things' certificate carries their policy: sensors/<own name>/…, their own shadow, and commands.
  const cert = await api.security.createCertificate(true);
  await api.security.putPolicy('coap-sensors', JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: [`${A}:topic/sensors/\${iot:ClientId}/*`, `${A}:topic/$aws/things/\${iot:ClientId}/shadow/*`] },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${A}:topicfilter/sensors/*`, `${A}:topicfilter/$aws/things/\${iot:ClientId}/shadow/*`] },
    ],
  }));
  await api.security.attachPolicy('coap-sensors', cert.arn);
  await api.registry.attachPrincipal('sensor-1', cert.arn);
  await api.registry.attachPrincipal('sensor-2', cert.arn);
  await engine.api.rules.put('coap_seen', {
    sql: "SELECT topic() AS t, clientid() AS c, principal() AS p FROM 'sensors/+/temp'", awsIotSqlVersion: '2016-03-23',
    actions: [{ republish: { topic: 'seen/coap', qos: 1, roleArn: 'arn:aws:iam::000000000000:role/rules' } }],
  });
});

afterAll(async () => {
  await engine?.stop();
});

async function subscriber(...filters: string[]): Promise<MqttClient> {
  const c = await connect(mqttPort, { clientId: `sub-${Math.random().toString(36).slice(2)}` });
  for (const f of filters) await c.subscribeAsync(f, { qos: 1 });
  return c;
}

describe('CoAP publish', () => {
  it('CON and NON publishes reach an MQTT subscriber, as the thing (rules see its client id and token id)', async () => {
    const sub = await subscriber('sensors/#', 'seen/coap');
    const got = nextMessages(sub, 3);
    // An MQTT 5 subscriber gets the Content-Format as the message's content type.
    const v5 = await connect(mqttPort, { clientId: 'coap-v5-sub', protocolVersion: 5 });
    await v5.subscribeAsync('sensors/sensor-1/temp', { qos: 1 });
    const typed = new Promise<string | undefined>((resolve) => v5.once('message', (_t, _p, packet) => resolve(packet.properties?.contentType)));
    const con = await coapClient(['-m', 'post', '-t', 'json', '-e', '{"c":21.5}', url('/topics/sensors/sensor-1/temp', `${auth()}&qos=1`)]);
    expect(con.codes).toEqual(['2.04']);
    const non = await coapClient(['-N', '-m', 'put', '-e', 'plain text', url('/topics/sensors/sensor-1/note', auth())]);
    expect(non.codes).toEqual(['2.04']);
    expect(non.out).toMatch(/t:NON c:2\.04/);
    const messages = (await got).map((m) => [m.topic, m.payload.toString(), m.qos]);
    expect(messages).toEqual(expect.arrayContaining([
      ['sensors/sensor-1/temp', '{"c":21.5}', 1],
      ['sensors/sensor-1/note', 'plain text', 0],
      ['seen/coap', JSON.stringify({ t: 'sensors/sensor-1/temp', c: 'sensor-1', p: tokenId }), 1],
    ]));
    expect(await typed).toBe('application/json');
    // A Content-Format without a media type name (65000, of the experimental range) travels as its number.
    const numbered = new Promise<string | undefined>((resolve) => v5.once('message', (_t, _p, packet) => resolve(packet.properties?.contentType)));
    expect((await coapClient(['-m', 'post', '-t', '65000', '-e', 'x', url('/topics/sensors/sensor-1/temp', auth())])).codes).toEqual(['2.04']);
    expect(await numbered).toBe('65000');
    expect((await engine.api.broker.clients()).find((c) => c.clientId === 'sensor-1')).toMatchObject({ transport: 'coap' });
    await sub.endAsync(true);
    await v5.endAsync(true);
  });

  it('uploads a large payload block-wise (Block1) and refuses one above the broker payload limit with 4.13 and Size1', async () => {
    const dir = tempDir('tb-coap-file-');
    const big = path.join(dir, 'big.json');
    const body = JSON.stringify({ samples: Array.from({ length: 3000 }, (_, i) => i) });
    fs.writeFileSync(big, body);
    const sub = await subscriber('sensors/sensor-1/bulk');
    const got = nextMessages(sub, 1);
    const up = await coapClient(['-m', 'post', '-b', '512', '-f', big, url('/topics/sensors/sensor-1/bulk', auth())]);
    expect(up.codes.at(-1)).toBe('2.04');
    expect(up.out).toContain('Block1:0/M/512');
    expect((await got)[0].payload.toString()).toBe(body);
    await sub.endAsync(true);

    const huge = path.join(dir, 'huge.bin');
    fs.writeFileSync(huge, Buffer.alloc(128 * 1024 + 1, 7));
    const refused = await coapClient(['-m', 'post', '-b', '1024', '-f', huge, url('/topics/sensors/sensor-1/bulk', auth())]);
    expect(refused.codes).toContain('4.13');
    expect(refused.out).toMatch(/c:4\.13[^\n]*Size1:131072/);
  });

  it('refuses unknown things, wrong tokens, other things\' topics, unknown paths and methods with their codes', async () => {
    expect((await coapClient(['-m', 'post', '-e', 'x', url('/topics/sensors/sensor-1/temp', auth('sensor-1', otherToken))])).codes).toEqual(['4.01']);
    expect((await coapClient(['-m', 'post', '-e', 'x', url('/topics/sensors/sensor-1/temp', auth('ghost', token))])).codes).toEqual(['4.01']);
    expect((await coapClient(['-m', 'post', '-e', 'x', `${base}/topics/sensors/sensor-1/temp`])).codes).toEqual(['4.01']);
    const foreign = await coapClient(['-m', 'post', '-e', 'x', url('/topics/sensors/sensor-2/temp', auth())]);
    expect(foreign.codes).toEqual(['4.03']);
    expect(foreign.err).toContain('not authorized to publish to sensors/sensor-2/temp');
    // A thing with a token but no policy is refused everything.
    expect((await coapClient(['-m', 'post', '-e', 'x', url('/topics/sensors/sensor-3/temp', auth('sensor-3', 'sensor-three-token'))])).codes).toEqual(['4.03']);
    expect((await coapClient(['-m', 'post', '-e', 'x', url('/elsewhere', auth())])).codes).toEqual(['4.04']);
    expect((await coapClient(['-m', 'delete', url('/topics/sensors/sensor-1/temp', auth())])).codes).toEqual(['4.05']);
    expect((await coapClient(['-m', 'post', '-e', 'x', url('/topics/sensors/sensor-1/temp', `${auth()}&qos=2`)])).codes).toEqual(['4.00']);
    // An unknown critical option (65001 is odd: critical) is refused with 4.02; an unknown elective one is ignored.
    expect((await coapClient(['-m', 'post', '-e', 'x', '-O', '65001,x', url('/topics/sensors/sensor-1/temp', auth())])).codes).toEqual(['4.02']);
    expect((await coapClient(['-m', 'post', '-e', 'x', '-O', '65000,x', url('/topics/sensors/sensor-1/temp', auth())])).codes).toEqual(['2.04']);
    // The token is never logged.
    expect(logs.some((l) => l.message.includes(token) || l.message.includes(otherToken))).toBe(false);
    expect(logs.some((l) => l.source === 'coap' && l.message.includes('4.01'))).toBe(true);
  });
});

describe('CoAP shadows and Observe', () => {
  it('updates, reads and deletes the thing\'s shadow as its MQTT topics would; another thing\'s shadow is 4.03', async () => {
    const updated = await coapClient(['-m', 'post', '-e', '{"state":{"reported":{"on":true}}}', url('/things/sensor-1/shadow', auth())]);
    expect(updated.codes).toEqual(['2.04']);
    const read = await coapClient(['-m', 'get', url('/things/sensor-1/shadow', auth())]);
    expect(read.codes).toEqual(['2.05']);
    const doc = JSON.parse(/c:2\.05[^\n]*:: '(.*)'$/m.exec(read.out)![1]) as { state: { reported: { on: boolean } }; version: number };
    expect(doc).toMatchObject({ state: { reported: { on: true } }, version: 1 });
    expect((await coapClient(['-m', 'get', url('/things/sensor-2/shadow', auth())])).codes).toEqual(['4.03']);
    expect((await coapClient(['-m', 'get', url('/things/sensor-1/shadow', `${auth()}&name=none`)])).codes).toEqual(['4.04']);
    expect((await coapClient(['-m', 'post', '-e', 'not json', url('/things/sensor-1/shadow', auth())])).codes).toEqual(['4.00']);
    expect((await coapClient(['-m', 'delete', url('/things/sensor-1/shadow', auth())])).codes).toEqual(['2.02']);
    expect((await coapClient(['-m', 'get', url('/things/sensor-1/shadow', auth())])).codes).toEqual(['4.04']);
  });

  it('observes a topic: each message published to it arrives as a notification until the observation ends', async () => {
    const observer = coapClient(['-s', '6', '-m', 'get', url('/topics/sensors/%2B/alarm', auth())]);
    // The observation is registered once the device session subscribed (broker.clients shows its filter).
    const publisher = await connect(mqttPort, { clientId: 'alarm-source' });
    await vi.waitFor(async () => {
      const c = (await engine.api.broker.clients()).find((x) => x.clientId === 'sensor-1');
      expect(c?.subscriptions ?? []).toContain('sensors/+/alarm');
    }, { timeout: 10_000, interval: 50 });
    await publisher.publishAsync('sensors/sensor-1/alarm', 'smoke', { qos: 1 });
    // Another thing's alarm matches the filter but the policy's iot:Receive does not allow it.
    await publisher.publishAsync('sensors/sensor-2/alarm', 'not for sensor-1', { qos: 1 });
    await publisher.publishAsync('sensors/sensor-1/alarm', 'heat', { qos: 1 });
    const { out } = await observer;
    expect(out).toMatch(/t:ACK c:2\.05 [^\n]*Observe:1 \]$/m);
    const notifications = [...out.matchAll(/c:2\.05 [^\n]*Observe:(\d+)[^\n]*:: '(.*)'$/gm)].map((m) => m[2]);
    expect(notifications).toEqual(['smoke', 'heat']);
    await publisher.endAsync(true);
  });

  it('observes a shadow: the current document, then each new version', async () => {
    await engine.api.shadow.update('sensor-1', { state: { desired: { rate: 1 } } });
    const observer = coapClient(['-s', '6', '-m', 'get', url('/things/sensor-1/shadow', auth())]);
    await vi.waitFor(async () => {
      const c = (await engine.api.broker.clients()).find((x) => x.clientId === 'sensor-1');
      expect(c?.subscriptions ?? []).toContain('$aws/things/sensor-1/shadow/update/documents');
    }, { timeout: 10_000, interval: 50 });
    await engine.api.shadow.update('sensor-1', { state: { desired: { rate: 2 } } });
    await engine.api.shadow.update('sensor-1', { state: { desired: { rate: 3 } } });
    const { out } = await observer;
    const versions = [...out.matchAll(/c:2\.05 [^\n]*Observe:\d+[^\n]*:: '(.*)'$/gm)].map((m) => JSON.parse(m[1]) as { state: { desired: { rate: number } }; version: number });
    expect(versions.map((d) => d.state.desired.rate)).toEqual([1, 2, 3]);
    expect(versions.map((d) => d.version)).toEqual([versions[0].version, versions[0].version + 1, versions[0].version + 2]);
  });

  it('ends a shadow observation with a 4.04 notification (no Observe option) when the shadow is deleted', async () => {
    await engine.api.shadow.update('sensor-1', { state: { desired: { rate: 4 } } });
    const observer = coapClient(['-s', '6', '-m', 'get', url('/things/sensor-1/shadow', auth())]);
    const subscriptions = async () => (await engine.api.broker.clients()).find((x) => x.clientId === 'sensor-1')?.subscriptions ?? [];
    await vi.waitFor(async () => expect(await subscriptions()).toContain('$aws/things/sensor-1/shadow/delete/accepted'), { timeout: 10_000, interval: 50 });
    await engine.api.shadow.delete('sensor-1');
    // The observation's subscriptions end with it.
    await vi.waitFor(async () => expect(await subscriptions()).not.toContain('$aws/things/sensor-1/shadow/update/documents'), { timeout: 10_000, interval: 50 });
    const { out } = await observer;
    expect(out).toMatch(/c:2\.05 [^\n]*Observe:\d+/);
    const ended = /v:1 t:\w+ c:4\.04 [^\n]*/.exec(out)?.[0];
    expect(ended).toBeDefined();
    expect(ended).not.toMatch(/Observe:/);
    expect(ended).toContain("No shadow exists with name: 'sensor-1'");
  });
  it('observes a shadow without the 4.04 deletion notice when the policy does not allow subscribing to …/delete/accepted', async () => {
    const api = engine.api;
    await api.registry.createThing('sensor-4');
    const secret = (await api.registry.setDeviceToken({ thing: 'sensor-4' })).token;
    const cert = await api.security.createCertificate(true);
    const shadow = `${A}:topic/$aws/things/\${iot:ClientId}/shadow`;
    await api.security.putPolicy('coap-narrow', JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: [`${shadow}/*`] },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${A}:topicfilter/$aws/things/\${iot:ClientId}/shadow/get/*`, `${A}:topicfilter/$aws/things/\${iot:ClientId}/shadow/update/documents`] },
      ],
    }));
    await api.security.attachPolicy('coap-narrow', cert.arn);
    await api.registry.attachPrincipal('sensor-4', cert.arn);
    await api.shadow.update('sensor-4', { state: { desired: { rate: 7 } } });
    const observer = coapClient(['-s', '2', '-m', 'get', url('/things/sensor-4/shadow', auth('sensor-4', secret))]);
    const subscriptions = async () => (await api.broker.clients()).find((x) => x.clientId === 'sensor-4')?.subscriptions ?? [];
    await vi.waitFor(async () => expect(await subscriptions()).toContain('$aws/things/sensor-4/shadow/update/documents'), { timeout: 10_000, interval: 50 });
    expect(await subscriptions()).not.toContain('$aws/things/sensor-4/shadow/delete/accepted');
    const { out } = await observer;
    expect(out).toMatch(/c:2\.05 [^\n]*Observe:\d+[^\n]*"rate":7/);
  });
});

describe('CoAP bad input', () => {
  it('drops malformed datagrams (counted), answers floods from one address 4.29 and keeps serving others', async () => {
    const raw = dgram.createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, '127.0.0.2', () => r()));
    const before = logs.filter((l) => l.message.startsWith('dropped a malformed datagram')).length;
    for (const garbage of [Buffer.from('hello'), Buffer.from([0xff, 0x01]), Buffer.alloc(0), Buffer.from([0x40, 0x01, 0x00])]) raw.send(garbage, port, '127.0.0.1');
    // A valid request after the garbage, from the same socket, is answered: the listener survived.
    const answers: string[] = [];
    raw.on('message', (msg) => answers.push(parse(msg).code));
    const request = (id: number) => generate({ code: '0.02', messageId: id, token: Buffer.from([id & 0xff, id >> 8]), confirmable: true,
      options: [{ name: 'Uri-Path', value: Buffer.from('topics') }, { name: 'Uri-Path', value: Buffer.from('sensors') }, { name: 'Uri-Path', value: Buffer.from('sensor-1') }, { name: 'Uri-Path', value: Buffer.from('flood') },
        { name: 'Uri-Query', value: Buffer.from('thing=sensor-1') }, { name: 'Uri-Query', value: Buffer.from(`token=${token}`) }], payload: Buffer.from('f') });
    raw.send(request(1), port, '127.0.0.1');
    await vi.waitFor(() => expect(answers).toEqual(['2.04']), { timeout: 5000, interval: 20 });
    expect(logs.filter((l) => l.message.startsWith('dropped a malformed datagram')).length - before).toBeGreaterThanOrEqual(3);
    // Then a flood from 127.0.0.2: beyond the burst (400), 4.29 (a busy machine may drop some datagrams on the way).
    for (let i = 2; i < 900; i++) raw.send(request(i), port, '127.0.0.1');
    await vi.waitFor(() => expect(answers.filter((c) => c === '4.29').length).toBeGreaterThan(20), { timeout: 15_000, interval: 50 });
    // Meanwhile another address is served (as another thing: the flood may also reach sensor-1's publish rate limit).
    expect((await coapClient(['-m', 'post', '-e', 'x', url('/topics/sensors/sensor-2/temp', auth('sensor-2', otherToken))])).codes).toEqual(['2.04']);
    raw.close();
    await once(raw, 'close');
  });
});

describe('CoAP commands', () => {
  it('round trip: the device asks with hono-ttd, gets the command in the response and answers on its next request', async () => {
    const answer = engine.api.control.send({ thing: 'sensor-1', name: 'set-rate', payload: '{"hz":2}', contentType: 'application/json', timeoutMs: 20_000 });
    await vi.waitFor(async () => expect((await engine.api.control.pending()).map((p) => p.thing)).toContain('sensor-1'), { timeout: 5000, interval: 20 });
    const asked = await coapClient(['-m', 'post', '-e', '{"t":1}', url('/topics/sensors/sensor-1/temp', `${auth()}&hono-ttd=10`)]);
    expect(asked.codes).toEqual(['2.04']);
    const response = /c:2\.04 [^\n]*/.exec(asked.out)![0];
    expect(response).toContain('Location-Path:command_response');
    expect(response).toContain('Location-Query:hono-command=set-rate');
    expect(response).toContain(`:: '{"hz":2}'`);
    const requestId = /hono-cmd-req-id=([^ ,\]]+)/.exec(response)![1];
    const answered = await coapClient(['-m', 'post', '-e', '{"ok":true}', url(`/command_response/${requestId}`, `${auth()}&hono-cmd-status=200`)]);
    expect(answered.codes).toEqual(['2.04']);
    expect(await answer).toMatchObject({ requestId, status: 200, text: '{"ok":true}', via: 'coap' });
    // The same answer again (the request is done), or one without a status, is refused.
    expect((await coapClient(['-m', 'post', '-e', 'x', url(`/command_response/${requestId}`, `${auth()}&hono-cmd-status=200`)])).codes).toEqual(['4.04']);
    expect((await coapClient(['-m', 'post', '-e', 'x', url(`/cr/${requestId}`, auth())])).codes).toEqual(['4.00']);
  });
});
