import { serverCapabilities } from '../mqtt5/connection.js';
import { describe, it, expect } from 'vitest';
import type { LogEntry } from '../../core/index.js';
import type { AedesClient, AedesPacket } from '../aedes-adapter.js';
import { DeviationLog } from '../aws-deviations.js';
import { defaultLimits } from '../limits.js';
import type { Session } from '../sessions.js';
import type { PacketContext } from './context.js';
import { dropsPublish, refusePublish } from './publish.js';

function context(mode: 'aws' | 'standard', now = () => 0) {
  const logs: LogEntry[] = [];
  const ctx: PacketContext = {
    aws: mode === 'aws', limits: defaultLimits(mode), now, mqtt5: serverCapabilities(mode === 'aws', defaultLimits(mode), 0),
    deviations: new DeviationLog({ log: (level, source, message, details) => logs.push({ level, source, message, details, time: 0 }) }, now),
  };
  return { ctx, deviationsLogged: () => logs.map((l) => (l.details as { deviation: string }).deviation) };
}

const client = { id: 'dev-1' } as AedesClient;
const publish = (topic: string, opts: Partial<AedesPacket> = {}): AedesPacket => ({ topic, payload: Buffer.from('{}'), qos: 1, retain: false, ...opts });

describe('refusePublish', () => {
  it.each([
    ['aws', 'sensors/1', {}, null, []],
    ['aws', '$aws/things/lamp/shadow/update', {}, null, []],
    ['aws', '$aws/rules/ingest/a/b/c/d/e/f/g/h', {}, null, []], // the Basic Ingest prefix is not counted
    ['aws', '$aws/events/presence/connected/x', {}, /reserved topic \$aws\/events\/presence\/connected\/x is not allowed/, ['reservedTopic']],
    ['aws', '$aws/things/lamp/shadow/update', { retain: true }, /RETAIN on a reserved topic/, ['retainReserved']],
    ['aws', 'a/b/c/d/e/f/g/h/i', {}, /8 slashes/, ['topicTooDeep']],
    ['aws', 'big', { payload: Buffer.alloc(128 * 1024 + 1) }, /over the limit of 131072/, ['payloadTooLarge']],
    ['standard', '$aws/events/presence/connected/x', {}, null, []],
    ['standard', '$aws/things/lamp/shadow/update', { retain: true }, null, []],
    ['standard', 'a/b/c/d/e/f/g/h/i', {}, null, []],
  ] as const)('%s mode, %s %j', (mode, topic, opts, refusal, deviations) => {
    const { ctx, deviationsLogged } = context(mode);
    const got = refusePublish(ctx, client, publish(topic, opts as Partial<AedesPacket>))?.message ?? null;
    if (refusal === null) expect(got).toBeNull();
    else expect(got).toMatch(refusal);
    expect(deviationsLogged()).toEqual(deviations);
  });
});

describe('dropsPublish', () => {
  const session = (tokens: number): Session => ({ tokens, refilledAt: 0 } as Session);

  it('drops QoS 2 in aws mode only', () => {
    expect(dropsPublish(context('aws').ctx, client, session(100), publish('t', { qos: 2 }))).toBe(true);
    expect(dropsPublish(context('standard').ctx, client, session(100), publish('t', { qos: 2 }))).toBe(false);
  });

  it('takes one token per publish and refills at the per-second rate (aws: 100/s)', () => {
    let now = 0;
    const { ctx, deviationsLogged } = context('aws', () => now);
    const s = session(2);
    expect([1, 2, 3].map(() => dropsPublish(ctx, client, s, publish('t')))).toEqual([false, false, true]);
    expect(deviationsLogged()).toEqual(['publishThrottled']);
    now = 10; // 10 ms: one more token
    expect([1, 2].map(() => dropsPublish(ctx, client, s, publish('t')))).toEqual([false, true]);
  });
});
