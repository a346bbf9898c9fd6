/**
 * The `replay` step: a recording beside the scenario is played into the real engine as its original publishers
 * (optionally with a client id prefix), in order, with its timing on the run's clock; a bad recording is one
 * `file:line` sentence.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tempDir } from '../helpers/temp-dirs.js';
import type { Target } from '../../engine/scenarios/targets/target.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';
import { encodeLine } from '../../engine/scenarios/index.js';

let te: TestEngine;
beforeAll(async () => {
  te = await startTestEngine();
});
afterAll(() => te.stop());

const recording = [
  { t: 0, topic: 'plant/p1/temp', qos: 1 as const, retain: false, payload: Buffer.from('{"t":20}'), clientId: 'pump-1' },
  { t: 400, topic: 'plant/p2/temp', qos: 0 as const, retain: false, payload: Buffer.from('{"t":21}'), clientId: 'pump-2' },
  { t: 800, topic: 'plant/p1/temp', qos: 1 as const, retain: false, payload: Buffer.from('{"t":22}'), clientId: 'pump-1' },
].map(encodeLine).join('\n') + '\n';

describe('replay step', () => {
  it('plays a recording as its publishers, in order and with its timing, with a client id prefix', async () => {
    const started = Date.now();
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: replay monday
steps:
  - replay: { file: monday.jsonl, clientIdPrefix: replay- }
  - expect: { topic: "plant/+/temp", where: [{ path: $.t, value: 20 }] }
  - expect: { topic: "plant/+/temp", where: [{ path: $.t, value: 21 }] }
  - expect: { topic: "plant/+/temp", where: [{ path: $.t, value: 22 }] }
  - absent: { topic: "plant/+/temp", within: 100ms }
`,
      'monday.jsonl': recording,
    });
    expect(result.message).toBeUndefined();
    expect(result.steps[0].note).toMatch(/^3 messages from 2 clients in \d+ ms$/);
    // The recording spans 800 ms at speed 1.
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    const seen = (await te.engine.api.broker.messages({ filter: 'plant/+/temp' })).reverse();
    expect(seen.map((m) => [m.clientId, m.topic, Buffer.from(m.payload, 'base64').toString()])).toEqual([
      ['replay-pump-1', 'plant/p1/temp', '{"t":20}'],
      ['replay-pump-2', 'plant/p2/temp', '{"t":21}'],
      ['replay-pump-1', 'plant/p1/temp', '{"t":22}'],
    ]);
  });

  it('runs at speed max and loops; a bad line is a file:line sentence', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: fast loops
steps:
  - replay: { file: monday.jsonl, speed: max, loops: 3 }
  - expect: { topic: "plant/+/temp", count: 9, within: 5s }
`,
      'monday.jsonl': recording,
    });
    expect(result.message).toBeUndefined();
    expect(result.steps[0].note).toMatch(/^9 messages from 2 clients/);

    const { result: bad } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: broken file
steps:
  - replay: { file: broken.jsonl }
`,
      'broken.jsonl': `${encodeLine({ t: 0, topic: 'a', qos: 0, retain: false, payload: Buffer.from('x') })}\n{"t":"soon"}\n`,
    });
    expect(bad.status).toBe('failed');
    expect(bad.steps[0].message).toMatch(/broken\.jsonl:2: /);
  });
});

describe.skipIf(!fs.existsSync('/usr/sbin/mosquitto') || !fs.existsSync('/usr/bin/mosquitto_passwd'))('replay step on Mosquitto with a login', () => {
  const login = { username: 'lab', password: 'replay:secret@2' };
  let mosquitto: ChildProcess | undefined;
  afterAll(async () => {
    if (mosquitto && mosquitto.exitCode === null) {
      const gone = new Promise((r) => mosquitto!.once('exit', r));
      mosquitto.kill('SIGTERM');
      await gone;
    }
  });

  it('logs in with the target\'s username and password', async () => {
    const dir = tempDir('tb-replay-mosquitto-');
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(p));
      });
    });
    const passwd = path.join(dir, 'passwd');
    execFileSync('/usr/bin/mosquitto_passwd', ['-c', '-b', passwd, login.username, login.password], { stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, 'mosquitto.conf'), [
      `listener ${port} 127.0.0.1`, ...(process.getuid?.() === 0 ? ['user root'] : []), 'allow_anonymous false', `password_file ${passwd}`, 'persistence false', 'log_dest stderr', 'log_type error', '',
    ].join('\n'));
    mosquitto = spawn('/usr/sbin/mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    await vi.waitFor(() => new Promise<void>((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port }, () => { sock.destroy(); resolve(); });
      sock.once('error', reject);
    }), { timeout: 15_000, interval: 50 });
    const plain: Target = {
      name: 'plain', kind: 'mqtt', capabilities: { shadows: false, controlPlane: false, sinks: false, engineRestart: false },
      mqtt: () => ({ url: `mqtt://127.0.0.1:${port}`, ...login }), close: async () => undefined,
    };
    const { result } = await runFiles(plain, {
      'main.yaml': `
name: replay on a plain broker
steps:
  - replay: { file: monday.jsonl, speed: max }
  - expect: { topic: "plant/+/temp", count: 3 }
`,
      'monday.jsonl': recording,
    });
    expect(result.message).toBeUndefined();
    expect(result.steps[0].note).toMatch(/^3 messages from 2 clients/);
  });
});
