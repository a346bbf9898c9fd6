/** Thing registry shapes shared by the engine and the renderer (camelCase; AWS spellings live in engine/api). */
import type { JsonObject } from './shadow-types.js';

/** A thing's connection state, kept current from the broker's presence events (client id = thing name). */
export interface ThingConnectivity {
  connected: boolean;
  /** Epoch ms of the last connect or disconnect seen; absent when the thing never connected since the engine started. */
  timestamp?: number;
  disconnectReason?: string;
}

export interface ThingInfo {
  name: string;
  id: string;
  arn: string;
  /** Thing type name, or null. */
  type: string | null;
  attributes: Record<string, string>;
  /** 1 at creation, incremented by every update. */
  version: number;
  /** The client id AWS suggests for the thing: its name. */
  defaultClientId: string;
  createdAt: number;
  updatedAt: number;
}

export interface ThingTypeInfo {
  name: string;
  id: string;
  arn: string;
  description: string | null;
  searchableAttributes: string[];
  deprecated: boolean;
  /** Epoch ms, or null while not deprecated. */
  deprecatedAt: number | null;
  createdAt: number;
}

export interface ThingGroupInfo {
  name: string;
  id: string;
  arn: string;
  parent: string | null;
  /** Ancestors from the root down to the parent. */
  rootToParent: string[];
  description: string | null;
  attributes: Record<string, string>;
  version: number;
  createdAt: number;
  /** Set on a dynamic thing group: its fleet-indexing query (members are the things that match it). */
  dynamic?: { queryString: string; indexName: string; queryVersion: string; status: 'ACTIVE' | 'BUILDING' | 'REBUILDING' };
}

/** One fleet-search hit: the thing's index document (AWS's ThingDocument). */
export interface ThingSearchHit {
  name: string;
  id: string;
  type: string | null;
  groups: string[];
  attributes: Record<string, string>;
  connectivity: ThingConnectivity;
  /** The classic shadow's indexed fields, when it exists. */
  shadow?: { reported?: JsonObject; desired?: JsonObject; hasDelta: boolean; version: number };
}

/** A page of results; `after` is set when more follow (pass it back to continue). */
export interface RegistryPage<T> {
  items: T[];
  after?: string;
}

/** `registry.things()` filters, as ListThings has them. */
export interface ThingListFilter {
  type?: string;
  attributeName?: string;
  attributeValue?: string;
  /** `attributeValue` is a prefix. */
  prefix?: boolean;
}

/** `registry.createThing()` input, as CreateThing has it. */
export interface ThingCreateInput {
  type?: string;
  attributes?: Record<string, string>;
}

/** CreateThingType's properties. */
export interface ThingTypeInput {
  description?: string;
  /** At most 3 attribute names the type's things can be found by (ListThings). */
  searchableAttributes?: string[];
}

/** CreateThingGroup's properties. */
export interface ThingGroupInput {
  parent?: string;
  description?: string;
  attributes?: Record<string, string>;
}

/** What a registry or security change touched. */
export type RegistryChangeKind = 'thing' | 'thingType' | 'thingGroup' | 'thingPrincipal' | 'groupMembership' | 'certificate' | 'policy';

/** The registry or its security changed (through the UI, the AWS API or a device's JITR), coalesced. */
export interface RegistryChanged {
  kinds: RegistryChangeKind[];
}

/** A CoAP device's pre-shared token as created: the secret is shown this once (only its salted hash is kept). */
export interface DeviceTokenCreated {
  thing: string;
  token: string;
  /** Public id of the token: the device's principal (rules' `principal()`, presence's `principalIdentifier`). */
  tokenId: string;
}

/** A thing's device token as listed (never the secret). */
export interface DeviceTokenInfo {
  thing: string;
  tokenId: string;
  createdAt: number;
}
