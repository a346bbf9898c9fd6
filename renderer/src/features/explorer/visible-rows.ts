import type { TopicNode } from '../../state/models/topic-tree.js';

/** Levels this deep start expanded; deeper ones start collapsed so big trees stay readable. */
export const EXPANDED_DEPTH = 3;
const byName = (a: TopicNode, b: TopicNode) => a.name.localeCompare(b.name, undefined, { numeric: true });

/** Whether `node` shows its children: the user's choice, else expanded down to EXPANDED_DEPTH. */
export function isOpen(node: TopicNode, toggled: ReadonlyMap<string, boolean>): boolean {
  return toggled.get(node.path) ?? node.depth < EXPANDED_DEPTH;
}

/**
 * One row as shown now. Rows are fresh objects on every change, because the tree's nodes are mutated in place and a
 * view only re-renders a row whose item changed.
 */
export interface TopicRow {
  node: TopicNode;
  total: number;
  stats: TopicNode['stats'];
  open: boolean;
}

/** The rows a tree shows, in order: the root, then each open node's children sorted by name (numbers numerically). */
export function visibleRows(root: TopicNode, toggled: ReadonlyMap<string, boolean>): TopicRow[] {
  const rows: TopicRow[] = [];
  const walk = (node: TopicNode) => {
    const open = isOpen(node, toggled);
    rows.push({ node, total: node.total, stats: node.stats, open });
    if (node.children.size && open) [...node.children.values()].sort(byName).forEach(walk);
  };
  walk(root);
  return rows;
}
