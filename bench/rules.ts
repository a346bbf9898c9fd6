// Rules benchmark: AWS IoT SQL evaluations/s on 512-byte JSON telemetry beside JSON.parse of the same payloads, then
// broker fan-in throughput of one Thingbench engine (standard mode) with no rules and with 10 active rules (created
// through the AWS API, no actions: the cost measured is the rules engine's own evaluation on the message path).
//   npm run bench -- rules [--rounds 7] [--ms 300] [--payloads 1024] [--fanin-seconds 5] [--fanin-rounds 3] [--no-fanin]
// Each evaluation is what the rules service does per message: a fresh MessageContext over the payload bytes
// (parsed lazily, once) and rule.evaluate(ctx). Rounds alternate baseline and rule; figures are medians (min–max).
// Results: a table on stdout and JSON lines in bench/out/rules-<timestamp>.jsonl.
import os from 'node:os';
import path from 'node:path';
import { appendFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compile, MessageContext, NO_MATCH, type CompiledRule } from '../engine/rules/sql/index.js';
import { fmtNum, fmtSpread, renderTable, spread } from './lib/report.js';
import { startBroker } from './lib/brokers.js';
import { runLoad } from './mqtt-load.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GOAL_RATIO = 2;
const TOPIC = 'telemetry/site-7/data';

const usage = `usage: npm run bench -- rules [--rounds N] [--ms MS] [--payloads N]
  --rounds    alternating baseline/rule rounds per row (default 7)
  --ms        time per measurement (default 300)
  --payloads  distinct payloads cycled through (default 1024)
  --fanin-seconds  measured seconds per fan-in run (default 5)
  --fanin-rounds   alternating none/10-rules fan-in runs (default 3)
  --no-fanin       skip the broker fan-in part`;

/** A realistic telemetry message (the perf-baseline shape: 22 fields, a nested object, an array), padded to 512 B. */
function telemetry(i: number): Buffer {
  const doc = {
    timestamp: '2016-11-29T10:00:00', temperature: 40 + (i % 60) + (i % 7) / 10, humidity: 20 + (i % 75), 'rotor-freq': 6455 + i,
    output: 480, 'output-freq': 60, deviceId: `dev-${String(i).padStart(5, '0')}`, site: 'site-7', firmware: '2.4.1', status: i % 5 ? 'ok' : 'warn',
    vibration: { x: 0.01 * (i % 9), y: 0.02, z: 0.03 }, readings: [{ n: 'a', v: 12.5 + (i % 3) }, { n: 'b', v: 7 }, { n: 'c', v: 30 + (i % 11) }],
    voltage: 229.7, current: 3.21, power: 737.3, pressure: 1013.2, rpm: 1450, load: 0.82, errors: 0, uptime: 86400 + i, seq: i, pad: '',
  };
  const base = Buffer.byteLength(JSON.stringify(doc));
  doc.pad = 'x'.repeat(Math.max(0, 512 - base));
  return Buffer.from(JSON.stringify(doc));
}

const RULES: Array<{ id: string; title: string; sql: string }> = [
  { id: 'a', title: 'SELECT * … WHERE temperature > 50', sql: `SELECT * FROM 'telemetry/+/data' WHERE temperature > 50` },
  { id: 'b', title: 'projection with functions and topic()',
    sql: `SELECT deviceId, (temperature - 32) * 5 / 9 AS celsius, upper(status) AS status, topic(2) AS site, timestamp() AS ts FROM 'telemetry/+/data' WHERE humidity > 30` },
  { id: 'c', title: 'nested-array query', sql: `SELECT deviceId, (SELECT VALUE v FROM readings WHERE v > 10) AS high FROM 'telemetry/+/data'` },
];

