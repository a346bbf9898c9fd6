/**
 * Durable broker state: persistent sessions, their subscriptions, queued QoS 1/2 messages and retained messages
 * survive a clean restart and a `kill -9` for everything the broker acknowledged; a torn journal tail is skipped with a
 * warning; the CLI's ready line, signals and usage errors.
 */
import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import { startTestEngine, connect, until, type TestEngine } from '../helpers/engine.js';
import { runCli, startCli, type RunningCli } from './helpers/cli-process.js';
import { rawMqttConnect } from './helpers/raw-mqtt.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await Promise.resolve(f()).catch(() => {});
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-durability-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function engine(opts: Parameters<typeof startTestEngine>[0]): Promise<TestEngine> {
  const te = await startTestEngine(opts);
  cleanups.push(() => te.stop());
  return te;
}

async function cli(dataDir: string, extra: readonly string[] = []): Promise<RunningCli> {
  const proc = await startCli(dataDir, extra);
  cleanups.push(() => proc.kill9());
  return proc;
}

interface Received { topic: string; payload: string; qos: number; retain: boolean }

/** mqtt.js client that collects messages from its first packet on (a resumed session's queue follows the CONNACK). */
function collecting(url: string, opts: IClientOptions = {}): Promise<{ client: MqttClient; received: Received[]; sessionPresent: boolean }> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  cleanups.push(() => client.end(true));
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
  return new Promise((resolve, reject) => {
    client.once('connect', (connack) => resolve({ client, received, sessionPresent: connack.sessionPresent }));
    client.once('error', reject);
  });
}

async function client(url: string | number, opts: IClientOptions = {}): Promise<MqttClient> {
  const c = await connect(url, opts);
  cleanups.push(() => c.end(true));
  return c;
}

const mqttUrl = (te: TestEngine) => `mqtt://127.0.0.1:${te.mqttPort}`;

async function getRetained(httpUrl: string, topic: string): Promise<{ status: number; payload?: string }> {
  const res = await fetch(`${httpUrl}/retainedMessage/${topic}`);
  const body = (await res.json()) as { payload?: string };
  return { status: res.status, payload: body.payload === undefined ? undefined : Buffer.from(body.payload, 'base64').toString() };
}

// ── (a) clean restart ─────────────────────────────────────────────────────

describe.each(['aws', 'standard'] as const)('restart survival (%s mode)', (mode) => {
  it('keeps retained messages, persistent sessions, their subscriptions and queued QoS 1 messages', async () => {
    const te = await engine({ mode });
    const clientId = `persistent-${mode}`;
    const sub = await collecting(mqttUrl(te), { clientId, clean: false });
    const granted = await sub.client.subscribeAsync(['dur/queue', 'dur/wild/+'], { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1, 1]);
    await sub.client.endAsync();

    const pub = await client(te.mqttPort);
    await pub.publishAsync('dur/retained/a', 'r1', { qos: 1, retain: true });
    await pub.publishAsync('dur/retained/b', 'gone', { qos: 1, retain: true });
    await pub.publishAsync('dur/retained/b', '', { qos: 1, retain: true }); // cleared [MQTT-3.3.1-10]
    for (const p of ['q1', 'q2', 'q3']) await pub.publishAsync('dur/queue', p, { qos: 1 });
    await pub.publishAsync('dur/wild/w', 'w1', { qos: 1 });
    await pub.endAsync();

    await te.stop();
    const te2 = await engine({ mode, dataDir: te.dataDir });

    const back = await collecting(mqttUrl(te2), { clientId, clean: false });
    expect(back.sessionPresent).toBe(true);
    await until(() => back.received.length >= 4, 10_000, 'the queued messages');
    expect(back.received.filter((m) => m.topic === 'dur/queue').map((m) => m.payload)).toEqual(['q1', 'q2', 'q3']);
    expect(back.received.find((m) => m.topic === 'dur/wild/w')).toMatchObject({ payload: 'w1', qos: 1 });

    // The restored subscription delivers without a new SUBSCRIBE.
    const pub2 = await client(te2.mqttPort);
    await pub2.publishAsync('dur/wild/live', 'live', { qos: 1 });
    await until(() => back.received.some((m) => m.payload === 'live'), 5000, 'a live message on the restored subscription');

    const reader = await collecting(mqttUrl(te2));
    await reader.client.subscribeAsync('dur/retained/a', { qos: 1 });
    await until(() => reader.received.length >= 1, 5000, 'the retained message');
    expect(reader.received[0]).toMatchObject({ topic: 'dur/retained/a', payload: 'r1', retain: true });
    expect(await getRetained(te2.httpUrl, 'dur/retained/a')).toEqual({ status: 200, payload: 'r1' });
    expect((await getRetained(te2.httpUrl, 'dur/retained/b')).status).toBe(404);
  });
});

