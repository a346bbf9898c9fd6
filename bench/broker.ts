// Broker benchmark, Mosquitto vs Thingbench's broker (or plain aedes) under the same raw MQTT load: rows a–e
// (MQTT 3.1.1 clients) and a5, a5-alias, a5-props, b5, b5-alias, b5-props (rows a and b with MQTT 5 clients).
//   npm run bench -- broker [--rounds 1] [--seconds 5] [--warmup 1] [--only a,b,c,d,e,v5] [--connections 2000]
//                           [--hold S] [--target thingbench|aedes-plain|mosquitto|null-broker] [--drain 5] [--mosquitto PATH]
// Each run gets a fresh broker process; the broker order alternates per round (M,T then T,M).
// Results: a table on stdout and JSON lines in bench/out/broker-<timestamp>.jsonl. Method: research/perf-baseline.md.
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad, hardDeadlineMs, defaults as loadDefaults, type LoadOptions, type LoadResult } from './mqtt-load.js';
import { startBroker, type BrokerKind } from './lib/brokers.js';
import type { V5Variant } from './lib/raw-clients.js';
import { fmtNum, fmtSpread, renderTable, spread } from './lib/report.js';

/** Other CPU (% of one core) above which a run is flagged as disturbed by other work on the machine. */
const NOISY_OTHER_CPU = 50;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type RowId = 'a' | 'b' | 'c' | 'd' | 'e' | 'a5' | 'a5-alias' | 'a5-props' | 'b5' | 'b5-alias' | 'b5-props';
const ROW_IDS: readonly RowId[] = ['a', 'b', 'c', 'd', 'e', 'a5', 'a5-alias', 'a5-props', 'b5', 'b5-alias', 'b5-props'];
/** `--only v5` stands for every MQTT 5 row. */
const V5_ROWS: readonly RowId[] = ['a5', 'a5-alias', 'a5-props', 'b5', 'b5-alias', 'b5-props'];
type Goal = { kind: 'ratio-min'; min: number } | { kind: 'max'; max: number } | { kind: 'all-held' };
interface Metric { label: string; get: (r: LoadResult) => number | null | undefined; goal?: Goal; ratio?: boolean }
interface RowDef { id: RowId; title: string; load: Partial<LoadOptions>; metrics: Metric[] }

const cpuRss: Metric[] = [
  { label: 'broker CPU % (of one core)', get: (r) => r.broker.cpu_pct, ratio: true },
  { label: 'broker RSS max, MB', get: (r) => r.broker.rss_max_mb, ratio: true },
];
const throughputExtras: Metric[] = [
  ...cpuRss,
  { label: 'broker CPU µs per message', get: (r) => r.broker_cpu_us_per_msg, ratio: true },
  { label: 'load generator CPU %', get: (r) => r.loadgen_cpu_pct },
  { label: 'other CPU on the machine % (noise)', get: (r) => r.other_cpu_pct },
];

const rowA: Omit<RowDef, 'id' | 'title'> = {
  load: { mode: 'fanin', publishers: 10, subscribers: 1, qos: 0, rate: 0 },
  metrics: [
    { label: 'delivered msg/s', get: (r) => r.delivered_per_s, ratio: true, goal: { kind: 'ratio-min', min: 0.5 } },
    { label: 'missing (QoS0)', get: (r) => r.missing_qos0 },
    ...throughputExtras,
  ],
};
const rowB: Omit<RowDef, 'id' | 'title'> = {
  load: { mode: 'fanin', publishers: 10, subscribers: 1, qos: 1, rate: 0, inflight: 100 },
  metrics: [
    { label: 'accepted (PUBACKed) msg/s', get: (r) => r.accepted_per_s, ratio: true, goal: { kind: 'ratio-min', min: 0.5 } },
    { label: 'delivered msg/s', get: (r) => r.delivered_per_s, ratio: true },
    { label: 'lost (acked, never delivered)', get: (r) => r.lost },
    ...throughputExtras,
  ],
};
/** MQTT 5 rows b*: the QoS1 window is also capped by the broker's CONNACK Receive Maximum (Mosquitto: 20). */
const v5QoS1Window: Metric = { label: 'QoS1 window per publisher (≤ Receive Maximum)', get: (r) => r.server_limits?.inflight_used };
const v5Refused: Metric = { label: 'PUBACKs with a failure reason code', get: (r) => r.refused_acks };

