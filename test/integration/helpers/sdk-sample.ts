/**
 * Runs one of the AWS IoT Device SDK v2's Node samples (vendored unchanged in test/fixtures/sdk-samples) the way its
 * README does: built to `dist/index.js` (esbuild here, where the README's `npm install` runs tsc), then
 * `node dist/index.js --endpoint … --cert … --key …`.
 *
 * The samples connect to port 8883 and trust the operating system's CA store only, as a device on AWS does. A user
 * adds the engine's root CA to that store; a test must not change the machine's, so the child runs in a private mount
 * namespace (`unshare --map-root-user --mount`, no root needed) where the store file is the system's plus the engine's
 * CA. `yargs`, which the samples require, comes from Debian's `node-yargs` (16.2.0, the samples' `^16.2.0`).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { tempDir } from '../../helpers/temp-dirs.js';
import { repoRoot as ROOT } from './cli-process.js';

const SAMPLES = path.join(ROOT, 'test/fixtures/sdk-samples');
const SYSTEM_STORE = '/etc/ssl/certs/ca-certificates.crt';

/** Builds a sample's index.ts into `<tmp>/dist/index.js` (CommonJS, as the sample's tsconfig asks). */
export async function buildSample(name: string): Promise<string> {
  const out = path.join(tempDir('tb-sdk-sample-'), 'dist', 'index.js');
  await build({ entryPoints: [path.join(SAMPLES, name, 'index.ts')], outfile: out, platform: 'node', format: 'cjs', target: 'es2018', logLevel: 'error' });
  return out;
}

/** A CA store file: the system's bundle followed by the engine's root CA. */
export function trustStoreWith(rootCaPem: string): string {
  const file = path.join(tempDir('tb-ca-store-'), 'ca-certificates.crt');
  fs.writeFileSync(file, `${fs.existsSync(SYSTEM_STORE) ? fs.readFileSync(SYSTEM_STORE, 'utf8') : ''}\n${rootCaPem}\n`);
  return file;
}

export interface SampleRun {
  child: ChildProcessWithoutNullStreams;
  /** Everything the sample printed on stdout and stderr so far. */
  output(): string;
  /** Resolves when the output after `from` (an offset into output()) matches; rejects with the output if the sample exits first or after 30 s. */
  waitFor(pattern: RegExp, from?: number): Promise<RegExpMatchArray>;
  /** Writes one line to the sample's stdin (its interactive prompt). */
  send(line: string): void;
  exited: Promise<number | null>;
}

export function runSample(script: string, args: string[], env: { trustStore: string; extra?: Record<string, string> }): SampleRun {
  const child = spawn('unshare', ['--map-root-user', '--mount', 'sh', '-c', `mount --bind "$0" ${SYSTEM_STORE} && exec "$@"`, env.trustStore, process.execPath, script, ...args], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: tempDir('tb-sample-home-'),
      NODE_PATH: [path.join(ROOT, 'node_modules'), '/usr/share/nodejs'].join(path.delimiter),
      ...env.extra,
    },
  });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    text += d.toString('utf8');
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    resolve(code);
    for (const w of [...waiters]) w();
  }));
  return {
    child,
    output: () => text,
    exited,
    send: (line) => child.stdin.write(`${line}\n`),
    waitFor: (pattern, from = 0) => new Promise((resolve, reject) => {
      const fail = (why: string) => {
        waiters.delete(check);
        clearTimeout(timer);
        reject(new Error(`${why} before printing ${pattern}:\n${text}`));
      };
      const timer = setTimeout(() => fail('30 s passed'), 30_000);
      const check = () => {
        const m = text.slice(from).match(pattern);
        if (m) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
        } else if (child.exitCode !== null || child.signalCode !== null) fail(`the sample exited (${child.exitCode ?? child.signalCode})`);
      };
      waiters.add(check);
      check();
    }),
  };
}
