// Devices that ask (CoAP, HTTPS) beside MQTT devices, through one engine in one run.
//   npm run bench -- coap [--seconds 5] [--warmup 1] [--prime 3000] [--clients 8] [--commands 200] [--only mqtt0,mqtt1,con,non,https,commands]
// One fresh `thingbench up` (standard mode) with its CoAP listener and HTTPS device endpoint. Every publish row is a
// closed loop of `--clients` devices, each with one request in flight, each its own thing (so its own session):
//   mqtt0   MQTT QoS 0 publish, timed until the publisher gets it back on its own subscription (QoS 0 has no ack)
//   mqtt1   MQTT QoS 1 publish until its PUBACK: the baseline every ratio is against
//   con     CoAP POST /topics/… confirmable (the `coap` package's client, one UDP socket per device) until 2.04
//   non     the same, non-confirmable (the engine answers NON too)
//   https   POST /topics/…?qos=1 over mutual TLS with a kept-alive connection per device until 200
// Each row first sends `--prime` untimed requests (its code warm in both processes), then warms up and measures.
// Then `--commands` command round trips per protocol, one at a time, through control.send (the control socket): to an
// MQTT device on its command topics, and to an HTTPS and a CoAP device that ask with hono-ttd (the virtual devices'
// own uplinks). Results: a table on stdout and JSON lines in bench/out/coap-<timestamp>.jsonl.
import os from 'node:os';
import path from 'node:path';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import {
  AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand, IoTClient,
} from '@aws-sdk/client-iot';
import { CoapUplink, HttpsUplink, type Uplink } from '../engine/devices/index.js';
import { connectEngine, runningEngine } from '../engine/host/index.js';
import { startBroker } from './lib/brokers.js';
import { Histogram } from './lib/histogram.js';
import { runOps, type OpLoadResult } from './lib/op-load.js';
import { fmtNum, renderTable } from './lib/report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: v } = parseArgs({
  args: process.argv.slice(2), strict: true,
  options: {
    seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' }, clients: { type: 'string', default: '8' },
    commands: { type: 'string', default: '200' }, prime: { type: 'string', default: '3000' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  },
});
if (v.help) {
  console.log('usage: npm run bench -- coap [--seconds 5] [--warmup 1] [--prime 3000] [--clients 8] [--commands 200] [--only mqtt0,mqtt1,con,non,https,commands]');
  process.exit(0);
}
const o = { seconds: Number(v.seconds), warmup: Number(v.warmup), clients: Number(v.clients), commands: Number(v.commands), prime: Number(v.prime) };
const rows = new Set((v.only ?? 'mqtt0,mqtt1,con,non,https,commands').split(','));
const payload = Buffer.from(JSON.stringify({ temperature: 21.5, humidity: 40, battery: 3.71 }));

const engine = await startBroker('thingbench', {
  repoRoot, mosquittoBin: '', timeoutMs: 60_000, thingbenchMode: 'standard',
  // The CoAP listener's per-address flood limit is off: every bench device sends from 127.0.0.1, and the rows measure
  // the adapter, not the limit (a 4.29 during the run would say the flag did not take).
  upArgs: ['--mqtts-port', '0', '--wss-port', '0', '--coap-port', '0', '--coap-rate-limit', 'off', '--log-level', 'warn'],
});
const control = await connectEngine(runningEngine(engine.dataDir!)!);
const ep = engine.endpoints!;
const loopback = (url: string) => url.replace(/\/\/[^/:]+:/, '//127.0.0.1:');
const coapUrl = ep.coap ? loopback(ep.coap) : undefined;
if (!coapUrl) for (const r of ['con', 'non']) if (rows.delete(r)) console.log(`row ${r} skipped: the engine has no CoAP listener`);
const httpsUrl = loopback(ep.https ?? ep.wss.replace(/^wss:/, 'https:').replace(/\/mqtt$/, ''));
const ca = readFileSync(path.join(engine.dataDir!, 'security', 'root-ca.pem'), 'utf8');

// Things bench-0 …, each with its own certificate (allowed everything: CoAP devices act with their thing's certificates' policies) and a CoAP token.
const iot = new IoTClient({ endpoint: engine.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
const policyDocument = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });
await iot.send(new CreatePolicyCommand({ policyName: 'bench-all', policyDocument }));
const certs = new Map<string, { ca: string; cert: string; key: string }>();
const things = [...Array.from({ length: o.clients }, (_, i) => `bench-${i}`), 'bench-cmd-mqtt', 'bench-cmd-https', 'bench-cmd-coap'];
const tokens = new Map<string, string>();
for (const thingName of things) {
  await iot.send(new CreateThingCommand({ thingName }));
  // An HTTPS device is the thing its certificate is attached to: one certificate per thing.
  const own = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new AttachPolicyCommand({ policyName: 'bench-all', target: own.certificateArn }));
  await iot.send(new AttachThingPrincipalCommand({ thingName, principal: own.certificateArn }));
  certs.set(thingName, { ca, cert: own.certificatePem!, key: own.keyPair!.PrivateKey! });
  tokens.set(thingName, (await control.registry.setDeviceToken({ thing: thingName })).token);
}

