/** The renderer's pure parts (no DOM): topic tree, message store, payload formatting. */
import { describe, expect, it } from 'vitest';
import type { MessageRecord, TopicStats } from '../../engine/contract/index.js';
import { decodePayload, payloadFull, payloadPreview } from '../../renderer/src/lib/format.js';
import { MessageStore } from '../../renderer/src/state/models/message-store.js';
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
    expect(tree.get('t')!.stats!.count).toBe(7);
    expect(tree.root.total).toBe(7);
  });

  it('keeps empty levels and $ topics as nodes', () => {
    const tree = new TopicTree();
    tree.apply([stats('/lead', 1), stats('a//b', 1), stats('$aws/things/x', 1)]);
    expect([...tree.root.children.keys()].sort()).toEqual(['', '$aws', 'a']);
    expect(tree.get('a//b')!.parent!.name).toBe('');
    expect(tree.get('$aws/things/x')!.parent!.parent!.filter).toBe('$aws/#');
    expect(tree.root.filter).toBe('#');
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
