/**
 * A start that cannot succeed ends the real `thingbench` process with exit code 1 and one sentence naming the cause
 * and the fix, and leaves nothing listening: a taken port (MQTT, HTTP, the UI's), a data directory that cannot be
 * written or that another engine holds, a damaged database file, and a service that fails after the broker listened.
 */
import { describe, it, expect, afterEach, vi } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './helpers/cli-process.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { SqlJsStore } from '../../engine/storage/index.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-startfail-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** Ports that are free right now (each is bound and released by the OS). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => listen(0)));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}

/** Something else on a port (as the mosquitto service would be on 1883). */
async function occupy(port: number): Promise<void> {
  const server = await listen(port);
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
}

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((f) => fs.existsSync(f));

/** A real mosquitto broker on `port` (as the service Debian and Ubuntu start), or a plain listener without it. */
async function mosquittoOn(port: number): Promise<void> {
  if (!MOSQUITTO) return occupy(port);
  const child = spawn(MOSQUITTO, ['-p', String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  cleanup.push(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  await vi.waitFor(async () => expect(await isFree(port)).toBe(false), { timeout: 10_000, interval: 50 });
}

/** True when `port` can be bound on loopback: nobody listens there any more. */
async function isFree(port: number): Promise<boolean> {
  try {
    const s = await listen(port);
    await new Promise((r) => s.close(r));
    return true;
  } catch {
    return false;
  }
}

interface Ports { mqtt: number; ws: number; http: number; mqtts: number; wss: number }

async function ports(): Promise<Ports> {
  const [mqtt, ws, http, mqtts, wss] = await freePorts(5);
  return { mqtt, ws, http, mqtts, wss };
}

const portArgs = (p: Ports) => ['--mqtt-port', String(p.mqtt), '--ws-port', String(p.ws), '--http-port', String(p.http), '--mqtts-port', String(p.mqtts), '--wss-port', String(p.wss)];

/** Runs the CLI to its end (it must end by itself: a hang fails the test) and returns its exit code and output. */
async function runToExit(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const proc = runCli(args);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 20_000);
  const { code, signal } = await proc.exited;
  clearTimeout(timer);
  expect(signal, `thingbench did not exit by itself; stderr:\n${proc.stderr()}`).toBeNull();
  return { code, stderr: proc.stderr(), stdout: proc.stdout() };
}

async function expectAllFree(p: Partial<Ports> & { ui?: number }): Promise<void> {
  for (const [name, port] of Object.entries(p)) expect(await isFree(port), `${name} port ${port} is still taken`).toBe(true);
}

async function engineOn(dataDir?: string): Promise<TestEngine> {
  const engine = await startTestEngine(dataDir ? { dataDir } : {});
  cleanup.push(() => engine.stop());
  return engine;
}

describe('a start that fails says why, exits 1 and leaves nothing listening', () => {
  it('MQTT port taken by mosquitto', async () => {
    const p = await ports();
    await mosquittoOn(p.mqtt);
    const { code, stderr } = await runToExit(['up', '--data-dir', tmp(), ...portArgs(p)]);
    expect(code).toBe(1);
    expect(stderr).toContain(`thingbench: Port ${p.mqtt} (MQTT) on 127.0.0.1 is already in use, probably by another Thingbench or the mosquitto service: stop it, or choose another port with --mqtt-port.`);
    const { mqtt: _taken, ...others } = p;
    await expectAllFree(others);
  });

  it('HTTP port taken by a second Thingbench: the broker it had not yet opened stays closed', async () => {
    const first = await engineOn();
    const p = await ports();
    p.http = Number(new URL(first.httpUrl).port);
    const { code, stderr } = await runToExit(['up', '--data-dir', tmp(), ...portArgs(p)]);
    expect(code).toBe(1);
    expect(stderr).toContain(`thingbench: Port ${p.http} (HTTP API) on 127.0.0.1 is already in use, probably by another Thingbench or another server: stop it, or choose another port with --http-port.`);
    const { http: _taken, ...others } = p;
    await expectAllFree(others);
  });

  it('serve: UI port taken', async () => {
    const p = await ports();
    const [ui] = await freePorts(1);
    await occupy(ui);
    const { code, stderr } = await runToExit(['serve', '--no-open', '--data-dir', tmp(), '--port', String(ui), ...portArgs(p)]);
    expect(code).toBe(1);
    expect(stderr).toContain(`thingbench: Port ${ui} (UI) on 127.0.0.1 is already in use, probably by another Thingbench or another server: stop it, or choose another port with --port.`);
    await expectAllFree(p);
  });

  it('one port given to two listeners, and a --host that is no address of this machine', async () => {
    const p = await ports();
    p.http = p.ws;
    const twice = await runToExit(['up', '--json', '--data-dir', tmp(), ...portArgs(p)]);
    expect(twice.code).toBe(1);
    const sentence = `Port ${p.ws} is given to both MQTT over WebSocket and HTTP API: give each its own port (--ws-port, --http-port).`;
    expect(twice.stderr).toContain(`thingbench: ${sentence}`);
    expect(JSON.parse(twice.stdout.trim())).toEqual({ event: 'failed', message: sentence }); // --json: for programs that start it
    await expectAllFree(p);

    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of a real machine.
    const away = await runToExit(['up', '--data-dir', tmp(), '--host', '192.0.2.77', ...portArgs(p).map((a) => (a === String(p.ws) ? '0' : a))]);
    expect(away.code).toBe(1);
    expect(away.stderr).toContain('thingbench: 192.0.2.77 is not an address of this machine: choose one of its addresses with --host (127.0.0.1 for this machine only, 0.0.0.0 for every network).');
  });

  it('data directory that cannot be created (a parent is a regular file; this fails for root too)', async () => {
    const file = path.join(tmp(), 'not-a-dir');
    fs.writeFileSync(file, 'x');
    const dir = path.join(file, 'thingbench');
    const p = await ports();
    const { code, stderr } = await runToExit(['up', '--data-dir', dir, ...portArgs(p)]);
    expect(code).toBe(1);
    expect(stderr).toContain(`thingbench: Data directory ${dir} cannot be created or written (ENOTDIR): choose another directory with --data-dir, or make this one writable.`);
    await expectAllFree(p);
  });

  it('data directory held by another running engine', async () => {
    const dir = tmp();
    await engineOn(dir);
    const p = await ports();
    const { code, stderr } = await runToExit(['up', '--data-dir', dir, ...portArgs(p)]);
    expect(code).toBe(1);
    expect(stderr).toContain(`thingbench: Data directory ${dir} is in use by another Thingbench (process ${process.pid}): stop that one, or choose another directory with --data-dir.`);
    await expectAllFree(p);
  });

  it('damaged database file: named, left untouched, with what to do', async () => {
    const dir = tmp();
    const file = path.join(dir, 'state.sqlite');
    const garbage = Buffer.from('this is not an SQLite database, but it is the user\'s file'.repeat(100));
    fs.writeFileSync(file, garbage);
    const p = await ports();
    const { code, stderr } = await runToExit(['up', '--data-dir', dir, ...portArgs(p)]);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`thingbench: The database file ${escape(file)} is damaged \\(.+\\); Thingbench left it untouched: restore it from a backup, or move the directory ${escape(dir)} aside to start again with an empty store \\(or choose another --data-dir\\)\\.`));
    expect(fs.readFileSync(file).equals(garbage)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    await expectAllFree(p);
  });

  it('database file cut short (half of a real snapshot): named as damaged, left as found', async () => {
    const dir = tmp();
    const store = await SqlJsStore.open(dir);
    await store.write([{ sql: "INSERT INTO sink_targets (kind, name, options, created) VALUES ('queue', 'q', '{}', 0)" }]);
    await store.close(); // compacts into state.sqlite
    const file = path.join(dir, 'state.sqlite');
    const half = fs.readFileSync(file).subarray(0, fs.statSync(file).size / 2);
    fs.writeFileSync(file, half);
    const p = await ports();
    const { code, stderr } = await runToExit(['up', '--data-dir', dir, ...portArgs(p)]);
    expect(code).toBe(1);
    expect(stderr).toContain(`thingbench: The database file ${file} is damaged (`);
    expect(fs.readFileSync(file).equals(half)).toBe(true);
    await expectAllFree(p);
  });

  it('a service that fails after the broker listened: every listener is closed again and the process ends', async () => {
    // A sink target row that no longer parses: the sinks start after the broker has opened its ports.
    const dir = tmp();
    const store = await SqlJsStore.open(dir);
    await store.write([{ sql: "INSERT INTO sink_targets (kind, name, options, created) VALUES ('queue', 'q', '{not json', 0)" }]);
    await store.close();
    const p = await ports();
    const { code, stderr } = await runToExit(['up', '--data-dir', dir, ...portArgs(p)]);
    expect(code).toBe(1);
    expect(stderr).toContain('thingbench: Thingbench could not start: ');
    await expectAllFree(p);
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
