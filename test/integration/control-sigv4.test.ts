/**
 * The command & control HTTP API off loopback: the engine bound to 127.0.0.2 with an access key checks SigV4 on
 * `POST /thingbench/control/things/{thing}/commands/{name}` as on every route of its endpoint. Unsigned or signed with
 * a wrong secret: 403, and the device gets nothing; signed by the AWS SDK's signer: the command reaches the MQTT.js
 * device and its answer comes back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { connect } from '../helpers/engine.js';
import { sigv4Signer } from '../helpers/sigv4-signer.js';

const key = { accessKeyId: 'AKIDCONTROL', secretAccessKey: 'control-secret' };
let engine: Engine;
let http: string;
let dataDir: string;
let device: MqttClient;
const seen: string[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-control-sigv4-'));
  // Plain MQTT stays open for the device (allow-all); the HTTP API off loopback still needs SigV4.
  engine = await createEngine(defaultConfig({ dataDir, host: '127.0.0.2', ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key], plain: 'allow-all' } }));
  const info = await engine.start();
  http = info.endpoints.http;
  device = await connect(Number(new URL(info.endpoints.mqtt).port), { clientId: 'gate-1', host: '127.0.0.2' });
  device.on('message', (topic, payload) => {
    seen.push(topic);
    const [, thing, , requestId, name] = topic.split('/');
    if (requestId) device.publish(`command/${thing}/res/${requestId}/200`, `${name}:${payload.toString()}`, { qos: 1 }, () => {});
  });
  await device.subscribeAsync('command/gate-1/req/#', { qos: 1 });
});
afterAll(async () => {
  await device?.endAsync(true);
  await engine?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const request = (name: string, body: string) => {
  const u = new URL(http);
  return { method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: `/thingbench/control/things/gate-1/commands/${name}`, query: { timeout: '5' }, headers: { host: u.host, 'content-type': 'text/plain' }, body };
};
const send = (req: { method: string; path: string; query?: Record<string, unknown>; headers: Record<string, string>; body?: string }) =>
  fetch(`${http}${req.path}?${new URLSearchParams(req.query as Record<string, string>).toString()}`, { method: req.method, headers: req.headers, body: req.body });

describe('the command & control HTTP API off loopback', () => {
  it('refuses unsigned and wrongly signed commands with 403 and answers a signed one with the device\'s answer', async () => {
    const unsigned = await send(request('open', 'unsigned'));
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    const wrong = await send(await sigv4Signer('iot', { ...key, secretAccessKey: 'guess' }).sign(request('open', 'wrong')));
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get('x-amzn-errortype')).toMatch(/^InvalidSignatureException/);
    const signed = await send(await sigv4Signer('iot', key).sign(request('open', 'signed')));
    expect(signed.status).toBe(200);
    expect(signed.headers.get('x-thingbench-command-via')).toBe('mqtt');
    expect(await signed.text()).toBe('open:signed');
    // Only the signed command reached the device (it is the first and only request it got).
    expect(seen).toEqual([`command/gate-1/req/${signed.headers.get('x-thingbench-command-request-id')}/open`]);
  });
});
