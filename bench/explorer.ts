// Topic explorer, engine side: broker.topics() and the live batches over the browser-mode WebSocket with 100,000 topics, idle and during a 10,000 msg/s flood.
//   npm run bench -- explorer [--topics 100000] [--rate 10000] [--seconds 20] [--random]
// Starts an engine (standard mode, fresh data directory) and its UI server in a process of their own, fills it with one message
// on each of --topics topics, then floods them from a child process at --rate messages/s while a quiet client
// publishes a new topic every second. Prints, over the real `/rpc` WebSocket: how long broker.topics() takes (call to
// parsed answer) and how large it is, idle and during the flood; how long a new quiet topic takes to reach the UI in
// a broker.messages batch; the batches' messages, drops and bytes per second; the engine's CPU time per message, beside
// plain aedes taking the same flood (no UI) in the same run. `--random` floods topics picked at random (devices at
// uneven rates) instead of in turn. The engine logs event-loop stalls over 500 ms; TB_TRACE_GC=1 adds --trace-gc to
// it, TB_CPU_PROF=<dir> writes its CPU profile there.
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { createClient, type MessageBatch, type Transport, type WireMessage } from '../engine/contract/index.js';
import { defaultConfig } from '../engine/config.js';
import { silentLogger } from '../engine/core/index.js';
import { createEngine } from '../engine/engine.js';
import { startUiServer } from '../engine/host/index.js';
import { procCpuSeconds } from './lib/proc.js';

const here = path.dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--flood-child') {
  // The flood: QoS 0 publishes over MQTT, spread over every topic, paced every 10 ms.
  const [url, topics, rate, seconds] = process.argv.slice(3, 7).map((v, i) => (i === 0 ? v : Number(v))) as [string, number, number, number];
  const random = process.argv[7] === 'random';
  const c = mqtt.connect(url, { clientId: `flood-${process.pid}`, reconnectPeriod: 0 });
  c.on('connect', () => {
    let i = 0;
    const start = Date.now();
    let sent = 0;
    const timer = setInterval(() => {
      const due = Math.floor(((Date.now() - start) / 1000) * rate);
      for (; sent < due; sent++, i++) {
        const n = random ? Math.floor(Math.random() * topics) : i % topics;
        c.publish(`flood/${Math.floor(n / 1000)}/${n}`, `{"v":${i % 1000},"t":${Date.now()}}`, { qos: 0 });
      }
      if (Date.now() - start > seconds * 1000) {
        clearInterval(timer);
        const ms = Date.now() - start;
        c.end(false, () => process.send?.({ sent, ms }, () => process.exit(0)));
      }
    }, 10);
  });
} else if (process.argv[2] === '--engine-child') {
  await engineChild(Number(process.argv[3]));
} else {
  await main();
}

