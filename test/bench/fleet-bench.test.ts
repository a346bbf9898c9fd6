/**
 * The fleet benchmark's accounting (bench/fleet/): the subscriber's ledger counts each device's message once, the
 * verdict names every way a run fails to hold; and the fleet process against the real engine: it announces itself,
 * reports status, and on "stop" disconnects every device only after its QoS 1 messages are acknowledged, so the
 * benchmark's "every message acknowledged and delivered" compares like with like; the benchmark's raw subscriber
 * receives each message once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DeliveryLedger } from '../../bench/fleet/deliveries.js';
import { verdict, type RunResult } from '../../bench/fleet/verdict.js';
import { FleetSubscriber } from '../../bench/fleet/subscriber.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const reading = (seq: number, ts = 1000) => Buffer.from(JSON.stringify({ seq, ts, temperature: 21.5 }));

describe('DeliveryLedger', () => {
  it('counts each (device, seq) once, duplicates and foreign messages apart', () => {
    const l = new DeliveryLedger();
    l.record('bench/fleet/0', reading(0), 1005);
    l.record('bench/fleet/0', reading(1), 1007);
    l.record('bench/fleet/1', reading(0), 1002);
    l.record('bench/fleet/0', reading(1), 1009); // a QoS 1 redelivery
    l.record('bench/other', reading(0), 1000);
    l.record('bench/fleet/2', Buffer.from('not json'), 1000);
    l.record('bench/fleet/3', Buffer.from('{"seq":-1}'), 1000);
    expect({ received: l.received, unique: l.unique, duplicates: l.duplicates, foreign: l.foreign, devices: l.devicesHeard() })
      .toEqual({ received: 7, unique: 3, duplicates: 1, foreign: 3, devices: 2 });
    const lat = l.latency.summaryMs();
    expect(lat.count).toBe(3);
    expect(lat.max).toBeCloseTo(7, 0);
  });

  it('keeps counting once sequence numbers outgrow the first bitmap, and times only while timing is on', () => {
    const l = new DeliveryLedger();
    l.timing = false;
    for (let seq = 0; seq < 5000; seq += 7) l.record('bench/fleet/42', reading(seq), 1001);
    l.timing = true;
    for (let seq = 0; seq < 5000; seq += 7) l.record('bench/fleet/42', reading(seq), 1001);
    l.record('bench/fleet/42', reading(4999), 1003);
    expect(l.unique).toBe(Math.ceil(5000 / 7) + 1);
    expect(l.duplicates).toBe(Math.ceil(5000 / 7));
    expect(l.latency.count).toBe(1);
  });
});

describe('verdict', () => {
  const held: RunResult = {
    broker: 'thingbench', devices: 100, seconds: 10, held: true, reasons: [], offered_per_s: 100, published_per_s: 99.5,
    acked_per_s: 99.5, delivered_per_s: 99.4, published: 1500, acked: 1500, delivered_unique: 1500, missing: 0, duplicates: 2,
    buffered: 0, dropped: 0, reconnects: 0,
  };

  it('holds when the rates reach 97 % of the offered rate and every message was acknowledged and delivered', () => {
    expect(verdict(held)).toEqual([]);
  });

  it('names each way a run fails', () => {
    const r = verdict({ ...held, published_per_s: 90, acked_per_s: 80, delivered_per_s: 70, acked: 1490, missing: 12, reconnects: 3, dropped: 4 });
    expect(r).toEqual([
      'published 90/s < 97 % of 100/s',
      'acknowledged 80/s < 97 % of 100/s',
      'delivered 70/s < 97 % of 100/s',
      '3 reconnects',
      '10 of 1500 not acknowledged',
      '12 of 1500 never delivered',
      '4 dropped from offline buffers',
    ]);
  });
});

describe('the fleet process against the engine', () => {
  let engine: TestEngine;
  beforeAll(async () => { engine = await startTestEngine(); });
  afterAll(async () => { await engine?.stop(); });

  it('reports status, and stops only once every QoS 1 message is acknowledged; the subscriber got each one', async () => {
    const ledger = new DeliveryLedger();
    const sub = new FleetSubscriber('fleet-bench-sub', ledger);
    await sub.open('127.0.0.1', engine.mqttPort, 60, 5000);
    await sub.subscribe('bench/fleet/#', 1, 5000);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/fleet/fleet-child.ts'),
      '--model', path.join(root, 'bench/fleet/bench-device.yaml'), '--count', '20', '--url', `mqtt://127.0.0.1:${engine.mqttPort}`,
      '--status-ms', '100'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    const events: Array<Record<string, unknown>> = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) events.push(JSON.parse(line) as Record<string, unknown>);
    });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      // Every device online and each past its first second (phases spread over 1 s): at least 2 messages each.
      await vi.waitFor(() => {
        const s = events.filter((e) => e.event === 'status').at(-1);
        expect(s?.connected).toBe(20);
        expect(s?.published).toBeGreaterThanOrEqual(40);
      }, { timeout: 20_000, interval: 50 });
      expect(events[0]).toMatchObject({ event: 'ready', devices: 20 });
      child.stdin.write('stop\n');
      expect(await exited).toBe(0);
      const stopped = events.find((e) => e.event === 'stopped') as { published: number; acked: number; connects: number; connected: number };
      expect(stopped.connected).toBe(0);
      expect(stopped.connects).toBe(20);
      expect(stopped.acked).toBe(stopped.published);
      await vi.waitFor(() => expect(ledger.unique).toBe(stopped.published), { timeout: 10_000, interval: 20 });
      expect(ledger.devicesHeard()).toBe(20);
      expect(ledger.foreign).toBe(0);
      // Each message arrived once.
      expect(ledger.duplicates).toBe(0);
    } finally {
      child.kill('SIGKILL');
      sub.close();
    }
  }, 40_000);
});
