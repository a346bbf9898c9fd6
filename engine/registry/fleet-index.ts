import { EngineError, type Disposable } from '../core/index.js';
import type { JsonObject, JsonValue, RegistryPage, ThingSearchHit } from '../contract/index.js';
import type { ConnectivityTracker } from './connectivity.js';
import { parseFleetQuery } from './fleet-query.js';
import { matches, usesShadow, type IndexedShadow, type IndexedThing } from './fleet-match.js';
import type { RegistryStore, ThingRow } from './registry-store.js';
import type { ThingGroups } from './thing-groups.js';
import { page } from './registry-page.js';

/**
 * What fleet search reads from the shadow service (`ShadowService` satisfies it); `get` throws when no shadow exists.
 * With `events`, dynamic thing groups follow shadow changes.
 */
export interface ShadowReader {
  get(address: { thing: string; name: string | null }): { state: { desired?: JsonObject; reported?: JsonObject; delta?: JsonObject }; version: number };
  readonly events?: { on(name: 'updated', listener: (e: { thing: string }) => void): Disposable };
}

/** Fleet indexing's configuration as GetIndexingConfiguration returns it. */
export interface IndexingConfiguration {
  thingIndexingConfiguration: Record<string, unknown> & { thingIndexingMode: string };
  thingGroupIndexingConfiguration: Record<string, unknown> & { thingGroupIndexingMode: string };
}

export const MAX_SEARCH_RESULTS = 100;

const invalid = (message: string) => new EngineError('InvalidInput', message);

/**
 * Fleet indexing over the registry [DG:iot-indexing]: SearchIndex on `AWS_Things`, the fields a query can use, each
 * thing's index document (as dynamic groups evaluate it), and the indexing configuration (kept, not obeyed).
 */
export class FleetIndex {
  /** Things' registry rows and static groups as dynamic groups evaluate them (the store's reads cost ~50 µs each). */
  private readonly indexed = new Map<string, { row: ThingRow; groups: string[] }>();
  private indexing: IndexingConfiguration = {
    thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY_AND_SHADOW', thingConnectivityIndexingMode: 'STATUS' },
    thingGroupIndexingConfiguration: { thingGroupIndexingMode: 'OFF' },
  };

  constructor(
    private readonly db: RegistryStore,
    private readonly groups: () => ThingGroups,
    private readonly connectivity: ConnectivityTracker,
    private readonly shadows: ShadowReader,
  ) {}

  /** The thing's row or static groups changed: its document is read again when next needed. */
  forget(thing: string): void {
    this.indexed.delete(thing);
  }

  /** GetIndexingConfiguration: as last set (searching is always on here, whatever it says). */
  configuration(): IndexingConfiguration {
    return structuredClone(this.indexing);
  }

  /** UpdateIndexingConfiguration: keeps the modes given, with AWS's checks of their values. */
  updateConfiguration(input: { thingIndexingConfiguration?: Record<string, unknown>; thingGroupIndexingConfiguration?: Record<string, unknown> }): void {
    const thing = input.thingIndexingConfiguration;
    if (thing) {
      const mode = thing.thingIndexingMode;
      if (!['OFF', 'REGISTRY', 'REGISTRY_AND_SHADOW'].includes(mode as string)) throw invalid(`1 validation error detected: Value '${String(mode)}' at 'thingIndexingConfiguration.thingIndexingMode' failed to satisfy constraint: Member must satisfy enum value set: [REGISTRY_AND_SHADOW, OFF, REGISTRY]`);
      const connectivity = thing.thingConnectivityIndexingMode;
      if (connectivity !== undefined && !['OFF', 'STATUS'].includes(connectivity as string)) throw invalid(`1 validation error detected: Value '${String(connectivity)}' at 'thingIndexingConfiguration.thingConnectivityIndexingMode' failed to satisfy constraint: Member must satisfy enum value set: [STATUS, OFF]`);
      this.indexing.thingIndexingConfiguration = { ...structuredClone(thing), thingIndexingMode: mode as string, thingConnectivityIndexingMode: (connectivity as string | undefined) ?? 'OFF' };
    }
    const group = input.thingGroupIndexingConfiguration;
    if (group) {
      const mode = group.thingGroupIndexingMode;
      if (!['OFF', 'ON'].includes(mode as string)) throw invalid(`1 validation error detected: Value '${String(mode)}' at 'thingGroupIndexingConfiguration.thingGroupIndexingMode' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON]`);
      this.indexing.thingGroupIndexingConfiguration = { ...structuredClone(group), thingGroupIndexingMode: mode as string };
    }
  }

