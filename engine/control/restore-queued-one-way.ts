/**
 * At start, the one-way commands kept in the store before a restart (or a `kill -9`) wait again for their device, until
 * their deadline. Those already past it, and those the thing's queue no longer has room for, are forgotten.
 */
import type { Logger } from '../core/index.js';
import type { PendingCommands } from './pending-commands.js';
import type { QueuedOneWay } from './queued-one-way.js';

/** `expireIn` arms the timer that forgets a restored command if it is not handed over by its deadline. */
export function restoreQueuedOneWay(
  queued: QueuedOneWay, pending: PendingCommands, now: number, logger: Logger, expireIn: (requestId: string, ms: number) => void,
): void {
  for (const row of queued.load()) {
    if (row.deadline <= now) {
      queued.forget(row.requestId);
      continue;
    }
    try {
      pending.add({ ...row, oneWay: true, answer: () => {} });
    } catch (err) {
      logger.log('warn', 'control', `a one-way command for ${row.thing} kept across the restart was dropped: ${(err as Error).message}`);
      queued.forget(row.requestId);
      continue;
    }
    expireIn(row.requestId, row.deadline - now);
  }
}
