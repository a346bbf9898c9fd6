/**
 * The Device Shadow service's request limits on a real engine: in aws mode more than 10 unanswered requests on one
 * connection, or more than 20 requests per second for one thing, are answered 429 on `/rejected` (clientToken echoed)
 * [DG:device-shadow-error-messages], and HTTP requests over a thing's rate get 429 ThrottlingException. Standard mode
 * does not throttle.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { UpdateThingShadowCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { open, type Recorded } from '../helpers/broker-clients.js';
import { prefix, sdkClient, sdkError, type Doc } from './helpers/shadow-client.js';

const TOO_MANY = { code: 429, message: 'Too Many Requests', timestamp: expect.any(Number) };

let te: TestEngine;
let sdk: IoTDataPlaneClient;
const clients: Recorded[] = [];

beforeAll(async () => {
  // The broker's own 100 publishes/s per connection is off so that only the shadow limits are at work.
  te = await startTestEngine({ mode: 'aws', limits: { publishesPerSecond: 0 } });
  sdk = sdkClient(te.httpUrl);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.client.endAsync(true)));
  sdk?.destroy();
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
});

/** A client subscribed to every thing's update answers. */
async function device(port = te.mqttPort): Promise<Recorded> {
  const rec = await open(port);
  clients.push(rec);
  await rec.client.subscribeAsync(['$aws/things/+/shadow/update/accepted', '$aws/things/+/shadow/update/rejected'], { qos: 1 });
  return rec;
}

/** Parsed `/update/accepted` and `/update/rejected` answers a client received, by clientToken. */
function answers(rec: Recorded): { accepted: Doc[]; rejected: Doc[] } {
  const parse = (suffix: string) => rec.messages.filter((m) => m.topic.endsWith(suffix)).map((m) => JSON.parse(m.payload.toString()) as Doc);
  return { accepted: parse('/update/accepted'), rejected: parse('/update/rejected') };
}

const updateBody = (clientToken: string, n: number) => JSON.stringify({ state: { reported: { n } }, clientToken });

describe('aws mode', () => {
  it('answers the 11th unanswered request of one connection with 429, then serves it again', async () => {
    const rec = await device();
    // One burst in one TCP segment, each request to its own thing so that no thing's rate is involved: all 15 arrive
    // before the first update is on disk.
    rec.client.stream.cork();
    for (let i = 0; i < 15; i++) rec.client.publish(`${prefix(`inflight${i}`)}/update`, updateBody(`burst-${i}`, i), { qos: 0 });
    rec.client.stream.uncork();
    await until(() => answers(rec).accepted.length + answers(rec).rejected.length === 15, 5000, '15 answers');
    const { accepted, rejected } = answers(rec);
    expect(accepted.length).toBe(10);
    expect(rejected).toHaveLength(5);
    for (const doc of rejected) expect(doc).toEqual({ ...TOO_MANY, clientToken: expect.stringMatching(/^burst-/) });
    // The first ten were admitted, each request answered with its own token.
    expect(accepted.map((d) => d.clientToken).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `burst-${i}`).sort());
    expect(rejected.map((d) => d.clientToken).sort()).toEqual(['burst-10', 'burst-11', 'burst-12', 'burst-13', 'burst-14']);

    // Answered requests no longer count: the same connection is served again.
    rec.client.publish(`${prefix('inflight0')}/update`, updateBody('later', 99), { qos: 0 });
    await until(() => answers(rec).accepted.some((d) => d.clientToken === 'later'), 5000, 'the later update accepted');
  });

  it('answers requests over 20 per second for one thing with 429, over MQTT and HTTP, and refills', async () => {
    const thing = 'ratedThing';
    // Five connections with five requests each: under the in-flight limit, so that only the thing's rate is at work.
    const devices = await Promise.all(Array.from({ length: 5 }, () => device()));
    devices.forEach((d, c) => {
      for (let i = 0; i < 5; i++) d.client.publish(`${prefix(thing)}/update`, updateBody(`rate-${c}-${i}`, i), { qos: 0 });
    });
    const all = () => devices.map(answers).reduce((a, b) => ({ accepted: [...a.accepted, ...b.accepted], rejected: [...a.rejected, ...b.rejected] }));
    // Every device is subscribed to the thing's answers: each sees all 25.
    await until(() => devices.every((d) => answers(d).accepted.length + answers(d).rejected.length === 25), 5000, '25 answers on each device');
    const { accepted, rejected } = answers(devices[0]);
    expect(all().accepted.length).toBe(accepted.length * 5);
    // 20 at once, plus what the bucket refilled (20/s) while the burst was arriving.
    expect(accepted.length).toBeGreaterThanOrEqual(20);
    expect(accepted.length).toBeLessThan(25);
    expect(rejected.length).toBe(25 - accepted.length);
    for (const doc of rejected) expect(doc).toEqual({ ...TOO_MANY, clientToken: expect.stringMatching(/^rate-\d-\d$/) });
    expect(Math.max(...accepted.map((d) => d.version as number))).toBe(accepted.length);

    // A second later the bucket is full again.
    await new Promise((r) => setTimeout(r, 1100));
    devices[0].client.publish(`${prefix(thing)}/update`, updateBody('refilled', 0), { qos: 0 });
    await until(() => answers(devices[0]).accepted.some((d) => d.clientToken === 'refilled'), 5000, 'the update after a second accepted');
  });

  it('throttles a burst of HTTP requests for one thing with ThrottlingException', async () => {
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) =>
      sdk.send(new UpdateThingShadowCommand({ thingName: 'httpRated', payload: Buffer.from(JSON.stringify({ state: { reported: { i } } })) }))));
    const failed = results.filter((r) => r.status === 'rejected');
    expect(results.length - failed.length).toBeGreaterThanOrEqual(20);
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) {
      const err = f.reason as Error & { $metadata?: { httpStatusCode?: number } };
      expect({ name: err.name, status: err.$metadata?.httpStatusCode, message: err.message }).toEqual({ name: 'ThrottlingException', status: 429, message: 'Too Many Requests' });
    }
  });
});

