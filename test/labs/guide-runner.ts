/**
 * Runs a lab guide's command blocks the way an attendee would type them: in order, each with `bash -euo pipefail`,
 * in one temporary working directory per run, with the lab's environment (`$AWS`, `$THING`, `$CA_FILE`, ports, …)
 * over a clean one (no user AWS config, dummy credentials, region us-east-1, a private HOME). ```sh blocks must exit 0,
 * ```sh fails blocks must exit non-zero, ```sh background blocks run until the guide ends and are then killed with
 * their whole process group. `thingbench` on the PATH is this repository's CLI on the test's data directory.
 * A block that does not do what its fence says fails the run with `guide.md:LINE`, the block and its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp-dirs.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** One runnable block of a guide (engine/labs `GuideCommand`). */
export interface GuideCommandLike {
  mode: 'run' | 'background' | 'fails' | 'show';
  code: string;
  /** 1-based line of the opening fence in guide.md. */
  line: number;
  section: 'before' | 'step' | 'cleanUp';
  step?: number;
}

export interface GuideRunOptions {
  /** guide.md, for messages. */
  file: string;
  commands: readonly GuideCommandLike[];
  /** The lab's environment (`thingbench lab env`): exported to every block. */
  env: Record<string, string>;
  /** The data directory `thingbench …` in a block works on. */
  dataDir?: string;
  /**
   * Leave out this step's blocks (the tests' `omit.step`). Later blocks still run, but may fail without failing the
   * run (a publish refused because the omitted step attached no policy): only the checks afterwards matter.
   */
  omitStep?: number;
  /** Run the `## Clean up` blocks too (default: no). */
  cleanUp?: boolean;
  /** A block that runs longer fails the run (default 90 s). */
  blockTimeoutMs?: number;
  /** The working directory (default: a fresh temporary one). */
  cwd?: string;
}

export interface BlockRun {
  block: GuideCommandLike;
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
  /** It did not do what its fence says, after an omitted step (see `omitStep`). */
  tolerated?: boolean;
}

export interface GuideRun {
  cwd: string;
  blocks: BlockRun[];
}

export class GuideFailure extends Error {
  constructor(message: string, readonly run: GuideRun) {
    super(message);
    this.name = 'GuideFailure';
  }
}

const MAX_OUTPUT = 64 * 1024;

/** The environment every block starts from, whatever the shell running the tests has. */
function baseEnv(home: string, bin: string): Record<string, string> {
  return {
    PATH: `${bin}:${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: 'THINGBENCHLOCAL',
    AWS_SECRET_ACCESS_KEY: 'thingbench-local',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** A `thingbench` on the PATH: this repository's CLI, `lab`, `delivery`, `control` and `things` on the test's data directory. */
function writeShim(bin: string, dataDir: string | undefined): void {
  fs.mkdirSync(bin, { recursive: true });
  const cli = path.join(repoRoot, 'bin', 'thingbench.js');
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // The commands that reach the running engine (its control socket) find it under the test's data directory.
  const dir = dataDir ? `case "\${1:-}" in lab|delivery|control|things) set -- "$@" --data-dir ${q(dataDir)};; esac\n` : '';
  fs.writeFileSync(path.join(bin, 'thingbench'), `#!/usr/bin/env bash\n${dir}exec ${q(process.execPath)} ${q(cli)} "$@"\n`, { mode: 0o755 });
}

function describeBlock(file: string, b: GuideCommandLike): string {
  const fence = b.mode === 'run' ? '```sh' : `\`\`\`sh ${b.mode}`;
  const where = b.section === 'step' ? `step ${b.step}` : b.section === 'before' ? 'Before you start' : 'Clean up';
  return `${path.basename(path.dirname(file))}/${path.basename(file)}:${b.line} (${where}, ${fence})`;
}

function indent(text: string): string {
  return text.replace(/\s+$/, '').split('\n').map((l) => `    ${l}`).join('\n');
}

/** Runs the guide; resolves with every block's result, or rejects with a `GuideFailure` naming the first bad block. */
export async function runGuide(opts: GuideRunOptions): Promise<GuideRun> {
  const cwd = opts.cwd ?? tempDir('tb-guide-');
  const home = path.join(cwd, '.home');
  const bin = path.join(cwd, '.bin');
  fs.mkdirSync(home, { recursive: true });
  writeShim(bin, opts.dataDir);
  const env = { ...baseEnv(home, bin), ...opts.env };
  const run: GuideRun = { cwd, blocks: [] };
  const background: Array<{ child: ChildProcess; result: BlockRun; exited: Promise<void> }> = [];
  const timeout = opts.blockTimeoutMs ?? 90_000;
  try {
    for (const block of opts.commands) {
      if (block.mode === 'show') continue;
      if (block.section === 'cleanUp' && !opts.cleanUp) continue;
      if (opts.omitStep !== undefined && block.section === 'step' && block.step === opts.omitStep) continue;
      const started = Date.now();
      const result: BlockRun = { block, code: null, signal: null, output: '', ms: 0 };
      run.blocks.push(result);
      // Its own process group: a background block's children (mosquitto_sub | jq …) go with it.
      const child = spawn('bash', ['-euo', 'pipefail', '-c', block.code], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const collect = (d: Buffer) => {
        if (result.output.length < MAX_OUTPUT) result.output += d.toString();
      };
      child.stdout!.on('data', collect);
      child.stderr!.on('data', collect);
      const exited = new Promise<void>((resolve) => child.once('close', (code, signal) => {
        result.code = code;
        result.signal = signal;
        result.ms = Date.now() - started;
        resolve();
      }));
      if (block.mode === 'background') {
        background.push({ child, result, exited });
        continue;
      }
      let timedOut = false;
      let hard: ReturnType<typeof setTimeout> | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child, 'SIGTERM');
        hard = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
      }, timeout);
      await exited;
      clearTimeout(timer);
      clearTimeout(hard);
      const ok = block.mode === 'fails' ? result.code !== 0 && !timedOut : result.code === 0;
      const afterOmitted = opts.omitStep !== undefined && (block.section === 'cleanUp' || (block.section === 'step' && block.step! > opts.omitStep));
      if (!ok && afterOmitted) result.tolerated = true;
      else if (!ok) {
        const what = timedOut ? `did not finish within ${timeout / 1000} s`
          : block.mode === 'fails' ? 'exited 0 but should fail (```sh fails)'
            : `exited ${result.code ?? result.signal}`;
        const bg = background.map((b) => `\n  background block at line ${b.result.block.line} so far:\n${indent(b.result.output || '(no output)')}`).join('');
        throw new GuideFailure(`${describeBlock(opts.file, block)} ${what}:\n${indent(block.code)}\n  output:\n${indent(result.output || '(no output)')}${bg}`, run);
      }
    }
    return run;
  } finally {
    // SIGTERM, then SIGKILL for whatever ignores it.
    await Promise.all(background.map(async (b) => {
      killGroup(b.child, 'SIGTERM');
      const hard = setTimeout(() => killGroup(b.child, 'SIGKILL'), 3000);
      await b.exited;
      clearTimeout(hard);
    }));
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