/** Ten rules on the same topic (the "10 active rules"): the payload is still parsed once per message. */
const TEN = [
  ...RULES.map((r) => r.sql),
  `SELECT temperature, humidity FROM 'telemetry/#' WHERE status = 'warn'`,
  `SELECT VALUE vibration FROM 'telemetry/+/data' WHERE vibration.x > 0.05`,
  `SELECT deviceId AS id, power / voltage AS amps FROM 'telemetry/+/data'`,
  `SELECT * FROM 'telemetry/+/data' WHERE humidity < 25 OR temperature > 95`,
  `SELECT md5(deviceId) AS h FROM 'telemetry/+/data' WHERE seq % 100 = 0`,
  `SELECT CASE status WHEN 'ok' THEN 0 ELSE 1 END AS alarm, topic(2) AS site FROM 'telemetry/+/data'`,
  `SELECT get(readings, 2).v AS c FROM 'telemetry/+/data' WHERE rpm > 1000`,
];

let sink = 0;
/** One environment for the whole run, as the rules service would hold one. */
const ENV = { now: () => 1_700_000_000_000 };

/** ns per operation of `op` over `payloads`, run for about `ms` milliseconds. */
function measure(payloads: Buffer[], ms: number, op: (p: Buffer) => unknown): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 1024; i++) {
      const r = op(payloads[(n + i) % payloads.length]);
      if (r !== undefined) sink++;
    }
    n += 1024;
    elapsed = process.hrtime.bigint() - start;
  }
  return Number(elapsed) / n;
}

const parseOnly = (p: Buffer) => JSON.parse(p.toString('utf8')) as unknown;

function evaluateOne(rule: CompiledRule) {
  return (p: Buffer) => {
    const out = rule.evaluate(new MessageContext({ topic: TOPIC, payload: p, clientId: 'bench' }, ENV));
    return out === NO_MATCH ? null : out;
  };
}

function evaluateAll(rules: CompiledRule[]) {
  return (p: Buffer) => {
    const ctx = new MessageContext({ topic: TOPIC, payload: p, clientId: 'bench' }, ENV);
    let last: unknown = null;
    for (const r of rules) if (r.matchesTopic(TOPIC)) last = r.evaluate(ctx);
    return last;
  };
}

