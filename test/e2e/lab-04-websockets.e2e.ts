/**
 * Lab 4's web client, the real page (`labs/04-websockets/files/index.html`, served by `python3 -m http.server` on
 * 127.0.0.1 as the guide serves it) in headless Chromium, against an engine that checks SigV4 against a configured
 * access key (as AWS does; on loopback without keys any signature passes): the page signs its /mqtt URL, connects,
 * says hello, receives a device's status and echoes it. Signed with a wrong secret, the page and the Node client
 * are refused at the WebSocket upgrade.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultConfig } from '../../engine/config.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { launchChromium } from '../helpers/browser-mode.js';
import { closeBeforeRemovingTempDirs, tempDir } from '../helpers/temp-dirs.js';
import { freePort } from '../helpers/net.js';

const files = fileURLToPath(new URL('../../labs/04-websockets/files', import.meta.url));
const key = { accessKeyId: 'AKIDLAB4', secretAccessKey: 'lab4-secret' };

let engine: Engine;
let wsPort: number;
let pagePort: number;
let server: ChildProcess;
let browser: Browser;
let observer: MqttClient;
/** Messages the observer saw, by topic. */
const seen: Array<{ topic: string; json: Record<string, unknown> }> = [];

beforeAll(async () => {
  engine = await createEngine(defaultConfig({ dataDir: tempDir('tb-lab4-'), ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key] } }));
  closeBeforeRemovingTempDirs(() => engine.stop());
  const info = await engine.start();
  wsPort = Number(new URL(info.endpoints.ws).port);
  pagePort = await freePort();
  server = spawn('python3', ['-m', 'http.server', String(pagePort), '--bind', '127.0.0.1', '--directory', files], { stdio: 'ignore' });
  await vi.waitFor(async () => {
    const res = await fetch(`http://127.0.0.1:${pagePort}/index.html`);
    expect(res.status).toBe(200);
  }, { timeout: 15_000, interval: 200 });
  observer = await mqtt.connectAsync(info.endpoints.mqtt, { clientId: 'lab4-observer', reconnectPeriod: 0 });
  observer.on('message', (topic, payload) => seen.push({ topic, json: JSON.parse(payload.toString()) as Record<string, unknown> }));
  await observer.subscribeAsync('app/#');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await observer?.endAsync();
  server?.kill();
  await engine?.stop();
});

const pageUrl = (app: string, secret: string) =>
  `http://127.0.0.1:${pagePort}/#${new URLSearchParams({ host: '127.0.0.1', port: String(wsPort), region: 'us-east-1', app, clientId: `${app}-browser`, accessKeyId: key.accessKeyId, secretAccessKey: secret })}`;

describe('lab 4: the web page in Chromium', () => {
  it('signs its URL, connects, says hello, and echoes the device status it receives', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(pageUrl('l04-chromium-web', key.secretAccessKey));
      await vi.waitFor(async () => expect(await page.textContent('#status')).toBe('connected as l04-chromium-web-browser, subscribed to device/+/status'), { timeout: 15_000, interval: 100 });
      await vi.waitFor(() => expect(seen).toContainEqual({ topic: 'app/l04-chromium-web/hello', json: { client: 'l04-chromium-web', by: 'browser' } }), { timeout: 10_000 });

      await observer.publishAsync('device/l04-chromium-lamp/status', JSON.stringify({ on: true, brightness: 80 }));
      await vi.waitFor(() => expect(seen).toContainEqual({ topic: 'app/l04-chromium-web/seen', json: { topic: 'device/l04-chromium-lamp/status', payload: { on: true, brightness: 80 }, by: 'browser' } }), { timeout: 10_000 });
      expect(await page.textContent('#messages')).toBe('device/l04-chromium-lamp/status {"on":true,"brightness":80}');

      // The form publishes another hello with the text typed.
      await page.fill('#text', 'typed in the page');
      await page.click('button');
      await vi.waitFor(() => expect(seen).toContainEqual({ topic: 'app/l04-chromium-web/hello', json: { client: 'l04-chromium-web', by: 'browser', text: 'typed in the page' } }), { timeout: 10_000 });
    } finally {
      await page.close();
    }
  }, 60_000);

  it('signed with a wrong secret, the page is refused at the WebSocket upgrade and says so', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(pageUrl('l04-chromium-bad', 'not-the-secret'));
      await vi.waitFor(async () => expect(await page.textContent('#status')).toMatch(/^WebSocket ws:\/\/127\.0\.0\.1:\d+\/mqtt refused the connection$/), { timeout: 15_000, interval: 100 });
      // Nothing from it reached the broker: a marker sent afterwards arrives with no hello before it.
      await observer.publishAsync('app/marker/hello', JSON.stringify({ marker: true }));
      await vi.waitFor(() => expect(seen.some((m) => m.topic === 'app/marker/hello')).toBe(true));
      expect(seen.filter((m) => m.topic.startsWith('app/l04-chromium-bad/'))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('the Node client with the right key connects; with a wrong secret it prints refused and exits 1', async () => {
    const run = (secret: string) => spawn(process.execPath, [path.join(files, 'ws-client.mjs'), 'l04-node-web'], {
      env: { PATH: process.env.PATH, IOT_ENDPOINT: '127.0.0.1', WS_PORT: String(wsPort), REGION: 'us-east-1', AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: secret },
    });
    const bad = run('not-the-secret');
    let out = '';
    bad.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await new Promise<number | null>((resolve) => bad.on('exit', resolve));
    expect(code).toBe(1);
    expect(out).toMatch(/^refused: /);

    const good = run(key.secretAccessKey);
    try {
      await vi.waitFor(() => expect(seen).toContainEqual({ topic: 'app/l04-node-web/hello', json: { client: 'l04-node-web', by: 'node' } }), { timeout: 15_000 });
    } finally {
      good.kill('SIGTERM');
      await new Promise((resolve) => good.on('exit', resolve));
    }
  }, 60_000);
});
