// AWS service APIs: SQS round trips, SNS → SQS deliveries and Lambda Invoke per second, each beside the IoT data plane's HTTP Publish.
//   npm run bench -- services [--seconds 5] [--warmup 1] [--concurrency 16] [--only publish,sqs,sns,lambda,latency] [--cpu-prof DIR]
// One fresh `thingbench up` (standard mode) driven by the AWS SDK v3 clients, all on one keep-alive HTTP agent
// (`NodeHttpHandler`), `--concurrency` requests in flight (one worker each, each waiting for its answer):
//   publish  IoT data plane Publish (qos=0) to one topic per worker: the yardstick, measured first and last;
//   sqs      per worker and its own queue: SendMessage, ReceiveMessage (1 message), DeleteMessage = one round trip;
//   sns      Publish, each worker to its own topic with its own standard queue subscribed (SNS's JSON envelope);
//            deliveries are the growth of the queues' ApproximateNumberOfMessages over the window (nothing reads them);
//   lambda   Invoke (RequestResponse) of a trivial Node function created from a zip and warmed up;
//   latency  Publish and Lambda Invoke again with 1 request in flight (p50/p99 without queueing).
// Every figure is printed with its ratio to Publish measured in the same run, through the same client stack.
// Results: a table on stdout and JSON lines in bench/out/services-<timestamp>.jsonl.
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import {
  CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient,
} from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand as SnsPublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { strToU8, zipSync } from 'fflate';
import type { LatencySummary } from './lib/histogram.js';
import { runOps } from './lib/op-load.js';
import { fmtNum, renderTable } from './lib/report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PHASES = ['publish', 'sqs', 'sns', 'lambda', 'latency'] as const;
type Phase = (typeof PHASES)[number];

const { values: v } = parseArgs({
  args: process.argv.slice(2), strict: true,
  options: {
    seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' }, concurrency: { type: 'string', default: '16' },
    only: { type: 'string' }, 'cpu-prof': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  },
});
if (v.help) {
  console.log('usage: npm run bench -- services [--seconds 5] [--warmup 1] [--concurrency 16] [--only publish,sqs,sns,lambda,latency]');
  console.log('       [--cpu-prof DIR] (profile the engine into DIR)');
  console.log('Publish (the yardstick) always runs; --only picks the other phases.');
  process.exit(0);
}
const o = { seconds: Number(v.seconds), warmup: Number(v.warmup), concurrency: Number(v.concurrency) };
for (const [k, x] of Object.entries(o)) {
  if (!(x > 0) || (k === 'concurrency' && !Number.isInteger(x))) {
    console.error(`--${k} must be a positive ${k === 'concurrency' ? 'integer' : 'number'}`);
    process.exit(2);
  }
}
const phases = new Set<string>((v.only ?? PHASES.join(',')).split(','));
for (const p of phases) {
  if (!(PHASES as readonly string[]).includes(p)) {
    console.error(`--only: unknown phase ${p} (phases: ${PHASES.join(', ')})`);
    process.exit(2);
  }
}
const nowMs = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Engine { http: string; pid: number | undefined; stop(): Promise<void> }

