import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapturedMessage } from './message-log.js';
import { TopicIndex } from './topic-index.js';

let id = 0;
const msg = (topic: string, time: number, payload = 'x', retain = false): CapturedMessage =>
  ({ id: ++id, topic, payload: Buffer.from(payload), qos: 0, retain, clientId: 'c', time, segment: -1 });

describe('TopicIndex', () => {
  it('snapshots and tables are sorted by topic, prefix-narrowed, and follow topics added between them', () => {
    const idx = new TopicIndex();
    for (const t of ['b/2', 'a/1', 'b/1']) idx.record(msg(t, 1000));
    expect(idx.snapshot('', 1000).map((s) => s.topic)).toEqual(['a/1', 'b/1', 'b/2']);
    for (const t of ['a/0', 'c', 'b/10']) idx.record(msg(t, 2000, 'yy', t === 'c'));
    expect(idx.snapshot('', 2000).map((s) => s.topic)).toEqual(['a/0', 'a/1', 'b/1', 'b/10', 'b/2', 'c']);
    expect(idx.snapshot('b/1', 2000).map((s) => s.topic)).toEqual(['b/1', 'b/10']);
    expect(idx.table('', 2000)).toEqual({
      topics: ['a/0', 'a/1', 'b/1', 'b/10', 'b/2', 'c'], count: [1, 1, 1, 1, 1, 1], rate: [0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
      lastTime: [2000, 1000, 1000, 2000, 1000, 2000], lastSize: [2, 1, 1, 2, 1, 2], retained: [5],
    });
    expect(idx.statsOf(['c', 'nope', 'a/1'], 2000).map((s) => [s.topic, s.lastPayload])).toEqual([['c', 'eXk='], ['a/1', 'eA==']]);
  });

  it('gives the table by pages: `limit` topics after `after`, `next` while more follow, retained indexes per page', () => {
    const idx = new TopicIndex();
    for (const t of ['a/1', 'a/2', 'a/3', 'b/1', 'b/2']) idx.record(msg(t, 1000, 'x', t === 'a/3'));
    const first = idx.table('', 1000, { limit: 2 });
    expect(first).toMatchObject({ topics: ['a/1', 'a/2'], retained: [], next: 'a/2' });
    const second = idx.table('', 1000, { after: first.next, limit: 2 });
    expect(second).toMatchObject({ topics: ['a/3', 'b/1'], retained: [0], next: 'b/1' });
    idx.record(msg('a/25', 1001)); // sorts before the cursor: in the live feed, not in a later page
    const last = idx.table('', 1001, { after: second.next, limit: 2 });
    expect(last.topics).toEqual(['b/2']);
    expect(last.next).toBeUndefined();
    expect(idx.table('a/', 1001, { after: 'a/2', limit: 2 })).toMatchObject({ topics: ['a/25', 'a/3'] });
    expect(idx.table('a/', 1001, { after: 'a/3' })).toEqual({ topics: [], count: [], rate: [], lastTime: [], lastSize: [], retained: [] });
    expect(idx.table('', 1001, { limit: 10 }).next).toBeUndefined();
  });

  it("carries a 1 KiB preview of a topic's last payload with its whole size", () => {
    const idx = new TopicIndex();
    idx.record(msg('big', 1, 'x'.repeat(5000)));
    const [s] = idx.snapshot('', 1);
    expect(Buffer.from(s.lastPayload, 'base64').toString()).toBe('x'.repeat(1024));
    expect(s.lastSize).toBe(5000);
    idx.record(msg('big', 2, 'short'));
    expect(idx.takeChanged(2).map((t) => Buffer.from(t.lastPayload, 'base64').toString())).toEqual(['short']);
  });

  it('at its bound, the topic quiet the longest makes room, and the live feed is told', () => {
    const idx = new TopicIndex(3);
    idx.record(msg('a', 1));
    idx.record(msg('b', 2));
    idx.record(msg('c', 3));
    idx.record(msg('a', 4)); // a is active again: b is now the quietest
    idx.takeChanged();
    idx.record(msg('d', 5));
    expect(idx.takeRemoved()).toEqual(['b']);
    expect(idx.snapshot('', 5).map((s) => s.topic)).toEqual(['a', 'c', 'd']);
    expect(idx.takeChanged(5).map((s) => s.topic)).toEqual(['d']);
    idx.record(msg('b', 6)); // comes back as a new topic; c makes room
    expect(idx.takeRemoved()).toEqual(['c']);
    expect(idx.snapshot('', 6).map((s) => [s.topic, s.count])).toEqual([['a', 2], ['b', 1], ['d', 1]]);
    expect(idx.size).toBe(3);
  });

  it('at its bound, removes topics in the order of their last message, retained seeds included, whatever the traffic', () => {
    const op = fc.record({ topic: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), seed: fc.boolean() });
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const idx = new TopicIndex(4);
      // The model: a Map re-inserted on each message keeps its keys in the order of their last message.
      const model = new Map<string, true>();
      const removed: string[] = [];
      ops.forEach(({ topic, seed }, time) => {
        if (seed) {
          idx.seedRetained(topic, Buffer.from('r'), 0, time);
          if (!model.has(topic) && model.size < 4) model.set(topic, true);
          return;
        }
        idx.record(msg(topic, time));
        if (model.has(topic)) model.delete(topic);
        else if (model.size >= 4) {
          const quietest = model.keys().next().value!;
          model.delete(quietest);
          removed.push(quietest);
        }
        model.set(topic, true);
      });
      expect(idx.takeRemoved()).toEqual(removed);
      expect(idx.snapshot().map((s) => s.topic)).toEqual([...model.keys()].sort());
    }));
  });
});
