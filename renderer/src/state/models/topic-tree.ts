import type { TopicStats } from '../../../../engine/contract/index.js';
import { StringIndex, type ReadonlyStringIndex } from './string-index.js';
import { StringPool } from './string-pool.js';
import { FigureColumns, type TopicFigures } from './topic-figures.js';

export type { TopicFigures };

/** Levels this deep start expanded; deeper ones start collapsed so big trees stay readable. */
export const EXPANDED_DEPTH = 3;

/**
 * Sort key of a level name: case-insensitive, numbers in numeric order (`dev-9` before `dev-10`), `$` names last,
 * then the exact name as a tie-break. Keys compare with plain `<`, which is many times faster than a collator.
 */
export function sortKey(name: string): string {
  const natural = name.toLowerCase().replace(/\d+/g, (d) => {
    const digits = d.replace(/^0+(?=\d)/, '');
    return String.fromCharCode(0x30 + Math.min(digits.length, 0xffff - 0x30)) + digits;
  });
  return `${name.startsWith('$') ? '2' : '1'}${natural}\u0000${name}`;
}

const byKey = (a: TopicNode, b: TopicNode) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const byName = (node: TopicNode) => node.name;

const NO_CHILDREN: ReadonlyStringIndex<TopicNode> = new StringIndex(byName);
/** Shared by every node without children (never written: a node gets its own array with its first child). */
const NONE: TopicNode[] = [];

/** One topic level; a topic (`isTopic`) when a message was published to exactly this path. */
export class TopicNode {
  /** Made on the first child: most nodes of a big tree are leaves. */
  private kids: StringIndex<TopicNode> | null = null;
  /** Made on the first sort that needs it: most nodes of a big tree are leaves under collapsed levels, never sorted. */
  private cachedKey: string | undefined;
  /** @internal The topic's slot in the tree's figure columns; -1 for a level no message was published to. */
  slot = -1;
  /**
   * The last payload's preview (`TopicStats.lastPayload`), kept while the tree watches the node (its row is on screen)
   * and for a new topic; undefined when not known here (the topic had a message out of sight): ask `broker.topicStats`.
   */
  payload: string | undefined;
  /** Messages on this topic and everything below it. */
  total = 0;
  /** Whether the node shows its children (in the unfiltered tree). */
  open: boolean;
  /** Rows the node and its shown descendants take in the unfiltered tree: 1, plus its children's when open. */
  rows = 1;
  /** The tree's `activity` counter when a live message last arrived on exactly this topic (0: none seen live). */
  activity = 0;
  /** Children in display order; `pending` holds the ones added since it was last sorted. */
  private sorted: TopicNode[] = NONE;
  private pending: TopicNode[] = NONE;

  /** Whether a message was published to exactly this path (the tree holds its figures: `TopicTree.figures`). */
  get isTopic(): boolean {
    return this.slot >= 0;
  }

  get children(): ReadonlyStringIndex<TopicNode> {
    return this.kids ?? NO_CHILDREN;
  }

  constructor(readonly name: string, readonly path: string, readonly parent: TopicNode | null, readonly depth: number) {
    this.open = depth < EXPANDED_DEPTH;
  }

  /** The level's sort key (`sortKey(name)`). */
  get key(): string {
    return (this.cachedKey ??= sortKey(this.name));
  }

  /** The filter that selects this node and its subtree (`#` also matches the parent level in MQTT). */
  get filter(): string {
    return this.parent === null ? '#' : `${this.path}/#`;
  }

  /** Whether this is an AWS reserved root (`$aws`), which the tree can hide with its lifecycle topics. */
  get isAwsRoot(): boolean {
    return this.depth === 1 && this.name === '$aws';
  }

