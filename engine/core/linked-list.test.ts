import { describe, expect, it } from 'vitest';
import { LinkedList, type Linked } from './linked-list.js';

interface Item extends Linked<Item> {
  name: string;
}
const item = (name: string): Item => ({ name, prev: null, next: null });
const names = (list: LinkedList<Item>) => {
  const out: string[] = [];
  for (let at = list.first; at; at = at.next) out.push(at.name);
  return out;
};

describe('LinkedList', () => {
  it('keeps items in the order they were added, takes any one out, and takes them back at the end', () => {
    const list = new LinkedList<Item>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(item) as [Item, Item, Item, Item];
    for (const x of [a, b, c, d]) list.push(x);
    expect(names(list)).toEqual(['a', 'b', 'c', 'd']);
    list.remove(b); // from the middle
    list.remove(a); // the first
    list.remove(d); // the last
    expect(names(list)).toEqual(['c']);
    expect([c.prev, c.next]).toEqual([null, null]);
    list.push(a);
    list.push(d);
    expect(names(list)).toEqual(['c', 'a', 'd']);
    expect(a.prev).toBe(c);
    list.remove(c);
    list.remove(a);
    list.remove(d);
    expect(list.first).toBeNull();
    list.push(b);
    expect(names(list)).toEqual(['b']);
  });
});