async function startEngine(): Promise<Engine> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tb-bench-services-'));
  const profile = v['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(v['cpu-prof'])] : [];
  const child = spawn(process.execPath, [...profile, path.join(repoRoot, 'bin/thingbench.js'), 'up', '--json', '--data-dir', dataDir,
    '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0', '--broker-mode', 'standard', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<{ endpoints: { http: string } }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`thingbench exited (${code}) before its ready line`)));
  });
  return {
    http: ready.endpoints.http,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Measured {
  /** Operations completed in the window, per second. */
  perSecond: number;
  latency: LatencySummary;
  /** Engine CPU µs per operation. */
  cpuUs: number;
  /** Busy CPU of the machine besides the engine and this process, % of one core (noise). */
  otherCpuPct: number;
  errors: number;
  firstError?: string;
}

/**
 * `concurrency` workers each run `op` back to back for warm-up + window (bench/lib/op-load.ts); operations that
 * finish inside the window are counted and timed, an operation that throws is counted as an error (the first kept).
 */
async function measure(concurrency: number, engine: Engine, op: (worker: number, seq: number) => Promise<void>): Promise<Measured> {
  const r = await runOps({ concurrency, warmupMs: o.warmup * 1000, windowMs: o.seconds * 1000, pids: engine.pid === undefined ? [] : [engine.pid] }, op);
  const m: Measured = { perSecond: r.opsPerSecond, latency: r.latency, cpuUs: engine.pid === undefined ? NaN : r.cpuUsPerUnit, otherCpuPct: r.otherCpuPct, errors: r.errors };
  if (r.firstError) m.firstError = r.firstError;
  return m;
}

/** The SDK v3 clients, all on one keep-alive agent: the same client stack for every service. */
function clients(endpoint: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(64, o.concurrency * 2) });
  const common = {
    endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent }),
  };
  return {
    iotData: new IoTDataPlaneClient(common), sqs: new SQSClient(common), sns: new SNSClient(common), lambda: new LambdaClient(common),
    close: () => agent.destroy(),
  };
}
type Clients = ReturnType<typeof clients>;

const publishOp = (c: Clients) => async (w: number, seq: number) => {
  await c.iotData.send(new PublishCommand({ topic: `bench/services/${w}`, qos: 0, payload: Buffer.from(`{"seq":${seq}}`) }));
};

async function sqsRoundTrips(c: Clients, engine: Engine): Promise<Measured> {
  const urls: string[] = [];
  for (let w = 0; w < o.concurrency; w++) urls.push((await c.sqs.send(new CreateQueueCommand({ QueueName: `bench-rt-${w}` }))).QueueUrl!);
  return measure(o.concurrency, engine, async (w, seq) => {
    const QueueUrl = urls[w];
    await c.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `{"seq":${seq}}` }));
    // The worker's own queue holds only this message; a standard queue may answer empty, then ask again.
    for (let tries = 0; ; tries++) {
      const got = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
      const m = got.Messages?.[0];
      if (m) {
        await c.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
        return;
      }
      if (tries === 100) throw new Error('ReceiveMessage answered empty 100 times after a SendMessage');
    }
  });
}

interface SnsResult extends Measured { deliveredPerSecond: number; published: number; delivered: number }

/**
 * Each worker publishes to its own topic, whose one subscriber is its own standard queue (so no queue nears the
 * local limit of messages a queue holds). Nothing reads the queues: deliveries are the growth of their
 * ApproximateNumberOfMessages between the window's edges.
 */
async function snsToSqs(c: Clients, engine: Engine): Promise<SnsResult> {
  const topics: string[] = [];
  const queues: string[] = [];
  for (let w = 0; w < o.concurrency; w++) {
    const QueueUrl = (await c.sqs.send(new CreateQueueCommand({ QueueName: `bench-sns-${w}` }))).QueueUrl!;
    const queueArn = (await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const TopicArn = (await c.sns.send(new CreateTopicCommand({ Name: `bench-sns-${w}` }))).TopicArn!;
    await c.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
    topics.push(TopicArn);
    queues.push(QueueUrl);
  }
  const depth = async () => (await Promise.all(queues.map((QueueUrl) => c.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] })))))
    .reduce((sum, r) => sum + Number(r.Attributes?.ApproximateNumberOfMessages), 0);
  let published = 0;
  // The depths are read at the window's edges; `measure` opens its window after the same warm-up.
  const edges = (async () => {
    await sleep(o.warmup * 1000);
    const t0 = nowMs();
    const d0 = await depth();
    await sleep(o.seconds * 1000 - (nowMs() - t0));
    const d1 = await depth();
    return ((d1 - d0) * 1000) / (nowMs() - t0);
  })();
  const m = await measure(o.concurrency, engine, async (w, seq) => {
    await c.sns.send(new SnsPublishCommand({ TopicArn: topics[w], Message: `{"seq":${seq}}` }));
    published++;
  });
  const deliveredPerSecond = await edges;
  // The publishers stopped: wait for the deliveries still on their way, until the depth holds still for 1 s (≤ 20 s).
  let delivered = await depth();
  for (let quiet = 0, i = 0; i < 80 && quiet < 4 && delivered < published; i++) {
    await sleep(250);
    const d = await depth();
    quiet = d === delivered ? quiet + 1 : 0;
    delivered = d;
  }
  return { ...m, deliveredPerSecond, published, delivered };
}

