/**
 * The pipeline view in headless Chromium: the live diagram counts a message through a rule into a queue, a picked
 * message is traced (its path lit, the rule's output and the queue record it wrote beside it, and the condition a
 * second rule failed), and a box opens its view. `TB_SCREENS=<dir>` also writes screenshots at 1280 and 900 px,
 * light and dark.
 */
import fs from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 10_000 };
const ROLE = 'arn:aws:iam::123456789012:role/rules';

describe.skipIf(!fs.existsSync(CHROMIUM))('the pipeline view', () => {
  let bm: BrowserMode;

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-pipeline-', viewport: { width: 1280, height: 800 } });
    const api = bm.engine.api;
    await api.sinks.create('queue', 'readings');
    await api.sinks.create('table', 'Latest', { hashKey: { name: 'device', type: 'S' } });
    await api.rules.put('hot', {
      sql: "SELECT temp, topic(2) AS device FROM 'dt/+/telemetry' WHERE temp > 30",
      actions: [
        { sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/readings', roleArn: ROLE } },
        { dynamoDBv2: { putItem: { tableName: 'Latest' }, roleArn: ROLE } },
      ],
    });
    await api.rules.put('freezing', {
      sql: "SELECT * FROM 'dt/+/telemetry' WHERE temp < 0",
      actions: [{ republish: { topic: 'alerts/freezing', roleArn: ROLE } }],
    });
    await bm.page.evaluate(() => { location.hash = '#/pipeline'; });
    await bm.page.waitForSelector('[data-testid=pipeline-diagram]', WAIT);
  }, 240_000); // the first e2e file of a run builds the renderer

  afterAll(async () => {
    await bm?.stop();
  });

  it('counts a message through the rule into the queue, live', async () => {
    await bm.page.waitForSelector('[data-node="rule:hot"]', WAIT);
    const device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'sensor-7', reconnectPeriod: 0 });
    await device.publishAsync('dt/sensor-7/telemetry', JSON.stringify({ temp: 35 }), { qos: 1 });
    await device.endAsync();
    await bm.page.waitForSelector('[data-edge="action:hot:0→sink:queue:readings"][data-messages="1"]', WAIT);
    await bm.page.waitForSelector('[data-edge="broker→rule:freezing"][data-messages="1"]', WAIT);
    expect(await bm.page.textContent('[data-edge="action:hot:0→sink:queue:readings"]')).toContain('1');
    // Record counts are read about once a second.
    await bm.page.locator('[data-testid=pipeline-node][data-node="sink:queue:readings"]', { hasText: '1 kept' }).waitFor(WAIT);
  });

  it('traces a picked message: its path lit, the payload at each step and the record it wrote', async () => {
    await bm.page.click('[data-testid=trace-refresh]');
    await bm.page.click('[data-testid=trace-pick][data-topic="dt/sensor-7/telemetry"]', WAIT);
    await bm.page.waitForSelector('[data-testid=trace-record]', WAIT);

    for (const id of ['clients', 'broker', 'rule:hot', 'action:hot:0', 'sink:queue:readings', 'action:hot:1', 'sink:table:Latest']) {
      expect(await bm.page.getAttribute(`[data-testid=pipeline-node][data-node="${id}"]`, 'data-lit'), id).toBe('true');
    }
    expect(await bm.page.getAttribute('[data-edge="action:hot:0→sink:queue:readings"]', 'data-lit')).toBe('true');
    expect(await bm.page.getAttribute('[data-testid=pipeline-node][data-node="action:freezing:0"]', 'data-lit')).toBeNull();

    const step = (node: string) => bm.page.locator(`[data-testid=trace-step][data-node="${node}"]`);
    expect(await step('clients').locator('[data-testid=trace-payload]').textContent()).toContain('"temp": 35');
    expect(await step('rule:hot').getAttribute('data-status')).toBe('ok');
    expect(await step('rule:hot').locator('[data-testid=trace-payload]').textContent()).toContain('"device": "sensor-7"');
    expect(await step('rule:freezing').getAttribute('data-status')).toBe('miss');
    expect(await step('rule:freezing').locator('[data-testid=trace-note]').textContent()).toBe('WHERE was false: temp < 0 was false');
    const queueStep = step('action:hot:0');
    expect(await queueStep.locator('[data-testid=trace-note]').textContent()).toBe('wrote to readings');
    expect(await queueStep.locator('[data-testid=trace-record]').textContent()).toContain('{\\"temp\\":35,\\"device\\":\\"sensor-7\\"}');

    if (process.env.TB_SCREENS) await screens(bm, process.env.TB_SCREENS, 'pipeline');
    expect(bm.pageProblems).toEqual([]);
  });

  it('traces a message opened in the Topics view', async () => {
    await bm.page.click('[data-testid=nav-topics]');
    await bm.page.click('[data-testid=message-row][data-topic="dt/sensor-7/telemetry"]', WAIT);
    await bm.page.click('[data-testid=detail-trace]', WAIT);
    await bm.page.waitForSelector('[data-testid=view-pipeline]', WAIT);
    expect(bm.page.url()).toMatch(/#\/pipeline\/\d+$/);
    await bm.page.waitForSelector('[data-testid=trace-step][data-node="action:hot:0"][data-status=ok]', WAIT);
  });

  it('opens the view of a box that is clicked', async () => {
    await bm.page.click('[data-testid=pipeline-node][data-node="rule:hot"]');
    await bm.page.waitForSelector('[data-testid=view-rules]', WAIT);
    expect(bm.page.url()).toContain('#/rules/hot');
  });
});
