/**
 * The thing registry: things, thing types, principal↔thing attachments and fleet search [DG:thing-registry,
 * DG:iot-indexing]. Static thing groups live in `thing-groups.ts`, fleet search in `fleet-index.ts`. Every change is durable before it resolves.
 *
 * LIMITATIONS:
 * - Fleet indexing is always on (REGISTRY_AND_SHADOW with connectivity STATUS); there is no index build delay, and
 *   searches see changes at once (AWS: eventually, within seconds).
 * - A thing's connectivity is that of the MQTT client whose id is the thing name (AWS additionally requires the
 *   principal to be attached); it is not persisted across restarts.
 * - Billing groups are not implemented. Dynamic groups follow the registry, shadows and connectivity
 *   (`dynamic-groups.ts`); registry events are published by `registry-events.ts`.
 * - UpdateIndexingConfiguration is kept and returned by GetIndexingConfiguration, but searching works whatever it says.
 * - Principals are stored as given; whether a certificate ARN exists is checked only when a `PrincipalCheck` is wired.
 * - DeleteThingType needs the type deprecated, but not for 5 minutes as AWS does.
 */
import { IotTags } from './iot-tags.js';
import { randomUUID } from 'node:crypto';
import {
  EngineError, TypedEmitter, iotArn, type Clock, type Disposable, type Service,
} from '../core/index.js';
import type { Store } from '../storage/index.js';
import type {
  RegistryPage, ThingConnectivity, ThingInfo, ThingListFilter, ThingSearchHit, ThingTypeInfo,
} from '../contract/index.js';
import { ConnectivityTracker, PRESENCE_FILTER, type PresenceSource } from './connectivity.js';
import { FleetIndex, MAX_SEARCH_RESULTS, type IndexingConfiguration, type ShadowReader } from './fleet-index.js';
import { page } from './registry-page.js';
import {
  MAX_SEARCHABLE_ATTRIBUTES, checkAttributeCount, validateAttributes, validateDescription, validateName,
} from './names.js';
import { RegistryStore, type ThingRow, type ThingTypeRow } from './registry-store.js';
import { ThingGroups } from './thing-groups.js';
import { RegistryEventConfig, RegistryEventPublisher } from './registry-events.js';
import { DeviceTokens } from './device-tokens.js';
import type { RegistryEvents, RegistryServiceOptions, ThingInput, ThingUpdate } from './registry-types.js';

const notFound = (message: string) => new EngineError('NotFound', message);
const invalid = (message: string) => new EngineError('InvalidInput', message);

export class RegistryService implements Service {
  readonly name = 'registry';
  readonly events = new TypedEmitter<RegistryEvents>();
  /** Tags of thing groups and thing types, by ARN. */
  readonly tags: IotTags;
  readonly groups: ThingGroups;
  /** CoAP devices' pre-shared tokens, deleted with their thing. */
  readonly deviceTokens: DeviceTokens;
  private readonly db: RegistryStore;
  private readonly connectivity = new ConnectivityTracker();
  private tap: Disposable | undefined;
  private shadowTap: Disposable | undefined;
  /** UpdateEventConfigurations / DescribeEventConfigurations; `isEnabled` gates every `$aws/events/…` registry event. */
  readonly eventConfig: RegistryEventConfig;
  private readonly publisher: RegistryEventPublisher;
  private readonly index: FleetIndex;

  constructor(
    store: Store,
    private readonly presence: PresenceSource,
    private readonly shadows: ShadowReader,
    private readonly clock: Clock,
    private readonly opts: RegistryServiceOptions = {},
  ) {
    this.db = new RegistryStore(store);
    this.deviceTokens = new DeviceTokens(store, clock, (name) => this.db.thing(name) !== undefined);
    this.eventConfig = new RegistryEventConfig(this.db, () => clock.now());
    this.publisher = new RegistryEventPublisher(this.eventConfig, opts.publishEvent, () => clock.now());
    this.index = new FleetIndex(this.db, () => this.groups, this.connectivity, shadows);
    this.groups = new ThingGroups(this.db, clock, (e) => this.events.emit('changed', e), this.publisher, (thing) => this.index.doc(thing));
    this.groups.events.on('membership', (e) => {
      if (!e.dynamic) this.index.forget(e.thing);
    });
    this.events.on('changed', (e) => {
      if (e.kind === 'thing') this.index.forget(e.name);
    });
    this.tags = new IotTags(store);
    // A deleted thing group or thing type takes its tags with it.
    this.events.on('changed', (e) => {
      if (e.operation !== 'deleted' || (e.kind !== 'thingGroup' && e.kind !== 'thingType')) return;
      void this.tags.forget(iotArn(`${e.kind === 'thingGroup' ? 'thinggroup' : 'thingtype'}/${e.name}`))
        .catch((err: unknown) => this.opts.logger?.log('warn', 'registry', `the tags of ${e.kind} ${e.name} were not deleted: ${String(err)}`));
    });
  }

