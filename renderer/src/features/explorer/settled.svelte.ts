/**
 * A number read again at most once a second, for view parts that walk the topic tree (which can hold 100,000
 * topics) and need not follow every frame: `const tree = settled(() => topics.version)`, then read `tree.value` in a
 * `$derived`. Call it while a component initialises.
 */
export function settled(read: () => number, everyMs = 1000): { readonly value: number } {
  let value = $state(read());
  $effect(() => {
    const timer = setInterval(() => {
      const next = read();
      if (next !== value) value = next;
    }, everyMs);
    return () => clearInterval(timer);
  });
  return {
    get value() {
      return value;
    },
  };
}