describe('restart survival of QoS 2 (standard mode)', () => {
  it('delivers queued QoS 2 messages after a restart, exactly once across further restarts', async () => {
    let te = await engine({ mode: 'standard' });
    const clientId = 'persistent-qos2';
    const sub = await collecting(mqttUrl(te), { clientId, clean: false });
    expect((await sub.client.subscribeAsync('dur/q2', { qos: 2 }))[0].qos).toBe(2);
    await sub.client.endAsync();
    const pub = await client(te.mqttPort);
    for (const p of ['a', 'b', 'c']) await pub.publishAsync('dur/q2', p, { qos: 2 });
    await pub.endAsync();

    await te.stop();
    te = await engine({ mode: 'standard', dataDir: te.dataDir });
    const back = await collecting(mqttUrl(te), { clientId, clean: false });
    expect(back.sessionPresent).toBe(true);
    let pubcomps = 0;
    back.client.on('packetsend', (p: Packet) => void (p.cmd === 'pubcomp' && pubcomps++));
    // The whole QoS 2 exchange (PUBLISH, PUBREC, PUBREL, PUBCOMP) completes for each message.
    await until(() => pubcomps >= 3, 10_000, 'three PUBCOMPs');
    expect(back.received.map((m) => [m.payload, m.qos])).toEqual([['a', 2], ['b', 2], ['c', 2]]);
    expect(back.client.connected).toBe(true);
    await back.client.endAsync();

    await te.stop();
    te = await engine({ mode: 'standard', dataDir: te.dataDir });
    const again = await collecting(mqttUrl(te), { clientId, clean: false });
    expect(again.sessionPresent).toBe(true);
    const pub2 = await client(te.mqttPort);
    await pub2.publishAsync('dur/q2', 'd', { qos: 2 });
    await until(() => again.received.length >= 1, 5000, 'a live QoS 2 message');
    expect(again.received.map((m) => m.payload)).toEqual(['d']); // nothing completed was delivered again
  });

  it('resends an unacknowledged QoS 1 message after a restart with its packet id and DUP set [MQTT-4.4.0-1]', async () => {
    let te = await engine({ mode: 'standard' });
    const clientId = 'raw-qos1-inflight';
    let { peer } = await rawMqttConnect(te.mqttPort, { clientId, clean: false });
    peer.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'dur/inflight', qos: 1 }] });
    expect(await peer.next()).toMatchObject({ cmd: 'suback', granted: [1] });
    const pub = await client(te.mqttPort);
    await pub.publishAsync('dur/inflight', 'unacked', { qos: 1 });
    await pub.endAsync();
    const first = await peer.next();
    expect(first).toMatchObject({ cmd: 'publish', topic: 'dur/inflight', qos: 1, dup: false });
    peer.destroy(); // never PUBACKs
    await peer.closed;

    await te.stop();
    te = await engine({ mode: 'standard', dataDir: te.dataDir });
    ({ peer } = await rawMqttConnect(te.mqttPort, { clientId, clean: false }));
    const again = await peer.next();
    expect(again).toMatchObject({ cmd: 'publish', topic: 'dur/inflight', qos: 1, dup: true, messageId: first.messageId });
    peer.send({ cmd: 'puback', messageId: again.messageId });
    peer.send({ cmd: 'disconnect' });
    await peer.closed;
    await te.stop();
  });

  it('resends an unanswered PUBREL after a restart and forgets it once PUBCOMP arrives [MQTT-4.4.0-1]', async () => {
    let te = await engine({ mode: 'standard' });
    const clientId = 'raw-qos2';
    let { peer } = await rawMqttConnect(te.mqttPort, { clientId, clean: false });
    peer.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'dur/raw2', qos: 2 }] });
    expect(await peer.next()).toMatchObject({ cmd: 'suback', granted: [2] });
    peer.send({ cmd: 'disconnect' });
    await peer.closed;
    const pub = await client(te.mqttPort);
    await pub.publishAsync('dur/raw2', 'once', { qos: 2 });
    await pub.endAsync();

    await te.stop();
    te = await engine({ mode: 'standard', dataDir: te.dataDir });
    let session = await rawMqttConnect(te.mqttPort, { clientId, clean: false });
    peer = session.peer;
    expect(session.sessionPresent).toBe(true);
    const publish = await peer.next();
    expect(publish).toMatchObject({ cmd: 'publish', topic: 'dur/raw2', qos: 2 });
    expect(String((publish as { payload: Buffer }).payload)).toBe('once');
    peer.send({ cmd: 'pubrec', messageId: publish.messageId });
    expect(await peer.next()).toMatchObject({ cmd: 'pubrel', messageId: publish.messageId });
    peer.destroy(); // crash before PUBCOMP
    await peer.closed;

    await te.stop();
    te = await engine({ mode: 'standard', dataDir: te.dataDir });
    session = await rawMqttConnect(te.mqttPort, { clientId, clean: false });
    peer = session.peer;
    const pubrel = await peer.next();
    expect(pubrel.cmd).toBe('pubrel'); // not the PUBLISH again: the subscriber already has it
    peer.send({ cmd: 'pubcomp', messageId: pubrel.messageId });
    expect(await peer.closesWithin(300)).toBe(false);
    expect(peer.inbox).toEqual([]);
    peer.send({ cmd: 'disconnect' });
    await peer.closed;

    await te.stop();
    te = await engine({ mode: 'standard', dataDir: te.dataDir });
    session = await rawMqttConnect(te.mqttPort, { clientId, clean: false });
    expect(session.sessionPresent).toBe(true);
    expect(await session.peer.closesWithin(300)).toBe(false);
    expect(session.peer.inbox).toEqual([]); // nothing left over
    session.peer.destroy();
  });
});

