import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHECK_MS, DelayedWills } from './delayed-wills.js';

afterEach(() => {
  vi.useRealTimers();
});

/** DelayedWills on a clock the test moves; timers are vitest's fake ones. */
function setup() {
  vi.useFakeTimers();
  const clock = { t: 1_000_000 };
  const wills = new DelayedWills(() => clock.t);
  const released: Array<[string, boolean]> = [];
  const replacedBy: string[] = [];
  const hold = (id: string, seconds: number) => wills.hold(id, seconds, (publish, replaced) => {
    released.push([id, publish]);
    if (replaced) replacedBy.push(id);
  });
  const advance = (ms: number) => {
    clock.t += ms;
    vi.advanceTimersByTime(Math.min(ms, CHECK_MS));
  };
  return { wills, clock, released, replacedBy, hold, advance };
}

describe('DelayedWills (Will Delay Interval, §3.1.3.2.2)', () => {
  it('publishes each will once its delay has passed on the engine clock, not before [MQTT-3.1.2-8]', () => {
    const { released, hold, advance, wills } = setup();
    hold('a', 10);
    hold('b', 5);
    advance(4_999);
    expect(released).toEqual([]);
    advance(1);
    expect(released).toEqual([['b', true]]);
    expect([...wills.deadlines().keys()]).toEqual(['a']);
    advance(5_000);
    expect(released).toEqual([['b', true], ['a', true]]);
  });

  it('a new connection continuing the session discards the will; one starting clean publishes it now [MQTT-3.1.3-9]', () => {
    const { released, replacedBy, hold, advance, wills } = setup();
    hold('a', 60);
    hold('b', 60);
    hold('c', 1);
    advance(1_000);
    expect(wills.connected('a', false)).toBe('discarded');
    expect(wills.connected('b', true)).toBe('published');
    expect(wills.connected('c', false)).toBeUndefined();
    advance(120_000);
    expect(released).toEqual([['c', true], ['a', false], ['b', true]]);
    expect(replacedBy).toEqual(['a', 'b']); // told that a new connection takes the stored will's place
  });

  it('the end of the session publishes the will; a stale will held for the same client id goes out when a new one is held', () => {
    const { released, hold, wills } = setup();
    hold('a', 60);
    wills.sessionEnded('a');
    wills.sessionEnded('a');
    hold('b', 60);
    hold('b', 30);
    expect(released).toEqual([['a', true], ['b', true]]);
    expect(wills.deadlines().size).toBe(1);
  });

  it('stop() leaves held wills unreleased (they stay stored) and runs no timer', () => {
    const { released, hold, advance, wills } = setup();
    hold('a', 1);
    wills.stop();
    advance(5_000);
    expect(released).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
