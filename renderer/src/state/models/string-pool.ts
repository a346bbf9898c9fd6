import { StringIndex } from './string-index.js';

/**
 * One string for each distinct value, for strings a big model keeps many equal copies of (a fleet's level names such
 * as `temperature`, client ids): each copy is one more object the collector marks in every cycle for as long as the
 * model keeps it. Starts over past `max` values, so it stays bounded; strings handed out before stay valid. A
 * `StringIndex`, not a `Map`, holds them, so none of them joins V8's string table.
 */
export class StringPool {
  private readonly known = new StringIndex((value: string) => value);

  constructor(private readonly max: number) {}

  intern(value: string): string {
    const known = this.known.get(value);
    if (known !== undefined) return known;
    if (this.known.size >= this.max) this.known.clear();
    this.known.set(value);
    return value;
  }
}
