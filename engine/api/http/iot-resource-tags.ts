/**
 * Tags of AWS IoT's device-management resources (jobs, job templates, commands, provisioning templates), kept with the
 * registry's tags by ARN (engine/registry/iot-tags.ts): a Create call's `tags` are checked before the resource is made
 * and stored once it is, a Delete call forgets them, and TagResource, UntagResource and ListTagsForResource reach them
 * (iot-control-tags.ts) through `TaggableResources`.
 */
import { iotArn } from '../../core/index.js';
import type { IotTags } from '../../registry/index.js';
import type { HttpHandler, HttpRequest, Route } from './http-server.js';
import { jsonBody } from './iot-control-shared.js';
import { checkCreationTags, tagsOf } from './iot-control-tags.js';

/** Whether a resource of each kind (its ARN's resource type) exists, by name. */
export type TaggableResources = Partial<Record<TaggableKind, (name: string) => boolean>>;
export type TaggableKind = 'job' | 'jobtemplate' | 'command' | 'provisioningtemplate';

/** Each kind's name parameter (path label, or body member for CreateProvisioningTemplate) and its Create and Delete. */
const KINDS: Record<TaggableKind, { name: string; create: string; remove: string }> = {
  job: { name: 'jobId', create: 'CreateJob', remove: 'DeleteJob' },
  jobtemplate: { name: 'jobTemplateId', create: 'CreateJobTemplate', remove: 'DeleteJobTemplate' },
  command: { name: 'commandId', create: 'CreateCommand', remove: 'DeleteCommand' },
  provisioningtemplate: { name: 'templateName', create: 'CreateProvisioningTemplate', remove: 'DeleteProvisioningTemplate' },
};

export const TAGGABLE_KINDS = Object.keys(KINDS) as TaggableKind[];

function arnOf(kind: TaggableKind, req: HttpRequest): string {
  const key = KINDS[kind].name;
  return iotArn(`${kind}/${req.params[key] ?? String(jsonBody(req)[key])}`);
}

/** The routes with their Create calls storing `tags` and their Delete calls forgetting them. */
export function withResourceTags(routes: Route[], tags: IotTags): Route[] {
  return routes.map((route) => {
    const kind = TAGGABLE_KINDS.find((k) => KINDS[k].create === route.operation || KINDS[k].remove === route.operation);
    if (!kind) return route;
    const inner = route.handler;
    const handler: HttpHandler = route.operation === KINDS[kind].create
      ? async (req) => {
        const given = tagsOf(jsonBody(req).tags);
        checkCreationTags(given);
        const result = await inner(req);
        await tags.tag(arnOf(kind, req), given);
        return result;
      }
      : async (req) => {
        const result = await inner(req);
        await tags.forget(arnOf(kind, req));
        return result;
      };
    return { ...route, handler };
  });
}
