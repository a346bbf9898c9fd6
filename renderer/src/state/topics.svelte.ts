import type { MessageBatch, MessageRecord, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { perFrame } from './frame.js';
import { MessageStore } from './models/message-store.js';
import { TopicTree, type TopicNode } from './models/topic-tree.js';

/** How many messages the list keeps and asks the history for. */
const LIST_SIZE = 500;

/**
 * The topic tree and the message list of the selected subtree, fed by the `broker.topics` snapshot and the live
 * `broker.messages` batches (subscribed first, so nothing published in between is missed; both merge idempotently).
 * The models are plain objects; `version` and `messages` change at most once per frame, which is what views watch.
 */
export class TopicsStore {
  readonly tree = new TopicTree();
  /** Bumped when the tree changed; read it in a `$derived` to recompute what a view shows from `tree`. */
  version = $state(0);
  messages = $state.raw<readonly MessageRecord[]>([]);
  selected = $state.raw<TopicNode>(this.tree.root);
  message = $state.raw<MessageRecord | null>(null);
  /** Why the detail shows a preview instead of the full payload, if it does. */
  messageNote = $state('');
  private readonly list = new MessageStore(LIST_SIZE);
  private treeDirty = false;
  private listDirty = false;
  private readonly schedule = perFrame(() => this.flush());

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {
    client.on('broker.messages', (batch: MessageBatch) => {
      if (this.tree.apply(batch.topics).size) this.treeDirty = true;
      if (this.list.merge(batch.messages)) this.listDirty = true;
      this.schedule();
    });
    client.broker.topics().then((topics) => {
      this.tree.apply(topics);
      this.treeDirty = true;
      this.schedule();
    }, connection.reportError('Could not load the topics'));
    void this.select(this.tree.root);
  }

  get filter(): string {
    return this.list.filter;
  }

  /** Shows the messages of `node` and its subtree: live ones from now on, and the history. */
  async select(node: TopicNode): Promise<void> {
    this.selected = node;
    const filter = node.filter;
    this.list.reset(filter);
    this.listDirty = true;
    this.schedule();
    try {
      const history = await this.client.broker.messages({ filter, limit: LIST_SIZE });
      if (this.list.filter !== filter) return; // another topic was chosen meanwhile
      if (this.list.merge(history)) this.listDirty = true;
      this.schedule();
    } catch (err) {
      this.connection.reportError('Could not load the message history')(err);
    }
  }

  /** Opens a message in the detail pane, fetching the full payload when the list holds only a preview. */
  async open(message: MessageRecord | null): Promise<void> {
    this.message = message;
    this.messageNote = '';
    if (!message?.truncated) return;
    try {
      const full = await this.client.broker.message(message.id);
      if (this.message?.id !== message.id) return;
      this.message = full ?? message;
      this.messageNote = full ? '' : 'This message has left the history; showing its preview.';
    } catch (err) {
      this.connection.reportError('Could not load the full payload')(err);
    }
  }

  private flush(): void {
    if (this.treeDirty) this.version++;
    if (this.listDirty) this.messages = this.list.messages;
    this.treeDirty = this.listDirty = false;
  }
}
