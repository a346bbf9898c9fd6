/**
 * Registry events [DG:registry-events]: with the event type THING enabled (UpdateEventConfigurations), every thing
 * created, updated or deleted is announced on `$aws/events/thing/<thingName>/created|updated|deleted` with AWS's
 * THING_EVENT payload. Every event type is off until enabled, as on AWS.
 *
 * LIMITATIONS:
 * - Only THING events are published; thing type, thing group, membership and other event types are kept as
 *   configured but publish nothing.
 * - The configuration lives in memory: a restarted engine has every event type off again.
 */
import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID, EngineError } from '../core/index.js';
import type { ThingInfo } from '../contract/index.js';

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

export class RegistryEventConfig {
  private readonly enabled = new Set<EventType>();
  private readonly created: number;
  private modified: number;

  constructor(private readonly now: () => number) {
    this.created = now();
    this.modified = this.created;
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
  update(configurations: unknown): void {
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
    for (const [type, on] of changes) {
      if (on) this.enabled.add(type);
      else this.enabled.delete(type);
    }
    this.modified = this.now();
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
