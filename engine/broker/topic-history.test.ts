import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { topicMatches } from '../contract/index.js';
import { compileFilter, MESSAGE_OVERHEAD, TopicHistory } from './topic-history.js';
import { toRecord, type CapturedMessage } from './message-log.js';

const payload = (n: number, fill: number) => Buffer.alloc(n, fill);
const MiB = 1024 * 1024;
const history = (messages: number, bytes: number, perTopic: number, onEvict?: (m: CapturedMessage) => void) =>
  new TopicHistory({ messages, bytes, perTopic }, onEvict);
const ids = (h: TopicHistory, filter?: string) => {
  const out: number[] = [];
  h.scan({ filter }, (m) => out.push(m.id) > 0);
  return out;
};

describe('TopicHistory eviction', () => {
  it('keeps the last perTopic messages of each topic', () => {
    const evicted: number[] = [];
    const h = history(1000, 64 * MiB, 3, (m) => evicted.push(m.id));
    for (let i = 0; i < 5; i++) h.append('a', payload(1, i), 0, false, null, i);
    h.append('b', payload(1, 9), 0, false, null, 9);
    expect(h.ofTopic('a').map((m) => m.id)).toEqual([3, 4, 5]);
    expect(evicted).toEqual([1, 2]);
    expect(ids(h)).toEqual([6, 5, 4, 3]);
  });

  it('over the message bound, takes from the topic holding the most: a quiet topic keeps its messages', () => {
    const h = history(10, 64 * MiB, 100);
    h.append('quiet', payload(1, 1), 0, false, null, 0);
    h.append('quiet', payload(1, 2), 0, false, null, 1);
    for (let i = 0; i < 1000; i++) h.append(`busy/${i % 3}`, payload(1, 3), 0, false, null, 2 + i);
    expect(h.size).toBe(10);
    expect(h.ofTopic('quiet').map((m) => m.time)).toEqual([0, 1]);
    // The busy topics share the rest evenly, each keeping its newest.
    const busy = [0, 1, 2].map((i) => h.ofTopic(`busy/${i}`).length);
    expect(busy.reduce((a, b) => a + b)).toBe(8);
    expect(Math.max(...busy) - Math.min(...busy)).toBeLessThanOrEqual(1);
    expect(h.ofTopic('busy/0').at(-1)!.time).toBe(2 + 999);
  });

  it('over the byte budget, takes from the topic holding the most too', () => {
    const budget = 4 * MiB;
    const h = history(1_000_000, budget, 100_000);
    h.append('quiet', payload(100, 1), 0, false, null, 0);
    h.append('quiet', payload(100, 2), 0, false, null, 1);
    for (let i = 0; i < 20_000; i++) h.append('busy', payload(1000, i % 251), 0, false, null, 2 + i);
    expect(h.heldBytes).toBeLessThanOrEqual(budget);
    expect(h.heldBytes).toBeGreaterThan(budget - 1000 - MESSAGE_OVERHEAD);
    expect(h.ofTopic('quiet').map((m) => m.payload[0])).toEqual([1, 2]);
    expect(h.ofTopic('busy').length).toBe(Math.floor((budget - 2 * (100 + MESSAGE_OVERHEAD)) / (1000 + MESSAGE_OVERHEAD)));
  });

  it('with one message per topic left, lets the oldest go first', () => {
    const evicted: string[] = [];
    const h = history(3, 64 * MiB, 100, (m) => evicted.push(m.topic));
    for (const t of ['a', 'b', 'c', 'd', 'e']) h.append(t, payload(1, 0), 0, false, null, 0);
    expect(evicted).toEqual(['a', 'b']);
    expect(h.topicCount).toBe(3);
    expect(ids(h)).toEqual([5, 4, 3]);
  });

  it('charges each message its payload and a fixed overhead, so empty payloads are bounded too', () => {
    const h = history(1_000_000, 1000 * MESSAGE_OVERHEAD, 1_000_000);
    for (let i = 0; i < 5000; i++) h.append(`t/${i}`, Buffer.alloc(0), 0, false, null, i);
    expect(h.size).toBe(1000);
    expect(h.heldBytes).toBe(1000 * MESSAGE_OVERHEAD);
  });
});

