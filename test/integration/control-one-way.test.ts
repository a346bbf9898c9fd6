/**
 * One-way commands (Eclipse Hono's) on a real engine, to real devices: an MQTT 5 device (MQTT.js) gets
 * `command/{thing}/req//{name}` with no response topic or correlation data; an HTTPS device (`curl` with its
 * certificate) gets `hono-command` without `hono-cmd-req-id`; a CoAP device (`coap-client-notls`) gets Location-Query
 * `hono-command=…` with no request id and no Location-Path. Each call resolves once the device has the command, and a
 * reply to it is refused as unknown. Also: the HTTP API's `?oneWay=true`, the function SDK, the scenario step, and
 * what an engine restart does to commands still waiting.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { IoTClient } from '@aws-sdk/client-iot';
import { hasPython } from '../../engine/functions/index.js';
import type { StepRecord } from '../../engine/scenarios/index.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { coapClient, curlWithCert, thingWithCertificate } from '../helpers/device-clients.js';

let te: TestEngine;
let creds: { cert: string; key: string };
let coapToken: string;
const clients: MqttClient[] = [];

const curl = (p: string, args: string[]) => curlWithCert(`${te.info.endpoints.https}${p}`, path.join(te.dataDir, 'security', 'root-ca.pem'), creds, args);
const coapUrl = (p: string, query: string) => `${te.info.endpoints.coap}${p}?thing=valve-1&token=${coapToken}${query}`;

/** An MQTT 5 device subscribed to its command topics, recording what it gets. */
async function mqttDevice(thing: string) {
  const client = await connect(te.mqttPort, { clientId: thing, protocolVersion: 5 });
  clients.push(client);
  const seen: Array<{ topic: string; payload: string; properties: Record<string, unknown> }> = [];
  client.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), properties: { ...packet.properties } }));
  await client.subscribeAsync(`command/${thing}/req/#`, { qos: 1 });
  return { client, seen };
}

beforeAll(async () => {
  te = await startTestEngine();
  const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const dir = tempDir('tb-oneway-');
  creds = await thingWithCertificate(iot, dir, 'kiosk-1');
  await thingWithCertificate(iot, dir, 'valve-1');
  coapToken = (await te.engine.api.registry.setDeviceToken({ thing: 'valve-1' })).token;
  fs.mkdirSync(path.join(te.dataDir, 'functions'), { recursive: true });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await te?.stop();
});

