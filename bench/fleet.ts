// Fleet benchmark: the largest fleet of virtual devices (1 QoS 1 message a second each) the engine serves in full.
//   npm run bench -- fleet [--devices 10000] [--seconds 60] [--from 1000] [--step 2] [--search-seconds 10]
//                          [--budget 360] [--warmup 2] [--connect-rate 500] [--broker-mode aws|standard]
//                          [--baseline mosquitto|none] [--mosquitto PATH]
// Three processes side by side: the broker (a fresh `thingbench up`, or Mosquitto for the baseline), the fleet
// (bench/fleet/fleet-child.ts: a `Fleet`, its devices in a worker thread) and this runner with one wildcard QoS 1
// subscriber (bench/fleet/subscriber.ts) counting every device's messages once. A step-up search (--from, ×--step,
// … below --devices, short windows, Thingbench only) stops at the first size that does not hold; when none failed,
// --devices runs for --seconds against Mosquitto and against Thingbench, otherwise the largest size that held does.
// Results: a table on stdout and JSON lines in bench/out/fleet-<timestamp>.jsonl. See bench/README.md.
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBroker, type BrokerKind, type RunningBroker } from './lib/brokers.js';
import { machineJiffies, processTree, ProcSampler } from './lib/proc.js';
import { fmtNum, renderTable } from './lib/report.js';
import { isStatus, spawnFleet, type FleetProcess } from './lib/fleet-process.js';
import { DeliveryLedger } from './fleet/deliveries.js';
import { FleetSubscriber } from './fleet/subscriber.js';
import { verdict, type RunResult } from './fleet/verdict.js';
import type { FleetStatus } from '../engine/devices/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODEL = path.join(repoRoot, 'bench', 'fleet', 'bench-device.yaml');
/** File descriptors a process needs besides one per device (node, tsx, the engine's own listeners and files). */
const FD_HEADROOM = 200;
const STATUS_MS = 250;
/** How long the broker's idle CPU and RSS are measured before the fleet starts. */
const IDLE_MS = 2000;

const usage = `usage: npm run bench -- fleet [--devices 10000] [--seconds 60] [--from 1000] [--step 2] [--search-seconds 10]
                            [--budget 360] [--warmup 2] [--connect-rate 500] [--broker-mode aws|standard]
                            [--baseline mosquitto|none] [--mosquitto /usr/sbin/mosquitto]
  --devices N         the aim: the largest fleet tried (each device publishes 1 QoS 1 message a second)
  --seconds S         measured window of the final runs (Thingbench and the baseline)
  --from N            first size of the step-up search; --from equal to --devices skips the search
  --step F            each search step multiplies the size by F, up to below --devices
  --search-seconds S  measured window of each search step
  --budget S          the search stops early rather than push the whole run past S seconds
  --warmup S          wait after the last device connects, before the window
  --connect-rate N    new connections per second while a fleet starts (the fleet's cap; 500 as \`thingbench devices
                      start\`); connect time is at least devices ÷ this. A device whose CONNACK
                      takes over 10 s tries again, which shows as reconnects: lower it if the broker falls behind
  --broker-mode M     Thingbench's broker mode (default aws, as \`thingbench up\`; 1 msg/s per device is far below
                      AWS IoT's 100 publishes/s per connection)
  --baseline B        mosquitto: the final size also runs against Mosquitto, and figures are shown as ratios to it`;

const { values: v } = parseArgs({
  args: process.argv.slice(2), strict: true,
  options: {
    devices: { type: 'string', default: '10000' }, seconds: { type: 'string', default: '60' }, from: { type: 'string', default: '1000' },
    step: { type: 'string', default: '2' }, 'search-seconds': { type: 'string', default: '10' }, budget: { type: 'string', default: '360' },
    warmup: { type: 'string', default: '2' }, 'connect-rate': { type: 'string', default: '500' },
    'broker-mode': { type: 'string', default: 'aws' }, baseline: { type: 'string', default: 'mosquitto' },
    mosquitto: { type: 'string', default: '/usr/sbin/mosquitto' }, help: { type: 'boolean', short: 'h' },
  },
});
if (v.help) {
  console.log(usage);
  process.exit(0);
}

function bad(message: string): never {
  console.error(`fleet: ${message}\n\n${usage}`);
  process.exit(2);
}
function num(flag: string, min: number, max: number, integer = true): number {
  const raw = (v as Record<string, unknown>)[flag];
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) bad(`--${flag} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, not '${raw}'`);
  return n;
}

