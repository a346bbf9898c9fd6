import type {
  DeviceTokenCreated, DeviceTokenInfo, RegistryPage, ThingConnectivity, ThingCreateInput, ThingGroupInfo, ThingGroupInput, ThingInfo,
  ThingListFilter, ThingSearchHit, ThingTypeInfo, ThingTypeInput,
} from '../registry-types.js';

/** The thing registry and fleet search (the same data as the AWS IoT control plane: `aws iot list-things`, …). */
export interface RegistryApi {
  /** Things by name with ListThings' filters; `after` (from the previous page) continues. */
  things(filter?: ThingListFilter, limit?: number, after?: string): Promise<RegistryPage<ThingInfo>>;
  /** One thing with its current connectivity; NotFound when it does not exist. */
  thing(name: string): Promise<ThingInfo & { connectivity: ThingConnectivity }>;
  thingTypes(): Promise<ThingTypeInfo[]>;
  groups(): Promise<ThingGroupInfo[]>;
  /** Names of the things in a static group (and its descendants with `recursive`). */
  groupThings(group: string, recursive?: boolean): Promise<string[]>;
  /** Principals (certificate ARNs) attached to a thing. */
  principals(thing: string): Promise<string[]>;
  /** Fleet-indexing query (AWS's syntax), e.g. `connectivity.connected:true AND attributes.floor:[1 TO 3]`. */
  search(query: string, limit?: number, after?: string): Promise<RegistryPage<ThingSearchHit>>;
  /** The field names a query can use here (thing fields, attribute names, classic shadow paths), for completion. */
  searchFields(): Promise<string[]>;
  /** CreateThing (the same thing again answers it unchanged; a different type or attributes is AlreadyExists). */
  createThing(name: string, input?: ThingCreateInput): Promise<ThingInfo>;
  /** DeleteThing: refused (InvalidInput) while principals are attached; a thing that does not exist succeeds, as on AWS. */
  deleteThing(name: string): Promise<void>;
  /** AttachThingPrincipal / DetachThingPrincipal with a certificate ARN. */
  attachPrincipal(thing: string, principal: string): Promise<void>;
  detachPrincipal(thing: string, principal: string): Promise<void>;
  /** CreateThingType (the same type again answers it unchanged; other properties are AlreadyExists). */
  createThingType(name: string, input?: ThingTypeInput): Promise<ThingTypeInfo>;
  /** CreateThingGroup, under `parent` when given (which must exist). */
  createGroup(name: string, input?: ThingGroupInput): Promise<ThingGroupInfo>;
  /** AddThingToThingGroup / RemoveThingFromThingGroup (at most 10 groups per thing, as on AWS). */
  addThingToGroup(group: string, thing: string): Promise<void>;
  removeThingFromGroup(group: string, thing: string): Promise<void>;
  /**
   * Sets a thing's CoAP device token (generated when `token` is omitted) and returns it this once, with its public
   * id (the device's principal). Replaces the thing's previous token. NotFound for an unknown thing.
   */
  setDeviceToken(input: { thing: string; token?: string }): Promise<DeviceTokenCreated>;
  /** Removes a thing's device token (NotFound when it has none); deleting the thing removes it too. */
  deleteDeviceToken(thing: string): Promise<void>;
  /** Things with a device token, by name (never the secrets). */
  deviceTokens(): Promise<DeviceTokenInfo[]>;
}
