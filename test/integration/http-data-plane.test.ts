/**
 * The iot-data HTTP edge end to end on a real engine (aws mode), driven by @aws-sdk/client-iot-data-plane, raw sockets and (if installed) the aws CLI;
 * MQTT.js subscribers check what the broker delivered.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import mqtt, { type MqttClient, type IPublishPacket } from 'mqtt';
import {
  IoTDataPlaneClient, PublishCommand, GetRetainedMessageCommand, ListRetainedMessagesCommand,
  type ListRetainedMessagesCommandOutput,
} from '@aws-sdk/client-iot-data-plane';
import { AwsCliError, awsCliJson, describeAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

const MAX = 128 * 1024;

let te: TestEngine;
let port: number;
let sdk: IoTDataPlaneClient;
let sub: MqttClient;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  port = Number(new URL(te.httpUrl).port);
  sdk = new IoTDataPlaneClient({
    region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1,
  });
  sub = await connectMqtt();
});

afterAll(async () => {
  await sub?.endAsync();
  sdk?.destroy();
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]); // nothing in this suite is an internal failure
});

async function connectMqtt(): Promise<MqttClient> {
  return mqtt.connectAsync({ host: '127.0.0.1', port: te.mqttPort, reconnectPeriod: 0 });
}

/** Resolves with the next message on exactly `topic` (subscribe first). */
function nextMessage(c: MqttClient, topic: string): Promise<{ payload: Buffer; packet: IPublishPacket }> {
  return new Promise((resolve) => {
    const on = (t: string, payload: Buffer, packet: IPublishPacket) => {
      if (t !== topic) return;
      c.off('message', on);
      resolve({ payload, packet });
    };
    c.on('message', on);
  });
}

async function sdkError(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the call to fail');
}

interface RawResponse { status: number; headers: http.IncomingHttpHeaders; body: string }

/** One request through node:http with a literal (unnormalized) path. */
function request(method: string, path: string, body?: Buffer | string, headers: http.OutgoingHttpHeaders = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes bytes on a raw socket and returns everything the server sent before it closed (resets included). */
function rawExchange(write: (s: net.Socket) => void): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => {});
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.on('connect', () => write(s));
  });
}

const expectAwsError = (r: RawResponse, status: number, type: string) => {
  expect(r.status).toBe(status);
  expect(r.headers['x-amzn-errortype']).toBe(`${type}:`);
  expect(r.headers['content-type']).toBe('application/json');
  expect(JSON.parse(r.body)).toEqual({ message: expect.any(String) });
  expect(r.body).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
};

