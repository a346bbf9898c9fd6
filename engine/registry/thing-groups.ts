/**
 * Thing groups [DG:thing-groups, DG:dynamic-thing-groups]: static groups (hierarchy depth ≤ 7, attributes, explicit
 * membership) and dynamic groups (a fleet-indexing query on `AWS_Things`; membership in `dynamic-groups.ts`). A thing
 * is in at most 10 groups of both kinds together.
 *
 * `events` emits `membership` for every change of any group's members: AddThingToThingGroup/RemoveThingFromThingGroup,
 * a deleted thing or group, and dynamic membership following the registry, shadows and connectivity. The same changes
 * are published as THING_GROUP_MEMBERSHIP registry events when those are enabled.
 *
 * LIMITATIONS:
 * - No billing groups; policies attach to groups through security (which does not refuse dynamic groups).
 * - A static-group call on a dynamic group answers AWS's observed message; AWS's message for a dynamic-group call on a
 *   static group is not documented (ours mirrors it).
 * - UpdateThingGroupsForThing checks every group first, then applies the removals and additions one by one (each
 *   durable), not as one change.
 */
import { randomUUID } from 'node:crypto';
import { EngineError, TypedEmitter, iotArn, type Clock } from '../core/index.js';
import type { RegistryPage, ThingGroupInfo } from '../contract/index.js';
import { MAX_GROUP_DEPTH, MAX_GROUPS_PER_THING, validateAttributes, validateDescription, validateName } from './names.js';
import type { RegistryStore, ThingGroupRow } from './registry-store.js';
import type { RegistryEvents } from './registry-types.js';
import type { RegistryEventPublisher } from './registry-events.js';
import { parseFleetQuery } from './fleet-query.js';
import type { IndexedThing } from './fleet-match.js';
import { DynamicMembership, type ChangeScope, type DynamicChange } from './dynamic-groups.js';

const notFound = (message: string) => new EngineError('NotFound', message);
const invalid = (message: string) => new EngineError('InvalidInput', message);
/** AWS's answer to a static-group operation (DeleteThingGroup, AddThingToThingGroup, …) on a dynamic group. */
const notForDynamic = (name: string) => invalid(`This operation does not support dynamic thing groups. Thing group arn: ${iotArn(`thinggroup/${name}`)}`);
/** The reverse (AWS's wording not documented; modelled on the one above). */
const notForStatic = (name: string) => invalid(`This operation does not support static thing groups. Thing group arn: ${iotArn(`thinggroup/${name}`)}`);

/** AWS's only fleet index for things and its only query version. */
export const THINGS_INDEX = 'AWS_Things';
export const QUERY_VERSION = '2017-09-30';
/** Dynamic thing groups per account [GR:iot_device_management thing-group-limits]. */
export const MAX_DYNAMIC_GROUPS = 100;

export interface ThingGroupInput {
  parent?: string;
  description?: string;
  attributes?: Record<string, string>;
}

export interface DynamicGroupInput {
  queryString?: string;
  indexName?: string;
  queryVersion?: string;
  description?: string;
  attributes?: Record<string, string>;
}

/** UpdateThingGroup / UpdateDynamicThingGroup properties. */
export interface ThingGroupUpdate {
  description?: string;
  attributes?: Record<string, string>;
  /** Merge attributes into the existing set (an empty value removes one); otherwise replace the set. */
  merge?: boolean;
  expectedVersion?: number;
}

/** One change of a group's members (seam 4: jobs follow group targets with it). */
export interface MembershipChange {
  group: string;
  thing: string;
  change: 'added' | 'removed';
  dynamic: boolean;
}

export interface ThingGroupEvents {
  membership: MembershipChange;
}

export class ThingGroups {
  readonly events = new TypedEmitter<ThingGroupEvents>();
  private readonly dynamic: DynamicMembership;

  constructor(
    private readonly db: RegistryStore,
    private readonly clock: Clock,
    private readonly changed: (e: RegistryEvents['changed']) => void,
    private readonly publisher: RegistryEventPublisher,
    /** The thing's fleet-index document, or undefined when no such thing exists. */
    indexDoc: (thing: string) => IndexedThing | undefined,
  ) {
    this.dynamic = new DynamicMembership(indexDoc, MAX_GROUPS_PER_THING);
  }

