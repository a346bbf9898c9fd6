/**
 * Temporary directories for one test file, removed after the file's last test: a directory survives an engine
 * stop and restart anywhere within the file, and none is left behind in the OS temp directory. What a file still
 * has open in them (an engine it did not stop) is closed first.
 *
 * The removal is a file-level `afterAll` registered when this module is imported, that is while vitest collects
 * the test file that (directly or through another helper) imports it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const dirs = new Set<string>();
const closers: Array<() => Promise<void>> = [];

/** A fresh directory `<os temp>/<prefix>XXXXXX`, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** Runs `close` after the test file, before its temporary directories are removed (idempotent closes only). */
export function closeBeforeRemovingTempDirs(close: () => Promise<void>): void {
  closers.push(close);
}

afterAll(async () => {
  for (const close of closers.splice(0)) await close().catch(() => undefined);
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  dirs.clear();
});