describe('Publish via the AWS SDK', () => {
  it('reaches an MQTT subscriber (percent-encoded slashes, qos 1)', async () => {
    await sub.subscribeAsync('dev/1/temp', { qos: 1 });
    const got = nextMessage(sub, 'dev/1/temp');
    const out = await sdk.send(new PublishCommand({ topic: 'dev/1/temp', qos: 1, payload: Buffer.from('{"t":21}') }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    const { payload, packet } = await got;
    expect(payload.toString()).toBe('{"t":21}');
    expect(packet.qos).toBe(1);
  });

  it('publishes to a reserved $aws topic (percent-encoded $) without retain', async () => {
    const topic = '$aws/things/t1/shadow/update';
    await sub.subscribeAsync(topic, { qos: 0 });
    const got = nextMessage(sub, topic);
    await sdk.send(new PublishCommand({ topic, payload: Buffer.from('{"state":{}}') }));
    expect((await got).payload.toString()).toBe('{"state":{}}');
  });

  it('accepts the MQTT 5 parameters', async () => {
    await sub.subscribeAsync('mqtt5/x', { qos: 1 });
    const got = nextMessage(sub, 'mqtt5/x');
    const out = await sdk.send(new PublishCommand({
      topic: 'mqtt5/x', qos: 1, payload: Buffer.from('v5'), contentType: 'text/plain', responseTopic: 'mqtt5/reply',
      messageExpiry: 60, payloadFormatIndicator: 'UTF8_DATA', correlationData: Buffer.from('c-1').toString('base64'),
      userProperties: JSON.stringify([{ deviceName: 'alpha' }, { deviceCnt: '45' }]),
    }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect((await got).payload.toString()).toBe('v5');
  });

  it('accepts a payload of exactly 128 KiB and rejects one byte more with 413', async () => {
    await sub.subscribeAsync('big/ok', { qos: 0 });
    const got = nextMessage(sub, 'big/ok');
    await sdk.send(new PublishCommand({ topic: 'big/ok', payload: Buffer.alloc(MAX, 7) }));
    expect((await got).payload.length).toBe(MAX);
    const err = await sdkError(sdk.send(new PublishCommand({ topic: 'big/no', payload: Buffer.alloc(MAX + 1, 7) })));
    expect(err).toMatchObject({ name: 'RequestEntityTooLargeException', status: 413 });
  });

  it.each([
    ['qos 2', { topic: 'a', qos: 2 }],
    ['a + wildcard', { topic: 'a/+/b' }],
    ['a # wildcard', { topic: 'a/#' }],
    ['retain on a reserved topic', { topic: '$aws/things/t1/shadow/update', retain: true, payload: Buffer.from('x') }],
    ['too many levels', { topic: 'a/b/c/d/e/f/g/h/i' }],
  ])('rejects %s with 400 InvalidRequestException', async (_name, input) => {
    const err = await sdkError(sdk.send(new PublishCommand(input)));
    expect(err).toMatchObject({ name: 'InvalidRequestException', status: 400 });
  });
});

describe('retained messages via the AWS SDK', () => {
  it('retain → GetRetainedMessage and ListRetainedMessages; new subscribers get it; empty payload clears', async () => {
    const topic = 'cfg/dev-1';
    const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i)); // binary-safe
    const before = Date.now();
    await sdk.send(new PublishCommand({ topic, qos: 1, retain: true, payload }));

    const got = await sdk.send(new GetRetainedMessageCommand({ topic }));
    expect(got.topic).toBe(topic);
    expect(Buffer.from(got.payload ?? [])).toEqual(payload);
    expect(got.qos).toBe(1);
    expect(got.lastModifiedTime).toBeGreaterThanOrEqual(before);
    expect(got.lastModifiedTime).toBeLessThanOrEqual(Date.now());

    const list = await sdk.send(new ListRetainedMessagesCommand({}));
    expect(list.retainedTopics).toContainEqual({ topic, payloadSize: 256, qos: 1, lastModifiedTime: got.lastModifiedTime });

    const late = await connectMqtt();
    try {
      const delivered = nextMessage(late, topic);
      await late.subscribeAsync(topic, { qos: 1 });
      const { payload: p, packet } = await delivered;
      expect(p).toEqual(payload);
      expect(packet.retain).toBe(true);
    } finally {
      await late.endAsync();
    }

    await sdk.send(new PublishCommand({ topic, retain: true, payload: new Uint8Array(0) }));
    const err = await sdkError(sdk.send(new GetRetainedMessageCommand({ topic })));
    expect(err).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    const after = await sdk.send(new ListRetainedMessagesCommand({}));
    expect(after.retainedTopics?.map((r) => r.topic) ?? []).not.toContain(topic);
  });

  it('GetRetainedMessage on a topic never retained → 404 ResourceNotFoundException', async () => {
    const err = await sdkError(sdk.send(new GetRetainedMessageCommand({ topic: 'never/retained' })));
    expect(err).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('ListRetainedMessages pages with maxResults and nextToken', async () => {
    const topics = ['page/0', 'page/1', 'page/2', 'page/3', 'page/4'];
    for (const t of topics) await sdk.send(new PublishCommand({ topic: t, retain: true, payload: Buffer.from(t) }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page: ListRetainedMessagesCommandOutput = await sdk.send(new ListRetainedMessagesCommand({ maxResults: 2, nextToken }));
      expect(page.retainedTopics!.length).toBeLessThanOrEqual(2);
      seen.push(...page.retainedTopics!.map((r) => r.topic!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && pages < 50);
    expect(seen.filter((t) => t.startsWith('page/'))).toEqual(topics);
    expect(new Set(seen).size).toBe(seen.length);
    for (const t of topics) await sdk.send(new PublishCommand({ topic: t, retain: true }));
  });

  it.each([['maxResults 0', { maxResults: 0 }], ['maxResults 201', { maxResults: 201 }], ['a bad nextToken', { nextToken: 'not-a-token' }]])(
    'ListRetainedMessages rejects %s with 400', async (_name, input) => {
      const err = await sdkError(sdk.send(new ListRetainedMessagesCommand(input)));
      expect(err).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    });
});

describe('raw and malformed HTTP', () => {
  it('accepts raw slashes in the topic', async () => {
    await sub.subscribeAsync('raw/a/b', { qos: 0 });
    const got = nextMessage(sub, 'raw/a/b');
    const r = await request('POST', '/topics/raw/a/b?qos=0', 'hello');
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(r.headers['content-type']).toBe('application/json');
    expect((await got).payload.toString()).toBe('hello');
  });

  it.each([
    ['bad percent-encoding', 'POST', '/topics/a%ZZ', 400, 'InvalidRequestException'],
    ['truncated percent-encoding', 'GET', '/retainedMessage/%E0%A4', 400, 'InvalidRequestException'],
    ['qos=x', 'POST', '/topics/a?qos=x', 400, 'InvalidRequestException'],
    ['retain=yes', 'POST', '/topics/a?retain=yes', 400, 'InvalidRequestException'],
    ['an empty topic', 'POST', '/topics/', 400, 'InvalidRequestException'],
    ['an unknown route', 'GET', '/nope/at/all', 404, 'ResourceNotFoundException'],
    ['a wrong method on a known path', 'DELETE', '/retainedMessage', 405, 'MethodNotAllowedException'],
    ['GET on the publish path', 'GET', '/topics/a', 405, 'MethodNotAllowedException'],
  ])('%s: %s %s → %i %s', async (_name, method, path, status, type) => {
    expectAwsError(await request(method, path, method === 'POST' ? 'x' : undefined), status, type);
  });

  it('answers a declared huge body with 413 without reading it, then closes', async () => {
    const out = await rawExchange((s) => {
      s.write('POST /topics/huge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000000\r\n\r\n');
      s.write(Buffer.alloc(64 * 1024));
    });
    expect(out).toMatch(/^HTTP\/1\.1 413 /);
    expect(out).toMatch(/x-amzn-ErrorType: RequestEntityTooLargeException:/i);
  });

  it('stops a chunked body that grows past the cap with 413', async () => {
    const out = await rawExchange((s) => {
      s.write('POST /topics/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = Buffer.alloc(64 * 1024, 1);
      const writeMore = (n: number): void => {
        if (n === 0 || s.destroyed) return;
        s.write(`${chunk.length.toString(16)}\r\n`);
        s.write(chunk);
        if (s.write('\r\n')) setImmediate(() => writeMore(n - 1));
        else s.once('drain', () => writeMore(n - 1));
      };
      writeMore(200); // 12.5 MiB if the server kept reading
    });
    expect(out).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('keeps the connection usable after a slightly oversized body', async () => {
    const body = Buffer.alloc(MAX + 10, 1);
    const out = await rawExchange((s) => {
      s.write(`POST /topics/over HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n`);
      s.write(body);
      s.write('GET /retainedMessage HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    });
    const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    expect(statuses).toEqual(['413', '200']);
  });

  it('refuses an oversized body announced with Expect: 100-continue before it is sent', async () => {
    const out = await rawExchange((s) => {
      s.write(`POST /topics/expect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${MAX + 1}\r\nExpect: 100-continue\r\n\r\n`);
    });
    expect(out).toMatch(/^HTTP\/1\.1 413 /);
    expect(out).not.toContain('100 Continue');
  });

  it('answers garbage with a 400 in AWS shape', async () => {
    const out = await rawExchange((s) => s.write('\x00\x01GARBAGE NOT HTTP\r\n\r\n'));
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    expect(out).toMatch(/x-amzn-ErrorType: InvalidRequestException:/);
    expect(out).toContain('{"message":"Malformed HTTP request"}');
  });

  it('answers oversized headers with 431', async () => {
    const out = await rawExchange((s) => s.write(`GET /retainedMessage HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`));
    expect(out).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('survives a client that disconnects mid-body', async () => {
    await rawExchange((s) => {
      s.write('POST /topics/cut HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\npartial');
      s.destroy();
    });
    const r = await request('GET', '/retainedMessage');
    expect(r.status).toBe(200);
  });

  it('still serves SDK calls after all of the above', async () => {
    await sub.subscribeAsync('after/all', { qos: 1 });
    const got = nextMessage(sub, 'after/all');
    await sdk.send(new PublishCommand({ topic: 'after/all', qos: 1, payload: Buffer.from('ok') }));
    expect((await got).payload.toString()).toBe('ok');
  });
});

describeAwsCli('aws CLI', () => {
  // AWS CLI v2 reads blob arguments as base64 unless told to send them raw.
  const binaryFormat = ['--cli-binary-format', 'raw-in-base64-out'];
  const aws = (...args: string[]) => awsCliJson(args, { endpoint: `http://127.0.0.1:${port}` });

  it('aws iot-data publish reaches a subscriber; get-retained-message returns it', async () => {
    await sub.subscribeAsync('cli/t', { qos: 1 });
    const got = nextMessage(sub, 'cli/t');
    await aws('iot-data', 'publish', '--topic', 'cli/t', '--qos', '1', '--retain', ...binaryFormat, '--payload', '{"a":1}');
    expect((await got).payload.toString()).toBe('{"a":1}');
    const retained = await aws('iot-data', 'get-retained-message', '--topic', 'cli/t');
    expect(retained).toMatchObject({ topic: 'cli/t', payload: Buffer.from('{"a":1}').toString('base64'), qos: 1 });
    await aws('iot-data', 'publish', '--topic', 'cli/t', '--retain');
  });

  it('aws iot-data reports InvalidRequestException for a wildcard topic', async () => {
    const err = await aws('iot-data', 'publish', '--topic', 'cli/+', ...binaryFormat, '--payload', 'x').then(
      () => undefined, (e: AwsCliError) => e);
    expect(err?.code).toBe(254); // AWS CLI v2: the service answered with an error
    expect(err?.stderr).toContain('InvalidRequestException');
  });
});