  /** Builds the dynamic groups' membership from the stored groups (at start). */
  rebuild(): void {
    const things = this.thingNames();
    for (const row of this.db.dynamicGroups()) {
      try {
        this.dynamic.define(row.name, parseFleetQuery(row.query!), row.created, things);
      } catch {
        // A stored query that no longer parses (a stricter parser): the group has no members until it is updated.
        this.dynamic.define(row.name, { kind: 'not', item: { kind: 'all' } }, row.created, []);
      }
    }
  }

  /** CreateThingGroup; idempotent for the same parent, description and attributes. */
  async create(name: string, input: ThingGroupInput = {}): Promise<{ group: ThingGroupInfo; created: boolean }> {
    validateName('thingGroupName', name);
    const parent = input.parent === undefined ? null : validateName('thingGroupName', input.parent);
    const description = validateDescription('thingGroupDescription', input.description) ?? null;
    const attributes = validateAttributes(input.attributes ?? {});
    const existing = this.db.group(name);
    if (existing) {
      if (existing.query === null && existing.parent === parent && existing.description === description && JSON.stringify(existing.attributes) === JSON.stringify(attributes)) {
        return { group: this.info(existing), created: false };
      }
      throw new EngineError('AlreadyExists', `Thing Group ${name} already exists in current account with different properties`,
        { resourceId: existing.id, resourceArn: iotArn(`thinggroup/${name}`) });
    }
    let parentRow: ThingGroupRow | undefined;
    if (parent !== null) {
      parentRow = this.db.group(parent);
      if (!parentRow) throw notFound(`Thing group ${parent} does not exist`);
      if (parentRow.query !== null) throw invalid(`Thing group ${parent} is a dynamic thing group: dynamic thing groups can't be part of a hierarchy`);
      if (this.ancestors(parent).length + 1 >= MAX_GROUP_DEPTH) throw invalid(`Thing group hierarchy cannot be deeper than ${MAX_GROUP_DEPTH}`);
    }
    const row: ThingGroupRow = {
      name, id: randomUUID(), parent, description, attributes, version: 1, created: this.clock.now(), query: null, queryVersion: null, indexName: null,
    };
    await this.db.write([this.db.putGroup(row)]);
    this.changed({ kind: 'thingGroup', name, operation: 'created' });
    this.publisher.group(row, this.ancestorRows(row), 'created');
    if (parentRow) this.publisher.hierarchy(parentRow, row, 'added');
    return { group: this.info(row), created: true };
  }

  /** CreateDynamicThingGroup: the query is checked and its members found before it resolves. */
  async createDynamic(name: string, input: DynamicGroupInput): Promise<{ group: ThingGroupInfo; created: boolean }> {
    validateName('thingGroupName', name);
    if (input.queryString === undefined) throw invalid("1 validation error detected: Value null at 'queryString' failed to satisfy constraint: Member must not be null");
    const { query, indexName, queryVersion } = checkQuery(input.queryString, input.indexName, input.queryVersion);
    const description = validateDescription('thingGroupDescription', input.description) ?? null;
    const attributes = validateAttributes(input.attributes ?? {});
    const existing = this.db.group(name);
    if (existing) {
      if (existing.query === input.queryString && existing.description === description && JSON.stringify(existing.attributes) === JSON.stringify(attributes)) {
        return { group: this.info(existing), created: false };
      }
      throw new EngineError('AlreadyExists', `Thing Group ${name} already exists in current account with different properties`,
        { resourceId: existing.id, resourceArn: iotArn(`thinggroup/${name}`) });
    }
    if (this.dynamic.size >= MAX_DYNAMIC_GROUPS) {
      throw new EngineError('InvalidInput', `The maximum number of dynamic thing groups (${MAX_DYNAMIC_GROUPS}) has been reached`, { reason: 'limitExceeded' });
    }
    const row: ThingGroupRow = {
      name, id: randomUUID(), parent: null, description, attributes, version: 1, created: this.clock.now(),
      query: input.queryString, queryVersion, indexName,
    };
    await this.db.write([this.db.putGroup(row)]);
    this.changed({ kind: 'thingGroup', name, operation: 'created' });
    this.publisher.group(row, [], 'created');
    this.announce(this.dynamic.define(name, query, row.created, this.thingNames()));
    return { group: this.info(row), created: true };
  }

  describe(name: string): ThingGroupInfo {
    return this.info(this.require(name));
  }

  /** True when the group exists and is dynamic. */
  isDynamic(name: string): boolean {
    return this.dynamic.isDynamic(name);
  }