function v5Row(id: RowId, base: Omit<RowDef, 'id' | 'title'>, variant: V5Variant): RowDef {
  const qos1 = base.load.qos === 1;
  const what = variant === 'plain' ? 'no properties' : variant === 'alias' ? 'Topic Alias (publishers)' : '2 user properties';
  const title = `${qos1 ? 'fan-in QoS1' : 'fan-in QoS0'}, MQTT 5, ${what}`;
  const metrics = [...base.metrics];
  metrics.splice(qos1 ? 3 : 2, 0, ...(qos1 ? [v5QoS1Window, v5Refused] : []));
  return { id, title, load: { ...base.load, mqtt: '5', v5Variant: variant }, metrics };
}

function rowDefs(connections: number, hold: number): RowDef[] {
  return [
    { id: 'a', title: 'fan-in QoS0, 10 pubs max rate → 1 sub bench/#', ...rowA },
    { id: 'b', title: 'fan-in QoS1, 10 pubs max rate (≤100 in flight) → 1 QoS1 sub', ...rowB },
    { id: 'c', title: 'fan-out QoS0, 1 pub max rate → 50 subs',
      load: { mode: 'fanout', publishers: 1, subscribers: 50, qos: 0, rate: 0 },
      metrics: [
        { label: 'deliveries/s', get: (r) => r.delivered_per_s, ratio: true, goal: { kind: 'ratio-min', min: 0.5 } },
        { label: 'published msg/s', get: (r) => r.published_per_s, ratio: true },
        { label: 'missing (QoS0)', get: (r) => r.missing_qos0 },
        ...throughputExtras,
      ] },
    { id: 'd', title: 'QoS1 at 2,000 msg/s (10 pubs × 200/s) → 1 sub, latency',
      load: { mode: 'fanin', publishers: 10, subscribers: 1, qos: 1, rate: 200, inflight: 100 },
      metrics: [
        { label: 'latency p50 ms', get: (r) => r.latency_ms.p50, ratio: true },
        { label: 'latency p99 ms', get: (r) => r.latency_ms.p99, ratio: true, goal: { kind: 'max', max: 5 } },
        { label: 'latency max ms', get: (r) => r.latency_ms.max },
        { label: 'delivered msg/s', get: (r) => r.delivered_per_s },
        { label: 'lost', get: (r) => r.lost },
        ...cpuRss,
        { label: 'other CPU on the machine % (noise)', get: (r) => r.other_cpu_pct },
      ] },
    { id: 'e', title: `${connections.toLocaleString('en-US')} idle connections held ${hold} s`,
      load: { mode: 'conns', connections, seconds: hold },
      metrics: [
        { label: 'connections alive after hold', get: (r) => r.conns?.alive_after_hold, goal: { kind: 'all-held' } },
        { label: 'RSS per 1k connections, MB', get: (r) => r.conns?.rss_per_1k_mb, ratio: true },
        { label: 'RSS before / held, MB', get: (r) => r.conns?.rss_held_mb, ratio: true },
        { label: 'connect rate, conn/s (100 parallel)', get: (r) => r.conns?.connect_per_s, ratio: true },
        { label: 'broker CPU % while idle', get: (r) => r.conns?.broker_cpu_hold_pct },
      ] },
    // MQTT 5 rows last, so that rows a–e run exactly as before.
    v5Row('a5', rowA, 'plain'), v5Row('a5-alias', rowA, 'alias'), v5Row('a5-props', rowA, 'user-properties'),
    v5Row('b5', rowB, 'plain'), v5Row('b5-alias', rowB, 'alias'), v5Row('b5-props', rowB, 'user-properties'),
  ];
}

