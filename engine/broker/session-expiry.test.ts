import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqlJsStore } from '../storage/index.js';
import { DurablePersistence } from './durable-persistence.js';
import { defaultLimits, type BrokerLimits } from './limits.js';
import { NEVER_EXPIRES, SessionExpiry, type SessionOwner } from './session-expiry.js';

const dirs: string[] = [];
const stores: SqlJsStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

/** A real store and persistence; the expiry's clock is `clock.t`. */
async function setup(mode: 'aws' | 'standard' = 'aws', limits: Partial<BrokerLimits> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-expiry-'));
  dirs.push(dir);
  const store = await SqlJsStore.open(dir);
  stores.push(store);
  const persistence = new DurablePersistence(store, { retainedMatch: 'mqtt', backlogRate: 0, now: () => 0 });
  await persistence.setup({ id: 'broker-1' });
  const clock = { t: 1_000_000 };
  const expired: string[] = [];
  const expiry = new SessionExpiry({
    aws: mode === 'aws', limits: { ...defaultLimits(mode), ...limits }, store, now: () => clock.t,
    endSession: (id) => persistence.endSession(id), storedSessions: () => persistence.storedSessions(),
    expired: (id) => expired.push(id),
  });
  expiry.start();
  return { store, persistence, clock, expiry, expired };
}

const packet = (topic: string, brokerCounter: number) => ({ cmd: 'publish', brokerId: 'broker-1', brokerCounter, topic, payload: Buffer.from(topic), qos: 1, retain: false, dup: false });

async function storedSession(persistence: DurablePersistence, id: string): Promise<void> {
  await persistence.addSubscriptions({ id }, [{ topic: `${id}/t`, qos: 1 }]);
  await persistence.outgoingEnqueue({ clientId: id }, packet(`${id}/t`, 1));
  await persistence.outgoingEnqueue({ clientId: id }, packet(`${id}/t`, 2));
  await persistence.outgoingUpdate({ id }, { ...packet(`${id}/t`, 1), messageId: 7 }); // in flight
  await persistence.incomingStorePacket({ id }, { ...packet(`${id}/in`, 3), qos: 2, messageId: 9 });
}

/** aedes' own read of a session's filters (what its CONNECT handling restores). */
const subscriptionsOf = (persistence: DurablePersistence, id: string) =>
  (persistence as unknown as { subscriptionsByClient(c: { id: string }): Promise<unknown[]> }).subscriptionsByClient({ id });

async function queued(persistence: DurablePersistence, id: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const p of persistence.outgoingStream({ id })) out.push(p);
  return out;
}

describe('SessionExpiry.granted', () => {
  it.each([
    // mode, limits, requested (undefined: MQTT 3.1.1), clean, granted
    ['aws', {}, undefined, false, 3600],
    ['aws', {}, undefined, true, 0],
    ['aws', { sessionExpiryDefault: 86_400 }, undefined, false, 86_400],
    ['aws', { sessionExpiryDefault: 10_000_000 }, undefined, false, 604_800], // the account period cannot pass 7 days
    ['aws', {}, 0, false, 0],
    ['aws', {}, 120, false, 120],
    ['aws', {}, 7200, false, 3600], // capped by the account period (returned in CONNACK)
    ['aws', {}, NEVER_EXPIRES, true, 3600],
    ['aws', { sessionExpiryDefault: 604_800 }, 700_000, false, 604_800],
    ['standard', {}, undefined, false, NEVER_EXPIRES], // MQTT 3.1.1 sessions do not expire
    ['standard', { sessionExpiryDefault: 600 }, undefined, false, 600],
    ['standard', {}, 7200, false, 7200],
    ['standard', {}, NEVER_EXPIRES, false, NEVER_EXPIRES],
    ['standard', { sessionExpiryMax: 3600 }, 7200, false, 3600],
  ] as const)('%s %j: requested %s clean %s → %s', async (mode, limits, requested, clean, granted) => {
    const { expiry } = await setup(mode, limits);
    expect(expiry.granted(requested, clean)).toBe(granted);
  });
});

describe('DurablePersistence.endSession', () => {
  it('wipes subscriptions, queued and in-flight messages and inbound QoS 2 state from memory and the journal', async () => {
    const { store, persistence } = await setup();
    await storedSession(persistence, 'a');
    await storedSession(persistence, 'b');
    const ended = persistence.endSession('a');
    expect(ended).toMatchObject({ subscriptions: 1, queued: 2 });
    await ended.written;
    expect(await queued(persistence, 'a')).toEqual([]);
    expect(await subscriptionsOf(persistence, 'a')).toEqual([]);
    expect((await persistence.subscriptionsByTopic('a/t')).length).toBe(0);
    await expect(persistence.incomingDelPacket({ id: 'a' }, { messageId: 9 })).rejects.toThrow('no such packet');
    for (const table of ['broker_subscriptions', 'broker_outgoing', 'broker_incoming']) {
      expect(store.all(`SELECT client_id FROM ${table} WHERE client_id = 'a'`)).toEqual([]);
    }
    // The other session is untouched.
    expect((await queued(persistence, 'b')).length).toBe(2);
    expect(await subscriptionsOf(persistence, 'b')).toEqual([{ topic: 'b/t', qos: 1, rh: undefined, rap: undefined, nl: undefined }]);
    expect(persistence.storedSessions()).toEqual(['b']);
  });
});

