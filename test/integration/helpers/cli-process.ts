/** The `thingbench` CLI as a child process: spawn it, wait for its JSON ready line, signal it, await its exit. */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const bin = fileURLToPath(new URL('../../../bin/thingbench.js', import.meta.url));

export interface ReadyLine {
  event: 'ready';
  endpoints: { mqtt: string; ws: string; http: string; https?: string; coap?: string };
  dataDir: string;
}

export interface CliProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and signal (whenever the process ends). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `thingbench ...args`; output is collected. */
export function runCli(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

export interface RunningCli extends CliProcess {
  ready: ReadyLine;
  mqttUrl: string;
  httpUrl: string;
  /** SIGKILL and wait for the process to be gone. */
  kill9(): Promise<void>;
}

/** `thingbench up --json` on all-free ports; resolves on the ready line (rejects if it exits first or after `ms`). */
export async function startCli(dataDir: string, extra: readonly string[] = [], ms = 15_000): Promise<RunningCli> {
  const proc = runCli(['up', '--json', '--data-dir', dataDir, '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0', ...extra]);
  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line after ${ms} ms; stderr:\n${proc.stderr()}`)), ms);
    const onData = () => {
      const line = proc.stdout().split('\n').find((l) => l.startsWith('{'));
      if (!line || !proc.stdout().includes('\n')) return;
      clearTimeout(timer);
      proc.child.stdout.off('data', onData);
      try {
        resolve(JSON.parse(line) as ReadyLine);
      } catch (e) {
        reject(e);
      }
    };
    proc.child.stdout.on('data', onData);
    void proc.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`thingbench exited (${code ?? signal}) before its ready line; stderr:\n${proc.stderr()}`));
    });
  });
  return {
    ...proc,
    ready,
    mqttUrl: ready.endpoints.mqtt,
    httpUrl: ready.endpoints.http,
    kill9: async () => {
      proc.child.kill('SIGKILL');
      await proc.exited;
    },
  };
}