  /** SearchIndex on `AWS_Things`: things matching a fleet-indexing query, by name; `after` continues a page. */
  search(query: string, limit = MAX_SEARCH_RESULTS, after?: string): RegistryPage<ThingSearchHit> {
    const parsed = parseFleetQuery(query);
    const withShadow = usesShadow(parsed);
    const hits: ThingSearchHit[] = [];
    for (const row of this.db.allThings(after)) {
      const dynamic = this.groups().dynamicGroupsOf(row.name);
      const groups = dynamic.length ? [...this.db.groupsOf(row.name), ...dynamic].sort() : this.db.groupsOf(row.name);
      const connectivity = this.connectivity.get(row.name);
      const cache = new Map<string | null, IndexedShadow | undefined>();
      const shadow = (name: string | null) => {
        if (!cache.has(name)) cache.set(name, this.readShadow(row.name, name));
        return cache.get(name);
      };
      const doc: IndexedThing = {
        thingName: row.name, thingId: row.id, thingTypeName: row.type ?? undefined, thingGroupNames: groups,
        attributes: row.attributes, connectivity, shadow: withShadow ? shadow : () => undefined,
      };
      if (!matches(parsed, doc)) continue;
      const classic = shadow(null);
      hits.push({
        name: row.name, id: row.id, type: row.type, groups, attributes: row.attributes, connectivity, ...(classic ? { shadow: classic } : {}),
      });
      if (hits.length > limit) break;
    }
    return page(hits, limit, (h) => h.name);
  }

  /**
   * The field names a fleet-search query can use on this registry (for completion): the thing fields, every attribute
   * name, and the classic shadows' `reported`/`desired` leaf paths (of the first things, as far as the limits go).
   */
  searchFields(maxThings = 1000, maxFields = 500): string[] {
    const fields = new Set<string>([
      'thingName', 'thingId', 'thingTypeName', 'thingGroupNames', 'connectivity.connected', 'connectivity.timestamp',
      'connectivity.disconnectReason', 'shadow.hasDelta', 'shadow.version',
    ]);
    const paths = (prefix: string, value: JsonValue | undefined, depth: number) => {
      if (fields.size >= maxFields || depth > 8 || value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
        if (value !== undefined && fields.size < maxFields) fields.add(prefix);
        return;
      }
      for (const [k, v] of Object.entries(value)) paths(`${prefix}.${k}`, v, depth + 1);
    };
    let seen = 0;
    for (const row of this.db.allThings()) {
      if (++seen > maxThings || fields.size >= maxFields) break;
      for (const k of Object.keys(row.attributes)) fields.add(`attributes.${k}`);
      const shadow = this.readShadow(row.name, null);
      if (shadow?.reported) paths('shadow.reported', shadow.reported, 0);
      if (shadow?.desired) paths('shadow.desired', shadow.desired, 0);
    }
    return [...fields].slice(0, maxFields);
  }

  /** A thing's fleet-index document (shadows read lazily), or undefined when no such thing exists. */
  doc(name: string): IndexedThing | undefined {
    let entry = this.indexed.get(name);
    if (!entry) {
      const found = this.db.thing(name);
      if (!found) return undefined;
      entry = { row: found, groups: this.db.groupsOf(name) };
      this.indexed.set(name, entry);
    }
    const { row, groups } = entry;
    const cache = new Map<string | null, IndexedShadow | undefined>();
    return {
      thingName: row.name, thingId: row.id, thingTypeName: row.type ?? undefined, thingGroupNames: groups,
      attributes: row.attributes, connectivity: this.connectivity.get(row.name),
      shadow: (shadowName) => {
        if (!cache.has(shadowName)) cache.set(shadowName, this.readShadow(row.name, shadowName));
        return cache.get(shadowName);
      },
    };
  }

  private readShadow(thing: string, name: string | null): IndexedShadow | undefined {
    try {
      const doc = this.shadows.get({ thing, name });
      return {
        ...(doc.state.reported ? { reported: doc.state.reported } : {}),
        ...(doc.state.desired ? { desired: doc.state.desired } : {}),
        hasDelta: doc.state.delta !== undefined,
        version: doc.version,
      };
    } catch {
      return undefined; // no such shadow (or an invalid name for one): nothing to index
    }
  }
}
