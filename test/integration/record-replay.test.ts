/**
 * Record and replay (issue #11): `record()` from a local engine's capture (publishers' client ids kept) and from any
 * broker by URL (Mosquitto), `replay()` as the original publishers into a fresh engine, speed scaling on a virtual
 * clock, and the `thingbench record` / `thingbench replay` commands (Ctrl-C flushes, bad files exit 2).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { connect, startTestEngine, type TestEngine, type TestEngineOptions } from '../helpers/engine.js';
import { closeAll, run, uid } from '../helpers/broker-clients.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { startBroker, type RunningBroker } from '../../bench/lib/brokers.js';
import { parseRecording, record, replay, VirtualReplayClock, type RecordedMessage, type Recording } from '../../engine/scenarios/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repoRoot, 'bin/thingbench.js');
const dir = tempDir('tb-record-');
const clients: MqttClient[] = [];
const engines: TestEngine[] = [];
const recordings: Recording[] = [];

afterEach(async () => {
  await Promise.all(recordings.splice(0).map((r) => r.stop().catch(() => {})));
  await closeAll(clients);
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

async function engine(mode: 'aws' | 'standard' = 'aws', limits?: TestEngineOptions['limits']): Promise<TestEngine> {
  const e = await startTestEngine({ mode, limits });
  engines.push(e);
  return e;
}

async function client(url: string | number, clientId: string, protocolVersion: 4 | 5 = 5): Promise<MqttClient> {
  const c = await connect(url, { clientId, protocolVersion });
  clients.push(c);
  return c;
}

function readRecording(file: string): RecordedMessage[] {
  const parsed = parseRecording(fs.readFileSync(file, 'utf8'), file);
  expect(parsed.errors).toEqual([]);
  return parsed.messages;
}

/** What a replay must reproduce: everything but the timing. */
const shape = (m: RecordedMessage) => ({ topic: m.topic, payload: m.payload.toString('base64'), qos: m.qos, retain: m.retain, clientId: m.clientId, properties: m.properties });