  /** Children sorted by name; sorted once and then kept sorted by binary insertion while few arrive at a time. */
  sortedChildren(): readonly TopicNode[] {
    if (this.pending.length) {
      if (this.pending.length > 32 && this.pending.length * 8 > this.sorted.length) {
        this.sorted = this.sorted.concat(this.pending).sort(byKey);
      } else {
        if (this.sorted === NONE) this.sorted = [];
        for (const child of this.pending) this.sorted.splice(insertionPoint(this.sorted, child), 0, child);
      }
      this.pending = NONE;
    }
    return this.sorted;
  }

  /** @internal Called by the tree only. */
  removeChild(child: TopicNode): void {
    this.kids?.delete(child.name);
    const pending = this.pending.indexOf(child);
    if (pending >= 0) this.pending.splice(pending, 1);
    else {
      const at = insertionPoint(this.sorted, child);
      if (this.sorted[at] === child) this.sorted.splice(at, 1);
    }
  }

  /** @internal Called by the tree only. */
  addChild(child: TopicNode): void {
    (this.kids ??= new StringIndex(byName)).set(child);
    if (this.pending === NONE) this.pending = [child];
    else this.pending.push(child);
  }
}

function insertionPoint(sorted: readonly TopicNode[], node: TopicNode): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.key < node.key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What `apply` changed. */
export interface TreeChanges {
  /** How many topics took new statistics (their ancestors' totals changed with them). */
  changed: number;
  /** Topics (nodes with statistics) seen for the first time. */
  added: TopicNode[];
}

/**
 * Topic tree built from `broker.topics()` (snapshot) and the `topics` of `broker.messages` batches (deltas).
 * Both go through `apply`, which keeps the newer statistics per topic, so their order does not matter.
 *
 * Made for 100,000 topics and more: children are sorted once per node and kept sorted, and every node counts the
 * rows its subtree shows (`rows`), kept up to date along one path on each insert, expand or collapse, so the rows of
 * any window of the flattened tree are found without flattening it (`window`).
 */
export class TopicTree {
  readonly root = new TopicNode('', '', null, 0);
  /** Bumped by each `apply` of live traffic; nodes remember it in `activity`. */
  activity = 0;
  private readonly byTopic = new StringIndex((node: TopicNode) => node.path);
  private readonly columns = new FigureColumns();
  /** The topics whose last statistics say they hold a retained message. */
  private readonly retainedNodes = new Set<TopicNode>();
  private watched: ReadonlySet<TopicNode> = new Set();
  /**
   * One string per client id, which the figures share: a flood's topics change publisher all the time, and each
   * parsed copy kept would live on (and be promoted) until the topic's next message.
   */
  private readonly publishers = new StringPool(10_000);
  /** One string per level name, which the nodes share: a fleet's 100,000 topics may end in ten names. */
  private readonly levelNames = new StringPool(100_000);
  private awsHidden = false;

  /**
   * The nodes whose payloads `apply` keeps from now on (the rows on screen); every other node's payload is let go
   * when its next statistics come. A new topic keeps its first payload: its row may be about to show.
   */
  watch(nodes: readonly TopicNode[]): void {
    this.watched = new Set(nodes);
  }

  /**
   * Takes topics' statistics (a slice of the snapshot, or a live batch's); costs a few map reads per topic.
   * `withPayloads` false: the statistics carry no payload (the topic table's), so the nodes' payloads stay unknown.
   */
  apply(list: readonly TopicStats[], live = false, withPayloads = true): TreeChanges {
    let changed = 0;
    const added: TopicNode[] = [];
    if (live) this.activity++;
    for (const stats of list) {
      let node = this.byTopic.get(stats.topic);
      if (!node) {
        node = this.insert(stats.topic);
        this.byTopic.set(node);
        added.push(node);
      }
      const had = node.slot >= 0;
      const before = had ? this.columns.count(node.slot) : 0;
      if (had && stats.count < before && stats.lastTime <= this.columns.lastTime(node.slot)) continue; // older than what we have
      const delta = stats.count - before;
      if (live && (!had || delta !== 0)) node.activity = this.activity;
      if (stats.retained) this.retainedNodes.add(node);
      else if (had && this.columns.retained(node.slot)) this.retainedNodes.delete(node);
      node.payload = withPayloads && (!had || this.watched.has(node)) ? stats.lastPayload : undefined;
      if (!had) node.slot = this.columns.allocate();
      this.columns.take(node.slot, stats, stats.lastPublisher === null ? null : this.publishers.intern(stats.lastPublisher));
      changed++;
      if (delta !== 0) for (let n: TopicNode | null = node; n; n = n.parent) n.total += delta;
    }
    return { changed, added };
  }

