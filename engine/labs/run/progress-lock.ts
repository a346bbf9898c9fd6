/**
 * A lock file beside a file that several processes update (`thingbench lab … --target` and a running engine both
 * write `labs/progress.json`): `withFileLock(file, fn)` creates `<file>.lock` with `O_EXCL` (only one process can),
 * runs `fn`, and removes the lock if it is still its own. A lock whose process is gone, or older than `staleMs` (a
 * holder keeps it for a read and a write: milliseconds), is taken over: renamed aside (only one process can), and put
 * back if what was renamed turns out to be a live lock taken in the meantime. Waiting is synchronous (the callers'
 * updates are), in short sleeps, for at most `waitMs`.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { EngineError } from '../../core/index.js';

export interface FileLockOptions {
  /** A lock older than this is stale (default 10 s). */
  staleMs?: number;
  /** How long to wait for a live lock before giving up (default 10 s). */
  waitMs?: number;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms: number) => Atomics.wait(sleeper, 0, 0, ms);

interface Holder { pid: number; token: string }

function readHolder(lock: string): Holder | undefined {
  try {
    const [pid, token] = readFileSync(lock, 'utf8').split(' ');
    return { pid: Number(pid), token: token?.trim() ?? '' };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the lock at `lock` (held by `holder`) may be taken over. */
function stale(lock: string, holder: Holder | undefined, staleMs: number): boolean {
  if (holder && holder.pid === process.pid) return false;
  if (holder && holder.token && !alive(holder.pid)) return true;
  try {
    return Date.now() - statSync(lock).mtimeMs > staleMs;
  } catch {
    return false;
  }
}

/** Renames a stale lock aside; puts it back when it was not the one judged stale (another process took it meanwhile). */
function breakLock(lock: string, judged: Holder | undefined): void {
  const aside = `${lock}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(lock, aside);
  } catch {
    return; // Gone already: someone else broke or released it.
  }
  const moved = readHolder(aside);
  if (judged && moved && moved.token !== judged.token) {
    try {
      linkSync(aside, lock);
    } catch {
      // A new lock exists already; the one moved aside belonged to a holder that will find it gone.
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // Nothing to remove.
  }
}

export function withFileLock<T>(file: string, fn: () => T, opts: FileLockOptions = {}): T {
  const lock = `${file}.lock`;
  const staleMs = opts.staleMs ?? 10_000;
  const deadline = Date.now() + (opts.waitMs ?? 10_000);
  const token = randomBytes(8).toString('hex');
  let delay = 2;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, `${process.pid} ${token}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    }
    const holder = readHolder(lock);
    if (stale(lock, holder, staleMs)) {
      breakLock(lock, holder);
      continue;
    }
    if (Date.now() > deadline) {
      throw new EngineError('Unavailable', `${file} is locked by process ${holder?.pid ?? 'unknown'} (${lock}); remove the lock file if that process is gone`);
    }
    sleepSync(delay);
    delay = Math.min(50, delay * 2);
  }
  try {
    return fn();
  } finally {
    if (readHolder(lock)?.token === token) {
      try {
        unlinkSync(lock);
      } catch {
        // Taken over as stale meanwhile: nothing of ours to remove.
      }
    }
  }
}