/** The engine and its UI server in their own process, as `thingbench serve` runs them; filled with one message per topic. */
async function engineChild(topics: number): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-bench-explorer-'));
  const engine = await createEngine(defaultConfig({ dataDir: tmp, ports: { mqtt: 0, ws: 0, http: 0 }, broker: { mode: 'standard' } }), { logger: silentLogger });
  const info = await engine.start();
  const staticDir = path.join(tmp, 'ui');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>');
  const ui = await startUiServer(engine, { host: '127.0.0.1', port: 0, staticDir, logger: silentLogger });
  const t = performance.now();
  for (let i = 0; i < topics; i += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, topics - i) }, (_, k) => engine.api.broker.publish({ topic: `flood/${Math.floor((i + k) / 1000)}/${i + k}`, payload: `{"v":${i + k}}` })));
  }
  const fillSeconds = (performance.now() - t) / 1000;
  // The engine's event-loop lag, sampled every 50 ms, reported when asked.
  const loopLag: number[] = [];
  let tick = performance.now();
  setInterval(() => {
    const now = performance.now();
    loopLag.push(now - tick - 50);
    if (now - tick - 50 > 500) process.stderr.write(`engine: event loop stalled ${Math.round(now - tick - 50)} ms (until ${new Date().toISOString()})\n`);
    tick = now;
  }, 50).unref();
  process.on('message', async (m: { cmd: string }) => {
    if (m.cmd === 'lag') process.send!({ lag: loopLag.splice(0), rss: process.memoryUsage().rss });
    if (m.cmd === 'stop') {
      await ui.close();
      await engine.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
      process.exit(0);
    }
  });
  process.send!({ mqtt: info.endpoints.mqtt, port: ui.port, token: ui.token, fillSeconds });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { topics: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, random: { type: 'boolean', default: false } } });
  const topics = Number(values.topics ?? 100_000);
  const rate = Number(values.rate ?? 10_000);
  const seconds = Number(values.seconds ?? 20);
  const engineProc = fork(fileURLToPath(import.meta.url), ['--engine-child', String(topics)], { execArgv: ['--import', 'tsx', ...(process.env.TB_TRACE_GC ? ['--trace-gc'] : []), ...(process.env.TB_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.TB_CPU_PROF}`] : [])], cwd: path.join(here, '..') });
  const ready = await new Promise<{ mqtt: string; port: number; token: string; fillSeconds: number }>((resolve) => engineProc.once('message', (m) => resolve(m as never)));
  const ui = { port: ready.port, token: ready.token };
  const info = { endpoints: { mqtt: ready.mqtt } };
  const ask = <T>(cmd: string) => new Promise<T>((resolve) => {
    engineProc.once('message', (m) => resolve(m as T));
    engineProc.send({ cmd });
  });
  try {
    console.log(`filled ${topics} topics in ${ready.fillSeconds.toFixed(1)} s (engine in its own process)`);

    const ws = new WebSocket(`ws://127.0.0.1:${ui.port}/rpc?token=${ui.token}`, { origin: `http://127.0.0.1:${ui.port}` });
    let received = 0;
    /** Bytes of the live batches (`broker.messages` events) since the flood began, without the calls' answers. */
    let liveBytes = 0;
    let counting = false;
    ws.on('message', (d: Buffer) => {
      received += d.length;
      if (counting && d.subarray(0, 64).includes('"broker.messages"')) liveBytes += d.length;
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const api = createClient(transport(ws));

    const tableCall = async (label: string) => {
      const before = received;
      const start = performance.now();
      const table = await api.broker.topicTable();
      const tableMs = performance.now() - start;
      const rows = await api.broker.topicStats(table.topics.slice(0, 60));
      console.log(`${label}: broker.topicTable() → ${table.topics.length} topics, ${((received - before) / 1e6).toFixed(1)} MB in ${Math.round(tableMs)} ms; `
        + `+ topicStats(${rows.length} rows on screen) → ${Math.round(performance.now() - start)} ms in all`);
    };
    const topicsCall = async (label: string) => {
      const before = received;
      const start = performance.now();
      const list = await api.broker.topics();
      console.log(`${new Date().toISOString()} ${label}: broker.topics() → ${list.length} topics, ${((received - before) / 1e6).toFixed(1)} MB in ${Math.round(performance.now() - start)} ms`);
    };
    await topicsCall('idle');
    await topicsCall('idle, again');
    await tableCall('idle');
    await tableCall('idle, again');

    const batches: Array<{ at: number; batch: MessageBatch }> = [];
    api.on('broker.messages', (batch) => batches.push({ at: performance.now(), batch }));
    const quiet = mqtt.connect(info.endpoints.mqtt, { clientId: 'quiet', reconnectPeriod: 0 });
    await new Promise((resolve) => quiet.once('connect', resolve));
    const engineCpuBefore = procCpuSeconds(engineProc.pid!)!;
    const floodDone = flood(info.endpoints.mqtt, topics, rate, seconds, values.random);

    const delays: number[] = [];
    const lookups: number[] = [];
    await ask('lag');
    const floodStart = performance.now();
    counting = true;
    await new Promise((r) => setTimeout(r, 2000));
    await topicsCall('during the flood');
    await tableCall('during the flood');
    for (let n = 0; performance.now() - floodStart < (seconds - 1) * 1000; n++) {
      const topic = `quiet/${n}`;
      const sentAt = performance.now();
      quiet.publish(topic, '{"hello":1}', { qos: 0 });
      while (!batches.some((b) => b.at >= sentAt && b.batch.topics.some((s) => s.topic === topic))) {
        await new Promise((r) => setTimeout(r, 5));
        if (performance.now() - sentAt > 10_000) break;
      }
      delays.push(performance.now() - sentAt);
      if (delays.at(-1)! > 1000) console.log(`${new Date().toISOString()} quiet/${n} took ${Math.round(delays.at(-1)!)} ms`);
      const q = performance.now();
      await api.broker.messages({ filter: topic });
      lookups.push(performance.now() - q);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const { sent, ms } = await floodDone;
    const engineCpu = procCpuSeconds(engineProc.pid!)! - engineCpuBefore;
    const floodSeconds = (performance.now() - floodStart) / 1000;
    const { lag: loopLag, rss } = await ask<{ lag: number[]; rss: number }>('lag');
    const during = batches.filter((b) => b.at >= floodStart);
    const msgs = during.reduce((a, b) => a + b.batch.messages.length, 0);
    const dropped = during.reduce((a, b) => a + b.batch.dropped, 0);
    const deltas = during.reduce((a, b) => a + b.batch.topics.length, 0);
    console.log(`flood: ${sent} messages in ${(ms / 1000).toFixed(1)} s (${Math.round(sent / (ms / 1000))}/s) over ${topics} topics; figures below per second of the ${floodSeconds.toFixed(1)} s watched`);
    console.log(`live batches: ${during.length}, ${Math.round(msgs / floodSeconds)} messages/s carried, ${Math.round(dropped / floodSeconds)}/s counted as dropped, ${Math.round(deltas / floodSeconds)} topic deltas/s, ${(liveBytes / 1e6 / floodSeconds).toFixed(2)} MB/s of them over the socket`);
    console.log(`new quiet topic in a batch after: ${summary(delays)} ms; its history read in ${summary(lookups)} ms`);
    console.log(`engine event-loop lag (50 ms timer): ${summary(loopLag)} ms`);
    const stats = await api.broker.topics('quiet/');
    console.log(`quiet topics seen: ${stats.length} of ${delays.length}`);
    console.log(`engine rss ${Math.round(rss / 1e6)} MB`);
    quiet.end(true);
    api.dispose();
    ws.close();
    const aedes = await plainAedesCpu(topics, rate, seconds, values.random);
    const perMessage = (cpu: number, n: number) => (cpu * 1e6) / Math.max(1, n);
    console.log(`CPU per message: engine ${perMessage(engineCpu, sent).toFixed(1)} µs (${Math.round((100 * engineCpu) / (ms / 1000))} % of a core, the UI's feed attached); `
      + `plain aedes, same flood: ${perMessage(aedes.cpu, aedes.sent).toFixed(1)} µs; ratio ${(perMessage(engineCpu, sent) / perMessage(aedes.cpu, aedes.sent)).toFixed(2)}×`);
  } finally {
    engineProc.send({ cmd: 'stop' });
    await new Promise((resolve) => engineProc.once('exit', resolve));
  }
}

/** The flood from a child process: resolves with what it sent and how long it took. */
function flood(url: string, topics: number, rate: number, seconds: number, random: boolean): Promise<{ sent: number; ms: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--flood-child', url, String(topics), String(rate), String(seconds), random ? 'random' : 'in-turn'], { execArgv: ['--import', 'tsx'], cwd: path.join(here, '..') });
  return new Promise((resolve) => child.once('message', (m) => resolve(m as { sent: number; ms: number })));
}

/** The baseline: plain aedes (its own process, no UI) taking the same flood; its CPU seconds over it. */
async function plainAedesCpu(topics: number, rate: number, seconds: number, random: boolean): Promise<{ cpu: number; sent: number }> {
  const broker = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'lib/aedes-plain.ts')], { cwd: path.join(here, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve) => broker.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()).endpoints.mqtt)));
    const before = procCpuSeconds(broker.pid!)!;
    const { sent } = await flood(url, topics, rate, seconds, random);
    return { cpu: procCpuSeconds(broker.pid!)! - before, sent };
  } finally {
    broker.kill('SIGTERM');
  }
}

function summary(xs: number[]): string {
  if (!xs.length) return 'n/a';
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]);
  return `median ${at(0.5)}, p95 ${at(0.95)}, max ${Math.round(s[s.length - 1])}`;
}

function transport(ws: WebSocket): Transport {
  return {
    send: (msg) => ws.send(JSON.stringify(msg)),
    onMessage: (cb) => {
      const listener = (data: Buffer) => cb(JSON.parse(data.toString()) as WireMessage);
      ws.on('message', listener);
      return { dispose: () => void ws.off('message', listener) };
    },
  };
}