  list(limit = 50, after?: string, opts: { parent?: string; prefix?: string; recursive?: boolean } = {}): RegistryPage<ThingGroupInfo> {
    if (opts.parent !== undefined && !this.db.group(validateName('thingGroupName', opts.parent))) throw notFound(`Thing group ${opts.parent} does not exist`);
    let rows: ThingGroupRow[];
    if (opts.parent !== undefined && opts.recursive) {
      const names = new Set(this.descendants(opts.parent));
      rows = this.db.groups(Number.MAX_SAFE_INTEGER, after, { prefix: opts.prefix }).filter((g) => names.has(g.name)).slice(0, limit + 1);
    } else {
      rows = this.db.groups(limit + 1, after, { parent: opts.parent, prefix: opts.prefix });
    }
    const items = rows.map((r) => this.info(r));
    return items.length > limit ? { items: items.slice(0, limit), after: items[limit - 1].name } : { items };
  }

  /** UpdateThingGroup (static groups): description and attributes; returns the new version. */
  async update(name: string, update: ThingGroupUpdate): Promise<number> {
    const current = this.require(name);
    if (current.query !== null) throw notForDynamic(name);
    return this.write(current, update);
  }

  /** UpdateDynamicThingGroup: properties and the query (its members are found again); returns the new version. */
  async updateDynamic(name: string, update: ThingGroupUpdate & { queryString?: string; indexName?: string; queryVersion?: string }): Promise<number> {
    const current = this.require(name);
    if (current.query === null) throw notForStatic(name);
    const queryString = update.queryString ?? current.query;
    const checked = checkQuery(queryString, update.indexName ?? current.indexName ?? undefined, update.queryVersion ?? current.queryVersion ?? undefined);
    const version = await this.write(current, update, { query: queryString, indexName: checked.indexName, queryVersion: checked.queryVersion });
    if (queryString !== current.query) this.announce(this.dynamic.define(name, checked.query, current.created, this.thingNames()));
    return version;
  }

  private async write(current: ThingGroupRow, update: ThingGroupUpdate, extra: Partial<ThingGroupRow> = {}): Promise<number> {
    if (update.expectedVersion !== undefined && update.expectedVersion !== current.version) {
      throw new EngineError('Conflict', `The version for thing group ${current.name} does not match the expected version.`, { reason: 'version' });
    }
    const description = update.description === undefined ? current.description : validateDescription('thingGroupDescription', update.description) ?? null;
    let attributes = current.attributes;
    if (update.attributes !== undefined) {
      const given = validateAttributes(update.attributes);
      attributes = Object.fromEntries(Object.entries(update.merge ? { ...current.attributes, ...given } : given).filter(([, v]) => v !== ''));
    }
    const row: ThingGroupRow = { ...current, ...extra, description, attributes, version: current.version + 1 };
    await this.db.write([this.db.putGroup(row)]);
    this.changed({ kind: 'thingGroup', name: row.name, operation: 'updated' });
    this.publisher.group(row, this.ancestorRows(row), 'updated');
    return row.version;
  }