const usage = `usage: npm run bench -- broker [flags]
  --rounds N        rounds, broker order alternates per round (1)
  --seconds S       measured window per run (5)       --warmup S   warm-up before the window (1)
  --drain S         max wait for acks/deliveries after publishing stops (5)
  --only a,b,...    rows to run (a,b,c,d,e,v5; v5 = a5,a5-alias,a5-props,b5,b5-alias,b5-props)
  --connections N   idle connections for row e (2000)
  --hold S          row e hold time (= --seconds)
  --target thingbench|aedes-plain|mosquitto|null-broker   broker compared with mosquitto (thingbench);
                    mosquitto = A/A check, null-broker = load-generator ceiling check
  --broker-mode standard|aws   thingbench broker mode (standard). aws mode throttles each connection to
                    100 publishes/s (AWS IoT's limit) and discards the excess, so rows a–d then measure the throttle
  --mosquitto PATH  mosquitto binary (/usr/sbin/mosquitto or mosquitto on PATH)
rows: a fan-in QoS0 · b fan-in QoS1 · c fan-out 1→50 · d QoS1 latency at 2k msg/s · e idle connections
      a5 / b5 = a / b with MQTT 5 clients (empty properties); -alias: publishers send a Topic Alias after the
      first PUBLISH; -props: 2 user properties on every PUBLISH. A target that refuses MQTT 5 has its MQTT 5
      rows skipped (not failed); Mosquitto's figures are still shown`;

