/**
 * AWS IoT control plane (`iot`, restJson1) registry operations at AWS's REST paths [CP-model]: things, thing types,
 * static and dynamic thing groups, principal attachments, DescribeEndpoint, fleet indexing (SearchIndex,
 * GetIndexingConfiguration), registry event configuration.
 * One handler per operation; the registry service does the validation, so the UI contract sees the same rules.
 *
 * LIMITATIONS:
 * - DescribeEndpoint returns the host the request was addressed to (its `Host` header, else the bound host) for every
 *   endpoint type, with no port: clients must keep the engine's ports (MQTT 1883/8883, HTTP 8080 by default).
 * - Billing groups are not implemented; UpdateIndexingConfiguration is kept but the index is always on and current.
 * - List operations without `maxResults` return pages of 50 (AWS does not document its default).
 * - The `AWS_ThingGroups` index is not searchable (ResourceNotFoundException).
 */
import { EngineError } from '../../core/index.js';
import type { RegistryService } from '../../registry/index.js';
import type { ThingGroupInfo, ThingInfo, ThingTypeInfo } from '../../contract/index.js';
import type { HttpHandler, HttpRequest, Route } from './http-server.js';
import { checkCreationTags, iotControlTagRoutes, tagsOf } from './iot-control-tags.js';
import type { TaggableResources } from './iot-resource-tags.js';
import {
  arnResource, controlRoutes, decodeNextToken, encodeNextToken, epochSeconds, jsonBody, maxResults, optionalBoolean,
  optionalInteger, optionalObject, optionalString, principalHeader, queryBoolean, requiredString,
} from './iot-control-shared.js';

const REGISTRY_MAX_RESULTS = 250;
const DEFAULT_PAGE = 50;
const SEARCH_MAX_RESULTS = 100;
const ENDPOINT_TYPES = ['iot:Data', 'iot:Data-ATS', 'iot:CredentialProvider', 'iot:Jobs'];

const invalid = (message: string) => new EngineError('InvalidInput', message);

/** What the registry operations need from the registry; `RegistryService` satisfies it. */
export type RegistryOperations = Pick<RegistryService,
  | 'createThing' | 'describeThing' | 'updateThing' | 'deleteThing' | 'listThings'
  | 'createThingType' | 'describeThingType' | 'listThingTypes' | 'deprecateThingType' | 'deleteThingType'
  | 'attachPrincipal' | 'detachPrincipal' | 'listPrincipals' | 'thingsForPrincipal' | 'search'
  | 'indexingConfiguration' | 'updateIndexingConfiguration' | 'eventConfig' | 'tags'> & {
  readonly groups: Pick<RegistryService['groups'],
    | 'create' | 'describe' | 'list' | 'delete' | 'addThing' | 'removeThing' | 'things' | 'groupsOf'
    | 'createDynamic' | 'updateDynamic' | 'deleteDynamic' | 'update' | 'updateGroupsOfThing'>;
};

/** `{ attributes, merge }` of an attributePayload. */
function attributePayload(body: Record<string, unknown>): { attributes?: Record<string, string>; merge?: boolean } {
  const payload = optionalObject(body, 'attributePayload');
  if (!payload) return {};
  const attributes = optionalObject(payload, 'attributes') as Record<string, string> | undefined;
  return { attributes, merge: optionalBoolean(payload, 'merge') };
}

/** `?nextToken=&maxResults=` of a list operation. */
function paging(req: HttpRequest, kind: string, max = REGISTRY_MAX_RESULTS) {
  return { limit: maxResults(req.query.get('maxResults'), max, DEFAULT_PAGE), after: decodeNextToken(kind, req.query.get('nextToken')) };
}

const withToken = <T extends object>(json: T, kind: string, after?: string) => {
  const nextToken = encodeNextToken(kind, after);
  return nextToken ? { ...json, nextToken } : json;
};

const thingAttribute = (t: ThingInfo) => ({
  thingName: t.name, ...(t.type ? { thingTypeName: t.type } : {}), thingArn: t.arn, attributes: t.attributes, version: t.version,
});

