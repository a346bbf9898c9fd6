// DynamoDB, Kinesis and rule → table throughput: PutItem/GetItem/Query over 100,000 items, PutRecords and catch-up GetRecords, a dynamoDBv2 rule's durable writes, each beside a baseline from the same run.
//   npm run bench -- data [--seconds 5] [--warmup 1] [--concurrency 16] [--clients 4] [--items 100000] [--only dynamodb,kinesis,rule] [--quick]
// One fresh `thingbench up` (standard mode, a fresh data directory) driven by the AWS SDK v3 clients, each client on
// its own keep-alive HTTP agent (`--clients` of them; worker w uses client w mod clients):
//   publish  IoT data plane Publish (qos 0), `--concurrency` in flight: the yardstick, measured first and again last;
//   dynamodb a table of `--items` items (hash key `device`, range key `ts`, `--partition` items per device) loaded
//            with BatchWriteItem, then PutItem (replacing a random item), GetItem (a random item) and Query (`--query`
//            consecutive items of a random device), each `--concurrency` in flight;
//   kinesis  PutRecords of `--batch` records into a stream of `--shards` shards, `--kinesis-concurrency` calls in
//            flight; the stream is topped up to `--backlog` records if it holds fewer, then one reader per shard
//            catches up on the whole backlog from TRIM_HORIZON with GetRecords;
//   rule     `--publishers` MQTT QoS 1 publishers of JSON readings: first with no rules (PUBACKed messages/s), then
//            with a dynamoDBv2 rule writing each message as an item: messages/s that reach the table durably.
// Results: a table on stdout and JSON lines in bench/out/data-<timestamp>.jsonl (or --out DIR).
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { appendFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { CreateTopicRuleCommand, DeleteTopicRuleCommand, IoTClient } from '@aws-sdk/client-iot';
import {
  BatchWriteItemCommand, CreateTableCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand,
  type AttributeValue, type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { startBroker, type RunningBroker } from './lib/brokers.js';
import { Histogram, type LatencySummary } from './lib/histogram.js';
import { JsonPublisher } from './lib/json-publisher.js';
import { runOps, type OpLoadResult } from './lib/op-load.js';
import { CLK_TCK, machineJiffies, procCpuSeconds } from './lib/proc.js';
import { fmtNum, renderTable } from './lib/report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PHASES = ['dynamodb', 'kinesis', 'rule'] as const;
/** A stream keeps at most this many records (README, Local sinks): the PutRecords phase stays under it. */
const STREAM_RECORDS_KEPT = 100_000;
/** A table holds at most this many items (README, Local sinks). */
const TABLE_ITEMS_KEPT = 100_000;

const { values: v } = parseArgs({
  args: process.argv.slice(2), strict: true,
  options: {
    seconds: { type: 'string' }, warmup: { type: 'string' }, concurrency: { type: 'string' }, clients: { type: 'string' },
    items: { type: 'string' }, partition: { type: 'string' }, query: { type: 'string' },
    shards: { type: 'string' }, batch: { type: 'string' }, 'kinesis-concurrency': { type: 'string' }, backlog: { type: 'string' },
    publishers: { type: 'string' }, 'rule-window': { type: 'string' },
    only: { type: 'string' }, quick: { type: 'boolean', default: false }, out: { type: 'string' }, 'cpu-prof': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const usage = `usage: npm run bench -- data [flags]
  --seconds S              measured window per phase (5; --quick 1)
  --warmup S               warm-up before each window (1; --quick 0.3)
  --concurrency N          SDK requests in flight (16; --quick 4)
  --clients N              SDK clients, each on its own keep-alive agent (4; --quick 2)
  --items N                items in the DynamoDB table (100000; --quick 2000; at most ${TABLE_ITEMS_KEPT})
  --partition N            items per device (hash key) (100; --quick 20)
  --query N                items one Query returns (10)
  --shards N               Kinesis shards (4)
  --batch N                records per PutRecords call (500; --quick 100)
  --kinesis-concurrency N  PutRecords calls in flight (--concurrency)
  --backlog N              records the catch-up reads at least: the stream is topped up after PutRecords (20000; --quick 1000; at most ${STREAM_RECORDS_KEPT})
  --publishers N           MQTT QoS 1 publishers (4; --quick 2)
  --rule-window N          messages per publisher not yet in the table before it waits (200; total under the rule's 1,000 queued)
  --only p,q,…             phases after the Publish yardstick: dynamodb,kinesis,rule (all)
  --quick                  a short smoke run with the smaller defaults above
  --out DIR                where the JSON lines go (bench/out)
  --cpu-prof DIR           profile the engine (node --cpu-prof) into DIR`;
if (v.help) {
  console.log(usage);
  process.exit(0);
}
const quick = v.quick === true;
const num = (name: keyof typeof v, full: number, small: number, integer = true): number => {
  const raw = v[name];
  const x = raw === undefined ? (quick ? small : full) : Number(raw);
  if (!(x > 0) || (integer && !Number.isInteger(x))) {
    console.error(`--${name} must be a positive ${integer ? 'integer' : 'number'}\n${usage}`);
    process.exit(2);
  }
  return x;
};
const o = {
  seconds: num('seconds', 5, 1, false), warmup: num('warmup', 1, 0.3, false), concurrency: num('concurrency', 16, 4), clients: num('clients', 4, 2),
  items: num('items', 100_000, 2_000), partition: num('partition', 100, 20), query: num('query', 10, 10),
  shards: num('shards', 4, 4), batch: num('batch', 500, 100), kinesisConcurrency: 0, backlog: num('backlog', 20_000, 1_000),
  publishers: num('publishers', 4, 2), ruleWindow: num('rule-window', 200, 200), quick,
};
const fail = (msg: string) => { console.error(`${msg}\n${usage}`); process.exit(2); };
o.kinesisConcurrency = v['kinesis-concurrency'] === undefined ? o.concurrency : num('kinesis-concurrency', 0, 0);
if (o.items > TABLE_ITEMS_KEPT) fail(`--items: a table holds at most ${TABLE_ITEMS_KEPT} items`);
if (o.items % o.partition !== 0) fail('--items must be a multiple of --partition');
if (o.query > o.partition) fail('--query must be at most --partition');
if (o.backlog > STREAM_RECORDS_KEPT) fail(`--backlog: a stream keeps at most ${STREAM_RECORDS_KEPT} records`);
if (o.batch > 500) fail('--batch: PutRecords takes at most 500 records');
if (o.publishers * o.ruleWindow > 900) fail('--publishers × --rule-window must stay under the 1,000 messages a rule queues');
const phases = new Set<string>((v.only ?? PHASES.join(',')).split(','));
for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) fail(`--only: unknown phase ${p} (phases: ${PHASES.join(', ')})`);

const nowMs = () => performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const cpuOf = (pids: number[]) => pids.reduce((s, p) => s + (procCpuSeconds(p) ?? 0), 0);
const rand = (n: number) => Math.floor(Math.random() * n);
const pad = (n: number, w: number) => String(n).padStart(w, '0');

// ---- the SDK clients ----

interface Clients { iot: IoTClient; iotData: IoTDataPlaneClient; ddb: DynamoDBClient; kinesis: KinesisClient; close(): void }

/** One set of SDK v3 clients on one keep-alive agent (the engine accepts any credentials on loopback). */
function clientSet(endpoint: string): Clients {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const common = {
    endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent }),
  };
  return {
    iot: new IoTClient(common), iotData: new IoTDataPlaneClient(common), ddb: new DynamoDBClient(common), kinesis: new KinesisClient(common),
    close: () => agent.destroy(),
  };
}

// ---- rows ----

interface Row {
  id: string;
  label: string;
  unit: string;
  perSecond: number;
  /** The figure this row is compared with, and its name. */
  base: number;
  baseName: string;
  latency?: LatencySummary;
  cpuUs?: number;
  otherCpuPct?: number;
  errors?: number;
  extra?: Record<string, unknown>;
}

const rowOf = (id: string, label: string, unit: string, m: OpLoadResult, base: number, baseName: string, extra?: Record<string, unknown>): Row => ({
  id, label, unit, perSecond: m.perSecond, base, baseName, latency: m.latency, cpuUs: m.cpuUsPerUnit, otherCpuPct: m.otherCpuPct, errors: m.errors,
  ...(extra ? { extra } : {}),
});

/** Engine CPU and the machine's other CPU between two points, for phases that are not closed-loop request runs. */
function cpuWindow(pids: number[]) {
  const t0 = nowMs(), cpu0 = cpuOf(pids), self0 = process.cpuUsage(), busy0 = machineJiffies().busy / CLK_TCK;
  return () => {
    const elapsed = (nowMs() - t0) / 1000;
    const engine = cpuOf(pids) - cpu0;
    const self = process.cpuUsage(self0);
    const other = machineJiffies().busy / CLK_TCK - busy0 - engine - (self.user + self.system) / 1e6;
    return { elapsed, engineCpu: engine, otherCpuPct: (other / elapsed) * 100 };
  };
}

// ---- the IoT Publish yardstick ----

const publishOp = (cs: Clients[]) => async (w: number, seq: number) => {
  await cs[w % cs.length].iotData.send(new PublishCommand({ topic: `bench/data/http/${w}`, qos: 0, payload: Buffer.from(`{"seq":${seq}}`) }));
};

// ---- DynamoDB ----

const TABLE = 'bench-items';
const devices = () => o.items / o.partition;
const deviceId = (d: number) => `d${pad(d, 6)}`;
const reading = (d: number, ts: number, temp: number): Record<string, AttributeValue> => ({
  device: { S: deviceId(d) }, ts: { N: String(ts) }, temp: { N: temp.toFixed(1) }, humidity: { N: String(30 + (ts % 40)) },
  status: { S: 'ok' }, fw: { S: '1.4.2' },
});

async function itemCount(c: Clients, table: string): Promise<number> {
  return (await c.ddb.send(new DescribeTableCommand({ TableName: table }))).Table?.ItemCount ?? NaN;
}

/** Creates the table and fills it with BatchWriteItem (25 items a call, `--concurrency` calls in flight). */
async function loadTable(cs: Clients[], pids: number[]): Promise<Row> {
  await cs[0].ddb.send(new CreateTableCommand({
    TableName: TABLE, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'device', AttributeType: 'S' }, { AttributeName: 'ts', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'device', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }],
  }));
  let next = 0;
  const hist = new Histogram();
  const done = cpuWindow(pids);
  const worker = async (w: number) => {
    for (;;) {
      const first = next;
      if (first >= o.items) return;
      next = Math.min(o.items, first + 25);
      let requests: WriteRequest[] = [];
      for (let i = first; i < next; i++) requests.push({ PutRequest: { Item: reading(Math.floor(i / o.partition), i % o.partition, 20 + (i % 100) / 10) } });
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt === 10) throw new Error('BatchWriteItem left items unprocessed 10 times');
        const t0 = nowMs();
        const r = await cs[w % cs.length].ddb.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: requests } }));
        hist.record((nowMs() - t0) * 1e6);
        requests = r.UnprocessedItems?.[TABLE] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_x, w) => worker(w)));
  const m = done();
  const count = await itemCount(cs[0], TABLE);
  if (count !== o.items) throw new Error(`the table holds ${count} items after loading ${o.items}`);
  return {
    id: 'ddb-load', label: `BatchWriteItem load (25 items a call), ${o.concurrency} in flight`, unit: 'items', perSecond: o.items / m.elapsed,
    base: NaN, baseName: '', latency: hist.summaryMs(), cpuUs: (m.engineCpu * 1e6) / o.items, otherCpuPct: m.otherCpuPct, errors: 0,
    extra: { items: o.items, seconds: m.elapsed },
  };
}

