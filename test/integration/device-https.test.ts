/**
 * The HTTPS device endpoint with real clients: `curl` with a client certificate from the engine's CA (the AWS IoT
 * docs' own example), an MQTT.js subscriber, the AWS SDK for the registry and policies; Node's https agent for
 * keep-alive. Publish, shadows, refusals, presence, rules' clientid()/principal(), and a command round trip by ttd.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import {
  AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand, IoTClient,
} from '@aws-sdk/client-iot';
import type { MqttClient } from 'mqtt';
import { curlWithCert, type CurlReply as Reply } from '../helpers/device-clients.js';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

const ACCOUNT = 'arn:aws:iot:us-east-1:000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;


describe('HTTPS device endpoint', () => {
  let te: TestEngine;
  let iot: IoTClient;
  let base: string;
  let dir: string;
  let sensor: { cert: string; key: string; id: string };
  const clients: MqttClient[] = [];

  /** `curl -i` trusting the engine's CA, with the files named by `creds` (default: the sensor's certificate). */
  const curl = (url: string, args: string[] = [], creds: { cert: string; key: string } | null = sensor): Promise<Reply> =>
    curlWithCert(url, path.join(te.dataDir, 'security', 'root-ca.pem'), creds, args);

  /** An ACTIVE certificate with `statements` as its policy, attached to thing `thing`; its PEM files in the scratch dir. */
  async function device(thing: string, statements: object[]): Promise<{ cert: string; key: string; id: string }> {
    const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new CreatePolicyCommand({ policyName: `${thing}-policy`, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
    await iot.send(new AttachPolicyCommand({ policyName: `${thing}-policy`, target: c.certificateArn }));
    await iot.send(new CreateThingCommand({ thingName: thing }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: thing, principal: c.certificateArn }));
    const files = { cert: path.join(dir, `${thing}.pem`), key: path.join(dir, `${thing}.key`), id: c.certificateId! };
    fs.writeFileSync(files.cert, c.certificatePem!);
    fs.writeFileSync(files.key, c.keyPair!.PrivateKey!);
    return files;
  }

  async function subscriber(...filters: string[]): Promise<MqttClient> {
    const c = await connect(te.mqttPort, { clientId: `watch-${clients.length}` });
    clients.push(c);
    for (const f of filters) await c.subscribeAsync(f, { qos: 1 });
    return c;
  }

  beforeAll(async () => {
    te = await startTestEngine({ limits: { maxPayloadBytes: 4096 } });
    base = te.info.endpoints.https;
    iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    dir = tempDir('tb-devhttps-');
    // A thing-scoped device policy: its own topics and its own shadow, named (AWS resolves no thing policy variable over HTTPS).
    sensor = await device('sensor-1', [
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:RetainPublish'], Resource: `${ACCOUNT}:topic/dt/sensor-1/*` },
      { Effect: 'Allow', Action: ['iot:GetThingShadow', 'iot:UpdateThingShadow', 'iot:DeleteThingShadow'], Resource: [`${ACCOUNT}:thing/sensor-1`, `${ACCOUNT}:thing/sensor-1/*`] },
    ]);
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await te?.stop();
  });

  it('joins the ready line as https on the wss port', () => {
    expect(base).toBe(`https://127.0.0.1:${new URL(te.info.endpoints.wss).port}`);
  });

  it('publishes QoS 1 and retained messages as the thing: an MQTT subscriber gets them, AWS answers {"message":"OK","traceId"}', async () => {
    const sub = await subscriber('dt/sensor-1/#');
    const got = nextMessages(sub, 2);
    const r1 = await curl(`${base}/topics/dt%2Fsensor-1%2Ftemp?qos=1`, ['-X', 'POST', '--data-binary', '{"t":21.5}']);
    expect(r1.status).toBe(200);
    expect(r1.headers['content-type']).toBe('application/json');
    const body = JSON.parse(r1.body) as { message: string; traceId: string };
    expect(body.message).toBe('OK');
    expect(body.traceId).toMatch(UUID);
    const r2 = await curl(`${base}/topics/dt/sensor-1/state?qos=0&retain=true`, ['-X', 'POST', '--data-binary', 'on']);
    expect(r2.status).toBe(200);
    expect((await got).map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([['dt/sensor-1/temp', '{"t":21.5}', 1], ['dt/sensor-1/state', 'on', 0]]);
    const retained = nextMessages(await subscriber('dt/sensor-1/state'), 1);
    expect((await retained)[0]).toMatchObject({ topic: 'dt/sensor-1/state', retain: true });
    const history = await te.engine.api.broker.messages({ filter: 'dt/sensor-1/#' });
    expect(history.map((m) => m.clientId)).toEqual(['sensor-1', 'sensor-1']);
  });

  it('presence says protocol https with the certificate as principal; broker.clients() lists the device', async () => {
    // A thing of its own, so that its first request opens its session here.
    const meter = await device('meter-9', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: '*' }]);
    const sub = await subscriber('$aws/events/presence/connected/meter-9');
    const event = nextMessages(sub, 1);
    expect((await curl(`${base}/topics/m/1`, ['-X', 'POST', '-d', '1'], meter)).status).toBe(200);
    expect(JSON.parse((await event)[0].payload.toString())).toMatchObject({ clientId: 'meter-9', eventType: 'connected', principalIdentifier: meter.id, protocol: 'https', ipAddress: '127.0.0.1' });
    expect((await te.engine.api.broker.clients()).find((c) => c.clientId === 'meter-9')).toMatchObject({ transport: 'https' });
    // The fleet index's connectivity follows presence: the thing is connected while its session lasts.
    await vi.waitFor(async () => expect((await te.engine.api.registry.search('thingName:meter-9 AND connectivity.connected:true')).items.map((t) => t.name)).toEqual(['meter-9']));
  });

  it("rules see the device's thing as clientid() and its certificate id as principal()", async () => {
    const res = await fetch(`${te.httpUrl}/rules/https_probe`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: "SELECT principal() AS p, clientid() AS c, temp FROM 'dt/sensor-1/probe'", awsIotSqlVersion: '2016-03-23', ruleDisabled: false,
        actions: [{ republish: { topic: 'probe/out', roleArn: 'arn:aws:iam::000000000000:role/r' } }] }),
    });
    expect(res.status).toBe(200);
    const out = nextMessages(await subscriber('probe/out'), 1);
    expect((await curl(`${base}/topics/dt/sensor-1/probe`, ['-X', 'POST', '--data-binary', '{"temp":7}'])).status).toBe(200);
    expect(JSON.parse((await out)[0].payload.toString())).toEqual({ p: sensor.id, c: 'sensor-1', temp: 7 });
  });

  it('refuses another thing\'s topic (403), a bad qos (400), an oversized body (413), an unknown path (404), a foreign Origin (403)', async () => {
    const forbidden = await curl(`${base}/topics/dt/sensor-2/temp`, ['-X', 'POST', '-d', 'x']);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers['x-amzn-errortype']).toBe('ForbiddenException:');
    expect(JSON.parse(forbidden.body)).toMatchObject({ message: 'not authorized to publish to dt/sensor-2/temp', traceId: expect.stringMatching(UUID) });
    const badQos = await curl(`${base}/topics/dt/sensor-1/temp?qos=2`, ['-X', 'POST', '-d', 'x']);
    expect([badQos.status, JSON.parse(badQos.body).message]).toEqual([400, 'Invalid qos: 2. Valid values are 0 and 1']);
    const big = path.join(dir, 'big.bin');
    fs.writeFileSync(big, Buffer.alloc(8192, 1));
    const tooLarge = await curl(`${base}/topics/dt/sensor-1/temp`, ['-X', 'POST', '--data-binary', `@${big}`]);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException:');
    const unknown = await curl(`${base}/nowhere`);
    expect([unknown.status, JSON.parse(unknown.body).message]).toEqual([404, 'Not Found']);
    const origin = await curl(`${base}/topics/dt/sensor-1/temp`, ['-X', 'POST', '-d', 'x', '-H', 'Origin: https://evil.example']);
    expect(origin.status).toBe(403);
    // Nothing refused reached the broker; the engine still serves.
    expect((await te.engine.api.broker.messages({ filter: 'dt/sensor-2/#' }))).toEqual([]);
    expect((await curl(`${base}/topics/dt/sensor-1/after`, ['-X', 'POST', '-d', 'x'])).status).toBe(200);
  });

  it('a certificate attached to several things names the one it speaks for in x-amzn-iot-thingname', async () => {
    const shared = await device('gw-a', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: '*' }]);
    await iot.send(new CreateThingCommand({ thingName: 'gw-b' }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'gw-b', principal: `${ACCOUNT}:cert/${shared.id}` }));
    const post = (topic: string, thing?: string) => curl(`${base}/topics/${topic}`, ['-X', 'POST', '-d', 'x', ...(thing ? ['-H', `x-amzn-iot-thingname: ${thing}`] : [])], shared);
    expect((await post('gw/1')).status).toBe(200);
    expect((await post('gw/2', 'gw-b')).status).toBe(200);
    const denied = await post('gw/3', 'sensor-1');
    expect([denied.status, JSON.parse(denied.body).message]).toEqual([403, `certificate ${shared.id} is not attached to thing sensor-1`]);
    const held = await te.engine.api.broker.messages({ filter: 'gw/#' });
    expect(held.map((m) => [m.topic, m.clientId]).reverse()).toEqual([['gw/1', shared.id], ['gw/2', 'gw-b']]);
  });

  it('without a client certificate the connection is refused before any HTTP answer', async () => {
    const r = await curl(`${base}/topics/dt/sensor-1/temp`, ['-X', 'POST', '-d', 'x'], null);
    expect(r.exit).not.toBe(0);
    expect(r.status).toBe(0);
    expect(te.logs.some((l) => l.source === 'security' && l.message.includes('refused an HTTPS device request') && l.message.includes('no client certificate'))).toBe(true);
  });

  it('shadows: GET (404, then the document), POST, DELETE on its own; another thing\'s is forbidden', async () => {
    expect((await curl(`${base}/things/sensor-1/shadow`)).status).toBe(404);
    const updated = await curl(`${base}/things/sensor-1/shadow`, ['-X', 'POST', '--data-binary', '{"state":{"reported":{"on":true}}}']);
    expect(updated.status).toBe(200);
    expect(JSON.parse(updated.body)).toMatchObject({ state: { reported: { on: true } }, version: 1 });
    const got = await curl(`${base}/things/sensor-1/shadow`);
    expect(JSON.parse(got.body)).toMatchObject({ state: { reported: { on: true } }, version: 1 });
    const named = await curl(`${base}/things/sensor-1/shadow?name=cfg`, ['-X', 'POST', '--data-binary', '{"state":{"desired":{"rate":5}}}']);
    expect(named.status).toBe(200);
    expect((await curl(`${base}/things/sensor-1/shadow`, ['-X', 'DELETE'])).status).toBe(200);
    expect((await curl(`${base}/things/sensor-1/shadow`)).status).toBe(404);
    const other = await curl(`${base}/things/sensor-2/shadow`);
    expect([other.status, JSON.parse(other.body).message]).toEqual([403, `not authorized to perform iot:GetThingShadow on ${ACCOUNT}:thing/sensor-2`]);
  });

  it('keeps the connection alive between requests', async () => {
    const agent = new https.Agent({ keepAlive: true, cert: fs.readFileSync(sensor.cert), key: fs.readFileSync(sensor.key), ca: fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem')) });
    const post = () => new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
      const req = https.request(`${base}/topics/dt/sensor-1/ka`, { method: 'POST', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
      });
      req.on('error', reject);
      req.end('x');
    });
    expect(await post()).toEqual({ status: 200, reused: false });
    expect(await post()).toEqual({ status: 200, reused: true });
    agent.destroy();
  });

  it('a command round trip by hono-ttd: the command comes in the publish response, the answer on /command/res/{reqId}', async () => {
    const sent = te.engine.api.control.send({ thing: 'sensor-1', name: 'setRate', payload: '{"rate":5}', contentType: 'application/json', timeoutMs: 10_000 });
    const asked = await curl(`${base}/topics/dt/sensor-1/telemetry?qos=0`, ['-X', 'POST', '-d', '{"seq":1}', '-H', 'hono-ttd: 5']);
    expect(asked.status).toBe(200);
    expect(asked.headers['hono-command']).toBe('setRate');
    expect(asked.headers['content-type']).toBe('application/json');
    expect(asked.body).toBe('{"rate":5}');
    const reqId = asked.headers['hono-cmd-req-id'];
    expect(reqId).toBeTruthy();
    const answered = await curl(`${base}/command/res/${reqId}?hono-cmd-status=200`, ['-X', 'POST', '-d', '{"ok":true}', '-H', 'content-type: application/json']);
    expect(answered.status).toBe(202);
    expect(await sent).toMatchObject({ requestId: reqId, status: 200, text: '{"ok":true}', via: 'https' });
    // The explorer shows both on the topics an MQTT device would use, once each, the answer as the thing's.
    const shown = await te.engine.api.broker.messages({ filter: 'command/sensor-1/#' });
    expect(shown.map((m) => [m.topic, m.clientId, Buffer.from(m.payload, 'base64').toString()])).toEqual([
      [`command/sensor-1/res/${reqId}/200`, 'sensor-1', '{"ok":true}'],
      [`command/sensor-1/req/${reqId}/setRate`, null, '{"rate":5}'],
    ]);
    expect(shown[1].properties?.contentType).toBe('application/json');
    // Asking with nothing pending answers as usual once the ttd passes; an unknown request id is 404.
    const idle = await curl(`${base}/topics/dt/sensor-1/telemetry`, ['-X', 'POST', '-d', '{}', '-H', 'hono-ttd: 0']);
    expect(JSON.parse(idle.body).message).toBe('OK');
    expect((await curl(`${base}/command/res/nope?hono-cmd-status=200`, ['-X', 'POST', '-d', 'x'])).status).toBe(404);
    expect((await curl(`${base}/command/res/${reqId}`, ['-X', 'POST', '-d', 'x'])).status).toBe(400); // no hono-cmd-status
  });
  it('meters its publishes as the thing in the cost view: two publishes under 5 KB are 2 billed messages', async () => {
    const meter = await device('cost-meter-1', [{ Effect: 'Allow', Action: 'iot:Publish', Resource: '*' }]);
    const before = await te.engine.api.metering.cost();
    const messages = (r: typeof before) => r.lines.find((l) => l.priceId === 'iot.messaging')!.quantity;
    expect((await curl(`${base}/topics/cost/https`, ['-X', 'POST', '--data-binary', 'x'.repeat(3000)], meter)).status).toBe(200);
    expect((await curl(`${base}/topics/cost/https`, ['-X', 'POST', '--data-binary', 'y'.repeat(4000)], meter)).status).toBe(200);
    const after = await te.engine.api.metering.cost();
    expect(after.devices.find((d) => d.device === 'cost-meter-1')).toMatchObject({ messages: 2, billedMessages: 2 });
    expect(messages(after) - messages(before)).toBe(2);
    expect((await te.engine.api.metering.usage()).clients.find((c) => c.clientId === 'cost-meter-1')).toMatchObject({ messagesIn: 2, bytesIn: 7000, billedMessages: 2 });
  });
});
