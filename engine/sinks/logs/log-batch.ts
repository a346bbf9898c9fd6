/**
 * PutLogEvents' batch rules [CWL API PutLogEvents]: 1 to 10,000 events, at most 1,048,576 bytes (each message's
 * UTF-8 bytes plus 26), in chronological order, spanning at most 24 hours; events more than 2 hours in the future,
 * older than 14 days or older than the group's retention are rejected (not an error) and reported by index.
 */
import { EngineError } from '../../core/index.js';

export interface InputLogEvent { timestamp: number; message: string }

export interface RejectedLogEventsInfo {
  tooNewLogEventStartIndex?: number;
  tooOldLogEventEndIndex?: number;
  expiredLogEventEndIndex?: number;
}

export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Checks a batch; returns the accepted slice's bounds and what was rejected. Throws InvalidInput as AWS does. */
export function checkBatch(events: readonly InputLogEvent[], now: number, retentionDays: number | undefined): { from: number; to: number; rejected?: RejectedLogEventsInfo } {
  if (events.length < 1 || events.length > MAX_BATCH_EVENTS) {
    throw invalid(`1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_EVENTS} and greater than or equal to 1`);
  }
  let bytes = 0;
  for (const [i, e] of events.entries()) {
    if (!Number.isSafeInteger(e.timestamp) || e.timestamp < 0) throw invalid(`1 validation error detected: Value at 'logEvents.${i + 1}.member.timestamp' failed to satisfy constraint: Member must have value greater than or equal to 0`);
    if (typeof e.message !== 'string' || e.message.length < 1) throw invalid(`1 validation error detected: Value at 'logEvents.${i + 1}.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1`);
    bytes += Buffer.byteLength(e.message, 'utf8') + EVENT_OVERHEAD_BYTES;
  }
  if (bytes > MAX_BATCH_BYTES) throw invalid(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  for (let i = 1; i < events.length; i++) {
    if (events[i].timestamp < events[i - 1].timestamp) throw invalid('Log events in a single PutLogEvents request must be in chronological order.');
  }
  if (events[events.length - 1].timestamp - events[0].timestamp > DAY) {
    throw invalid('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  }
  const tooOldBefore = now - 14 * DAY;
  const expiredBefore = retentionDays === undefined ? -Infinity : now - retentionDays * DAY;
  const tooNewAfter = now + 2 * HOUR;
  let from = 0;
  let to = events.length;
  const rejected: RejectedLogEventsInfo = {};
  while (from < to && (events[from].timestamp < expiredBefore || events[from].timestamp < tooOldBefore)) from++;
  // AWS reports expiry (retention) ahead of age when both apply.
  const lastExpired = lastIndex(events, from, (t) => t < expiredBefore);
  const lastTooOld = lastIndex(events, from, (t) => t < tooOldBefore && t >= expiredBefore);
  if (lastExpired >= 0) rejected.expiredLogEventEndIndex = lastExpired;
  if (lastTooOld >= 0) rejected.tooOldLogEventEndIndex = lastTooOld;
  while (to > from && events[to - 1].timestamp > tooNewAfter) to--;
  if (to < events.length) rejected.tooNewLogEventStartIndex = to;
  return Object.keys(rejected).length ? { from, to, rejected } : { from, to };
}

function lastIndex(events: readonly InputLogEvent[], end: number, test: (t: number) => boolean): number {
  for (let i = end - 1; i >= 0; i--) if (test(events[i].timestamp)) return i;
  return -1;
}

function invalid(message: string): EngineError {
  return new EngineError('InvalidInput', message);
}
