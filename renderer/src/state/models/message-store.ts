import { topicMatches, type MessageRecord } from '../../../../engine/contract/index.js';

/** Whether `topic` is one of AWS's reserved lifecycle topics (`$aws/…`), which the explorer can hide. */
export const isAwsTopic = (topic: string): boolean => topic.startsWith('$aws/');

/** The messages the list shows: one topic filter, most recent first, at most `capacity`, no duplicates. */
export class MessageStore {
  private items: MessageRecord[] = [];
  private readonly ids = new Set<number>();
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
    this.ids.clear();
  }

  matches(message: MessageRecord): boolean {
    if (this.hideAws && isAwsTopic(message.topic) && !this.filter.startsWith('$aws/')) return false;
    // The filter comes from a tree node, not a wildcard typed at the root, so `$` topics may match.
    return topicMatches(this.filter, message.topic, { dollar: true }) && (this.payloadTest?.(message) ?? true);
  }

  /** Adds live or historical messages in any order; returns true when the visible list changed. */
  merge(incoming: readonly MessageRecord[]): boolean {
    const oldest = this.items.length >= this.capacity ? this.items[this.items.length - 1]!.id : -Infinity;
    const fresh = incoming.filter((m) => m.id > oldest && !this.ids.has(m.id) && this.matches(m));
    if (fresh.length === 0) return false;
    fresh.sort((a, b) => b.id - a.id);
    const newest = this.items[0]?.id ?? -Infinity;
    // Live traffic is newer than everything shown: prepend without sorting the whole list again.
    const merged = fresh[fresh.length - 1]!.id > newest ? fresh.concat(this.items) : [...fresh, ...this.items].sort((a, b) => b.id - a.id);
    for (const m of fresh) this.ids.add(m.id);
    for (const dropped of merged.splice(this.capacity)) this.ids.delete(dropped.id);
    this.items = merged;
    return true;
  }
}
