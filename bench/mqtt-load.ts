// MQTT load generator, raw MQTT 3.1.1 / MQTT 5 client (standalone or as a library): `runLoad(options)`; the CLI prints one JSON line.
//   node --import tsx bench/mqtt-load.ts --url mqtt://127.0.0.1:1883 --mode fanin --publishers 10 --qos 0 --rate max
//   … --mqtt 5 --v5 plain|alias|user-properties   (MQTT 5 clients; default --mqtt 3.1.1)
// Modes: fanin (N publishers on bench/p<i> → subscribers on bench/#), fanout (publishers on bench/fanout → M
// subscribers on it), conns (hold N idle connections). Loopback only; always stops by itself at a hard deadline.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Histogram, type LatencySummary } from './lib/histogram.js';
import { ProcSampler, machineJiffies, type MachineJiffies } from './lib/proc.js';
import {
  Conn, ConnackRefusedError, Publisher, Subscriber, V5_VARIANTS, nowNs, type LatencyWindow, type V5Variant,
} from './lib/raw-clients.js';
import { describeCode } from './lib/mqtt-wire.js';

export type Mode = 'fanin' | 'fanout' | 'conns';
export type MqttProtocol = '3.1.1' | '5';

export interface LoadOptions {
  url: string;
  mode: Mode;
  publishers: number;
  subscribers: number;
  qos: 0 | 1;
  /** Payload bytes (≥ 16). */
  size: number;
  /** Messages per second per publisher; 0 = max rate (paced by TCP backpressure / the QoS1 window). */
  rate: number;
  /** QoS1 unacked messages per publisher. */
  inflight: number;
  warmup: number;
  seconds: number;
  /** Upper bound for waiting for outstanding acks and deliveries after publishing stops. */
  drain: number;
  /** Broker process ids to sample (CPU at the window edges, RSS every 250 ms). */
  brokerPids: number[];
  connections: number;
  connSubscribe: boolean;
  connParallel: number;
  /** Label put into client ids (keeps runs apart). */
  label: string;
  /** Hard deadline in seconds for the whole run; 0 = derived from the other options (hardDeadlineMs). */
  deadline: number;
  /** Protocol every client speaks. */
  mqtt: MqttProtocol;
  /** MQTT 5 only: what the publishers put on each PUBLISH (nothing, a Topic Alias, or 2 user properties). */
  v5Variant: V5Variant;
}

export const defaults: LoadOptions = {
  url: 'mqtt://127.0.0.1:1883', mode: 'fanin', publishers: 10, subscribers: 1, qos: 0, size: 512, rate: 0,
  inflight: 100, warmup: 2, seconds: 10, drain: 5, brokerPids: [], connections: 1000, connSubscribe: false,
  connParallel: 100, label: '', deadline: 0, mqtt: '3.1.1', v5Variant: 'plain',
};

export interface BrokerStats { cpu_pct: number | null; cpu_s: number | null; rss_start_mb: number | null; rss_max_mb: number | null; rss_end_mb: number | null }

/** The broker refused the CONNECT (seen on the first connection; the run then stops). */
export interface ConnackRefusal { code: number; form: 'mqtt311' | 'mqtt5'; message: string }