describe('SessionExpiry: the MQTT 5 rules', () => {
  const owner = (id: string): SessionOwner => ({ id });

  it('interval 0 at CONNECT, > 0 at DISCONNECT is a Protocol Error [MQTT-3.14.2-2]; the session still ends at close', async () => {
    const { persistence, expiry } = await setup();
    await storedSession(persistence, 'p');
    const c = owner('p');
    expect(expiry.onConnect(c, 5, 0, false)).toBe(0);
    expiry.onConnack(c);
    expect(expiry.onDisconnectPacket(c, 60)).toBe('protocolError');
    expiry.onClose(c);
    expect(persistence.storedSessions()).toEqual([]);
  });

  it('> 0 at CONNECT, 0 at DISCONNECT ends the session at close; another value replaces the interval', async () => {
    const { persistence, expiry, clock } = await setup();
    await storedSession(persistence, 'z');
    const z = owner('z');
    expiry.onConnect(z, 5, 300, false);
    expiry.onConnack(z);
    expect(expiry.onDisconnectPacket(z, 0)).toBe('ok');
    expiry.onClose(z);
    expect(persistence.storedSessions()).toEqual([]);

    await storedSession(persistence, 'u');
    const u = owner('u');
    expiry.onConnect(u, 5, 300, false);
    expiry.onConnack(u);
    expect(expiry.onDisconnectPacket(u, 9000)).toBe('ok'); // capped by the account period too
    expiry.onClose(u);
    expect(expiry.deadlines().get('u')).toBe(clock.t + 3600 * 1000);
  });

  it('Clean Start 1 discards a stored session at CONNECT [MQTT-3.1.2-4]; Clean Start 0 resumes it', async () => {
    const { persistence, expiry } = await setup();
    await storedSession(persistence, 'c');
    await storedSession(persistence, 'r');
    expiry.onConnect(owner('r'), 5, 300, false);
    expect(persistence.storedSessions()).toEqual(['c', 'r']);
    expiry.onConnect(owner('c'), 5, 300, true);
    expect(persistence.storedSessions()).toEqual(['r']);
  });

  it('aws mode does not resume a session across MQTT versions; standard mode does', async () => {
    for (const mode of ['aws', 'standard'] as const) {
      const { persistence, expiry } = await setup(mode);
      const v5 = owner('x');
      expiry.onConnect(v5, 5, 300, false);
      expiry.onConnack(v5);
      await storedSession(persistence, 'x');
      expiry.onClose(v5);
      expiry.onConnect(owner('x'), 4, undefined, false);
      expect(persistence.storedSessions()).toEqual(mode === 'aws' ? [] : ['x']);
    }
  });

  it('the timer does not end a session that a CONNECT is resuming (between its deadline check and its CONNACK)', async () => {
    const { expiry, expired, clock } = await setup();
    for (const id of ['resumed', 'witness']) {
      const o = owner(id);
      expiry.onConnect(o, 5, 60, false);
      expiry.onConnack(o);
      expiry.onClose(o);
    }
    const back = owner('resumed');
    expiry.onConnect(back, 5, 60, false); // not due yet: the session is being resumed
    clock.t += 61_000; // the deadline passes before the CONNACK
    await vi.waitFor(() => expect(expired).toContain('witness'), { timeout: 5000 });
    expect(expired).not.toContain('resumed');
    expiry.onConnack(back);
    expect(expiry.deadlines().has('resumed')).toBe(false);
    expiry.stop();
  });

  it('a session that never expires leaves no record and no timer', async () => {
    const { store, expiry } = await setup('standard');
    const f = owner('f');
    expect(expiry.onConnect(f, 5, NEVER_EXPIRES, false)).toBe(NEVER_EXPIRES);
    expiry.onConnack(f);
    expiry.onClose(f);
    expect(expiry.deadlines().size).toBe(0);
    expect(store.all('SELECT * FROM broker_sessions')).toEqual([]);
  });

  it('reschedules from the journal: a restart keeps the deadline of a disconnected session', async () => {
    const { store, persistence, expiry, clock } = await setup();
    const s = owner('s');
    expiry.onConnect(s, 5, 600, false);
    expiry.onConnack(s);
    expiry.onClose(s);
    expiry.stop();
    await store.write([]);
    const again = new SessionExpiry({
      aws: true, limits: defaultLimits('aws'), store, now: () => clock.t + 1000,
      endSession: (id) => persistence.endSession(id), storedSessions: () => persistence.storedSessions(), expired: () => {},
    });
    again.start();
    expect(again.deadlines().get('s')).toBe(clock.t + 600 * 1000);
    again.stop();
  });
});
