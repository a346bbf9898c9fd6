import { describe, expect, it } from 'vitest';
import { Taps, type TappedMessage } from './taps.js';

/** For taps that must not throw: a report fails the test. */
const unexpected = (e: unknown) => {
  throw e;
};
const msg = (topic: string): TappedMessage => ({ topic, payload: Buffer.alloc(0), qos: 0, retain: false, clientId: null, origin: 'engine', time: 0, messageId: 1 });

describe('Taps', () => {
  it.each([
    ['#', 'a/b', true], ['#', '$aws/x', false], ['+/b', '$aws/b', false], ['$aws/things/+/shadow/#', '$aws/things/t1/shadow/update', true],
    ['a/#', 'a', true], ['a/+', 'a/b/c', false], ['a/+/c', 'a/b/c', true], ['a/b', 'a/b/c', false], ['$aws/rules/#', '$aws/rules/r/x', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    const taps = new Taps(unexpected);
    const seen: string[] = [];
    taps.add(filter, (m) => seen.push(m.topic));
    taps.dispatch(topic, () => msg(topic));
    expect(seen.length === 1).toBe(expected);
  });

  it('stops calling a disposed tap', () => {
    const taps = new Taps(unexpected);
    let calls = 0;
    const tap = taps.add('#', () => calls++);
    taps.dispatch('x', () => msg('x'));
    tap.dispose();
    taps.dispatch('x', () => msg('x'));
    expect(calls).toBe(1);
    expect(taps.size).toBe(0);
  });

  it('a tap added after a topic was seen gets its next publish', () => {
    const taps = new Taps(unexpected);
    const seen: string[] = [];
    taps.dispatch('a/b', () => msg('a/b'));
    taps.add('a/+', (m) => seen.push(m.topic));
    taps.dispatch('a/b', () => msg('a/b'));
    expect(seen).toEqual(['a/b']);
  });

  it('builds the message once for several matching taps, and not at all when none matches', () => {
    const taps = new Taps(unexpected);
    let built = 0;
    const seen: string[] = [];
    taps.add('a/#', (m) => seen.push(`1:${m.topic}`));
    taps.add('+/b', (m) => seen.push(`2:${m.topic}`));
    taps.add('$aws/things/+/shadow/#', (m) => seen.push(`3:${m.topic}`));
    const make = (topic: string) => () => (built++, msg(topic));
    taps.dispatch('a/b', make('a/b'));
    taps.dispatch('c/d', make('c/d'));
    taps.dispatch('$aws/things/t/shadow/get', make('$aws/things/t/shadow/get'));
    expect(seen).toEqual(['1:a/b', '2:a/b', '3:$aws/things/t/shadow/get']);
    expect(built).toBe(2);
  });
});

describe('Taps with a handler that throws', () => {
  it('catches, counts and reports it, and the taps after it still run', () => {
    const reports: Array<[string, string, number]> = [];
    const taps = new Taps((e, filter, topic, count) => reports.push([`${filter} ${topic} ${(e as Error).message}`, topic, count]));
    const seen: string[] = [];
    taps.add('a/#', () => {
      throw new Error('boom');
    });
    taps.add('a/+', (m) => seen.push(m.topic));
    expect(() => taps.dispatch('a/b', () => msg('a/b'))).not.toThrow();
    taps.dispatch('a/c', () => msg('a/c'));
    expect(seen).toEqual(['a/b', 'a/c']);
    expect(taps.errors).toBe(2);
    expect(reports).toEqual([['a/# a/b boom', 'a/b', 1], ['a/# a/c boom', 'a/c', 2]]);
  });
});
