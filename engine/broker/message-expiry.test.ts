import { describe, expect, it } from 'vitest';
import { grantedExpiry, isExpired, remainingExpiry, stampExpiry, type Expiring } from './message-expiry.js';

describe('Message Expiry Interval', () => {
  it.each([
    [0, true, 1], [1, true, 1], [604_800, true, 604_800], [604_801, true, 604_800], [0xffff_ffff, true, 604_800],
    [0, false, 0], [604_801, false, 604_801], [0xffff_ffff, false, 0xffff_ffff],
  ])('interval %i (aws %s) is applied as %i', (asked, aws, granted) => {
    expect(grantedExpiry(asked, aws)).toBe(granted);
  });

  it('stamps the deadline once, from the interval the mode applies, and says when it adjusted the interval', () => {
    const m: Expiring = { properties: { messageExpiryInterval: 0 } };
    expect(stampExpiry(m, 1000, true)).toBe(0);
    expect(m.messageExpiry).toBe(2000);
    expect(stampExpiry(m, 5000, true)).toBeUndefined(); // already stamped: a recovered or stored copy keeps its deadline
    expect(m.messageExpiry).toBe(2000);
    const n: Expiring = { properties: { messageExpiryInterval: 10 } };
    expect(stampExpiry(n, 1000, true)).toBeUndefined();
    expect(n.messageExpiry).toBe(11_000);
    const plain: Expiring = { properties: { contentType: 'x' } };
    stampExpiry(plain, 1000, false);
    expect(plain.messageExpiry).toBeUndefined();
  });

  it('[MQTT-3.3.2-6] sends the whole seconds left, 999 ms or less being 0; [MQTT-3.3.2-5] expired only after the deadline', () => {
    const m: Expiring = { properties: { messageExpiryInterval: 10 }, messageExpiry: 10_000 };
    expect(remainingExpiry(m, 0)).toBe(10);
    expect(remainingExpiry(m, 1)).toBe(9);
    expect(remainingExpiry(m, 9_001)).toBe(0);
    expect(remainingExpiry(m, 10_000)).toBe(0);
    expect(isExpired(m, 10_000)).toBe(false);
    expect(isExpired(m, 10_001)).toBe(true);
    expect(remainingExpiry({}, 0)).toBeUndefined();
    expect(isExpired({}, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});
