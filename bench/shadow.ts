// Device Shadow benchmark: update→accepted throughput and latency over MQTT and HTTP, beside plain QoS 1 publishes.
//   npm run bench -- shadow [--seconds 5] [--warmup 1] [--clients 10] [--things 100] [--window 100] [--rate 1000] [--http-concurrency 16]
//                           [--only plain,shadow,paced,http] [--cpu-prof DIR]
// One fresh `thingbench up` (standard mode: aws mode would throttle each connection to 100 publishes/s and 10 shadow
// requests in flight, and each thing to 20 shadow requests/s) with
// durability on (every update is fsynced before its /accepted). Every shadow figure is printed as a ratio against
// the plain figure measured in the same run through the same broker with the same clients (mqtt.js):
//   plain MQTT: each client publishes QoS 1 to its own topic and is subscribed to it (one message in, one out, like a
//   shadow request and its /accepted); shadow MQTT: each client updates its share of the things and is subscribed to
//   their /update/accepted; HTTP: UpdateThingShadow against Publish (qos=1) at the same concurrency.
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { Histogram } from './lib/histogram.js';
import { fmtNum, renderTable } from './lib/report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: v } = parseArgs({
  args: process.argv.slice(2), strict: true,
  options: {
    seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' }, clients: { type: 'string', default: '10' },
    things: { type: 'string', default: '100' }, window: { type: 'string', default: '100' }, rate: { type: 'string', default: '1000' },
    'http-concurrency': { type: 'string', default: '16' }, help: { type: 'boolean', short: 'h' },
    only: { type: 'string' }, 'cpu-prof': { type: 'string' },
  },
});
if (v.help) {
  console.log('usage: npm run bench -- shadow [--seconds 5] [--warmup 1] [--clients 10] [--things 100] [--window 100] [--rate 1000] [--http-concurrency 16]');
  console.log('       [--only plain,shadow,paced,http] (run only these phases) [--cpu-prof DIR] (profile the engine into DIR)');
  process.exit(0);
}
const o = {
  seconds: Number(v.seconds), warmup: Number(v.warmup), clients: Number(v.clients), things: Number(v.things),
  window: Number(v.window), rate: Number(v.rate), httpConcurrency: Number(v['http-concurrency']),
};
const phases = new Set((v.only ?? 'plain,shadow,paced,http').split(','));
const skipped = { perSecond: NaN, cpuUs: NaN, latency: { p50: NaN, p99: NaN } };
const nowMs = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

let engineCpu = (): number => NaN;

