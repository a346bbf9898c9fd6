/** The renderer's pure parts (no DOM): topic tree, message store, payload formatting. */
import { describe, expect, it, vi } from 'vitest';
import type { MessageRecord, TopicStats } from '../../engine/contract/index.js';
import { decodePayload, payloadFull, payloadPreview } from '../../renderer/src/lib/format.js';
import { MessageStore } from '../../renderer/src/state/models/message-store.js';
import { RedrawClock } from '../../renderer/src/state/frame.js';
import { RowPreviews } from '../../renderer/src/state/models/row-previews.js';
import { TopicTree } from '../../renderer/src/state/models/topic-tree.js';

const stats = (topic: string, count: number, lastTime = count): TopicStats => ({
  topic, count, rate: 0, lastPayload: '', lastSize: 0, lastQos: 0, retained: false, lastPublisher: null, lastTime,
});
const message = (id: number, topic = 'a/b'): MessageRecord => ({
  id, topic, payload: '', size: 0, truncated: false, qos: 0, retain: false, clientId: null, time: id,
});
const b64 = (bytes: number[] | string) => Buffer.from(bytes as never).toString('base64');

describe('TopicTree', () => {
  it('sums counts up the levels and reports how many topics changed', () => {
    const tree = new TopicTree();
    tree.apply([stats('home/kitchen/temp', 3), stats('home/garage', 2), stats('home', 1)]);
    expect(tree.root.total).toBe(6);
    expect(tree.get('home')!.total).toBe(6);
    expect(tree.get('home/kitchen/temp')!.parent!.total).toBe(3);
    const { changed, added } = tree.apply([stats('home/garage', 5), stats('home/garage', 4, 1)]);
    expect(changed).toBe(1); // the second is older than the first
    expect(added).toEqual([]);
    expect(tree.root.total).toBe(9);
  });

  it('keeps the newer statistics whatever order snapshot and deltas arrive in', () => {
    const tree = new TopicTree();
    tree.apply([stats('t', 7)]); // a live delta first
    tree.apply([stats('t', 5)]); // then an older snapshot
    expect(tree.figures(tree.get('t')!)!.count).toBe(7);
    expect(tree.root.total).toBe(7);
  });

  it('keeps a topic’s figures in the tree’s columns, and a payload only while the node is watched', () => {
    const tree = new TopicTree();
    const withPayload = (topic: string, count: number, lastPayload: string, lastPublisher = 'meter-1'): TopicStats =>
      ({ ...stats(topic, count), rate: 0.5, lastPayload, lastSize: 2, lastQos: 1, retained: true, lastPublisher });
    tree.apply([withPayload('a', 1, 'MQ=='), withPayload('b', 1, 'Mg==')]);
    const a = tree.get('a')!;
    const b = tree.get('b')!;
    expect(tree.figures(a)).toEqual({ count: 1, rate: 0.5, lastSize: 2, lastQos: 1, retained: true, lastPublisher: 'meter-1', lastTime: 1 });
    expect([a.payload, b.payload]).toEqual(['MQ==', 'Mg==']); // new topics keep their first payload: their rows may show next
    expect(a.isTopic && !a.parent!.isTopic).toBe(true);

    tree.watch([a]);
    tree.apply([withPayload('a', 2, 'Mw=='), withPayload('b', 2, 'NA==')], true);
    expect(tree.figures(a)).toMatchObject({ count: 2, lastTime: 2 });
    expect(a.payload).toBe('Mw==');
    expect(b.payload).toBeUndefined(); // changed out of sight
    expect(tree.root.total).toBe(4);

    tree.apply([withPayload('a', 3, 'NQ==', 'meter-2')], false, false); // the topic table: no payloads
    expect(tree.figures(a)).toMatchObject({ count: 3, lastPublisher: 'meter-2' });
    expect(a.payload).toBeUndefined();
    tree.remove(['a']);
    expect([tree.figures(a), a.isTopic, tree.isRetained(a)]).toEqual([undefined, false, false]);

    // A new topic takes the freed slot: it starts from its own figures, none of the removed topic's.
    tree.apply([{ ...stats('c', 5), lastQos: 2 }]);
    expect(tree.figures(tree.get('c')!)).toEqual({ count: 5, rate: 0, lastSize: 0, lastQos: 2, retained: false, lastPublisher: null, lastTime: 5 });
    expect(tree.figures(b)).toMatchObject({ count: 2, retained: true, lastPublisher: 'meter-1' });
  });

  it('holds the figures of more topics than its columns first had room for', () => {
    const tree = new TopicTree();
    const many = Array.from({ length: 3000 }, (_, i) => ({ ...stats(`fleet/dev-${i}`, i + 1), rate: i / 4, lastSize: i * 3, retained: i % 7 === 0 }));
    tree.apply(many);
    for (const i of [0, 1023, 1024, 2047, 2048, 2999]) {
      expect(tree.figures(tree.get(`fleet/dev-${i}`)!)).toMatchObject({ count: i + 1, rate: i / 4, lastSize: i * 3, retained: i % 7 === 0 });
    }
    expect(tree.retainedUnder(tree.root).length).toBe(many.filter((s) => s.retained).length);
  });

  it('keeps empty levels and $ topics as nodes', () => {
    const tree = new TopicTree();
    tree.apply([stats('/lead', 1), stats('a//b', 1), stats('$aws/things/x', 1)]);
    expect([...tree.root.children.values()].map((c) => c.name).sort()).toEqual(['', '$aws', 'a']);
    expect(tree.get('a//b')!.parent!.name).toBe('');
    expect(tree.get('$aws/things/x')!.parent!.parent!.filter).toBe('$aws/#');
    expect(tree.root.filter).toBe('#');
  });
});