  /**
   * The topics at or under `node` that hold a retained message, sorted (`$…` topics left out for the root), at most
   * `max`: read from the set of retained topics the tree keeps, not by walking the subtree.
   */
  retainedUnder(node: TopicNode, max = 10_000): string[] {
    const found: string[] = [];
    const prefix = `${node.path}/`;
    for (const n of this.retainedNodes) {
      if (found.length >= max) break;
      if (node.parent === null ? !n.path.startsWith('$') : n === node || n.path.startsWith(prefix)) found.push(n.path);
    }
    return found.sort();
  }

  /**
   * Forgets topics the engine stopped following (`removed` of a batch): their counts leave the totals, and levels left
   * with neither a topic nor children go. Returns the topics' nodes (their `parent` still leads up the old path).
   */
  remove(topics: readonly string[]): TopicNode[] {
    const gone: TopicNode[] = [];
    for (const topic of topics) {
      const node = this.byTopic.get(topic);
      if (!node) continue;
      this.byTopic.delete(topic);
      this.retainedNodes.delete(node);
      gone.push(node);
      let count = 0;
      if (node.slot >= 0) {
        count = this.columns.count(node.slot);
        this.columns.release(node.slot);
      }
      node.slot = -1;
      node.payload = undefined;
      for (let n: TopicNode | null = node; n; n = n.parent) n.total -= count;
      // Prune the levels that now hold nothing, from this one up.
      let top: TopicNode | null = null;
      for (let n: TopicNode = node; n.parent && !n.isTopic && n.children.size === (top ? 1 : 0); n = n.parent) top = n;
      if (top) {
        this.grow(top.parent!, -top.rows, top);
        top.parent!.removeChild(top);
      }
    }
    return gone;
  }

  /** The last figures of `node`'s topic, as a fresh object (undefined for a level no message was published to). */
  figures(node: TopicNode): TopicFigures | undefined {
    return node.slot >= 0 ? this.columns.read(node.slot) : undefined;
  }

  /** Whether `node`'s topic holds a retained message, as its last figures say. */
  isRetained(node: TopicNode): boolean {
    return node.slot >= 0 && this.columns.retained(node.slot);
  }

  get(topic: string): TopicNode | undefined {
    return this.byTopic.get(topic);
  }

  /** Every topic (node with statistics), in no particular order. */
  topics(): IterableIterator<TopicNode> {
    return this.byTopic.values();
  }

  get size(): number {
    return this.byTopic.size;
  }

  /** Whether `$aws/…` is left out of the rows. */
  get hideAws(): boolean {
    return this.awsHidden;
  }

  set hideAws(hide: boolean) {
    if (hide === this.awsHidden) return;
    this.awsHidden = hide;
    const aws = this.root.children.get('$aws');
    if (aws && this.root.open) this.root.rows += hide ? -aws.rows : aws.rows;
  }

  /** Whether `node` is out of the rows because `$aws` is hidden. */
  isHidden(node: TopicNode): boolean {
    return this.awsHidden && node.isAwsRoot;
  }

  /** Rows the unfiltered tree shows, the root ("All topics") included. */
  get rowCount(): number {
    return this.root.rows;
  }

