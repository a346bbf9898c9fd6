/** An item of a `LinkedList`: its links live on the item itself, so it is in at most one list at a time. */
export interface Linked<T> {
  prev: T | null;
  next: T | null;
}

/**
 * A list linked through its items: add at the end, take out any item, read the first, each in O(1) with no hashing
 * and no allocation. For queues on a per-message path, where a Set or Map kept in insertion order costs a hash delete
 * and add per use, and finding its first entry walks over the holes its deletions left.
 */
export class LinkedList<T extends Linked<T>> {
  first: T | null = null;
  private last: T | null = null;

  /** Adds `item` (in no list) at the end. */
  push(item: T): void {
    item.prev = this.last;
    item.next = null;
    if (this.last) this.last.next = item;
    else this.first = item;
    this.last = item;
  }

  /** Takes `item` (in this list) out. */
  remove(item: T): void {
    if (item.prev) item.prev.next = item.next;
    else this.first = item.next;
    if (item.next) item.next.prev = item.prev;
    else this.last = item.prev;
    item.prev = item.next = null;
  }
}