describe('RedrawClock', () => {
  it('lets a view draw once per interval, wakes it when the interval is over, and draws an urgent change at once', () => {
    vi.useFakeTimers();
    try {
      const wake = vi.fn();
      const clock = new RedrawClock(500, wake);
      expect(clock.ready(1000, false)).toBe(true);
      expect([clock.ready(1100, false), clock.ready(1200, false)]).toEqual([false, false]);
      vi.advanceTimersByTime(399);
      expect(wake).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(wake).toHaveBeenCalledTimes(1); // one wake for both refusals
      expect(clock.ready(1500, false)).toBe(true);
      expect(clock.ready(1501, true)).toBe(true); // the user's own change
      expect(clock.ready(1502, false)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('RowPreviews', () => {
  it('makes a row’s preview from its node’s last payload, again when the payload changes', () => {
    const tree = new TopicTree();
    tree.apply([stats('a', 1), stats('b', 1)]);
    const [a, b] = [tree.get('a')!, tree.get('b')!];
    const previews = new RowPreviews();
    previews.begin();
    const first = previews.text(a, b64('{"v": 1}'));
    expect(first).toBe('{"v": 1}');
    previews.begin();
    expect(previews.text(a, b64('{"v": 1}'))).toBe(first);
    expect(previews.text(a, b64('{"v": 2}'))).toBe('{"v": 2}');
    expect(previews.text(b, b64('x'))).toBe('x');
  });
});

describe('MessageStore', () => {
  it('keeps the most recent first, without duplicates, up to its capacity', () => {
    const store = new MessageStore(3);
    expect(store.merge([message(1), message(2)])).toBe(true);
    expect(store.merge([message(2)])).toBe(false);
    store.merge([message(5), message(4), message(3)]);
    expect(store.messages.map((m) => m.id)).toEqual([5, 4, 3]);
    store.merge([message(1)]); // older than everything kept: not shown
    expect(store.messages.map((m) => m.id)).toEqual([5, 4, 3]);
  });

  it('takes live batches (oldest first) and a history that overlaps them, each message once', () => {
    const store = new MessageStore(6);
    store.merge([message(7), message(8), message(9)]); // live, oldest first
    const live = store.messages;
    store.merge([message(9), message(6), message(8), message(5), message(4)]); // the history, some already shown
    expect(store.messages.map((m) => m.id)).toEqual([9, 8, 7, 6, 5, 4]);
    expect(live.map((m) => m.id)).toEqual([9, 8, 7]); // a snapshot handed out stays as it was
    expect(store.merge([message(8), message(6)])).toBe(false);
    store.merge([message(10), message(11), message(12), message(13), message(14), message(15), message(16)]);
    expect(store.messages.map((m) => m.id)).toEqual([16, 15, 14, 13, 12, 11]);
  });

  it('shows only messages matching its filter, $ topics included when the filter names them', () => {
    const store = new MessageStore();
    store.reset('home/#');
    store.merge([message(1, 'home'), message(2, 'home/a'), message(3, 'garden/a')]);
    expect(store.messages.map((m) => m.id)).toEqual([2, 1]);
    store.reset('$aws/#');
    store.merge([message(4, '$aws/events/x'), message(5, 'home/a')]);
    expect(store.messages.map((m) => m.id)).toEqual([4]);
  });
});

describe('payload formatting', () => {
  it.each([
    ['empty', '', '(empty)'],
    ['text', b64('hello  world\n'), 'hello world'],
    ['json', b64('{"a": 1}'), '{"a": 1}'],
    ['binary', b64([0, 1, 2, 255]), '⟨00 01 02 ff⟩'],
    ['invalid utf-8', b64([0xc3, 0x28]), '⟨c3 28⟩'],
    ['control characters', b64('a\u0007b'), '⟨61 07 62⟩'],
  ])('previews %s', (_name, base64, preview) => {
    expect(payloadPreview(base64)).toBe(preview);
  });

  it('does not call a cut-off multi-byte character binary when the payload was truncated', () => {
    const cut = [...Buffer.from('té')].slice(0, 2); // "t" and the first of the two bytes of "é"
    expect(decodePayload(b64(cut), true)).toMatchObject({ kind: 'text', text: 't' });
    expect(decodePayload(b64(cut), false).kind).toBe('binary');
  });

  it('pretty-prints JSON objects and hex-dumps binary for the detail view', () => {
    expect(payloadFull(b64('{"a":[1,2]}'))).toEqual({ format: 'json', text: '{\n  "a": [\n    1,\n    2\n  ]\n}' });
    expect(payloadFull(b64('42'))).toEqual({ format: 'text', text: '42' });
    expect(payloadFull(b64([0x41, 0, 0x42]))).toEqual({ format: 'hex', text: '00000000  41 00 42' + ' '.repeat(39) + '  A.B' });
  });
});
