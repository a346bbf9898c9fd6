/**
 * The README's two commands on a fresh clone of this commit, as a new user types them: no environment variable,
 * flag or step the README does not give. `npm install` keeps the `electron` package and its API types without
 * downloading Electron's binary (package.json `allowScripts` denies its installer), every dependency install script
 * is covered by that policy, the type check of every project (the shell in `electron/` included) passes, and
 * `npm start`, where Electron's binary cannot be downloaded, says so in one sentence and serves browser mode.
 *
 * It tests the committed HEAD (a clone does not see uncommitted edits). `--prefer-offline` only lets npm use its
 * cache for metadata it already has; it changes nothing in what gets installed.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { repoRoot } from './helpers/cli-process.js';

const INSTALL_MS = 240_000;
const TYPECHECK_MS = 300_000;
const START_MS = 120_000;
/** Every listener on a free port, so parallel runs and a local mosquitto on 1883 do not collide. */
const PORTS = ['--mqtt-port', '0', '--ws-port', '0', '--http-port', '0', '--mqtts-port', '0', '--wss-port', '0', '--port', '0'];

const isGitCheckout = spawnSync('git', ['rev-parse', '--verify', 'HEAD'], { cwd: repoRoot }).status === 0;

/**
 * The environment of a new user's shell: PATH (without the node_modules/.bin that `npm test` prepends), HOME (npm's
 * cache and user config), the temp dir, locale and any proxy or CA settings a network needs. Nothing from npm's
 * script environment and no ELECTRON_* variable.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const keep = /^(HOME|USER|LOGNAME|TMPDIR|TEMP|TMP|LANG|LC_\w+|TERM|SYSTEMROOT|APPDATA|LOCALAPPDATA|USERPROFILE|NODE_EXTRA_CA_CERTS|(HTTPS?|NO|ALL)_PROXY)$/i;
  for (const [key, value] of Object.entries(process.env)) if (keep.test(key)) env[key] = value;
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => !dir.split(path.sep).includes('node_modules'))
    .join(path.delimiter);
  return { ...env, ...extra };
}

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

interface Run {
  code: number | null;
  output: string;
}

/** Runs `npm ...args` in `cwd` and resolves with its exit code and combined output. */
async function npm(cwd: string, args: string[], ms: number): Promise<Run> {
  const child = spawn('npm', args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

/** A stand-in for Electron's download host (ELECTRON_MIRROR): records each request path and answers with `handle`. */
async function startMirror(handle: (url: string, res: http.ServerResponse) => void) {
  const requested: string[] = [];
  const server = http.createServer((req, res) => {
    requested.push(req.url ?? '');
    handle(req.url ?? '', res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requested,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A zip archive holding one executable file, stored uncompressed (what Electron's installer unpacks). */
function zipWithExecutable(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const fileName = Buffer.from(name);
  const crc = zlib.crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt16LE(0x21, 12); // date: 1980-01-01
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below counts
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x21, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  central.writeUInt32LE((0o100755 << 16) >>> 0, 38); // a regular file, rwxr-xr-x
  central.writeUInt32LE(0, 42); // the local header's offset
  const centralSize = central.length + fileName.length;
  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

interface Started {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<unknown>;
}

/** `npm start -- ...args` in the clone, in its own process group, with the user's environment plus `extra`. */
function npmStart(cwd: string, args: string[], extra: Record<string, string>): Started {
  const child = spawn('npm', ['start', '--', ...args], { cwd, env: userEnv(extra), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stdout: () => stdout, stderr: () => stderr, exited: once(child, 'close') };
}

/** Resolves with browser mode's UI URL once `npm start` prints it (rejects if it exits first). */
function servedUi(start: Started): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no UI line after ${START_MS} ms:\n${start.stdout()}\n${start.stderr()}`)), START_MS);
    const check = () => {
      const match = /UI\s+(http:\/\/\S+)/.exec(start.stdout() + start.stderr());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    start.child.stdout?.on('data', check);
    start.child.stderr?.on('data', check);
    void start.exited.then(() => reject(new Error(`npm start exited before serving:\n${start.stdout()}\n${start.stderr()}`)));
  });
}

/** Ends `npm start`: npm, bin/start.js and the server it started share one process group. */
async function stop(start: Started): Promise<void> {
  if (start.child.pid && start.child.exitCode === null) process.kill(-start.child.pid, 'SIGTERM');
  await start.exited;
}

describe.skipIf(!isGitCheckout)('a fresh clone with the README\'s commands', () => {
  let base: string;
  let clone: string;
  let install: Run;

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-fresh-'));
    clone = path.join(base, 'thingbench');
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).stdout.trim();
    for (const args of [['clone', '--quiet', '--no-checkout', repoRoot, clone], ['-C', clone, 'checkout', '--quiet', '--detach', head]]) {
      const git = spawnSync('git', args, { encoding: 'utf8' });
      if (git.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${git.stderr}`);
    }
    install = await npm(clone, ['install', '--prefer-offline', '--no-audit', '--no-fund'], INSTALL_MS);
  }, INSTALL_MS + 30_000);

  // A whole node_modules: removing it takes a while on a busy machine.
  afterAll(async () => {
    if (base) await fs.promises.rm(base, { recursive: true, force: true });
  }, 180_000);

  it('npm install succeeds, keeps electron\'s API types, downloads no binary and runs only the install scripts package.json allows', () => {
    expect(install.code, install.output).toBe(0);
    expect(fs.existsSync(path.join(clone, 'node_modules/electron/electron.d.ts'))).toBe(true);
    // Electron's installer writes path.txt and dist/ when it has downloaded the binary: it did not run.
    expect(fs.existsSync(path.join(clone, 'node_modules/electron/path.txt'))).toBe(false);
    expect(fs.existsSync(path.join(clone, 'node_modules/electron/dist'))).toBe(false);
    // Every dependency install script is either allowed or denied in package.json `allowScripts`.
    expect(install.output).not.toMatch(/not yet covered by allowScripts/);
  });

  it('the type check of every project, electron/ included, passes', async () => {
    expect(install.code, install.output).toBe(0);
    const typecheck = await npm(clone, ['run', 'typecheck'], TYPECHECK_MS);
    expect(typecheck.output).not.toMatch(/TS\d{4}/);
    expect(typecheck.code, typecheck.output).toBe(0);
  }, TYPECHECK_MS + 10_000);

  it('npm start without a downloadable Electron says so in one sentence and serves browser mode', async () => {
    expect(install.code, install.output).toBe(0);
    // Electron's download host, as this machine sees it: a server that has no Electron (404). Pointing the installer
    // there keeps the test from downloading and opening Electron where the real host is reachable.
    const mirror = await startMirror((_url, res) => res.writeHead(404).end());
    const dataDir = path.join(base, 'data');
    const start = npmStart(clone, ['--no-open', '--data-dir', dataDir, ...PORTS], {
      ELECTRON_MIRROR: mirror.url,
      electron_config_cache: path.join(base, 'electron-cache'),
    });
    try {
      const ui = await servedUi(start);

      // The installer ran once, on demand, and asked for Electron's zip.
      expect(mirror.requested).toHaveLength(1);
      expect(mirror.requested[0]).toMatch(/^\/v\d+\.\d+\.\d+\/electron-v\d+\.\d+\.\d+-\w+-\w+\.zip$/);
      // One sentence announces the fallback, with the cause; no stack trace from the installer.
      const all = `${start.stdout()}\n${start.stderr()}`;
      const mentions = all.split('\n').filter((line) => /electron/i.test(line));
      expect(mentions).toEqual([
        expect.stringMatching(
          /^thingbench: Electron is not available here \(no download possible: Response code 404 \(Not Found\)[^)]*\): starting browser mode\.$/,
        ),
      ]);
      expect(all).not.toMatch(/^\s+at /m);
      // Browser mode serves the UI.
      const page = await fetch(ui);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
    } finally {
      await stop(start);
      await mirror.close();
    }
  }, START_MS + 30_000);

  it('npm start whose Electron download stalls says what it waits for, gives up after 30 s without a byte and serves browser mode', async () => {
    expect(install.code, install.output).toBe(0);
    // A download host that starts sending Electron's zip and then sends nothing more.
    const mirror = await startMirror((url, res) => {
      if (!url.endsWith('.zip')) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(100 * 1024 * 1024) });
      res.write(Buffer.alloc(64 * 1024));
    });
    const start = npmStart(clone, ['--no-open', '--data-dir', path.join(base, 'data-stall'), ...PORTS], {
      ELECTRON_MIRROR: mirror.url,
      electron_config_cache: path.join(base, 'electron-cache'),
    });
    try {
      const ui = await servedUi(start);
      const mentions = `${start.stdout()}\n${start.stderr()}`.split('\n').filter((line) => /electron/i.test(line));
      expect(mentions).toEqual([
        "thingbench: downloading Electron's binary, once (about 100 MB)…",
        'thingbench: Electron is not available here (its download stalled: nothing new for 30 s): starting browser mode.',
      ]);
      expect((await fetch(ui)).status).toBe(200);
      expect(fs.existsSync(path.join(clone, 'node_modules/electron/path.txt'))).toBe(false);
    } finally {
      await stop(start);
      await mirror.close();
    }
  }, START_MS + 60_000);

  it.runIf(process.platform === 'linux' || process.platform === 'darwin')(
    'npm start where Electron can be downloaded: the first start downloads it once and runs the built shell in it',
    async () => {
      expect(install.code, install.output).toBe(0);
      // An Electron download host with a stand-in Electron (a script that prints its arguments) and its checksum.
      const executable = process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
      const zip = zipWithExecutable(executable, '#!/bin/sh\necho "stand-in electron: $*"\n');
      let zipName = '';
      const mirror = await startMirror((url, res) => {
        const asked = /\/(electron-v[^/]+\.zip)$/.exec(url)?.[1];
        if (asked) {
          zipName = asked;
          res.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
        } else if (url.endsWith('/SHASUMS256.txt') && zipName) {
          res.writeHead(200).end(`${sha256(zip)} *${zipName}\n`);
        } else {
          res.writeHead(404).end();
        }
      });
      const env = {
        ELECTRON_MIRROR: mirror.url,
        electron_config_cache: path.join(base, 'electron-cache'),
        electron_use_remote_checksums: '1',
      };
      try {
        for (const run of [1, 2]) {
          const start = npmStart(clone, ['--no-open', '--run', String(run)], env);
          const [code] = (await start.exited) as [number | null];
          const all = `${start.stdout()}\n${start.stderr()}`;
          expect(code, all).toBe(0);
          expect(all).toContain(`stand-in electron: ${path.join(clone, 'electron/dist/electron/main/main.js')} --no-open --run ${run}`);
          expect(all).not.toMatch(/not available|^\s+at /m);
        }
        // Downloaded on the first start only: the zip was asked for once.
        expect(mirror.requested.filter((url) => url.endsWith('.zip'))).toHaveLength(1);
        expect(fs.existsSync(path.join(clone, 'node_modules/electron/path.txt'))).toBe(true);
      } finally {
        await mirror.close();
      }
    },
    START_MS + TYPECHECK_MS,
  );
});
