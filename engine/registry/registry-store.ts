/**
 * Registry rows in the storage layer (migration 0005). Reads are synchronous against the in-memory database;
 * writes resolve once journaled and fsynced, so the control plane answers only after a change is durable.
 */
import type { Statement, Store } from '../storage/index.js';

export interface ThingRow {
  name: string;
  id: string;
  type: string | null;
  attributes: Record<string, string>;
  version: number;
  created: number;
  updated: number;
}

export interface ThingTypeRow {
  name: string;
  id: string;
  description: string | null;
  searchable: string[];
  deprecatedAt: number | null;
  created: number;
}

export interface ThingGroupRow {
  name: string;
  id: string;
  parent: string | null;
  description: string | null;
  attributes: Record<string, string>;
  version: number;
  created: number;
  /** A dynamic group's fleet-indexing query (null: a static group), its query version and index (migration 0018). */
  query: string | null;
  queryVersion: string | null;
  indexName: string | null;
}

export interface ThingFilter {
  type?: string;
  attributeName?: string;
  attributeValue?: string;
  /** attributeValue is a prefix. */
  prefix?: boolean;
}

type RawThing = Omit<ThingRow, 'attributes'> & { attributes: string };
type RawType = { name: string; id: string; description: string | null; searchable: string; deprecated_at: number | null; created: number };
type RawGroup = Omit<ThingGroupRow, 'attributes' | 'queryVersion' | 'indexName'> & { attributes: string; query_version: string | null; index_name: string | null };

const thing = (r: RawThing): ThingRow => ({ ...r, attributes: JSON.parse(r.attributes) as Record<string, string> });
const thingType = (r: RawType): ThingTypeRow => ({
  name: r.name, id: r.id, description: r.description, searchable: JSON.parse(r.searchable) as string[], deprecatedAt: r.deprecated_at, created: r.created,
});
const group = (r: RawGroup): ThingGroupRow => ({
  name: r.name, id: r.id, parent: r.parent, description: r.description, attributes: JSON.parse(r.attributes) as Record<string, string>,
  version: r.version, created: r.created, query: r.query ?? null, queryVersion: r.query_version ?? null, indexName: r.index_name ?? null,
});

const THING_COLUMNS = 'name, id, type, attributes, version, created, updated';

export class RegistryStore {
  constructor(private readonly store: Store) {}

  write(statements: Statement[]): Promise<void> {
    return this.store.write(statements);
  }

  // ── things ──
  thing(name: string): ThingRow | undefined {
    const r = this.store.get<RawThing>(`SELECT ${THING_COLUMNS} FROM things WHERE name = ?`, [name]);
    return r && thing(r);
  }