describe('TopicHistory payloads', () => {
  it("keeps copies: changing the caller's buffer does not change the history", () => {
    const h = history(10, MiB, 10);
    const buf = payload(8, 1);
    const msg = h.append('t', buf, 0, false, 'c', 1);
    buf.fill(9);
    expect([...h.get(msg.id)!.payload]).toEqual(Array(8).fill(1));
  });

  it('a quiet topic keeps its payload intact while a flood writes over the segments around it', () => {
    const h = history(1_000_000, MiB, 5); // segments of 128 KiB
    const quiet = h.append('quiet', Buffer.from('{"temp":21.5}'), 1, true, 'q', 0);
    const all: CapturedMessage[] = [];
    for (let i = 0; i < 20_000; i++) all.push(h.append(`busy/${i % 50}`, payload(200, i % 251), 0, false, null, 1 + i));
    expect(h.holds(quiet)).toBe(true);
    expect(h.get(quiet.id)!.payload.toString()).toBe('{"temp":21.5}');
    for (const m of all) if (h.holds(m)) expect(m.payload.equals(payload(200, (m.time - 1) % 251))).toBe(true);
    expect(all.filter((m) => h.holds(m))).toHaveLength(250); // 50 topics × 5
  });

  it('lets go of messages when every topic holds one and the budget is full, and says so once each', () => {
    const evicted: CapturedMessage[] = [];
    const h = history(1_000_000, MiB, 10, (m) => evicted.push(m));
    const all: CapturedMessage[] = [];
    for (let i = 0; i < 5000; i++) all.push(h.append(`t/${i}`, payload(1000, i % 251), 0, false, null, i));
    for (const m of all) if (h.holds(m)) expect(m.payload.equals(payload(1000, Number(m.topic.slice(2)) % 251))).toBe(true);
    const held = all.filter((m) => h.holds(m));
    expect(held.length).toBeGreaterThan(800);
    expect(held.length + evicted.length).toBe(all.length);
    expect(new Set(evicted).size).toBe(evicted.length);
    expect(held.at(-1)).toBe(all.at(-1));
    expect(ids(h)).toEqual(held.map((m) => m.id).reverse());
  });

  it('keeps a payload larger than a segment as its own copy', () => {
    const h = history(100, MiB, 100);
    const big = h.append('big', payload(600_000, 7), 1, true, null, 0);
    for (let i = 0; i < 10; i++) h.append('small', payload(10, 1), 0, false, null, i);
    expect(big.segment).toBe(-1);
    expect(h.get(big.id)!.payload.equals(payload(600_000, 7))).toBe(true);
  });

  it('reuses payload segments once their messages left, instead of growing to the byte budget', () => {
    const h = history(100, 64 * MiB, 100); // 16 segments of 4 MiB allowed
    h.append('quiet', payload(10, 1), 0, false, null, 0); // pins a few bytes of the first segment
    for (let i = 0; i < 100_000; i++) h.append('t', payload(512, i % 256), 0, false, null, i); // 51 MB appended
    const segments = new Set<number>();
    h.scan({}, (m) => segments.add(m.segment).size > 0);
    expect(h.size).toBe(100);
    expect(Math.max(...segments)).toBeLessThan(2); // two segments at most were ever allocated
    expect(h.get(1)!.payload.equals(payload(10, 1))).toBe(true);
    for (const m of h.ofTopic('t')) expect(m.payload.every((b) => b === m.time % 256)).toBe(true);
  });
});

describe('TopicHistory reads', () => {
  it('finds messages by id and forgets the ones let go', () => {
    const h = history(1000, MiB, 2);
    for (let i = 0; i < 10_000; i++) h.append(`t/${i % 7}`, payload(3, i % 256), 0, false, null, i);
    expect(h.get(10_000)!.time).toBe(9999);
    expect(h.get(9_994)!.topic).toBe(`t/${9993 % 7}`);
    expect(h.get(1)).toBeUndefined();
    expect(h.get(10_001)).toBeUndefined();
    expect(h.size).toBe(14);
    expect(ids(h)).toHaveLength(14);
  });

  it('scans one topic for a topic name, matching topics for a filter, everything for # ($ topics too), newest first', () => {
    const h = history(1000, MiB, 100);
    const topics = ['a/1', 'a/2', '$aws/events/presence/connected/c', 'b/1', 'a/1'];
    topics.forEach((t, i) => h.append(t, payload(1, i), 0, false, null, i * 10));
    expect(ids(h, 'a/1')).toEqual([5, 1]);
    expect(ids(h, 'a/+')).toEqual([5, 2, 1]);
    expect(ids(h, '#')).toEqual([5, 4, 3, 2, 1]);
    expect(ids(h, '$aws/#')).toEqual([3]);
    const ranged: number[] = [];
    h.scan({ from: 10, to: 30 }, (m) => ranged.push(m.id) > 0);
    expect(ranged).toEqual([4, 3, 2]);
    const first: number[] = [];
    h.scan({}, (m) => first.push(m.id) < 2);
    expect(first).toEqual([5, 4]);
  });

  it('gives the UI a message\'s MQTT 5 properties: correlation data as base64, user properties as ordered pairs', () => {
    const h = history(10, MiB, 10);
    const properties = {
      payloadFormatIndicator: true, messageExpiryInterval: 60, contentType: 'application/json', responseTopic: 'r/t',
      correlationData: Buffer.from([0, 1, 2]), userProperties: [['k', '2'], ['a', 'x'], ['k', '1']] as Array<[string, string]>,
    };
    const msg = h.append('t', payload(2, 1), 1, false, 'c', 1, properties);
    expect(toRecord(msg).properties).toEqual({
      payloadFormatIndicator: true, messageExpiryInterval: 60, contentType: 'application/json', responseTopic: 'r/t',
      correlationData: 'AAEC', userProperties: [['k', '2'], ['a', 'x'], ['k', '1']],
    });
    expect('properties' in toRecord(h.append('t', payload(2, 1), 0, false, 'c', 1))).toBe(false);
  });
});

describe('compileFilter', () => {
  it('agrees with topicMatches ($ topics included) on any filter and topic', () => {
    const level = fc.constantFrom('a', 'b', '', '$aws', 'ab');
    const topic = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join('/'));
    const filter = fc.tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 0, maxLength: 4 }), fc.boolean())
      .filter(([l, hash]) => l.length > 0 || hash)
      .map(([l, hash]) => [...l, ...(hash ? ['#'] : [])].join('/'));
    fc.assert(fc.property(filter, topic, (f, t) => compileFilter(f)(t) === topicMatches(f, t, { dollar: true })), { numRuns: 5000 });
    expect(compileFilter('a/#')('a')).toBe(true);
    expect(compileFilter('a/+')('a/')).toBe(true);
    expect(compileFilter('a/+')('a')).toBe(false);
    expect(compileFilter('+/+')('a/b/c')).toBe(false);
  });
});
