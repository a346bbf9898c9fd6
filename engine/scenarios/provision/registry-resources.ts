/** Thing types, static thing groups and things (with memberships and principals), each undone at cleanup. */
import {
  AddThingToThingGroupCommand, AttachThingPrincipalCommand, CreateThingCommand, CreateThingGroupCommand, CreateThingTypeCommand,
  DeleteThingCommand, DeleteThingGroupCommand, DeleteThingTypeCommand, DeprecateThingTypeCommand, DescribeThingCommand,
  DescribeThingGroupCommand, DescribeThingTypeCommand, DetachThingPrincipalCommand, ListThingGroupsForThingCommand,
  ListThingPrincipalsCommand, RemoveThingFromThingGroupCommand, UpdateThingCommand, UpdateThingGroupCommand,
} from '@aws-sdk/client-iot';
import { EngineError } from '../../core/index.js';
import { tagList } from './creation-tags.js';
import { call, exceptionName, exists, refusal } from './iot-control.js';
import { alreadyExists, deleting, type ProvisionEnv } from './provision-env.js';
import type { ThingGroupSpec, ThingSpec, ThingTypeSpec } from './provision-spec.js';

/** Pushes an undo that deletes through the control plane; a refusal becomes one sentence. */
export function pushUndo(env: ProvisionEnv, description: string, operation: string, send: () => Promise<unknown>): void {
  env.cleanup.push(description, async () => {
    try {
      await deleting(env, send);
    } catch (e) {
      throw refusal(env.target, operation, e);
    }
  });
}

export async function provisionThingType(env: ProvisionEnv, spec: ThingTypeSpec): Promise<void> {
  const iot = env.iot();
  const name = spec.name;
  if (await exists(env.target, 'DescribeThingType', () => iot.send(new DescribeThingTypeCommand({ thingTypeName: name })))) {
    if ((spec.ifExists ?? env.ifExists) === 'fail') throw alreadyExists(env, 'the thing type', name);
    env.log(`thing type ${name}: reused`); // update too: a thing type's properties cannot change on AWS
    return;
  }
  await call(env.target, 'CreateThingType', () => iot.send(new CreateThingTypeCommand({
    thingTypeName: name,
    ...(env.tags ? { tags: tagList(env.tags) } : {}),
    thingTypeProperties: { thingTypeDescription: spec.description, searchableAttributes: spec.searchableAttributes },
  })));
  env.log(`thing type ${name}: created`);
  env.cleanup.push(`delete thing type ${name}`, async () => {
    await call(env.target, 'DeprecateThingType', () => deleting(env, () => iot.send(new DeprecateThingTypeCommand({ thingTypeName: name }))));
    try {
      await deleting(env, () => iot.send(new DeleteThingTypeCommand({ thingTypeName: name })));
    } catch (e) {
      if (exceptionName(e) !== 'InvalidRequestException' || env.target.kind === 'local') throw refusal(env.target, 'DeleteThingType', e);
      // AWS IoT deletes a thing type only 5 minutes after it was deprecated.
      throw new EngineError('Conflict', `the thing type '${name}' is deprecated but not deleted: AWS IoT deletes a thing type 5 minutes after deprecating it (aws iot delete-thing-type --thing-type-name ${name})`);
    }
  });
}

export async function provisionThingGroup(env: ProvisionEnv, spec: ThingGroupSpec): Promise<void> {
  const iot = env.iot();
  const name = spec.name;
  if (await exists(env.target, 'DescribeThingGroup', () => iot.send(new DescribeThingGroupCommand({ thingGroupName: name })))) {
    const ifExists = spec.ifExists ?? env.ifExists;
    if (ifExists === 'fail') throw alreadyExists(env, 'the thing group', name);
    if (ifExists === 'update' && (spec.attributes || spec.description !== undefined)) {
      await call(env.target, 'UpdateThingGroup', () => iot.send(new UpdateThingGroupCommand({
        thingGroupName: name,
        thingGroupProperties: { thingGroupDescription: spec.description, ...(spec.attributes ? { attributePayload: { attributes: spec.attributes, merge: true } } : {}) },
      })));
      env.log(`thing group ${name}: reused, its attributes updated`);
      return;
    }
    env.log(`thing group ${name}: reused`);
    return;
  }
  await call(env.target, 'CreateThingGroup', () => iot.send(new CreateThingGroupCommand({
    thingGroupName: name,
    ...(env.tags ? { tags: tagList(env.tags) } : {}),
    parentGroupName: spec.parent,
    thingGroupProperties: {
      thingGroupDescription: spec.description,
      ...(spec.attributes ? { attributePayload: { attributes: spec.attributes } } : {}),
    },
  })));
  env.log(`thing group ${name}: created`);
  pushUndo(env, `delete thing group ${name}`, 'DeleteThingGroup', () => iot.send(new DeleteThingGroupCommand({ thingGroupName: name })));
}