const thingType = (t: ThingTypeInfo) => ({
  thingTypeName: t.name,
  thingTypeArn: t.arn,
  thingTypeProperties: { ...(t.description !== null ? { thingTypeDescription: t.description } : {}), searchableAttributes: t.searchableAttributes },
  thingTypeMetadata: {
    deprecated: t.deprecated, ...(t.deprecatedAt !== null ? { deprecationDate: epochSeconds(t.deprecatedAt) } : {}), creationDate: epochSeconds(t.createdAt),
  },
});

const groupNameAndArn = (g: ThingGroupInfo) => ({ groupName: g.name, groupArn: g.arn });

// ── things ──

export function createThing(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    const { thing } = await registry.createThing(req.params.thingName, { type: optionalString(body, 'thingTypeName'), attributes: attributePayload(body).attributes });
    return { json: { thingName: thing.name, thingArn: thing.arn, thingId: thing.id } };
  };
}

export function describeThing(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const t = registry.describeThing(req.params.thingName);
    return {
      json: {
        defaultClientId: t.defaultClientId, thingName: t.name, thingId: t.id, thingArn: t.arn, ...(t.type ? { thingTypeName: t.type } : {}),
        attributes: t.attributes, version: t.version,
      },
    };
  };
}

export function updateThing(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    const { attributes, merge } = attributePayload(body);
    await registry.updateThing(req.params.thingName, {
      type: optionalString(body, 'thingTypeName'), removeType: optionalBoolean(body, 'removeThingType'), attributes, merge,
      expectedVersion: optionalInteger(body.expectedVersion, 'expectedVersion'),
    });
    return { json: {} };
  };
}

export function deleteThing(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    await registry.deleteThing(req.params.thingName, optionalInteger(req.query.get('expectedVersion') ?? undefined, 'expectedVersion'));
    return { json: {} };
  };
}

export function listThings(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const { limit, after } = paging(req, 'things');
    const q = (k: string) => req.query.get(k) ?? undefined;
    const page = registry.listThings({
      type: q('thingTypeName'), attributeName: q('attributeName'), attributeValue: q('attributeValue'), prefix: queryBoolean(req, 'usePrefixAttributeValue'),
    }, limit, after);
    return { json: withToken({ things: page.items.map(thingAttribute) }, 'things', page.after) };
  };
}

// ── thing types ──

export function createThingType(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    const props = optionalObject(jsonBody(req), 'thingTypeProperties') ?? {};
    const searchable = props.searchableAttributes;
    if (searchable !== undefined && searchable !== null && (!Array.isArray(searchable) || searchable.some((a) => typeof a !== 'string'))) {
      throw invalid('searchableAttributes must be a list of strings');
    }
    const tags = tagsOf(jsonBody(req).tags);
    checkCreationTags(tags);
    const { type } = await registry.createThingType(req.params.thingTypeName, {
      description: optionalString(props, 'thingTypeDescription'), searchableAttributes: (searchable as string[] | undefined) ?? undefined,
    });
    await registry.tags.tag(type.arn, tags);
    return { json: { thingTypeName: type.name, thingTypeArn: type.arn, thingTypeId: type.id } };
  };
}

export function describeThingType(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const t = registry.describeThingType(req.params.thingTypeName);
    return { json: { ...thingType(t), thingTypeId: t.id } };
  };
}

export function listThingTypes(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const { limit, after } = paging(req, 'thingTypes');
    const page = registry.listThingTypes(limit, after, req.query.get('thingTypeName') ?? undefined);
    return { json: withToken({ thingTypes: page.items.map(thingType) }, 'thingTypes', page.after) };
  };
}

export function deprecateThingType(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    await registry.deprecateThingType(req.params.thingTypeName, optionalBoolean(jsonBody(req), 'undoDeprecate') ?? false);
    return { json: {} };
  };
}

export function deleteThingType(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    await registry.deleteThingType(req.params.thingTypeName);
    return { json: {} };
  };
}

// ── thing groups ──

export function createThingGroup(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    const props = optionalObject(body, 'thingGroupProperties') ?? {};
    const tags = tagsOf(body.tags);
    checkCreationTags(tags);
    const { group } = await registry.groups.create(req.params.thingGroupName, {
      parent: optionalString(body, 'parentGroupName'), description: optionalString(props, 'thingGroupDescription'),
      attributes: attributePayload(props).attributes,
    });
    await registry.tags.tag(group.arn, tags);
    return { json: { thingGroupName: group.name, thingGroupArn: group.arn, thingGroupId: group.id } };
  };
}

