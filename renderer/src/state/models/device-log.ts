/**
 * A device's log with newly read entries added after it: entries it holds already are skipped (two reads that
 * overlapped return the same ones), and only the last `max` are kept.
 */
export function appendLog<T extends { seq: number }>(log: readonly T[], entries: readonly T[], max: number): readonly T[] {
  const last = log.at(-1)?.seq ?? -Infinity;
  const fresh = entries.filter((e) => e.seq > last);
  return fresh.length ? [...log, ...fresh].slice(-max) : log;
}
