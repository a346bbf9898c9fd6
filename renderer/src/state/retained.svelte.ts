import type { ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import type { TopicNode } from './models/topic-tree.js';

/**
 * Deleting retained messages with `broker.deleteRetained`, as MQTT does (an empty retained publish per topic, the
 * way AWS IoT deletes one too): one topic's, or every one at and under a node.
 */
export class RetainedStore {
  busy = $state(false);
  /** The last deletion's outcome, for the view. */
  result = $state<{ ok: boolean; text: string } | null>(null);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Deletes `topic`'s retained message. */
  async deleteOne(topic: string): Promise<boolean> {
    return this.run(async () => this.client.broker.deleteRetained(topic));
  }

  /** Deletes every retained message at and under `node` (under each top level but `$…` for the root). */
  async deleteUnder(node: TopicNode): Promise<boolean> {
    const roots = node.parent ? [node.path] : [...node.children.values()].filter((c) => !c.name.startsWith('$')).map((c) => c.path);
    return this.run(async () => {
      const cleared: string[] = [];
      for (const root of roots) cleared.push(...(await this.client.broker.deleteRetained(root, { subtree: true })));
      return cleared;
    });
  }

  private async run(work: () => Promise<string[]>): Promise<boolean> {
    this.busy = true;
    this.result = null;
    try {
      const cleared = await work();
      this.result = {
        ok: true,
        text: cleared.length === 0 ? 'There was no retained message to delete.'
          : cleared.length === 1 ? `Deleted the retained message of ${cleared[0]}.` : `Deleted ${cleared.length} retained messages.`,
      };
      return true;
    } catch (err) {
      this.result = { ok: false, text: `Could not delete: ${err instanceof Error ? err.message : String(err)}` };
      this.connection.reportError('Could not delete a retained message')(err);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
