/**
 * The data benchmark (bench/data.ts): its JSON publisher's PUBLISH bytes against mqtt-packet, its closed-loop request
 * runner's accounting (a cap on units stops it early, errors are counted apart), and a `--quick` run against a real
 * engine: every phase ran without errors, the table held every item loaded, the catch-up read every record put, and
 * the dynamoDBv2 rule wrote every message the publishers sent.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import { encodeQos1Publish } from '../../bench/lib/json-publisher.js';
import { runOps } from '../../bench/lib/op-load.js';
import { encodeConnect } from '../../bench/lib/mqtt-wire.js';
import { tempDir } from '../helpers/temp-dirs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('encodeQos1Publish', () => {
  it('is the QoS 1 PUBLISH mqtt-packet generates, for short and long (multi-byte length) payloads', () => {
    for (const size of [2, 130, 20_000]) {
      const payload = Buffer.from(JSON.stringify({ device: 'p1', pad: 'x'.repeat(size) }));
      const ours = encodeQos1Publish(Buffer.from('bench/data/p1'), 65535, payload);
      const theirs = mqttPacket.generate({ cmd: 'publish', topic: 'bench/data/p1', payload, qos: 1, messageId: 65535, dup: false, retain: false } as Packet);
      expect(ours.equals(theirs)).toBe(true);
      const parser = mqttPacket.parser();
      const got: Packet[] = [];
      parser.on('packet', (p: Packet) => got.push(p));
      parser.parse(Buffer.concat([encodeConnect('c', 60), ours]));
      const p = got[1] as IPublishPacket;
      expect([p.topic, p.qos, p.messageId, Buffer.from(p.payload).equals(payload)]).toEqual(['bench/data/p1', 1, 65535, true]);
    }
  });
});

describe('runOps', () => {
  it('stops at its cap on units, warm-up included, and counts what finished in the window', async () => {
    let done = 0;
    const r = await runOps({ concurrency: 3, warmupMs: 0, windowMs: 10_000, pids: [process.pid], cap: 60, unitsPerOp: 5 }, async () => {
      await new Promise((res) => setImmediate(res));
      done += 5;
      return 5;
    });
    expect(done).toBe(60);
    expect(r.totalUnits).toBe(60);
    expect(r.windowSeconds).toBeLessThan(5);
    expect(r.perSecond).toBeGreaterThan(0);
    expect(r.errors).toBe(0);
  });

  it('keeps the window open until minOps operations finished in it', async () => {
    const r = await runOps({ concurrency: 1, warmupMs: 0, windowMs: 10, pids: [process.pid], minOps: 3 }, async () => {
      await new Promise((res) => setTimeout(res, 30));
      return 7;
    });
    expect(Math.round(r.opsPerSecond * r.windowSeconds)).toBeGreaterThanOrEqual(3); // a count recovered from a rate: round off float error
    expect(r.windowSeconds).toBeGreaterThanOrEqual(0.08);
    expect(r.perSecond).toBeCloseTo(r.opsPerSecond * 7, 6);
  });

  it('counts failing operations as errors and keeps the first', async () => {
    const r = await runOps({ concurrency: 2, warmupMs: 0, windowMs: 50, pids: [process.pid] }, async (_w, seq) => {
      await new Promise((res) => setImmediate(res));
      if (seq % 2 === 1) throw new TypeError(`odd ${seq}`);
    });
    expect(r.errors).toBeGreaterThan(0);
    expect(r.firstError).toMatch(/^TypeError: odd \d+$/);
    expect(r.opsPerSecond).toBeGreaterThan(0);
  });
});

describe('npm run bench -- data --quick', () => {
  it('runs every phase against a real engine and accounts for every item, record and message', async () => {
    const out = tempDir('tb-data-bench-');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/data.ts'), '--quick', '--seconds', '0.5', '--warmup', '0.2', '--out', out],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect({ code, stderr: code === 0 ? '' : `${stdout}\n${stderr}` }).toEqual({ code: 0, stderr: '' });
    const files = readdirSync(out).filter((f) => f.startsWith('data-') && f.endsWith('.jsonl'));
    expect(files).toHaveLength(1);
    const summary = JSON.parse(readFileSync(path.join(out, files[0]), 'utf8').trim()) as {
      failed: string[]; results: Record<string, { per_s: number; errors: number; [k: string]: unknown }>;
    };
    expect(summary.failed).toEqual([]);
    const rows = summary.results;
    expect(Object.keys(rows).sort()).toEqual([
      'ddb-get', 'ddb-load', 'ddb-put', 'ddb-query', 'kinesis-catchup', 'kinesis-put', 'mqtt-no-rules', 'publish', 'publish-last', 'rule-table',
    ]);
    for (const [id, r] of Object.entries(rows)) {
      expect({ id, positive: r.per_s > 0, errors: r.errors }).toEqual({ id, positive: true, errors: 0 });
    }
    expect(rows['ddb-load'].items).toBe(2000);
    // The backlog is what PutRecords put, topped up to --backlog (1,000 with --quick); the readers read all of it.
    const backlog = rows['kinesis-catchup'].backlog as number;
    expect(rows['kinesis-catchup'].read).toBe(backlog);
    expect(backlog).toBeGreaterThanOrEqual(Math.max(1000, rows['kinesis-put'].records_put as number));
    expect(rows['rule-table'].items).toBe(rows['rule-table'].messages);
    expect(rows['rule-table'].messages as number).toBeGreaterThan(0);
    // The table shows every row and its ratio to its baseline.
    expect(stdout).toMatch(/DynamoDB Query \(10 items of one device\)\s+requests\s+[\d,.]+\s+[\d.]+× Publish/);
    expect(stdout).toMatch(/dynamoDBv2 rule → table.*messages\s+[\d,.]+\s+[\d.]+× no rules/);
  }, 120_000);
});