describe('one-way commands', () => {
  it('to an MQTT 5 device: on command/{thing}/req//{name} without response topic or correlation data; a reply is refused', async () => {
    const lamp = await mqttDevice('lamp-1');
    const h = await te.engine.api.control.send({ thing: 'lamp-1', name: 'blink', payload: '{"times":3}', contentType: 'application/json', oneWay: true });
    expect(h).toMatchObject({ via: 'mqtt', oneWay: true, requestId: expect.any(String) });
    expect(await te.engine.api.control.pending()).toEqual([]);
    // The device gets it once; the marker after it proves nothing else came.
    await te.engine.api.broker.publish({ topic: 'command/lamp-1/req//marker', payload: 'm', qos: 1 });
    await expect.poll(() => lamp.seen.map((m) => m.topic)).toEqual(['command/lamp-1/req//blink', 'command/lamp-1/req//marker']);
    expect(lamp.seen[0]).toMatchObject({ payload: '{"times":3}', properties: expect.objectContaining({ contentType: 'application/json' }) });
    expect(lamp.seen[0].properties.responseTopic).toBeUndefined();
    expect(lamp.seen[0].properties.correlationData).toBeUndefined();
    // A reply with the request id the caller got is refused as unknown (logged; nothing is waiting for it).
    await lamp.client.publishAsync(`command/lamp-1/res/${h.requestId}/200`, 'done', { qos: 1 });
    await expect.poll(() => te.logs.some((l) => l.source === 'control' && l.message.includes(h.requestId) && /no command/i.test(l.message))).toBe(true);
  });

  it('to an HTTPS device (curl with its certificate): hono-command without hono-cmd-req-id; a reply is 404', async () => {
    const sent = te.engine.api.control.send({ thing: 'kiosk-1', name: 'reload', payload: 'now', contentType: 'text/plain', oneWay: true, timeoutMs: 10_000 });
    await expect.poll(() => te.engine.api.control.pending()).toEqual([expect.objectContaining({ thing: 'kiosk-1', name: 'reload', oneWay: true })]);
    const asked = await curl('/topics/kiosks/kiosk-1/visits', ['-X', 'POST', '-d', '{"n":1}', '-H', 'hono-ttd: 5']);
    expect(asked.status).toBe(200);
    expect(asked.headers['hono-command']).toBe('reload');
    expect(asked.headers['hono-cmd-req-id']).toBeUndefined();
    expect(asked.body).toBe('now');
    const h = await sent;
    expect(h).toMatchObject({ via: 'https', oneWay: true });
    expect(await te.engine.api.control.pending()).toEqual([]);
    expect((await curl(`/command/res/${h.requestId}?hono-cmd-status=200`, ['-X', 'POST', '-d', 'x'])).status).toBe(404);
    // The explorer shows the hand-over on the one-way request topic.
    expect((await te.engine.api.broker.messages({ filter: 'command/kiosk-1/#' })).map((m) => m.topic)).toEqual(['command/kiosk-1/req//reload']);
  });

  it('to a CoAP device (coap-client-notls): Location-Query hono-command only, no Location-Path; a reply is 4.04', async () => {
    const sent = te.engine.api.control.send({ thing: 'valve-1', name: 'close', payload: '{"pct":0}', oneWay: true, timeoutMs: 10_000 });
    await expect.poll(async () => (await te.engine.api.control.pending()).map((p) => p.thing)).toEqual(['valve-1']);
    const asked = await coapClient(['-m', 'post', '-e', '{"flow":2}', coapUrl('/topics/valves/valve-1/flow', '&hono-ttd=10')]);
    expect(asked.codes).toEqual(['2.04']);
    const response = /c:2\.04 [^\n]*/.exec(asked.out)![0];
    expect(response).toContain('Location-Query:hono-command=close');
    expect(response).not.toContain('hono-cmd-req-id');
    expect(response).not.toContain('Location-Path');
    expect(response).toContain(`:: '{"pct":0}'`);
    const h = await sent;
    expect(h).toMatchObject({ via: 'coap', oneWay: true });
    const reply = await coapClient(['-m', 'post', '-e', 'x', coapUrl(`/command_response/${h.requestId}`, '&hono-cmd-status=200')]);
    expect(reply.codes).toEqual(['4.04']);
  });

  it('over the HTTP API (?oneWay=true): 202 once handed over, 504 when the device does not ask in time', async () => {
    const fan = await mqttDevice('fan-1');
    const res = await fetch(`${te.httpUrl}/thingbench/control/things/fan-1/commands/spin?oneWay=true`, { method: 'POST', body: 'fast', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(202);
    const body = await res.json() as { requestId: string; via: string; oneWay: boolean };
    expect(body).toMatchObject({ via: 'mqtt', oneWay: true });
    expect(res.headers.get('x-thingbench-command-request-id')).toBe(body.requestId);
    await expect.poll(() => fan.seen.map((m) => [m.topic, m.payload])).toEqual([['command/fan-1/req//spin', 'fast']]);
    const late = await fetch(`${te.httpUrl}/thingbench/control/things/kiosk-1/commands/reload?oneWay=true&timeout=0.2`, { method: 'POST' });
    expect(late.status).toBe(504);
    expect(await late.json()).toMatchObject({ code: 'Unavailable', reason: 'Timeout', message: expect.stringMatching(/was not handed to kiosk-1/) });
    const bad = await fetch(`${te.httpUrl}/thingbench/control/things/fan-1/commands/spin?oneWay=maybe`, { method: 'POST' });
    expect(bad.status).toBe(400);
  });

  it('from a Node function (thingbench.sendCommand) and a scenario step (oneWay: true)', async () => {
    const heater = await mqttDevice('heater-1');
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'nudge.js'),
      `export const handler = async () => thingbench.sendCommand({ thingName: 'heater-1', name: 'boost', payload: { minutes: 5 }, oneWay: true });\n`);
    const r = await te.engine.api.functions.invoke('nudge', {});
    expect(r.result).toMatchObject({ via: 'mqtt', oneWay: true });
    const run = await runFiles(engineTarget(te), {
      'main.yaml': 'name: one-way\nsteps:\n  - command: { thing: heater-1, name: eco, oneWay: true }\n',
    });
    expect(run.result.status).toBe('passed');
    expect((run.result.steps as StepRecord[])[0].note).toMatch(/heater-1 got the one-way command eco over mqtt/);
    await expect.poll(() => heater.seen.map((m) => m.topic)).toEqual(['command/heater-1/req//boost', 'command/heater-1/req//eco']);
    // A one-way step with an expectation is refused when the scenario loads.
    await expect(runFiles(engineTarget(te), { 'main.yaml': 'name: bad\nsteps:\n  - command: { thing: heater-1, name: eco, oneWay: true, expect: { status: 200 } }\n' }))
      .rejects.toThrow(/a one-way command has no answer to expect/);
  });
});