  /** DeleteThingGroup (static groups): a missing group succeeds; a group with child groups is refused. */
  async delete(name: string, expectedVersion?: number): Promise<void> {
    const row = this.db.group(validateName('thingGroupName', name));
    if (!row) return;
    if (row.query !== null) throw notForDynamic(name);
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new EngineError('Conflict', `The version for thing group ${name} does not match the expected version.`, { reason: 'version' });
    }
    if (this.db.childGroups(name).length) throw invalid(`Cannot delete thing group : ${name} when there are still child groups attached to it`);
    const members = this.db.staticMembers(name);
    const ancestors = this.ancestorRows(row);
    await this.db.write(this.db.deleteGroup(name));
    for (const thing of members) this.emitMembership(row, thing, 'removed', false);
    if (ancestors.length) this.publisher.hierarchy(ancestors[ancestors.length - 1], row, 'removed');
    this.changed({ kind: 'thingGroup', name, operation: 'deleted' });
    this.publisher.group(row, ancestors, 'deleted');
    // Things that left this group have room again for dynamic groups they match.
    for (const thing of members) this.announce(this.dynamic.evaluate(thing, 'registry'));
  }

  /** DeleteDynamicThingGroup: a missing group succeeds; its members leave it. */
  async deleteDynamic(name: string, expectedVersion?: number): Promise<void> {
    const row = this.db.group(validateName('thingGroupName', name));
    if (!row) return;
    if (row.query === null) throw notForStatic(name);
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new EngineError('Conflict', `The version for thing group ${name} does not match the expected version.`, { reason: 'version' });
    }
    await this.db.write(this.db.deleteGroup(name));
    const left = this.dynamic.drop(name);
    this.announce(left);
    this.changed({ kind: 'thingGroup', name, operation: 'deleted' });
    this.publisher.group(row, [], 'deleted');
    for (const { thing } of left) this.announce(this.dynamic.evaluate(thing, 'registry'));
  }

  /**
   * AddThingToThingGroup (static groups). With the thing in 10 groups already, `overrideDynamicGroups` makes room by
   * taking it out of its newest dynamic group; without it the call is refused.
   */
  async addThing(groupName: string, thingName: string, overrideDynamicGroups = false): Promise<void> {
    const group = this.require(groupName);
    if (group.query !== null) throw notForDynamic(groupName);
    this.requireThing(thingName);
    if (this.db.isMember(groupName, thingName)) return;
    const statics = this.db.groupsOf(thingName).length;
    const dynamics = this.dynamic.groupsOf(thingName).length;
    if (statics + dynamics >= MAX_GROUPS_PER_THING && (!overrideDynamicGroups || dynamics === 0 || statics >= MAX_GROUPS_PER_THING)) {
      throw invalid(`Thing ${thingName} cannot be added to more than ${MAX_GROUPS_PER_THING} thing groups`);
    }
    await this.db.write([this.db.addMember(groupName, thingName)]);
    this.emitMembership(group, thingName, 'added', false);
    // A full thing leaves its newest dynamic group (AWS: static groups take priority with overrideDynamicGroups).
    this.announce(this.dynamic.evaluate(thingName, 'registry'));
  }

  async removeThing(groupName: string, thingName: string): Promise<void> {
    const group = this.require(groupName);
    if (group.query !== null) throw notForDynamic(groupName);
    this.requireThing(thingName);
    const was = this.db.isMember(groupName, thingName);
    await this.db.write([this.db.removeMember(groupName, thingName)]);
    if (was) this.emitMembership(group, thingName, 'removed', false);
    this.announce(this.dynamic.evaluate(thingName, 'registry'));
  }

  /** UpdateThingGroupsForThing: removes the thing from some static groups and adds it to others. */
  async updateGroupsOfThing(thingName: string, add: string[] = [], remove: string[] = [], overrideDynamicGroups = false): Promise<void> {
    this.requireThing(thingName);
    for (const g of [...add, ...remove]) if (this.require(g).query !== null) throw notForDynamic(g);
    for (const g of remove) await this.removeThing(g, thingName);
    for (const g of add) await this.addThing(g, thingName, overrideDynamicGroups);
  }

  /** The dynamic groups a thing is in, by name. */
  dynamicGroupsOf(thingName: string): string[] {
    return this.dynamic.groupsOf(thingName);
  }

  /**
   * ListThingsInThingGroup, and the members of a group for jobs (seam 4): by name, all of them unless `limit` says
   * otherwise; `recursive` includes the things of every descendant group (static groups only have descendants).
   */
  things(groupName: string, recursive = false, limit = Number.MAX_SAFE_INTEGER, after?: string): RegistryPage<string> {
    const group = this.require(groupName);
    let names: string[];
    if (group.query !== null) {
      names = this.dynamic.members(groupName).filter((t) => after === undefined || t > after).slice(0, limit + 1);
    } else {
      const groups = recursive ? [groupName, ...this.descendants(groupName)] : [groupName];
      names = this.db.members(groups, limit === Number.MAX_SAFE_INTEGER ? -1 : limit + 1, after);
    }
    return names.length > limit ? { items: names.slice(0, limit), after: names[limit - 1] } : { items: names };
  }

  /** ListThingGroupsForThing: the static and dynamic groups a thing is directly in. */
  groupsOf(thingName: string, limit = 50, after?: string): RegistryPage<ThingGroupInfo> {
    this.requireThing(thingName);
    const names = [...this.db.groupsOf(thingName), ...this.dynamic.groupsOf(thingName)].sort()
      .filter((g) => after === undefined || g > after).slice(0, limit + 1);
    const items = names.map((n) => this.info(this.db.group(n)!));
    return items.length > limit ? { items: items.slice(0, limit), after: items[limit - 1].name } : { items };
  }

  /** Re-evaluates one thing's dynamic memberships after a change of the given scope. */
  reevaluate(thingName: string, scope: ChangeScope): void {
    if (this.dynamic.size === 0) return;
    this.announce(this.dynamic.evaluate(thingName, scope));
  }

  /** A thing was deleted (with its static memberships, `staticGroups`): every membership ends. */
  thingDeleted(thing: { name: string; id: string }, staticGroups: string[]): void {
    for (const g of staticGroups) {
      const row = this.db.group(g);
      if (row) this.emitMembership(row, thing.name, 'removed', false, thing);
    }
    for (const c of this.dynamic.forget(thing.name)) {
      const row = this.db.group(c.group);
      if (row) this.emitMembership(row, thing.name, 'removed', true, thing);
    }
  }

  private announce(changes: DynamicChange[]): void {
    for (const c of changes) {
      const row = this.db.group(c.group);
      if (row) this.emitMembership(row, c.thing, c.change, true);
    }
  }

  private emitMembership(group: ThingGroupRow, thing: string, change: 'added' | 'removed', dynamic: boolean, deleted?: { name: string; id: string }): void {
    this.changed({ kind: 'groupMembership', name: group.name, operation: change === 'added' ? 'created' : 'deleted' });
    if (this.publisher.config.isEnabled('THING_GROUP_MEMBERSHIP')) {
      const row = deleted ?? this.db.thing(thing);
      if (row) this.publisher.membership(group, { name: thing, id: row.id }, change);
    }
    this.events.emit('membership', { group: group.name, thing, change, dynamic });
  }

  private thingNames(): string[] {
    return [...this.db.allThings()].map((t) => t.name);
  }

  private info(r: ThingGroupRow): ThingGroupInfo {
    return {
      name: r.name, id: r.id, arn: iotArn(`thinggroup/${r.name}`), parent: r.parent, rootToParent: r.parent ? this.ancestors(r.parent).reverse().concat(r.parent) : [],
      description: r.description, attributes: r.attributes, version: r.version, createdAt: r.created,
      ...(r.query !== null ? { dynamic: { queryString: r.query, indexName: r.indexName ?? THINGS_INDEX, queryVersion: r.queryVersion ?? QUERY_VERSION, status: 'ACTIVE' as const } } : {}),
    };
  }

  /** Ancestors of a group, nearest first (excluding the group itself). */
  private ancestors(name: string): string[] {
    const out: string[] = [];
    let parent = this.db.group(name)?.parent ?? null;
    while (parent !== null && out.length <= MAX_GROUP_DEPTH) {
      out.push(parent);
      parent = this.db.group(parent)?.parent ?? null;
    }
    return out;
  }

  /** The rows of a group's ancestors from the root down to its parent. */
  private ancestorRows(row: ThingGroupRow): ThingGroupRow[] {
    if (row.parent === null) return [];
    return [row.parent, ...this.ancestors(row.parent)].reverse().map((n) => this.db.group(n)).filter((g): g is ThingGroupRow => g !== undefined);
  }

  private descendants(name: string): string[] {
    const out: string[] = [];
    const queue = [name];
    while (queue.length) {
      for (const child of this.db.childGroups(queue.shift()!)) {
        out.push(child);
        queue.push(child);
      }
    }
    return out;
  }

  private require(name: string): ThingGroupRow {
    const row = this.db.group(validateName('thingGroupName', name));
    if (!row) throw notFound(`Thing group ${name} does not exist`);
    return row;
  }

  private requireThing(name: string): void {
    if (!this.db.thing(validateName('thingName', name))) throw notFound(`Thing ${name} cannot be found.`);
  }
}

/** A dynamic group's query, index and query version, with AWS's errors. */
function checkQuery(queryString: unknown, indexName: string | undefined, queryVersion: string | undefined) {
  if (typeof queryString !== 'string' || queryString.length === 0) {
    throw invalid(`1 validation error detected: Value '${String(queryString)}' at 'queryString' failed to satisfy constraint: Member must have length greater than or equal to 1`);
  }
  const index = indexName ?? THINGS_INDEX;
  if (index !== THINGS_INDEX) throw notFound(`Index ${index} does not exist`);
  const version = queryVersion ?? QUERY_VERSION;
  if (version !== QUERY_VERSION) throw invalid(`Query version ${version} is not supported. Supported query versions: ${QUERY_VERSION}`);
  return { query: parseFleetQuery(queryString), indexName: index, queryVersion: version };
}
