/**
 * Desktop notifications in browser mode: a real engine and UI server, the renderer built by Vite, headless Chromium
 * with the notifications permission granted, and a real MQTT.js device whose message a rule's sns action publishes to
 * a notification topic with a `desktop` subscription. The page records each Notification it constructs (the real
 * constructor still runs), so the test sees what the user would.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../engine/config.js';
import { silentLogger } from '../../engine/core/index.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { startUiServer, type UiServer } from '../../engine/host/index.js';

const CHROMIUM = '/usr/bin/chromium';
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

declare global {
  interface Window { shownNotifications?: Array<{ title: string; body: string | undefined }> }
}

describe.skipIf(!fs.existsSync(CHROMIUM))('desktop notifications in browser mode (headless Chromium)', () => {
  let tmp: string;
  let engine: Engine;
  let ui: UiServer;
  let browser: Browser;
  let page: Page;
  let device: MqttClient;
  const pageProblems: string[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-e2e-notify-'));
    const staticDir = path.join(tmp, 'dist');
    await build({ configFile: path.join(repoRoot, 'renderer/vite.config.ts'), logLevel: 'warn', build: { outDir: staticDir, emptyOutDir: true } });
    engine = await createEngine(defaultConfig({ dataDir: path.join(tmp, 'data'), ports: { mqtt: 0, ws: 0, http: 0 } }));
    const info = await engine.start();
    ui = await startUiServer(engine, { host: '127.0.0.1', port: 0, staticDir, logger: silentLogger });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: `http://127.0.0.1:${ui.port}` });
    page = await context.newPage();
    page.on('console', (msg) => void (msg.type() === 'error' && pageProblems.push(msg.text())));
    page.on('pageerror', (err) => void pageProblems.push(err.message));
    // Record what the page shows, still constructing the browser's own Notification.
    await page.addInitScript(() => {
      const Real = window.Notification;
      window.shownNotifications = [];
      window.Notification = class extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          window.shownNotifications!.push({ title, body: options?.body });
        }
      } as typeof Notification;
    });
    await page.goto(ui.url);
    await page.waitForSelector('[data-testid=connection-status][data-state="open"]', { timeout: 10_000 });
    device = await mqtt.connectAsync(info.endpoints.mqtt, { clientId: 'e2e-boiler', reconnectPeriod: 0 });
  });

  afterAll(async () => {
    await device?.endAsync();
    await browser?.close();
    await ui?.close();
    await engine?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows a Web Notification for a desktop subscription fed by a rule', async () => {
    const ops = await engine.api.sinks.create('notify', 'ops', { subscriptions: [{ protocol: 'desktop' }] });
    await engine.api.rules.put('overheat', {
      sql: "SELECT temp FROM 'boiler/temp' WHERE temp > 80", awsIotSqlVersion: '2016-03-23',
      actions: [{ sns: { targetArn: ops.arn, roleArn: 'arn:aws:iam::123456789012:role/sns' } }],
    });
    await device.publishAsync('boiler/temp', '{"temp":95}', { qos: 1 });
    await page.waitForFunction(() => (window.shownNotifications?.length ?? 0) > 0, undefined, { timeout: 10_000 });
    expect(await page.evaluate(() => window.shownNotifications)).toEqual([{ title: 'Thingbench: ops', body: '{"temp":95}' }]);
    expect(pageProblems).toEqual([]);
  });
});