// ── (b) kill -9 ───────────────────────────────────────────────────────────

interface Acked { retained: Map<string, string>; queued: Set<string> }

/**
 * Publishers that stream QoS `qos` messages, most retained on distinct topics and every `queueEvery`-th to `queueTopic`;
 * each acknowledged message (PUBACK, or PUBREC for QoS 2) is recorded. `perTickPerPublisher` messages are sent every
 * 10 ms (AWS mode drops publishes over 100/s per connection).
 */
async function streamAndKill(proc: RunningCli, opts: {
  round: string; publishers: number; qos: 1 | 2 | 'mixed'; queueTopic: string; queueEvery: number;
  perTickPerPublisher: number; window: number; killAfter: number; acked: Acked;
}): Promise<number> {
  const clients = await Promise.all(Array.from({ length: opts.publishers }, (_, n) => client(proc.mqttUrl, { clientId: `pub-${opts.round}-${n}` })));
  let acks = 0;
  let killed = false;
  const timers: NodeJS.Timeout[] = [];
  cleanups.push(() => timers.forEach(clearInterval));
  // Killed right after a queued message's acknowledgement once `killAfter` acks arrived: mid-stream, every publisher
  // has messages in flight, and the broker has just acknowledged a message it must still queue.
  const onAck = (queued: boolean) => {
    if (++acks < opts.killAfter || !queued || killed) return;
    killed = true;
    proc.child.kill('SIGKILL');
  };
  clients.forEach((c, n) => {
    let seq = 0;
    let inflight = 0;
    // QoS 2: PUBREC, not PUBCOMP (when mqtt.js calls back), is the acknowledgement that counts [MQTT-4.3.3].
    const sentQos2 = new Map<string, () => void>();
    const awaitingPubrec = new Map<number, () => void>();
    c.on('packetsend', (p: Packet) => {
      if (p.cmd !== 'publish' || p.qos !== 2 || p.messageId === undefined) return;
      const record = sentQos2.get(String(p.payload));
      if (!record) return;
      sentQos2.delete(String(p.payload));
      awaitingPubrec.set(p.messageId, record);
    });
    c.on('packetreceive', (p: Packet) => {
      if (p.cmd !== 'pubrec' || p.messageId === undefined) return;
      awaitingPubrec.get(p.messageId)?.();
      awaitingPubrec.delete(p.messageId);
    });
    const sendOne = () => {
      const i = seq++;
      const queued = i % opts.queueEvery === opts.queueEvery - 1;
      const topic = queued ? opts.queueTopic : `kill/${opts.round}/r/${n}/${i}`;
      const payload = `${opts.round}-${n}-${i}`;
      const qos = opts.qos === 'mixed' ? (((i >> 2) % 2) + 1 as 1 | 2) : opts.qos; // mixed: both kinds, retained and queued
      const record = () => {
        if (queued) opts.acked.queued.add(payload);
        else opts.acked.retained.set(topic, payload);
        onAck(queued);
      };
      if (qos === 2) sentQos2.set(payload, record);
      inflight++;
      c.publish(topic, payload, { qos, retain: !queued }, (err) => {
        inflight--;
        if (!err && qos === 1) record();
      });
    };
    timers.push(setInterval(() => {
      if (killed || !c.connected) return;
      for (let k = 0; k < opts.perTickPerPublisher && inflight < opts.window; k++) sendOne();
    }, 10));
  });
  // A stalled stream must not hang the test: kill anyway; the caller's ack count check then fails.
  const stalled = setTimeout(() => void (!killed && proc.child.kill('SIGKILL')), 20_000);
  const { signal } = await proc.exited;
  clearTimeout(stalled);
  timers.forEach(clearInterval);
  expect(signal).toBe('SIGKILL');
  return acks;
}

