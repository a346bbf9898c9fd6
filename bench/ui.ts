// The UI under a flood: headless Chromium through browser mode, opening on an engine that holds many topics, then live traffic.
//   npm run bench -- ui [--topics 100000] [--rate 10000] [--baseline-rate 1000] [--seconds 60] [--quick] [--out DIR]
// One engine (in this process, standard broker mode: AWS mode would hold each connection to 100 publishes a second) with its browser-mode UI server and the renderer built by Vite; a child process
// (bench/lib/ui-load.ts, MQTT.js clients) first publishes once to each of --topics topics, then, once per rate (the
// baseline first, then the target), a fresh page is opened and measured while the child publishes at that rate:
//   open       time until the tree shows its first rows, and until every topic is in it (the status bar's count);
//   quiet      half way through, a topic nobody used is published once (the filter box set to it): time until its row shows;
//   long tasks main-thread tasks over 50 ms (PerformanceObserver `longtask`) while opening and during the flood: count, longest;
//   scroll     the tree scrolled a screen at a time every frame for 3 s: frames per second p50 and p1 (the slowest 1%);
//   click      10 clicks on tree rows: time from the input event to the next frame after it, p50 and max;
//   heap       JS heap used (CDP Performance.getMetrics) at the start, the largest and at the end of the flood.
// Every figure is printed beside the baseline's with their ratio. Results: a table on stdout, JSON lines in
// bench/out/ui-<timestamp>.jsonl. Targets (issue #15): tree within 1 s, quiet topic within 1 s, no task over 50 ms,
// ≥ 30 fps scrolling (60 wanted), click ≤ 100 ms, bounded heap.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import type { CDPSession, Page } from 'playwright-core';
import { startBrowserMode } from '../test/helpers/browser-mode.js';
import { fmtNum, renderTable } from './lib/report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: v } = parseArgs({
  args: process.argv.slice(2), strict: true,
  options: {
    topics: { type: 'string' }, rate: { type: 'string' }, 'baseline-rate': { type: 'string' }, seconds: { type: 'string' },
    quick: { type: 'boolean', default: false }, out: { type: 'string' }, 'cpu-prof': { type: 'string' }, opens: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  },
});
if (v.help) {
  console.log(`usage: npm run bench -- ui [flags]
  --topics N          topics the engine holds before the UI opens (100000; --quick 5000)
  --rate R            messages per second of the flood (10000; --quick 1000)
  --baseline-rate R   the same measured first at this rate, for the ratios (1000; --quick 100)
  --seconds S         length of each flood (60; --quick 6)
  --quick             the small sizes above: a smoke run of a minute
  --out DIR           where the JSON lines go (bench/out)
  --opens N           only open the UI N times on the filled engine (no traffic) and print each opening's figures
  --cpu-prof DIR      profile the page's main thread while opening and during each flood into DIR (open in Chrome DevTools)`);
  process.exit(0);
}
const q = v.quick;
const o = {
  topics: Number(v.topics ?? (q ? 5000 : 100_000)),
  rate: Number(v.rate ?? (q ? 1000 : 10_000)),
  baseline: Number(v['baseline-rate'] ?? (q ? 100 : 1000)),
  seconds: Number(v.seconds ?? (q ? 6 : 60)),
};
for (const [k, x] of Object.entries(o)) {
  if (!(x > 0)) {
    console.error(`--${k === 'baseline' ? 'baseline-rate' : k} must be a positive number`);
    process.exit(2);
  }
}
const outDir = path.resolve(v.out ?? path.join(repoRoot, 'bench/out'));

/** Runs bench/lib/ui-load.ts and resolves with its last JSON line. */
function load(url: string, args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench/lib/ui-load.ts'), '--url', url, ...args], {
      cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code === 0 && line) resolve(JSON.parse(line) as Record<string, number>);
      else reject(new Error(`load generator exited with ${code}`));
    });
  });
}