async function startEngine(): Promise<{ mqtt: string; http: string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tb-bench-shadow-'));
  const profile = v['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(v['cpu-prof'])] : [];
  const child = spawn(process.execPath, [...profile, path.join(repoRoot, 'bin/thingbench.js'), 'up', '--json', '--data-dir', dataDir,
    '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0', '--broker-mode', 'standard', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<{ endpoints: { mqtt: string; http: string } }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`thingbench exited (${code}) before its ready line`)));
  });
  engineCpu = () => cpuSeconds(child.pid);
  return {
    ...ready.endpoints,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One MQTT load: each client has `window` requests in flight (or sends at `perClientRate`), replies close them. */
interface Load {
  topicFor(client: number, seq: number): string;
  payloadFor(client: number, seq: number): string;
  replyFilters(client: number): string[];
  /** The sequence number a reply answers. */
  seqOf(payload: Buffer): number;
}

async function runMqtt(url: string, load: Load, paced: boolean): Promise<{ perSecond: number; cpuUs: number; latency: ReturnType<Histogram['summaryMs']> }> {
  const clients: MqttClient[] = [];
  for (let c = 0; c < o.clients; c++) {
    const client = await mqtt.connectAsync(url, { clientId: `bench-${c}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 0 });
    // Device SDKs set TCP_NODELAY; mqtt.js does not, and Nagle plus the peer's delayed ACK then adds ~40 ms per request.
    (client.stream as import('node:net').Socket).setNoDelay?.(true);
    await client.subscribeAsync(load.replyFilters(c), { qos: 1 });
    clients.push(client);
  }
  const hist = new Histogram();
  const sentAt = clients.map(() => new Map<number, number>());
  let counting = false;
  let done = 0;
  let stop = false;
  const seqs = clients.map(() => 0);
  const send = (c: number) => {
    const seq = seqs[c]++;
    sentAt[c].set(seq, nowMs());
    clients[c].publish(load.topicFor(c, seq), load.payloadFor(c, seq), { qos: 1 });
  };
  clients.forEach((client, c) => client.on('message', (_t, payload) => {
    const seq = load.seqOf(payload);
    const t0 = sentAt[c].get(seq);
    if (t0 === undefined) return;
    sentAt[c].delete(seq);
    if (counting) {
      done++;
      hist.record((nowMs() - t0) * 1e6);
    }
    if (!paced && !stop) send(c);
  }));
  const timers: NodeJS.Timeout[] = [];
  if (paced) {
    const perClient = o.rate / o.clients;
    clients.forEach((_cl, c) => {
      const start = nowMs();
      let sent = 0;
      timers.push(setInterval(() => {
        const due = Math.floor(((nowMs() - start) / 1000) * perClient);
        while (sent < due && !stop) { send(c); sent++; }
      }, 2));
    });
  } else {
    clients.forEach((_cl, c) => { for (let i = 0; i < o.window; i++) send(c); });
  }
  await sleep(o.warmup * 1000);
  counting = true;
  const t0 = nowMs();
  const cpu0 = engineCpu();
  await sleep(o.seconds * 1000);
  counting = false;
  const cpuUs = ((engineCpu() - cpu0) * 1e6) / done;
  const elapsed = (nowMs() - t0) / 1000;
  stop = true;
  timers.forEach(clearInterval);
  await Promise.all(clients.map((c) => c.endAsync(true)));
  return { perSecond: done / elapsed, cpuUs, latency: hist.summaryMs() };
}

async function runHttp(base: string, request: (seq: number) => { path: string; body: string }): Promise<{ perSecond: number; cpuUs: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.httpConcurrency });
  let seq = 0;
  let counting = false;
  let stop = false;
  let done = 0;
  const url = new URL(base);
  const one = () => new Promise<void>((resolve, reject) => {
    const r = request(seq++);
    const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: r.path, agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(r.body);
  });
  const worker = async () => {
    while (!stop) {
      await one();
      if (counting) done++;
    }
  };
  const workers = Array.from({ length: o.httpConcurrency }, worker);
  await sleep(o.warmup * 1000);
  counting = true;
  const t0 = nowMs();
  const cpu0 = engineCpu();
  await sleep(o.seconds * 1000);
  counting = false;
  const cpuUs = ((engineCpu() - cpu0) * 1e6) / done;
  const elapsed = (nowMs() - t0) / 1000;
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  return { perSecond: done / elapsed, cpuUs };
}

const thingsOf = (c: number) => Array.from({ length: Math.ceil(o.things / o.clients) }, (_x, i) => c + i * o.clients).filter((t) => t < o.things);
const plain: Load = {
  topicFor: (c) => `bench/plain/${c}`,
  payloadFor: (_c, seq) => JSON.stringify({ state: { reported: { seq } }, clientToken: String(seq) }),
  replyFilters: (c) => [`bench/plain/${c}`],
  seqOf: (p) => Number((JSON.parse(p.toString()) as { clientToken: string }).clientToken),
};
const shadow: Load = {
  topicFor: (c, seq) => { const mine = thingsOf(c); return `$aws/things/bench-${mine[seq % mine.length]}/shadow/update`; },
  payloadFor: plain.payloadFor,
  replyFilters: (c) => thingsOf(c).map((t) => `$aws/things/bench-${t}/shadow/update/accepted`),
  seqOf: plain.seqOf,
};

async function main(): Promise<void> {
  console.log(`shadow benchmark: ${o.clients} clients, ${o.things} things, window ${o.window}, ${o.warmup} s warm-up + ${o.seconds} s window; ${os.cpus().length} CPUs, node ${process.version}`);
  const engine = await startEngine();
  const rows: string[][] = [];
  const results: Record<string, number> = {};
  try {
    const step = async <T>(phase: string, label: string, fn: () => Promise<T>, none: T) => {
      if (!phases.has(phase)) return none;
      process.stdout.write(`  ${label} … `);
      const r = await fn();
      console.log('done');
      return r;
    };
    const plainMax = await step('plain', 'plain QoS 1, max rate', () => runMqtt(engine.mqtt, plain, false), skipped);
    const shadowMax = await step('shadow', 'shadow updates, max rate', () => runMqtt(engine.mqtt, shadow, false), skipped);
    const plainPaced = await step('paced', `plain QoS 1 at ${o.rate}/s`, () => runMqtt(engine.mqtt, plain, true), skipped);
    const shadowPaced = await step('paced', `shadow updates at ${o.rate}/s`, () => runMqtt(engine.mqtt, shadow, true), skipped);
    const httpPublish = await step('http', 'HTTP Publish qos=1', () => runHttp(engine.http, (seq) => ({ path: `/topics/bench/http/${seq % o.things}?qos=1`, body: plain.payloadFor(0, seq) })), skipped);
    const httpShadow = await step('http', 'HTTP UpdateThingShadow', () => runHttp(engine.http, (seq) => ({ path: `/things/bench-http-${seq % o.things}/shadow`, body: plain.payloadFor(0, seq) })), skipped);
    const ms = (x: number) => x;
    Object.assign(results, {
      plain_per_s: plainMax.perSecond, shadow_per_s: shadowMax.perSecond, ratio: shadowMax.perSecond / plainMax.perSecond,
      plain_p50_ms: ms(plainPaced.latency.p50), plain_p99_ms: ms(plainPaced.latency.p99),
      shadow_p50_ms: ms(shadowPaced.latency.p50), shadow_p99_ms: ms(shadowPaced.latency.p99), shadow_paced_per_s: shadowPaced.perSecond,
      http_publish_per_s: httpPublish.perSecond, http_shadow_per_s: httpShadow.perSecond, http_ratio: httpShadow.perSecond / httpPublish.perSecond,
      plain_engine_cpu_us: plainMax.cpuUs, shadow_engine_cpu_us: shadowMax.cpuUs,
      http_publish_engine_cpu_us: httpPublish.cpuUs, http_shadow_engine_cpu_us: httpShadow.cpuUs,
    });
    const us = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(0));
    const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
    rows.push(
      ['MQTT update→accepted per s (max rate)', fmtNum(plainMax.perSecond), fmtNum(shadowMax.perSecond), `${results.ratio.toFixed(2)}×`, `≥ 0.5× ${pass(results.ratio >= 0.5)}`],
      [`latency p50 ms at ${o.rate}/s`, ms(plainPaced.latency.p50).toFixed(2), ms(shadowPaced.latency.p50).toFixed(2), `${(shadowPaced.latency.p50 / plainPaced.latency.p50).toFixed(2)}×`, ''],
      [`latency p99 ms at ${o.rate}/s`, ms(plainPaced.latency.p99).toFixed(2), ms(shadowPaced.latency.p99).toFixed(2), `${(shadowPaced.latency.p99 / plainPaced.latency.p99).toFixed(2)}×`, `< 10 ms ${pass(results.shadow_p99_ms < 10)}`],
      [`achieved rate at ${o.rate}/s`, fmtNum(plainPaced.perSecond), fmtNum(shadowPaced.perSecond), '', ''],
      ['engine CPU µs per MQTT request (max rate)', us(plainMax.cpuUs), us(shadowMax.cpuUs), `${(shadowMax.cpuUs / plainMax.cpuUs).toFixed(2)}×`, ''],
      [`HTTP requests per s (${o.httpConcurrency} in flight)`, fmtNum(httpPublish.perSecond), fmtNum(httpShadow.perSecond), `${results.http_ratio.toFixed(2)}×`, ''],
      ['engine CPU µs per HTTP request', us(httpPublish.cpuUs), us(httpShadow.cpuUs), `${(httpShadow.cpuUs / httpPublish.cpuUs).toFixed(2)}×`, ''],
    );
  } finally {
    await engine.stop();
  }
  console.log(`\n${renderTable(['metric', 'plain QoS 1 / Publish', 'shadow', 'ratio', 'goal'], rows, 1)}`);
  const outDir = path.join(repoRoot, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  appendFileSync(path.join(outDir, `shadow-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`), `${JSON.stringify({ type: 'summary', options: o, results })}\n`);
  process.exit(results.ratio >= 0.5 && results.shadow_p99_ms < 10 ? 0 : 1);
}

void main().catch((e: Error) => { console.error(e); process.exit(2); });
