/** The explorer's tree models at scale: row counts kept per node, windows of the flattened tree, the filter. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicMatches, type MessageRecord, type TopicStats } from '../../engine/contract/index.js';
import { MessageStore } from '../../renderer/src/state/models/message-store.js';
import { sortKey, TopicTree, type TopicNode } from '../../renderer/src/state/models/topic-tree.js';
import { FilteredRows, parsePayloadQuery, parseTopicQuery } from '../../renderer/src/state/models/tree-filter.js';

const paths = (nodes: TopicNode[]) => nodes.map((n) => n.path);
const stats = (topic: string, count = 1, lastTime = count): TopicStats => ({
  topic, count, rate: 0, lastPayload: '', lastSize: 0, lastQos: 0, retained: false, lastPublisher: null, lastTime,
});

/** The rows as a plain depth-first walk would give them: the reference for the incremental counts. */
function flattenNodes(tree: TopicTree): TopicNode[] {
  const out: TopicNode[] = [];
  const walk = (node: TopicNode) => {
    out.push(node);
    if (!node.open) return;
    const children = [...node.children.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const child of children) if (!tree.isHidden(child)) walk(child);
  };
  walk(tree.root);
  return out;
}
const flatten = (tree: TopicTree) => paths(flattenNodes(tree));


describe('TopicTree rows', () => {
  it('sorts levels by name with numbers in numeric order and $ roots last', () => {
    const tree = new TopicTree();
    tree.apply(['dev/10', 'dev/9', 'dev/Alpha', 'dev/beta', 'dev/009a', '$aws/things/t', 'zeta', 'dev'].map((t) => stats(t)));
    expect(paths(tree.window(0, 100))).toEqual(['', 'dev', 'dev/9', 'dev/009a', 'dev/10', 'dev/Alpha', 'dev/beta', 'zeta', '$aws', '$aws/things', '$aws/things/t']);
    expect(sortKey('a2') < sortKey('a10')).toBe(true);
  });

  it('counts the rows each node shows through inserts, collapses, expands and the $aws toggle', () => {
    const tree = new TopicTree();
    tree.apply([stats('a/b/c/d'), stats('a/b/x'), stats('$aws/events/presence/connected/c1')]);
    expect(tree.rowCount).toBe(flatten(tree).length);
    expect(paths(tree.window(0, 99))).toEqual(flatten(tree));
    // Depth 3 and deeper start collapsed: a/b/c shows, its child d does not.
    expect(flatten(tree)).not.toContain('a/b/c/d');
    tree.setOpen(tree.get('a/b/c/d')!.parent!, true);
    expect(paths(tree.window(0, 99))).toContain('a/b/c/d');
    tree.setOpen(tree.get('a/b/x')!.parent!.parent!, false); // collapse a
    expect(paths(tree.window(0, 99))).toEqual(['', 'a', '$aws', '$aws/events', '$aws/events/presence']);
    tree.hideAws = true;
    expect(paths(tree.window(0, 99))).toEqual(['', 'a']);
    tree.apply([stats('$aws/things/t/shadow/update')]); // arrives while hidden
    expect(tree.rowCount).toBe(2);
    tree.hideAws = false;
    expect(tree.rowCount).toBe(flatten(tree).length);
    expect(paths(tree.window(0, 99))).toEqual(flatten(tree));
  });

  it('gives any window of the flattened tree, and each node its index, whatever the order of operations', () => {
    const level = fc.constantFrom('a', 'b', 'c', '10', '9', '', '$aws', 'x');
    const topic = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join('/'));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), topics: fc.array(topic, { minLength: 1, maxLength: 40 }) }),
      fc.record({ kind: fc.constant('toggle' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('aws' as const), hide: fc.boolean() }),
      fc.record({ kind: fc.constant('remove' as const), topics: fc.array(topic, { minLength: 1, maxLength: 10 }) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 25 }), fc.nat(), fc.nat(30), (ops, from, length) => {
      const tree = new TopicTree();
      const all: TopicNode[] = [tree.root];
      for (const o of ops) {
        if (o.kind === 'add') {
          const { added } = tree.apply(o.topics.map((t) => stats(t)));
          for (const topic of added) for (let n: TopicNode | null = topic; n; n = n.parent) if (!all.includes(n)) all.push(n);
        } else if (o.kind === 'toggle') {
          const node = all[o.pick % all.length]!;
          tree.setOpen(node, !node.open);
        } else if (o.kind === 'remove') {
          tree.remove(o.topics);
        } else tree.hideAws = o.hide;
      }
      const expected = flattenNodes(tree);
      const inTree = (n: TopicNode): boolean => n.parent === null || (n.parent.children.get(n.name) === n && inTree(n.parent));
      // Totals still add up: each node's total is its own count plus its children's.
      for (const n of expected) expect(n.total).toBe((tree.figures(n)?.count ?? 0) + [...n.children.values()].reduce((sum, c) => sum + c.total, 0));
      expect(tree.rowCount).toBe(expected.length);
      const start = from % (expected.length + 1);
      expect(tree.window(start, start + length)).toEqual(expected.slice(start, start + length));
      for (const node of all) expect(tree.indexOf(node)).toBe(inTree(node) ? expected.indexOf(node) : -1);
    }), { numRuns: 300 });
  });

  it('holds 100,000 topics and answers a window without walking them all', () => {
    const tree = new TopicTree();
    const list: TopicStats[] = [];
    for (let i = 0; i < 100_000; i++) list.push(stats(`fleet/site-${i % 50}/dev-${i}/temp`));
    tree.apply(list);
    expect(tree.size).toBe(100_000);
    // fleet and the 50 sites are open (depth < 3); each site shows its 2,000 devices, collapsed.
    expect(tree.rowCount).toBe(1 + 1 + 50 + 100_000);
    const site = tree.get('fleet/site-49/dev-99999/temp')!.parent!.parent!;
    const at = tree.indexOf(site);
    expect(tree.window(at, at + 3).map((n) => n.name)).toEqual(['site-49', 'dev-49', 'dev-99']);
    expect(paths(tree.window(tree.rowCount - 1, tree.rowCount))).toEqual(['fleet/site-49/dev-99999']);
    // New devices arrive under a sorted site one by one and land in place.
    tree.apply([stats('fleet/site-0/dev-5')]);
    expect(tree.window(3, 6).map((n) => n.name)).toEqual(['dev-0', 'dev-5', 'dev-50']);
  });

  it('remembers which topics got live traffic, for the activity flash', () => {
    const tree = new TopicTree();
    tree.apply([stats('a', 1), stats('b', 1)]);
    expect(tree.get('a')!.activity).toBe(0);
    tree.apply([stats('a', 2)], true);
    expect(tree.get('a')!.activity).toBe(tree.activity);
    expect(tree.get('b')!.activity).toBe(0);
  });
});

