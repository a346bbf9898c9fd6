import { createClient, type MessageBatch, type MessageRecord, type ThingbenchClient } from '../../engine/contract/index.js';
import type { Connection } from './connect.js';
import { showDesktopNotifications } from './desktop-notifications.js';
import { h, setText } from './dom.js';
import { HeaderView } from './header-view.js';
import { MessageDetailView } from './message-detail-view.js';
import { MessageListView } from './message-list-view.js';
import { MessageStore } from './message-store.js';
import { StatusBarView } from './status-bar-view.js';
import { TopicTree, type TopicNode } from './topic-tree.js';
import { TopicTreeView } from './topic-tree-view.js';

/** How many messages the list keeps and asks the history for. */
const LIST_SIZE = 500;

/**
 * Wires the views to the engine: subscribe to live batches first, then load the snapshots (topics, history),
 * so nothing published in between is missed; both paths merge idempotently.
 */
export function startApp(root: HTMLElement, connection: Connection): ThingbenchClient {
  const client = createClient(connection.transport);
  showDesktopNotifications(client, connection.host);
  const tree = new TopicTree();
  const store = new MessageStore(LIST_SIZE);
  let dropped = 0;
  let selected: MessageRecord | null = null;

  const header = new HeaderView(connection.host);
  const treeView = new TopicTreeView(tree, (node) => void selectTopic(node));
  const list = new MessageListView((message) => void selectMessage(message));
  const detail = new MessageDetailView(() => void selectMessage(null));
  const status = new StatusBarView();
  const filterLabel = h('span', { class: 'filter-value', testid: 'message-filter' }, 'all topics');
  const clearFilter = h('button', { type: 'button', class: 'link-button', testid: 'clear-filter', hidden: true }, 'show all');
  clearFilter.addEventListener('click', () => void selectTopic(tree.root));

  root.replaceChildren(
    header.element,
    h('main', { class: 'workspace' },
      h('aside', { class: 'sidebar' }, h('div', { class: 'pane-title' }, 'Topics'), treeView.element),
      h('div', { class: 'content' },
        h('div', { class: 'pane-title' }, 'Messages', h('span', { class: 'filter' }, filterLabel, clearFilter)),
        list.element,
        detail.element)),
    status.element,
  );

  // Renders at most once per frame however many batches arrive.
  const pendingTreeChanges = new Set<TopicNode>();
  let listDirty = false;
  let frame = 0;
  const scheduleRender = () => {
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      treeView.update(pendingTreeChanges);
      pendingTreeChanges.clear();
      if (listDirty) list.render(store.messages);
      listDirty = false;
      status.setCounts(tree.size, store.messages.length, dropped);
    });
  };
  const applyTopics = (changes: Set<TopicNode>) => {
    changes.forEach((n) => pendingTreeChanges.add(n));
    scheduleRender();
  };
  const showError = (what: string) => (err: unknown) => status.setError(`${what}: ${err instanceof Error ? err.message : String(err)}`);

  client.on('broker.messages', (batch: MessageBatch) => {
    applyTopics(tree.apply(batch.topics));
    dropped += batch.dropped;
    listDirty = store.merge(batch.messages) || listDirty;
    scheduleRender();
  });

  async function selectTopic(node: TopicNode): Promise<void> {
    treeView.select(node);
    const filter = node.filter;
    store.reset(filter);
    setText(filterLabel, node.parent ? filter : 'all topics');
    clearFilter.hidden = node.parent === null;
    listDirty = true;
    scheduleRender();
    try {
      const history = await client.broker.messages({ filter, limit: LIST_SIZE });
      if (store.filter !== filter) return; // another topic was chosen meanwhile
      listDirty = store.merge(history) || listDirty;
      scheduleRender();
    } catch (err) {
      showError('Could not load the message history')(err);
    }
  }

  async function selectMessage(message: MessageRecord | null): Promise<void> {
    selected = message;
    list.select(message?.id ?? null);
    detail.show(message);
    if (!message?.truncated) return;
    try {
      const full = await client.broker.message(message.id);
      if (selected?.id !== message.id) return;
      detail.show(full ?? message, full ? '' : 'This message has left the history; showing its preview.');
    } catch (err) {
      showError('Could not load the full payload')(err);
    }
  }

  header.setState(connection.state());
  connection.onStateChange((state) => {
    header.setState(state);
    if (state === 'closed') client.dispose();
  });

  client.engine.info().then((info) => header.setInfo(info), showError('Could not read the engine info'));
  client.broker.topics().then((topics) => applyTopics(tree.apply(topics)), showError('Could not load the topics'));
  void selectTopic(tree.root);
  return client;
}