const load = (op: (worker: number) => Promise<unknown>) =>
  runOps({ concurrency: o.clients, warmupMs: o.warmup * 1000, windowMs: o.seconds * 1000, pids: engine.pids }, async (w) => { await op(w); });

const results = new Map<string, OpLoadResult>();
async function row(name: string, label: string, open: () => Promise<{ op(w: number): Promise<unknown>; close(): Promise<void> | void }>): Promise<void> {
  if (!rows.has(name)) return;
  process.stdout.write(`  ${label} … `);
  const r = await open();
  try {
    // Untimed requests first, so every row is measured on warm code: on a busy machine a 1 s warm-up at a few
    // hundred requests/s left the first CoAP row (whichever it was) in V8's unoptimized tiers, at half its rate.
    await runOps({ concurrency: o.clients, warmupMs: 0, windowMs: 60_000, cap: o.prime, pids: engine.pids }, async (w) => { await r.op(w); });
    results.set(name, await load((w) => r.op(w)));
  } finally {
    await r.close();
  }
  const res = results.get(name)!;
  console.log(`${fmtNum(res.perSecond)}/s${res.errors ? ` (${res.errors} errors: ${res.firstError})` : ''}`);
}

const mqttClients = async () => Promise.all(Array.from({ length: o.clients }, async (_, i) => {
  const c = await mqtt.connectAsync(loopback(ep.mqtt), { clientId: `bench-${i}`, reconnectPeriod: 0 });
  (c.stream as import('node:net').Socket).setNoDelay?.(true);
  return c;
}));
const closeAll = async (cs: MqttClient[]) => { await Promise.all(cs.map((c) => c.endAsync())); };
const uplinks = (make: (thing: string) => Uplink) => Array.from({ length: o.clients }, (_, i) => make(`bench-${i}`));
const coap = (thing: string, confirmable: boolean) => new CoapUplink({ url: coapUrl!, thingName: thing, token: tokens.get(thing)!, confirmable });
const https = (thing: string) => new HttpsUplink({ url: httpsUrl, tls: certs.get(thing)! });
/** Refusals answered to the request rows, by row and response code (CoAP 4.29, HTTP 403, …). */
const refusals = new Map<string, Map<string, number>>();
const publishing = (ups: Uplink[], label: string) => ({
  op: async (w: number) => {
    const r = await ups[w].publish({ topic: `bench/${label}/${w}`, payload, qos: 1, retain: false });
    if (r.ok) return;
    const codes = refusals.get(label) ?? refusals.set(label, new Map()).get(label)!;
    codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
    throw new Error(`${label} answered ${r.code}`);
  },
  close: () => ups.forEach((u) => u.close()),
});

console.log(`coap bench: ${o.clients} devices per row, ${o.seconds} s window after ${o.warmup} s; CoAP ${coapUrl} (per-address flood limit off: --coap-rate-limit off), HTTPS ${httpsUrl}`);
await row('mqtt0', 'MQTT QoS 0 (publish → own echo)', async () => {
  const cs = await mqttClients();
  const waiting = cs.map(() => undefined as (() => void) | undefined);
  await Promise.all(cs.map((c, i) => c.subscribeAsync(`bench/echo/${i}`, { qos: 0 })));
  cs.forEach((c, i) => c.on('message', () => waiting[i]?.()));
  return {
    // QoS 0 may be dropped: an echo not back within 1 s counts as an error (lost), and the device goes on.
    op: (w) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('QoS 0 echo lost')), 1000);
      waiting[w] = () => { clearTimeout(timer); resolve(); };
      cs[w].publish(`bench/echo/${w}`, payload, { qos: 0 });
    }),
    close: () => closeAll(cs),
  };
});
await row('mqtt1', 'MQTT QoS 1 (publish → PUBACK)', async () => {
  const cs = await mqttClients();
  return { op: (w) => cs[w].publishAsync(`bench/mqtt/${w}`, payload, { qos: 1 }), close: () => closeAll(cs) };
});
await row('con', 'CoAP POST confirmable', async () => publishing(uplinks((t) => coap(t, true)), 'con'));
await row('non', 'CoAP POST non-confirmable', async () => publishing(uplinks((t) => coap(t, false)), 'non'));
await row('https', 'HTTPS POST keep-alive', async () => publishing(uplinks((t) => https(t)), 'https'));

