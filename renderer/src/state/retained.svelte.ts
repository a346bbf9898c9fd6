import type { ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import type { TopicNode } from './models/topic-tree.js';

/**
 * Deleting retained messages, as MQTT does: a retained publish with an empty payload on each topic (AWS IoT deletes
 * a topic's retained message the same way). A subtree is every topic under a node whose retained message is stored.
 */
export class RetainedStore {
  busy = $state(false);
  /** The last deletion's outcome, for the view. */
  result = $state<{ ok: boolean; text: string } | null>(null);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** The topics at or under `node` that hold a retained message, as the tree last heard. */
  under(node: TopicNode, max = 10_000): string[] {
    const found: string[] = [];
    const stack = [node];
    while (stack.length && found.length < max) {
      const n = stack.pop()!;
      if (n.stats?.retained) found.push(n.path);
      for (const c of n.children.values()) stack.push(c);
    }
    return found.sort();
  }

  async delete(topics: readonly string[]): Promise<boolean> {
    this.busy = true;
    this.result = null;
    let done = 0;
    try {
      for (const topic of topics) {
        await this.client.broker.publish({ topic, payload: '', qos: 1, retain: true });
        done++;
      }
      this.result = { ok: true, text: done === 1 ? `Deleted the retained message of ${topics[0]}` : `Deleted ${done} retained messages` };
      return true;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.result = { ok: false, text: `Deleted ${done} of ${topics.length}; ${topics[done]}: ${why}` };
      this.connection.reportError('Could not delete a retained message')(err);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
