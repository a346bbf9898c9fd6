// Jobs benchmark: one job to a fleet of virtual devices (no rollout limit), executions completed per second end to end, beside the fleet's telemetry alone.
//   npm run bench -- jobs [--devices 5000] [--baseline-seconds 15] [--warmup 3] [--timeout 300] [--connect-rate 500]
//                         [--broker-mode aws|standard] [--poll-ms 250]
// Three processes: a fresh `thingbench up` (the broker, the Jobs service, the registry), the fleet (bench/fleet/fleet-child.ts
// with bench/jobs/jobs-device.yaml: telemetry every 10 s at QoS 1, and a job behaviour that takes the next execution,
// reports one IN_PROGRESS step and ends SUCCEEDED at once) and this runner, which registers the things in one static
// thing group over the IoT control plane (SDK v3), waits for every device to connect, measures the fleet's telemetry
// alone (the baseline: devices' publishes/s, broker CPU), then creates one job targeting the group and polls DescribeJob
// (the service's own counts) until every execution is terminal. Reported: time to the first and the last completion, executions completed per
// second (overall and between 10 % and 90 %), the devices' publishes/s into the broker while the job runs and the
// broker's CPU, each beside the baseline. Results: a table on stdout and JSON lines in bench/out/jobs-<timestamp>.jsonl.
import os from 'node:os';
import path from 'node:path';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AddThingToThingGroupCommand, CreateJobCommand, CreateThingCommand, CreateThingGroupCommand, DescribeJobCommand, IoTClient,
} from '@aws-sdk/client-iot';
import { startBroker, type RunningBroker } from './lib/brokers.js';
import { processTree, ProcSampler } from './lib/proc.js';
import { fmtNum, renderTable } from './lib/report.js';
import { isStatus, spawnFleet, type FleetProcess } from './lib/fleet-process.js';
import type { FleetStatus } from '../engine/devices/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODEL = path.join(repoRoot, 'bench', 'jobs', 'jobs-device.yaml');
const STATUS_MS = 250;
const GROUP = 'bench-jobs';

const usage = `usage: npm run bench -- jobs [--devices 5000] [--baseline-seconds 15] [--warmup 3] [--timeout 300] [--connect-rate 500]
                           [--broker-mode aws|standard] [--poll-ms 250]
  --devices N           fleet size; the job targets every device (through one static thing group)
  --baseline-seconds S  the fleet's telemetry alone is measured for S seconds before the job
  --warmup S            wait after the last device connects, before the baseline
  --timeout S           the job must finish within S seconds of CreateJob
  --connect-rate N      new connections per second while the fleet starts
  --broker-mode M       Thingbench's broker mode (default aws, as \`thingbench up\`)
  --poll-ms MS          how often DescribeJob is asked for the job's counts`;