async function expectAllAckedSurvived(proc: RunningCli, subscriberId: string, acked: Acked, queueTopic: string, ms: number) {
  // Retained: every acknowledged message is the one stored for its (distinct) topic.
  const topics = [...acked.retained.keys()];
  const missing: string[] = [];
  for (let i = 0; i < topics.length; i += 32) {
    await Promise.all(topics.slice(i, i + 32).map(async (topic) => {
      const got = await getRetained(proc.httpUrl, topic);
      if (got.payload !== acked.retained.get(topic)) missing.push(`${topic}: ${got.status} ${got.payload}`);
    }));
  }
  expect(missing, `${missing.length} of ${topics.length} acknowledged retained messages lost`).toEqual([]);

  // Queued: every acknowledged message reaches the persistent subscriber (duplicates allowed).
  const back = await collecting(proc.mqttUrl, { clientId: subscriberId, clean: false });
  expect(back.sessionPresent).toBe(true);
  const want = new Set(acked.queued);
  const seen = () => back.received.filter((m) => m.topic === queueTopic && want.has(m.payload)).map((m) => m.payload);
  await until(() => new Set(seen()).size >= want.size, ms, `${want.size} queued messages`).catch(() => {});
  const lost = [...want].filter((p) => !seen().includes(p));
  expect(lost, `${lost.length} of ${want.size} acknowledged queued messages lost`).toEqual([]);
}