const FUNCTION = 'bench-echo';

async function createEchoFunction(c: Clients): Promise<void> {
  const ZipFile = zipSync({ 'index.js': strToU8('exports.handler = async (event) => ({ ok: true, seq: event.seq });\n') });
  await c.lambda.send(new CreateFunctionCommand({
    FunctionName: FUNCTION, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile },
    Role: 'arn:aws:iam::000000000000:role/bench', Timeout: 10, MemorySize: 128,
  }));
  for (let i = 0; i < 100; i++) {
    const cfg = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION }));
    if (cfg.State === undefined || cfg.State === 'Active') break;
    if (cfg.State === 'Failed') throw new Error(`${FUNCTION} failed to become active: ${cfg.StateReason}`);
    await sleep(100);
  }
  for (let i = 0; i < 20; i++) await invokeOp(c)(0, i); // warm: the runtime is started and the code loaded
}

const invokeOp = (c: Clients) => async (_w: number, seq: number) => {
  const r = await c.lambda.send(new InvokeCommand({ FunctionName: FUNCTION, Payload: Buffer.from(`{"seq":${seq}}`) }));
  if (r.FunctionError) throw new Error(`FunctionError ${r.FunctionError}: ${Buffer.from(r.Payload ?? []).toString()}`);
};

type Row = { id: string; label: string; unit: string; m: Measured; perSecond: number; yardstick: number };