/** CreateDynamicThingGroup: a group whose members are the things matching a fleet-indexing query. */
export function createDynamicThingGroup(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    const props = optionalObject(body, 'thingGroupProperties') ?? {};
    const tags = tagsOf(body.tags);
    checkCreationTags(tags);
    const { group } = await registry.groups.createDynamic(req.params.thingGroupName, {
      queryString: requiredString(body, 'queryString'), indexName: optionalString(body, 'indexName'), queryVersion: optionalString(body, 'queryVersion'),
      description: optionalString(props, 'thingGroupDescription'), attributes: attributePayload(props).attributes,
    });
    await registry.tags.tag(group.arn, tags);
    return {
      json: {
        thingGroupName: group.name, thingGroupArn: group.arn, thingGroupId: group.id,
        indexName: group.dynamic!.indexName, queryString: group.dynamic!.queryString, queryVersion: group.dynamic!.queryVersion,
      },
    };
  };
}

/** UpdateThingGroup: description and attributes (merged with `merge`), `expectedVersion` checked. */
export function updateThingGroup(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    const props = optionalObject(body, 'thingGroupProperties');
    if (!props) throw invalid("1 validation error detected: Value null at 'thingGroupProperties' failed to satisfy constraint: Member must not be null");
    const version = await registry.groups.update(req.params.thingGroupName, {
      description: optionalString(props, 'thingGroupDescription'), ...attributePayload(props),
      expectedVersion: optionalInteger(body.expectedVersion, 'expectedVersion'),
    });
    return { json: { version } };
  };
}

export function updateDynamicThingGroup(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    const props = optionalObject(body, 'thingGroupProperties');
    if (!props) throw invalid("1 validation error detected: Value null at 'thingGroupProperties' failed to satisfy constraint: Member must not be null");
    const version = await registry.groups.updateDynamic(req.params.thingGroupName, {
      description: optionalString(props, 'thingGroupDescription'), ...attributePayload(props),
      expectedVersion: optionalInteger(body.expectedVersion, 'expectedVersion'),
      queryString: optionalString(body, 'queryString'), indexName: optionalString(body, 'indexName'), queryVersion: optionalString(body, 'queryVersion'),
    });
    return { json: { version } };
  };
}

export function deleteDynamicThingGroup(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    await registry.groups.deleteDynamic(req.params.thingGroupName, optionalInteger(req.query.get('expectedVersion') ?? undefined, 'expectedVersion'));
    return { json: {} };
  };
}

export function describeThingGroup(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const g = registry.groups.describe(req.params.thingGroupName);
    return {
      json: {
        thingGroupName: g.name, thingGroupId: g.id, thingGroupArn: g.arn, version: g.version,
        thingGroupProperties: { ...(g.description !== null ? { thingGroupDescription: g.description } : {}), attributePayload: { attributes: g.attributes } },
        thingGroupMetadata: {
          ...(g.parent ? { parentGroupName: g.parent } : {}),
          rootToParentThingGroups: g.rootToParent.map((name) => ({ groupName: name, groupArn: registry.groups.describe(name).arn })),
          creationDate: epochSeconds(g.createdAt),
        },
        ...(g.dynamic ? { indexName: g.dynamic.indexName, queryString: g.dynamic.queryString, queryVersion: g.dynamic.queryVersion } : {}),
        status: g.dynamic?.status ?? 'ACTIVE',
      },
    };
  };
}

export function listThingGroups(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const { limit, after } = paging(req, 'thingGroups');
    const page = registry.groups.list(limit, after, {
      parent: req.query.get('parentGroup') ?? undefined, prefix: req.query.get('namePrefixFilter') ?? undefined, recursive: queryBoolean(req, 'recursive'),
    });
    return { json: withToken({ thingGroups: page.items.map(groupNameAndArn) }, 'thingGroups', page.after) };
  };
}

export function deleteThingGroup(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    await registry.groups.delete(req.params.thingGroupName, optionalInteger(req.query.get('expectedVersion') ?? undefined, 'expectedVersion'));
    return { json: {} };
  };
}

