/**
 * A view with an editor is usable before Monaco has loaded: with Monaco's script held back, the SQL console shows its
 * query in a plain text area that edits it and runs it with Ctrl+Enter; once Monaco arrives the editor takes over
 * with the same text. And once the app has opened, the other views' files and then Monaco's are fetched while it is
 * idle, before any of them is opened.
 */
import fs from 'node:fs';
import type { Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 15_000 };

describe.skipIf(!fs.existsSync(CHROMIUM))('an editor view before Monaco has loaded', () => {
  let bm: BrowserMode;
  const held: Route[] = [];
  const requests: string[] = [];
  const page = () => bm.page;

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-editor-open-', viewport: { width: 1280, height: 800 } });
    // Monaco's largest file is held until the test lets it go.
    await page().route(/\/assets\/editor\.api-[^/]*\.js$/, (route) => void held.push(route));
    page().on('request', (r) => void requests.push(r.url()));
    await page().reload();
    await page().waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
  }, 120_000);

  afterAll(async () => {
    await bm?.stop();
  });

  it('fetches Monaco while idle once the app has opened, before any editor view', async () => {
    await expect.poll(() => requests.some((u) => /monaco-setup-[^/]*\.js$/.test(u)), WAIT).toBe(true);
    expect(await page().$$eval('link[rel=modulepreload]', (ls) => ls.some((l) => /editor\.api-/.test(l.getAttribute('href') ?? '')))).toBe(true);
    expect(await page().getAttribute('main', 'data-testid')).toBe('view-topics');
  });

  it('fetches the other views\' scripts while idle once the app has opened, so opening one fetches no script', async () => {
    await expect.poll(() => requests.some((u) => /\/DevicesView-[^/]*\.js$/.test(u)) && requests.some((u) => /\/RulesView-[^/]*\.js$/.test(u)), WAIT).toBe(true);
    expect(await page().getAttribute('main', 'data-testid')).toBe('view-topics');
    // Their styles too, prefetched: a preload the page does not use within seconds makes Chromium warn in the console.
    await expect.poll(() => requests.some((u) => /\/DevicesView-[^/]*\.css$/.test(u)), WAIT).toBe(true);
    expect(await page().$$eval('link[href$=".css"]', (ls) => ls.filter((l) => l.getAttribute('rel') === 'preload').length)).toBe(0);
    const before = requests.length;
    await page().click('[data-testid=nav-devices]');
    await page().waitForSelector('main[data-testid=view-devices]', WAIT);
    expect(requests.slice(before).filter((u) => u.endsWith('.js'))).toEqual([]);
  });

  it('shows the SQL console with a plain editor that runs a query, then hands the text to Monaco', async () => {
    await page().click('[data-testid=nav-sql]');
    const plain = await page().waitForSelector('[data-testid=sql-console-editor-plain]', WAIT);
    expect(await page().getAttribute('[data-testid=sql-console-editor]', 'data-ready')).toBe('false');
    expect(await page().textContent('[data-testid=sql-console-editor]')).toContain('Loading the editor…');
    await plain.fill('');
    await plain.type('SELECT 6 * 7 AS answer');
    await page().keyboard.press('Control+Enter');
    await page().waitForSelector('[data-testid=sql-grid][data-rows="1"]', WAIT);
    expect(await page().$$eval('[data-testid=sql-row] [role=gridcell]', (cs) => cs.map((c) => c.textContent))).toEqual(['42']);
    if (process.env.THINGBENCH_SCREENS) await screens(bm, process.env.THINGBENCH_SCREENS, 'sql-plain-editor');

    expect(held.length).toBeGreaterThan(0);
    for (const route of held.splice(0)) await route.continue();
    await page().waitForSelector('[data-testid=sql-console-editor][data-ready=true]', WAIT);
    expect(await page().$('[data-testid=sql-console-editor-plain]')).toBeNull();
    // Monaco draws its lines in the frame after it is ready.
    const text = () => page().$$eval('[data-testid=sql-console-editor] .view-line', (ls) => ls.map((l) => l.textContent ?? '').join('\n').replace(/\u00a0/g, ' '));
    await expect.poll(text, WAIT).toBe('SELECT 6 * 7 AS answer');
  });
});