describe('record from a local engine, replay into a fresh one', () => {
  it('keeps topics, payloads, client ids, QoS, retain flags, MQTT 5 properties and order', async () => {
    const a = await engine();
    const out = path.join(dir, 'fleet.jsonl');
    const rec = await record({ filters: ['fleet/#'], out, source: { engine: a.engine } });
    recordings.push(rec);
    const d1 = uid('dev'), d2 = uid('dev');
    const c1 = await client(a.mqttPort, d1, 5);
    const c2 = await client(a.mqttPort, d2, 4);
    await c1.publishAsync('fleet/1/telemetry', '{"temp":21.5}', {
      qos: 1,
      properties: { contentType: 'application/json', responseTopic: 'fleet/1/reply', correlationData: Buffer.from([1, 2, 3]), userProperties: { site: 'north', tag: ['a', 'b'] }, messageExpiryInterval: 3600 },
    });
    await c2.publishAsync('fleet/2/state', 'on', { qos: 1, retain: true });
    await c2.publishAsync('other/ignored', 'x', { qos: 1 });
    await c1.publishAsync('fleet/1/raw', Buffer.from([0xff, 0x00, 0x80]), { qos: 0 });
    await c2.publishAsync('fleet/2/end', 'marker', { qos: 1 });
    await vi.waitFor(() => expect(rec.count).toBe(4), { timeout: 5000 });
    const summary = await rec.stop();
    expect(summary).toMatchObject({ messages: 4, clients: 2, lost: 0 });

    const recorded = readRecording(out);
    expect(recorded.map(shape)).toEqual([
      { topic: 'fleet/1/telemetry', payload: Buffer.from('{"temp":21.5}').toString('base64'), qos: 1, retain: false, clientId: d1,
        properties: { contentType: 'application/json', responseTopic: 'fleet/1/reply', correlationData: 'AQID', userProperties: [['site', 'north'], ['tag', 'a'], ['tag', 'b']], messageExpiryInterval: 3600 } },
      { topic: 'fleet/2/state', payload: Buffer.from('on').toString('base64'), qos: 1, retain: true, clientId: d2, properties: undefined },
      { topic: 'fleet/1/raw', payload: Buffer.from([0xff, 0x00, 0x80]).toString('base64'), qos: 0, retain: false, clientId: d1, properties: undefined },
      { topic: 'fleet/2/end', payload: Buffer.from('marker').toString('base64'), qos: 1, retain: false, clientId: d2, properties: undefined },
    ]);
    expect(recorded[0].t).toBe(0);
    expect(recorded.every((m, i) => i === 0 || m.t >= recorded[i - 1].t)).toBe(true);
    // The file is JSON lines: text payloads as text, the binary one as base64.
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0].payload).toBe('{"temp":21.5}');
    expect(lines[2]).toMatchObject({ payload: '/wCA', encoding: 'base64' });

    // Replay into a fresh engine, recording its capture too: the second recording equals the first.
    const b = await engine();
    const again = path.join(dir, 'fleet-again.jsonl');
    const rec2 = await record({ filters: ['#'], out: again, source: { engine: b.engine } });
    recordings.push(rec2);
    const s = await replay(recorded, { mqttUrl: b.info.endpoints.mqtt, speed: 20 });
    expect(s).toMatchObject({ messages: 4, clients: 2, loops: 1 });
    await vi.waitFor(() => expect(rec2.count).toBe(4), { timeout: 5000 });
    await rec2.stop();
    expect(readRecording(again).map(shape)).toEqual(recorded.map(shape));
    // The retained message is stored on the new engine as on the old one.
    const late = await client(b.mqttPort, uid('late'));
    const retained = new Promise<[string, Buffer]>((resolve) => late.once('message', (t, p) => resolve([t, p])));
    await late.subscribeAsync('fleet/2/state', { qos: 1 });
    expect((await retained).map(String)).toEqual(['fleet/2/state', 'on']);
  });

  it('leaves out what the engine published itself when asked (clientsOnly)', async () => {
    const a = await engine();
    const all = path.join(dir, 'shadow-all.jsonl'), own = path.join(dir, 'shadow-clients.jsonl');
    const recAll = await record({ filters: ['$aws/things/+/shadow/#'], out: all, source: { engine: a.engine } });
    const recOwn = await record({ filters: ['$aws/things/+/shadow/#'], out: own, source: { engine: a.engine, clientsOnly: true } });
    recordings.push(recAll, recOwn);
    const lamp = await client(a.mqttPort, 'lamp-1', 5);
    await lamp.publishAsync('$aws/things/lamp-1/shadow/update', '{"state":{"reported":{"on":true}}}', { qos: 1 });
    await vi.waitFor(() => expect(recAll.count).toBe(3), { timeout: 5000 });
    await Promise.all([recAll.stop(), recOwn.stop()]);
    expect(readRecording(all).map((m) => [m.topic, m.clientId])).toEqual([
      ['$aws/things/lamp-1/shadow/update', 'lamp-1'],
      ['$aws/things/lamp-1/shadow/update/accepted', undefined],
      ['$aws/things/lamp-1/shadow/update/documents', undefined],
    ]);
    expect(readRecording(own).map((m) => [m.topic, m.clientId])).toEqual([['$aws/things/lamp-1/shadow/update', 'lamp-1']]);
  });

  it('connects as replay-<client id> when asked (here over WebSocket)', async () => {
    const b = await engine();
    const out = path.join(dir, 'prefixed.jsonl');
    const rec = await record({ filters: ['p/#'], out, source: { engine: b.engine } });
    recordings.push(rec);
    const msgs: RecordedMessage[] = [
      { t: 0, topic: 'p/1', qos: 1, retain: false, payload: Buffer.from('x'), clientId: 'sensor-1' },
      { t: 5, topic: 'p/anon', qos: 0, retain: false, payload: Buffer.from('y') },
      { t: 10, topic: 'p/2', qos: 1, retain: false, payload: Buffer.from('z'), clientId: 'sensor-1' },
    ];
    const s = await replay(msgs, { mqttUrl: b.wsUrl, clientIdPrefix: 'replay-', anonymousClientId: 'anon-replayer', clock: new VirtualReplayClock() });
    expect(s.clients).toBe(2);
    await vi.waitFor(() => expect(rec.count).toBe(3), { timeout: 5000 });
    await rec.stop();
    expect(readRecording(out).map((m) => [m.topic, m.clientId])).toEqual([['p/1', 'replay-sensor-1'], ['p/anon', 'anon-replayer'], ['p/2', 'replay-sensor-1']]);
  });
});