/** The group and thing of Add/RemoveThingToThingGroup: each by name or by ARN. */
function membership(req: HttpRequest): { group: string; thing: string } {
  const body = jsonBody(req);
  const groupArn = optionalString(body, 'thingGroupArn');
  const thingArn = optionalString(body, 'thingArn');
  const group = optionalString(body, 'thingGroupName') ?? (groupArn !== undefined ? arnResource(groupArn, 'thinggroup') : undefined);
  const thing = optionalString(body, 'thingName') ?? (thingArn !== undefined ? arnResource(thingArn, 'thing') : undefined);
  if (group === undefined) throw invalid('Either thingGroupName or thingGroupArn must be specified');
  if (thing === undefined) throw invalid('Either thingName or thingArn must be specified');
  return { group, thing };
}

export function addThingToThingGroup(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    const { group, thing } = membership(req);
    await registry.groups.addThing(group, thing, optionalBoolean(jsonBody(req), 'overrideDynamicGroups') ?? false);
    return { json: {} };
  };
}

export function removeThingFromThingGroup(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    const { group, thing } = membership(req);
    await registry.groups.removeThing(group, thing);
    return { json: {} };
  };
}

/** UpdateThingGroupsForThing: static groups to add the thing to and to remove it from. */
export function updateThingGroupsForThing(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    const names = (key: string): string[] | undefined => {
      const v = body[key];
      if (v === undefined || v === null) return undefined;
      if (!Array.isArray(v) || v.some((n) => typeof n !== 'string')) throw invalid(`${key} must be a list of thing group names`);
      return v as string[];
    };
    const thing = optionalString(body, 'thingName');
    if (thing === undefined) throw invalid("1 validation error detected: Value null at 'thingName' failed to satisfy constraint: Member must not be null");
    await registry.groups.updateGroupsOfThing(thing, names('thingGroupsToAdd'), names('thingGroupsToRemove'), optionalBoolean(body, 'overrideDynamicGroups') ?? false);
    return { json: {} };
  };
}

export function listThingsInThingGroup(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const { limit, after } = paging(req, 'groupThings');
    const page = registry.groups.things(req.params.thingGroupName, queryBoolean(req, 'recursive') ?? false, limit, after);
    return { json: withToken({ things: page.items }, 'groupThings', page.after) };
  };
}

export function listThingGroupsForThing(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const { limit, after } = paging(req, 'thingGroupsForThing');
    const page = registry.groups.groupsOf(req.params.thingName, limit, after);
    return { json: withToken({ thingGroups: page.items.map(groupNameAndArn) }, 'thingGroupsForThing', page.after) };
  };
}

// ── principals ──

export function attachThingPrincipal(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    const type = req.query.get('thingPrincipalType');
    if (type !== null && type !== 'EXCLUSIVE_THING' && type !== 'NON_EXCLUSIVE_THING') {
      throw invalid(`Invalid thingPrincipalType: ${type}. Valid values are EXCLUSIVE_THING and NON_EXCLUSIVE_THING`);
    }
    await registry.attachPrincipal(req.params.thingName, principalHeader(req), type === 'EXCLUSIVE_THING');
    return { json: {} };
  };
}

export function detachThingPrincipal(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    await registry.detachPrincipal(req.params.thingName, principalHeader(req));
    return { json: {} };
  };
}

export function listThingPrincipals(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const { limit, after } = paging(req, 'principals');
    const page = registry.listPrincipals(req.params.thingName, limit, after);
    return { json: withToken({ principals: page.items }, 'principals', page.after) };
  };
}

export function listPrincipalThings(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const { limit, after } = paging(req, 'principalThings');
    const page = registry.thingsForPrincipal(principalHeader(req), limit, after);
    return { json: withToken({ things: page.items }, 'principalThings', page.after) };
  };
}

// ── endpoint and fleet indexing ──

/** DescribeEndpoint: this engine's host as the client addressed it (AWS returns `xxxx-ats.iot.<region>.amazonaws.com`). */
export function describeEndpoint(defaultHost: string): HttpHandler {
  return (req) => {
    const type = req.query.get('endpointType') ?? 'iot:Data';
    if (!ENDPOINT_TYPES.includes(type)) throw invalid(`Invalid endpointType: ${type}. Valid values are ${ENDPOINT_TYPES.join(', ')}`);
    return { json: { endpointAddress: requestHost(req) ?? endpointHost(defaultHost) } };
  };
}