  /** Things by name after `after` (exclusive), filtered; attribute filters are applied here, on the decoded map. */
  things(filter: ThingFilter, limit: number, after = ''): ThingRow[] {
    const rows = filter.type !== undefined
      ? this.store.all<RawThing>(`SELECT ${THING_COLUMNS} FROM things WHERE type = ? AND name > ? ORDER BY name`, [filter.type, after])
      : this.store.all<RawThing>(`SELECT ${THING_COLUMNS} FROM things WHERE name > ? ORDER BY name`, [after]);
    const out: ThingRow[] = [];
    for (const raw of rows) {
      const t = thing(raw);
      if (filter.attributeName !== undefined && !attributeMatches(t.attributes, filter)) continue;
      out.push(t);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Every thing, by name (fleet search walks them all). */
  allThings(after = ''): Iterable<ThingRow> {
    return this.store.all<RawThing>(`SELECT ${THING_COLUMNS} FROM things WHERE name > ? ORDER BY name`, [after]).map(thing);
  }

  putThing(t: ThingRow): Statement {
    return {
      sql: `INSERT OR REPLACE INTO things (${THING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      params: [t.name, t.id, t.type, JSON.stringify(t.attributes), t.version, t.created, t.updated],
    };
  }

  deleteThing(name: string): Statement[] {
    return [
      { sql: 'DELETE FROM things WHERE name = ?', params: [name] },
      { sql: 'DELETE FROM thing_group_members WHERE thing = ?', params: [name] },
    ];
  }

  countThingsOfType(type: string): number {
    return this.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM things WHERE type = ?', [type])?.n ?? 0;
  }

  // ── thing types ──
  thingType(name: string): ThingTypeRow | undefined {
    const r = this.store.get<RawType>('SELECT * FROM thing_types WHERE name = ?', [name]);
    return r && thingType(r);
  }

  thingTypes(limit: number, after = '', name?: string): ThingTypeRow[] {
    const rows = name !== undefined
      ? this.store.all<RawType>('SELECT * FROM thing_types WHERE name = ? AND name > ? ORDER BY name LIMIT ?', [name, after, limit])
      : this.store.all<RawType>('SELECT * FROM thing_types WHERE name > ? ORDER BY name LIMIT ?', [after, limit]);
    return rows.map(thingType);
  }

  putThingType(t: ThingTypeRow): Statement {
    return {
      sql: 'INSERT OR REPLACE INTO thing_types (name, id, description, searchable, deprecated_at, created) VALUES (?, ?, ?, ?, ?, ?)',
      params: [t.name, t.id, t.description, JSON.stringify(t.searchable), t.deprecatedAt, t.created],
    };
  }

  deleteThingType(name: string): Statement {
    return { sql: 'DELETE FROM thing_types WHERE name = ?', params: [name] };
  }

  // ── thing groups ──
  group(name: string): ThingGroupRow | undefined {
    const r = this.store.get<RawGroup>('SELECT * FROM thing_groups WHERE name = ?', [name]);
    return r && group(r);
  }

  groups(limit: number, after = '', opts: { parent?: string; prefix?: string } = {}): ThingGroupRow[] {
    const where = ['name > ?'];
    const params: (string | number)[] = [after];
    if (opts.parent !== undefined) {
      where.push('parent = ?');
      params.push(opts.parent);
    }
    if (opts.prefix !== undefined) {
      where.push('substr(name, 1, ?) = ?');
      params.push(opts.prefix.length, opts.prefix);
    }
    params.push(limit);
    return this.store.all<RawGroup>(`SELECT * FROM thing_groups WHERE ${where.join(' AND ')} ORDER BY name LIMIT ?`, params).map(group);
  }

  /** Every dynamic group (those with a query), oldest first. */
  dynamicGroups(): ThingGroupRow[] {
    return this.store.all<RawGroup>('SELECT * FROM thing_groups WHERE query IS NOT NULL ORDER BY created, name').map(group);
  }

  childGroups(parent: string): string[] {
    return this.store.all<{ name: string }>('SELECT name FROM thing_groups WHERE parent = ? ORDER BY name', [parent]).map((r) => r.name);
  }

  putGroup(g: ThingGroupRow): Statement {
    return {
      sql: 'INSERT OR REPLACE INTO thing_groups (name, id, parent, description, attributes, version, created, query, query_version, index_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      params: [g.name, g.id, g.parent, g.description, JSON.stringify(g.attributes), g.version, g.created, g.query, g.queryVersion, g.indexName],
    };
  }

  deleteGroup(name: string): Statement[] {
    return [
      { sql: 'DELETE FROM thing_groups WHERE name = ?', params: [name] },
      { sql: 'DELETE FROM thing_group_members WHERE grp = ?', params: [name] },
    ];
  }

  // ── membership ──
  isMember(groupName: string, thingName: string): boolean {
    return this.store.get('SELECT 1 AS x FROM thing_group_members WHERE grp = ? AND thing = ?', [groupName, thingName]) !== undefined;
  }

  members(groups: string[], limit: number, after = ''): string[] {
    if (groups.length === 0) return [];
    const marks = groups.map(() => '?').join(', ');
    return this.store.all<{ thing: string }>(
      `SELECT DISTINCT thing FROM thing_group_members WHERE grp IN (${marks}) AND thing > ? ORDER BY thing LIMIT ?`, [...groups, after, limit],
    ).map((r) => r.thing);
  }

  groupsOf(thingName: string): string[] {
    return this.store.all<{ grp: string }>('SELECT grp FROM thing_group_members WHERE thing = ? ORDER BY grp', [thingName]).map((r) => r.grp);
  }

  addMember(groupName: string, thingName: string): Statement {
    return { sql: 'INSERT OR IGNORE INTO thing_group_members (grp, thing) VALUES (?, ?)', params: [groupName, thingName] };
  }

  removeMember(groupName: string, thingName: string): Statement {
    return { sql: 'DELETE FROM thing_group_members WHERE grp = ? AND thing = ?', params: [groupName, thingName] };
  }

  /** The things of static groups (rows of thing_group_members), in name order. */
  staticMembers(groupName: string): string[] {
    return this.store.all<{ thing: string }>('SELECT thing FROM thing_group_members WHERE grp = ? ORDER BY thing', [groupName]).map((r) => r.thing);
  }

  // ── event configuration (migration 0018) ──
  eventConfiguration(): { enabled: string[]; created?: number; modified?: number } {
    const enabled = this.store.all<{ type: string }>('SELECT type FROM registry_event_configuration WHERE enabled = 1 ORDER BY type').map((r) => r.type);
    const dates = this.store.get<{ created: number; modified: number }>('SELECT created, modified FROM registry_event_configuration_dates WHERE id = 1');
    return { enabled, created: dates?.created, modified: dates?.modified };
  }

  putEventConfiguration(settings: [string, boolean][], created: number, modified: number): Statement[] {
    return [
      ...settings.map(([type, on]): Statement => ({ sql: 'INSERT OR REPLACE INTO registry_event_configuration (type, enabled) VALUES (?, ?)', params: [type, on ? 1 : 0] })),
      { sql: 'INSERT OR REPLACE INTO registry_event_configuration_dates (id, created, modified) VALUES (1, ?, ?)', params: [created, modified] },
    ];
  }

  // ── principals ──
  principalsOf(thingName: string, limit = Number.MAX_SAFE_INTEGER, after = ''): string[] {
    return this.store.all<{ principal: string }>(
      'SELECT principal FROM thing_principals WHERE thing = ? AND principal > ? ORDER BY principal LIMIT ?', [thingName, after, limit],
    ).map((r) => r.principal);
  }

  thingsOf(principal: string, limit = Number.MAX_SAFE_INTEGER, after = ''): Array<{ thing: string; exclusive: boolean }> {
    return this.store.all<{ thing: string; exclusive: number }>(
      'SELECT thing, exclusive FROM thing_principals WHERE principal = ? AND thing > ? ORDER BY thing LIMIT ?', [principal, after, limit],
    ).map((r) => ({ thing: r.thing, exclusive: r.exclusive === 1 }));
  }

  attach(thingName: string, principal: string, exclusive: boolean, now: number): Statement {
    return {
      sql: 'INSERT OR REPLACE INTO thing_principals (thing, principal, exclusive, created) VALUES (?, ?, ?, ?)',
      params: [thingName, principal, exclusive ? 1 : 0, now],
    };
  }

  detach(thingName: string, principal: string): Statement {
    return { sql: 'DELETE FROM thing_principals WHERE thing = ? AND principal = ?', params: [thingName, principal] };
  }
}

function attributeMatches(attributes: Record<string, string>, f: ThingFilter): boolean {
  if (!Object.hasOwn(attributes, f.attributeName!)) return false;
  if (f.attributeValue === undefined) return true;
  const v = attributes[f.attributeName!];
  return f.prefix ? v.startsWith(f.attributeValue) : v === f.attributeValue;
}
