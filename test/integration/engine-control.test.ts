/**
 * The engine control socket of a running `thingbench up` (a child process): announced under `<dataDir>/run/` with
 * owner-only permissions, serving the whole contract (calls and events) one JSON message per line to a client in this
 * process, refusing broken lines with the contract's error, and gone with its announcement after SIGINT; a stale
 * announcement (a killed engine) is removed when looked up. The fleet control socket shares the announcement code.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MessageBatch } from '../../engine/contract/index.js';
import { connectEngine, runningEngine, type EngineAnnouncement } from '../../engine/host/index.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { startCli, type RunningCli } from './helpers/cli-process.js';

let dataDir: string;
let cli: RunningCli;
let engine: EngineAnnouncement;

beforeAll(async () => {
  dataDir = tempDir('tb-engine-control-');
  cli = await startCli(dataDir);
  engine = runningEngine(dataDir)!;
});

afterAll(async () => {
  if (cli.child.exitCode === null) {
    cli.child.kill('SIGINT');
    await cli.exited;
  }
});

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('engine control socket', () => {
  it('is announced under <dataDir>/run with the endpoints, readable by the owner only', () => {
    expect(engine).toMatchObject({ pid: cli.child.pid, endpoints: cli.ready.endpoints });
    expect(fs.readdirSync(path.join(dataDir, 'run'))).toContain(`engine-${cli.child.pid}.json`);
    if (process.platform !== 'win32') {
      expect(mode(path.join(dataDir, 'run'))).toBe(0o700);
      expect(mode(path.join(dataDir, 'run', `engine-${cli.child.pid}.json`))).toBe(0o600);
      expect(mode(engine.socket)).toBe(0o600);
      expect(fs.statSync(engine.socket).isSocket()).toBe(true);
    }
  });

  it('serves the contract: calls answer, events arrive, errors keep their codes', async () => {
    const client = await connectEngine(engine);
    try {
      const info = await client.engine.info();
      expect(info.dataDir).toBe(cli.ready.dataDir);
      expect(info.endpoints.http).toBe(cli.ready.endpoints.http);
      const seen = new Promise<MessageBatch>((resolve) => {
        const sub = client.on('broker.messages', (batch) => {
          if (batch.messages.some((m) => m.topic === 'control/hello')) {
            sub.dispose();
            resolve(batch);
          }
        });
      });
      await client.broker.publish({ topic: 'control/hello', payload: 'hi' });
      expect((await seen).messages.find((m) => m.topic === 'control/hello')).toBeDefined();
      await expect(client.shadow.get('no-such-thing')).rejects.toMatchObject({ code: 'NotFound' });
    } finally {
      client.dispose();
    }
  });

  it('answers a line that is not JSON, or not a call, with the contract error and keeps the connection', async () => {
    const conn = net.connect(engine.socket);
    await once(conn, 'connect');
    const lines = readline.createInterface({ input: conn });
    const replies: unknown[] = [];
    lines.on('line', (l) => {
      const msg = JSON.parse(l) as { kind: string };
      if (msg.kind !== 'event') replies.push(msg);
    });
    conn.write('not json\n{"kind":"call","id":7,"method":"nope.nope","args":[]}\n{"kind":"call","id":8,"method":"engine.info","args":[]}\n');
    await vi.waitFor(() => expect(replies).toHaveLength(3));
    expect(replies[0]).toEqual({ kind: 'error', id: 0, error: { code: 'InvalidInput', message: 'expected one JSON wire message per line' } });
    expect(replies[1]).toMatchObject({ kind: 'error', id: 7, error: { code: 'NotFound' } });
    expect(replies[2]).toMatchObject({ kind: 'result', id: 8, value: { endpoints: cli.ready.endpoints } });
    conn.destroy();
  });

  it('forgets a stale announcement whose process is gone', () => {
    const stale = path.join(dataDir, 'run', 'engine-999999.json');
    fs.writeFileSync(stale, JSON.stringify({ pid: 999999, startedAt: '2000-01-01T00:00:00.000Z', socket: path.join(dataDir, 'run', 'engine-999999.sock'), endpoints: {} }));
    expect(runningEngine(dataDir)?.pid).toBe(cli.child.pid);
    expect(fs.existsSync(stale)).toBe(false);
  });

  it('is removed with its announcement when the engine stops', async () => {
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    expect(runningEngine(dataDir)).toBeUndefined();
    expect(fs.readdirSync(path.join(dataDir, 'run'))).toEqual([]);
  });
});
