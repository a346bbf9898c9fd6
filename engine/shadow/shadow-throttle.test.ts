import { describe, it, expect } from 'vitest';
import { InFlightPerConnection, ThingRate } from './shadow-throttle.js';

describe('ThingRate', () => {
  it('allows a burst of the rate, then one request per 1/rate seconds, per thing', () => {
    const rate = new ThingRate(20);
    const burst = Array.from({ length: 21 }, () => rate.take('a', 1000));
    expect(burst.filter(Boolean)).toHaveLength(20);
    expect(rate.take('b', 1000)).toBe(true); // its own bucket
    expect(rate.take('a', 1049)).toBe(false);
    expect(rate.take('a', 1050)).toBe(true);
  });

  it('keeps throttled things when it drops idle buckets', () => {
    const rate = new ThingRate(1);
    expect(rate.take('busy', 0)).toBe(true);
    for (let i = 0; i < 10_000; i++) rate.take(`idle${i}`, 0);
    rate.take('newcomer', 999); // sweeps: every idle bucket is still empty at 999 ms, so all stay
    expect(rate.take('busy', 999)).toBe(false);
    rate.take('another', 5000); // everything has refilled: swept
    expect(rate.take('busy', 5000)).toBe(true);
  });

  it('is off at 0', () => {
    const rate = new ThingRate(0);
    expect(Array.from({ length: 100 }, () => rate.take('a', 0)).every(Boolean)).toBe(true);
  });
});

describe('InFlightPerConnection', () => {
  it('refuses the request past the maximum until one finishes', () => {
    const inFlight = new InFlightPerConnection(2);
    expect([inFlight.start('c'), inFlight.start('c'), inFlight.start('c'), inFlight.start('d')]).toEqual([true, true, false, true]);
    inFlight.finish('c');
    expect(inFlight.start('c')).toBe(true);
  });
});
