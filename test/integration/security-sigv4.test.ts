/**
 * SigV4 done as AWS does it. MQTT over WebSocket with a SigV4-presigned URL (AWS IoT's way for browsers; signed by
 * the AWS SDK's own signer, `@smithy/signature-v4`) and with the AWS IoT Device SDK v2's SigV4 websocket over `wss`
 * without a client certificate; the access key id is the principal in presence events. On the HTTP API: the body is
 * bound to the signature, stale and future dates are refused with AWS's messages, presigned query strings work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sigv4Signer } from '../helpers/sigv4-signer.js';
import { auth, iot, mqtt as crtMqtt, mqtt5 } from 'aws-iot-device-sdk-v2';
import type { MqttClient } from 'mqtt';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import type { LogEntry } from '../../engine/core/index.js';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { upgradeStatus } from '../helpers/net.js';

const key = { accessKeyId: 'AKIDWEBSOCKET', secretAccessKey: 'browser-secret' };
const MIN = 60_000;

async function presignedWsUrl(base: string, opts: { secret?: string; signingDate?: Date; expiresIn?: number } = {}): Promise<string> {
  const u = new URL(base);
  const signer = sigv4Signer('iotdevicegateway', { ...key, secretAccessKey: opts.secret ?? key.secretAccessKey });
  const signed = await signer.presign(
    { method: 'GET', protocol: u.protocol === 'wss:' ? 'https:' : 'http:', hostname: u.hostname, port: Number(u.port), path: u.pathname, query: {}, headers: { host: u.host } },
    { signingDate: opts.signingDate, expiresIn: opts.expiresIn },
  );
  const q = Object.entries(signed.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  return `${u.protocol}//${u.host}${u.pathname}?${q}`;
}

/**
 * The presigned URL exactly as AWS IoT's developer guide builds it for browsers (no `X-Amz-Expires`: the signature
 * is good for the 15 minutes around `X-Amz-Date`).
 */
function guidePresignedUrl(base: string, at: Date): string {
  const u = new URL(base);
  const amzDate = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const scope = `${date}/us-east-1/iotdevicegateway/aws4_request`;
  const query = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent(`${key.accessKeyId}/${scope}`)}&X-Amz-Date=${amzDate}&X-Amz-SignedHeaders=host`;
  const canonical = ['GET', u.pathname, query, `host:${u.host}\n`, 'host', createHash('sha256').update('').digest('hex')].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const h = (k: string | Buffer, d: string) => createHmac('sha256', k).update(d).digest();
  const signature = createHmac('sha256', h(h(h(h(`AWS4${key.secretAccessKey}`, date), 'us-east-1'), 'iotdevicegateway'), 'aws4_request')).update(toSign).digest('hex');
  return `${u.protocol}//${u.host}${u.pathname}?${query}&X-Amz-Signature=${signature}`;
}