describe.each([
  { mode: 'aws', qos: 1, extra: [], perTick: 1, window: 4, queueEvery: 10 },
  { mode: 'standard', qos: 'mixed', extra: ['--broker-mode', 'standard'], perTick: 6, window: 24, queueEvery: 4 },
] as const)('kill -9 ($mode mode, QoS $qos)', ({ mode, qos, extra, perTick, window, queueEvery }) => {
  it('loses nothing the broker acknowledged that was retained or queued for a persistent session', async () => {
    const dataDir = tempDir();
    const queueTopic = 'kill/queue';
    const subscriberId = `kill-sub-${mode}`;
    const acked: Acked = { retained: new Map(), queued: new Set() };

    let proc = await cli(dataDir, extra);
    const sub = await collecting(proc.mqttUrl, { clientId: subscriberId, clean: false });
    await sub.client.subscribeAsync(queueTopic, { qos: qos === 1 ? 1 : 2 });
    await sub.client.endAsync();

    // Two crashed rounds: the second one runs on state restored after the first crash.
    for (const round of ['one', 'two']) {
      const killAfter = randomInt(mode === 'aws' ? 60 : 200, mode === 'aws' ? 240 : 800);
      const got = await streamAndKill(proc, {
        round, publishers: 6, qos, queueTopic, queueEvery, perTickPerPublisher: perTick, window, killAfter, acked,
      });
      expect(got).toBeGreaterThanOrEqual(killAfter);
      proc = await cli(dataDir, extra);
    }
    expect(acked.queued.size).toBeGreaterThan(0);
    // AWS mode drains a resumed session's backlog at 10 messages per second.
    await expectAllAckedSurvived(proc, subscriberId, acked, queueTopic, mode === 'aws' ? 30_000 : 10_000);
  }, 60_000);
});

// ── (c) torn journal tail ─────────────────────────────────────────────────

function newestJournal(dir: string): string {
  const gens = fs.readdirSync(dir).map((f) => /^journal-(\d+)\.log$/.exec(f)?.[1]).filter((g) => g !== undefined).map(Number);
  expect(gens.length).toBeGreaterThan(0);
  return path.join(dir, `journal-${Math.max(...gens)}.log`);
}

describe('torn journal tail', () => {
  it('after a clean stop: starts, warns, keeps everything', async () => {
    const te = await engine({ mode: 'aws' });
    const pub = await client(te.mqttPort);
    for (let i = 0; i < 5; i++) await pub.publishAsync(`torn/stop/${i}`, `v${i}`, { qos: 1, retain: true });
    await pub.endAsync();
    await te.stop();
    fs.appendFileSync(newestJournal(te.dataDir), Buffer.from([0x13, 0x37, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x42]));

    const te2 = await engine({ mode: 'aws', dataDir: te.dataDir });
    expect(te2.logs.some((l) => l.level === 'warn' && l.source === 'storage' && /torn tail of 9 bytes/.test(l.message))).toBe(true);
    for (let i = 0; i < 5; i++) expect(await getRetained(te2.httpUrl, `torn/stop/${i}`)).toEqual({ status: 200, payload: `v${i}` });
  });

  it('after kill -9: keeps every whole journal record, skips the garbage, and appends cleanly afterwards', async () => {
    const dataDir = tempDir();
    const proc = await cli(dataDir);
    const pub = await client(proc.mqttUrl);
    for (let i = 0; i < 20; i++) await pub.publishAsync(`torn/kill/${i}`, `v${i}`, { qos: 1, retain: true });
    await proc.kill9();
    const journal = newestJournal(dataDir);
    const whole = fs.statSync(journal).size;
    expect(whole).toBeGreaterThan(0); // the acknowledged records are in the journal, not (yet) in a snapshot
    // A frame header that promises more bytes than follow (a write cut short), then random garbage.
    const header = Buffer.alloc(8);
    header.writeUInt32LE(4096, 0);
    fs.appendFileSync(journal, Buffer.concat([header, Buffer.from('{"seq":99999,"ops":[['), Buffer.from(Array.from({ length: 64 }, () => randomInt(256)))]));

    const te = await engine({ mode: 'aws', dataDir });
    expect(te.logs.filter((l) => l.level === 'warn' && /torn tail/.test(l.message))).toHaveLength(1);
    for (let i = 0; i < 20; i++) expect(await getRetained(te.httpUrl, `torn/kill/${i}`)).toEqual({ status: 200, payload: `v${i}` });
    // The torn bytes are gone, so records written now are readable on the next start.
    const pub2 = await client(te.mqttPort);
    await pub2.publishAsync('torn/kill/after', 'later', { qos: 1, retain: true });
    await pub2.endAsync();
    await te.stop();
    const te2 = await engine({ mode: 'aws', dataDir });
    expect(te2.logs.some((l) => /torn tail/.test(l.message))).toBe(false);
    expect(await getRetained(te2.httpUrl, 'torn/kill/after')).toEqual({ status: 200, payload: 'later' });
    expect(await getRetained(te2.httpUrl, 'torn/kill/19')).toEqual({ status: 200, payload: 'v19' });
  });
});