describe('configured limits', () => {
  it('one rate per thing counts its MQTT and HTTP requests together', async () => {
    // 1 per second: a token comes back after a second, far longer than these requests take.
    const slow = await startTestEngine({ mode: 'aws', shadowLimits: { requestsPerSecondPerThing: 1 } });
    const http = sdkClient(slow.httpUrl);
    try {
      const rec = await device(slow.mqttPort);
      for (let i = 0; i < 2; i++) rec.client.publish(`${prefix('shared')}/update`, updateBody(`mqtt-${i}`, i), { qos: 0 });
      await until(() => answers(rec).accepted.length + answers(rec).rejected.length === 2, 5000, '2 answers');
      expect(answers(rec).accepted.map((d) => d.clientToken)).toEqual(['mqtt-0']);
      expect(answers(rec).rejected).toEqual([{ ...TOO_MANY, clientToken: 'mqtt-1' }]);
      const update = (thingName: string) => http.send(new UpdateThingShadowCommand({ thingName, payload: Buffer.from('{"state":{"reported":{"via":"http"}}}') }));
      expect(await sdkError(update('shared'))).toEqual({ name: 'ThrottlingException', status: 429, message: 'Too Many Requests' });
      await expect(update('unshared')).resolves.toBeDefined(); // another thing has its own rate
    } finally {
      http.destroy();
      await Promise.all(clients.splice(-1).map((c) => c.client.endAsync(true)));
      await slow.stop();
    }
  });
});

describe('standard mode', () => {
  it('does not throttle: 30 requests for one thing from one connection are all accepted', async () => {
    const std = await startTestEngine({ mode: 'standard' });
    try {
      const rec = await device(std.mqttPort);
      for (let i = 0; i < 30; i++) rec.client.publish(`${prefix('busy')}/update`, updateBody(`std-${i}`, i), { qos: 0 });
      await until(() => answers(rec).accepted.length + answers(rec).rejected.length === 30, 5000, '30 answers');
      expect(answers(rec).rejected).toEqual([]);
      expect(Math.max(...answers(rec).accepted.map((d) => d.version as number))).toBe(30);
    } finally {
      await Promise.all(clients.splice(-1).map((c) => c.client.endAsync(true)));
      await std.stop();
    }
  });
});