const putItemOp = (cs: Clients[]) => async (w: number, seq: number) => {
  const d = rand(devices()), ts = rand(o.partition);
  await cs[w % cs.length].ddb.send(new PutItemCommand({ TableName: TABLE, Item: reading(d, ts, 15 + (seq % 200) / 10) }));
};

const getItemOp = (cs: Clients[]) => async (w: number) => {
  const d = rand(devices()), ts = rand(o.partition);
  const r = await cs[w % cs.length].ddb.send(new GetItemCommand({ TableName: TABLE, Key: { device: { S: deviceId(d) }, ts: { N: String(ts) } } }));
  if (r.Item?.device?.S !== deviceId(d)) throw new Error(`GetItem ${deviceId(d)}/${ts}: no item`);
};

const queryOp = (cs: Clients[]) => async (w: number) => {
  const d = rand(devices()), from = rand(o.partition - o.query + 1);
  const r = await cs[w % cs.length].ddb.send(new QueryCommand({
    TableName: TABLE, KeyConditionExpression: 'device = :d AND ts BETWEEN :a AND :b',
    ExpressionAttributeValues: { ':d': { S: deviceId(d) }, ':a': { N: String(from) }, ':b': { N: String(from + o.query - 1) } },
  }));
  if (r.Count !== o.query) throw new Error(`Query ${deviceId(d)} ts ${from}…${from + o.query - 1}: ${r.Count} items, not ${o.query}`);
};

