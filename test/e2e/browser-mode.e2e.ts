/**
 * Browser mode end to end: a real engine and UI server, the current renderer sources built by Vite, headless
 * Chromium through playwright-core, and a real MQTT.js device publishing to the engine.
 * Set TB_E2E_SCREENSHOT=/path.png to keep a screenshot of the page with the message showing.
 */
import fs from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/engine.js';
import type { UiServer } from '../../engine/host/index.js';
import { CHROMIUM, PLAYWRIGHT_DISABLED_FEATURES, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';

const WAIT = { timeout: 10_000 };

describe.skipIf(!fs.existsSync(CHROMIUM))('browser mode (headless Chromium)', () => {
  let bm: BrowserMode;
  let engine: Engine;
  let ui: UiServer;
  let browser: Browser;
  let page: Page;
  let pageProblems: string[];
  let device: MqttClient;

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-e2e-', viewport: { width: 1280, height: 760 } });
    ({ engine, ui, browser, page, pageProblems } = bm);
    device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'e2e-thermostat', reconnectPeriod: 0 });
  }, 120_000); // the renderer is built first, which takes a while on a busy machine

  afterAll(async () => {
    await device?.endAsync();
    await bm?.stop();
  });

  it('shows the broker mode and the endpoints from engine.info()', async () => {
    await page.waitForSelector('[data-testid=broker-mode][data-mode="aws"]', WAIT);
    expect((await page.textContent('[data-testid=broker-mode]'))?.trim()).toBe('aws');
    expect(await page.textContent('[data-testid=endpoint-mqtt]')).toContain(engine.info().endpoints.mqtt);
    await page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
  });

  it('moves the token out of the address bar', () => {
    expect(page.url()).toBe(`http://127.0.0.1:${ui.port}/`);
  });

  it('shows a message a device publishes: topic in the tree and the list, payload decoded', async () => {
    await device.publishAsync('e2e/kitchen/thermostat', JSON.stringify({ celsius: 21.5, mode: 'heat' }), { qos: 1 });

    const row = await page.waitForSelector('[data-testid=message-row][data-topic="e2e/kitchen/thermostat"]', WAIT);
    expect(await row.$eval('[data-testid=message-payload]', (el) => el.textContent)).toBe('{"celsius":21.5,"mode":"heat"}');
    expect(await row.$eval('[data-testid=message-publisher]', (el) => el.textContent)).toBe('e2e-thermostat');
    expect(await row.$eval('[data-testid=message-qos]', (el) => el.textContent)).toBe('1');

    const node = await page.waitForSelector('[data-testid=topic-node][data-topic="e2e/kitchen/thermostat"]', WAIT);
    expect(await node.$eval('[data-testid=topic-count]', (el) => el.textContent)).toBe('1');
    expect(await node.isVisible()).toBe(true);

    if (process.env.TB_E2E_SCREENSHOT) await page.screenshot({ path: process.env.TB_E2E_SCREENSHOT });
  });

  it('filters the list by the clicked topic and shows the full payload of a clicked message', async () => {
    await device.publishAsync('e2e/garage/door', 'open', { qos: 0, retain: true });
    await page.waitForSelector('[data-testid=message-row][data-topic="e2e/garage/door"]', WAIT);

    await page.click('[data-testid=topic-node][data-topic="e2e/kitchen"]');
    await page.waitForSelector('[data-testid=message-row][data-topic="e2e/garage/door"]', { state: 'detached', ...WAIT });
    expect(await page.textContent('[data-testid=message-filter]')).toBe('e2e/kitchen/#');
    await page.waitForSelector('[data-testid=message-row][data-topic="e2e/kitchen/thermostat"]', WAIT);

    // Live traffic outside the filter reaches the tree but not the list.
    await device.publishAsync('e2e/garage/light', 'on');
    await page.waitForSelector('[data-testid=topic-node][data-topic="e2e/garage/light"]', WAIT);
    expect(await page.$$('[data-testid=message-row][data-topic="e2e/garage/light"]')).toHaveLength(0);

    await page.click('[data-testid=message-row][data-topic="e2e/kitchen/thermostat"]');
    const detail = await page.waitForSelector('[data-testid=detail-payload][data-format="json"]', WAIT);
    expect(JSON.parse((await detail.textContent()) ?? '')).toEqual({ celsius: 21.5, mode: 'heat' });

    await page.click('[data-testid=clear-filter]');
    await page.waitForSelector('[data-testid=message-row][data-topic="e2e/garage/light"]', WAIT);
  });

  it('keeps working after a reload (the token stays in session storage)', async () => {
    await page.reload();
    await page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
    await page.waitForSelector('[data-testid=message-row][data-topic="e2e/kitchen/thermostat"]', WAIT);
  });

  it('explains what to do when opened without the token', async () => {
    const context = await browser.newContext();
    const bare = await context.newPage();
    await bare.goto(`http://127.0.0.1:${ui.port}/`);
    await bare.waitForSelector('[data-testid=token-missing]', WAIT);
    await context.close();
  });

  it('marks the scripts of the opening for V8 to compile ahead while they load, and no others', async () => {
    await page.click('[data-testid=nav-rules]');
    await page.waitForSelector('main[data-testid=view-rules]', WAIT);
    const firstLines = new Map(await page.evaluate(async () => {
      const scripts = performance.getEntriesByType('resource').map((e) => e.name).filter((u) => /\/assets\/[^/]+\.js$/.test(u));
      return Promise.all(scripts.map(async (u) => [u.split('/').pop()!, (await (await fetch(u)).text()).split('\n', 1)[0]!] as const));
    }));
    const hinted = (prefix: string) => {
      const name = [...firstLines.keys()].find((n) => n.startsWith(prefix));
      expect(name, `${prefix}… loaded`).toBeDefined();
      return firstLines.get(name!) === '//# allFunctionsCalledOnLoad';
    };
    // The entry, the runtime and client it imports, the first view and its list.
    for (const opening of ['index-', 'context-', 'client-', 'ExplorerView-', 'VirtualList-']) expect(hinted(opening), opening).toBe(true);
    expect(hinted('RulesView-')).toBe(false); // opened later
    await page.click('[data-testid=nav-topics]');
    await page.waitForSelector('main[data-testid=view-topics]', WAIT);
  });

  it('runs Chromium without the address bar\'s popups, still with every feature Playwright turns off', async () => {
    const targets = async (b: Browser) => (await (await b.newBrowserCDPSession()).send('Target.getTargets')).targetInfos.map((t) => t.url);
    expect((await targets(browser)).filter((u) => u.startsWith('chrome://'))).toEqual([]);
    // Playwright's own list, as it launches Chromium without ours: Chromium keeps only the last --disable-features.
    const plain = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
    try {
      await plain.newPage(); // a window, which is what makes the popups
      await expect.poll(() => targets(plain), WAIT).toContainEqual(expect.stringMatching(/^chrome:\/\/omnibox-popup/)); // what the switch removes
      const { processInfo } = await (await plain.newBrowserCDPSession()).send('SystemInfo.getProcessInfo');
      const pid = processInfo.find((p) => p.type === 'browser')!.id;
      const switches = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const playwrights = switches.filter((a) => a.startsWith('--disable-features=')).at(-1)!.slice('--disable-features='.length).split(',');
      expect(PLAYWRIGHT_DISABLED_FEATURES).toEqual(expect.arrayContaining(playwrights));
    } finally {
      await plain.close();
    }
  });

  it('produced no console errors, CSP violations or page exceptions', () => {
    expect(pageProblems).toEqual([]);
  });
});
