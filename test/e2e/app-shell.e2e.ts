/**
 * The app shell in headless Chromium: the navigation rail, shortcuts and the command palette reach every view, each
 * view says what it is for when empty, the theme follows the system until the user picks one, every text colour
 * meets WCAG AA in both themes, and the topic tree's counts follow live traffic.
 */
import fs from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';

const WAIT = { timeout: 10_000 };
const VIEWS = ['topics', 'pipeline', 'shadows', 'rules', 'registry', 'sinks', 'devices', 'labs', 'logs'];

describe.skipIf(!fs.existsSync(CHROMIUM))('the app shell', () => {
  let bm: BrowserMode;

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-shell-', viewport: { width: 1280, height: 760 } });
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
  }, 240_000); // the first e2e file of a run builds the renderer

  afterAll(async () => {
    await bm?.stop();
  });

  it('reaches every view from the rail, and each says what it shows', async () => {
    for (const view of VIEWS) {
      await bm.page.click(`[data-testid=nav-${view}]`);
      await bm.page.waitForSelector(`[data-testid=view-${view}]`, WAIT);
      expect(await bm.page.getAttribute(`[data-testid=nav-${view}]`, 'aria-current')).toBe('page');
      expect(bm.page.url()).toContain(`#/${view}`);
      // Every view shows something to read: content or an empty state with a next step.
      expect((await bm.page.textContent(`[data-testid=view-${view}]`))!.trim().length).toBeGreaterThan(20);
    }
    expect(bm.pageProblems).toEqual([]);
  });

  it('switches views with Alt+number and with the command palette', async () => {
    await bm.page.keyboard.press('Alt+4');
    await bm.page.waitForSelector('[data-testid=view-rules]', WAIT);
    await bm.page.keyboard.press('Control+k');
    await bm.page.waitForSelector('[data-testid=command-palette]', WAIT);
    await bm.page.keyboard.type('go logs');
    await bm.page.keyboard.press('Enter');
    await bm.page.waitForSelector('[data-testid=view-logs]', WAIT);
    expect(await bm.page.$('[data-testid=command-palette]')).toBeNull();
    await bm.page.keyboard.press('Alt+1');
    await bm.page.waitForSelector('[data-testid=view-topics]', WAIT);
  });

  it('keeps every endpoint reachable at 900 px: the chips that do not fit move whole into a "+N" menu', async () => {
    const page = bm.page;
    const endpoints = bm.engine.info().endpoints as Record<string, string>;
    const names = Object.keys(endpoints);
    await page.setViewportSize({ width: 900, height: 760 });
    try {
      await page.waitForSelector('[data-testid=endpoints-more]', WAIT);
      // Each chip is shown whole inside the header's row, or not at all (no chip is cut in half).
      const chips = await page.$$eval('[data-testid=endpoints] > li', (lis) => lis.map((li) => {
        const row = li.parentElement!.getBoundingClientRect();
        const box = li.getBoundingClientRect();
        return { shown: getComputedStyle(li).visibility === 'visible', whole: box.right <= row.right + 0.5 };
      }));
      const shown = chips.filter((c) => c.shown);
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.every((c) => c.whole)).toBe(true);
      const hidden = names.slice(shown.length);
      expect(hidden.length).toBeGreaterThan(0);
      expect(await page.textContent('[data-testid=endpoints-more]')).toBe(`+${hidden.length}`);
      // The "+N" button sits in the row, right after the last chip shown.
      const more = (await (await page.$('[data-testid=endpoints-more]'))!.boundingBox())!;
      expect(more.x + more.width).toBeLessThanOrEqual(900);

      await page.click('[data-testid=endpoints-more]');
      await page.waitForSelector('[data-testid=endpoints-menu]', WAIT);
      for (const name of hidden) expect(await page.textContent(`[data-testid=endpoint-menu-${name}]`)).toContain(endpoints[name]);
      await page.keyboard.press('Escape');
      await page.waitForSelector('[data-testid=endpoints-menu]', { state: 'detached', ...WAIT });
    } finally {
      await page.setViewportSize({ width: 1280, height: 760 });
    }
    // Wide again: every chip fits, no menu.
    await page.waitForSelector('[data-testid=endpoints-more]', { state: 'detached', ...WAIT });
  });

  it('follows the system theme until one is picked, and keeps the pick across a reload', async () => {
    const theme = () => bm.page.evaluate(() => document.documentElement.dataset.theme);
    const themeBecomes = (t: string) => bm.page.waitForFunction((want) => document.documentElement.dataset.theme === want, t, WAIT);
    await bm.page.emulateMedia({ colorScheme: 'dark' });
    await themeBecomes('dark');
    await bm.page.emulateMedia({ colorScheme: 'light' });
    await themeBecomes('light');
    await bm.page.click('[data-testid=theme-toggle]'); // system → light
    await bm.page.click('[data-testid=theme-toggle]'); // light → dark
    expect(await theme()).toBe('dark');
    await bm.page.reload();
    await bm.page.waitForSelector('[data-testid=theme-toggle][data-theme-choice=dark]', WAIT);
    expect(await theme()).toBe('dark');
    await bm.page.click('[data-testid=theme-toggle]'); // dark → system
    expect(await theme()).toBe('light');
  });

  it('meets WCAG AA contrast for every text colour on every surface, light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await bm.page.evaluate((t) => { document.documentElement.dataset.theme = t; }, scheme);
      const ratios = await bm.page.evaluate(() => {
        const css = getComputedStyle(document.documentElement);
        const rgb = (name: string) => {
          const probe = document.createElement('span');
          probe.style.color = css.getPropertyValue(name);
          document.body.append(probe);
          const [r, g, b] = getComputedStyle(probe).color.match(/\d+/g)!.map(Number);
          probe.remove();
          return [r, g, b];
        };
        const luminance = ([r, g, b]: number[]) => {
          const lin = (c: number) => { const s = c / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
          return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
        };
        const out: Record<string, number> = {};
        for (const fg of ['--text', '--muted', '--faint', '--accent', '--ok', '--warn', '--error', '--aws']) {
          for (const bg of ['--bg', '--surface', '--surface-2']) {
            const [a, b] = [luminance(rgb(fg)), luminance(rgb(bg))].sort((x, y) => y - x);
            out[`${fg} on ${bg}`] = (a + 0.05) / (b + 0.05);
          }
        }
        return out;
      });
      for (const [pair, ratio] of Object.entries(ratios)) expect(ratio, `${scheme}: ${pair}`).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('updates the topic counts as messages arrive, up to "All topics"', async () => {
    await bm.page.click('[data-testid=nav-topics]');
    const device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'shell-probe', reconnectPeriod: 0 });
    try {
      await device.publishAsync('shell/a', '1', { qos: 1 });
      await bm.page.waitForSelector('[data-testid=topic-node][data-topic="shell/a"]', WAIT);
      const before = Number(await bm.page.textContent('[data-testid=topic-all] [data-testid=topic-count]'));
      await device.publishAsync('shell/a', '2', { qos: 1 });
      await bm.page.waitForFunction(
        (n) => document.querySelector('[data-testid=topic-node][data-topic="shell/a"] [data-testid=topic-count]')?.textContent === '2'
          && Number(document.querySelector('[data-testid=topic-all] [data-testid=topic-count]')?.textContent) >= n + 1,
        before, WAIT);
    } finally {
      await device.endAsync();
    }
  });
});