export interface LoadResult {
  mqtt: MqttProtocol;
  /** MQTT 5 runs only. */
  v5_variant?: V5Variant;
  /** Set when the broker answered CONNECT with a refusal (e.g. 0x84 Unsupported Protocol Version to MQTT 5). */
  connack_refused: ConnackRefusal | null;
  /** MQTT 5: the server's CONNACK limits as the first publisher saw them, and the QoS1 window used. */
  server_limits?: { receive_maximum: number | null; topic_alias_maximum: number | null; maximum_packet_size: number | null; inflight_used: number };
  /** MQTT 5: PUBACKs with a failure reason code (not counted as accepted), and the last such code. */
  refused_acks?: number; last_refusal?: string;
  mode: Mode; url: string; qos: number; size: number; publishers: number; subscribers: number;
  rate: number | 'max'; inflight: number; warmup_s: number; window_s: number;
  published: number; published_per_s: number;
  accepted: number; accepted_per_s: number;
  delivered: number; delivered_per_s: number;
  sent_total: number; acked_total: number; received_unique_total: number; duplicates: number;
  lost: number; missing_qos0: number; unacked_at_end: number;
  latency_ms: LatencySummary;
  drain_s: number;
  broker: BrokerStats;
  broker_cpu_us_per_msg: number | null;
  loadgen_cpu_pct: number;
  /**
   * CPU in % of one core: whole machine, of which irq+softirq (loopback TCP; may also be charged to the processes)
   * and hypervisor steal; other = busy − broker − load generator (other processes plus interrupt work).
   */
  machine_busy_pct: number; machine_irq_pct: number; machine_steal_pct: number; other_cpu_pct: number | null;
  conns?: ConnsResult;
  errors: string[];
  deadline_hit: boolean;
  elapsed_s: number;
}

export interface ConnsResult {
  requested: number; connected: number; failed: number; alive_after_hold: number;
  connect_s: number; connect_per_s: number; hold_s: number; broker_cpu_hold_pct: number | null;
  rss_before_mb: number | null; rss_held_mb: number | null; rss_per_1k_mb: number | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round = (v: number, d = 1) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : v);

/** Parses mqtt://127.0.0.1:PORT and refuses anything that is not loopback. */
export function parseLoopbackUrl(url: string): { host: string; port: number } {
  const u = new URL(url);
  const host = u.hostname === 'localhost' ? '127.0.0.1' : u.hostname;
  if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== '[::1]') throw new Error(`refusing non-loopback broker ${url}`);
  const port = Number(u.port || 1883);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`bad port in ${url}`);
  return { host, port };
}

/** Max open files of this process (the load generator needs one per connection). */
function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : Infinity;
  } catch { return Infinity; }
}

/** Hard deadline for a whole run given its options (connect + warm-up + window + drain + margin). */
export function hardDeadlineMs(o: LoadOptions): number {
  if (o.deadline > 0) return o.deadline * 1000;
  const connect = o.mode === 'conns' ? 15 + o.connections / 500 : 10;
  return (connect + o.warmup + o.seconds + o.drain + 10) * 1000;
}

/** Window edge snapshot. */
interface Edge { t: number; sent: number; acked: number; unique: number; cpu: number | null; self: NodeJS.CpuUsage; machine: MachineJiffies }

