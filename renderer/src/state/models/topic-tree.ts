import type { TopicStats } from '../../../../engine/contract/index.js';

/** One topic level. `stats` is set when a message was published to exactly this path. */
export class TopicNode {
  readonly children = new Map<string, TopicNode>();
  stats: TopicStats | undefined;
  /** Messages on this topic and everything below it. */
  total = 0;

  constructor(readonly name: string, readonly path: string, readonly parent: TopicNode | null, readonly depth: number) {}

  /** The filter that selects this node and its subtree (`#` also matches the parent level in MQTT). */
  get filter(): string {
    return this.parent === null ? '#' : `${this.path}/#`;
  }
}

/**
 * Topic tree built from `broker.topics()` (snapshot) and the `topics` of `broker.messages` batches (deltas).
 * Both go through `apply`, which keeps the newer statistics per topic, so their order does not matter.
 */
export class TopicTree {
  readonly root = new TopicNode('', '', null, 0);
  private readonly byTopic = new Map<string, TopicNode>();

  /** Returns every node whose total, statistics or children changed, ancestors included. */
  apply(list: readonly TopicStats[]): Set<TopicNode> {
    const changed = new Set<TopicNode>();
    for (const stats of list) {
      const node = this.byTopic.get(stats.topic) ?? this.insert(stats.topic, changed);
      const previous = node.stats;
      if (previous && stats.count < previous.count && stats.lastTime <= previous.lastTime) continue; // older than what we have
      node.stats = stats;
      const delta = stats.count - (previous?.count ?? 0);
      for (let n: TopicNode | null = node; n; n = n.parent) {
        n.total += delta;
        changed.add(n);
      }
    }
    return changed;
  }

  get(topic: string): TopicNode | undefined {
    return this.byTopic.get(topic);
  }

  get size(): number {
    return this.byTopic.size;
  }

  private insert(topic: string, changed: Set<TopicNode>): TopicNode {
    let node = this.root;
    const levels = topic.split('/');
    levels.forEach((level, i) => {
      let child = node.children.get(level);
      if (!child) {
        child = new TopicNode(level, levels.slice(0, i + 1).join('/'), node, i + 1);
        node.children.set(level, child);
        changed.add(node);
        changed.add(child);
      }
      node = child;
    });
    this.byTopic.set(topic, node);
    return node;
  }
}