/** Ten rules on the fan-in topics (bench/p<i>), as the "10 active rules": FROM matches every message. */
const FANIN_RULES = TEN.map((sql) => sql.replace(/FROM '[^']*'/, "FROM 'bench/+'"));

async function putRules(httpUrl: string, method: 'POST' | 'DELETE'): Promise<void> {
  for (let i = 0; i < FANIN_RULES.length; i++) {
    const body = method === 'POST' ? JSON.stringify({ sql: FANIN_RULES[i], awsIotSqlVersion: '2016-03-23', actions: [] }) : undefined;
    const res = await fetch(`${httpUrl}/rules/bench_rule_${i}`, { method, body, headers: { 'content-type': 'application/json' } });
    if (!res.ok) throw new Error(`${method} /rules/bench_rule_${i}: ${res.status} ${await res.text()}`);
  }
}

async function fanIn(seconds: number, rounds: number): Promise<void> {
  const broker = await startBroker('thingbench', { repoRoot, mosquittoBin: 'mosquitto', timeoutMs: 30_000, thingbenchMode: 'standard' });
  try {
    if (!broker.httpUrl) throw new Error('the engine announced no HTTP endpoint');
    const load = () => runLoad({ url: broker.url, mode: 'fanin', publishers: 10, subscribers: 1, qos: 0, size: 512, rate: 0, warmup: 2, seconds, brokerPids: broker.pids, label: 'rules' });
    const none: number[] = [];
    const ten: number[] = [];
    let present = false;
    for (let round = 0; round < rounds; round++) {
      // Alternate the order each round, as above: the host's speed drifts.
      for (const withRules of round % 2 === 0 ? [false, true] : [true, false]) {
        if (withRules !== present) await putRules(broker.httpUrl, withRules ? 'POST' : 'DELETE');
        present = withRules;
        const r = await load();
        (withRules ? ten : none).push(r.delivered_per_s);
      }
    }
    const a = spread(none)!;
    const b = spread(ten)!;
    const ratio = spread(ten.map((t, i) => t / none[i]))!;
    console.log('\n' + renderTable(
      ['broker fan-in (10 publishers → 1 subscriber, QoS 0, 512 B, standard mode)', 'delivered msg/s', 'min–max', 'vs none', 'goal ≥ 0.7×'],
      [
        ['no rules', fmtNum(a.median), fmtSpread(a), '1.00', '–'],
        ['10 active rules (FROM matches every message)', fmtNum(b.median), fmtSpread(b), fmtSpread(ratio), ratio.median >= 0.7 ? 'met' : 'MISSED'],
      ],
    ));
  } catch (e) {
    throw new Error(`${(e as Error).message}\nthe engine's last stderr lines:\n${broker.stderrTail()}`, { cause: e });
  } finally {
    await broker.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2), strict: true,
    options: {
      rounds: { type: 'string', default: '7' }, ms: { type: 'string', default: '300' }, payloads: { type: 'string', default: '1024' }, help: { type: 'boolean', short: 'h' },
      'fanin-seconds': { type: 'string', default: '5' }, 'fanin-rounds': { type: 'string', default: '3' }, 'no-fanin': { type: 'boolean', default: false },
    },
  });
  if (values.help) { console.log(usage); return; }
  const rounds = Math.max(1, Number(values.rounds));
  const ms = Math.max(20, Number(values.ms));
  const payloads = Array.from({ length: Math.max(1, Number(values.payloads)) }, (_, i) => telemetry(i));
  const sizes = new Set(payloads.map((p) => p.length));
  console.log(`rules benchmark: ${payloads.length} payloads of ${[...sizes].join('/')} B, ${rounds} rounds × ${ms} ms, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}`);

  const rows: Array<{ id: string; title: string; op: (p: Buffer) => unknown }> = [
    ...RULES.map((r) => ({ id: r.id, title: r.title, op: evaluateOne(compile(r.sql)) })),
    { id: 'd', title: '10 rules on one message (one parse)', op: evaluateAll(TEN.map((s) => compile(s))) },
  ];
  const outDir = path.join(repoRoot, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, `rules-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);

  // Warm both paths up so the JIT has settled before the first timed round.
  for (const row of rows) measure(payloads, Math.min(ms, 200), row.op);
  measure(payloads, 200, parseOnly);

  const table: string[][] = [];
  for (const row of rows) {
    const base: number[] = [];
    const rule: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Alternate the order each round: the host's speed drifts (research/perf-baseline.md).
      if (round % 2 === 0) { base.push(measure(payloads, ms, parseOnly)); rule.push(measure(payloads, ms, row.op)); }
      else { rule.push(measure(payloads, ms, row.op)); base.push(measure(payloads, ms, parseOnly)); }
    }
    const ratios = rule.map((r, i) => r / base[i]);
    const b = spread(base)!;
    const r = spread(rule)!;
    const q = spread(ratios)!;
    const goal = row.id === 'd' ? '–' : q.median <= GOAL_RATIO ? 'met' : 'MISSED';
    table.push([row.id, row.title, fmtNum(1e9 / r.median), fmtSpread(spread(rule.map((x) => 1e9 / x))), fmtNum(1e9 / b.median), fmtNum(r.median), fmtNum(b.median), fmtSpread(q), goal]);
    appendFileSync(outFile, `${JSON.stringify({ row: row.id, title: row.title, rule_ns: rule, parse_ns: base, ratio: ratios, payload_bytes: [...sizes] })}\n`);
  }
  console.log('\n' + renderTable(
    ['row', 'rule', 'evals/s', 'evals/s (min–max)', 'JSON.parse/s', 'ns/eval', 'ns/parse', 'eval ÷ parse', `≤ ${GOAL_RATIO}×`],
    table,
  ));
  console.log('\nd: ten rules per message share one MessageContext, so the payload is parsed once; its ratio is for all ten.');
  console.log(`JSON lines: ${path.relative(process.cwd(), outFile)} (checksum ${sink})`);
  if (!values['no-fanin']) await fanIn(Math.max(1, Number(values['fanin-seconds'])), Math.max(1, Number(values['fanin-rounds'])));
}

await main();