function parse() {
  const { values } = parseArgs({
    args: process.argv.slice(2), strict: true,
    options: {
      rounds: { type: 'string', default: '1' }, seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' },
      drain: { type: 'string', default: '5' }, only: { type: 'string', default: 'a,b,c,d,e,v5' }, connections: { type: 'string', default: '2000' },
      hold: { type: 'string' }, target: { type: 'string', default: 'thingbench' }, mosquitto: { type: 'string' },
      'broker-mode': { type: 'string', default: 'standard' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { console.log(usage); process.exit(0); }
  const num = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const target = values.target as BrokerKind;
  if (!['thingbench', 'aedes-plain', 'mosquitto', 'null-broker'].includes(target)) throw new Error(`unknown --target ${values.target}`);
  const mode = values['broker-mode'];
  if (mode !== 'standard' && mode !== 'aws') throw new Error('--broker-mode must be standard or aws');
  const only = values.only.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean).flatMap((id): string[] => (id === 'v5' ? [...V5_ROWS] : [id]));
  for (const id of only) if (!ROW_IDS.includes(id as RowId)) throw new Error(`unknown row '${id}' in --only`);
  const seconds = num('seconds', values.seconds, 0.5);
  const mosquittoBin = values.mosquitto ?? (existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto');
  return {
    rounds: Math.floor(num('rounds', values.rounds, 1)), seconds, warmup: num('warmup', values.warmup, 0),
    drain: num('drain', values.drain, 0.5), only: only as RowId[], connections: Math.floor(num('connections', values.connections, 1)),
    hold: values.hold === undefined ? seconds : num('hold', values.hold, 0.5), target, mosquittoBin, brokerMode: mode as 'standard' | 'aws',
  };
}

function versions(mosquittoBin: string) {
  const v: Record<string, string> = { node: process.version };
  try { v.mosquitto = execFileSync(mosquittoBin, ['-h'], { encoding: 'utf8', timeout: 5000 }).split('\n')[0]; } catch (e) {
    v.mosquitto = ((e as { stdout?: string }).stdout ?? '').split('\n')[0] || 'unknown';
  }
  try { v.aedes = (JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/aedes/package.json'), 'utf8')) as { version: string }).version; } catch { v.aedes = 'unknown'; }
  return v;
}

interface Run {
  row: RowId; round: number; broker: BrokerKind; role: 'mosquitto' | 'target'; result: LoadResult | null; error?: string; pids?: number[];
  /** MQTT 5 row whose target refused MQTT 5 at CONNECT: why it was skipped (not an error, not a failure). */
  skipped?: string;
}

const brokerName: Record<BrokerKind, string> = { thingbench: 'Thingbench', mosquitto: 'Mosquitto', 'aedes-plain': 'aedes-plain', 'null-broker': 'null-broker' };

/** "Thingbench refused MQTT 5 (CONNACK 0x84): row skipped" when the target answered an MQTT 5 CONNECT with a refusal. */
function v5Refusal(kind: BrokerKind, r: LoadResult | null): string | undefined {
  const c = r?.connack_refused;
  if (!c || r?.mqtt !== '5') return undefined;
  const shape = c.form === 'mqtt311' ? ', an MQTT 3.1.1 CONNACK' : '';
  return `${brokerName[kind]} refused MQTT 5 (CONNACK 0x${c.code.toString(16).padStart(2, '0')}${shape}): row skipped`;
}

async function main(): Promise<void> {
  let o: ReturnType<typeof parse>;
  try { o = parse(); } catch (e) { console.error(`${(e as Error).message}\n${usage}`); process.exit(2); }
  const rows = rowDefs(o.connections, o.hold).filter((r) => o.only.includes(r.id));
  const outDir = path.join(repoRoot, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outFile = path.join(outDir, `broker-${stamp}.jsonl`);
  const emit = (obj: object) => appendFileSync(outFile, `${JSON.stringify(obj)}\n`);
  const targetLabel = o.target === 'mosquitto' ? 'mosquitto-2' : o.target;
  const modeNote = o.target === 'thingbench' ? ` (--broker-mode ${o.brokerMode})` : '';
  const meta = {
    type: 'meta', bench: 'broker', started: new Date().toISOString(), target: o.target, options: o, versions: versions(o.mosquittoBin),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, mem_gb: Math.round(os.totalmem() / 2 ** 30), kernel: os.release() },
  };
  emit(meta);

  // Whole-run safety net: every run is bounded by the load generator's own deadline plus broker start/stop.
  const perRun = (r: RowDef) => hardDeadlineMs({ ...loadDefaults, ...r.load, warmup: o.warmup, seconds: r.load.seconds ?? o.seconds, drain: o.drain }) + 45_000;
  const budget = o.rounds * rows.reduce((a, r) => a + 2 * perRun(r), 0);
  setTimeout(() => { console.error('bench broker: overall deadline reached, stopping'); process.exit(3); }, budget).unref();
  const interrupt = () => { console.error('\ninterrupted'); process.exit(130); };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  console.log(`broker benchmark: mosquitto vs ${targetLabel}${modeNote}; ${o.rounds} round(s), ${o.warmup} s warm-up + ${o.seconds} s window, rows ${o.only.join(',')}`);
  console.log(`${meta.machine.cpus} CPUs (${meta.machine.model}), node ${meta.versions.node}, ${meta.versions.mosquitto}, aedes ${meta.versions.aedes}`);
  const runs: Run[] = [];
  const t0 = performance.now();
  for (let round = 0; round < o.rounds; round++) {
    const order: ('mosquitto' | 'target')[] = round % 2 === 0 ? ['mosquitto', 'target'] : ['target', 'mosquitto'];
    for (const row of rows) {
      for (const role of order) {
        const kind: BrokerKind = role === 'mosquitto' ? 'mosquitto' : o.target;
        const run: Run = { row: row.id, round, broker: kind, role, result: null };
        process.stdout.write(`  round ${round + 1} row ${row.id} ${role === 'mosquitto' ? 'mosquitto' : targetLabel} … `);
        try {
          const broker = await startBroker(kind, { repoRoot, mosquittoBin: o.mosquittoBin, timeoutMs: 30_000, thingbenchMode: o.brokerMode });
          run.pids = broker.pids;
          try {
            run.result = await runLoad({
              ...row.load, url: broker.url, warmup: o.warmup, seconds: row.load.seconds ?? o.seconds, drain: o.drain,
              brokerPids: broker.pids, label: `${row.id}${round}`,
            });
            const refusal = role === 'target' ? v5Refusal(kind, run.result) : undefined;
            if (broker.exited()) run.error = `broker exited during the run\n${broker.stderrTail()}`;
            else if (refusal) run.skipped = refusal;
            else if (run.result.errors.length) run.error = run.result.errors.slice(0, 3).join('; ');
          } finally {
            await broker.stop();
          }
        } catch (e) {
          run.error = e instanceof Error ? e.message : String(e);
        }
        runs.push(run);
        emit({ type: 'run', row: row.id, title: row.title, round, broker: kind, role, broker_pids: run.pids, error: run.error, result: run.result });
        const head = run.result ? row.metrics[0].get(run.result) : null;
        if (run.skipped) console.log(run.skipped);
        else console.log(`${row.metrics[0].label} ${head == null ? '–' : fmtNum(head)}${run.error ? `  [error: ${run.error.split('\n')[0]}]` : ''}`);
      }
    }
  }
  report(rows, runs, o, targetLabel, emit);
  console.log(`\n${((performance.now() - t0) / 1000).toFixed(0)} s; JSON lines: ${path.relative(process.cwd(), outFile)}`);
}

function report(rows: RowDef[], runs: Run[], o: ReturnType<typeof parse>, targetLabel: string, emit: (x: object) => void): void {
  const table: string[][] = [];
  let failures = 0;
  const skippedRows: string[] = [];
  for (const row of rows) {
    table.push([`(${row.id})`, row.title, '', '', '', '', '']);
    const of = (role: Run['role']) => runs.filter((r) => r.row === row.id && r.role === role);
    // An MQTT 5 row is skipped when every target run refused MQTT 5; Mosquitto's figures are still shown.
    const skip = of('target').length > 0 && of('target').every((r) => r.skipped) ? of('target')[0].skipped : undefined;
    if (skip) { table.push(['', `  ${skip}`, '', '', '', '', '']); skippedRows.push(row.id); }
    for (const m of row.metrics) {
      const vals = (role: Run['role']) => of(role).map((r) => (r.result && !r.skipped ? m.get(r.result) : null));
      const ms = spread(vals('mosquitto')), ts = spread(vals('target'));
      const ratio = m.ratio && ms && ts && ms.median !== 0 ? ts.median / ms.median : null;
      let goalText = '', verdict = '';
      if (m.goal && skip) {
        goalText = m.goal.kind === 'ratio-min' ? `≥ ${m.goal.min}× mosq` : '';
        verdict = 'skipped';
      } else if (m.goal) {
        const targetErrors = of('target').some((r) => r.error || !r.result);
        let pass: boolean | null = null;
        if (m.goal.kind === 'ratio-min') { goalText = `≥ ${m.goal.min}× mosq`; pass = ratio === null ? null : ratio >= m.goal.min; }
        if (m.goal.kind === 'max') { goalText = `< ${m.goal.max} ms`; pass = ts ? ts.median < m.goal.max : null; }
        if (m.goal.kind === 'all-held') {
          goalText = `all ${o.connections.toLocaleString('en-US')}`;
          pass = of('target').length > 0 && of('target').every((r) => (r.result?.conns?.alive_after_hold ?? 0) >= o.connections);
        }
        verdict = pass === null ? 'FAIL (no data)' : pass ? (targetErrors ? 'PASS (errors)' : 'PASS') : 'FAIL';
        if (verdict.startsWith('FAIL')) failures++;
      }
      let mText = fmtSpread(ms), tText = skip ? 'skipped' : fmtSpread(ts);
      if (m.label.startsWith('RSS before / held')) {
        const before = (role: Run['role']) => spread(of(role).map((r) => r.result?.conns?.rss_before_mb));
        mText = `${fmtSpread(before('mosquitto'))} / ${mText}`;
        tText = `${fmtSpread(before('target'))} / ${tText}`;
      }
      table.push(['', `  ${m.label}`, mText, tText, ratio === null ? '' : `${ratio.toFixed(2)}`, goalText, verdict]);
      emit({ type: 'summary', row: row.id, metric: m.label, mosquitto: ms, target: ts, target_kind: o.target, ratio, goal: goalText || undefined, result: verdict || undefined, skipped: skip });
    }
  }
  console.log(`\n${renderTable(['row', 'metric (median, (min–max) over rounds)', 'mosquitto', targetLabel, `${targetLabel === 'thingbench' ? 'tb' : 'target'}/mosq`, 'goal', 'result'], table)}`);
  const noisy = runs.filter((r) => (r.result?.other_cpu_pct ?? 0) > NOISY_OTHER_CPU);
  if (noisy.length) {
    console.log(`\nnoisy runs (other CPU on the machine > ${NOISY_OTHER_CPU} % of a core; rates may be understated):`);
    console.log(`  ${noisy.map((r) => `${r.row}/${r.role === 'mosquitto' ? 'mosquitto' : targetLabel}/round ${r.round + 1}: ${fmtNum(r.result?.other_cpu_pct ?? 0)} %`).join(', ')}`);
  }
  const errs = runs.filter((r) => r.error);
  if (errs.length) {
    console.log('\nerrors:');
    for (const r of errs) console.log(`  row ${r.row} round ${r.round + 1} ${r.broker}: ${r.error}`);
  }
  const skippedNote = skippedRows.length ? ` (MQTT 5 rows skipped: ${skippedRows.join(', ')})` : '';
  console.log(`\ngoals: ${failures === 0 ? 'all PASS' : `${failures} FAIL`}${skippedNote}`);
  process.exitCode = failures === 0 && errs.length === 0 ? 0 : 1;
}

await main();
