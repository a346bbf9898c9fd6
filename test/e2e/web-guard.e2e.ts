/**
 * Web pages against the engine, in headless Chromium: a page from another site (evil.test, mapped to 127.0.0.1 by
 * Chromium's resolver) cannot create a thing over the HTTP API, open MQTT over WebSocket or reach the UI's `/rpc`
 * channel, and DNS rebinding (the same name pointed at the engine's ports) gets 403. A page served from loopback on
 * another port, and a site named with --allow-origin (friend.test), use MQTT over WebSocket with MQTT.js.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../engine/config.js';
import type { EngineInfo } from '../../engine/contract/index.js';
import { silentLogger } from '../../engine/core/index.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { startUiServer, type UiServer } from '../../engine/host/index.js';
import { CHROMIUM, launchChromium } from '../helpers/browser-mode.js';

const mqttBundle = fileURLToPath(new URL('../../node_modules/mqtt/dist/mqtt.min.js', import.meta.url));

/** An attendee's page server: a blank page that loads MQTT.js. */
async function startSite(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/mqtt.min.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync(mqttBundle));
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>lab page</title><script src="/mqtt.min.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** In the page: opens a WebSocket and tells whether it opened, or how it closed. */
function tryWebSocket(page: Page, url: string, protocol?: string): Promise<string> {
  return page.evaluate(([u, p]) => new Promise<string>((resolve) => {
    const ws = p ? new WebSocket(u, p) : new WebSocket(u);
    ws.onopen = () => {
      ws.close();
      resolve('open');
    };
    ws.onclose = (e) => resolve(`closed ${e.code}`);
  }), [url, protocol] as const);
}