describe('what a replay cannot publish, and bursts the live feed cannot carry', () => {
  it('counts and describes messages the broker refuses, and publishes the rest', async () => {
    const b = await engine();
    const out = path.join(dir, 'refused.jsonl');
    const rec = await record({ filters: ['ok/#'], out, source: { engine: b.engine } });
    recordings.push(rec);
    // aws mode: a client may not publish to a shadow response topic; the broker closes its connection.
    const msgs: RecordedMessage[] = [
      { t: 0, topic: 'ok/1', qos: 1, retain: false, payload: Buffer.from('1'), clientId: 'good-1' },
      { t: 1, topic: '$aws/things/t1/shadow/update/accepted', qos: 1, retain: false, payload: Buffer.from('{}'), clientId: 'bad-1' },
      { t: 2, topic: 'ok/2', qos: 1, retain: false, payload: Buffer.from('2'), clientId: 'good-1' },
      { t: 3, topic: 'ok/3', qos: 0, retain: false, payload: Buffer.from('3'), clientId: 'bad-1' },
      { t: 4, topic: 'ok/4', qos: 1, retain: false, payload: Buffer.from('4'), clientId: 'good-1' },
    ];
    const s = await replay(msgs, { mqttUrl: b.info.endpoints.mqtt, clock: new VirtualReplayClock() });
    expect(s).toMatchObject({ messages: 3, failed: 2, clients: 2 });
    expect(s.errors).toHaveLength(2);
    expect(s.errors[0]).toContain('client "bad-1" could not publish to $aws/things/t1/shadow/update/accepted');
    expect(s.errors[1]).toBe('client "bad-1" could not publish to ok/3: the broker closed its connection');
    await vi.waitFor(() => expect(rec.count).toBe(3), { timeout: 5000 });
    await rec.stop();
    expect(readRecording(out).map((m) => m.topic)).toEqual(['ok/1', 'ok/2', 'ok/4']);
  });

  it("keeps no more QoS 1 messages unacknowledged than the broker's Receive Maximum", async () => {
    // The publish-rate throttle is off and the Receive Maximum is 2: only it stands between a burst and DISCONNECT 0x93.
    const b = await engine('aws', { publishesPerSecond: 0, receiveMaximum: 2 });
    const out = path.join(dir, 'receive-max.jsonl');
    const rec = await record({ filters: ['rm/#'], out, source: { engine: b.engine } });
    recordings.push(rec);
    const msgs: RecordedMessage[] = Array.from({ length: 300 }, (_, i) => ({ t: 0, topic: `rm/${i % 3}`, qos: 1 as const, retain: false, payload: Buffer.from(String(i)), clientId: 'rm-1' }));
    const s = await replay(msgs, { mqttUrl: b.info.endpoints.mqtt, clock: new VirtualReplayClock() });
    expect(s).toMatchObject({ messages: 300, failed: 0, errors: [] });
    await vi.waitFor(() => expect(rec.count).toBe(300), { timeout: 10_000 });
    await rec.stop();
    expect(readRecording(out).map((m) => m.payload.toString())).toEqual(msgs.map((m) => m.payload.toString()));
  });

  it("records every message of a burst, also those the live feed coalesced, from the engine's history", async () => {
    const a = await engine('standard');
    const out = path.join(dir, 'burst.jsonl');
    const rec = await record({ filters: ['burst/#'], out, source: { engine: a.engine } });
    recordings.push(rec);
    const dropped: number[] = [];
    const watch = a.engine.events.on('broker.messages', (batch) => dropped.push(batch.dropped));
    const c = await client(a.mqttPort, uid('burst'), 4);
    const n = 3000;
    for (let i = 0; i < n; i++) c.publish(`burst/${i % 7}`, String(i), { qos: 0 });
    await c.publishAsync('burst/end', 'marker', { qos: 1 });
    await vi.waitFor(() => expect(rec.count).toBe(n + 1), { timeout: 15_000 });
    watch.dispose();
    const s = await rec.stop();
    expect(s).toMatchObject({ messages: n + 1, lost: 0, clients: 1 });
    const payloads = readRecording(out).map((m) => m.payload.toString());
    expect(payloads).toEqual([...Array.from({ length: n }, (_, i) => String(i)), 'marker']);
    // Whether this machine was fast enough to overflow a 100 ms batch is reported, not assumed.
    console.log(`burst: the live feed left out ${dropped.reduce((x, y) => x + y, 0)} message(s), taken from the history`);
  });
});

