import { serverCapabilities } from '../mqtt5/connection.js';
import { describe, it, expect } from 'vitest';
import type { AedesClient, AedesPacket } from '../aedes-adapter.js';
import { DeviationLog } from '../aws-deviations.js';
import { defaultLimits } from '../limits.js';
import type { Session } from '../sessions.js';
import type { PacketContext } from './context.js';
import { authorizeSubscribe, dropsSubscribe } from './subscribe.js';

const ctx = (mode: 'aws' | 'standard'): PacketContext => ({
  aws: mode === 'aws', limits: defaultLimits(mode), now: () => 0, mqtt5: serverCapabilities(mode === 'aws', defaultLimits(mode), 0), deviations: new DeviationLog({ log: () => {} }, () => 0),
});
const client = (filters: string[] = []) => ({ id: 'c', subscriptions: Object.fromEntries(filters.map((f) => [f, { qos: 1 }])) }) as AedesClient;
const subscribe = (...subs: Array<[string, number]>) => ({ cmd: 'subscribe', subscriptions: subs.map(([topic, qos]) => ({ topic, qos })) }) as AedesPacket;

describe('dropsSubscribe', () => {
  it('drops a SUBSCRIBE asking QoS 2 in aws mode only', () => {
    expect(dropsSubscribe(ctx('aws'), client(), subscribe(['a', 1], ['b', 2]), new WeakSet())).toBe(true);
    expect(dropsSubscribe(ctx('standard'), client(), subscribe(['a', 1], ['b', 2]), new WeakSet())).toBe(false);
  });

  it('refuses the filters past 8 in one SUBSCRIBE (aws), and only those', () => {
    const refused = new WeakSet<object>();
    const packet = subscribe(...Array.from({ length: 10 }, (_, i) => [`f/${i}`, 1] as [string, number]));
    expect(dropsSubscribe(ctx('aws'), client(), packet, refused)).toBe(false);
    expect(packet.subscriptions!.map((s) => refused.has(s))).toEqual([...Array(8).fill(false), true, true]);
    expect(authorizeSubscribe(ctx('aws'), client(), undefined, packet.subscriptions![9], refused)).toEqual({ granted: null, reasonCode: 0x97 });
    expect(authorizeSubscribe(ctx('aws'), client(), undefined, packet.subscriptions![0], refused)).toEqual({ granted: packet.subscriptions![0] });
  });
});

describe('authorizeSubscribe', () => {
  it.each([
    ['aws', 'a/b/c/d/e/f/g/#', 0, true],
    ['aws', 'a/b/c/d/e/f/g/h/#', 0, false],
    ['aws', 'new', 50, false],
    ['aws', 'f/0', 50, true], // a filter it already has is not one more
    ['standard', 'a/b/c/d/e/f/g/h/#', 500, true],
  ] as const)('%s mode: %s with %i filters already', (mode, topic, existing, granted) => {
    const sub = { topic, qos: 1 };
    const decision = authorizeSubscribe(ctx(mode), client(Array.from({ length: existing }, (_, i) => `f/${i}`)), undefined, sub, new WeakSet());
    expect(decision).toEqual(granted ? { granted: sub } : { granted: null, reasonCode: expect.any(Number) });
  });

  it('refuses a filter the policy denies (the connection is then closed, AUTH_ERROR)', () => {
    const session = { guard: { subscribe: () => false } } as unknown as Session;
    expect(authorizeSubscribe(ctx('aws'), client(), session, { topic: 'x', qos: 1 }, new WeakSet())).toEqual({ refused: 'not authorized to subscribe to x' });
    expect(session.reason).toBe('AUTH_ERROR');
  });
});

describe('shared subscriptions', () => {
  it('renames malformed $share filters so that they are refused alone, whatever the policy says', () => {
    const refused = new WeakSet<object>();
    const warnings: string[] = [];
    const packet = subscribe(['$share/a+b/t', 1], ['$share/ok/t', 1]);
    expect(dropsSubscribe(ctx('standard'), client(), packet, refused, (m) => warnings.push(m))).toBe(false);
    const [bad, ok] = packet.subscriptions!;
    expect(bad.topic).not.toContain('a+b');
    expect(ok.topic).toBe('$share/ok/t');
    expect(warnings).toEqual([expect.stringContaining('$share/a+b/t')]);
    const session = { guard: { principal: 'p', publish: () => true, subscribe: () => false, receive: () => true } } as unknown as Session;
    expect(authorizeSubscribe(ctx('standard'), client(), session, bad, refused)).toEqual({ granted: null, reasonCode: 0x8f });
  });

  it('counts the filter limits after $share/{ShareName}/ (aws)', () => {
    const sub = { topic: `$share/${'s'.repeat(120)}/a/b/c/d/e/f/g/h`, qos: 1 };
    expect(authorizeSubscribe(ctx('aws'), client(), undefined, sub, new WeakSet())).toEqual({ granted: sub });
  });
});