/** The host name of the `Host` header (without port; brackets kept off IPv6). */
function requestHost(req: HttpRequest): string | undefined {
  const host = req.headers.host;
  if (!host) return undefined;
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(host) ?? /^([^:]+)(?::\d+)?$/.exec(host);
  return m?.[1];
}

const endpointHost = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

export function searchIndex(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const body = jsonBody(req);
    const indexName = optionalString(body, 'indexName') ?? 'AWS_Things';
    const queryString = requiredString(body, 'queryString');
    if (indexName !== 'AWS_Things') throw new EngineError('NotFound', `Index ${indexName} does not exist`);
    const limit = maxResults(body.maxResults, SEARCH_MAX_RESULTS, SEARCH_MAX_RESULTS);
    const page = registry.search(queryString, limit, decodeNextToken('search', body.nextToken));
    const things = page.items.map((h) => ({
      thingName: h.name, thingId: h.id, ...(h.type ? { thingTypeName: h.type } : {}), thingGroupNames: h.groups, attributes: h.attributes,
      ...(h.shadow ? { shadow: JSON.stringify(h.shadow) } : {}),
      connectivity: {
        connected: h.connectivity.connected,
        ...(h.connectivity.timestamp !== undefined ? { timestamp: h.connectivity.timestamp } : {}),
        ...(h.connectivity.disconnectReason ? { disconnectReason: h.connectivity.disconnectReason } : {}),
      },
    }));
    return { json: withToken({ things, thingGroups: [] }, 'search', page.after) };
  };
}

/** GetIndexingConfiguration: as last set by UpdateIndexingConfiguration (searching is always on here). */
export function getIndexingConfiguration(registry: RegistryOperations): HttpHandler {
  return () => ({ json: registry.indexingConfiguration() });
}

/** UpdateIndexingConfiguration: the modes are kept and returned; the index is always complete and current here. */
export function updateIndexingConfiguration(registry: RegistryOperations): HttpHandler {
  return (req) => {
    const body = jsonBody(req);
    registry.updateIndexingConfiguration({
      thingIndexingConfiguration: optionalObject(body, 'thingIndexingConfiguration'),
      thingGroupIndexingConfiguration: optionalObject(body, 'thingGroupIndexingConfiguration'),
    });
    return { json: {} };
  };
}

/** DescribeEventConfigurations: every event type with whether it is enabled. */
export function describeEventConfigurations(registry: RegistryOperations): HttpHandler {
  return () => {
    const c = registry.eventConfig.describe();
    return { json: { eventConfigurations: c.eventConfigurations, creationDate: epochSeconds(c.creationDate), lastModifiedDate: epochSeconds(c.lastModifiedDate) } };
  };
}

/** UpdateEventConfigurations: enables or disables the event types named (kept across restarts). */
export function updateEventConfigurations(registry: RegistryOperations): HttpHandler {
  return async (req) => {
    await registry.eventConfig.update(optionalObject(jsonBody(req), 'eventConfigurations'));
    return { json: {} };
  };
}

export function iotControlRegistryRoutes(registry: RegistryOperations, opts: { host: string; taggable?: TaggableResources }): Route[] {
  return [...iotControlTagRoutes(registry, opts.taggable), ...registryRoutes(registry, opts)];
}

