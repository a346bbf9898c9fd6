/**
 * Browser mode for e2e tests: a real engine and UI server serving the renderer built by Vite from its current sources, and headless
 * Chromium (playwright-core) with a page open on the UI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { defaultConfig } from '../../engine/config.js';
import type { EngineInfo } from '../../engine/contract/index.js';
import { silentLogger } from '../../engine/core/index.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { startUiServer, type UiServer } from '../../engine/host/index.js';
import { builtRenderer } from './renderer-build.js';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * The features Playwright turns off when it launches Chromium (playwright-core 1.65), and then the address bar's WebUI
 * popups. Every new browser context is a new Chromium window, and each window started two WebUI renderers for those
 * popups, ~0.5 s of CPU just as the page began to load: on two cores that landed on the very openings the tests and
 * `bench ui` time, though a user's browser made its popups when it started and the desktop app has none. Chromium keeps
 * only the last `--disable-features` it is given, so this one repeats Playwright's (`browser-mode.e2e.ts` checks that
 * it still does).
 */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades', 'HttpsFirstBalancedModeAutoEnable', 'LensOverlay',
  'MediaRouter', 'PaintHolding', 'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'TcpPortRandomizationWin',
  'OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch', 'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];
const DISABLED_FEATURES = [...PLAYWRIGHT_DISABLED_FEATURES, 'WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

/** Headless Chromium as every browser test and benchmark runs it; `extraArgs` are added to its switches. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', `--disable-features=${DISABLED_FEATURES.join(',')}`, ...extraArgs],
  });
}

export interface BrowserModeOptions {
  /** Prefix of the temp directory holding the built renderer and the engine's data. */
  tmpPrefix: string;
  /** Page viewport; Playwright's default when left out. */
  viewport?: { width: number; height: number };
  /** Grant the `notifications` permission to the UI origin, so the page may show Web Notifications. */
  grantNotifications?: boolean;
  /** Runs in the page before its own scripts on every load (e.g. to record what the page does). */
  initScript?: Parameters<Page['addInitScript']>[0];
  /** The engine's broker mode (`aws` unless given; benchmarks take `standard`, without AWS's per-connection limits). */
  brokerMode?: 'aws' | 'standard';
}

export interface BrowserMode {
  engine: Engine;
  info: EngineInfo;
  ui: UiServer;
  browser: Browser;
  /** Already navigated to the UI (with its token). */
  page: Page;
  /** Console errors and page exceptions seen so far: a CSP violation, a failed request, an exception. */
  pageProblems: string[];
  tmp: string;
  /** Closes the browser, the UI server and the engine, and removes the temp directory. */
  stop(): Promise<void>;
}

export async function startBrowserMode(opts: BrowserModeOptions): Promise<BrowserMode> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), opts.tmpPrefix));
  let engine: Engine | undefined;
  let ui: UiServer | undefined;
  let browser: Browser | undefined;
  // Whatever has started, even if setup failed half way.
  const stop = async () => {
    await browser?.close();
    await ui?.close();
    await engine?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    // The renderer as its sources are now (not a possibly stale renderer/dist), built once per run.
    const staticDir = await builtRenderer();

    engine = await createEngine(defaultConfig({
      dataDir: path.join(tmp, 'data'), ports: { mqtt: 0, ws: 0, http: 0 }, ...(opts.brokerMode ? { broker: { mode: opts.brokerMode } } : {}),
    }));
    const info = await engine.start();
    ui = await startUiServer(engine, { host: '127.0.0.1', port: 0, staticDir, logger: silentLogger });

    browser = await launchChromium();
    const context = await browser.newContext(opts.viewport ? { viewport: opts.viewport } : {});
    if (opts.grantNotifications) await context.grantPermissions(['notifications'], { origin: `http://127.0.0.1:${ui.port}` });
    const page = await context.newPage();
    const pageProblems: string[] = [];
    page.on('console', (msg) => void (msg.type() === 'error' && pageProblems.push(msg.text())));
    page.on('pageerror', (err) => void pageProblems.push(err.message));
    if (opts.initScript) await page.addInitScript(opts.initScript);
    await page.goto(ui.url);

    return { engine, info, ui, browser, page, pageProblems, tmp, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
