import { h, setText } from './dom.js';
import { formatCount, payloadPreview } from './format.js';
import type { TopicNode, TopicTree } from './topic-tree.js';

interface NodeView {
  li: HTMLLIElement;
  row: HTMLElement;
  caret: HTMLButtonElement;
  count: HTMLElement;
  preview: HTMLElement;
  children: HTMLUListElement;
}

/** Levels this deep start expanded; deeper ones start collapsed so big trees stay readable. */
const EXPANDED_DEPTH = 3;
const byName = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/** Renders a `TopicTree` incrementally: only nodes reported as changed are touched. */
export class TopicTreeView {
  readonly element: HTMLElement;
  private readonly views = new Map<TopicNode, NodeView>();
  private selected: TopicNode;

  constructor(private readonly tree: TopicTree, private readonly onSelect: (node: TopicNode) => void) {
    const rootView = this.createView(tree.root);
    this.element = h('nav', { class: 'tree', testid: 'topic-tree', 'aria-label': 'Topics' }, h('ul', { class: 'tree-root' }, rootView.li));
    this.selected = tree.root;
    rootView.row.classList.add('selected');
  }

  update(changed: Iterable<TopicNode>): void {
    for (const node of changed) this.refresh(node);
  }

  select(node: TopicNode): void {
    this.views.get(this.selected)?.row.classList.remove('selected');
    this.selected = node;
    this.views.get(node)?.row.classList.add('selected');
  }

  private refresh(node: TopicNode): void {
    const view = this.views.get(node) ?? this.createView(node);
    setText(view.count, formatCount(node.total));
    view.row.classList.toggle('has-children', node.children.size > 0);
    if (node.stats) {
      setText(view.preview, payloadPreview(node.stats.lastPayload, false, 40));
      view.row.title = `${node.path}\n${node.stats.count} message(s), ${node.stats.rate.toFixed(1)}/s${node.stats.retained ? ', retained' : ''}`;
    }
  }

  private createView(node: TopicNode): NodeView {
    const isRoot = node.parent === null;
    const caret = h('button', { type: 'button', class: 'caret', 'aria-label': 'Expand or collapse', tabindex: -1 });
    const label = isRoot ? 'All topics' : node.name === '' ? '∅' : node.name;
    const name = h('span', { class: node.name === '' && !isRoot ? 'name empty-level' : 'name' }, label);
    const preview = h('span', { class: 'preview' });
    const count = h('span', { class: 'count', testid: 'topic-count' }, '0');
    const row = h('div', {
      class: 'topic-row', role: 'treeitem', tabindex: 0, testid: isRoot ? 'topic-all' : 'topic-node', 'data-topic': isRoot ? undefined : node.path,
    }, caret, name, preview, count);
    row.style.setProperty('--depth', String(node.depth));
    const children = h('ul', { class: 'topic-children', role: 'group' });
    const li = h('li', { class: node.depth <= EXPANDED_DEPTH ? 'topic' : 'topic collapsed', 'data-name': node.name }, row, children);

    caret.addEventListener('click', (e) => {
      e.stopPropagation();
      li.classList.toggle('collapsed');
    });
    row.addEventListener('click', () => this.onSelect(node));
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.onSelect(node); }
      if (e.key === 'ArrowRight') li.classList.remove('collapsed');
      if (e.key === 'ArrowLeft') li.classList.add('collapsed');
    });

    const view = { li, row, caret, count, preview, children };
    this.views.set(node, view);
    if (node.parent) this.insertSorted(this.views.get(node.parent) ?? this.createView(node.parent), node, li);
    return view;
  }

  /** Siblings are kept sorted in the DOM, so a binary search over them finds the place. */
  private insertSorted(parent: NodeView, node: TopicNode, li: HTMLLIElement): void {
    const siblings = parent.children.children;
    let lo = 0;
    let hi = siblings.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byName((siblings[mid] as HTMLElement).dataset.name ?? '', node.name) < 0) lo = mid + 1;
      else hi = mid;
    }
    parent.children.insertBefore(li, siblings[lo] ?? null);
  }
}
