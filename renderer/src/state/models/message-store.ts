import { topicMatches, type MessageRecord } from '../../../../engine/contract/index.js';

/** Whether `topic` is one of AWS's reserved lifecycle topics (`$aws/…`), which the explorer can hide. */
export const isAwsTopic = (topic: string): boolean => topic.startsWith('$aws/');

/** The messages the list shows: one topic filter, most recent first, at most `capacity`, no duplicates. */
export class MessageStore {
  private items: MessageRecord[] = [];
  filter = '#';
  /** Leaves `$aws/…` out when the filter is not itself under `$aws`. */
  hideAws = false;
  /** While searching payloads: which live messages belong in the list. */
  payloadTest: ((message: MessageRecord) => boolean) | null = null;

  constructor(readonly capacity = 500) {}

  /** The current list; a new array after every change, so it can be kept as a snapshot. */
  get messages(): readonly MessageRecord[] {
    return this.items;
  }

  /** Starts over for another filter (the caller then loads that filter's history). */
  reset(filter: string): void {
    this.filter = filter;
    this.items = [];
  }

  matches(message: MessageRecord): boolean {
    if (this.hideAws && isAwsTopic(message.topic) && !this.filter.startsWith('$aws/')) return false;
    // The filter comes from a tree node, not a wildcard typed at the root, so `$` topics may match.
    return topicMatches(this.filter, message.topic, { dollar: true }) && (this.payloadTest?.(message) ?? true);
  }

  /** Adds live or historical messages in any order; returns true when the visible list changed. */
  merge(incoming: readonly MessageRecord[]): boolean {
    const items = this.items;
    const oldest = items.length >= this.capacity ? items[items.length - 1]!.id : -Infinity;
    const newest = items[0]?.id ?? -Infinity;
    // Live messages are newer than everything held: no lookup, and no set of ids to keep (at 10,000 messages a
    // second its adds and deletes kept rehashing it).
    const fresh = incoming.filter((m) => m.id > oldest && (m.id > newest || !this.holds(m.id)) && this.matches(m));
    if (fresh.length === 0) return false;
    newestFirst(fresh);
    const merged = fresh[fresh.length - 1]!.id > newest ? fresh.concat(items) : [...fresh, ...items].sort((a, b) => b.id - a.id);
    if (merged.length > this.capacity) merged.length = this.capacity;
    this.items = merged;
    return true;
  }

  /** Whether the list holds message `id` (it is sorted newest first). */
  private holds(id: number): boolean {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.items[mid]!.id;
      if (at === id) return true;
      if (at > id) lo = mid + 1;
      else hi = mid;
    }
    return false;
  }
}

/** Sorts newest first in place; a live batch comes oldest first, so reversing it is enough. */
function newestFirst(messages: MessageRecord[]): void {
  let ascending = true;
  for (let i = 1; i < messages.length && ascending; i++) ascending = messages[i - 1]!.id < messages[i]!.id;
  if (ascending) messages.reverse();
  else messages.sort((a, b) => b.id - a.id);
}