// ---- Kinesis ----

const STREAM = 'bench-records';

const recordBody = (seq: number, k: number) => Buffer.from(JSON.stringify({ device: deviceId(rand(1000)), seq, k, temp: 21.5, humidity: 40, status: 'ok', fw: '1.4.2' }));

/** One PutRecords call of `o.batch` records with random partition keys (so they spread over the shards). */
const putRecordsOp = (cs: Clients[]) => async (w: number, seq: number) => {
  const Records = Array.from({ length: o.batch }, (_x, k) => ({ Data: recordBody(seq, k), PartitionKey: `d${rand(1_000_000)}` }));
  const r = await cs[w % cs.length].kinesis.send(new PutRecordsCommand({ StreamName: STREAM, Records }));
  if (r.FailedRecordCount) throw new Error(`PutRecords: ${r.FailedRecordCount} of ${o.batch} records failed (${r.Records?.find((x) => x.ErrorCode)?.ErrorMessage})`);
  return o.batch;
};

async function kinesisPut(cs: Clients[], pids: number[]): Promise<{ row: Row; put: number }> {
  await cs[0].kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: o.shards }));
  const m = await runOps({
    concurrency: o.kinesisConcurrency, warmupMs: o.warmup * 1000, windowMs: o.seconds * 1000, pids, cap: STREAM_RECORDS_KEPT, unitsPerOp: o.batch,
    minOps: 2 * o.kinesisConcurrency,
  }, putRecordsOp(cs));
  if (m.errors) throw new Error(`${m.errors} PutRecords calls failed, first: ${m.firstError}`);
  const label = `Kinesis PutRecords (${o.batch} records a call), ${o.kinesisConcurrency} in flight`;
  return { row: rowOf('kinesis-put', label, 'records', m, NaN, 'Publish', { calls_per_s: m.opsPerSecond, records_put: m.totalUnits }), put: m.totalUnits };
}