// ── (d) the CLI ───────────────────────────────────────────────────────────

describe('CLI', () => {
  it('prints one JSON ready line with the endpoints and the data directory', async () => {
    const dataDir = tempDir();
    const proc = await cli(dataDir);
    expect(proc.ready).toEqual({
      event: 'ready',
      endpoints: {
        mqtt: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+$/), ws: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/), http: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        mqtts: expect.stringMatching(/^mqtts:\/\/127\.0\.0\.1:\d+$/), wss: expect.stringMatching(/^wss:\/\/127\.0\.0\.1:\d+\/mqtt$/),
        https: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), coap: expect.stringMatching(/^coap:\/\/127\.0\.0\.1:\d+$/),
      },
      dataDir,
    });
    expect(proc.stdout().trim().split('\n')).toHaveLength(1); // logs go to stderr
    const ports = Object.values(proc.ready.endpoints).map((u) => Number(new URL(u).port));
    expect(ports.every((p) => p > 0)).toBe(true);
    // The endpoints serve.
    const c = await client(proc.mqttUrl);
    expect(c.connected).toBe(true);
    expect((await fetch(`${proc.httpUrl}/retainedMessage/nothing/here`)).status).toBe(404);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s disconnects clients, flushes state and exits 0', async (signal) => {
    const dataDir = tempDir();
    const proc = await cli(dataDir);
    const c = await client(proc.mqttUrl);
    await c.publishAsync('cli/state', signal, { qos: 1, retain: true });
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    proc.child.kill(signal);
    await closed;
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
    expect(fs.statSync(newestJournal(dataDir)).size).toBe(0); // compacted into the snapshot on the way out
    const again = await cli(dataDir);
    expect(await getRetained(again.httpUrl, 'cli/state')).toEqual({ status: 200, payload: signal });
  });

  it('refuses an unknown flag with exit code 2 and a clear message', async () => {
    const proc = runCli(['up', '--no-such-flag']);
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr()).toMatch(/Unknown option '--no-such-flag'/);
    expect(proc.stderr()).toMatch(/thingbench --help/);
    expect(proc.stdout()).toBe('');
  });

  it('--help and --version exit 0', async () => {
    const help = runCli(['--help']);
    const version = runCli(['--version']);
    expect((await help.exited).code).toBe(0);
    expect(help.stdout()).toMatch(/Usage:[\s\S]*thingbench up[\s\S]*--data-dir/);
    expect((await version.exited).code).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version.stdout().trim()).toBe(pkg.version);
  });
});
