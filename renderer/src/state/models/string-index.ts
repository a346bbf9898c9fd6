/**
 * Values found by a string each carries (`keyOf`), for models that keep a great many: a big topic tree's nodes by
 * path and by level name. A `Map` or `Set` would do the same, but V8 internalizes every string used as a key of one,
 * stored or only looked up: the string joins the page's string table, which each mark-compact's final pause walks in
 * full (5–10 ms of every pause with 100,000 topic paths in it, on this project's two-core machine). Here the keys are
 * 30-bit hashes, small integers that are no objects at all; the few values whose keys share a hash sit in an array
 * (so values are never arrays themselves).
 */
export class StringIndex<V> {
  private readonly byHash = new Map<number, V | V[]>();
  private count = 0;

  /** `hash` is for tests, which force collisions with a poor one. */
  constructor(private readonly keyOf: (value: V) => string, private readonly hash: (key: string) => number = stringHash) {}

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const found = this.byHash.get(this.hash(key));
    if (found === undefined) return undefined;
    if (!Array.isArray(found)) return this.keyOf(found) === key ? found : undefined;
    return found.find((v) => this.keyOf(v) === key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds `value`, or puts it in the place of the value with the same key. */
  set(value: V): void {
    const key = this.keyOf(value);
    const h = this.hash(key);
    const found = this.byHash.get(h);
    if (found === undefined) {
      this.byHash.set(h, value);
      this.count++;
    } else if (!Array.isArray(found)) {
      if (this.keyOf(found) === key) this.byHash.set(h, value);
      else {
        this.byHash.set(h, [found, value]);
        this.count++;
      }
    } else {
      const at = found.findIndex((v) => this.keyOf(v) === key);
      if (at >= 0) found[at] = value;
      else {
        found.push(value);
        this.count++;
      }
    }
  }

  /** Removes the value with key `key`; returns whether there was one. */
  delete(key: string): boolean {
    const h = this.hash(key);
    const found = this.byHash.get(h);
    if (found === undefined) return false;
    if (!Array.isArray(found)) {
      if (this.keyOf(found) !== key) return false;
      this.byHash.delete(h);
    } else {
      const at = found.findIndex((v) => this.keyOf(v) === key);
      if (at < 0) return false;
      found.splice(at, 1);
      if (found.length === 1) this.byHash.set(h, found[0]!);
    }
    this.count--;
    return true;
  }

  clear(): void {
    this.byHash.clear();
    this.count = 0;
  }

  /** Every value, in the order their hashes were first added. */
  *values(): IterableIterator<V> {
    for (const found of this.byHash.values()) {
      if (Array.isArray(found)) yield* found;
      else yield found;
    }
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