/** Recorders installed in the page before its scripts: long tasks, and the time from each click to the next frame. */
function recorders(): void {
  const w = window as unknown as { __longtasks: { start: number; duration: number }[]; __clicks: number[] };
  w.__longtasks = [];
  w.__clicks = [];
  addEventListener('click', (e) => {
    const at = e.timeStamp;
    requestAnimationFrame(() => setTimeout(() => w.__clicks.push(performance.now() - at), 0));
  }, { capture: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__longtasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

interface LongTasks { count: number; longest: number; busyPct: number }

async function longTasks(page: Page, from: number, to: number): Promise<LongTasks> {
  const tasks = await page.evaluate(([a, b]) => (window as unknown as { __longtasks: { start: number; duration: number }[] }).__longtasks
    .filter((t) => t.start >= a && t.start < b), [from, to] as const);
  const busy = tasks.reduce((s, t) => s + t.duration, 0);
  return { count: tasks.length, longest: Math.max(0, ...tasks.map((t) => t.duration)), busyPct: (100 * busy) / Math.max(1, to - from) };
}

const pageNow = (page: Page) => page.evaluate(() => performance.now());
const quantile = (sorted: number[], p: number) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;

async function heapMb(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN) / 2 ** 20;
}

/** Scrolls the tree one screen per frame for `ms`, in the page, and returns the frame intervals. */
function scrollFrames(page: Page, ms: number): Promise<number[]> {
  return page.evaluate((duration) => new Promise<number[]>((resolve) => {
    const el = document.querySelector<HTMLElement>('[data-testid=topic-tree]')!;
    const frames: number[] = [];
    let last = performance.now();
    const end = last + duration;
    let down = true;
    const step = (t: number) => {
      frames.push(t - last);
      last = t;
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 2) down = false;
      else if (el.scrollTop <= 0) down = true;
      el.scrollTop += (down ? 1 : -1) * el.clientHeight;
      if (t < end) requestAnimationFrame(step);
      else resolve(frames.slice(1));
    };
    requestAnimationFrame(step);
  }), ms);
}

/** Clicks tree rows; the page (`recorders`) measures from each input event to the frame after the click's work. */
async function clicks(page: Page, n: number): Promise<number[]> {
  await page.evaluate(() => { (window as unknown as { __clicks: number[] }).__clicks = []; });
  let done = 0;
  for (let i = 0; i < n; i++) {
    const rows = await page.$$('[data-testid=topic-node]');
    const row = rows[(i * 3 + 2) % Math.max(1, rows.length)];
    if (!row) break;
    try {
      await row.click({ timeout: 5000 });
      done++;
    } catch {
      // a row that left the window between finding and clicking it: try the next
    }
  }
  await page.waitForFunction((k) => (window as unknown as { __clicks: number[] }).__clicks.length >= k, done, { timeout: 30_000 });
  return page.evaluate(() => (window as unknown as { __clicks: number[] }).__clicks);
}

interface Result {
  rate: number;
  openFirstRowsMs: number;
  openAllTopicsMs: number;
  openLongTasks: LongTasks;
  quietMs: number;
  floodLongTasks: LongTasks;
  fpsP50: number;
  fpsP1: number;
  clickP50: number;
  clickMax: number;
  heapStartMb: number;
  heapMaxMb: number;
  heapEndMb: number;
  sent: number;
  skipped: string;
}

async function main(): Promise<void> {
  console.log(`ui: ${fmtNum(o.topics)} topics, flood ${fmtNum(o.rate)} msg/s (baseline ${fmtNum(o.baseline)} msg/s) for ${o.seconds} s each`);
  const bm = await startBrowserMode({ tmpPrefix: 'tb-bench-ui-', viewport: { width: 1280, height: 800 }, brokerMode: 'standard' });
  const results: Result[] = [];
  await bm.page.close(); // each rate opens its own page
  try {
    const url = bm.info.endpoints.mqtt;
    const t0 = performance.now();
    await load(url, ['--topics', String(o.topics), '--fill']);
    await waitFor(async () => (await bm.engine.api.broker.topics('bench/')).length >= o.topics, 120_000);
    console.log(`filled ${fmtNum(o.topics)} topics in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    if (v.opens) {
      await openings(bm, Number(v.opens));
      return;
    }

    for (const rate of [o.baseline, o.rate]) {
      const page = await bm.browser.newPage({ viewport: { width: 1280, height: 800 } });
      // tsx keeps function names with a `__name` helper that page-side functions then call: give the page one.
      await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
      await page.addInitScript(recorders);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      if (v['cpu-prof']) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
      // Open the UI (its token in the address) and time the tree.
      const opened = performance.now();
      await page.goto(bm.ui.url);
      await page.waitForSelector('[data-testid=topic-node]', { timeout: 60_000 });
      const openFirstRowsMs = performance.now() - opened;
      await page.waitForFunction((n) => parseInt(document.querySelector('[data-testid=topic-total]')?.textContent ?? '', 10) >= n, o.topics, { timeout: 120_000, polling: 50 });
      const openAllTopicsMs = performance.now() - opened;
      const openLongTasks = await longTasks(page, 0, await pageNow(page));
      if (v['cpu-prof']) {
        const { profile } = await cdp.send('Profiler.stop');
        mkdirSync(v['cpu-prof'], { recursive: true });
        writeFileSync(path.join(v['cpu-prof'], `ui-open-${rate}.cpuprofile`), JSON.stringify(profile));
        writeFileSync(path.join(v['cpu-prof'], `ui-open-${rate}.longtasks.json`), JSON.stringify(await page.evaluate(() => (window as unknown as { __longtasks: unknown[] }).__longtasks)));
      }

      // The flood, and the measurements during it.
      const floodStart = await pageNow(page);
      const heap: number[] = [await heapMb(cdp)];
      const heapTimer = setInterval(() => void heapMb(cdp).then((h) => heap.push(h), () => {}), 2000);
      if (v['cpu-prof']) await cdp.send('Profiler.start');
      const floodStarted = performance.now();
      const flood = load(url, ['--topics', String(o.topics), '--rate', String(rate), '--seconds', String(o.seconds)]);
      await sleep((o.seconds * 1000) / 6);
      const fps = (await scrollFrames(page, 3000)).map((ms) => 1000 / ms).sort((a, b) => a - b);
      const clickTimes = (await clicks(page, 10)).sort((a, b) => a - b);
      await page.$eval('[data-testid=topic-tree]', (el) => { el.scrollTop = 0; });
      await page.click('[data-testid=topic-all]');
      await sleep(Math.max(0, floodStarted + (o.seconds * 1000) / 2 - performance.now()));
      const quietTopic = `quiet/probe-${rate}`;
      await page.fill('[data-testid=topic-filter]', 'quiet/#');
      await page.press('[data-testid=topic-filter]', 'Enter');
      const probe = await mqtt.connectAsync(url, { clientId: `ui-bench-probe-${rate}`, reconnectPeriod: 0 });
      const quietSent = performance.now();
      await probe.publishAsync(quietTopic, 'hello');
      await page.waitForSelector(`[data-testid=topic-node][data-topic="${quietTopic}"]`, { timeout: 60_000 });
      const quietMs = performance.now() - quietSent;
      await probe.endAsync();
      await page.fill('[data-testid=topic-filter]', '');
      await page.press('[data-testid=topic-filter]', 'Enter');
      const { sent } = await flood;
      if (v['cpu-prof']) {
        const { profile } = await cdp.send('Profiler.stop');
        mkdirSync(v['cpu-prof'], { recursive: true });
        writeFileSync(path.join(v['cpu-prof'], `ui-page-${rate}.cpuprofile`), JSON.stringify(profile));
        writeFileSync(path.join(v['cpu-prof'], `ui-page-${rate}.longtasks.json`), JSON.stringify(await page.evaluate(() => (window as unknown as { __longtasks: unknown[] }).__longtasks)));
      }
      clearInterval(heapTimer);
      heap.push(await heapMb(cdp));
      const floodLongTasks = await longTasks(page, floodStart, await pageNow(page));
      const skipped = (await (await page.$('[data-testid=dropped-count]'))?.textContent()) ?? '';
      const r: Result = {
        rate, openFirstRowsMs, openAllTopicsMs, openLongTasks, quietMs, floodLongTasks,
        fpsP50: quantile(fps, 0.5), fpsP1: quantile(fps, 0.01),
        clickP50: quantile(clickTimes, 0.5), clickMax: clickTimes.at(-1) ?? NaN,
        heapStartMb: heap[0]!, heapMaxMb: Math.max(...heap), heapEndMb: heap.at(-1)!, sent: sent ?? 0, skipped: skipped.replace(/\s+/g, ' ').trim(),
      };
      results.push(r);
      console.log(`${fmtNum(rate)} msg/s done: sent ${fmtNum(r.sent)}${r.skipped ? `; ${r.skipped}` : ''}`);
      await page.close();
    }
  } finally {
    await bm.stop();
  }

  const [base, target] = results as [Result, Result];
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');
  const row = (name: string, goal: string, pick: (r: Result) => number, unit = '') =>
    [name, goal, `${fmtNum(pick(base))}${unit}`, `${fmtNum(pick(target))}${unit}`, ratio(pick(target), pick(base))];
  console.log('\n' + renderTable(['measure', 'target', `${fmtNum(base.rate)} msg/s`, `${fmtNum(target.rate)} msg/s`, 'ratio'], [
    row('open: first rows (ms)', '≤ 1000', (r) => r.openFirstRowsMs),
    row(`open: all ${fmtNum(o.topics)} topics in the tree (ms)`, '≤ 1000', (r) => r.openAllTopicsMs),
    row('open: long tasks', '0', (r) => r.openLongTasks.count),
    row('open: longest task (ms)', '≤ 50', (r) => r.openLongTasks.longest),
    row('quiet topic shown (ms)', '≤ 1000', (r) => r.quietMs),
    row('flood: long tasks', '0', (r) => r.floodLongTasks.count),
    row('flood: longest task (ms)', '≤ 50', (r) => r.floodLongTasks.longest),
    row('flood: main thread in long tasks (%)', '', (r) => r.floodLongTasks.busyPct),
    row('scroll fps p50', '≥ 60', (r) => r.fpsP50),
    row('scroll fps p1 (slowest 1%)', '≥ 30', (r) => r.fpsP1),
    row('click to next frame p50 (ms)', '≤ 100', (r) => r.clickP50),
    row('click to next frame max (ms)', '≤ 100', (r) => r.clickMax),
    row('heap at start (MiB)', '', (r) => r.heapStartMb),
    row('heap largest (MiB)', 'bounded', (r) => r.heapMaxMb),
    row('heap at end (MiB)', '', (r) => r.heapEndMb),
    row('messages sent', '', (r) => r.sent),
  ]));
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `ui-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
  for (const r of results) appendFileSync(file, JSON.stringify({ bench: 'ui', topics: o.topics, seconds: o.seconds, ...r }) + '\n');
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
}

/**
 * `--opens N`: opens the UI N times on the filled engine, without traffic, and prints each opening: first paint (the
 * shell), first rows, every topic in the tree, and the long tasks until then. Quick to repeat, to compare two builds.
 */
async function openings(bm: Awaited<ReturnType<typeof startBrowserMode>>, n: number): Promise<void> {
  const rows: (string | number)[][] = [];
  for (let i = 0; i < n; i++) {
    const page = await bm.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    await page.addInitScript(recorders);
    // The page's tasks with their CPU time (`tdur`), which other work on a busy machine does not inflate.
    await bm.browser.startTracing(page, { categories: ['toplevel'] });
    const opened = performance.now();
    await page.goto(bm.ui.url);
    await page.waitForSelector('[data-testid=topic-node]', { timeout: 60_000 });
    const firstRows = performance.now() - opened;
    await page.waitForFunction((k) => parseInt(document.querySelector('[data-testid=topic-total]')?.textContent ?? '', 10) >= k, o.topics, { timeout: 120_000, polling: 20 });
    const allTopics = performance.now() - opened;
    const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
    const tasks = await longTasks(page, 0, await pageNow(page));
    const cpu = mainThreadTasks(JSON.parse((await bm.browser.stopTracing()).toString()) as TraceFile);
    rows.push([i + 1, paint, firstRows, allTopics, tasks.count, tasks.longest, cpu.over50, cpu.longest, cpu.total]);
    await page.close();
  }
  const median = (k: number) => [...rows.map((r) => r[k] as number)].sort((a, b) => a - b)[Math.floor(rows.length / 2)]!;
  rows.push(['median', ...[1, 2, 3, 4, 5, 6, 7, 8].map(median)]);
  console.log('\n' + renderTable(['opening', 'first paint (ms)', 'first rows (ms)', `all ${fmtNum(o.topics)} topics (ms)`, 'long tasks', 'longest (ms)',
    'tasks over 50 ms CPU', 'longest task CPU (ms)', 'main thread CPU (ms)'],
  rows.map((r) => r.map((x) => (typeof x === 'number' ? fmtNum(x) : x)))));
}

interface TraceEvent { name: string; ph: string; pid: number; tid: number; dur?: number; tdur?: number; args?: { name?: string } }
type TraceFile = { traceEvents: TraceEvent[] } | TraceEvent[];

/** The renderer main thread's tasks in a Chromium trace: how many took over 50 ms of CPU, the longest, the sum (ms). */
function mainThreadTasks(trace: TraceFile): { over50: number; longest: number; total: number } {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const main = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const cpu = events.filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && main.has(`${e.pid}:${e.tid}`)).map((e) => (e.tdur ?? e.dur ?? 0) / 1000);
  return { over50: cpu.filter((ms) => ms > 50).length, longest: Math.max(0, ...cpu), total: cpu.reduce((a, b) => a + b, 0) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > until) throw new Error('timed out waiting for the engine to hold every topic');
    await sleep(1000);
  }
}

await main();
