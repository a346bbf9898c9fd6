import { describe, it, expect } from 'vitest';
import { innerFilter, parseShared, SharedSubscriptions, type Deliver, type ShareHost } from './shared-subscriptions.js';
import { isValidFilter } from './topic-rules.js';

describe('parseShared', () => {
  it.each([
    ['$share/g/a/b', { share: 'g', filter: 'a/b' }],
    ['$share/g/#', { share: 'g', filter: '#' }],
    ['$share/g/+/x', { share: 'g', filter: '+/x' }],
    ['$share/g', 'needs $share/{ShareName}/{TopicFilter}'], // [MQTT-4.8.2-2] followed by '/' and a filter
    ['$share//a', 'ShareName is empty'], // [MQTT-4.8.2-1]
    ['$share/a+/x', "'+' or '#'"], // [MQTT-4.8.2-2]
    ['$share/#/x', "'+' or '#'"],
    ['$share/g/', 'not a valid filter'],
    ['$share/g/a/#/b', 'not a valid filter'],
    [`$share/${'n'.repeat(129)}/x`, 'over the limit of 128'],
  ])('%s', (topic, expected) => {
    const parsed = parseShared(topic, 128, isValidFilter);
    if (typeof expected === 'string') expect((parsed as { problem: string }).problem).toContain(expected);
    else expect(parsed).toEqual(expected);
  });

  it('has no ShareName length limit unless given one (standard mode)', () => {
    expect(parseShared(`$share/${'n'.repeat(500)}/x`)).toMatchObject({ filter: 'x' });
  });

  it('innerFilter strips the prefix of shared filters only', () => {
    expect(innerFilter('$share/g/a/b')).toBe('a/b');
    expect(innerFilter('a/b')).toBe('a/b');
    expect(innerFilter('$aws/things/x')).toBe('$aws/things/x');
  });
});

interface Pkt { topic: string; qos: number; payload: string }
interface Cli { id: string; clean: boolean; closed: boolean; qos: number; got: Pkt[]; deny?: boolean; fn?: Deliver<Pkt> }

/** A tiny in-memory router: filters without wildcards, delivery functions called in subscription order. */
function setUp(mode: 'random' | 'round-robin') {
  const routes = new Map<string, Set<Deliver<Pkt>>>();
  const queued: Array<[string, Pkt]> = [];
  const clients: Cli[] = [];
  const host: ShareHost<Cli, Pkt> = {
    subscribe: (f, fn, done) => { routes.set(f, (routes.get(f) ?? new Set()).add(fn)); done?.(); },
    unsubscribe: (f, fn, done) => { routes.get(f)?.delete(fn); done?.(); },
    ownerOf: (_t, fn) => clients.find((c) => c.fn === fn),
    clientId: (c) => c.id,
    granted: (c) => c.qos,
    persistent: (c) => !c.clean,
    closed: (c) => c.closed,
    matches: () => true,
    mayReceive: (c) => !c.deny,
    enqueue: async (id, p) => void queued.push([id, p]),
  };
  const shared = new SharedSubscriptions(host, mode);
  const join = (id: string, topic: string, opts: Partial<Cli> = {}) => {
    const c: Cli = { id, clean: true, closed: false, qos: 1, got: [], ...opts };
    c.fn = (p, done) => { c.got.push(p); done(); };
    clients.push(c);
    shared.subscribe(topic, c.fn);
    return c;
  };
  const publish = async (topic: string, payload: string, qos = 1) => {
    for (const fn of routes.get(topic) ?? []) await new Promise<void>((r) => fn({ topic, qos, payload }, r));
  };
  return { shared, routes, queued, join, publish };
}

describe('SharedSubscriptions', () => {
  it('one real subscription per group; each message to one member, in turn (round-robin)', async () => {
    const { routes, join, publish } = setUp('round-robin');
    const a = join('a', '$share/g/t');
    const b = join('b', '$share/g/t');
    const c = join('c', '$share/h/t');
    expect(routes.get('t')?.size).toBe(2);
    for (let i = 0; i < 4; i++) await publish('t', `m${i}`);
    expect(a.got.map((p) => p.payload)).toEqual(['m0', 'm2']);
    expect(b.got.map((p) => p.payload)).toEqual(['m1', 'm3']);
    expect(c.got.map((p) => p.payload)).toEqual(['m0', 'm1', 'm2', 'm3']);
  });

  it('caps the QoS at the member grant and skips members that may not receive', async () => {
    const { join, publish } = setUp('random');
    const denied = join('d', '$share/g/t', { deny: true });
    const q0 = join('q', '$share/g/t', { qos: 0 });
    for (let i = 0; i < 5; i++) await publish('t', `m${i}`);
    expect(denied.got).toEqual([]);
    expect(q0.got.map((p) => p.qos)).toEqual([0, 0, 0, 0, 0]);
  });

  it('a persistent member that goes offline is queued for when no one is online; a clean one just leaves', async () => {
    const { shared, routes, queued, join, publish } = setUp('round-robin');
    const p = join('p', '$share/g/t', { clean: false });
    const c = join('c', '$share/g/t');
    p.closed = true;
    shared.unsubscribe('$share/g/t', p.fn!);
    await publish('t', 'online');
    expect(c.got.map((x) => x.payload)).toEqual(['online']);
    c.closed = true;
    shared.unsubscribe('$share/g/t', c.fn!);
    await publish('t', 'q1');
    await publish('t', 'q0', 0);
    expect(queued).toEqual([['p', { topic: 't', qos: 1, payload: 'q1' }]]);
    expect(shared.snapshot()).toEqual([{ topic: '$share/g/t', online: [], offline: ['p'] }]);
    // Connecting again ends the offline membership; the group and its real subscription go with it.
    shared.connected('p');
    expect(shared.snapshot()).toEqual([]);
    expect(routes.get('t')?.size).toBe(0);
  });

  it('restoreOffline: a stored member is queued for before it reconnects, and rejoins without a second route', async () => {
    const { shared, routes, queued, join, publish } = setUp('random');
    shared.restoreOffline('p', '$share/g/t', 1);
    await publish('t', 'q');
    expect(queued.map(([id, x]) => [id, x.payload])).toEqual([['p', 'q']]);
    const p = join('p', '$share/g/t', { clean: false });
    expect(routes.get('t')?.size).toBe(1);
    await publish('t', 'live');
    expect(p.got.map((x) => x.payload)).toEqual(['live']);
    expect(queued.length).toBe(2); // a persistent member's QoS 1 message is recorded in its session before it is sent
  });
});
