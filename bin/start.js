#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is installed, otherwise browser mode (`thingbench serve`).
// Extra arguments go to the app: `npm start -- --broker-mode standard --port 0`.
// THINGBENCH_NO_ELECTRON=1 skips Electron (and its download attempt) and goes straight to browser mode.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
// Electron's download gets as long as it makes progress; it is given up after this long without a new byte.
const STALL_MS = 30_000;
const NOTICE_AFTER_MS = 2_000;

// tsc -p electron/tsconfig.json uses rootDir `..`, so the main process lands here.
const electronMain = path.join(root, 'electron/dist/electron/main/main.js');
const rendererIndex = path.join(root, 'renderer/dist/index.html');

/** The electron package exports the binary's path, and throws when its download never happened. */
function electronBinary() {
  try {
    const binary = require('electron');
    return typeof binary === 'string' && fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/**
 * Runs Electron's own installer once (npm does not run it at install time: package.json `allowScripts` denies it).
 * It downloads the binary where Electron's download host is reachable and fails fast where it is not. Its output is
 * kept: on failure only the error's first line is reported, inside one sentence. Resolves with null when the binary
 * is now there, otherwise with why not.
 */
function installElectron() {
  const installer = path.join(root, 'node_modules/electron/install.js');
  if (!fs.existsSync(installer)) return Promise.resolve('its package is not installed');
  // The installer downloads into the temp dir and unpacks into dist/: their growth is its progress.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'thingbench-electron-'));
  const watched = [tmp, path.join(path.dirname(installer), 'dist')];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [installer], {
      cwd: path.dirname(installer),
      env: { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk) => (output = (output + chunk.toString()).slice(-64 * 1024));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    // A download that cannot happen (no network, no route to the host) fails within this delay; one that takes
    // longer is a real download, so say what the wait is for.
    const notice = setTimeout(() => log("downloading Electron's binary, once (about 100 MB)…"), NOTICE_AFTER_MS);
    let bytes = -1;
    let lastProgress = Date.now();
    let stalled = false;
    const watch = setInterval(() => {
      const now = watched.reduce((sum, dir) => sum + bytesUnder(dir), 0);
      if (now !== bytes) {
        bytes = now;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > STALL_MS) {
        stalled = true;
        child.kill();
      }
    }, 1000);
    // Ctrl-C reaches the installer too (same process group); leave no half-downloaded zip behind.
    const interrupted = () => {
      fs.rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    };
    process.once('SIGINT', interrupted);
    const done = (reason) => {
      clearTimeout(notice);
      clearInterval(watch);
      process.off('SIGINT', interrupted);
      fs.rmSync(tmp, { recursive: true, force: true });
      resolve(reason);
    };
    child.on('error', (err) => done(err.message));
    child.on('close', (code) => {
      if (stalled) done(`its download stalled: nothing new for ${STALL_MS / 1000} s`);
      else if (code !== 0) done(`no download possible: ${installerError(output)}`);
      else done(electronBinary() ? null : 'its installer finished without the binary');
    });
  });
}

/** Total size of the files under `dir` (0 when it does not exist). */
function bytesUnder(dir) {
  let total = 0;
  try {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).size;
    }
  } catch {
    // gone or replaced while being read: counts as no bytes this time
  }
  return total;
}

/** The first line of the installer's error (e.g. `getaddrinfo ENOTFOUND github.com`), without its stack. */
function installerError(output) {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('at '));
  const first = lines.find((l) => /^\w*Error\b/.test(l)) ?? lines[0] ?? 'the installer failed';
  return first.replace(/^\w*Error:\s*/, '').slice(0, 200);
}

/** Newest modification time of the source files under `dirs` (build outputs and dependencies skipped). */
function newestSource(dirs) {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  dirs.map((d) => path.join(root, d)).filter((d) => fs.existsSync(d)).forEach(walk);
  return newest;
}

function isStale(output, sourceDirs) {
  return !fs.existsSync(output) || newestSource(sourceDirs) > fs.statSync(output).mtimeMs;
}

/** `npm run <script>` with the npm that started us (npm_execpath), so no shell or PATH lookup is involved. */
function npmRun(script) {
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', script], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', script], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    log(`npm run ${script} failed`);
    process.exit(result.status ?? 1);
  }
}

/** Runs the child in the foreground and exits with its status. */
function runForeground(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  // Ctrl-C already reaches the child through the terminal; forwarding it would count as a second signal.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    log(`could not start ${command}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
}

function log(message) {
  process.stderr.write(`thingbench: ${message}\n`);
}

async function main() {
  if (isStale(rendererIndex, ['renderer', 'engine/contract'])) npmRun('build:renderer');

  const skip = Boolean(process.env.THINGBENCH_NO_ELECTRON);
  let electron = skip ? null : electronBinary();
  let unavailable = null;
  if (!electron && !skip) {
    unavailable = await installElectron();
    electron = unavailable ? null : electronBinary();
  }

  if (electron) {
    if (isStale(electronMain, ['electron', 'engine'])) npmRun('build:electron');
    runForeground(electron, [electronMain, ...args]);
  } else {
    log(skip ? 'THINGBENCH_NO_ELECTRON is set: starting browser mode.' : `Electron is not available here (${unavailable}): starting browser mode.`);
    runForeground(process.execPath, [path.join(root, 'bin/thingbench.js'), 'serve', ...args]);
  }
}

await main();
