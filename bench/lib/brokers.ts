// Starts and stops the brokers under test, each as a fresh child process on a loopback port.
//   mosquitto:   mosquitto -c <tmp conf>   (listener PORT 127.0.0.1, anonymous, no persistence)
//   thingbench:  node bin/thingbench.js up --json --data-dir <tmp> --mqtt-port 0 --ws-port 0 --http-port 0
//                [--broker-mode standard|aws]
//   aedes-plain: node --import tsx bench/lib/aedes-plain.ts --port 0   (null-broker: bench/lib/null-broker.ts)
// The node brokers announce themselves with a first stdout line {"event":"ready","endpoints":{"mqtt":...}}.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { processTree, procCpuSeconds } from './proc.js';

export type BrokerKind = 'mosquitto' | 'thingbench' | 'aedes-plain' | 'null-broker';

export interface RunningBroker {
  kind: BrokerKind;
  url: string;
  /** The broker process and its descendants (sampled together for CPU and RSS). */
  pids: number[];
  exited(): boolean;
  /** Last lines of the broker's stderr (for error reports). */
  stderrTail(): string;
  /** Thingbench only: its HTTP API (AWS control plane and data plane). */
  httpUrl?: string;
  /** Thingbench only: every endpoint of its ready line, and its data directory. */
  endpoints?: Record<string, string>;
  dataDir?: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  repoRoot: string;
  mosquittoBin: string;
  timeoutMs: number;
  /** Thingbench only: passed as --broker-mode when set. */
  thingbenchMode?: 'aws' | 'standard';
  /** Thingbench only: options for node before the CLI (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Thingbench only: more `thingbench up` flags (`--coap-port 0`). */
  upArgs?: string[];
  /** Everything the broker writes to stderr, as it comes (Thingbench: its JSON log lines). */
  onStderr?: (text: string) => void;
}

const live = new Set<ChildProcess>();
// If the runner dies, do not leave brokers behind.
process.once('exit', () => { for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });

export function liveBrokerCount(): number {
  return live.size;
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A timeout that does not keep the process alive (used as the losing side of races). */
const grace = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

function canConnect(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function tailKeeper(stream: NodeJS.ReadableStream | null, onText?: (text: string) => void): () => string {
  let tail = '';
  stream?.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    onText?.(text);
    tail = (tail + text).slice(-4000);
  });
  return () => tail.trim().split('\n').slice(-8).join('\n');
}

function track(child: ChildProcess, cleanupDirs: string[], pidsRef: () => number[]) {
  live.add(child);
  let exited = false;
  const exitPromise = new Promise<void>((r) => {
    const done = () => { exited = true; live.delete(child); r(); };
    child.once('exit', done);
    child.once('error', () => { if (child.pid === undefined) done(); }); // never started
  });
  const stop = async () => {
    const pids = pidsRef();
    if (!exited) {
      child.kill('SIGTERM');
      await Promise.race([exitPromise, grace(5000)]);
      if (!exited) { child.kill('SIGKILL'); await Promise.race([exitPromise, grace(2000)]); }
    }
    // Descendants a launcher left behind (started by us, killed by their ids).
    for (const pid of pids) {
      if (pid !== child.pid && procCpuSeconds(pid) !== undefined) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    }
    for (const d of cleanupDirs) rmSync(d, { recursive: true, force: true });
  };
  return { exited: () => exited, stop };
}

export async function startBroker(kind: BrokerKind, o: StartOptions): Promise<RunningBroker> {
  return kind === 'mosquitto' ? startMosquitto(o) : startNodeBroker(kind, o);
}

async function startMosquitto(o: StartOptions): Promise<RunningBroker> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tb-bench-mosq-'));
  const port = await freeLoopbackPort();
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error',
    'connection_messages false', '',
  ].join('\n'));
  const child = spawn(o.mosquittoBin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderrTail = tailKeeper(child.stderr, o.onStderr);
  const spawnError = new Promise<Error>((r) => child.once('error', r));
  const t = track(child, [dir], () => (child.pid ? [child.pid] : []));
  const until = Date.now() + o.timeoutMs;
  while (Date.now() < until && !t.exited()) {
    const raced = await Promise.race([canConnect(port), spawnError]);
    if (raced instanceof Error) { await t.stop(); throw new Error(`cannot start ${o.mosquittoBin}: ${raced.message}`); }
    if (raced) return { kind: 'mosquitto', url: `mqtt://127.0.0.1:${port}`, pids: [child.pid as number], stderrTail, ...t };
    await sleep(30);
  }
  await t.stop();
  throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within ${o.timeoutMs} ms\n${stderrTail()}`);
}

interface ReadyLine { event?: string; endpoints?: { mqtt?: string; http?: string } & Record<string, string>; pid?: number; dataDir?: string }

async function startNodeBroker(kind: Exclude<BrokerKind, 'mosquitto'>, o: StartOptions): Promise<RunningBroker> {
  const dirs: string[] = [];
  let args: string[];
  if (kind === 'thingbench') {
    const cli = path.join(o.repoRoot, 'bin', 'thingbench.js');
    if (!existsSync(cli)) throw new Error(`${cli} does not exist yet; use --target aedes-plain`);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tb-bench-data-'));
    dirs.push(dataDir);
    args = [...(o.nodeArgs ?? []), cli, 'up', '--json', '--data-dir', dataDir, '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0'];
    if (o.thingbenchMode) args.push('--broker-mode', o.thingbenchMode);
    args.push(...(o.upArgs ?? []));
  } else {
    args = ['--import', 'tsx', path.join(o.repoRoot, 'bench', 'lib', `${kind}.ts`), '--port', '0'];
  }
  const child = spawn(process.execPath, args, { cwd: o.repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail = tailKeeper(child.stderr, o.onStderr);
  let pids: number[] = child.pid ? [child.pid] : [];
  const t = track(child, dirs, () => pids);
  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    let buf = '';
    let done = false;
    const finish = (err: Error | undefined, line?: ReadyLine) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err); else resolve(line as ReadyLine);
    };
    const timer = setTimeout(() => finish(new Error(`${kind}: no ready line within ${o.timeoutMs} ms\n${stderrTail()}`)), o.timeoutMs);
    child.once('error', (e) => finish(e));
    child.once('exit', (code, sig) => finish(new Error(`${kind} exited (${code ?? sig}) before ready\n${stderrTail()}`)));
    // Keep consuming stdout for the broker's whole life so that a full pipe never blocks it.
    child.stdout?.on('data', (d: Buffer) => {
      if (done) return;
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        try {
          const parsed = JSON.parse(line) as ReadyLine;
          if (parsed?.event === 'ready' && parsed.endpoints?.mqtt) { finish(undefined, parsed); return; }
        } catch { /* not JSON: keep looking */ }
      }
      if (buf.length > 1 << 20) buf = '';
    });
  }).catch(async (e: unknown) => { await t.stop(); throw e; });
  // The load generator is loopback-only: keep the announced port, talk to 127.0.0.1.
  const url = `mqtt://127.0.0.1:${new URL(ready.endpoints?.mqtt as string).port || 1883}`;
  const root = typeof ready.pid === 'number' ? ready.pid : (child.pid as number);
  pids = processTree(root);
  const httpUrl = ready.endpoints?.http ? `http://127.0.0.1:${new URL(ready.endpoints.http).port}` : undefined;
  return {
    kind, url, pids, stderrTail, ...t, ...(httpUrl ? { httpUrl } : {}),
    ...(ready.endpoints ? { endpoints: { ...ready.endpoints } } : {}), ...(ready.dataDir ? { dataDir: ready.dataDir } : {}),
  };
}