const o = {
  devices: num('devices', 1, 1_000_000), seconds: num('seconds', 1, 3600), from: num('from', 1, 1_000_000), step: num('step', 1.1, 100, false),
  searchSeconds: num('search-seconds', 1, 3600), budget: num('budget', 10, 86_400), warmup: num('warmup', 0, 600),
  connectRate: num('connect-rate', 1, 100_000), brokerMode: v['broker-mode'] as 'aws' | 'standard', baseline: v.baseline as 'mosquitto' | 'none',
  mosquitto: v.mosquitto as string,
};
if (o.brokerMode !== 'aws' && o.brokerMode !== 'standard') bad(`--broker-mode must be aws or standard, not '${o.brokerMode}'`);
if (o.baseline !== 'mosquitto' && o.baseline !== 'none') bad(`--baseline must be mosquitto or none, not '${o.baseline}'`);
if (o.baseline === 'mosquitto' && !existsSync(o.mosquitto)) bad(`no Mosquitto at ${o.mosquitto} (give --mosquitto PATH, or --baseline none)`);
o.from = Math.min(o.from, o.devices);

/** The soft limit on open files, from /proc/self/limits (inherited by the broker and fleet processes). */
function openFilesLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}
const fdLimit = openFilesLimit();
if (o.devices + FD_HEADROOM > fdLimit) {
  console.error(`fleet: ulimit -n is ${fdLimit}: a fleet of ${o.devices} needs ${o.devices + FD_HEADROOM} open files in the fleet process and as many in the broker. `
    + `Raise the limit first (ulimit -n ${o.devices + FD_HEADROOM}; the hard limit here is ${execFileSync('sh', ['-c', 'ulimit -Hn']).toString().trim()}) or lower --devices to ${fdLimit - FD_HEADROOM}.`);
  process.exit(2);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nowS = () => performance.now() / 1000;
const selfCpuS = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

// ---------------------------------------------------------------------------------------------------------------
// The fleet process

/** The fleet process (bench/lib/fleet-process.ts) with this benchmark's model and pace. */
const startFleet = (url: string, count: number): FleetProcess => spawnFleet({ url, count, model: MODEL, connectRate: o.connectRate, statusMs: STATUS_MS });

// ---------------------------------------------------------------------------------------------------------------
// One run: one broker, one fleet of `count`, one measured window

interface Snapshot { status: FleetStatus; brokerCpu: number; fleetCpu: number; selfCpu: number; busyS: number; unique: number }

async function connectSubscriber(url: string, ledger: DeliveryLedger): Promise<FleetSubscriber> {
  const { hostname, port } = new URL(url);
  const sub = new FleetSubscriber(`bench-fleet-sub-${process.pid}`, ledger);
  await sub.open(hostname, Number(port), 600, 10_000);
  await sub.subscribe('bench/fleet/#', 1, 10_000);
  return sub;
}

async function runOne(kind: BrokerKind, count: number, seconds: number): Promise<RunResult> {
  const result: RunResult = { broker: kind, devices: count, seconds, held: false, reasons: [], offered_per_s: count };
  let broker: RunningBroker | undefined;
  let sub: FleetSubscriber | undefined;
  let fleet: FleetProcess | undefined;
  const brokerSampler = { s: undefined as ProcSampler | undefined };
  let fleetSampler: ProcSampler | undefined;
  try {
    broker = await startBroker(kind, { repoRoot, mosquittoBin: o.mosquitto, timeoutMs: 30_000, ...(kind === 'thingbench' ? { thingbenchMode: o.brokerMode } : {}) });
    const bs = (brokerSampler.s = new ProcSampler(broker.pids));
    const ledger = new DeliveryLedger();
    ledger.timing = false;
    sub = await connectSubscriber(broker.url, ledger);
    bs.start();
    // The broker idle (one subscriber, no fleet) for a moment: its RSS and CPU then.
    const idle0 = { cpu: bs.cpuSeconds(), at: nowS() };
    await sleep(IDLE_MS);
    result.broker_cpu_idle_pct = ((bs.cpuSeconds() - idle0.cpu) / (nowS() - idle0.at)) * 100;
    result.broker_rss_idle_mb = bs.sample();

    fleet = startFleet(broker.url, count);
    const ready = await fleet.until((e): e is { event: 'ready'; pid: number; devices: number } => e.event === 'ready', 120_000, 'the fleet process was not ready');
    const fs = (fleetSampler = new ProcSampler(processTree(ready.pid)));
    fs.start();
    result.fleet_rss_ready_mb = fs.sample();
    let last: FleetStatus | undefined;
    fleet.on((e) => { if (isStatus(e)) last = e; });
    const beforeConnect = { broker: bs.cpuSeconds(), fleet: fs.cpuSeconds() };

    // Connect: every device online (its first CONNACK and subscriptions), timed by the fleet from its first start().
    const connectBound = (count / o.connectRate) * 3000 + 30_000;
    let connected: FleetStatus;
    try {
      connected = await fleet.until((e): e is { event: 'status' } & FleetStatus => isStatus(e) && e.connected >= count, connectBound, 'every device connected');
    } catch (e) {
      result.reasons.push(`${last?.connected ?? 0} of ${count} devices connected after ${(connectBound / 1000).toFixed(0)} s`);
      throw e;
    }
    result.connect_s = connected.elapsedMs / 1000;
    result.reconnects_connecting = connected.connects - count;
    result.broker_cpu_ms_per_connect = ((bs.cpuSeconds() - beforeConnect.broker) * 1000) / count;
    result.fleet_cpu_ms_per_connect = ((fs.cpuSeconds() - beforeConnect.fleet) * 1000) / count;
    result.connects_per_s = count / result.connect_s;

    await sleep(o.warmup * 1000);
    const snap = async (): Promise<Snapshot> => {
      const s = await fleet!.until(isStatus, 10_000, 'a fleet status');
      return { status: s, brokerCpu: bs.cpuSeconds(), fleetCpu: fs.cpuSeconds(), selfCpu: selfCpuS(), busyS: machineJiffies().busy / 100, unique: ledger.unique };
    };
    const a = await snap();
    bs.resetMax();
    fs.resetMax();
    ledger.timing = true;
    let b = a;
    while (b.status.elapsedMs - a.status.elapsedMs < seconds * 1000) b = await snap();
    ledger.timing = false;
    const span = (b.status.elapsedMs - a.status.elapsedMs) / 1000;
    const pct = (x: number) => (x / span) * 100;
    result.published_per_s = (b.status.published - a.status.published) / span;
    result.acked_per_s = (b.status.acked - a.status.acked) / span;
    result.delivered_per_s = (b.unique - a.unique) / span;
    result.broker_cpu_pct = pct(b.brokerCpu - a.brokerCpu);
    result.fleet_cpu_pct = pct(b.fleetCpu - a.fleetCpu);
    result.subscriber_cpu_pct = pct(b.selfCpu - a.selfCpu);
    result.other_cpu_pct = pct((b.busyS - a.busyS) - (b.brokerCpu - a.brokerCpu) - (b.fleetCpu - a.fleetCpu) - (b.selfCpu - a.selfCpu));
    result.broker_rss_mb = bs.rssMaxMb;
    result.fleet_rss_mb = fs.rssMaxMb;
    const lat = ledger.latency.summaryMs();
    result.latency_ms = { p50: lat.p50, p99: lat.p99, max: lat.max };

    // Stop: each device DISCONNECTs once its messages in flight are acknowledged; then the subscriber drains.
    fleet.child.stdin?.write('stop\n');
    const final = await fleet.until((e): e is { event: 'stopped' } & FleetStatus => e.event === 'stopped', 60_000, 'the fleet stopped');
    let seen = -1;
    for (let quiet = 0, waited = 0; ledger.unique < final.published && quiet < 2000 && waited < 15_000; waited += 100) {
      await sleep(100);
      quiet = ledger.unique === seen ? quiet + 100 : 0;
      seen = ledger.unique;
    }
    Object.assign(result, {
      published: final.published, acked: final.acked, delivered_unique: ledger.unique, missing: Math.max(0, final.published - ledger.unique),
      duplicates: ledger.duplicates, buffered: final.buffered, dropped: final.dropped, reconnects: final.connects - final.devices,
    });
    result.reasons.push(...verdict(result));
    result.held = result.reasons.length === 0;
  } catch (e) {
    result.error = (e as Error).message;
    if (broker?.exited()) result.error += `; the broker exited: ${broker.stderrTail()}`;
    if (result.reasons.length === 0) result.reasons.push(result.error);
  } finally {
    fleetSampler?.stop();
    brokerSampler.s?.stop();
    fleet?.kill();
    sub?.close();
    await broker?.stop();
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// The search and the final runs

/** Expected seconds for one run (start, connect, warm-up, window, stop and drain), used to keep within --budget. */
const runCost = (count: number, seconds: number) => 8 + count / o.connectRate + o.warmup + seconds + 4 + count / 5000;

/** The search's sizes: --from, × --step, … below --devices (the final runs are at --devices when all of them hold). */
function searchSizes(): number[] {
  const sizes: number[] = [];
  for (let n = o.from; n < o.devices; n = Math.ceil(n * o.step)) sizes.push(n);
  return sizes;
}

const per1k = (x: number | undefined, n: number) => (x === undefined ? undefined : x / (n / 1000));
const f = (x: number | undefined, digits?: number) => (x === undefined || !Number.isFinite(x) ? '–' : digits === undefined ? fmtNum(x) : x.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b ? '–' : `${(a / b).toFixed(2)}×`);

function progress(r: RunResult): string {
  return `${r.held ? 'held' : 'NOT held'}: connect ${f(r.connect_s, 1)} s, published/acked/delivered ${f(r.published_per_s)}/${f(r.acked_per_s)}/${f(r.delivered_per_s)} msg/s, `
    + `p99 ${f(r.latency_ms?.p99)} ms, broker ${f(r.broker_cpu_pct)} % CPU ${f(r.broker_rss_mb)} MB, fleet ${f(r.fleet_cpu_pct)} % CPU ${f(r.fleet_rss_mb)} MB`
    + (r.reasons.length ? ` — ${r.reasons.join('; ')}` : '');
}

async function main(): Promise<void> {
  const started = nowS();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(repoRoot, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, `fleet-${stamp}.jsonl`);
  const log = (o2: object) => appendFileSync(outFile, `${JSON.stringify(o2)}\n`);
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, memGb: Math.round(os.totalmem() / 2 ** 30), fdLimit };
  log({ type: 'meta', options: o, machine, at: new Date().toISOString() });
  console.log(`fleet benchmark: up to ${fmtNum(o.devices)} devices × 1 QoS 1 msg/s; Thingbench (${o.brokerMode} mode)${o.baseline === 'mosquitto' ? ' and Mosquitto' : ''}; `
    + `${machine.cpus} CPUs, node ${process.version}, ulimit -n ${fdLimit}`);

  // Step-up search (short windows, Thingbench only) below --devices; when every size holds, the final runs are at
  // --devices, otherwise at the largest size that held. The budget keeps room for the final runs at --devices.
  const finalCost = runCost(o.devices, o.seconds) * (o.baseline === 'mosquitto' ? 2 : 1);
  const search: RunResult[] = [];
  let largest = 0;
  let searchFailed = false;
  for (const n of searchSizes()) {
    if (nowS() - started + runCost(n, o.searchSeconds) + finalCost > o.budget) {
      console.log(`  search stops before ${fmtNum(n)} devices: it would take the run past --budget ${o.budget} s`);
      break;
    }
    process.stdout.write(`  search: ${fmtNum(n)} devices, ${o.searchSeconds} s … `);
    const r = await runOne('thingbench', n, o.searchSeconds);
    console.log(progress(r));
    log({ type: 'search', result: r });
    search.push(r);
    if (!r.held) { searchFailed = true; break; }
    largest = n;
  }
  const finalSize = searchFailed ? largest : o.devices;
  const finals: RunResult[] = [];
  if (finalSize > 0) {
    const kinds: BrokerKind[] = o.baseline === 'mosquitto' ? ['mosquitto', 'thingbench'] : ['thingbench'];
    for (const kind of kinds) {
      process.stdout.write(`  ${kind}: ${fmtNum(finalSize)} devices, ${o.seconds} s … `);
      const r = await runOne(kind, finalSize, o.seconds);
      console.log(progress(r));
      log({ type: 'final', result: r });
      finals.push(r);
    }
  }

  if (search.length) {
    console.log(`\nStep-up search (Thingbench, ${o.searchSeconds} s windows):\n`);
    console.log(renderTable(['devices', 'held', 'connect s', 'published/s', 'acked/s', 'delivered/s', 'p99 ms', 'engine CPU %', 'fleet CPU %', 'why not'],
      search.map((r) => [fmtNum(r.devices), r.held ? 'yes' : 'no', f(r.connect_s, 1), f(r.published_per_s), f(r.acked_per_s), f(r.delivered_per_s),
        f(r.latency_ms?.p99), f(r.broker_cpu_pct), f(r.fleet_cpu_pct), r.reasons.join('; ')]), 2));
  }
  const tb = finals.find((r) => r.broker === 'thingbench');
  const mq = finals.find((r) => r.broker === 'mosquitto');
  if (tb) {
    const n = tb.devices;
    const engineRssPer1k = (r: RunResult | undefined) => (r?.broker_rss_mb === undefined || r.broker_rss_idle_mb === undefined ? undefined : per1k(r.broker_rss_mb - r.broker_rss_idle_mb, r.devices));
    const fleetRssPer1k = (r: RunResult | undefined) => (r?.fleet_rss_mb === undefined || r.fleet_rss_ready_mb === undefined ? undefined : per1k(r.fleet_rss_mb - r.fleet_rss_ready_mb, r.devices));
    type Row = [string, (r: RunResult | undefined) => number | undefined, number?];
    const rows: Row[] = [
      ['devices connected, s to connect them all', (r) => r?.connect_s, 1],
      ['connects per s', (r) => r?.connects_per_s],
      ['broker CPU ms per device connected (connect phase)', (r) => r?.broker_cpu_ms_per_connect, 2],
      ['fleet CPU ms per device connected (connect phase)', (r) => r?.fleet_cpu_ms_per_connect, 2],
      ['published msg/s (offered: 1 per device)', (r) => r?.published_per_s],
      ['acknowledged msg/s', (r) => r?.acked_per_s],
      ['delivered msg/s (subscriber on bench/fleet/#)', (r) => r?.delivered_per_s],
      ['published in the run', (r) => r?.published],
      ['not acknowledged', (r) => (r?.acked === undefined || r.published === undefined ? undefined : r.published - r.acked)],
      ['never delivered', (r) => r?.missing],
      ['delivered twice (QoS 1 duplicates)', (r) => r?.duplicates],
      ['reconnects (of which while the fleet connected)', (r) => r?.reconnects],
      ['device → subscriber latency p50 ms', (r) => r?.latency_ms?.p50],
      ['device → subscriber latency p99 ms', (r) => r?.latency_ms?.p99],
      ['broker CPU % (of one core), idle before the fleet', (r) => r?.broker_cpu_idle_pct],
      ['broker CPU % (of one core)', (r) => r?.broker_cpu_pct],
      ['broker CPU % per 1,000 devices', (r) => per1k(r?.broker_cpu_pct, r?.devices ?? n), 2],
      ['broker RSS MB, idle → with the fleet', (r) => r?.broker_rss_mb],
      ['broker RSS MB per 1,000 devices (above idle)', engineRssPer1k, 1],
      ['fleet process CPU % (of one core)', (r) => r?.fleet_cpu_pct],
      ['fleet CPU % per 1,000 devices', (r) => per1k(r?.fleet_cpu_pct, r?.devices ?? n), 2],
      ['fleet RSS MB', (r) => r?.fleet_rss_mb],
      ['fleet RSS MB per 1,000 devices (above built, unconnected)', fleetRssPer1k, 1],
      ['subscriber (this runner) CPU %', (r) => r?.subscriber_cpu_pct],
      ['other CPU on the machine % (noise)', (r) => r?.other_cpu_pct],
    ];
    const cell = (r: RunResult | undefined, get: Row[1], digits?: number, label?: string) => {
      if (!r) return '–';
      if (label?.startsWith('broker RSS MB, idle')) return `${f(r.broker_rss_idle_mb)} → ${f(r.broker_rss_mb)}`;
      if (label?.startsWith('reconnects (')) return `${f(r.reconnects)} (${f(r.reconnects_connecting)})`;
      return f(get(r), digits);
    };
    const header = ['figure', ...(mq ? ['Mosquitto'] : []), 'Thingbench', ...(mq ? ['Thingbench ÷ Mosquitto'] : [])];
    const table = rows.map(([label, get, digits]) => [label, ...(mq ? [cell(mq, get, digits, label)] : []), cell(tb, get, digits, label), ...(mq ? [ratio(get(tb), get(mq))] : [])]);
    table.push(['held (rate, every message acked and delivered)', ...(mq ? [mq.held ? 'yes' : `no: ${mq.reasons.join('; ')}`] : []), tb.held ? 'yes' : `no: ${tb.reasons.join('; ')}`, ...(mq ? [''] : [])]);
    console.log(`\n${fmtNum(n)} devices × 1 QoS 1 msg/s for ${o.seconds} s (fleet in its own process, connect rate cap ${fmtNum(o.connectRate)}/s):\n`);
    console.log(renderTable(header, table, 1));
  }
  const aimHeld = tb?.held === true && tb.devices === o.devices;
  const summary = { type: 'summary', largest_held: tb?.held ? Math.max(tb.devices, largest) : largest, aim: o.devices, aim_held: aimHeld, seconds_total: Math.round(nowS() - started) };
  log(summary);
  console.log(`\nlargest fleet that held: ${fmtNum(summary.largest_held)} devices (aim ${fmtNum(o.devices)}: ${aimHeld ? 'met' : 'not met'}); ${summary.seconds_total} s; ${path.relative(repoRoot, outFile)}`);
  process.exit(aimHeld ? 0 : 1);
}

void main().catch((e: Error) => { console.error(e); process.exit(2); });
