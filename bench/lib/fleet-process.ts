/**
 * The fleet process of the fleet and jobs benchmarks: bench/fleet/fleet-child.ts (one `Fleet`, its devices in a worker
 * thread) as a child process, its JSON status lines on stdout turned into events. Killed when the runner exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FleetStatus } from '../../engine/devices/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHILD = path.join(repoRoot, 'bench', 'fleet', 'fleet-child.ts');

export type ChildEvent = ({ event: 'status' | 'stopped' } & FleetStatus) | { event: 'ready'; pid: number; devices: number } | { event: 'error'; message: string };

export const isStatus = (e: ChildEvent): e is { event: 'status' } & FleetStatus => e.event === 'status';

export interface FleetProcess {
  child: ChildProcess;
  pids: number[];
  /** Resolves with the first event for which `pred` holds; rejects on `error`, exit, or after `timeoutMs`. */
  until<E extends ChildEvent>(pred: (e: ChildEvent) => e is E, timeoutMs: number, what: string): Promise<E>;
  on(fn: (e: ChildEvent) => void): void;
  /** The last status line, if any came. */
  last(): FleetStatus | undefined;
  stderrTail(): string;
  kill(): void;
}

const liveChildren = new Set<ChildProcess>();
process.once('exit', () => { for (const c of liveChildren) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });

/** Starts `count` devices of `model` against the broker at `url`. */
export function spawnFleet(opts: { url: string; count: number; model: string; connectRate: number; statusMs: number }): FleetProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, '--model', opts.model, '--count', String(opts.count), '--url', opts.url,
    '--connect-rate', String(opts.connectRate), '--status-ms', String(opts.statusMs)], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  liveChildren.add(child);
  const listeners = new Set<(e: ChildEvent) => void>();
  let exitError: Error | undefined;
  let stderr = '';
  let last: FleetStatus | undefined;
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let e: ChildEvent;
      try { e = JSON.parse(line) as ChildEvent; } catch { continue; }
      if (isStatus(e)) last = e;
      for (const fn of [...listeners]) fn(e);
    }
  });
  child.once('exit', (code, sig) => {
    liveChildren.delete(child);
    exitError = new Error(`the fleet process exited (${code ?? sig})${stderr ? `: ${stderr.trim().split('\n').slice(-5).join('\n')}` : ''}`);
    for (const fn of [...listeners]) fn({ event: 'error', message: exitError.message });
  });
  return {
    child,
    pids: [],
    on: (fn) => { listeners.add(fn); },
    last: () => last,
    until: (pred, timeoutMs, what) => new Promise((resolve, reject) => {
      if (exitError) { reject(exitError); return; }
      const timer = setTimeout(() => { listeners.delete(fn); reject(new Error(`${what}: not within ${(timeoutMs / 1000).toFixed(0)} s`)); }, timeoutMs);
      const fn = (e: ChildEvent) => {
        if (pred(e)) { clearTimeout(timer); listeners.delete(fn); resolve(e); } else if (e.event === 'error') { clearTimeout(timer); listeners.delete(fn); reject(new Error(e.message)); }
      };
      listeners.add(fn);
    }),
    stderrTail: () => stderr.trim().split('\n').slice(-5).join('\n'),
    kill: () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); },
  };
}
