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
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './helpers/cli-process.js';

const INSTALL_MS = 240_000;
const TYPECHECK_MS = 300_000;
const START_MS = 120_000;

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
    // Electron's download host, as this machine sees it: an HTTP server that has no Electron (404). Pointing the
    // installer there keeps the test from downloading and opening Electron where the real host is reachable.
    const requested: string[] = [];
    const mirror = http.createServer((req, res) => {
      requested.push(req.url ?? '');
      res.writeHead(404).end();
    });
    mirror.listen(0, '127.0.0.1');
    await once(mirror, 'listening');
    const mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`;

    const dataDir = path.join(base, 'data');
    const ports = ['--mqtt-port', '0', '--ws-port', '0', '--http-port', '0', '--mqtts-port', '0', '--wss-port', '0', '--port', '0'];
    const child = spawn('npm', ['start', '--', '--no-open', '--data-dir', dataDir, ...ports], {
      cwd: clone,
      env: userEnv({ ELECTRON_MIRROR: mirrorUrl, electron_config_cache: path.join(base, 'electron-cache') }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'close');
    try {
      const ui = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no UI line after ${START_MS} ms:\n${stdout}\n${stderr}`)), START_MS);
        const check = () => {
          const match = /UI\s+(http:\/\/\S+)/.exec(stdout + stderr);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
        void exited.then(() => reject(new Error(`npm start exited before serving:\n${stdout}\n${stderr}`)));
      });

      // The installer ran once, on demand, and asked for Electron's zip.
      expect(requested).toHaveLength(1);
      expect(requested[0]).toMatch(/^\/v\d+\.\d+\.\d+\/electron-v\d+\.\d+\.\d+-\w+-\w+\.zip$/);
      // One sentence announces the fallback, with the cause; no stack trace from the installer.
      const all = `${stdout}\n${stderr}`;
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
      // npm, bin/start.js and the server it started share one process group.
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
      await exited;
      mirror.close();
    }
  }, START_MS + 30_000);
});