describe('removed topics', () => {
  it('leave the totals and the rows, and take their empty levels with them', () => {
    const tree = new TopicTree();
    tree.apply([stats('a/b/c', 2), stats('a/b', 1), stats('a/x', 4)]);
    tree.remove(['a/b/c']);
    expect(paths(tree.window(0, 99))).toEqual(['', 'a', 'a/b', 'a/x']);
    expect(tree.root.total).toBe(5);
    tree.remove(['a/b', 'a/x', 'not/known']);
    expect(paths(tree.window(0, 99))).toEqual(['']);
    expect(tree.rowCount).toBe(1);
    expect(tree.size).toBe(0);
    expect(tree.root.total).toBe(0);
  });

  it('leave the filter rows', () => {
    const tree = new TopicTree();
    tree.apply([stats('a/temp'), stats('b/temp')]);
    const rows = new FilteredRows(tree, parseTopicQuery('temp').query!);
    expect(rows.remove(tree.remove(['a/temp']))).toBe(true);
    expect(paths(rows.window(0, 9))).toEqual(['', 'b', 'b/temp']);
    expect(rows.matchCount).toBe(1);
  });
});

describe('tree filter', () => {
  it('reads text, MQTT filters and /regular expressions/', () => {
    const t = (q: string, topic: string) => parseTopicQuery(q).query!.test(topic);
    expect(parseTopicQuery('  ').query).toBeNull();
    expect(t('KITCHEN', 'home/kitchen/temp')).toBe(true);
    expect(parseTopicQuery('home/+/temp').query!.kind).toBe('mqtt');
    expect(t('home/+/temp', 'home/kitchen/temp')).toBe(true);
    expect(t('home/+/temp', 'home/kitchen/hall/temp')).toBe(false);
    expect(t('home/#', 'home')).toBe(true);
    expect(t('#', '$aws/things/x/shadow/update')).toBe(false); // MQTT: a leading wildcard skips $ topics
    expect(t('/temp$/', 'home/kitchen/temp')).toBe(true);
    expect(t('/^home\\/k/i', 'HOME/kitchen')).toBe(true);
    expect(parseTopicQuery('/temp/').query!.highlight('attempt')).toEqual([2, 6]);
    expect(parseTopicQuery('kit').query!.highlight('Kitchen')).toEqual([0, 3]);
  });

  it('says why a filter is not valid', () => {
    expect(parseTopicQuery('/a(/').error).toMatch(/^Invalid regular expression: /);
    expect(parseTopicQuery('/a/g').error).toBe('Unsupported regular expression flag: use i, u or s (not g)');
    expect(parseTopicQuery('home/#/temp').error).toBe("Invalid topic filter: '+' takes a whole level and '#' only the last (level 2: '#')");
    expect(parseTopicQuery('home/ki+').error).toBe("Invalid topic filter: '+' takes a whole level and '#' only the last (level 2: 'ki+')");
  });

  it('shows matches with their ancestors expanded, takes in later topics, and honours the $aws toggle', () => {
    const tree = new TopicTree();
    tree.apply(['home/kitchen/temp', 'home/kitchen/light', 'home/hall/temp', 'garden/deep/er/temp', '$aws/x/temp'].map((t) => stats(t)));
    const rows = new FilteredRows(tree, parseTopicQuery('/temp$/').query!);
    expect(paths(rows.window(0, 99))).toEqual(['', 'garden', 'garden/deep', 'garden/deep/er', 'garden/deep/er/temp', 'home', 'home/hall', 'home/hall/temp', 'home/kitchen', 'home/kitchen/temp', '$aws', '$aws/x', '$aws/x/temp']);
    expect(rows.matchCount).toBe(4);
    const { added } = tree.apply([stats('home/attic/temp'), stats('home/attic/fan')]);
    expect(rows.add(added)).toBe(true);
    expect(paths(rows.window(5, 8))).toEqual(['home', 'home/attic', 'home/attic/temp']);
    rows.setOpen(tree.get('home/attic/temp')!.parent!.parent!, false);
    expect(paths(rows.window(5, 7))).toEqual(['home', '$aws']);
    tree.hideAws = true;
    rows.invalidate();
    expect(rows.matchCount).toBe(4);
    expect(paths(rows.window(0, 99)).at(-1)).toBe('home');
    expect(rows.indexOf(tree.get('home/hall/temp')!.parent!.parent!)).toBe(5);
  });
});

