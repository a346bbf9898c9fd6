import { describe, expect, it } from 'vitest';
import { topicMatches } from './topic-filter.js';

/** MQTT 3.1.1 §4.7 read literally, level lists and all: what the allocation-free matcher must agree with. */
function byLevels(filter: string, topic: string, dollar: boolean): boolean {
  if (!dollar && topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

describe('topicMatches', () => {
  it.each([
    ['sport/tennis/player1/#', 'sport/tennis/player1', true], // `#` also matches the parent level
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/#', 'sport', true],
    ['#', 'anything/at/all', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true], // an empty level is a level
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['a//b', 'a//b', true],
    ['a/b', 'a/bc', false],
    ['a/bc', 'a/b', false],
    ['a/b', 'a/b/c', false],
    ['', '', true],
    ['', '/', false],
    ['#', '$SYS/broker', false], // leading wildcards skip `$` topics
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
    expect(byLevels(filter, topic, false)).toBe(expected);
  });

  it('lets wildcards match `$` topics when asked (a filter from the explorer’s tree)', () => {
    expect(topicMatches('#', '$aws/things/t/shadow/update', { dollar: true })).toBe(true);
    expect(topicMatches('+/things/#', '$aws/things/t', { dollar: true })).toBe(true);
  });

  it('agrees with the level-list reading on every pair of a generated set', () => {
    const levels = ['', 'a', 'b', 'ab', '$x', '+', '#'];
    const paths: string[] = [];
    const grow = (prefix: string[], depth: number) => {
      paths.push(prefix.join('/'));
      if (depth === 0) return;
      for (const level of levels) grow([...prefix, level], depth - 1);
    };
    for (const level of levels) grow([level], 2);
    const topics = paths.filter((p) => !/[+#]/.test(p));
    let pairs = 0;
    for (const filter of paths) {
      for (const topic of topics) {
        for (const dollar of [false, true]) {
          const want = byLevels(filter, topic, dollar);
          if (topicMatches(filter, topic, { dollar }) !== want) expect({ filter, topic, dollar, matches: !want }).toEqual({ filter, topic, dollar, matches: want });
          pairs++;
        }
      }
    }
    expect(pairs).toBeGreaterThan(100_000);
  });
});
