/**
 * The Cost view in headless Chromium: before any traffic it says what to do; after known traffic (3 messages of 6 KB
 * to one subscriber: 12 billed messages) the figures it shows are the engine's metering counters at the price
 * table's prices, for the total, each price line, each topic and each device, with the table's date and sources;
 * the breakdowns sort by a column. `TB_SCREENS=<dir>` also writes screenshots.
 */
import fs from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { screens } from '../helpers/screens.js';
import { quantity, usd } from '../../renderer/src/lib/money.js';

const WAIT = { timeout: 15_000 };
const doc = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

describe.skipIf(!fs.existsSync(CHROMIUM))('the cost view', () => {
  let bm: BrowserMode;

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-cost-', viewport: { width: 1280, height: 800 } });
    await bm.page.evaluate(() => { location.hash = '#/cost'; });
    await bm.page.waitForSelector('[data-testid=cost-view]', WAIT);
  }, 240_000); // the first e2e file of a run builds the renderer

  afterAll(async () => {
    await bm?.stop();
  });

  it('says what to do before any traffic, and shows the price table\'s date and sources', async () => {
    await bm.page.waitForSelector('[data-testid=cost-empty]', WAIT);
    expect(await bm.page.textContent('[data-testid=cost-empty]')).toContain('No traffic yet');
    expect(await bm.page.textContent('[data-testid=cost-total]')).toBe('$0.00');
    const report = await bm.engine.api.metering.cost();
    expect(await bm.page.textContent('[data-testid=cost-table-date]')).toContain(report.table.date);
    expect(await bm.page.getAttribute('[data-testid=cost-source] >> nth=0', 'href')).toBe('https://aws.amazon.com/iot-core/pricing/');
  });

  it('shows the figures the metering counters give, per line, topic and device', async () => {
    const { mqtt: url } = bm.info.endpoints;
    const sub = await mqtt.connectAsync(url, { clientId: 'e2e-cost-sub', reconnectPeriod: 0 });
    await sub.subscribeAsync('e2e/cost', { qos: 1 });
    let received = 0;
    sub.on('message', () => received++);
    const dev = await mqtt.connectAsync(url, { clientId: 'e2e-cost-dev', reconnectPeriod: 0 });
    for (let i = 0; i < 3; i++) await dev.publishAsync('e2e/cost', doc(6 * 1024), { qos: 1 });
    await expect.poll(() => received, WAIT).toBe(3);
    // Disconnected, the clients' minutes stop: every figure is then fixed.
    await dev.endAsync();
    await sub.endAsync();
    await expect.poll(async () => (await bm.engine.api.broker.clients()).length, WAIT).toBe(0);

    const usage = await bm.engine.api.metering.usage();
    expect(usage.totals.billedMessages).toBe(12); // 3 × 6 KB = 6 billed messages in, 6 out
    const report = await bm.engine.api.metering.cost();
    const messaging = report.lines.find((l) => l.priceId === 'iot.messaging')!;
    expect(messaging.quantity).toBe(usage.totals.billedMessages);

    const page = bm.page;
    await page.waitForFunction((total) => document.querySelector('[data-testid=cost-total]')?.textContent === total, usd(report.total), WAIT);
    expect(await page.isVisible('[data-testid=cost-empty]')).toBe(false);
    const line = page.locator('[data-testid=cost-line][data-price="iot.messaging"]');
    expect(await line.locator('[data-testid=cost-line-quantity]').textContent()).toBe(quantity(12));
    expect(await line.locator('[data-testid=cost-line-cost]').textContent()).toBe(usd(messaging.cost));
    const connectivity = report.lines.find((l) => l.priceId === 'iot.connectivity')!;
    expect(connectivity.quantity).toBe(2); // two clients, each under a minute: one billed minute each
    const conn = page.locator('[data-testid=cost-line][data-price="iot.connectivity"]');
    expect(await conn.locator('[data-testid=cost-line-cost]').textContent()).toBe(usd(connectivity.cost));
    const iotCore = report.services.find((s) => s.service === 'AWS IoT Core')!;
    expect(await page.locator('[data-testid=cost-service][data-service="AWS IoT Core"] [data-testid=cost-service-total]').textContent()).toBe(usd(iotCore.cost));

    await page.click('[data-testid=tab-topics]');
    const topic = page.locator('[data-testid=cost-topics-row][data-key="e2e/cost"]');
    await topic.waitFor(WAIT);
    expect(await topic.locator('[data-col=billed]').textContent()).toBe('12');
    expect(await topic.locator('[data-col=cost]').textContent()).toBe(usd(report.topics.find((t) => t.topic === 'e2e/cost')!.cost));

    await page.click('[data-testid=tab-devices]');
    const dev1 = page.locator('[data-testid=cost-devices-row][data-key=e2e-cost-dev]');
    await dev1.waitFor(WAIT);
    const devCost = report.devices.find((d) => d.device === 'e2e-cost-dev')!;
    expect(devCost).toMatchObject({ messages: 3, billedMessages: 6 });
    expect(await dev1.locator('[data-col=billed]').textContent()).toBe('6');
    expect(await dev1.locator('[data-col=cost]').textContent()).toBe(usd(devCost.cost));
    // Sorting by name puts the devices in order; again reverses it.
    await page.click('[data-testid=cost-devices-sort-device]');
    const names = () => page.locator('[data-testid=cost-devices-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
    expect(await names()).toEqual(['e2e-cost-dev', 'e2e-cost-sub']);
    await page.click('[data-testid=cost-devices-sort-device]');
    expect(await names()).toEqual(['e2e-cost-sub', 'e2e-cost-dev']);
    expect(await page.getAttribute('[data-testid=cost-devices-sort-device]', 'aria-sort')).toBe('descending');
    if (process.env.TB_SCREENS) await screens(bm, process.env.TB_SCREENS, 'cost');
  });
});
