import { topicMatches, type MessageRecord } from '../../../../engine/contract/index.js';

/** The messages the list shows: one topic filter, most recent first, at most `capacity`, no duplicates. */
export class MessageStore {
  private items: MessageRecord[] = [];
  private readonly ids = new Set<number>();
  filter = '#';

  constructor(readonly capacity = 500) {}

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
    // The filter comes from a tree node, not a wildcard typed at the root, so `$` topics may match.
    return topicMatches(this.filter, message.topic, { dollar: true });
  }

  /** Adds live or historical messages in any order; returns true when the visible list changed. */
  merge(incoming: readonly MessageRecord[]): boolean {
    const fresh = incoming.filter((m) => !this.ids.has(m.id) && this.matches(m));
    if (fresh.length === 0) return false;
    fresh.forEach((m) => this.ids.add(m.id));
    this.items = [...fresh, ...this.items].sort((a, b) => b.id - a.id);
    for (const dropped of this.items.splice(this.capacity)) this.ids.delete(dropped.id);
    return true;
  }
}