describe('replay timing on a virtual clock', () => {
  it('divides every offset by --speed, loops shift by the recording length, and lag is measured', async () => {
    const b = await engine();
    const watcher = await client(b.mqttPort, uid('watch'));
    await watcher.subscribeAsync('clock/#', { qos: 1 });
    const got: string[] = [];
    watcher.on('message', (t, p) => got.push(`${t}=${String(p)}`));
    const msgs: RecordedMessage[] = [
      { t: 0, topic: 'clock/a', qos: 1, retain: false, payload: Buffer.from('0'), clientId: 'clk-1' },
      { t: 1000, topic: 'clock/b', qos: 0, retain: false, payload: Buffer.from('1000'), clientId: 'clk-2' },
      { t: 3000, topic: 'clock/a', qos: 1, retain: false, payload: Buffer.from('3000'), clientId: 'clk-1' },
    ];
    const clock = new VirtualReplayClock(5_000);
    const at: number[] = [];
    const s = await replay(msgs, { mqttUrl: b.info.endpoints.mqtt, speed: 4, loops: 2, clock, onPublished: (_m, time) => at.push(time - 5_000) });
    // Loop 2 starts where loop 1's last message was (3000 ms → 750 ms at speed 4).
    expect(at).toEqual([0, 250, 750, 750, 1000, 1500]);
    expect(clock.sleeps).toEqual([250, 500, 250, 500]);
    expect(s).toMatchObject({ messages: 6, clients: 2, loops: 2, durationMs: 1500, lagMs: { mean: 0, max: 0 } });
    await vi.waitFor(() => expect(got).toHaveLength(6), { timeout: 5000 });
    expect(got).toEqual(['clock/a=0', 'clock/b=1000', 'clock/a=3000', 'clock/a=0', 'clock/b=1000', 'clock/a=3000']);
  });

  it('refuses a speed of 0 and stops at once when aborted', async () => {
    const msgs: RecordedMessage[] = [{ t: 0, topic: 'x', qos: 0, retain: false, payload: Buffer.alloc(0) }];
    await expect(replay(msgs, { mqttUrl: 'mqtt://127.0.0.1:1', speed: 0 })).rejects.toThrow('speed must be a number above 0, not 0');
    const b = await engine();
    const abort = new AbortController();
    abort.abort();
    const s = await replay(msgs, { mqttUrl: b.info.endpoints.mqtt, loops: Infinity, signal: abort.signal });
    expect(s.messages).toBe(0);
  });
});

describe('record any broker by URL: Mosquitto', () => {
  let mosquitto: RunningBroker | undefined;
  afterAll(async () => mosquitto?.stop());

  it('records live traffic with QoS, retain flags and MQTT 5 properties, not the retained messages already stored', async () => {
    mosquitto = await startBroker('mosquitto', { repoRoot, mosquittoBin: '/usr/sbin/mosquitto', timeoutMs: 15_000 });
    const pub5 = await client(mosquitto.url, uid('m5'), 5);
    const pub4 = await client(mosquitto.url, uid('m4'), 4);
    await pub4.publishAsync('site/old', 'stored before recording', { qos: 1, retain: true });
    const out = path.join(dir, 'mosquitto.jsonl');
    const rec = await record({ filters: ['site/#'], out, source: { mqttUrl: mosquitto.url } });
    recordings.push(rec);
    await pub5.publishAsync('site/a', '{"v":1}', { qos: 1, retain: true, properties: { userProperties: { unit: 'C' }, contentType: 'application/json', payloadFormatIndicator: true } });
    await pub4.publishAsync('site/b', Buffer.from([0xc3, 0x28]), { qos: 0 });
    await pub4.publishAsync('site/c', 'two', { qos: 2 });
    await vi.waitFor(() => expect(rec.count).toBe(3), { timeout: 5000 });
    const s = await rec.stop();
    expect(s).toMatchObject({ messages: 3, clients: 0 });
    expect(readRecording(out).map(shape)).toEqual([
      { topic: 'site/a', payload: Buffer.from('{"v":1}').toString('base64'), qos: 1, retain: true, clientId: undefined,
        properties: { payloadFormatIndicator: true, contentType: 'application/json', userProperties: [['unit', 'C']] } },
      { topic: 'site/b', payload: Buffer.from([0xc3, 0x28]).toString('base64'), qos: 0, retain: false, clientId: undefined, properties: undefined },
      { topic: 'site/c', payload: Buffer.from('two').toString('base64'), qos: 2, retain: false, clientId: undefined, properties: undefined },
    ]);
  });
});

