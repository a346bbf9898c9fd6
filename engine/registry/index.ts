export { RegistryService } from './registry-service.js';
export type { RegistryEvents, RegistryServiceOptions, PrincipalCheck, ThingInput, ThingUpdate } from './registry-types.js';
export { MAX_SEARCH_RESULTS, type ShadowReader } from './fleet-index.js';
export type { ThingGroups, ThingGroupInput } from './thing-groups.js';
export type { PresenceSource } from './connectivity.js';
export { parseFleetQuery, MAX_QUERY_TERMS, type FleetQuery } from './fleet-query.js';
export { RESOURCE_NAME, validateName } from './names.js';
export { registryApi } from './registry-api.js';
export { IotTags, iotTagRefusal } from './iot-tags.js';