describe('MQTT filters walk the tree', () => {
  it('find exactly the topics topicMatches accepts, without testing the others', () => {
    const level = fc.constantFrom('a', 'b', '', '$aws', 'x');
    const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/'));
    const filterLevel = fc.constantFrom('a', 'b', '', '$aws', '+');
    const filter = fc.tuple(fc.array(filterLevel, { maxLength: 4 }), fc.boolean())
      .map(([levels, hash]) => [...levels, ...(hash || !levels.includes('+') ? ['#'] : [])].join('/'));
    fc.assert(fc.property(fc.array(topic, { maxLength: 30 }), filter, (topics, f) => {
      const tree = new TopicTree();
      tree.apply(topics.map((t) => stats(t)));
      const query = parseTopicQuery(f).query!;
      fc.pre(query?.kind === 'mqtt'); // `/+/a` reads as a regular expression with a flag
      const found = paths([...query.candidates!(tree)]).sort();
      expect(found).toEqual([...new Set(topics)].filter((t) => topicMatches(f, t)).sort());
    }), { numRuns: 400 });
  });

  it('a narrow filter over 100,000 topics follows its levels instead of testing every topic', () => {
    const tree = new TopicTree();
    const list: TopicStats[] = [];
    for (let i = 0; i < 100_000; i++) list.push(stats(`fleet/site-${i % 50}/dev-${i}/temp`));
    list.push(stats('quiet/probe'));
    tree.apply(list);
    const query = parseTopicQuery('quiet/#').query!;
    // Walking 100,000 topics with topicMatches took ~70 ms: the filter's candidates are only the subtree it names.
    expect(paths([...query.candidates!(tree)])).toEqual(['quiet/probe']);
    const rows = new FilteredRows(tree, query);
    expect(rows.matchCount).toBe(1);
    expect(paths(rows.window(0, 9))).toEqual(['', 'quiet', 'quiet/probe']);
  });
});