describe('one-way commands from Python', () => {
  it.skipIf(!hasPython())('context.sdk.send_command(..., one_way=True) returns once the device has it', async () => {
    const pump = await mqttDevice('pump-1');
    fs.writeFileSync(path.join(te.dataDir, 'functions', 'pynudge.py'),
      `def handler(event, context):\n    return context.sdk.send_command('pump-1', 'prime', 'go', one_way=True)\n`);
    const r = await te.engine.api.functions.invoke('pynudge', {});
    expect(r.error).toBeUndefined();
    expect(r.result).toMatchObject({ via: 'mqtt', oneWay: true });
    await expect.poll(() => pump.seen.map((m) => [m.topic, m.payload])).toEqual([['command/pump-1/req//prime', 'go']]);
  });
});

describe('an engine restart', () => {
  it('fails the callers still waiting (Unavailable, reason Stopped); a queued one-way command waits again for its device', async () => {
    const answer = te.engine.api.control.send({ thing: 'kiosk-1', name: 'status', timeoutMs: 60_000 }).catch((e: unknown) => e);
    const oneWay = te.engine.api.control.send({ thing: 'valve-1', name: 'open', payload: 'full', oneWay: true, timeoutMs: 60_000 }).catch((e: unknown) => e);
    await expect.poll(async () => (await te.engine.api.control.pending()).length).toBe(2);
    await te.stop();
    expect(await answer).toMatchObject({ code: 'Unavailable', details: { reason: 'Stopped' }, message: expect.stringMatching(/restart forgets them/) });
    expect(await oneWay).toMatchObject({ code: 'Unavailable', details: { reason: 'Stopped' }, message: expect.stringMatching(/stays queued for the device's next request/) });
    te = await te.restart();
    expect(await te.engine.api.control.pending()).toEqual([expect.objectContaining({ thing: 'valve-1', name: 'open', oneWay: true })]);
    // The HTTPS device asking after the restart gets nothing (its command waited for an answer: forgotten) ...
    const asked = await curl('/topics/kiosks/kiosk-1/visits', ['-X', 'POST', '-d', '{}', '-H', 'hono-ttd: 0']);
    expect(asked.headers['hono-command']).toBeUndefined();
    expect(JSON.parse(asked.body).message).toBe('OK');
    // ... the CoAP device gets its one-way command, once.
    const got = await coapClient(['-m', 'post', '-e', '{}', coapUrl('/topics/valves/valve-1/flow', '&hono-ttd=5')]);
    expect(/c:2\.04 [^\n]*/.exec(got.out)![0]).toContain('Location-Query:hono-command=open');
    expect(await te.engine.api.control.pending()).toEqual([]);
  });
});
