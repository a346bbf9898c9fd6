/**
 * `thingbench up --limit NAME=VALUE` on a real process: the value replaces the broker mode's default for a broker
 * limit or a `shadow.` limit, and a bad `--limit` is a usage error (exit code 2).
 */
import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { until } from '../helpers/engine.js';
import { open, closeAll, type Recorded } from '../helpers/broker-clients.js';
import { runCli, startCli, type RunningCli } from './helpers/cli-process.js';
import { prefix } from './helpers/shadow-client.js';

const procs: RunningCli[] = [];
const clients: Recorded['client'][] = [];
afterEach(async () => {
  await closeAll(clients);
  for (const p of procs.splice(0)) {
    await p.kill9();
    fs.rmSync(p.ready.dataDir, { recursive: true, force: true });
  }
});

async function up(...extra: string[]): Promise<RunningCli> {
  const proc = await startCli(fs.mkdtempSync(path.join(os.tmpdir(), 'tb-limits-')), extra);
  procs.push(proc);
  return proc;
}

async function client(url: string): Promise<Recorded> {
  const rec = await open(url);
  clients.push(rec.client);
  return rec;
}

describe('--limit', () => {
  it('maxPayloadBytes=1000 in standard mode: a 500-byte publish is delivered, a 2000-byte one closes the connection', async () => {
    const cli = await up('--broker-mode', 'standard', '--limit', 'maxPayloadBytes=1000');
    const sub = await client(cli.mqttUrl);
    await sub.client.subscribeAsync('big/#', { qos: 1 });
    const pub = await client(cli.mqttUrl);

    await pub.client.publishAsync('big/ok', Buffer.alloc(500, 'a'), { qos: 1 });
    await until(() => sub.messages.length === 1, 5000, 'the 500-byte message');
    expect(sub.messages[0].payload.length).toBe(500);

    pub.client.publish('big/too', Buffer.alloc(2000, 'b'), { qos: 0 });
    await pub.closed;
    expect(sub.messages.map((m) => m.topic)).toEqual(['big/ok']);
  });

  it('maxPayloadBytes=0 in aws mode: no payload limit, a 200 KB publish (over AWS\'s 128 KB) is delivered', async () => {
    const cli = await up('--broker-mode', 'aws', '--limit', 'maxPayloadBytes=0');
    const sub = await client(cli.mqttUrl);
    await sub.client.subscribeAsync('big/one', { qos: 1 });
    const pub = await client(cli.mqttUrl);
    await pub.client.publishAsync('big/one', Buffer.alloc(200 * 1024, 'c'), { qos: 1 });
    await until(() => sub.messages.length === 1, 5000, 'the 200 KB message');
    expect(sub.messages[0].payload.length).toBe(200 * 1024);
  });

  it('shadow.requestsPerSecondPerThing=1 in aws mode: a second immediate update of one thing is answered 429', async () => {
    const cli = await up('--broker-mode', 'aws', '--limit', 'shadow.requestsPerSecondPerThing=1');
    const device = await client(cli.mqttUrl);
    await device.client.subscribeAsync([`${prefix('lamp')}/update/accepted`, `${prefix('lamp')}/update/rejected`], { qos: 1 });
    const update = (clientToken: string) => JSON.stringify({ state: { reported: { on: true } }, clientToken });
    device.client.publish(`${prefix('lamp')}/update`, update('first'), { qos: 0 });
    device.client.publish(`${prefix('lamp')}/update`, update('second'), { qos: 0 });
    await until(() => device.messages.length === 2, 5000, 'two answers');
    const answer = (suffix: string) => device.messages.filter((m) => m.topic.endsWith(suffix)).map((m) => JSON.parse(m.payload.toString()) as object);
    expect(answer('/update/accepted')).toEqual([expect.objectContaining({ clientToken: 'first' })]);
    expect(answer('/update/rejected')).toEqual([{ code: 429, message: 'Too Many Requests', timestamp: expect.any(Number), clientToken: 'second' }]);
  });

  it.each([
    [['--limit', 'maxPayload=10'], /unknown limit 'maxPayload'; valid names: maxPayloadBytes, .*keepAliveMax.*shadow\.inFlightPerConnection/],
    [['--limit', 'maxPayloadBytes'], /--limit must be NAME=VALUE, not 'maxPayloadBytes'/],
    [['--limit', 'maxPayloadBytes=-5'], /--limit maxPayloadBytes must be a non-negative integer \(0 turns the limit off\), not '-5'/],
    [['--limit', 'shadow.inFlightPerConnection=ten'], /--limit shadow\.inFlightPerConnection must be a non-negative integer .*not 'ten'/],
  ])('refuses %j with exit code 2 and a clear message, in up and serve', async (args, message) => {
    for (const command of ['up', 'serve']) {
      const proc = runCli([command, ...args]);
      expect((await proc.exited).code).toBe(2);
      expect(proc.stderr()).toMatch(message);
      expect(proc.stderr()).toMatch(/thingbench --help/);
      expect(proc.stdout()).toBe('');
    }
  });

  it('--help lists --limit', async () => {
    const help = runCli(['--help']);
    expect((await help.exited).code).toBe(0);
    expect(help.stdout()).toMatch(/--limit NAME=VALUE .*shadow\.NAME.*0 = off/);
  });

  it('each command takes --help (or -h) anywhere after it and prints its own usage', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['run', '--help'], /^Scenarios:\n {2}thingbench run FILE/], [['devices', 'start', '-h'], /^Virtual devices:\n/],
      [['target', '--help'], /^Targets /], [['record', '--help'], /^Record and replay:\n/], [['replay', 'x.jsonl', '--help'], /^Record and replay:\n/],
    ];
    for (const [argv, usage] of cases) {
      const help = runCli(argv);
      expect((await help.exited).code, argv.join(' ')).toBe(0);
      expect(help.stdout(), argv.join(' ')).toMatch(usage);
    }
  });
});