/** In the page: MQTT.js connects over WebSocket, subscribes, and resolves with the first message on `topic`. */
function pageSubscribes(page: Page, url: string, topic: string): Promise<void> {
  return page.evaluate(([u, t]) => new Promise<void>((resolve, reject) => {
    const client = (window as unknown as { mqtt: typeof mqtt }).mqtt.connect(u, { reconnectPeriod: 0, connectTimeout: 5000 });
    (window as unknown as { received: string[] }).received = [];
    client.on('message', (_topic, payload) => (window as unknown as { received: string[] }).received.push(payload.toString()));
    client.on('error', (e) => reject(new Error(String(e))));
    client.on('close', () => reject(new Error('closed before subscribing')));
    client.on('connect', () => client.subscribe(t, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  }), [url, topic] as const);
}

describe.skipIf(!fs.existsSync(CHROMIUM))('web pages and the engine (headless Chromium)', () => {
  let tmp: string;
  let engine: Engine;
  let info: EngineInfo;
  let ui: UiServer;
  let site: { port: number; close(): Promise<void> };
  let browser: Browser;
  let iot: IoTClient;
  let device: MqttClient;
  const ports = { http: 0, ws: 0 };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-e2e-guard-'));
    site = await startSite();
    engine = await createEngine(defaultConfig({
      dataDir: path.join(tmp, 'data'), ports: { mqtt: 0, ws: 0, http: 0 }, security: { allowOrigins: [`http://friend.test:${site.port}`] },
    }));
    info = await engine.start();
    ports.http = Number(new URL(info.endpoints.http).port);
    ports.ws = Number(new URL(info.endpoints.ws).port);
    fs.mkdirSync(path.join(tmp, 'ui'));
    fs.writeFileSync(path.join(tmp, 'ui', 'index.html'), '<!doctype html><title>ui</title>');
    ui = await startUiServer(engine, { host: '127.0.0.1', port: 0, staticDir: path.join(tmp, 'ui'), logger: silentLogger });
    browser = await launchChromium(['--host-resolver-rules=MAP evil.test 127.0.0.1, MAP friend.test 127.0.0.1']);
    iot = new IoTClient({ endpoint: info.endpoints.http, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
    device = await mqtt.connectAsync(info.endpoints.mqtt, { clientId: 'e2e-guard-device', reconnectPeriod: 0 });
  }, 240_000); // the first e2e file of a run builds the renderer

  afterAll(async () => {
    await device?.endAsync();
    await browser?.close();
    await ui?.close();
    await engine?.stop();
    await site?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function pageAt(origin: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${origin}/page.html`);
    return page;
  }

  const thingExists = (name: string) => iot.send(new DescribeThingCommand({ thingName: name })).then(() => true, (e: Error) => {
    if (e.name === 'ResourceNotFoundException') return false;
    throw e;
  });

  /** In the page: a preflight-free POST (no-cors) that would create a thing; resolves once the engine answered. */
  const postThing = (page: Page, name: string, textPlain: boolean) => page.evaluate(([url, plain]) =>
    fetch(url, { method: 'POST', mode: 'no-cors', ...(plain ? { body: '{}', headers: { 'Content-Type': 'text/plain' } } : {}) }).then((r) => r.type),
  [`http://127.0.0.1:${ports.http}/things/${name}`, textPlain] as const);

  describe('a page from another site (http://evil.test)', () => {
    let page: Page;
    beforeAll(async () => {
      page = await pageAt(`http://evil.test:${site.port}`);
    });
    afterAll(() => page?.close());

    it('cannot create a thing over the HTTP API, with a text/plain body or with none', async () => {
      expect(await postThing(page, 'evil-plain', true)).toBe('opaque');
      expect(await postThing(page, 'evil-bodiless', false)).toBe('opaque');
      expect(await thingExists('evil-plain')).toBe(false);
      expect(await thingExists('evil-bodiless')).toBe(false);
    });

    it('cannot open MQTT over WebSocket', async () => {
      expect(await tryWebSocket(page, `ws://127.0.0.1:${ports.ws}/mqtt`, 'mqtt')).toBe('closed 1006');
      expect(await tryWebSocket(page, `ws://localhost:${ports.ws}/mqtt`, 'mqtt')).toBe('closed 1006');
    });

    it('cannot reach the UI channel, even holding the token', async () => {
      expect(await tryWebSocket(page, `ws://127.0.0.1:${ui.port}/rpc?token=${ui.token}`)).toBe('closed 1006');
    });

    it('DNS rebinding (its name pointed at the engine) gets 403 on the HTTP API, MQTT over WebSocket and the UI', async () => {
      for (const port of [ports.http, ports.ws, ui.port]) {
        const res = await page.goto(`http://evil.test:${port}/things`);
        expect(res?.status(), `port ${port}`).toBe(403);
      }
      await page.goto(`http://evil.test:${site.port}/page.html`);
      expect(await tryWebSocket(page, `ws://evil.test:${ports.ws}/mqtt`, 'mqtt')).toBe('closed 1006');
    });
  });

  it('a page served from loopback on another port uses MQTT over WebSocket (MQTT.js)', async () => {
    const page = await pageAt(`http://127.0.0.1:${site.port}`);
    try {
      await pageSubscribes(page, info.endpoints.ws, 'lab/loopback/#');
      await device.publishAsync('lab/loopback/temp', '21.5', { qos: 1 });
      await page.waitForFunction(() => (window as unknown as { received: string[] }).received.length > 0, null, { timeout: 10_000 });
      expect(await page.evaluate(() => (window as unknown as { received: string[] }).received)).toEqual(['21.5']);
    } finally {
      await page.close();
    }
  });

  it('a site named with --allow-origin uses MQTT over WebSocket and the HTTP API', async () => {
    const page = await pageAt(`http://friend.test:${site.port}`);
    try {
      await pageSubscribes(page, info.endpoints.ws, 'lab/friend/#');
      await device.publishAsync('lab/friend/temp', '19', { qos: 1 });
      await page.waitForFunction(() => (window as unknown as { received: string[] }).received.length > 0, null, { timeout: 10_000 });
      expect(await postThing(page, 'friend-thing', false)).toBe('opaque');
      expect(await thingExists('friend-thing')).toBe(true);
      // Its text/plain body is still refused: JSON routes take JSON.
      expect(await postThing(page, 'friend-plain', true)).toBe('opaque');
      expect(await thingExists('friend-plain')).toBe(false);
    } finally {
      await page.close();
    }
  });
});
