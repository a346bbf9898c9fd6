/**
 * Calls back once a folder has been quiet for `debounceMs` after a change. Editors save in bursts (write, rename,
 * chmod) and copying a set of files is many events, so one reload per burst is both cheaper and never sees a
 * file half-way through a save sequence of events. The folder is created if missing, so there is always something to watch.
 *
 * LIMITATION: fs.watch watches the folder itself (not subfolders); if the folder is deleted the watch ends (logged)
 * until the engine restarts.
 */
import fs from 'node:fs';
import type { Disposable, Logger } from '../core/index.js';

export function watchFolder(dir: string, onSettled: () => void, opts: { debounceMs: number; logger: Logger }): Disposable {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) onSettled();
    }, opts.debounceMs);
  };
  let watcher: fs.FSWatcher;
  try {
    fs.mkdirSync(dir, { recursive: true });
    watcher = fs.watch(dir, { persistent: false }, changed);
  } catch (e) {
    opts.logger.log('warn', 'rules', `not watching ${dir} for rule file changes: ${(e as Error).message}`);
    return { dispose: () => {} };
  }
  watcher.on('error', (e) => {
    opts.logger.log('warn', 'rules', `stopped watching ${dir} for rule file changes: ${e.message}`);
    watcher.close();
  });
  return {
    dispose: () => {
      closed = true;
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}
