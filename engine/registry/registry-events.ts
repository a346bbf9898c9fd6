/**
 * Registry events [DG:registry-events]: with an event type enabled (UpdateEventConfigurations) the registry announces
 * its changes on AWS's topics with AWS's payloads:
 *   THING                   `$aws/events/thing/{thing}/created|updated|deleted`                     THING_EVENT
 *   THING_TYPE              `$aws/events/thingType/{type}/created|updated|deleted`                  THING_TYPE_EVENT
 *   THING_TYPE_ASSOCIATION  `$aws/events/thingTypeAssociation/thing/{thing}/{type}`                 THING_TYPE_ASSOCIATION_EVENT
 *   THING_GROUP             `$aws/events/thingGroup/{group}/created|updated|deleted`                THING_GROUP_EVENT
 *   THING_GROUP_MEMBERSHIP  `$aws/events/thingGroupMembership/thingGroup/{g}/thing/{t}/added|removed`
 *   THING_GROUP_HIERARCHY   `$aws/events/thingGroupHierarchy/thingGroup/{parent}/childThingGroup/{child}/added|removed`
 * Every event type is off until enabled, as on AWS; the configuration is stored and survives a restart. JOB and
 * JOB_EXECUTION are published by the jobs service through `isEnabled`; POLICY, CERTIFICATE and CA_CERTIFICATE are
 * kept as configured.
 *
 * LIMITATIONS:
 * - POLICY, CERTIFICATE and CA_CERTIFICATE events are configurable but nothing publishes them yet.
 * - `membershipId` is derived from the group's and the thing's ids (stable for a pair), not a fresh id per addition.
 * - `dynamicGroupMappingId` of a THING_GROUP_EVENT is always null (AWS does not document what it holds).
 */
import { createHash, randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID, EngineError, iotArn } from '../core/index.js';
import type { ThingInfo } from '../contract/index.js';
import type { RegistryStore, ThingGroupRow, ThingTypeRow } from './registry-store.js';

