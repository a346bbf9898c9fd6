import { describe, expect, it } from 'vitest';
import { Taps, type TappedMessage } from './taps.js';

const msg = (topic: string): TappedMessage => ({ topic, payload: Buffer.alloc(0), qos: 0, retain: false, clientId: null, time: 0 });

describe('Taps', () => {
  it.each([
    ['#', 'a/b', true], ['#', '$aws/x', false], ['+/b', '$aws/b', false], ['$aws/things/+/shadow/#', '$aws/things/t1/shadow/update', true],
    ['a/#', 'a', true], ['a/+', 'a/b/c', false], ['a/+/c', 'a/b/c', true], ['a/b', 'a/b/c', false], ['$aws/rules/#', '$aws/rules/r/x', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    const taps = new Taps();
    const seen: string[] = [];
    taps.add(filter, (m) => seen.push(m.topic));
    taps.dispatch(msg(topic));
    expect(seen.length === 1).toBe(expected);
  });

  it('stops calling a disposed tap', () => {
    const taps = new Taps();
    let calls = 0;
    const tap = taps.add('#', () => calls++);
    taps.dispatch(msg('x'));
    tap.dispose();
    taps.dispatch(msg('x'));
    expect(calls).toBe(1);
    expect(taps.size).toBe(0);
  });
});