describe('SigV4 MQTT over WebSocket', () => {
  let engine: Engine;
  let dataDir: string;
  let ws: string;
  let wss: string;
  const logs: LogEntry[] = [];
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sigv4-ws-'));
    const config = defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key] } });
    engine = await createEngine(config, { logger: { log: (level, source, message, details) => logs.push({ level, source, message, time: Date.now(), details }) } });
    const info = await engine.start();
    ws = info.endpoints.ws;
    wss = info.endpoints.wss!;
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a URL presigned by the AWS SDK signer connects; the access key id is the principal of its presence events', async () => {
    const watcher = await connect(ws, { clientId: 'watcher' });
    clients.push(watcher);
    await watcher.subscribeAsync(['$aws/events/presence/connected/browser-1', 'room/signed']);
    const connected = nextMessages(watcher, 1);
    const browser = await connect(await presignedWsUrl(ws), { clientId: 'browser-1', protocolVersion: 4 });
    clients.push(browser);
    const [event] = await connected;
    expect(JSON.parse(event.payload.toString())).toMatchObject({ clientId: 'browser-1', eventType: 'connected', principalIdentifier: key.accessKeyId });
    const published = nextMessages(watcher, 1);
    await browser.publishAsync('room/signed', 'from the browser', { qos: 1 });
    expect((await published)[0].payload.toString()).toBe('from the browser');
  });

  it('rules see the access key id as principal() of a signed connection', async () => {
    await engine.api.rules.put('sigv4_principal', {
      sql: "SELECT principal() AS p, clientid() AS c FROM 'sigprobe/in'", awsIotSqlVersion: '2016-03-23',
      actions: [{ republish: { topic: 'sigprobe/out', roleArn: 'arn:aws:iam::000000000000:role/r' } }],
    });
    const dev = await connect(await presignedWsUrl(ws), { clientId: 'sig-probe' });
    clients.push(dev);
    await dev.subscribeAsync('sigprobe/out');
    const out = nextMessages(dev, 1);
    await dev.publishAsync('sigprobe/in', '{}', { qos: 1 });
    expect(JSON.parse((await out)[0].payload.toString())).toEqual({ p: key.accessKeyId, c: 'sig-probe' });
  });

  it('a session token appended after signing (AWS IoT) is accepted', async () => {
    const url = `${await presignedWsUrl(ws)}&X-Amz-Security-Token=${encodeURIComponent('FQoGZXIvYXdzEJr//////////token')}`;
    const c = await connect(url, { clientId: 'browser-token', protocolVersion: 4 });
    clients.push(c);
    expect(c.connected).toBe(true);
  });

  it('a wrong secret, a date more than 15 minutes old or ahead and a lapsed X-Amz-Expires are refused with 403', async () => {
    expect(await upgradeStatus(await presignedWsUrl(ws))).toBe(101);
    expect(await upgradeStatus(guidePresignedUrl(ws, new Date(Date.now() - 10 * MIN)))).toBe(101);
    expect(await upgradeStatus(await presignedWsUrl(ws, { secret: 'guess' }))).toBe(403);
    expect(await upgradeStatus(guidePresignedUrl(ws, new Date(Date.now() - 20 * MIN)))).toBe(403);
    expect(await upgradeStatus(await presignedWsUrl(ws, { signingDate: new Date(Date.now() + 20 * MIN) }))).toBe(403);
    expect(await upgradeStatus(await presignedWsUrl(ws, { signingDate: new Date(Date.now() - 2 * MIN), expiresIn: 60 }))).toBe(403);
    const reasons = logs.filter((l) => l.message.startsWith('refused a SigV4 WebSocket upgrade')).map((l) => l.message);
    expect(reasons).toEqual([
      expect.stringContaining('InvalidSignatureException: The request signature we calculated does not match'),
      expect.stringMatching(/Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)/),
      expect.stringMatching(/Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)/),
      expect.stringContaining('Signature expired'),
    ]);
  });

  it('a presigned URL also opens wss without a client certificate (as on AWS port 443); without one wss is refused', async () => {
    const ca = fs.readFileSync(path.join(dataDir, 'security', 'root-ca.pem'));
    const url = (await presignedWsUrl(wss.replace('127.0.0.1', 'localhost')));
    const c = await connect(url, { clientId: 'browser-wss', protocolVersion: 4, ca, servername: 'localhost' } as never);
    clients.push(c);
    expect(c.connected).toBe(true);
    const unsigned = await connect(wss.replace('127.0.0.1', 'localhost'), { clientId: 'no-cert', protocolVersion: 4, ca, connectTimeout: 3000 } as never).then((x) => {
      x.end(true);
      return null;
    }, (e: Error) => e);
    expect(unsigned).toBeInstanceOf(Error);
  });

  it('the AWS IoT Device SDK v2 connects over wss with SigV4 (static credentials), publishes and receives', async () => {
    const port = Number(new URL(wss).port);
    const build = (secret: string, clientId: string) => iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
      region: 'us-east-1', credentials_provider: auth.AwsCredentialsProvider.newStatic(key.accessKeyId, secret),
    }).with_certificate_authority(fs.readFileSync(path.join(dataDir, 'security', 'root-ca.pem'), 'utf8'))
      .with_endpoint('localhost').with_port(port).with_client_id(clientId).with_clean_session(true).build();
    const client = new crtMqtt.MqttClient();
    const watcher = await connect(ws, { clientId: 'sdk-watcher' });
    clients.push(watcher);
    await watcher.subscribeAsync('$aws/events/presence/connected/sdk-websocket');
    const presence = nextMessages(watcher, 1);
    const connection = client.new_connection(build(key.secretAccessKey, 'sdk-websocket'));
    try {
      await connection.connect();
      expect(JSON.parse((await presence)[0].payload.toString())).toMatchObject({ clientId: 'sdk-websocket', principalIdentifier: key.accessKeyId });
      const got = new Promise<string>((resolve) => void connection.subscribe('sdk/echo', crtMqtt.QoS.AtLeastOnce, (_t, payload) => resolve(Buffer.from(payload).toString())));
      await connection.publish('sdk/echo', 'over sigv4', crtMqtt.QoS.AtLeastOnce);
      expect(await got).toBe('over sigv4');
    } finally {
      await connection.disconnect().catch(() => {});
    }
    const wrong = client.new_connection(build('not-the-secret', 'sdk-wrong'));
    await expect(wrong.connect()).rejects.toThrow();
  }, 20_000);

  it('the Device SDK v2 MQTT 5 client connects over wss with SigV4, and publishes and receives with properties', async () => {
    const builder = iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithSigv4Auth('localhost', {
      region: 'us-east-1', credentialsProvider: auth.AwsCredentialsProvider.newStatic(key.accessKeyId, key.secretAccessKey),
    });
    builder.withCertificateAuthority(fs.readFileSync(path.join(dataDir, 'security', 'root-ca.pem'), 'utf8'));
    builder.withPort(Number(new URL(wss).port));
    builder.withConnectProperties({ clientId: 'sdk5-websocket', keepAliveIntervalSeconds: 60 });
    const client = new mqtt5.Mqtt5Client(builder.build());
    const connected = new Promise<mqtt5.ConnectionSuccessEvent>((resolve, reject) => {
      client.once('connectionSuccess', resolve);
      client.once('connectionFailure', (e) => reject(e.error));
    });
    client.start();
    try {
      expect((await connected).connack.reasonCode).toBe(mqtt5.ConnectReasonCode.Success);
      await client.subscribe({ subscriptions: [{ topicFilter: 'sdk5/echo', qos: mqtt5.QoS.AtLeastOnce }] });
      const got = new Promise<mqtt5.PublishPacket>((resolve) => client.once('messageReceived', (e) => resolve(e.message)));
      await client.publish({ topicName: 'sdk5/echo', qos: mqtt5.QoS.AtLeastOnce, payload: 'over sigv4, MQTT 5', userProperties: [{ name: 'via', value: 'wss' }] });
      const message = await got;
      expect(Buffer.from(message.payload as ArrayBuffer).toString()).toBe('over sigv4, MQTT 5');
      expect(message.userProperties).toEqual([{ name: 'via', value: 'wss' }]);
    } finally {
      const stopped = new Promise<void>((resolve) => client.once('stopped', () => resolve()));
      client.stop();
      await stopped;
      client.close();
    }
  }, 20_000);
});

