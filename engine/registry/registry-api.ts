/** The UI contract's `registry` area over the service: same validation and messages as the control-plane edge. */
import type { ThingbenchApi } from '../contract/index.js';
import type { RegistryService } from './registry-service.js';

export function registryApi(registry: RegistryService): ThingbenchApi['registry'] {
  return {
    things: async (filter, limit, after) => registry.listThings(filter ?? {}, limit ?? 250, after ?? undefined),
    thing: async (name) => ({ ...registry.describeThing(name), connectivity: registry.connectivityOf(name) }),
    thingTypes: async () => registry.listThingTypes(Number.MAX_SAFE_INTEGER).items,
    groups: async () => registry.groups.list(Number.MAX_SAFE_INTEGER).items,
    groupThings: async (group, recursive) => registry.groups.things(group, recursive ?? false, Number.MAX_SAFE_INTEGER).items,
    principals: async (thing) => registry.listPrincipals(thing, Number.MAX_SAFE_INTEGER).items,
    search: async (query, limit, after) => registry.search(query, limit ?? 100, after ?? undefined),
    searchFields: async () => registry.searchFields(),
    createThing: async (name, input) => (await registry.createThing(name, { type: input?.type, attributes: input?.attributes })).thing,
    deleteThing: (name) => registry.deleteThing(name),
    attachPrincipal: (thing, principal) => registry.attachPrincipal(thing, principal),
    detachPrincipal: (thing, principal) => registry.detachPrincipal(thing, principal),
    createThingType: async (name, input) => (await registry.createThingType(name, { description: input?.description, searchableAttributes: input?.searchableAttributes })).type,
    createGroup: async (name, input) => (await registry.groups.create(name, { parent: input?.parent, description: input?.description, attributes: input?.attributes })).group,
    addThingToGroup: (group, thing) => registry.groups.addThing(group, thing),
    removeThingFromGroup: (group, thing) => registry.groups.removeThing(group, thing),
    setDeviceToken: (input) => registry.deviceTokens.set(input.thing, input.token),
    deleteDeviceToken: (thing) => registry.deviceTokens.delete(thing),
    deviceTokens: async () => registry.deviceTokens.list(),
  };
}
