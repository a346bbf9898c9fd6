/**
 * Values found by a string each carries (`keyOf`), for models that keep a great many: a big topic tree's nodes by
 * path and by level name. A `Map` or `Set` would do the same, but V8 internalizes every string used as a key of one,
 * stored or only looked up: the string joins the page's string table, which each mark-compact's final pause walks in
 * full (5–10 ms of every pause with 100,000 topic paths in it, on this project's two-core machine). Here the keys are
 * 30-bit hashes, small integers that are no objects at all. The first value of each hash sits in one map, whose own
 * iterator is then `values()`; the few others whose keys share a hash wait in a second one.
 */
export class StringIndex<V> {
  private readonly first = new Map<number, V>();
  private readonly others = new Map<number, V[]>();

  /** `hash` is for tests, which force collisions with a poor one. */
  constructor(private readonly keyOf: (value: V) => string, private readonly hash: (key: string) => number = stringHash) {}

  get size(): number {
    let n = this.first.size;
    for (const list of this.others.values()) n += list.length;
    return n;
  }

  get(key: string): V | undefined {
    const h = this.hash(key);
    const found = this.first.get(h);
    if (found === undefined || this.keyOf(found) === key) return found;
    return this.others.get(h)?.find((v) => this.keyOf(v) === key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds `value`, or puts it in the place of the value with the same key. */
  set(value: V): void {
    const key = this.keyOf(value);
    const h = this.hash(key);
    const found = this.first.get(h);
    if (found === undefined || this.keyOf(found) === key) {
      this.first.set(h, value);
      return;
    }
    const list = this.others.get(h);
    if (!list) this.others.set(h, [value]);
    else {
      const at = list.findIndex((v) => this.keyOf(v) === key);
      if (at >= 0) list[at] = value;
      else list.push(value);
    }
  }

  /** Removes the value with key `key`; returns whether there was one. */
  delete(key: string): boolean {
    const h = this.hash(key);
    const found = this.first.get(h);
    if (found === undefined) return false;
    const list = this.others.get(h);
    if (this.keyOf(found) === key) {
      // One of the others with this hash takes the first place.
      if (list) this.first.set(h, list.shift()!);
      else this.first.delete(h);
    } else {
      const at = list ? list.findIndex((v) => this.keyOf(v) === key) : -1;
      if (at < 0) return false;
      list!.splice(at, 1);
    }
    if (list?.length === 0) this.others.delete(h);
    return true;
  }

  clear(): void {
    this.first.clear();
    this.others.clear();
  }

  /** Every value: those first with their hash in the order their hashes came, then the others. */
  values(): IterableIterator<V> {
    return this.others.size === 0 ? this.first.values() : this.withOthers();
  }

  private *withOthers(): IterableIterator<V> {
    yield* this.first.values();
    for (const list of this.others.values()) yield* list;
  }
}

/** What readers of an index may do. */
export type ReadonlyStringIndex<V> = Pick<StringIndex<V>, 'size' | 'get' | 'has' | 'values'>;

/** FNV-1a of the string's UTF-16 code units, cut to 30 bits: a small integer on every V8 build. */
export function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h & 0x3fffffff;
}
