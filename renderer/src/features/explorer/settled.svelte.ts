import { untrack } from 'svelte';

/**
 * A number followed at most once a second, for view parts that walk the topic tree (which can hold 100,000
 * topics) and need not follow every frame: `const tree = settled(() => topics.version)`, then read `tree.value` in a
 * `$derived`. The first change after a quiet second shows at once; the ones after it, a second later, together.
 * Call it while a component initialises.
 */
export function settled(read: () => number, everyMs = 1000): { readonly value: number } {
  let value = $state(untrack(read));
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  $effect(() => {
    const next = read();
    if (next === untrack(() => value) || timer) return;
    const wait = last + everyMs - performance.now();
    if (wait <= 0) {
      value = next;
      last = performance.now();
    } else {
      timer = setTimeout(() => {
        timer = 0;
        value = untrack(read);
        last = performance.now();
      }, wait);
    }
  });
  $effect(() => () => { if (timer) clearTimeout(timer); });
  return {
    get value() {
      return value;
    },
  };
}