/** Tops the stream up to `--backlog` records with PutRecords, when the measured phase left fewer. */
async function kinesisFill(cs: Clients[], pids: number[], have: number): Promise<number> {
  const want = Math.min(o.backlog, STREAM_RECORDS_KEPT);
  if (have >= want) return have;
  const m = await runOps({
    concurrency: o.kinesisConcurrency, warmupMs: 0, windowMs: 3_600_000, pids, cap: Math.ceil((want - have) / o.batch) * o.batch, unitsPerOp: o.batch,
  }, putRecordsOp(cs));
  if (m.errors) throw new Error(`${m.errors} PutRecords calls failed, first: ${m.firstError}`);
  return have + m.totalUnits;
}

/** One reader per shard from TRIM_HORIZON with GetRecords (10,000 a call) until it reads nothing and is not behind. */
async function kinesisCatchUp(cs: Clients[], pids: number[], expected: number): Promise<Row> {
  const shards = (await cs[0].kinesis.send(new ListShardsCommand({ StreamName: STREAM }))).Shards ?? [];
  const hist = new Histogram();
  let read = 0, calls = 0;
  const done = cpuWindow(pids);
  await Promise.all(shards.map(async (s, i) => {
    const c = cs[i % cs.length].kinesis;
    let it = (await c.send(new GetShardIteratorCommand({ StreamName: STREAM, ShardId: s.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    for (let empty = 0; it && empty < 2;) {
      const t0 = nowMs();
      const r = await c.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      hist.record((nowMs() - t0) * 1e6);
      calls++;
      const n = r.Records?.length ?? 0;
      read += n;
      empty = n === 0 && r.MillisBehindLatest === 0 ? empty + 1 : 0;
      it = r.NextShardIterator;
    }
  }));
  const m = done();
  const extra = { backlog: expected, read, calls, shards: shards.length, seconds: m.elapsed };
  if (read !== expected) throw new Error(`the readers caught up on ${read} records, not the ${expected} put`);
  return {
    id: 'kinesis-catchup', label: `Kinesis GetRecords catch-up from TRIM_HORIZON, ${shards.length} shards at once`, unit: 'records',
    perSecond: read / m.elapsed, base: NaN, baseName: 'Publish', latency: hist.summaryMs(), cpuUs: (m.engineCpu * 1e6) / read, otherCpuPct: m.otherCpuPct, errors: 0, extra,
  };
}

// ---- rule → table ----

const RULE_TABLE = 'bench-rule-items';
const RULE = 'bench_rule_table';
const jsonReading = (p: number) => (seq: number) => Buffer.from(`{"device":"p${p}","seq":${seq},"temp":${(20 + (seq % 100) / 10).toFixed(1)},"humidity":${30 + (seq % 40)},"status":"ok","fw":"1.4.2"}`);

async function openPublishers(broker: RunningBroker, tag: string): Promise<JsonPublisher[]> {
  const { port } = new URL(broker.url);
  const pubs = Array.from({ length: o.publishers }, (_x, p) => new JsonPublisher(`bench-data-${tag}-${p}`, `bench/data/p${p}`, 100, jsonReading(p)));
  await Promise.all(pubs.map((p) => p.open('127.0.0.1', Number(port), 60, 10_000)));
  return pubs;
}

async function closePublishers(pubs: JsonPublisher[]): Promise<void> {
  for (const p of pubs) p.stop();
  for (let i = 0; i < 200 && pubs.some((p) => p.unacked > 0 && !p.closed); i++) await sleep(25);
  for (const p of pubs) p.close();
}

/** The broker alone: QoS 1 JSON publishers at the rate PUBACKs allow (100 in flight each), no rules. */
async function mqttNoRules(broker: RunningBroker): Promise<Row> {
  const pubs = await openPublishers(broker, 'plain');
  try {
    for (const p of pubs) p.start();
    await sleep(o.warmup * 1000);
    const acked = () => pubs.reduce((n, p) => n + p.acked, 0);
    const a0 = acked(), done = cpuWindow(broker.pids);
    await sleep(o.seconds * 1000);
    const a1 = acked(), m = done();
    const dropped = pubs.filter((p) => p.closed).length;
    if (dropped) throw new Error(`${dropped} publishers lost their connection`);
    return {
      id: 'mqtt-no-rules', label: `MQTT QoS 1 publish, ${o.publishers} publishers, no rules`, unit: 'messages', perSecond: (a1 - a0) / m.elapsed,
      base: (a1 - a0) / m.elapsed, baseName: 'no rules', cpuUs: (m.engineCpu * 1e6) / (a1 - a0), otherCpuPct: m.otherCpuPct, errors: 0,
    };
  } finally {
    await closePublishers(pubs);
  }
}

/**
 * The same publishers with a dynamoDBv2 rule that writes every message as an item. Each publisher keeps at most
 * `--rule-window` messages that are not yet in the table (so the rule's queue of 1,000 never overflows and no message
 * is dropped): it learns how far the table has come by GetItem of the item half a window past the last one seen.
 * Counted: items the store has acknowledged (DescribeTable's ItemCount, which counts a write once it is durable)
 * between the end of the warm-up and the moment the table holds every message sent.
 */
async function ruleToTable(broker: RunningBroker, cs: Clients[], base: number): Promise<Row> {
  const c = cs[0];
  await c.ddb.send(new CreateTableCommand({
    TableName: RULE_TABLE, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'device', AttributeType: 'S' }, { AttributeName: 'seq', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'device', KeyType: 'HASH' }, { AttributeName: 'seq', KeyType: 'RANGE' }],
  }));
  await c.iot.send(new CreateTopicRuleCommand({
    ruleName: RULE,
    topicRulePayload: {
      sql: "SELECT * FROM 'bench/data/+'", awsIotSqlVersion: '2016-03-23', ruleDisabled: false,
      actions: [{ dynamoDBv2: { roleArn: 'arn:aws:iam::000000000000:role/bench', putItem: { tableName: RULE_TABLE } } }],
    },
  }));
  const pubs = await openPublishers(broker, 'rule');
  const half = Math.max(1, o.ruleWindow >> 1);
  const seen = pubs.map(() => 0); // messages known to be in the table, per publisher
  let probes = 0, probing = true;
  const has = async (p: number, seq: number) => {
    probes++;
    const r = await cs[p % cs.length].ddb.send(new GetItemCommand({ TableName: RULE_TABLE, Key: { device: { S: `p${p}` }, seq: { N: String(seq) } }, ConsistentRead: true }));
    return r.Item !== undefined;
  };
  const pacers = pubs.map(async (pub, p) => {
    while (probing && !pub.closed) {
      const target = Math.min(seen[p] + half, pub.sent); // probe half a window ahead, or the last message sent
      if (target > seen[p] && await has(p, target - 1)) {
        seen[p] = target;
        pub.allow(seen[p] + o.ruleWindow);
      } else {
        await sleep(5);
      }
    }
  });
  try {
    for (const pub of pubs) { pub.limit = o.ruleWindow; pub.start(); }
    await sleep(o.warmup * 1000);
    const c0 = await itemCount(c, RULE_TABLE);
    const done = cpuWindow(broker.pids);
    await sleep(o.seconds * 1000);
    for (const pub of pubs) pub.stop();
    const sent = pubs.reduce((n, pub) => n + pub.sent, 0);
    // The tail: wait for each publisher's last item, then for the durable count to reach every message sent.
    let count = c0;
    for (let last = nowMs(), before = -1; count < sent && nowMs() - last < 10_000;) {
      if (seen.every((s, p) => s >= pubs[p].sent)) {
        count = await itemCount(c, RULE_TABLE);
        if (count < sent) await sleep(5);
      } else {
        await sleep(2);
      }
      const progress = seen.reduce((a, b) => a + b, 0) + count;
      if (progress !== before) { before = progress; last = nowMs(); }
    }
    const m = done();
    probing = false;
    await Promise.all(pacers);
    const acked = pubs.reduce((n, pub) => n + pub.acked, 0);
    if (count !== sent) throw new Error(`the table holds ${count} of the ${sent} messages sent (${acked} PUBACKed): the rule dropped or failed some`);
    return {
      id: 'rule-table', label: `dynamoDBv2 rule → table, ${o.publishers} QoS 1 publishers, every message durable`, unit: 'messages',
      perSecond: (count - c0) / m.elapsed, base, baseName: 'no rules', cpuUs: (m.engineCpu * 1e6) / (count - c0), otherCpuPct: m.otherCpuPct, errors: 0,
      extra: { messages: sent, items: count, counted: count - c0, seconds: m.elapsed, getitem_probes: probes, probes_per_message: probes / sent },
    };
  } finally {
    probing = false;
    await closePublishers(pubs);
    await c.iot.send(new DeleteTopicRuleCommand({ ruleName: RULE })).catch(() => undefined);
  }
}

// ---- the run ----

async function main(): Promise<number> {
  const load = os.loadavg();
  console.log(`data benchmark: ${o.concurrency} requests in flight over ${o.clients} SDK clients, ${o.warmup} s warm-up + ${o.seconds} s window; `
    + `${os.cpus().length} CPUs (${os.cpus()[0]?.model}), node ${process.version}, load average ${load.map((x) => x.toFixed(2)).join(' ')}`);
  const nodeArgs = v['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(v['cpu-prof'])] : [];
  const broker = await startBroker('thingbench', { repoRoot, mosquittoBin: 'mosquitto', timeoutMs: 30_000, thingbenchMode: 'standard', nodeArgs });
  if (!broker.httpUrl) throw new Error('the engine announced no HTTP endpoint');
  const cs = Array.from({ length: o.clients }, () => clientSet(broker.httpUrl as string));
  const rows: Row[] = [];
  const skipped: string[] = [];
  // At least one call per worker in each window, so a slow call (a busy machine, --quick) is never counted as none.
  const ops = { concurrency: o.concurrency, warmupMs: o.warmup * 1000, windowMs: o.seconds * 1000, pids: broker.pids, minOps: o.concurrency };
  const step = async <T>(label: string, fn: () => Promise<T>): Promise<T | undefined> => {
    process.stdout.write(`  ${label} … `);
    try {
      const r = await fn();
      const m = r as Partial<OpLoadResult>;
      console.log(m.errors ? `done (${m.errors} errors, first: ${m.firstError})` : 'done');
      return r;
    } catch (e) {
      const why = `${(e as Error).name}: ${(e as Error).message}`;
      console.log(`failed: ${why}`);
      skipped.push(`${label}: ${why}`);
      return undefined;
    }
  };
  try {
    const first = await step(`IoT Publish, ${o.concurrency} in flight`, () => runOps(ops, publishOp(cs)));
    const yard: OpLoadResult[] = first ? [first] : [];
    const mean = () => yard.reduce((a, x) => a + x.perSecond, 0) / yard.length;
    const later: Array<(publish: number) => Row> = [];
    if (phases.has('dynamodb')) {
      const loaded = await step(`DynamoDB: load ${fmtNum(o.items)} items with BatchWriteItem`, () => loadTable(cs, broker.pids));
      if (loaded) {
        rows.push(loaded);
        const put = await step(`DynamoDB PutItem, ${o.concurrency} in flight`, () => runOps(ops, putItemOp(cs)));
        const get = await step(`DynamoDB GetItem, ${o.concurrency} in flight`, () => runOps(ops, getItemOp(cs)));
        const query = await step(`DynamoDB Query (${o.query} items), ${o.concurrency} in flight`, () => runOps(ops, queryOp(cs)));
        if (put) later.push((b) => rowOf('ddb-put', `DynamoDB PutItem (replaces one of ${fmtNum(o.items)} items)`, 'requests', put, b, 'Publish'));
        if (get) later.push((b) => rowOf('ddb-get', `DynamoDB GetItem (one of ${fmtNum(o.items)} items)`, 'requests', get, b, 'Publish'));
        if (query) later.push((b) => rowOf('ddb-query', `DynamoDB Query (${o.query} items of one device)`, 'requests', query, b, 'Publish'));
      }
    }
    if (phases.has('kinesis')) {
      const put = await step(`Kinesis PutRecords (${o.batch} a call), ${o.kinesisConcurrency} in flight`, () => kinesisPut(cs, broker.pids));
      if (put) {
        later.push((b) => ({ ...put.row, base: b }));
        const backlog = put.put < o.backlog
          ? await step(`Kinesis: top the backlog up to ${fmtNum(o.backlog)} records`, () => kinesisFill(cs, broker.pids, put.put)) : put.put;
        const catchUp = backlog === undefined ? undefined
          : await step(`Kinesis GetRecords catch-up of ${fmtNum(backlog)} records`, () => kinesisCatchUp(cs, broker.pids, backlog));
        if (catchUp) later.push((b) => ({ ...catchUp, base: b }));
      }
    }
    const last = await step(`IoT Publish again, ${o.concurrency} in flight`, () => runOps(ops, publishOp(cs)));
    if (last) yard.push(last);
    const publish = yard.length ? mean() : NaN;
    if (first) rows.unshift(rowOf('publish', `IoT Publish (qos 0), ${o.concurrency} in flight: first`, 'requests', first, publish, 'Publish'));
    if (last) rows.push(rowOf('publish-last', `IoT Publish (qos 0), ${o.concurrency} in flight: last`, 'requests', last, publish, 'Publish'));
    for (const make of later) rows.push(make(publish));
    if (phases.has('rule')) {
      const plain = await step(`MQTT QoS 1, ${o.publishers} publishers, no rules`, () => mqttNoRules(broker));
      if (plain) rows.push(plain);
      const rule = await step(`dynamoDBv2 rule → table, ${o.publishers} publishers`, () => ruleToTable(broker, cs, plain?.perSecond ?? NaN));
      if (rule) rows.push(rule);
    }
  } catch (e) {
    skipped.push(`${(e as Error).message}\nthe engine's last stderr lines:\n${broker.stderrTail()}`);
  } finally {
    for (const c of cs) c.close();
    await broker.stop();
  }

  const ms = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(2) : '–');
  const times = (x: number) => (x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)); // 0.0031×, not 0.00×
  const ratio = (r: Row) => (Number.isFinite(r.base) && r.base > 0 ? `${times(r.perSecond / r.base)}× ${r.baseName}` : '–');
  console.log(`\n${renderTable(['operation', 'unit', 'per s', 'ratio', 'p50 ms', 'p99 ms', 'engine CPU µs per unit', 'other CPU %', 'errors'], rows.map((r) => [
    r.label, r.unit, fmtNum(r.perSecond), ratio(r), ms(r.latency?.p50), ms(r.latency?.p99),
    r.cpuUs !== undefined && Number.isFinite(r.cpuUs) ? r.cpuUs.toFixed(0) : '–', r.otherCpuPct !== undefined ? fmtNum(r.otherCpuPct) : '–', String(r.errors ?? ''),
  ]), 2)}`);
  console.log('\nPublish ratios: against the mean of the two IoT Publish runs (requests/s), per item, record or request as the unit says.');
  console.log('p50/p99 are per call (a PutRecords call carries a whole batch; a catch-up GetRecords up to 10,000 records).');
  const rule = rows.find((r) => r.id === 'rule-table');
  if (rule?.extra) {
    const x = rule.extra as { messages: number; items: number; getitem_probes: number };
    console.log(`rule → table: ${fmtNum(x.messages)} messages sent, ${fmtNum(x.items)} items in the table; ${fmtNum(x.getitem_probes)} GetItem probes paced the publishers.`);
  }
  const catchUp = rows.find((r) => r.id === 'kinesis-catchup');
  if (catchUp?.extra) {
    const x = catchUp.extra as { backlog: number; calls: number; seconds: number };
    console.log(`catch-up: a backlog of ${fmtNum(x.backlog)} records read in ${x.seconds.toFixed(2)} s with ${x.calls} GetRecords calls.`);
  }
  if (skipped.length) console.log(`failed:\n${skipped.map((s) => `  ${s}`).join('\n')}`);
  const outDir = v.out ? path.resolve(v.out) : path.join(repoRoot, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const results = Object.fromEntries(rows.map((r) => [r.id, {
    per_s: r.perSecond, unit: r.unit, ratio: r.perSecond / r.base, ratio_to: r.baseName || null, p50_ms: r.latency?.p50 ?? null, p99_ms: r.latency?.p99 ?? null,
    engine_cpu_us: r.cpuUs ?? null, other_cpu_pct: r.otherCpuPct ?? null, errors: r.errors ?? 0, ...(r.extra ?? {}),
  }]));
  const file = path.join(outDir, `data-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
  appendFileSync(file, `${JSON.stringify({ type: 'summary', options: o, phases: [...phases], load_average_at_start: load, results, failed: skipped })}\n`);
  console.log(`JSON lines: ${path.relative(process.cwd(), file)}`);
  return skipped.length || rows.some((r) => r.errors) ? 1 : 0;
}

main().then((code) => process.exit(code), (e: Error) => {
  console.error(e);
  process.exit(2);
});