function registryRoutes(registry: RegistryOperations, opts: { host: string }): Route[] {
  return controlRoutes([
    { method: 'POST', path: '/things/{thingName}', operation: 'CreateThing', handler: createThing(registry) },
    { method: 'GET', path: '/things/{thingName}', operation: 'DescribeThing', handler: describeThing(registry) },
    { method: 'PATCH', path: '/things/{thingName}', operation: 'UpdateThing', handler: updateThing(registry) },
    { method: 'DELETE', path: '/things/{thingName}', operation: 'DeleteThing', handler: deleteThing(registry) },
    { method: 'GET', path: '/things', operation: 'ListThings', handler: listThings(registry) },
    { method: 'POST', path: '/thing-types/{thingTypeName}', operation: 'CreateThingType', handler: createThingType(registry) },
    { method: 'GET', path: '/thing-types/{thingTypeName}', operation: 'DescribeThingType', handler: describeThingType(registry) },
    { method: 'DELETE', path: '/thing-types/{thingTypeName}', operation: 'DeleteThingType', handler: deleteThingType(registry) },
    { method: 'POST', path: '/thing-types/{thingTypeName}/deprecate', operation: 'DeprecateThingType', handler: deprecateThingType(registry) },
    { method: 'GET', path: '/thing-types', operation: 'ListThingTypes', handler: listThingTypes(registry) },
    { method: 'PUT', path: '/thing-groups/addThingToThingGroup', operation: 'AddThingToThingGroup', handler: addThingToThingGroup(registry) },
    { method: 'PUT', path: '/thing-groups/removeThingFromThingGroup', operation: 'RemoveThingFromThingGroup', handler: removeThingFromThingGroup(registry) },
    { method: 'PUT', path: '/thing-groups/updateThingGroupsForThing', operation: 'UpdateThingGroupsForThing', handler: updateThingGroupsForThing(registry) },
    { method: 'POST', path: '/thing-groups/{thingGroupName}', operation: 'CreateThingGroup', handler: createThingGroup(registry) },
    { method: 'GET', path: '/thing-groups/{thingGroupName}', operation: 'DescribeThingGroup', handler: describeThingGroup(registry) },
    { method: 'DELETE', path: '/thing-groups/{thingGroupName}', operation: 'DeleteThingGroup', handler: deleteThingGroup(registry) },
    { method: 'PATCH', path: '/thing-groups/{thingGroupName}', operation: 'UpdateThingGroup', handler: updateThingGroup(registry) },
    { method: 'POST', path: '/dynamic-thing-groups/{thingGroupName}', operation: 'CreateDynamicThingGroup', handler: createDynamicThingGroup(registry) },
    { method: 'PATCH', path: '/dynamic-thing-groups/{thingGroupName}', operation: 'UpdateDynamicThingGroup', handler: updateDynamicThingGroup(registry) },
    { method: 'DELETE', path: '/dynamic-thing-groups/{thingGroupName}', operation: 'DeleteDynamicThingGroup', handler: deleteDynamicThingGroup(registry) },
    { method: 'GET', path: '/thing-groups', operation: 'ListThingGroups', handler: listThingGroups(registry) },
    { method: 'GET', path: '/thing-groups/{thingGroupName}/things', operation: 'ListThingsInThingGroup', handler: listThingsInThingGroup(registry) },
    { method: 'GET', path: '/things/{thingName}/thing-groups', operation: 'ListThingGroupsForThing', handler: listThingGroupsForThing(registry) },
    { method: 'PUT', path: '/things/{thingName}/principals', operation: 'AttachThingPrincipal', handler: attachThingPrincipal(registry) },
    { method: 'DELETE', path: '/things/{thingName}/principals', operation: 'DetachThingPrincipal', handler: detachThingPrincipal(registry) },
    { method: 'GET', path: '/things/{thingName}/principals', operation: 'ListThingPrincipals', handler: listThingPrincipals(registry) },
    { method: 'GET', path: '/principals/things', operation: 'ListPrincipalThings', handler: listPrincipalThings(registry) },
    { method: 'GET', path: '/endpoint', operation: 'DescribeEndpoint', handler: describeEndpoint(opts.host) },
    { method: 'POST', path: '/indices/search', operation: 'SearchIndex', handler: searchIndex(registry) },
    { method: 'GET', path: '/indexing/config', operation: 'GetIndexingConfiguration', handler: getIndexingConfiguration(registry) },
    { method: 'POST', path: '/indexing/config', operation: 'UpdateIndexingConfiguration', handler: updateIndexingConfiguration(registry) },
    { method: 'GET', path: '/event-configurations', operation: 'DescribeEventConfigurations', handler: describeEventConfigurations(registry) },
    { method: 'PATCH', path: '/event-configurations', operation: 'UpdateEventConfigurations', handler: updateEventConfigurations(registry) },
  ]);
}