/** AWS IoT's event types (EventType in the IoT API). */
export const EVENT_TYPES = [
  'THING', 'THING_GROUP', 'THING_TYPE', 'THING_GROUP_MEMBERSHIP', 'THING_GROUP_HIERARCHY', 'THING_TYPE_ASSOCIATION',
  'JOB', 'JOB_EXECUTION', 'POLICY', 'CERTIFICATE', 'CA_CERTIFICATE',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventConfigurations {
  eventConfigurations: Record<EventType, { Enabled: boolean }>;
  creationDate: number;
  lastModifiedDate: number;
}

/** UpdateEventConfigurations / DescribeEventConfigurations, stored in the registry's tables (migration 0018). */
export class RegistryEventConfig {
  private readonly enabled = new Set<EventType>();
  private created: number;
  private modified: number;

  constructor(private readonly db: RegistryStore | undefined, private readonly now: () => number) {
    this.created = now();
    this.modified = this.created;
  }

  /** Reads the stored configuration (at start). */
  load(): void {
    if (!this.db) return;
    const stored = this.db.eventConfiguration();
    this.enabled.clear();
    for (const t of stored.enabled) if ((EVENT_TYPES as readonly string[]).includes(t)) this.enabled.add(t as EventType);
    if (stored.created !== undefined) this.created = stored.created;
    if (stored.modified !== undefined) this.modified = stored.modified;
  }

  isEnabled(type: EventType): boolean {
    return this.enabled.has(type);
  }

  describe(): EventConfigurations {
    return {
      eventConfigurations: Object.fromEntries(EVENT_TYPES.map((t) => [t, { Enabled: this.enabled.has(t) }])) as EventConfigurations['eventConfigurations'],
      creationDate: this.created,
      lastModifiedDate: this.modified,
    };
  }

  /** UpdateEventConfigurations: `{ THING: { Enabled: true }, … }`; types not named keep their setting. */
  async update(configurations: unknown): Promise<void> {
    if (configurations === undefined || configurations === null) return;
    if (typeof configurations !== 'object' || Array.isArray(configurations)) throw new EngineError('InvalidInput', 'eventConfigurations must be a map of event types');
    const changes: [EventType, boolean][] = [];
    for (const [type, value] of Object.entries(configurations)) {
      if (!(EVENT_TYPES as readonly string[]).includes(type)) {
        throw new EngineError('InvalidInput', `1 validation error detected: Value '${type}' at 'eventConfigurations' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy enum value set: [${EVENT_TYPES.join(', ')}]]`);
      }
      const enabled = (value as { Enabled?: unknown } | null)?.Enabled;
      changes.push([type as EventType, enabled === true]);
    }
    const modified = this.now();
    if (this.db) await this.db.write(this.db.putEventConfiguration(changes, this.created, modified));
    for (const [type, on] of changes) {
      if (on) this.enabled.add(type);
      else this.enabled.delete(type);
    }
    this.modified = modified;
  }
}

export const thingEventTopic = (thingName: string, operation: 'created' | 'updated' | 'deleted') => `$aws/events/thing/${thingName}/${operation}`;

/** AWS's THING_EVENT payload. */
export function thingEvent(thing: ThingInfo, operation: 'created' | 'updated' | 'deleted', timestamp: number) {
  return {
    eventType: 'THING_EVENT',
    eventId: randomUUID(),
    timestamp,
    operation: operation.toUpperCase(),
    accountId: LOCAL_ACCOUNT_ID,
    thingId: thing.id,
    thingName: thing.name,
    versionNumber: thing.version,
    thingTypeName: thing.type,
    attributes: thing.attributes,
  };
}

type Crud = 'created' | 'updated' | 'deleted';

/** Publishes the registry's events of the types that are enabled; `publish` sends one through the broker. */
export class RegistryEventPublisher {
  constructor(
    readonly config: RegistryEventConfig,
    private readonly publish: ((topic: string, body: object) => void) | undefined,
    private readonly now: () => number,
  ) {}

  private send(type: EventType, topic: string, body: () => object): void {
    if (!this.publish || !this.config.isEnabled(type)) return;
    this.publish(topic, body());
  }

  thing(thing: ThingInfo, operation: Crud): void {
    this.send('THING', thingEventTopic(thing.name, operation), () => thingEvent(thing, operation, this.now()));
  }

  thingType(row: ThingTypeRow, operation: Crud): void {
    this.send('THING_TYPE', `$aws/events/thingType/${row.name}/${operation}`, () => ({
      eventType: 'THING_TYPE_EVENT', eventId: randomUUID(), timestamp: this.now(), operation: operation.toUpperCase(), accountId: LOCAL_ACCOUNT_ID,
      thingTypeId: row.id, thingTypeName: row.name, isDeprecated: row.deprecatedAt !== null, deprecationDate: row.deprecatedAt,
      searchableAttributes: row.searchable, description: row.description,
    }));
  }

  /** A thing got (`created`) or lost (`deleted`) its thing type. */
  typeAssociation(thing: { name: string; id: string }, typeName: string, operation: 'created' | 'deleted'): void {
    this.send('THING_TYPE_ASSOCIATION', `$aws/events/thingTypeAssociation/thing/${thing.name}/${typeName}`, () => ({
      eventId: randomUUID(), eventType: 'THING_TYPE_ASSOCIATION_EVENT', operation: operation.toUpperCase(), thingId: thing.id, thingName: thing.name,
      thingTypeName: typeName, timestamp: this.now(),
    }));
  }

  /** `ancestors`: the group's ancestors from the root down to its parent. */
  group(row: ThingGroupRow, ancestors: ThingGroupRow[], operation: Crud): void {
    this.send('THING_GROUP', `$aws/events/thingGroup/${row.name}/${operation}`, () => {
      const parent = ancestors.length ? ancestors[ancestors.length - 1] : undefined;
      return {
        eventType: 'THING_GROUP_EVENT', eventId: randomUUID(), timestamp: this.now(), operation: operation.toUpperCase(), accountId: LOCAL_ACCOUNT_ID,
        thingGroupId: row.id, thingGroupName: row.name, versionNumber: row.version,
        ...(parent ? { parentGroupName: parent.name, parentGroupId: parent.id } : {}),
        description: row.description,
        rootToParentThingGroups: ancestors.map((g) => ({ groupArn: iotArn(`thinggroup/${g.name}`), groupId: g.id })),
        attributes: row.attributes,
        dynamicGroupMappingId: null,
      };
    });
  }

  membership(group: { name: string; id: string }, thing: { name: string; id: string }, operation: 'added' | 'removed'): void {
    this.send('THING_GROUP_MEMBERSHIP', `$aws/events/thingGroupMembership/thingGroup/${group.name}/thing/${thing.name}/${operation}`, () => ({
      eventType: 'THING_GROUP_MEMBERSHIP_EVENT', eventId: randomUUID(), timestamp: this.now(), operation: operation.toUpperCase(), accountId: LOCAL_ACCOUNT_ID,
      groupArn: iotArn(`thinggroup/${group.name}`), groupId: group.id, thingArn: iotArn(`thing/${thing.name}`), thingId: thing.id,
      membershipId: membershipId(group.id, thing.id),
    }));
  }

  hierarchy(parent: { name: string; id: string }, child: { name: string; id: string }, operation: 'added' | 'removed'): void {
    this.send('THING_GROUP_HIERARCHY', `$aws/events/thingGroupHierarchy/thingGroup/${parent.name}/childThingGroup/${child.name}/${operation}`, () => ({
      eventType: 'THING_GROUP_HIERARCHY_EVENT', eventId: randomUUID(), timestamp: this.now(), operation: operation.toUpperCase(), accountId: LOCAL_ACCOUNT_ID,
      thingGroupId: parent.id, thingGroupName: parent.name, childGroupId: child.id, childGroupName: child.name,
    }));
  }
}

/** A UUID-shaped id for a group↔thing pair. */
function membershipId(groupId: string, thingId: string): string {
  const h = createHash('sha256').update(`${groupId}/${thingId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