describe('thingbench record --mqtt-url', () => {
  let mosquitto: RunningBroker | undefined;
  afterAll(async () => mosquitto?.stop());

  it('records Mosquitto for --duration seconds and stops by itself', async () => {
    mosquitto = await startBroker('mosquitto', { repoRoot, mosquittoBin: '/usr/sbin/mosquitto', timeoutMs: 15_000 });
    const out = path.join(dir, 'cli-mosquitto.jsonl');
    const child = spawn(process.execPath, [cli, 'record', '--filter', 'room/+/temp', '--out', out, '--mqtt-url', mosquitto.url, '--duration', '6', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await vi.waitFor(() => expect(stdout).toContain('"event":"recording"'), { timeout: 20_000, interval: 50 });
      const pub = await client(mosquitto.url, uid('room'), 5);
      await pub.publishAsync('room/1/temp', '20.5', { qos: 1, properties: { contentType: 'text/plain' } });
      await pub.publishAsync('room/1/humidity', '40', { qos: 1 });
      await pub.publishAsync('room/2/temp', '19', { qos: 0 });
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(stderr).toBe('');
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ event: 'recorded', messages: 2, clients: 0 });
    expect(readRecording(out).map((m) => [m.topic, m.payload.toString(), m.qos, m.properties])).toEqual([
      ['room/1/temp', '20.5', 1, { contentType: 'text/plain' }],
      ['room/2/temp', '19', 0, undefined],
    ]);
  });
});