  /** Expands or collapses `node`, keeping the row counts of its ancestors right. */
  setOpen(node: TopicNode, open: boolean): void {
    if (node.open === open) return;
    node.open = open;
    if (!this.contains(node)) return; // removed meanwhile: nothing shows it

    let rows = 1;
    if (open) for (const child of node.children.values()) if (!this.isHidden(child)) rows += child.rows;
    this.grow(node, rows - node.rows);
  }

  /** Whether `node` is still in the tree (not removed with `remove`). */
  contains(node: TopicNode): boolean {
    for (let n = node; n.parent; n = n.parent) if (n.parent.children.get(n.name) !== n) return false;
    return true;
  }

  /** Opens every ancestor of `node`, so it is among the rows. */
  reveal(node: TopicNode): void {
    const chain: TopicNode[] = [];
    for (let n = node.parent; n; n = n.parent) chain.push(n);
    for (const n of chain.reverse()) this.setOpen(n, true);
  }

  /** Row index of `node` in the unfiltered tree, or -1 when a collapsed ancestor or the `$aws` toggle hides it. */
  indexOf(node: TopicNode): number {
    if (!this.contains(node)) return -1;
    let index = 0;
    for (let n = node; n.parent; n = n.parent) {
      if (!n.parent.open || this.isHidden(n)) return -1;
      index += 1;
      for (const sibling of n.parent.sortedChildren()) {
        if (sibling === n) break;
        if (!this.isHidden(sibling)) index += sibling.rows;
      }
    }
    return index;
  }

  /**
   * The nodes of rows `start` to `end` (exclusive) of the unfiltered tree, in order. Subtrees wholly before the
   * window are skipped by their row counts, so this costs the window plus the siblings passed on the way down.
   */
  window(start: number, end: number): TopicNode[] {
    const out: TopicNode[] = [];
    let skip = Math.max(0, start);
    const count = end - skip;
    if (count <= 0) return out;
    const visit = (node: TopicNode): boolean => {
      if (skip >= node.rows) {
        skip -= node.rows;
        return true;
      }
      if (skip > 0) skip--;
      else out.push(node);
      if (out.length >= count) return false;
      if (node.open) {
        for (const child of node.sortedChildren()) {
          if (this.isHidden(child)) continue;
          if (!visit(child)) return false;
        }
      }
      return true;
    };
    visit(this.root);
    return out;
  }

  private insert(topic: string): TopicNode {
    let node = this.root;
    let created: TopicNode | undefined;
    const levels = topic.split('/');
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      let child = node.children.get(level);
      if (!child) {
        // The topic's own node takes the topic string itself (the map's key), not an equal copy: 100,000 topics, some MB.
        const path = i === levels.length - 1 ? topic : i === 0 ? level : `${node.path}/${level}`;
        child = new TopicNode(this.levelNames.intern(level), path, node, i + 1);
        node.addChild(child);
        created ??= child;
      }
      node = child;
    }
    if (created) {
      this.recount(node, created);
      this.grow(created.parent!, created.rows, created);
    }
    return node;
  }

  /** Sets the row counts of a freshly made chain, from `leaf` up to `top`. */
  private recount(leaf: TopicNode, top: TopicNode): void {
    let below = 0;
    for (let n: TopicNode = leaf; ; n = n.parent!) {
      n.rows = 1 + (n.open ? below : 0);
      below = n.rows;
      if (n === top) break;
    }
  }

  /** Adds `delta` rows to `node` (whose child `from` changed) and to each ancestor that shows it. */
  private grow(node: TopicNode, delta: number, from?: TopicNode): void {
    if (delta === 0) return;
    if (from) {
      if (!node.open || this.isHidden(from)) return;
      node.rows += delta;
    } else {
      node.rows += delta;
    }
    for (let child = node, n = node.parent; n; child = n, n = n.parent) {
      if (!n.open || this.isHidden(child)) return;
      n.rows += delta;
    }
  }
}