const { values: v } = parseArgs({
  args: process.argv.slice(2), strict: true,
  options: {
    devices: { type: 'string', default: '5000' }, 'baseline-seconds': { type: 'string', default: '15' }, warmup: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '300' }, 'connect-rate': { type: 'string', default: '500' }, 'broker-mode': { type: 'string', default: 'aws' },
    'poll-ms': { type: 'string', default: '250' }, help: { type: 'boolean', short: 'h' },
  },
});
if (v.help) {
  console.log(usage);
  process.exit(0);
}
function num(flag: string, min: number, max: number): number {
  const raw = (v as Record<string, unknown>)[flag];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`jobs: --${flag} must be a whole number from ${min} to ${max}, not '${String(raw)}'\n\n${usage}`);
    process.exit(2);
  }
  return n;
}
const o = {
  devices: num('devices', 1, 100_000), baselineSeconds: num('baseline-seconds', 1, 600), warmup: num('warmup', 0, 600), timeout: num('timeout', 10, 3600),
  connectRate: num('connect-rate', 1, 100_000), pollMs: num('poll-ms', 50, 10_000), brokerMode: v['broker-mode'] as 'aws' | 'standard',
};
if (o.brokerMode !== 'aws' && o.brokerMode !== 'standard') {
  console.error(`jobs: --broker-mode must be aws or standard, not '${o.brokerMode}'`);
  process.exit(2);
}
const fdLimit = (() => {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
})();
if (o.devices + 200 > fdLimit) {
  console.error(`jobs: ulimit -n is ${fdLimit}: a fleet of ${o.devices} needs ${o.devices + 200} open files in the fleet process and in the broker (raise it or lower --devices)`);
  process.exit(2);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nowS = () => performance.now() / 1000;

// ---------------------------------------------------------------------------------------------------------------
// The fleet process (the fleet benchmark's child: one Fleet in a worker thread, status lines on stdout)

/** The fleet process (bench/lib/fleet-process.ts) with this benchmark's model and pace. */
const startFleet = (url: string, count: number): FleetProcess => spawnFleet({ url, count, model: MODEL, connectRate: o.connectRate, statusMs: STATUS_MS });

/** Runs `fn` over `items` with at most `width` at once. */
async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

interface Window { seconds: number; publishedPerS: number; brokerCpuPct: number; fleetCpuPct: number }

interface Result {
  devices: number;
  register_s?: number;
  connect_s?: number;
  baseline?: Window;
  job?: Window & {
    createJobS: number; firstCompletionS: number; halfS: number; ninetyNineS: number; lastCompletionS: number; completedPerS: number; completedPerS10to90: number; describeJobS: number;
    succeeded: number; failed: number; other: number;
  };
  brokerRssMb?: number;
  error?: string;
}

async function run(brokerLog: string): Promise<Result> {
  const result: Result = { devices: o.devices };
  let broker: RunningBroker | undefined;
  let fleet: FleetProcess | undefined;
  let bs: ProcSampler | undefined, fs: ProcSampler | undefined;
  try {
    broker = await startBroker('thingbench', { repoRoot, mosquittoBin: '', timeoutMs: 30_000, thingbenchMode: o.brokerMode, onStderr: (text) => appendFileSync(brokerLog, text) });
    bs = new ProcSampler(broker.pids);
    bs.start();
    const iot = new IoTClient({ endpoint: broker.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 3 });
    const names = Array.from({ length: o.devices }, (_, i) => `bench-jobs-${i}`);
    const r0 = nowS();
    const group = await iot.send(new CreateThingGroupCommand({ thingGroupName: GROUP }));
    await pool(names, 16, (thingName) => iot.send(new CreateThingCommand({ thingName })));
    await pool(names, 16, (thingName) => iot.send(new AddThingToThingGroupCommand({ thingGroupName: GROUP, thingName })));
    result.register_s = nowS() - r0;
    console.log(`  registered ${fmtNum(o.devices)} things in group ${GROUP} in ${result.register_s.toFixed(1)} s`);

    fleet = startFleet(broker.url, o.devices);
    const ready = await fleet.until((e): e is { event: 'ready'; pid: number; devices: number } => e.event === 'ready', 120_000, 'the fleet process was not ready');
    fs = new ProcSampler(processTree(ready.pid));
    fs.start();
    const connectBound = Math.max(300_000, (o.devices / o.connectRate) * 4000 + 60_000);
    const connected = await fleet.until((e): e is { event: 'status' } & FleetStatus => isStatus(e) && e.connected >= o.devices, connectBound,
      'every device connected').catch((e: unknown) => { throw new Error(`${(e as Error).message} (${fleet?.last()?.connected ?? 0} of ${o.devices} connected)`); });
    result.connect_s = connected.elapsedMs / 1000;
    console.log(`  ${fmtNum(o.devices)} devices connected in ${result.connect_s.toFixed(1)} s`);
    await sleep(o.warmup * 1000);

    const f = fleet, b = bs, fl = fs;
    const snap = async () => {
      const s = await f.until(isStatus, 10_000, 'a fleet status');
      return { at: nowS(), published: s.published, broker: b.cpuSeconds(), fleet: fl.cpuSeconds() };
    };
    const windowOf = (a: Awaited<ReturnType<typeof snap>>, z: Awaited<ReturnType<typeof snap>>): Window => {
      const seconds = z.at - a.at;
      return { seconds, publishedPerS: (z.published - a.published) / seconds, brokerCpuPct: ((z.broker - a.broker) / seconds) * 100, fleetCpuPct: ((z.fleet - a.fleet) / seconds) * 100 };
    };
    const b0 = await snap();
    await sleep(o.baselineSeconds * 1000);
    result.baseline = windowOf(b0, await snap());
    console.log(`  baseline (telemetry alone): ${fmtNum(result.baseline.publishedPerS)} publishes/s, broker ${result.baseline.brokerCpuPct.toFixed(0)} % CPU`);

    // Completions as the service counts them: DescribeJob every --poll-ms until every execution is terminal.
    const jobId = `bench-${Date.now()}`;
    const j0 = await snap();
    bs.resetMax();
    const c0 = nowS();
    await iot.send(new CreateJobCommand({ jobId, targets: [group.thingGroupArn!], document: JSON.stringify({ operation: 'firmware-update', version: '2.0.0' }), targetSelection: 'SNAPSHOT' }));
    const t0 = nowS();
    const marks = new Map<number, number>(); // fraction of executions ended → seconds after CreateJob answered
    let counts = { succeeded: 0, failed: 0, other: 0 };
    let describeS = 0;
    for (;;) {
      if (nowS() - t0 > o.timeout) throw new Error(`the job did not finish within ${o.timeout} s (${counts.succeeded + counts.failed + counts.other} of ${o.devices} executions ended)`);
      const d0 = nowS();
      const d = (await iot.send(new DescribeJobCommand({ jobId }))).job?.jobProcessDetails ?? {};
      describeS = Math.max(describeS, nowS() - d0);
      counts = {
        succeeded: d.numberOfSucceededThings ?? 0, failed: d.numberOfFailedThings ?? 0,
        other: (d.numberOfRejectedThings ?? 0) + (d.numberOfTimedOutThings ?? 0) + (d.numberOfCanceledThings ?? 0) + (d.numberOfRemovedThings ?? 0),
      };
      const ended = counts.succeeded + counts.failed + counts.other, t = nowS() - t0;
      for (const f of [0, 0.1, 0.5, 0.9, 0.99, 1]) if (!marks.has(f) && ended >= Math.max(1, Math.ceil(o.devices * f))) marks.set(f, t);
      if (ended >= o.devices) break;
      await sleep(o.pollMs);
    }
    const at = (fraction: number) => marks.get(fraction)!;
    const done = at(1);
    const w = windowOf(j0, await snap());
    result.brokerRssMb = bs.rssMaxMb;
    result.job = {
      ...w, createJobS: t0 - c0, firstCompletionS: at(0), halfS: at(0.5), ninetyNineS: at(0.99), lastCompletionS: done, completedPerS: o.devices / done,
      completedPerS10to90: (o.devices * 0.8) / Math.max(o.pollMs / 1000, at(0.9) - at(0.1)), describeJobS: describeS, ...counts,
    };
    console.log(`  job: ${fmtNum(o.devices)} executions terminal ${done.toFixed(1)} s after CreateJob answered (${counts.succeeded} succeeded)`);
    fleet.child.stdin?.write('stop\n');
    await fleet.until((e): e is { event: 'stopped' } & FleetStatus => e.event === 'stopped', 60_000, 'the fleet stopped').catch(() => {});
  } catch (e) {
    result.error = (e as Error).message;
    if (broker?.exited()) result.error += `; the broker exited (its log: ${path.relative(repoRoot, brokerLog)}): ${broker.stderrTail()}`;
  } finally {
    fs?.stop();
    bs?.stop();
    fleet?.kill();
    await broker?.stop();
  }
  return result;
}

async function main(): Promise<void> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(repoRoot, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, `jobs-${stamp}.jsonl`);
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, memGb: Math.round(os.totalmem() / 2 ** 30) };
  appendFileSync(outFile, `${JSON.stringify({ type: 'meta', options: o, machine, at: new Date().toISOString() })}\n`);
  console.log(`jobs benchmark: one job to ${fmtNum(o.devices)} virtual devices, no rollout limit; Thingbench (${o.brokerMode} mode); ${machine.cpus} CPUs, node ${process.version}`);
  const brokerLog = path.join(outDir, `jobs-${stamp}-broker.log`);
  const r = await run(brokerLog);
  appendFileSync(outFile, `${JSON.stringify({ type: 'result', result: r })}\n`);
  if (r.error || !r.baseline || !r.job) {
    console.error(`jobs: ${r.error ?? 'no result'}`);
    process.exit(1);
  }
  const { baseline: b, job: j } = r;
  const ratio = (x: number, y: number) => (y ? `${(x / y).toFixed(2)}×` : '–');
  console.log(`\n${renderTable(['', 'telemetry alone', 'job running', 'ratio'], [
    ['devices\' publishes/s into the broker', fmtNum(b.publishedPerS), fmtNum(j.publishedPerS), ratio(j.publishedPerS, b.publishedPerS)],
    ['broker CPU (% of one core)', b.brokerCpuPct.toFixed(0), j.brokerCpuPct.toFixed(0), ratio(j.brokerCpuPct, b.brokerCpuPct)],
    ['fleet CPU (% of one core)', b.fleetCpuPct.toFixed(0), j.fleetCpuPct.toFixed(0), ratio(j.fleetCpuPct, b.fleetCpuPct)],
  ], 1)}`);
  console.log(`\n${renderTable(['job', 'value'], [
    ['executions', `${fmtNum(o.devices)} (${j.succeeded} succeeded, ${j.failed} failed, ${j.other} other)`],
    ['CreateJob answered after', `${j.createJobS.toFixed(2)} s`],
    ['executions ended after CreateJob answered: first, 50 %, 99 %, last',
      `${[j.firstCompletionS, j.halfS, j.ninetyNineS, j.lastCompletionS].map((x) => x.toFixed(2)).join(' / ')} s`],
    ['executions completed per second (all)', fmtNum(j.completedPerS)],
    ['executions completed per second (10 % → 90 %)', fmtNum(j.completedPerS10to90)],
    ['slowest DescribeJob while polling', `${(j.describeJobS * 1000).toFixed(0)} ms`],
    ['broker RSS max while the job runs', `${fmtNum(r.brokerRssMb ?? 0)} MB`],
  ], 1)}`);
  console.log(`\nregister ${r.register_s?.toFixed(1)} s, connect ${r.connect_s?.toFixed(1)} s; results in ${path.relative(repoRoot, outFile)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
