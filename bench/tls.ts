// Mutual TLS benchmark: mTLS connections per second, and publish throughput over TLS with a ten-statement policy with variables beside allow-all.
//   npm run bench -- tls [--seconds 5] [--warmup 1] [--rounds 3] [--clients 10] [--window 50] [--connections 300] [--concurrency 10] [--topics 50]
// One fresh `thingbench up` (standard mode: aws mode would throttle each connection to 100 publishes/s). Certificates
// and policies are made through the control plane (@aws-sdk/client-iot). Throughput: each client publishes QoS 1 to
// `bench/<clientId>/<n mod topics>` and is subscribed to `bench/<clientId>/#` (one message in, one out: the publish is
// checked for iot:Publish, the delivery for iot:Receive). Phases alternate allow-all / policy for `rounds` rounds and
// the medians are compared: the goal is that policy checks cost at most 10% (decisions are cached per connection).
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { fmtNum, renderTable } from './lib/report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: v } = parseArgs({
  args: process.argv.slice(2), strict: true,
  options: {
    seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' }, rounds: { type: 'string', default: '3' },
    clients: { type: 'string', default: '10' }, window: { type: 'string', default: '50' }, connections: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '10' }, topics: { type: 'string', default: '50' }, help: { type: 'boolean', short: 'h' },
  },
});
if (v.help) {
  console.log('usage: npm run bench -- tls [--seconds 5] [--warmup 1] [--rounds 3] [--clients 10] [--window 50] [--connections 300] [--concurrency 10] [--topics 50]');
  process.exit(0);
}
const o = Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'help').map(([k, x]) => [k, Number(x)])) as Record<string, number>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const A = 'arn:aws:iot:us-east-1:*';

