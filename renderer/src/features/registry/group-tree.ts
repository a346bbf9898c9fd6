import type { ThingGroupInfo } from '../../../../engine/contract/index.js';

export interface GroupRow {
  group: ThingGroupInfo;
  depth: number;
  children: number;
}

/** Groups in tree order (each parent before its children, siblings by name), with their depth. */
export function groupTree(groups: readonly ThingGroupInfo[]): GroupRow[] {
  const names = new Set(groups.map((g) => g.name));
  const children = new Map<string | null, ThingGroupInfo[]>();
  for (const g of groups) {
    // A parent not in the list (it should not happen) puts the group at the root rather than losing it.
    const parent = g.parent !== null && names.has(g.parent) ? g.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), g]);
  }
  const rows: GroupRow[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const g of (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
      rows.push({ group: g, depth, children: children.get(g.name)?.length ?? 0 });
      walk(g.name, depth + 1);
    }
  };
  walk(null, 0);
  return rows;
}