/**
 * A thing, then its memberships and principals. A reused thing keeps the memberships and principals it already had:
 * cleanup removes only what this step added.
 */
export async function provisionThing(env: ProvisionEnv, spec: ThingSpec, principalArn: (ref: string) => string): Promise<{ thingName: string; thingArn: string }> {
  const iot = env.iot();
  const name = spec.name;
  let thingArn: string;
  let reused = false;
  try {
    thingArn = (await iot.send(new DescribeThingCommand({ thingName: name }))).thingArn ?? '';
    const ifExists = spec.ifExists ?? env.ifExists;
    if (ifExists === 'fail') throw alreadyExists(env, 'the thing', name);
    reused = true;
    // A thing carries identity (its certificates, shadow, memberships): update keeps it and merges its attributes.
    if (ifExists === 'update' && spec.attributes) {
      await call(env.target, 'UpdateThing', () => iot.send(new UpdateThingCommand({ thingName: name, attributePayload: { attributes: spec.attributes, merge: true } })));
      env.log(`thing ${name}: reused, its attributes updated`);
    } else {
      env.log(`thing ${name}: reused`);
    }
  } catch (e) {
    if (e instanceof EngineError) throw e;
    if (exceptionName(e) !== 'ResourceNotFoundException') throw refusal(env.target, 'DescribeThing', e);
    const created = await call(env.target, 'CreateThing', () => iot.send(new CreateThingCommand({
      thingName: name,
      thingTypeName: spec.type,
      ...(spec.attributes ? { attributePayload: { attributes: spec.attributes } } : {}),
    })));
    thingArn = created.thingArn ?? '';
    env.log(`thing ${name}: created`);
    pushUndo(env, `delete thing ${name}`, 'DeleteThing', () => iot.send(new DeleteThingCommand({ thingName: name })));
  }

  const groups = spec.groups ?? [];
  const hadGroups = reused && groups.length
    ? new Set((await call(env.target, 'ListThingGroupsForThing', () => iot.send(new ListThingGroupsForThingCommand({ thingName: name, maxResults: 250 })))).thingGroups?.map((g) => g.groupName))
    : new Set<string | undefined>();
  for (const group of groups) {
    if (hadGroups.has(group)) continue;
    await call(env.target, 'AddThingToThingGroup', () => iot.send(new AddThingToThingGroupCommand({ thingName: name, thingGroupName: group })));
    pushUndo(env, `remove thing ${name} from group ${group}`, 'RemoveThingFromThingGroup',
      () => iot.send(new RemoveThingFromThingGroupCommand({ thingName: name, thingGroupName: group })));
  }

  const principals = (spec.principals ?? []).map(principalArn);
  const hadPrincipals = reused && principals.length
    ? new Set((await call(env.target, 'ListThingPrincipals', () => iot.send(new ListThingPrincipalsCommand({ thingName: name })))).principals)
    : new Set<string>();
  for (const principal of principals) {
    if (hadPrincipals.has(principal)) continue;
    await call(env.target, 'AttachThingPrincipal', () => iot.send(new AttachThingPrincipalCommand({ thingName: name, principal })));
    pushUndo(env, `detach ${principal.split('/').pop()?.slice(0, 10)}… from thing ${name}`, 'DetachThingPrincipal',
      () => iot.send(new DetachThingPrincipalCommand({ thingName: name, principal })));
  }
  return { thingName: name, thingArn };
}