export async function runLoad(opts: Partial<LoadOptions>): Promise<LoadResult> {
  const o: LoadOptions = { ...defaults, ...opts };
  const { host, port } = parseLoopbackUrl(o.url);
  const began = performance.now();
  const errors: string[] = [];
  const noteError = (what: string, e: unknown) => {
    if (errors.length < 20) errors.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  };
  const conns: Conn[] = [];
  const sampler = new ProcSampler(o.brokerPids);
  let deadlineHit = false;
  let deadlineTimer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    deadlineTimer = setTimeout(() => {
      deadlineHit = true;
      for (const c of conns) c.destroy();
      reject(new Error('hard deadline reached'));
    }, hardDeadlineMs(o));
  });
  deadline.catch(() => undefined);
  const bounded = <T>(p: Promise<T>) => Promise.race([p, deadline]);

  const lw: LatencyWindow = { start: Infinity, end: Infinity, hist: new Histogram() };
  const id = `${o.label || 'load'}-${process.pid}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const pubs: Publisher[] = [];
  const subs: Subscriber[] = [];
  const result = emptyResult(o);
  sampler.start();
  try {
    if (o.mode === 'conns') {
      result.conns = await bounded(runConns(o, host, port, id, conns, sampler, noteError));
    } else {
      await bounded(runTraffic(o, host, port, id, { conns, pubs, subs, lw, sampler, result, noteError }));
    }
  } catch (e) {
    if (e instanceof ConnackRefusedError) result.connack_refused = { code: e.code, form: e.form, message: e.message };
    noteError('run', e);
  } finally {
    clearTimeout(deadlineTimer);
    sampler.stop();
    for (const c of conns) c.close();
  }
  result.broker.rss_max_mb = o.brokerPids.length ? round(sampler.rssMaxMb) : null;
  result.broker.rss_end_mb = o.brokerPids.length ? round(sampler.rssLastMb) : null;
  result.errors = errors;
  result.deadline_hit = deadlineHit;
  result.elapsed_s = round((performance.now() - began) / 1000, 2);
  // After a deadline the abandoned phase may still be unwinding: hand out a snapshot it cannot touch.
  return structuredClone(result);
}

function emptyResult(o: LoadOptions): LoadResult {
  return {
    mqtt: o.mqtt, ...(o.mqtt === '5' ? { v5_variant: o.v5Variant } : {}), connack_refused: null,
    mode: o.mode, url: o.url, qos: o.qos, size: o.size, publishers: o.publishers, subscribers: o.subscribers,
    rate: o.rate > 0 ? o.rate : 'max', inflight: o.inflight, warmup_s: o.warmup, window_s: 0,
    published: 0, published_per_s: 0, accepted: 0, accepted_per_s: 0, delivered: 0, delivered_per_s: 0,
    sent_total: 0, acked_total: 0, received_unique_total: 0, duplicates: 0, lost: 0, missing_qos0: 0, unacked_at_end: 0,
    latency_ms: new Histogram().summaryMs(), drain_s: 0,
    broker: { cpu_pct: null, cpu_s: null, rss_start_mb: null, rss_max_mb: null, rss_end_mb: null },
    broker_cpu_us_per_msg: null, loadgen_cpu_pct: 0, machine_busy_pct: 0, machine_irq_pct: 0, machine_steal_pct: 0, other_cpu_pct: null,
    errors: [], deadline_hit: false, elapsed_s: 0,
  };
}

interface TrafficCtx {
  conns: Conn[]; pubs: Publisher[]; subs: Subscriber[]; lw: LatencyWindow; sampler: ProcSampler;
  result: LoadResult; noteError: (what: string, e: unknown) => void;
}

async function runTraffic(o: LoadOptions, host: string, port: number, id: string, c: TrafficCtx): Promise<void> {
  const { pubs, subs, lw, sampler, result } = c;
  const filter = o.mode === 'fanin' ? 'bench/#' : 'bench/fanout';
  const subQos = o.qos;
  const level = o.mqtt === '5' ? 5 : 4;
  for (let i = 0; i < o.subscribers; i++) subs.push(new Subscriber(`${id}-s${i}`, o.publishers, lw, level));
  for (let i = 0; i < o.publishers; i++) {
    const topic = o.mode === 'fanin' ? `bench/p${i}` : 'bench/fanout';
    pubs.push(new Publisher(`${id}-p${i}`, i, topic, o.qos, o.size, o.inflight, o.rate, level, o.v5Variant));
  }
  c.conns.push(...subs, ...pubs);
  // Subscribers first (and subscribed) so that every published message has a receiver.
  await Promise.all(subs.map(async (s) => {
    await s.open(host, port, 60, 10_000);
    await s.subscribe(filter, subQos, 10_000);
  }));
  await Promise.all(pubs.map((p) => p.open(host, port, 60, 10_000)));
  const limits = pubs[0]?.connack;
  if (level === 5 && pubs[0] && limits) {
    result.server_limits = {
      receive_maximum: limits.receiveMaximum ?? null, topic_alias_maximum: limits.topicAliasMaximum ?? null,
      maximum_packet_size: limits.maximumPacketSize ?? null, inflight_used: pubs[0].inflight,
    };
  }
  result.broker.rss_start_mb = o.brokerPids.length ? round(sampler.sample()) : null;

  const edge = (): Edge => ({
    t: performance.now(),
    sent: pubs.reduce((a, p) => a + p.sent, 0),
    acked: pubs.reduce((a, p) => a + p.acked, 0),
    unique: subs.reduce((a, s) => a + s.unique, 0),
    cpu: o.brokerPids.length ? sampler.cpuSeconds() : null,
    self: process.cpuUsage(),
    machine: machineJiffies(),
  });

  for (const p of pubs) p.start();
  await sleep(o.warmup * 1000);
  sampler.resetMax();
  const a = edge();
  lw.start = nowNs();
  await sleep(o.seconds * 1000);
  lw.end = nowNs();
  const b = edge();
  for (const p of pubs) p.stop();

  // Drain: wait (bounded) for outstanding PUBACKs and deliveries; stop early once nothing moves for 1 s.
  const drainStart = performance.now();
  let lastProgress = drainStart, lastCount = -1;
  while (performance.now() - drainStart < o.drain * 1000) {
    const acked = pubs.reduce((x, p) => x + p.acked, 0);
    const unique = subs.reduce((x, s) => x + s.unique, 0);
    const expected = expectedPerSubscriber(o, pubs) * subs.length;
    const outstanding = pubs.reduce((x, p) => x + p.unacked, 0);
    if (outstanding === 0 && unique >= expected) break;
    if (acked + unique !== lastCount) { lastCount = acked + unique; lastProgress = performance.now(); }
    if (performance.now() - lastProgress > 1000) break;
    await sleep(20);
  }
  result.drain_s = round((performance.now() - drainStart) / 1000, 2);
  const dropped = c.conns.filter((x) => x.dropped);
  if (dropped.length > 0) {
    const reasons = [...new Set(dropped.map((x) => x.serverDisconnect).filter((r) => r !== undefined))].map((r) => `DISCONNECT ${describeCode(r as number)}`);
    c.noteError('connections', new Error(`${dropped.length} of ${c.conns.length} were closed by the broker during the run${reasons.length ? ` (${reasons.join(', ')})` : ''}`));
  }
  if (level === 5) {
    result.refused_acks = pubs.reduce((x, p) => x + p.refused, 0);
    const last = pubs.find((p) => p.refused > 0);
    if (last) result.last_refusal = describeCode(last.lastRefusal);
  }

  const win = (b.t - a.t) / 1000;
  result.window_s = round(win, 3);
  result.published = b.sent - a.sent;
  result.published_per_s = Math.round(result.published / win);
  result.accepted = o.qos === 1 ? b.acked - a.acked : result.published;
  result.accepted_per_s = Math.round(result.accepted / win);
  result.delivered = b.unique - a.unique;
  result.delivered_per_s = Math.round(result.delivered / win);
  result.sent_total = pubs.reduce((x, p) => x + p.sent, 0);
  result.acked_total = pubs.reduce((x, p) => x + p.acked, 0);
  result.unacked_at_end = pubs.reduce((x, p) => x + p.unacked, 0);
  result.received_unique_total = subs.reduce((x, s) => x + s.unique, 0);
  result.duplicates = subs.reduce((x, s) => x + s.duplicates, 0);
  // Every subscriber matches every publisher in both modes: compare per (subscriber, publisher).
  let lost = 0, missing = 0;
  for (const s of subs) {
    for (const p of pubs) {
      const got = s.uniqueByPublisher[p.index];
      if (o.qos === 1) lost += Math.max(0, p.acked - got);
      else missing += Math.max(0, p.sent - got);
    }
  }
  result.lost = lost;
  result.missing_qos0 = missing;
  result.latency_ms = lw.hist.summaryMs();

  const cores = os.cpus().length || 1;
  const selfUs = (b.self.user + b.self.system) - (a.self.user + a.self.system);
  result.loadgen_cpu_pct = round(selfUs / 1e4 / win);
  const ma = a.machine, mb = b.machine;
  const pctOf = (k: keyof MachineJiffies) => (mb.total > ma.total ? round(((mb[k] - ma[k]) / (mb.total - ma.total)) * cores * 100) : 0);
  result.machine_busy_pct = pctOf('busy');
  result.machine_irq_pct = pctOf('irq');
  result.machine_steal_pct = pctOf('steal');
  if (a.cpu !== null && b.cpu !== null) {
    const cpuS = b.cpu - a.cpu;
    result.broker.cpu_s = round(cpuS, 2);
    result.broker.cpu_pct = round((cpuS / win) * 100);
    const perMsg = o.mode === 'fanout' ? result.delivered : Math.max(result.delivered, result.accepted);
    result.broker_cpu_us_per_msg = perMsg > 0 ? round((cpuS * 1e6) / perMsg, 2) : null;
    result.other_cpu_pct = round(result.machine_busy_pct - result.broker.cpu_pct - result.loadgen_cpu_pct);
  }
}

function expectedPerSubscriber(o: LoadOptions, pubs: Publisher[]): number {
  return pubs.reduce((x, p) => x + (o.qos === 1 ? p.acked : p.sent), 0);
}

async function runConns(o: LoadOptions, host: string, port: number, id: string, conns: Conn[], sampler: ProcSampler,
  noteError: (what: string, e: unknown) => void): Promise<ConnsResult> {
  const limit = openFileLimit();
  const requested = Math.min(o.connections, Math.max(0, limit - 200));
  if (requested < o.connections) noteError('conns', new Error(`capped at ${requested} by the open-file limit ${limit}`));
  const hasPid = o.brokerPids.length > 0;
  await sleep(300);
  const rssBefore = hasPid ? sampler.sample() : null;
  let next = 0, connected = 0, failed = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < requested) {
      const i = next++;
      const conn = new Conn(`${id}-c${i}`, o.mqtt === '5' ? 5 : 4);
      conns.push(conn);
      try {
        await conn.open(host, port, 60, 10_000);
        if (o.connSubscribe) await conn.subscribe(`bench/c/${i}`, 1, 10_000);
        connected++;
      } catch (e) {
        failed++;
        noteError(`conn ${i}`, e);
        conn.destroy();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.connParallel) }, worker));
  const connectS = (performance.now() - t0) / 1000;
  // Hold: keep the connections idle and sample broker RSS; ping every 30 s if the hold outlasts that.
  const holdStart = performance.now();
  sampler.resetMax();
  const cpuHoldStart = hasPid ? sampler.cpuSeconds() : 0;
  const holdMs = o.seconds * 1000;
  while (performance.now() - holdStart < holdMs) {
    await sleep(Math.min(30_000, holdMs - (performance.now() - holdStart)));
    if (performance.now() - holdStart < holdMs) for (const c of conns) c.ping();
  }
  const rssHeld = hasPid ? sampler.sample() : null;
  const holdS = (performance.now() - holdStart) / 1000;
  const cpuHold = hasPid ? sampler.cpuSeconds() - cpuHoldStart : null;
  // Liveness: every connection that is still open must answer a PINGREQ.
  const before = conns.map((c) => c.pingResponses);
  const answered = () => conns.every((c, i) => c.closed || c.pingResponses > before[i]);
  for (const c of conns) c.ping();
  const pingUntil = performance.now() + 5000;
  while (!answered() && performance.now() < pingUntil) await sleep(50);
  if (!answered()) noteError('ping', new Error('some connections did not answer PINGREQ within 5 s'));
  const alive = conns.filter((c, i) => !c.closed && c.pingResponses > before[i]).length;
  return {
    requested, connected, failed, alive_after_hold: alive,
    connect_s: round(connectS, 3), connect_per_s: Math.round(connected / Math.max(connectS, 1e-3)),
    hold_s: round(holdS, 2), broker_cpu_hold_pct: cpuHold === null ? null : round((cpuHold / holdS) * 100, 2),
    rss_before_mb: rssBefore === null ? null : round(rssBefore),
    rss_held_mb: rssHeld === null ? null : round(rssHeld),
    rss_per_1k_mb: rssBefore !== null && rssHeld !== null && connected > 0 ? round(((rssHeld - rssBefore) / connected) * 1000, 2) : null,
  };
}

// ---------------------------------------------------------------------------------------------- CLI

const usage = `usage: node --import tsx bench/mqtt-load.ts --url mqtt://127.0.0.1:PORT [flags]
  --mode fanin|fanout|conns   (fanin)     --publishers N (10)   --subscribers N (1; fanout default 50)
  --qos 0|1 (0)   --size BYTES (512)   --rate max|MSG_PER_S_PER_PUBLISHER (max)   --inflight N (100)
  --warmup S (2)  --seconds S (10)     --drain S (5)     --broker-pid PID[,PID...]
  --connections N (1000)  --conn-subscribe  --conn-parallel N (100)
  --mqtt 3.1.1|5 (3.1.1)  --v5 plain|alias|user-properties (plain; MQTT 5 publishers: empty properties,
                          a Topic Alias after the first PUBLISH, or 2 user properties on every PUBLISH)`;

export function optionsFromArgs(argv: string[]): LoadOptions {
  const { values } = parseArgs({
    args: argv, allowPositionals: false, strict: true,
    options: {
      url: { type: 'string' }, mode: { type: 'string' }, publishers: { type: 'string' }, subscribers: { type: 'string' },
      qos: { type: 'string' }, size: { type: 'string' }, rate: { type: 'string' }, inflight: { type: 'string' },
      warmup: { type: 'string' }, seconds: { type: 'string' }, drain: { type: 'string' }, 'broker-pid': { type: 'string' },
      connections: { type: 'string' }, 'conn-subscribe': { type: 'boolean' }, 'conn-parallel': { type: 'string' },
      mqtt: { type: 'string' }, v5: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { console.log(usage); process.exit(0); }
  const num = (v: string | undefined, d: number, name: string) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number`);
    return n;
  };
  const mode = (values.mode ?? 'fanin') as Mode;
  if (!['fanin', 'fanout', 'conns'].includes(mode)) throw new Error(`unknown --mode ${mode}`);
  parseLoopbackUrl(values.url ?? defaults.url);
  const qos = num(values.qos, 0, 'qos');
  if (qos !== 0 && qos !== 1) throw new Error('--qos must be 0 or 1');
  const mqtt = (values.mqtt ?? '3.1.1') as MqttProtocol;
  if (mqtt !== '3.1.1' && mqtt !== '5') throw new Error('--mqtt must be 3.1.1 or 5');
  const v5Variant = (values.v5 ?? 'plain') as V5Variant;
  if (!V5_VARIANTS.includes(v5Variant)) throw new Error(`--v5 must be one of ${V5_VARIANTS.join(', ')}`);
  if (values.v5 !== undefined && mqtt !== '5') throw new Error('--v5 needs --mqtt 5');
  return {
    ...defaults,
    url: values.url ?? defaults.url, mode, qos,
    publishers: num(values.publishers, mode === 'fanout' ? 1 : 10, 'publishers'),
    subscribers: num(values.subscribers, mode === 'fanout' ? 50 : 1, 'subscribers'),
    size: Math.max(16, num(values.size, 512, 'size')),
    rate: values.rate === undefined || values.rate === 'max' ? 0 : num(values.rate, 0, 'rate'),
    inflight: Math.max(1, Math.min(60_000, num(values.inflight, 100, 'inflight'))),
    warmup: num(values.warmup, 2, 'warmup'), seconds: Math.max(0.1, num(values.seconds, 10, 'seconds')),
    drain: num(values.drain, 5, 'drain'),
    brokerPids: (values['broker-pid'] ?? '').split(',').filter(Boolean).map(Number),
    connections: num(values.connections, 1000, 'connections'), connSubscribe: values['conn-subscribe'] ?? false,
    connParallel: Math.max(1, num(values['conn-parallel'], 100, 'conn-parallel')),
    mqtt, v5Variant,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let o: LoadOptions;
  try { o = optionsFromArgs(process.argv.slice(2)); } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${usage}`);
    process.exit(2);
  }
  // Belt and braces: the process exits even if something keeps the event loop alive.
  setTimeout(() => { console.error('mqtt-load: hard deadline, exiting'); process.exit(3); }, hardDeadlineMs(o) + 5000).unref();
  const r = await runLoad(o);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(r.errors.length > 0 && r.published === 0 && !r.conns?.connected ? 1 : 0);
}