describe('SigV4 MQTT over WebSocket on loopback without --access-key', () => {
  let te: TestEngine;
  beforeAll(async () => {
    te = await startTestEngine();
  });
  afterAll(async () => {
    await te?.stop();
  });

  it('any key is accepted, as on the HTTP API, and named as the principal; an unsigned upgrade stays anonymous', async () => {
    const watcher = await connect(te.wsUrl, { clientId: 'loop-watcher' });
    await watcher.subscribeAsync('$aws/events/presence/connected/+');
    const events = nextMessages(watcher, 2);
    const signed = await connect(await presignedWsUrl(te.wsUrl, { secret: 'anything at all' }), { clientId: 'loop-signed' });
    const plain = await connect(te.wsUrl, { clientId: 'loop-plain' });
    const byClient = Object.fromEntries((await events).map((m) => [JSON.parse(m.payload.toString()).clientId, JSON.parse(m.payload.toString()).principalIdentifier]));
    expect(byClient).toEqual({ 'loop-signed': key.accessKeyId, 'loop-plain': 'anonymous' });
    for (const c of [watcher, signed, plain]) c.end(true);
  });
});

describe('SigV4 MQTT over WebSocket under --plain enforce', () => {
  let engine: Engine;
  let dataDir: string;
  let ws: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sigv4-enforce-'));
    engine = await createEngine(defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key], plain: 'enforce' } }));
    ws = (await engine.start()).endpoints.ws;
  });
  afterAll(async () => {
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a signed connection is admitted (the signature authenticates it); an unsigned one is refused at CONNECT', async () => {
    const signed = await connect(await presignedWsUrl(ws), { clientId: 'enforced-signed' });
    expect(signed.connected).toBe(true);
    signed.end(true);
    await expect(connect(ws, { clientId: 'enforced-plain' })).rejects.toThrow(/Not authorized/i);
  });
});