  /** GetIndexingConfiguration: as last set (searching is always on here, whatever it says). */
  indexingConfiguration(): IndexingConfiguration {
    return this.index.configuration();
  }

  /** UpdateIndexingConfiguration: keeps the modes given, with AWS's checks of their values. */
  updateIndexingConfiguration(input: { thingIndexingConfiguration?: Record<string, unknown>; thingGroupIndexingConfiguration?: Record<string, unknown> }): void {
    this.index.updateConfiguration(input);
  }

  /** Publishes the thing's registry event when THING events are enabled. */
  private announce(row: ThingRow, operation: 'created' | 'updated' | 'deleted'): void {
    this.publisher.thing(thingInfo(row), operation);
  }

  async start(): Promise<void> {
    this.eventConfig.load();
    this.groups.rebuild();
    // Only the broker's own presence events count (a client may publish anything there): see connectivity.ts.
    this.tap = this.presence.tap(PRESENCE_FILTER, (msg) => {
      if (msg.origin !== 'engine') return;
      this.connectivity.onPresence(msg.topic, msg.payload);
      const clientId = /^\$aws\/events\/presence\/(?:connected|disconnected)\/(.+)$/.exec(msg.topic)?.[1];
      if (clientId !== undefined) this.groups.reevaluate(clientId, 'connectivity');
    });
    this.shadowTap = this.shadows.events?.on('updated', (e) => this.groups.reevaluate(e.thing, 'shadow'));
  }

  async stop(): Promise<void> {
    this.tap?.dispose();
    this.tap = undefined;
    this.shadowTap?.dispose();
    this.shadowTap = undefined;
  }

  // ── things ──────────────────────────────────────────────────────────────

  /**
   * CreateThing. Idempotent: the same name with the same type and attributes returns the existing thing
   * (`created: false`); different ones are AlreadyExists [CP-model].
   */
  async createThing(name: string, input: ThingInput = {}): Promise<{ thing: ThingInfo; created: boolean }> {
    validateName('thingName', name);
    const attributes = dropEmpty(validateAttributes(input.attributes ?? {}));
    const type = input.type === undefined ? null : this.usableType(validateName('thingTypeName', input.type));
    const existing = this.db.thing(name);
    if (existing) {
      if (existing.type === type && sameMap(existing.attributes, attributes)) return { thing: thingInfo(existing), created: false };
      throw new EngineError('AlreadyExists', `Thing ${name} already exists in account with different attributes`,
        { resourceId: existing.id, resourceArn: iotArn(`thing/${name}`) });
    }
    checkAttributeCount(name, Object.keys(attributes).length, type !== null);
    const now = this.clock.now();
    const row: ThingRow = { name, id: randomUUID(), type, attributes, version: 1, created: now, updated: now };
    await this.db.write([this.db.putThing(row)]);
    this.events.emit('changed', { kind: 'thing', name, operation: 'created' });
    this.announce(row, 'created');
    if (type !== null) this.publisher.typeAssociation(row, type, 'created');
    this.groups.reevaluate(name, 'registry');
    return { thing: thingInfo(row), created: true };
  }

  describeThing(name: string): ThingInfo {
    return thingInfo(this.requireThing(name));
  }

  /** UpdateThing: type change or removal, attribute merge or replacement, optimistic locking on `expectedVersion`. */
  async updateThing(name: string, update: ThingUpdate): Promise<ThingInfo> {
    validateName('thingName', name);
    if (update.removeType && update.type !== undefined) throw invalid('Cannot specify both thingTypeName and removeThingType');
    const current = this.requireThing(name);
    // AWS IoT registry: version mismatch → VersionConflictException (409)
    if (update.expectedVersion !== undefined && update.expectedVersion !== current.version) {
      throw new EngineError('Conflict', `The version for thing ${name} does not match the expected version.`, { reason: 'version' });
    }
    let type = current.type;
    if (update.removeType) type = null;
    else if (update.type !== undefined) type = this.usableType(validateName('thingTypeName', update.type));
    let attributes = current.attributes;
    if (update.attributes !== undefined) {
      const given = validateAttributes(update.attributes);
      attributes = dropEmpty(update.merge ? { ...current.attributes, ...given } : given);
    }
    checkAttributeCount(name, Object.keys(attributes).length, type !== null);
    const row: ThingRow = { ...current, type, attributes, version: current.version + 1, updated: this.clock.now() };
    await this.db.write([this.db.putThing(row)]);
    this.events.emit('changed', { kind: 'thing', name, operation: 'updated' });
    this.announce(row, 'updated');
    if (current.type !== type) {
      if (current.type !== null) this.publisher.typeAssociation(row, current.type, 'deleted');
      if (type !== null) this.publisher.typeAssociation(row, type, 'created');
    }
    this.groups.reevaluate(name, 'registry');
    return thingInfo(row);
  }