async function main(): Promise<void> {
  const load = os.loadavg();
  console.log(`services benchmark: ${o.concurrency} requests in flight, ${o.warmup} s warm-up + ${o.seconds} s window; ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), node ${process.version}, load average ${load.map((x) => x.toFixed(2)).join(' ')}`);
  const engine = await startEngine();
  const c = clients(engine.http);
  const results: Record<string, unknown> = {};
  const rows: Row[] = [];
  const skipped: string[] = [];
  const step = async <T>(phase: Phase | 'yardstick', label: string, fn: () => Promise<T>): Promise<T | undefined> => {
    if (phase !== 'yardstick' && !phases.has(phase)) return undefined;
    process.stdout.write(`  ${label} … `);
    try {
      const r = await fn();
      const m = r as Partial<Measured>;
      console.log(m.errors ? `done (${m.errors} errors, first: ${m.firstError})` : 'done');
      return r;
    } catch (e) {
      const why = `${(e as Error).name}: ${(e as Error).message}`;
      console.log(`skipped: ${why}`);
      skipped.push(`${label}: ${why}`);
      return undefined;
    }
  };
  try {
    const first = await step('yardstick', `IoT Publish, ${o.concurrency} in flight`, () => measure(o.concurrency, engine, publishOp(c)));
    const sqs = await step('sqs', 'SQS Send + Receive + Delete round trips', () => sqsRoundTrips(c, engine));
    const sns = await step('sns', 'SNS Publish → SQS deliveries', () => snsToSqs(c, engine));
    const lambdaReady = phases.has('lambda') || phases.has('latency')
      ? await step('lambda', 'Lambda CreateFunction and warm-up', async () => (await createEchoFunction(c), true)) : undefined;
    const lambda = lambdaReady ? await step('lambda', `Lambda Invoke, ${o.concurrency} in flight`, () => measure(o.concurrency, engine, invokeOp(c))) : undefined;
    const last = await step('yardstick', `IoT Publish again, ${o.concurrency} in flight`, () => measure(o.concurrency, engine, publishOp(c)));
    const publish1 = await step('latency', 'IoT Publish, 1 in flight', () => measure(1, engine, publishOp(c)));
    const lambda1 = lambdaReady ? await step('latency', 'Lambda Invoke, 1 in flight', () => measure(1, engine, invokeOp(c))) : undefined;

    const yard = [first, last].filter((x): x is Measured => !!x && x.perSecond > 0);
    const yardstick = yard.length ? yard.reduce((a, x) => a + x.perSecond, 0) / yard.length : NaN;
    if (first) rows.push({ id: 'publish', label: `IoT Publish (qos 0), ${o.concurrency} in flight: first`, unit: 'requests', m: first, perSecond: first.perSecond, yardstick });
    if (last) rows.push({ id: 'publish-last', label: `IoT Publish (qos 0), ${o.concurrency} in flight: last`, unit: 'requests', m: last, perSecond: last.perSecond, yardstick });
    if (sqs) rows.push({ id: 'sqs', label: 'SQS Send + Receive + Delete (3 calls)', unit: 'round trips', m: sqs, perSecond: sqs.perSecond, yardstick });
    if (sns) {
      rows.push({ id: 'sns-publish', label: 'SNS Publish (1 SQS subscriber)', unit: 'publishes', m: sns, perSecond: sns.perSecond, yardstick });
      rows.push({ id: 'sns-delivered', label: 'SNS → SQS deliveries', unit: 'deliveries', m: sns, perSecond: sns.deliveredPerSecond, yardstick });
    }
    if (lambda) rows.push({ id: 'lambda', label: `Lambda Invoke (warm Node), ${o.concurrency} in flight`, unit: 'invocations', m: lambda, perSecond: lambda.perSecond, yardstick });
    if (publish1) rows.push({ id: 'publish-1', label: 'IoT Publish (qos 0), 1 in flight', unit: 'requests', m: publish1, perSecond: publish1.perSecond, yardstick: publish1.perSecond });
    if (lambda1 && publish1) rows.push({ id: 'lambda-1', label: 'Lambda Invoke (warm Node), 1 in flight', unit: 'invocations', m: lambda1, perSecond: lambda1.perSecond, yardstick: publish1.perSecond });
    for (const r of rows) {
      results[r.id] = { per_s: r.perSecond, ratio: r.perSecond / r.yardstick, p50_ms: r.m.latency.p50, p99_ms: r.m.latency.p99, engine_cpu_us: r.m.cpuUs, other_cpu_pct: r.m.otherCpuPct, errors: r.m.errors };
    }
    if (sns) Object.assign(results, { sns_published: sns.published, sns_delivered: sns.delivered });
  } finally {
    c.close();
    await engine.stop();
  }
  const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
  const us = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
  console.log(`\n${renderTable(['operation', 'unit', 'per s', '÷ Publish', 'p50 ms', 'p99 ms', 'engine CPU µs', 'other CPU %', 'errors'], rows.map((r) => [
    r.label, r.unit, fmtNum(r.perSecond), `${(r.perSecond / r.yardstick).toFixed(2)}×`, ms(r.m.latency.p50), ms(r.m.latency.p99),
    r.id === 'sns-delivered' ? '' : us(r.m.cpuUs), fmtNum(r.m.otherCpuPct), r.id === 'sns-delivered' ? '' : String(r.m.errors),
  ]), 2)}`);
  console.log('\n÷ Publish: against the mean of the two IoT Publish runs at the same concurrency (1-in-flight rows: against Publish at 1 in flight).');
  console.log('p50/p99 of the SNS rows are Publish latencies; engine CPU µs is per operation (a round trip, a publish, an invocation).');
  const sns = results.sns_published as number | undefined;
  if (sns !== undefined) {
    console.log(`SNS: ${fmtNum(sns)} published in all (warm-up included), ${fmtNum(results.sns_delivered as number)} in the queues once the deliveries settled.`);
  }
  if (skipped.length) console.log(`skipped:\n${skipped.map((s) => `  ${s}`).join('\n')}`);
  const outDir = path.join(repoRoot, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  appendFileSync(path.join(outDir, `services-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`),
    `${JSON.stringify({ type: 'summary', options: o, phases: [...phases], load_average_at_start: load, results, skipped })}\n`);
  process.exit(skipped.length ? 1 : 0);
}

void main().catch((e: Error) => {
  console.error(e);
  process.exit(2);
});
