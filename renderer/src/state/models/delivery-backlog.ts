import type { StoredEventInfo } from '../../../../engine/contract/index.js';

/** Events waiting for one absent consumer. */
export interface ConsumerBacklog {
  consumer: string;
  count: number;
  bytes: number;
  oldest: number;
  /** When the first of them expires. */
  nextExpiry: number;
}

/** The waiting events grouped per consumer, the longest backlog first. */
export function backlogs(events: readonly StoredEventInfo[]): ConsumerBacklog[] {
  const by = new Map<string, ConsumerBacklog>();
  for (const e of events) {
    const b = by.get(e.consumer);
    if (b) {
      b.count++;
      b.bytes += e.size;
      b.oldest = Math.min(b.oldest, e.publishedAt);
      b.nextExpiry = Math.min(b.nextExpiry, e.expiresAt);
    } else by.set(e.consumer, { consumer: e.consumer, count: 1, bytes: e.size, oldest: e.publishedAt, nextExpiry: e.expiresAt });
  }
  return [...by.values()].sort((a, b) => b.count - a.count || a.consumer.localeCompare(b.consumer));
}