describe('SigV4 on the HTTP API (off loopback)', () => {
  let engine: Engine;
  let http: string;
  let dataDir: string;
  const signer = sigv4Signer('iotdata', key);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sigv4-http-'));
    engine = await createEngine(defaultConfig({ dataDir, host: '127.0.0.2', ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key] } }));
    http = (await engine.start()).endpoints.http;
  });
  afterAll(async () => {
    await engine?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const publishRequest = (body: string) => {
    const u = new URL(http);
    return { method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/topics/room%2Flamp', query: { qos: '1' }, headers: { host: u.host, 'content-type': 'application/octet-stream' }, body };
  };
  const send = (req: { method: string; path: string; query?: Record<string, unknown>; headers: Record<string, string>; body?: string }) => {
    const q = new URLSearchParams(req.query as Record<string, string>).toString();
    return fetch(`${http}${req.path}${q ? `?${q}` : ''}`, { method: req.method, headers: req.headers, body: req.body });
  };
  const errorOf = async (res: Response) => ({ status: res.status, type: res.headers.get('x-amzn-errortype')?.split(':')[0], ...(await res.json() as { message: string }) });

  it('a body changed after signing is refused; the signed body is accepted', async () => {
    const signed = await signer.sign(publishRequest('{"on":true}'));
    expect((await send(signed)).status).toBe(200);
    const tampered = await send({ ...signed, body: '{"on":false}' });
    expect(await errorOf(tampered)).toMatchObject({ status: 403, type: 'InvalidSignatureException', message: expect.stringContaining('The request signature we calculated does not match') });
    // Claiming the new body's hash in x-amz-content-sha256 does not help: the header is signed, the body is hashed.
    const claimed = await send({ ...signed, headers: { ...signed.headers, 'x-amz-content-sha256': createHash('sha256').update('{"on":false}').digest('hex') }, body: '{"on":false}' });
    expect((await errorOf(claimed)).type).toBe('InvalidSignatureException');
  });

  it('a request signed more than 15 minutes ago or ahead is refused with AWS\'s messages', async () => {
    const stale = await send(await signer.sign(publishRequest('x'), { signingDate: new Date(Date.now() - 16 * MIN) }));
    expect(await errorOf(stale)).toMatchObject({ status: 403, type: 'InvalidSignatureException', message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/) });
    const future = await send(await signer.sign(publishRequest('x'), { signingDate: new Date(Date.now() + 16 * MIN) }));
    expect(await errorOf(future)).toMatchObject({ status: 403, type: 'InvalidSignatureException', message: expect.stringMatching(/^Signature not yet current: /) });
    expect((await send(await signer.sign(publishRequest('x'), { signingDate: new Date(Date.now() - 5 * MIN) })))).toMatchObject({ status: 200 });
  });

  it("a request over HTTP/2 signed with ':authority' rather than Host (the SDK's Kinesis client) is accepted, and refused with another secret", async () => {
    const kinesis = new KinesisClient({ endpoint: http, region: 'us-east-1', credentials: key });
    const forged = new KinesisClient({ endpoint: http, region: 'us-east-1', credentials: { ...key, secretAccessKey: 'not-the-secret' } });
    try {
      expect((await kinesis.send(new ListStreamsCommand({}))).StreamNames).toEqual([]);
      await expect(forged.send(new ListStreamsCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    } finally {
      kinesis.destroy();
      forged.destroy();
    }
  });

  it('a presigned query string is accepted until it expires', async () => {
    const u = new URL(http);
    const iotSigner = sigv4Signer('iot', key);
    const list = { method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/policies', query: { pageSize: '5' }, headers: { host: u.host } };
    const ok = await send(await iotSigner.presign(list, { expiresIn: 300 }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ policies: [] });
    const lapsed = await send(await iotSigner.presign(list, { expiresIn: 60, signingDate: new Date(Date.now() - 2 * MIN) }));
    expect(await errorOf(lapsed)).toMatchObject({ status: 403, type: 'InvalidSignatureException', message: expect.stringContaining('Signature expired') });
    const wrong = await send(await sigv4Signer('iot', { ...key, secretAccessKey: 'guess' }).presign(list));
    expect((await errorOf(wrong)).type).toBe('InvalidSignatureException');
  });
});
