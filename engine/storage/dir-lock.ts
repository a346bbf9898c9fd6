import fs from 'node:fs';
import path from 'node:path';
import { EngineError } from '../core/index.js';
import { unwritableDir } from './store-errors.js';

/** One engine per data directory: a `LOCK` file holds the owner's pid; a dead owner's lock is taken over. */
export function lockDataDir(dir: string): { release(): void } {
  const file = path.join(dir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return { release: () => fs.rmSync(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritableDir(dir, e as NodeJS.ErrnoException);
      const owner = Number(fs.readFileSync(file, 'utf8'));
      if (owner && isAlive(owner)) {
        throw new EngineError('Conflict', `Data directory ${dir} is in use by another Thingbench (process ${owner})`, { reason: 'DataDirLocked', dir, pid: owner });
      }
      fs.rmSync(file, { force: true }); // stale: its owner died (e.g. kill -9)
    }
  }
  throw new EngineError('Conflict', `could not lock data directory ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