/** Ten statements with variables, as a fleet policy would have them. */
const tenStatements = [
  { Effect: 'Allow', Action: 'iot:Connect', Resource: `${A}:client/\${iot:ClientId}`, Condition: { StringLike: { 'iot:ClientId': 'bench-*' } } },
  { Effect: 'Allow', Action: 'iot:Publish', Resource: [`${A}:topic/bench/\${iot:ClientId}/*`, `${A}:topic/$aws/things/\${iot:ClientId}/shadow/*`] },
  { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${A}:topicfilter/bench/\${iot:ClientId}/*`, `${A}:topicfilter/$aws/things/\${iot:ClientId}/shadow/*`] },
  { Effect: 'Allow', Action: 'iot:Receive', Resource: [`${A}:topic/bench/\${iot:ClientId}/*`, `${A}:topic/$aws/things/\${iot:ClientId}/shadow/*`] },
  { Effect: 'Deny', Action: 'iot:Publish', Resource: `${A}:topic/bench/\${iot:ClientId}/admin/*` },
  { Effect: 'Deny', Action: 'iot:Subscribe', Resource: `${A}:topicfilter/bench/*/admin/*` },
  { Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/fleet/\${iot:Certificate.Subject.CommonName}/*` },
  { Effect: 'Allow', Action: 'iot:RetainPublish', Resource: `${A}:topic/bench/\${iot:ClientId}/retained/*` },
  { Effect: 'Deny', Action: 'iot:Receive', Resource: `${A}:topic/bench/\${iot:ClientId}/private/*` },
  { Effect: 'Allow', Action: 'iot:GetThingShadow', Resource: `${A}:thing/\${iot:Connection.Thing.ThingName}` },
];

async function startEngine() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tb-bench-tls-'));
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/thingbench.js'), 'up', '--json', '--data-dir', dataDir, '--mqtt-port', '0', '--ws-port', '0',
    '--http-port', '0', '--mqtts-port', '0', '--wss-port', '0', '--broker-mode', 'standard', '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<{ endpoints: { mqtts: string; http: string } }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`thingbench exited (${code}) before its ready line`)));
  });
  return {
    ...ready.endpoints, ca: readFileSync(path.join(dataDir, 'security', 'root-ca.pem'), 'utf8'),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function main() {
  const engine = await startEngine();
  const iot = new IoTClient({ endpoint: engine.http, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const device = async (policyName: string, statements: object[]) => {
    const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new CreatePolicyCommand({ policyName, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
    await iot.send(new AttachPolicyCommand({ policyName, target: c.certificateArn }));
    return { key: c.keyPair!.PrivateKey!, cert: c.certificatePem!, ca: engine.ca };
  };
  const creds = {
    'allow-all': await device('allow-all', [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }]),
    'ten statements': await device('fleet', tenStatements),
  };
  const open = (which: keyof typeof creds, clientId: string) => mqtt.connectAsync(engine.mqtts, { ...creds[which], clientId, reconnectPeriod: 0, protocolVersion: 4 });

  // ── connections per second ──
  const connRates: Record<string, number> = {};
  for (const which of Object.keys(creds) as Array<keyof typeof creds>) {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: o.concurrency }, async (_x, w) => {
      while (next < o.connections) {
        const n = next++;
        const c = await open(which, `bench-conn-${w}-${n}`);
        await c.endAsync();
      }
    }));
    connRates[which] = o.connections / ((performance.now() - t0) / 1000);
  }

  // ── publish throughput ──
  async function throughput(which: keyof typeof creds): Promise<number> {
    const clients: MqttClient[] = [];
    for (let c = 0; c < o.clients; c++) {
      const id = `bench-${c}-${Math.random().toString(16).slice(2, 8)}`;
      const client = await open(which, id);
      (client.stream as import('node:net').Socket).setNoDelay?.(true);
      await client.subscribeAsync(`bench/${id}/#`, { qos: 1 });
      clients.push(client);
    }
    let counting = false, done = 0, stop = false;
    const seqs = clients.map(() => 0);
    const send = (c: number) => clients[c].publish(`bench/${clients[c].options.clientId}/${seqs[c]++ % o.topics}`, 'x'.repeat(64), { qos: 1 });
    clients.forEach((client, c) => client.on('message', () => {
      if (counting) done++;
      if (!stop) send(c);
    }));
    clients.forEach((_x, c) => { for (let i = 0; i < o.window; i++) send(c); });
    await sleep(o.warmup * 1000);
    counting = true;
    const t0 = performance.now();
    await sleep(o.seconds * 1000);
    const rate = done / ((performance.now() - t0) / 1000);
    stop = true;
    await Promise.all(clients.map((c) => c.endAsync(true)));
    return rate;
  }
  const rates: Record<string, number[]> = { 'allow-all': [], 'ten statements': [] };
  for (let r = 0; r < o.rounds; r++) {
    for (const which of (r % 2 ? ['ten statements', 'allow-all'] : ['allow-all', 'ten statements']) as Array<keyof typeof creds>) rates[which].push(await throughput(which));
  }
  await engine.stop();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(rates['allow-all']);
  // Each round's two phases run back to back: their ratio is less exposed to other load on the machine than the medians.
  const ratios = rates['allow-all'].map((x, i) => rates['ten statements'][i] / x);
  console.log(`\nmTLS: ${o.connections} connections (connect, CONNACK, disconnect), ${o.concurrency} at a time\n`);
  console.log(renderTable(['policy', 'connections/s'], Object.entries(connRates).map(([k, x]) => [k, fmtNum(x)]), 1));
  console.log(`\nPublish throughput over TLS: ${o.clients} clients × ${o.window} QoS 1 in flight, ${o.topics} topics each, ${o.rounds} rounds of ${o.seconds} s (median)\n`);
  console.log(renderTable(['policy', 'messages/s (in+out pairs)', 'rounds', 'vs allow-all'], Object.entries(rates).map(([k, xs]) => [
    k, fmtNum(median(xs)), xs.map((x) => fmtNum(x)).join(' / '), `${(((median(xs) - base) / base) * 100).toFixed(1)}%`,
  ]), 1));
  const cost = 1 - median(ratios);
  console.log(`\nper-round ratio policy/allow-all: ${ratios.map((r) => r.toFixed(3)).join(' / ')}`);
  console.log(`policy checks cost ${(cost * 100).toFixed(1)}% of throughput (median per-round ratio; goal: ≤ 10%) → ${cost <= 0.1 ? 'met' : 'NOT met'}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
