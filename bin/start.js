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
const INSTALL_TIMEOUT_MS = 20_000;

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

/** Runs electron's own installer once: it downloads the binary on a normal machine and fails fast offline. */
function tryInstallElectron() {
  const installer = path.join(root, 'node_modules/electron/install.js');
  if (!fs.existsSync(installer)) return;
  log(`Electron's binary is missing; trying its installer once (up to ${INSTALL_TIMEOUT_MS / 1000} s)…`);
  spawnSync(process.execPath, [installer], { cwd: path.dirname(installer), stdio: 'inherit', timeout: INSTALL_TIMEOUT_MS });
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

function main() {
  if (isStale(rendererIndex, ['renderer', 'engine/contract'])) npmRun('build:renderer');

  let electron = process.env.THINGBENCH_NO_ELECTRON ? null : electronBinary();
  if (!electron && !process.env.THINGBENCH_NO_ELECTRON) {
    tryInstallElectron();
    electron = electronBinary();
  }

  if (electron) {
    if (isStale(electronMain, ['electron', 'engine'])) npmRun('build:electron');
    runForeground(electron, [electronMain, ...args]);
  } else {
    log('Electron is not available: starting browser mode instead.');
    runForeground(process.execPath, [path.join(root, 'bin/thingbench.js'), 'serve', ...args]);
  }
}

main();
