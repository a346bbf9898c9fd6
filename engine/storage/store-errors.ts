import { EngineError } from '../core/index.js';

/**
 * Why a store could not open, as `EngineError.details.reason` (hosts turn these into a sentence with the fix:
 * `host/start-failure.ts`): `DataDirUnwritable`, `DataDirLocked`, `DataFileDamaged`.
 */

/** The data directory (or a parent) cannot be created or written: a file stands in the way, no permission, a read-only disk. */
export function unwritableDir(dir: string, e: NodeJS.ErrnoException): EngineError {
  const cause = e.code ?? e.message;
  return new EngineError('Unavailable', `Data directory ${dir} cannot be created or written (${cause})`, { reason: 'DataDirUnwritable', dir, cause });
}

/** A store file that does not read back; it is left exactly as found (never replaced with an empty store). */
export function damagedFile(file: string, cause: string): EngineError {
  return new EngineError('Unavailable', `The database file ${file} is damaged (${cause}); Thingbench left it untouched`, { reason: 'DataFileDamaged', file, cause });
}