describe('retained topics', () => {
  it('are kept in a set as statistics come and go, and read per subtree', () => {
    const tree = new TopicTree();
    const held = (topic: string, count = 1) => ({ ...stats(topic, count), retained: true });
    tree.apply([held('a/b'), held('a/c/d'), stats('a/e'), held('ab'), held('$aws/things/t/shadow/x')]);
    expect(tree.retainedUnder(tree.root)).toEqual(['a/b', 'a/c/d', 'ab']); // the root leaves out $ topics
    expect(tree.retainedUnder(tree.get('a/b')!.parent!)).toEqual(['a/b', 'a/c/d']); // not `ab`
    expect(tree.retainedUnder(tree.get('$aws/things/t/shadow/x')!.parent!)).toEqual(['$aws/things/t/shadow/x']);
    tree.apply([stats('a/b', 2)]); // its retained message was deleted
    tree.remove(['a/c/d']);
    expect(tree.retainedUnder(tree.root)).toEqual(['ab']);
    expect(tree.retainedUnder(tree.root, 0)).toEqual([]);
  });
});

describe('payload search', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  it('asks the engine for text or an RE2 regex and tests live payloads the same way', () => {
    const text = parsePayloadQuery(' Smoke ').query!;
    expect(text.engine).toEqual({ search: 'Smoke' });
    expect(text.test(b64('{"alarm":"smoke"}'))).toBe(true);
    expect(text.test(b64('clear'))).toBe(false);
    const re = parsePayloadQuery('/"level":\\s*[1-9]/').query!;
    expect(re.engine).toEqual({ regex: '"level":\\s*[1-9]' });
    expect(re.test(b64('{"level": 3}'))).toBe(true);
    expect(re.test(b64('{"level": 0}'))).toBe(false);
    expect(parsePayloadQuery('/(/').error).toMatch(/^Invalid regular expression: /);
    expect(parsePayloadQuery('').query).toBeNull();
  });
});

describe('MessageStore and $aws', () => {
  const message = (id: number, topic: string): MessageRecord => ({
    id, topic, payload: '', size: 0, truncated: false, qos: 0, retain: false, clientId: null, time: id,
  });

  it('leaves $aws/… out when hidden, except under a $aws selection', () => {
    const store = new MessageStore();
    store.hideAws = true;
    store.merge([message(1, '$aws/events/presence/connected/c1'), message(2, 'home/a')]);
    expect(store.messages.map((m) => m.id)).toEqual([2]);
    store.reset('$aws/events/#');
    store.merge([message(1, '$aws/events/presence/connected/c1')]);
    expect(store.messages.map((m) => m.id)).toEqual([1]);
  });

  it('prepends live traffic and keeps the newest when a batch outgrows its capacity', () => {
    const store = new MessageStore(3);
    store.merge([message(1, 'a'), message(2, 'a')]);
    store.merge([message(3, 'a'), message(6, 'a'), message(5, 'a'), message(4, 'a')]);
    expect(store.messages.map((m) => m.id)).toEqual([6, 5, 4]);
  });
});

describe('PreviewQueue', () => {
  it('asks for each topic once, in batches', async () => {
    const { PreviewQueue } = await import('../../renderer/src/state/models/preview-queue.js');
    const q = new PreviewQueue();
    expect(q.want('a')).toBe(true);
    expect(q.want('a')).toBe(false);
    q.want('b');
    q.want('c');
    expect(q.take(2)).toEqual(['a', 'b']);
    expect(q.want('a')).toBe(false); // already asked
    expect(q.pending).toBe(1);
    expect(q.take(10)).toEqual(['c']);
    expect(q.pending).toBe(0);
  });

  it('asks again for a topic once its answer came (it changed out of sight), never for one still unanswered', async () => {
    const { PreviewQueue } = await import('../../renderer/src/state/models/preview-queue.js');
    const q = new PreviewQueue<string>();
    q.want('a');
    q.want('b');
    expect(q.take(10)).toEqual(['a', 'b']);
    q.answered(['a']); // the engine knew `a`, not `b`
    expect([q.want('a'), q.want('b')]).toEqual([true, false]);
    q.forget(['a', 'b']); // both gone from the tree
    expect(q.pending).toBe(0);
    expect(q.want('b')).toBe(true);
  });
});