/** Round trips of control.send to one device, one at a time: latency at the caller. */
async function roundTrips(thing: string): Promise<Histogram> {
  const hist = new Histogram();
  for (let i = 0; i < o.commands; i++) {
    const t0 = performance.now();
    const a = await control.control.send({ thing, name: 'ping', payload: JSON.stringify({ i }), timeoutMs: 10_000 });
    if (a.status !== 200) throw new Error(`${thing} answered ${a.status}`);
    hist.record((performance.now() - t0) * 1e6);
  }
  return hist;
}

/** A device that keeps asking with hono-ttd and answers each command with 200. */
function asker(up: Uplink, thing: string): { stop(): void } {
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const r = await up.publish({ topic: `bench/ask/${thing}`, payload, qos: 0, retain: false, ttdSec: 10 }).catch(() => undefined);
      if (r?.command) await up.respond(r.command.requestId, 200, Buffer.from('{"ok":true}')).catch(() => undefined);
    }
  })();
  return { stop: () => { stopped = true; up.close(); } };
}

const latencies = new Map<string, ReturnType<Histogram['summaryMs']>>();
if (rows.has('commands')) {
  const device = await mqtt.connectAsync(loopback(ep.mqtt), { clientId: 'bench-cmd-mqtt', reconnectPeriod: 0 });
  (device.stream as import('node:net').Socket).setNoDelay?.(true);
  await device.subscribeAsync('command/bench-cmd-mqtt/req/#', { qos: 1 });
  device.on('message', (topic) => {
    const reqId = topic.split('/')[3];
    device.publish(`command/bench-cmd-mqtt/res/${reqId}/200`, '{"ok":true}', { qos: 1 });
  });
  for (const [via, thing, start] of [
    ['mqtt', 'bench-cmd-mqtt', () => ({ stop: () => undefined })],
    ['https', 'bench-cmd-https', () => asker(https('bench-cmd-https'), 'bench-cmd-https')],
    ['coap', 'bench-cmd-coap', () => asker(coap('bench-cmd-coap', true), 'bench-cmd-coap')],
  ] as const) {
    if (via === 'coap' && !coapUrl) continue;
    process.stdout.write(`  command round trips over ${via} … `);
    const dev = start();
    try {
      latencies.set(via, (await roundTrips(thing)).summaryMs());
    } finally {
      dev.stop();
    }
    console.log(`p50 ${fmtNum(latencies.get(via)!.p50)} ms`);
  }
  await device.endAsync();
}
await control.dispose();
await engine.stop();

const refusalText = [...refusals].map(([label, codes]) => `${label}: ${[...codes].map(([code, n]) => `${n} × ${code}`).join(', ')}`);
console.log(`\nrefusals by response code: ${refusalText.length ? refusalText.join('; ') : 'none'}`);
const base = results.get('mqtt1')?.perSecond ?? NaN;
const table = [...results.entries()].map(([name, r]) => [name, `${fmtNum(r.perSecond)}/s`, `${fmtNum(r.perSecond / base)}×`,
  `${fmtNum(r.latency.p50)} / ${fmtNum(r.latency.p99)} ms`, `${fmtNum(r.cpuUsPerUnit)} µs`, `${fmtNum(r.loadCpuUsPerUnit)} µs`, `${fmtNum(r.otherCpuPct)} %`, String(r.errors)]);
console.log(`\n${renderTable(['row', 'requests', 'vs mqtt1', 'p50 / p99', 'engine CPU per request', 'clients CPU per request', 'other CPU', 'errors'], table, 1)}`);
if (latencies.size) {
  console.log(`\n${renderTable(['command via', 'p50', 'p99', 'max', 'round trips'],
    [...latencies.entries()].map(([via, l]) => [via, `${fmtNum(l.p50)} ms`, `${fmtNum(l.p99)} ms`, `${fmtNum(l.max)} ms`, String(l.count)]), 1)}`);
}
const outDir = path.join(repoRoot, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, `coap-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
appendFileSync(file, JSON.stringify({ type: 'meta', options: o, cpus: os.cpus().length, load: os.loadavg() }) + '\n');
for (const [name, r] of results) appendFileSync(file, JSON.stringify({ type: 'row', name, ...r }) + '\n');
for (const [via, l] of latencies) appendFileSync(file, JSON.stringify({ type: 'command', via, ...l }) + '\n');
for (const [label, codes] of refusals) appendFileSync(file, JSON.stringify({ type: 'refused', row: label, codes: Object.fromEntries(codes) }) + '\n');
console.log(`\n${file}`);