describe('thingbench record / replay', () => {
  it('records a local engine until Ctrl-C, and replays the file into another engine', async () => {
    const out = path.join(dir, 'cli.jsonl');
    const child = spawn(process.execPath, [cli, 'record', '--filter', 'cli/#', '--out', out, '--json', '--data-dir', tempDir('tb-record-cli-'),
      '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await vi.waitFor(() => expect(stdout).toContain('"event":"ready"'), { timeout: 20_000, interval: 50 });
      const ready = JSON.parse(stdout.split('\n')[0]) as { endpoints: { mqtt: string } };
      const dev = await client(ready.endpoints.mqtt, 'cli-device', 5);
      await dev.publishAsync('cli/1', 'first', { qos: 1 });
      await dev.publishAsync('cli/2', 'second', { qos: 1, properties: { userProperties: { k: 'v' } } });
      await vi.waitFor(() => expect(fs.readFileSync(out, 'utf8')).toContain('"second"'), { timeout: 5000, interval: 50 });
      await dev.endAsync();
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(stderr).toBe('');
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ event: 'recorded', messages: 2, clients: 1, lost: 0 });

    const b = await engine();
    const again = path.join(dir, 'cli-again.jsonl');
    const rec = await record({ filters: ['cli/#'], out: again, source: { engine: b.engine } });
    recordings.push(rec);
    const replayed = await run(process.execPath, [cli, 'replay', out, '--speed', '50', '--json', '--mqtt-url', b.info.endpoints.mqtt], 30_000).done;
    expect(replayed.stderr).toBe('');
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout)).toMatchObject({ event: 'replayed', messages: 2, clients: 1, loops: 1 });
    await vi.waitFor(() => expect(rec.count).toBe(2), { timeout: 5000 });
    await rec.stop();
    expect(readRecording(again).map(shape)).toEqual(readRecording(out).map(shape));
    expect(readRecording(again)[1].properties).toEqual({ userProperties: [['k', 'v']] });
  });

  it('replays --loop until Ctrl-C and prints what went out', async () => {
    const file = path.join(dir, 'loop.jsonl');
    fs.writeFileSync(file, [
      '{"t":0,"topic":"loop/a","qos":1,"retain":false,"payload":"a","clientId":"looper"}',
      '{"t":100,"topic":"loop/b","qos":0,"retain":false,"payload":"b","clientId":"looper"}',
    ].join('\n') + '\n');
    const b = await engine();
    const again = path.join(dir, 'loop-again.jsonl');
    const rec = await record({ filters: ['loop/#'], out: again, source: { engine: b.engine } });
    recordings.push(rec);
    const child = spawn(process.execPath, [cli, 'replay', file, '--loop', '--json', '--mqtt-url', b.info.endpoints.mqtt], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await vi.waitFor(() => expect(rec.count).toBeGreaterThanOrEqual(6), { timeout: 20_000, interval: 50 });
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(stderr).toBe('');
    const summary = JSON.parse(stdout) as { messages: number; loops: number; clients: number; failed: number };
    expect(summary).toMatchObject({ clients: 1, failed: 0 });
    expect(summary.loops).toBeGreaterThanOrEqual(3);
    await vi.waitFor(() => expect(rec.count).toBe(summary.messages), { timeout: 5000 });
    await rec.stop();
    const topics = readRecording(again).map((m) => m.topic);
    expect(topics).toEqual(Array.from({ length: summary.messages }, (_, i) => (i % 2 ? 'loop/b' : 'loop/a')));
  });

  it('records and replays over mutual TLS with --cert, --key and --ca', async () => {
    const b = await engine();
    const iot = new IoTClient({ endpoint: b.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    let pem: { cert: string; key: string; ca: string };
    try {
      const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      await iot.send(new CreatePolicyCommand({ policyName: 'record-replay', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) }));
      await iot.send(new AttachPolicyCommand({ policyName: 'record-replay', target: c.certificateArn }));
      pem = { cert: c.certificatePem!, key: c.keyPair!.PrivateKey!, ca: fs.readFileSync(path.join(b.dataDir, 'security', 'root-ca.pem'), 'utf8') };
    } finally {
      iot.destroy();
    }
    const out = path.join(dir, 'tls.jsonl');
    const rec = await record({ filters: ['tls/#'], out, source: { mqttUrl: b.info.endpoints.mqtts, tls: pem } });
    recordings.push(rec);
    const file = path.join(dir, 'tls-in.jsonl');
    fs.writeFileSync(file, '{"t":0,"topic":"tls/1","qos":1,"retain":false,"payload":"one","clientId":"tls-dev"}\n{"t":10,"topic":"tls/2","qos":1,"retain":false,"payload":"two","clientId":"tls-dev"}\n');
    const files = Object.fromEntries(Object.entries(pem).map(([k, v]) => {
      const f = path.join(dir, `tls-${k}.pem`);
      fs.writeFileSync(f, v);
      return [k, f];
    }));
    const r = await run(process.execPath, [cli, 'replay', file, '--mqtt-url', b.info.endpoints.mqtts, '--cert', files.cert, '--key', files.key, '--ca', files.ca, '--json'], 30_000).done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await vi.waitFor(() => expect(rec.count).toBe(2), { timeout: 5000 });
    await rec.stop();
    expect(readRecording(out).map((m) => [m.topic, m.payload.toString()])).toEqual([['tls/1', 'one'], ['tls/2', 'two']]);
    // Without a certificate the mutual TLS listener refuses the replay: one sentence, exit 1.
    const refused = await run(process.execPath, [cli, 'replay', file, '--mqtt-url', b.info.endpoints.mqtts, '--ca', files.ca], 30_000).done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^thingbench replay: cannot connect to mqtts:\/\/[^ ]+ as client "tls-dev": /);
    const misplaced = await run(process.execPath, [cli, 'replay', file, '--mqtt-url', b.info.endpoints.mqtt, '--cert', files.cert], 30_000).done;
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--cert is for mqtts:// and wss:// URLs');
  });

  it('reports each bad line of a malformed recording as FILE:line: and exits 2', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, [
      '{"t":0,"topic":"a","qos":1,"retain":false,"payload":"ok","clientId":"d1"}',
      '{"t":5,"topic":"a/+","qos":1,"retain":false,"payload":"x"}',
      '',
      '{"t":6,"topic":"a","qos":1,"retain":false,"payload":"x"',
      '{"t":7,"topic":"a","qos":9,"retain":false,"payload":"x"}',
    ].join('\n'));
    // The port is never reached: the file is checked before any connection.
    const r = await run(process.execPath, [cli, 'replay', bad, '--mqtt-url', 'mqtt://127.0.0.1:1'], 30_000).done;
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`${bad}:2: "topic" must be a topic name without wildcards (+, #), not "a/+"`);
    expect(lines[1]).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: not valid JSON`));
    expect(lines[2]).toBe(`${bad}:5: "qos" must be 0, 1 or 2`);

    const usage = await run(process.execPath, [cli, 'replay', bad, '--speed', 'fast'], 30_000).done;
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--speed must be a number above 0, not 'fast'");
    const noFilter = await run(process.execPath, [cli, 'record', '--out', bad], 30_000).done;
    expect(noFilter.code).toBe(2);
    expect(noFilter.stderr).toContain('record needs at least one --filter');
    // A broker that cannot be reached: one sentence, exit 1, and an earlier recording of that name left as it was.
    const earlier = path.join(dir, 'earlier.jsonl');
    fs.writeFileSync(earlier, 'kept\n');
    const unreachable = await run(process.execPath, [cli, 'record', '--filter', 'a/#', '--out', earlier, '--mqtt-url', 'mqtt://127.0.0.1:1'], 30_000).done;
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe('thingbench record: cannot connect to mqtt://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n');
    expect(fs.readFileSync(earlier, 'utf8')).toBe('kept\n');
  });
});
