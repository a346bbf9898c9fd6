/**
 * Dynamic thing groups' membership [DG:dynamic-thing-groups]: each group is a parsed fleet-indexing query; its members
 * are the things whose index document matches it. Membership is held in memory, built when a group is created or its
 * query changes and rebuilt from the stored groups at start; after that only the thing that changed is evaluated,
 * and only against the groups whose query can see the change (a shadow update touches the groups that query
 * `shadow.…`, a connect the groups that query `connectivity.…`, a registry change every group).
 *
 * AWS's limit of groups per thing holds across static and dynamic groups: a thing whose static groups leave room for
 * n more is in the n oldest dynamic groups it matches [DG:dynamic-thing-groups "Older dynamic thing groups take
 * priority over newer ones"].
 *
 * LIMITATIONS:
 * - Membership follows changes at once (AWS: eventually, with BUILDING/REBUILDING while it backfills), so a group is
 *   always ACTIVE.
 * - `thingGroupNames` in a dynamic group's query sees the thing's static groups only.
 * - A thing that loses a dynamic group to the per-thing limit is not logged (AWS logs an error and counts the
 *   AddThingToDynamicThingGroupsFailed metric).
 */
import type { FleetQuery } from './fleet-query.js';
import { matches, type IndexedThing } from './fleet-match.js';

/** What a change can affect: `registry` (attributes, type, static groups, creation) reaches every group. */
export type ChangeScope = 'registry' | 'shadow' | 'connectivity';

interface Entry {
  query: FleetQuery;
  created: number;
  scopes: Set<ChangeScope>;
  members: Set<string>;
}

export interface DynamicChange {
  group: string;
  thing: string;
  change: 'added' | 'removed';
}

/** The fields a query reads. */
export function queryFields(query: FleetQuery, out: string[] = []): string[] {
  switch (query.kind) {
    case 'all': return out;
    case 'and': case 'or': for (const q of query.items) queryFields(q, out); return out;
    case 'not': return queryFields(query.item, out);
    default: out.push(query.field); return out;
  }
}

function scopesOf(query: FleetQuery): Set<ChangeScope> {
  const scopes = new Set<ChangeScope>(['registry']);
  for (const f of queryFields(query)) {
    if (f.startsWith('shadow.')) scopes.add('shadow');
    else if (f.startsWith('connectivity.')) scopes.add('connectivity');
  }
  return scopes;
}

export class DynamicMembership {
  private readonly groups = new Map<string, Entry>();
  private readonly byThing = new Map<string, Set<string>>();

  /**
   * @param doc the thing's index document, or undefined when no such thing exists
   * @param maxGroups the groups a thing may be in, static (its document's `thingGroupNames`) and dynamic together
   */
  constructor(
    private readonly doc: (thing: string) => IndexedThing | undefined,
    private readonly maxGroups: number,
  ) {}

  isDynamic(group: string): boolean {
    return this.groups.has(group);
  }

  get size(): number {
    return this.groups.size;
  }

  members(group: string): string[] {
    return [...(this.groups.get(group)?.members ?? [])].sort();
  }

  has(group: string, thing: string): boolean {
    return this.groups.get(group)?.members.has(thing) ?? false;
  }

  groupsOf(thing: string): string[] {
    return [...(this.byThing.get(thing) ?? [])].sort();
  }

  /** Defines (or redefines) a group and evaluates every thing against it; returns the membership changes. */
  define(group: string, query: FleetQuery, created: number, things: Iterable<string>): DynamicChange[] {
    const existing = this.groups.get(group);
    this.groups.set(group, { query, created, scopes: scopesOf(query), members: existing?.members ?? new Set() });
    const changes: DynamicChange[] = [];
    const seen = new Set<string>();
    for (const thing of things) {
      seen.add(thing);
      changes.push(...this.evaluate(thing, 'registry', group));
    }
    // Members that are no longer things at all (none expected: deletions leave through `forget`).
    for (const thing of existing?.members ?? []) if (!seen.has(thing)) changes.push(...this.evaluate(thing, 'registry', group));
    return changes;
  }

  /** Removes a group; its members leave it. */
  drop(group: string): DynamicChange[] {
    const entry = this.groups.get(group);
    if (!entry) return [];
    this.groups.delete(group);
    const changes: DynamicChange[] = [];
    for (const thing of [...entry.members].sort()) {
      this.unlink(group, thing);
      changes.push({ group, thing, change: 'removed' });
    }
    return changes;
  }

  /** A thing was deleted: it leaves every dynamic group. */
  forget(thing: string): DynamicChange[] {
    const changes: DynamicChange[] = [];
    for (const group of this.groupsOf(thing)) {
      this.groups.get(group)?.members.delete(thing);
      changes.push({ group, thing, change: 'removed' });
    }
    this.byThing.delete(thing);
    return changes;
  }

  /**
   * Re-evaluates one thing against the groups a change of `scope` can affect (or against `only` that group); returns
   * the membership changes. The other groups keep the thing as they have it, within the per-thing limit.
   */
  evaluate(thing: string, scope: ChangeScope, only?: string): DynamicChange[] {
    if (only === undefined ? !this.affects(scope) : !this.groups.has(only)) return [];
    const doc = this.doc(thing);
    if (!doc) return this.forget(thing);
    // Which groups the thing qualifies for: the affected ones by their query, the others as they stand.
    const eligible: Array<[string, Entry]> = [];
    for (const [name, entry] of this.groups) {
      const affected = only === undefined ? entry.scopes.has(scope) : name === only;
      const ok = affected ? matches(entry.query, doc) : entry.members.has(thing);
      if (ok) eligible.push([name, entry]);
    }
    const room = Math.max(0, this.maxGroups - doc.thingGroupNames.length);
    if (eligible.length > room) eligible.sort(([an, a], [bn, b]) => a.created - b.created || (an < bn ? -1 : 1));
    const keep = new Set<string>();
    for (let i = 0; i < eligible.length && i < room; i++) keep.add(eligible[i][0]);
    const changes: DynamicChange[] = [];
    for (const [name, entry] of this.groups) {
      const was = entry.members.has(thing);
      const is = keep.has(name);
      if (was === is) continue;
      if (is) {
        entry.members.add(thing);
        let set = this.byThing.get(thing);
        if (!set) this.byThing.set(thing, (set = new Set()));
        set.add(name);
      } else {
        this.unlink(name, thing);
      }
      changes.push({ group: name, thing, change: is ? 'added' : 'removed' });
    }
    return changes;
  }

  /** True when some group's query can see a change of this scope. */
  private affects(scope: ChangeScope): boolean {
    for (const entry of this.groups.values()) if (entry.scopes.has(scope)) return true;
    return false;
  }

  private unlink(group: string, thing: string): void {
    this.groups.get(group)?.members.delete(thing);
    const set = this.byThing.get(thing);
    set?.delete(group);
    if (set?.size === 0) this.byThing.delete(thing);
  }
}
