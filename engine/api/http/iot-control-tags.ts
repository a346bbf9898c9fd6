/**
 * AWS IoT's TagResource (`POST /tags`), UntagResource (`POST /untag`) and ListTagsForResource (`GET /tags`) over the
 * tags the registry keeps (engine/registry/iot-tags.ts), named by ARN: on thing groups and thing types, and on jobs,
 * job templates, commands and provisioning templates (iot-resource-tags.ts). Other resources' ARNs are refused with a
 * sentence saying their tags are not kept yet; a resource that does not exist is a ResourceNotFoundException.
 * CreateThingGroup's and CreateThingType's `tags` are applied by their handlers.
 */
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../core/index.js';
import { iotTagRefusal, type IotTags } from '../../registry/index.js';
import type { HttpHandler, Route } from './http-server.js';
import { controlRoutes, jsonBody } from './iot-control-shared.js';
import type { RegistryOperations } from './iot-control-registry.js';
import type { TaggableKind, TaggableResources } from './iot-resource-tags.js';

const ARN = new RegExp(`^arn:aws:iot:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:(thinggroup|thingtype|job|jobtemplate|command|provisioningtemplate)/([a-zA-Z0-9:_-]{1,128})$`);
const NAMES: Record<string, string> = {
  thinggroup: 'Thing group', thingtype: 'Thing type', job: 'Job', jobtemplate: 'Job template', command: 'Command', provisioningtemplate: 'Provisioning template',
};

/** The `tags` list of a request body (`[{Key, Value}]`) as a map. */
export function tagsOf(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value) || value.some((t) => !t || typeof (t as { Key?: unknown }).Key !== 'string')) {
    throw new EngineError('InvalidInput', 'tags must be a list of {"Key": string, "Value": string}');
  }
  return Object.fromEntries((value as Array<{ Key: string; Value?: unknown }>).map((t) => [t.Key, typeof t.Value === 'string' ? t.Value : '']));
}

/** Refuses creation tags that break AWS's rules, before the resource is made. */
export function checkCreationTags(tags: Record<string, string>): void {
  const refusal = iotTagRefusal({}, tags);
  if (refusal) throw refusal;
}

export function iotControlTagRoutes(registry: RegistryOperations & { readonly tags: IotTags }, taggable: TaggableResources = {}): Route[] {
  const exists = (kind: string, name: string): boolean => {
    try {
      if (kind === 'thinggroup') registry.groups.describe(name);
      else if (kind === 'thingtype') registry.describeThingType(name);
      else return taggable[kind as TaggableKind]!(name);
      return true;
    } catch (e) {
      if (e instanceof EngineError && e.code === 'NotFound') return false;
      throw e;
    }
  };
  /** The ARN of an existing taggable resource, or AWS IoT's refusal. */
  const resource = (arn: unknown): string => {
    if (typeof arn !== 'string' || !arn) throw new EngineError('InvalidInput', 'resourceArn is required');
    const m = ARN.exec(arn);
    if (!m || (m[1] !== 'thinggroup' && m[1] !== 'thingtype' && !taggable[m[1] as TaggableKind])) {
      if (/^arn:aws:iot:/.test(arn)) throw new EngineError('InvalidInput', `Thingbench keeps the tags of thing groups, thing types, jobs, job templates, commands and provisioning templates only, not of ${arn}`);
      throw new EngineError('InvalidInput', `Invalid resource ARN: ${arn}`);
    }
    if (!exists(m[1], m[2])) throw new EngineError('NotFound', `${NAMES[m[1]]} ${m[2]} does not exist`);
    return arn;
  };
  const tag: HttpHandler = async (req) => {
    const body = jsonBody(req);
    await registry.tags.tag(resource(body.resourceArn), tagsOf(body.tags));
    return { json: {} };
  };
  const untag: HttpHandler = async (req) => {
    const body = jsonBody(req);
    const keys = body.tagKeys;
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) throw new EngineError('InvalidInput', 'tagKeys must be a list of strings');
    await registry.tags.untag(resource(body.resourceArn), keys as string[]);
    return { json: {} };
  };
  // Fifty tags at most: one page, no nextToken.
  const list: HttpHandler = (req) => ({ json: { tags: Object.entries(registry.tags.get(resource(req.query.get('resourceArn')))).map(([Key, Value]) => ({ Key, Value })) } });
  return controlRoutes([
    { method: 'POST', path: '/tags', operation: 'TagResource', handler: tag },
    { method: 'POST', path: '/untag', operation: 'UntagResource', handler: untag },
    { method: 'GET', path: '/tags', operation: 'ListTagsForResource', handler: list },
  ]);
}