  /** DeleteThing: succeeds for a thing that does not exist, as AWS does; refused while principals are attached. */
  async deleteThing(name: string, expectedVersion?: number): Promise<void> {
    validateName('thingName', name);
    const current = this.db.thing(name);
    if (!current) return;
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw new EngineError('Conflict', `The version for thing ${name} does not match the expected version.`, { reason: 'version' });
    }
    if (this.db.principalsOf(name, 1).length) throw invalid(`Cannot delete. Thing ${name} is still attached to one or more principals`);
    const staticGroups = this.db.groupsOf(name);
    await this.db.write([...this.db.deleteThing(name), this.deviceTokens.deleteStatement(name)]);
    this.deviceTokens.forget(name);
    this.groups.thingDeleted(current, staticGroups);
    this.events.emit('changed', { kind: 'thing', name, operation: 'deleted' });
    this.announce(current, 'deleted');
  }

  /** ListThings: by name, with AWS's filters; `after` is the last name of the previous page. */
  listThings(filter: ThingListFilter = {}, limit = 50, after?: string): RegistryPage<ThingInfo> {
    if (filter.attributeValue !== undefined && filter.attributeName === undefined) throw invalid('attributeValue requires attributeName');
    const rows = this.db.things(filter, limit + 1, after);
    return page(rows.map(thingInfo), limit, (t) => t.name);
  }

  connectivityOf(name: string): ThingConnectivity {
    return this.connectivity.get(name);
  }

  // ── thing types ─────────────────────────────────────────────────────────

  async createThingType(name: string, props: { description?: string; searchableAttributes?: string[] } = {}): Promise<{ type: ThingTypeInfo; created: boolean }> {
    validateName('thingTypeName', name);
    const description = validateDescription('thingTypeDescription', props.description) ?? null;
    const searchable = props.searchableAttributes ?? [];
    if (!Array.isArray(searchable) || searchable.length > MAX_SEARCHABLE_ATTRIBUTES) {
      throw invalid(`A thing type can have at most ${MAX_SEARCHABLE_ATTRIBUTES} searchable attributes`);
    }
    validateAttributes(Object.fromEntries(searchable.map((a) => [a, ''])));
    const existing = this.db.thingType(name);
    if (existing) {
      if (existing.description === description && sameList(existing.searchable, searchable)) return { type: typeInfo(existing), created: false };
      throw new EngineError('AlreadyExists', `Thing type ${name} already exists in account with different properties`,
        { resourceId: existing.id, resourceArn: iotArn(`thingtype/${name}`) });
    }
    const row: ThingTypeRow = { name, id: randomUUID(), description, searchable, deprecatedAt: null, created: this.clock.now() };
    await this.db.write([this.db.putThingType(row)]);
    this.events.emit('changed', { kind: 'thingType', name, operation: 'created' });
    this.publisher.thingType(row, 'created');
    return { type: typeInfo(row), created: true };
  }

  describeThingType(name: string): ThingTypeInfo {
    validateName('thingTypeName', name);
    const row = this.db.thingType(name);
    if (!row) throw notFound(`Thing type ${name} does not exist`);
    return typeInfo(row);
  }

  listThingTypes(limit = 50, after?: string, name?: string): RegistryPage<ThingTypeInfo> {
    return page(this.db.thingTypes(limit + 1, after, name).map(typeInfo), limit, (t) => t.name);
  }

  /** DeprecateThingType (or undo): a deprecated type takes no new things. */
  async deprecateThingType(name: string, undo = false): Promise<void> {
    const row = this.db.thingType(validateName('thingTypeName', name));
    if (!row) throw notFound(`Thing type ${name} does not exist`);
    const next = { ...row, deprecatedAt: undo ? null : row.deprecatedAt ?? this.clock.now() };
    await this.db.write([this.db.putThingType(next)]);
    this.events.emit('changed', { kind: 'thingType', name, operation: 'updated' });
    this.publisher.thingType(next, 'updated');
  }

  async deleteThingType(name: string): Promise<void> {
    const row = this.db.thingType(validateName('thingTypeName', name));
    if (!row) throw notFound(`Thing type ${name} does not exist`);
    if (row.deprecatedAt === null) throw invalid(`Thing type ${name} must be deprecated before it can be deleted`);
    if (this.db.countThingsOfType(name) > 0) throw invalid(`Can not delete thing type ${name} because it is still associated with one or more things`);
    await this.db.write([this.db.deleteThingType(name)]);
    this.events.emit('changed', { kind: 'thingType', name, operation: 'deleted' });
    this.publisher.thingType(row, 'deleted');
  }

  // ── principals ──────────────────────────────────────────────────────────

  /** AttachThingPrincipal; `exclusive` (EXCLUSIVE_THING) refuses a principal already attached to another thing. */
  async attachPrincipal(thingName: string, principal: string, exclusive = false): Promise<void> {
    this.requireThing(thingName);
    checkPrincipal(principal);
    if (this.opts.principals && !this.opts.principals.principalExists(principal)) throw notFound(`The principal ${principal} does not exist`);
    const others = this.db.thingsOf(principal).filter((t) => t.thing !== thingName);
    if (exclusive && others.length) throw invalid(`Principal ${principal} is already attached to another thing and cannot be attached exclusively`);
    if (others.some((t) => t.exclusive)) throw invalid(`Principal ${principal} is exclusively attached to thing ${others.find((t) => t.exclusive)!.thing}`);
    await this.db.write([this.db.attach(thingName, principal, exclusive, this.clock.now())]);
    this.events.emit('changed', { kind: 'thingPrincipal', name: thingName, operation: 'created' });
  }

  /** DetachThingPrincipal; detaching a principal that is not attached succeeds. */
  async detachPrincipal(thingName: string, principal: string): Promise<void> {
    this.requireThing(thingName);
    checkPrincipal(principal);
    await this.db.write([this.db.detach(thingName, principal)]);
    this.events.emit('changed', { kind: 'thingPrincipal', name: thingName, operation: 'deleted' });
  }

  listPrincipals(thingName: string, limit = 50, after?: string): RegistryPage<string> {
    validateName('thingName', thingName);
    if (!this.db.thing(thingName)) throw notFound(`Failed to list principals for thing ${thingName} because the thing does not exist in your account`);
    return page(this.db.principalsOf(thingName, limit + 1, after), limit, (p) => p);
  }

  /** Things a principal is attached to (ListPrincipalThings; also what security's policy variables need). */
  thingsForPrincipal(principal: string, limit = 50, after?: string): RegistryPage<string> {
    checkPrincipal(principal);
    return page(this.db.thingsOf(principal, limit + 1, after).map((t) => t.thing), limit, (t) => t);
  }

  /** True when the principal is attached to the thing (`iot:Connection.Thing.IsAttached`). */
  isAttached(thingName: string, principal: string): boolean {
    return this.db.thingsOf(principal).some((t) => t.thing === thingName);
  }

  /** A thing by name, or undefined (`ThingLookup` for security's policy variables). */
  findThing(name: string): ThingInfo | undefined {
    const row = RESOURCE_SAFE.test(name) ? this.db.thing(name) : undefined;
    return row && thingInfo(row);
  }

  // ── fleet search ────────────────────────────────────────────────────────

  /** SearchIndex on `AWS_Things`: things matching a fleet-indexing query, by name; `after` continues a page. */
  search(query: string, limit = MAX_SEARCH_RESULTS, after?: string): RegistryPage<ThingSearchHit> {
    return this.index.search(query, limit, after);
  }

  /** The field names a fleet-search query can use on this registry (for completion); see FleetIndex.searchFields. */
  searchFields(maxThings = 1000, maxFields = 500): string[] {
    return this.index.searchFields(maxThings, maxFields);
  }

  // ── helpers ─────────────────────────────────────────────────────────────

  private requireThing(name: string): ThingRow {
    validateName('thingName', name);
    const row = this.db.thing(name);
    if (!row) throw notFound(`Thing ${name} cannot be found.`);
    return row;
  }

  /** A thing type that exists and is not deprecated, for creating or retyping a thing. */
  private usableType(name: string): string {
    const row = this.db.thingType(name);
    if (!row) throw notFound(`Thing type ${name} does not exist`);
    if (row.deprecatedAt !== null) throw invalid(`Can not create new thing with deprecated thing type ${name}`);
    return name;
  }
}

const RESOURCE_SAFE = /^[a-zA-Z0-9:_-]{1,128}$/;

function checkPrincipal(principal: string): void {
  if (typeof principal !== 'string' || principal.length === 0 || principal.length > 2048) throw invalid('A principal (x-amzn-principal) is required');
}

export function thingInfo(r: ThingRow): ThingInfo {
  return {
    name: r.name, id: r.id, arn: iotArn(`thing/${r.name}`), type: r.type, attributes: r.attributes, version: r.version,
    defaultClientId: r.name, createdAt: r.created, updatedAt: r.updated,
  };
}

function typeInfo(r: ThingTypeRow): ThingTypeInfo {
  return {
    name: r.name, id: r.id, arn: iotArn(`thingtype/${r.name}`), description: r.description, searchableAttributes: r.searchable,
    deprecated: r.deprecatedAt !== null, deprecatedAt: r.deprecatedAt, createdAt: r.created,
  };
}

/** AWS: "To remove an attribute, call UpdateThing with an empty attribute value." */
function dropEmpty(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== ''));
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
