/**
 * The renderer built once per state of its sources, shared by every e2e test file of a run (vitest runs files in
 * separate processes): the first file to ask builds it into a directory named by a hash of the renderer's sources,
 * the contract and the lockfile; the others wait for that build and reuse it. So each test still sees the renderer
 * exactly as its sources are now, without a Vite build per file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES = ['renderer', 'engine/contract', 'package-lock.json'];
const SKIP = new Set(['dist', 'node_modules']);

function* files(p: string): Generator<string> {
  const stat = fs.statSync(p);
  if (stat.isFile()) { yield p; return; }
  for (const entry of fs.readdirSync(p).sort()) if (!SKIP.has(entry)) yield* files(path.join(p, entry));
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const source of SOURCES) {
    for (const file of files(path.join(repoRoot, source))) hash.update(path.relative(repoRoot, file)).update('\0').update(fs.readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

const waitFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Vite builds for production only when NODE_ENV is unset or `production`; under vitest it is `test`, which made a
 * development build (Svelte's dev runtime: ownership checks, component metadata) that e2e tests and benchmarks then
 * measured instead of what users run. The build sees `production` while it runs.
 */
async function productionBuild(outDir: string): Promise<void> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: path.join(repoRoot, 'renderer/vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

const BUILD_PREFIX = 'thingbench-renderer-prod-';
const STALE_BUILD_MS = 24 * 3600_000;

/** Builds of other sources made over a day ago (~15 MB each; a test run that still uses one is long over). */
function removeStaleBuilds(current: string): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const dir = path.join(os.tmpdir(), name);
    if (!name.startsWith(BUILD_PREFIX) || !/^[0-9a-f]{16}$/.test(name.slice(BUILD_PREFIX.length)) || dir === current) continue;
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (stat && Date.now() - stat.mtimeMs > STALE_BUILD_MS) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The directory holding the renderer built from the current sources (index.html and assets); read-only for callers. */
export async function builtRenderer(): Promise<string> {
  const dir = path.join(os.tmpdir(), `${BUILD_PREFIX}${sourceHash()}`);
  const done = path.join(dir, 'index.html');
  const lock = `${dir}.lock`;
  for (let waited = 0; !fs.existsSync(done); waited += 200) {
    try {
      fs.mkdirSync(lock); // whoever makes the lock builds; the rest poll for index.html, written last by Vite
    } catch {
      // Another process builds; a lock older than two minutes belongs to one that died mid-build.
      if (waited > 120_000 || Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 120_000) fs.rmSync(lock, { recursive: true, force: true });
      await waitFor(200);
      continue;
    }
    try {
      const staging = `${dir}.${process.pid}`;
      await productionBuild(staging);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(staging, dir);
      removeStaleBuilds(dir);
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
  return dir;
}
