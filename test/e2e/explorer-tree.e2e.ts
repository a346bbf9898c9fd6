/**
 * The topic tree and the message list in headless Chromium through browser mode: live topics, the filter (text,
 * MQTT wildcards, regular expressions), hiding `$aws`, the keyboard, pausing the list, and a big tree that keeps
 * only the rows in view in the DOM.
 */
import fs from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/engine.js';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';

const WAIT = { timeout: 15_000 };
const node = (topic: string) => `[data-testid=topic-node][data-topic="${topic}"]`;
const shownTopics = (page: Page) => page.$$eval('[data-testid=topic-node]', (els) => els.map((el) => el.getAttribute('data-topic')));

describe.skipIf(!fs.existsSync(CHROMIUM))('explorer: topic tree and message list', () => {
  let bm: BrowserMode;
  let engine: Engine;
  let page: Page;
  let device: MqttClient;

  async function filter(text: string): Promise<void> {
    await page.fill('[data-testid=topic-filter]', text);
    await page.press('[data-testid=topic-filter]', 'Enter'); // applies at once (typing applies after a short pause)
  }

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-e2e-tree-', viewport: { width: 1280, height: 760 } });
    ({ engine, page } = bm);
    await page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
    device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'e2e-tree-device', reconnectPeriod: 0 });
  }, 120_000);

  afterAll(async () => {
    await device?.endAsync();
    await bm?.stop();
  });

  it('shows a published topic in the tree with its count, flash and retained marker, and in the list', async () => {
    await device.publishAsync('lab/kitchen/temp', '21.5', { qos: 1, retain: true });
    const row = await page.waitForSelector(node('lab/kitchen/temp'), WAIT);
    expect(await row.$eval('[data-testid=topic-count]', (el) => el.textContent)).toBe('1');
    expect(await row.$('[data-testid=topic-retained]')).not.toBeNull();
    await page.waitForSelector(`${node('lab/kitchen/temp')} [data-testid=topic-flash]`, { state: 'attached', ...WAIT });
    await page.waitForSelector('[data-testid=message-row][data-topic="lab/kitchen/temp"]', WAIT);

    await device.publishAsync('lab/kitchen/temp', '22');
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '2', `${node('lab/kitchen/temp')} [data-testid=topic-count]`, WAIT);
  });

  it('filters the tree with + and #, a regular expression and text, expanding and highlighting matches', async () => {
    for (const t of ['lab/kitchen/humidity', 'lab/garage/temp', 'lab/garage/door', 'lab/attic/deep/sensor/temp', 'other/temp']) await device.publishAsync(t, '1');
    await page.waitForSelector(node('other/temp'), WAIT);

    await filter('lab/+/temp');
    await page.waitForSelector(node('lab/garage/door'), { state: 'detached', ...WAIT });
    expect(await shownTopics(page)).toEqual(['lab', 'lab/garage', 'lab/garage/temp', 'lab/kitchen', 'lab/kitchen/temp']);
    expect(await page.textContent('[data-testid=topic-filter-status]')).toContain('2 matching topics');

    await filter('lab/garage/#');
    await page.waitForSelector(node('lab/kitchen'), { state: 'detached', ...WAIT });
    expect(await shownTopics(page)).toEqual(['lab', 'lab/garage', 'lab/garage/door', 'lab/garage/temp']);

    // A regular expression: the match five levels down is shown with its ancestors expanded (they start collapsed).
    await filter('/sensor\\/temp$/');
    await page.waitForSelector(node('lab/attic/deep/sensor/temp'), WAIT);
    expect(await shownTopics(page)).toEqual(['lab', 'lab/attic', 'lab/attic/deep', 'lab/attic/deep/sensor', 'lab/attic/deep/sensor/temp']);

    await filter('GARAG');
    await page.waitForSelector(`${node('lab/garage')} mark`, WAIT);
    expect(await page.textContent(`${node('lab/garage')} mark`)).toBe('garag');

    // A topic that arrives while filtering shows up if it matches.
    await device.publishAsync('lab/garage/window', 'shut');
    await page.waitForSelector(node('lab/garage/window'), WAIT);

    await filter('/unclosed(/');
    expect(await page.getAttribute('[data-testid=topic-filter]', 'aria-invalid')).toBe('true');
    expect(await page.textContent('[data-testid=topic-filter-status]')).toMatch(/^\s*Invalid regular expression: /);

    await filter('no-such-topic-anywhere');
    await page.waitForSelector('[data-testid=topic-tree-no-match]', WAIT);

    await page.press('[data-testid=topic-filter]', 'Escape');
    await page.waitForSelector(node('other/temp'), WAIT);
  });

  it('shows $aws as its own root and hides its topics from the tree and the list on request', async () => {
    expect(engine.info().brokerMode).toBe('aws');
    // The device's connection made a lifecycle event; collapse nothing, just find the root.
    await page.waitForSelector(node('$aws'), WAIT);
    const roots = await page.$$eval('[data-testid=topic-node][aria-level="2"]', (els) => els.map((el) => el.getAttribute('data-topic')));
    expect(roots.at(-1)).toBe('$aws');
    await page.waitForSelector('[data-testid=message-row][data-topic^="$aws/"]', WAIT);

    await page.check('[data-testid=hide-aws]');
    await page.waitForSelector(node('$aws'), { state: 'detached', ...WAIT });
    await page.waitForSelector('[data-testid=message-row][data-topic^="$aws/"]', { state: 'detached', ...WAIT });
    // New lifecycle events stay hidden; a marker published afterwards proves the list is live.
    const other = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'e2e-tree-second', reconnectPeriod: 0 });
    await other.publishAsync('lab/marker', 'after');
    await page.waitForSelector('[data-testid=message-row][data-topic="lab/marker"]', WAIT);
    expect(await page.$$('[data-testid=message-row][data-topic^="$aws/"]')).toHaveLength(0);
    expect(await page.$$(node('$aws'))).toHaveLength(0);
    await other.endAsync();

    await page.uncheck('[data-testid=hide-aws]');
    await page.waitForSelector(node('$aws'), WAIT);
    await page.waitForSelector('[data-testid=message-row][data-topic^="$aws/"]', WAIT);
  });

  it('is driven by the keyboard: arrows move, Enter selects a subtree, Left and Right collapse and expand', async () => {
    await page.click('[data-testid=topic-all]');
    await page.focus('[data-testid=topic-tree]');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown'); // the first root: lab
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid=message-filter]')?.textContent === 'lab/#', undefined, WAIT);
    expect(await page.getAttribute(node('lab'), 'aria-selected')).toBe('true');

    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(node('lab/kitchen'), { state: 'detached', ...WAIT });
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(node('lab/kitchen'), WAIT);
    await page.click('[data-testid=clear-filter]');
  });

  it('searches in payloads: the history and live messages, text or a /regex/, the tree showing their topics', async () => {
    await device.publishAsync('lab/hall/smoke', JSON.stringify({ alarm: 'Smoke', level: 3 }));
    await device.publishAsync('lab/hall/smoke', JSON.stringify({ alarm: 'none', level: 0 }));
    await page.waitForSelector('[data-testid=message-row][data-topic="lab/hall/smoke"]', WAIT);
    await page.check('[data-testid=search-payloads]');
    await filter('smoke');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=message-row]').length === 1, undefined, WAIT);
    expect(await page.textContent('[data-testid=message-payload]')).toBe('{"alarm":"Smoke","level":3}');
    await page.waitForSelector(node('lab/hall/smoke'), WAIT);
    expect(await shownTopics(page)).toEqual(['lab', 'lab/hall', 'lab/hall/smoke']);

    // A live message matching the search joins the list and brings its topic into the tree.
    await device.publishAsync('lab/cellar/sensor', 'smoke detected');
    await device.publishAsync('lab/cellar/other', 'all clear');
    await page.waitForSelector('[data-testid=message-row][data-topic="lab/cellar/sensor"]', WAIT);
    await page.waitForSelector(node('lab/cellar/sensor'), WAIT);
    expect(await page.$$(node('lab/cellar/other'))).toHaveLength(0);

    // A regular expression, run by the engine as RE2.
    await filter('/"level":\\s*0/');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=message-row]').length === 1, undefined, WAIT);
    expect(await page.textContent('[data-testid=message-payload]')).toBe('{"alarm":"none","level":0}');

    await page.uncheck('[data-testid=search-payloads]');
    await filter('');
    await page.waitForSelector('[data-testid=message-row][data-topic="lab/cellar/other"]', WAIT);
  });

  it('pauses the list while the user reads further down and counts what arrives meanwhile', async () => {
    for (let i = 0; i < 60; i++) await device.publishAsync(`lab/burst/${i}`, String(i));
    await page.waitForSelector('[data-testid=message-row][data-topic="lab/burst/59"]', WAIT);
    await page.$eval('[data-testid=message-list]', (el) => { el.scrollTop = 400; el.dispatchEvent(new Event('scroll')); });
    await page.waitForSelector('[data-testid=message-paused]', WAIT);
    const firstShown = await page.getAttribute('[data-testid=message-row]', 'data-id');

    await device.publishAsync('lab/burst/new', 'late');
    await page.waitForFunction(() => /1 new/.test(document.querySelector('[data-testid=message-paused]')?.textContent ?? ''), undefined, WAIT);
    expect(await page.getAttribute('[data-testid=message-row]', 'data-id')).toBe(firstShown);

    await page.click('[data-testid=message-paused]');
    await page.waitForSelector('[data-testid=message-row][data-topic="lab/burst/new"]', WAIT);
    expect(await page.$('[data-testid=message-paused]')).toBeNull();
  });

  it('redraws the live list at most twice a second under a stream, and ends on its newest message', async () => {
    await device.publishAsync('lab/stream', 'start');
    await page.waitForSelector('[data-testid=message-row][data-topic="lab/stream"]', WAIT);
    // Each time the list's top row changes, when, as the page saw it.
    await page.evaluate(() => {
      const w = window as unknown as { __listDraws: number[] };
      w.__listDraws = [];
      let top = '';
      new MutationObserver(() => {
        const id = document.querySelector('[data-testid=message-row]')?.getAttribute('data-id') ?? '';
        if (id !== top) w.__listDraws.push(performance.now());
        top = id;
      }).observe(document.querySelector('[data-testid=message-list]')!, { subtree: true, attributes: true, attributeFilter: ['data-id'] });
    });
    // A message every 20 ms for 2 s: the engine sends the UI a batch every 100 ms, so about 20 batches.
    for (let i = 0; i < 100; i++) {
      await device.publishAsync('lab/stream', String(i));
      await new Promise((pace) => setTimeout(pace, 20));
    }
    await page.waitForSelector('[data-testid=message-row][data-topic="lab/stream"] >> text=99', WAIT);
    const draws = await page.evaluate(() => (window as unknown as { __listDraws: number[] }).__listDraws);
    const gaps = draws.slice(1).map((t, i) => t - draws[i]!);
    expect(draws.length).toBeGreaterThan(2);
    // The store decides to draw at least 500 ms apart; the rows change later in that frame, after its other work,
    // which on a loaded machine varies by a frame or more (CI once saw a gap of 487 ms). So: no more redraws than
    // 500-ms steps fit in the time they spanned, and no gap near the engine's 100-ms batches, as unpaced redraws would be.
    expect(gaps.length).toBeLessThanOrEqual(Math.ceil((draws.at(-1)! - draws[0]!) / 500));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(400);
  });

  it('selects the topic that was under the pointer when pressed, and keeps the keyboard cursor on its topic, while new topics move the rows', async () => {
    await device.publishAsync('a-press/m', 'm');
    await device.publishAsync('a-press/n', 'n');
    const row = await page.waitForSelector(node('a-press/m'), WAIT);
    const box = (await row.boundingBox())!;
    const at = [box.x + box.width / 2, box.y + box.height / 2] as const;
    await page.mouse.move(...at);
    await page.mouse.down();
    // A topic sorted before it arrives between press and release: the row under the pointer now shows another topic.
    await device.publishAsync('a-press/b', 'b');
    await page.waitForFunction(([x, y]) => document.elementFromPoint(x, y)?.closest('[data-testid=topic-node]')?.getAttribute('data-topic') === 'a-press/b', at, WAIT);
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector('[data-testid=message-filter]')?.textContent === 'a-press/m/#', undefined, WAIT);
    expect(await page.getAttribute(node('a-press/m'), 'aria-selected')).toBe('true');
    expect(await page.getAttribute(node('a-press/b'), 'aria-selected')).toBe('false');

    // The cursor is on a-press/m; another topic arrives above it; the next row down is still a-press/n.
    await device.publishAsync('a-press/a', 'a');
    await page.waitForSelector(node('a-press/a'), WAIT);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid=message-filter]')?.textContent === 'a-press/n/#', undefined, WAIT);
    await page.click('[data-testid=topic-all]');
  });

  it('opens on 5,000 topics with only the rows in view in the DOM, and scrolls to the last one', async () => {
    for (let i = 0; i < 5000; i++) await engine.api.broker.publish({ topic: `scale/dev-${i}`, payload: String(i) });
    await page.reload();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=topic-tree]')?.getAttribute('data-count')) > 5000, undefined, WAIT);
    const rows = await page.$$eval('[data-testid=topic-tree] [role=treeitem]', (els) => els.length);
    expect(rows).toBeGreaterThan(10);
    expect(rows).toBeLessThan(80);

    await page.focus('[data-testid=topic-tree]');
    await page.keyboard.press('End'); // the last row: under $aws, the last root
    await page.waitForSelector(node('scale/dev-4999'), WAIT);
    expect(await page.$$eval('[data-testid=topic-tree] [role=treeitem]', (els) => els.length)).toBeLessThan(80);
    const shown = await shownTopics(page);
    // Numbers sort numerically: dev-4999 is the last device, right after dev-4998 (not after dev-4998's text order).
    expect(shown[shown.indexOf('scale/dev-4999') - 1]).toBe('scale/dev-4998');
    expect(shown[shown.indexOf('scale/dev-4999') + 1]).toBe('$aws');
    // The tree opened from the compact topic table (no payloads); the rows on screen fetched their previews.
    await page.waitForSelector(`${node('scale/dev-4999')} [data-testid=topic-preview]`, WAIT);
    expect(await page.textContent(`${node('scale/dev-4999')} [data-testid=topic-preview]`)).toBe('4999');
    const activeId = await page.getAttribute('[data-testid=topic-tree]', 'aria-activedescendant');
    expect(await page.getAttribute(`#${activeId}`, 'data-topic')).toBe(shown.at(-1));

    // A row on screen takes each new payload as it arrives; a topic that changed out of sight shows its new payload
    // once it comes into view (the tree keeps payloads only for the rows on screen). Both come in order from one
    // client, so once the row on screen shows its message, the UI has taken the other one too. Twice: a row whose
    // preview was fetched once asks once more when its topic changed out of sight since.
    const preview = (topic: string) => `${node(topic)} [data-testid=topic-preview]`;
    const showing = (topic: string, text: string) => page.waitForFunction(([sel, t]) => document.querySelector(sel!)?.textContent === t, [preview(topic), text], WAIT);
    for (const round of ['', ' again']) {
      await page.focus('[data-testid=topic-tree]');
      await page.keyboard.press('End');
      await page.waitForSelector(node('scale/dev-4999'), WAIT);
      await device.publishAsync('scale/dev-0', `changed out of sight${round}`);
      await device.publishAsync('scale/dev-4999', `live on screen${round}`);
      await showing('scale/dev-4999', `live on screen${round}`);
      await filter('dev-0');
      await showing('scale/dev-0', `changed out of sight${round}`);
      await filter('');
    }
    expect(bm.pageProblems).toEqual([]);
  }, 120_000);
});
