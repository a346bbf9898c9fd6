/**
 * Static thing groups: hierarchy (depth ≤ 7), attributes, membership (≤ 10 groups per thing) [DG:thing-groups].
 *
 * LIMITATIONS:
 * - No dynamic groups, billing groups or group policies inheritance here (policies attach through security).
 * - UpdateThingGroup is not implemented; a group's description and attributes are set at creation.
 */
import { randomUUID } from 'node:crypto';
import { EngineError, iotArn, type Clock } from '../core/index.js';
import type { RegistryPage, ThingGroupInfo } from '../contract/index.js';
import { MAX_GROUP_DEPTH, MAX_GROUPS_PER_THING, validateAttributes, validateDescription, validateName } from './names.js';
import type { RegistryStore, ThingGroupRow } from './registry-store.js';
import type { RegistryEvents } from './registry-service.js';

const notFound = (message: string) => new EngineError('NotFound', message);
const invalid = (message: string) => new EngineError('InvalidInput', message);

export interface ThingGroupInput {
  parent?: string;
  description?: string;
  attributes?: Record<string, string>;
}

export class ThingGroups {
  constructor(
    private readonly db: RegistryStore,
    private readonly clock: Clock,
    private readonly changed: (e: RegistryEvents['changed']) => void,
  ) {}

  /** CreateThingGroup; idempotent for the same parent, description and attributes. */
  async create(name: string, input: ThingGroupInput = {}): Promise<{ group: ThingGroupInfo; created: boolean }> {
    validateName('thingGroupName', name);
    const parent = input.parent === undefined ? null : validateName('thingGroupName', input.parent);
    const description = validateDescription('thingGroupDescription', input.description) ?? null;
    const attributes = validateAttributes(input.attributes ?? {});
    const existing = this.db.group(name);
    if (existing) {
      if (existing.parent === parent && existing.description === description && JSON.stringify(existing.attributes) === JSON.stringify(attributes)) {
        return { group: this.info(existing), created: false };
      }
      throw new EngineError('AlreadyExists', `Thing Group ${name} already exists in current account with different properties`,
        { resourceId: existing.id, resourceArn: iotArn(`thinggroup/${name}`) });
    }
    if (parent !== null) {
      if (!this.db.group(parent)) throw notFound(`Thing group ${parent} does not exist`);
      if (this.ancestors(parent).length + 1 >= MAX_GROUP_DEPTH) throw invalid(`Thing group hierarchy cannot be deeper than ${MAX_GROUP_DEPTH}`);
    }
    const row: ThingGroupRow = { name, id: randomUUID(), parent, description, attributes, version: 1, created: this.clock.now() };
    await this.db.write([this.db.putGroup(row)]);
    this.changed({ kind: 'thingGroup', name, operation: 'created' });
    return { group: this.info(row), created: true };
  }

  describe(name: string): ThingGroupInfo {
    return this.info(this.require(name));
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

  /** DeleteThingGroup: a missing group succeeds; a group with child groups is refused. */
  async delete(name: string, expectedVersion?: number): Promise<void> {
    const row = this.db.group(validateName('thingGroupName', name));
    if (!row) return;
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new EngineError('Conflict', `The version for thing group ${name} does not match the expected version.`, { reason: 'version' });
    }
    if (this.db.childGroups(name).length) throw invalid(`Cannot delete thing group : ${name} when there are still child groups attached to it`);
    await this.db.write(this.db.deleteGroup(name));
    this.changed({ kind: 'thingGroup', name, operation: 'deleted' });
  }

  async addThing(groupName: string, thingName: string): Promise<void> {
    this.require(groupName);
    this.requireThing(thingName);
    if (this.db.isMember(groupName, thingName)) return;
    if (this.db.groupsOf(thingName).length >= MAX_GROUPS_PER_THING) {
      throw invalid(`Thing ${thingName} cannot be added to more than ${MAX_GROUPS_PER_THING} thing groups`);
    }
    await this.db.write([this.db.addMember(groupName, thingName)]);
    this.changed({ kind: 'groupMembership', name: groupName, operation: 'created' });
  }

  async removeThing(groupName: string, thingName: string): Promise<void> {
    this.require(groupName);
    this.requireThing(thingName);
    await this.db.write([this.db.removeMember(groupName, thingName)]);
    this.changed({ kind: 'groupMembership', name: groupName, operation: 'deleted' });
  }

  /** ListThingsInThingGroup; `recursive` includes the things of every descendant group. */
  things(groupName: string, recursive = false, limit = 50, after?: string): RegistryPage<string> {
    this.require(groupName);
    const groups = recursive ? [groupName, ...this.descendants(groupName)] : [groupName];
    const names = this.db.members(groups, limit + 1, after);
    return names.length > limit ? { items: names.slice(0, limit), after: names[limit - 1] } : { items: names };
  }

  /** ListThingGroupsForThing: the groups a thing is directly in. */
  groupsOf(thingName: string, limit = 50, after?: string): RegistryPage<ThingGroupInfo> {
    this.requireThing(thingName);
    const names = this.db.groupsOf(thingName).filter((g) => after === undefined || g > after).slice(0, limit + 1);
    const items = names.map((n) => this.info(this.db.group(n)!));
    return items.length > limit ? { items: items.slice(0, limit), after: items[limit - 1].name } : { items };
  }

  private info(r: ThingGroupRow): ThingGroupInfo {
    return {
      name: r.name, id: r.id, arn: iotArn(`thinggroup/${r.name}`), parent: r.parent, rootToParent: r.parent ? this.ancestors(r.parent).reverse().concat(r.parent) : [],
      description: r.description, attributes: r.attributes, version: r.version, createdAt: r.created,
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
