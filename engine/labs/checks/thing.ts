/** `thing: { name, type?, attributes?, groups?, hasPrincipal? }`: the registry holds the thing as described. */
import { DescribeThingCommand, ListThingGroupsForThingCommand, ListThingPrincipalsCommand } from '@aws-sdk/client-iot';
import { defineCheck, done, listText, missing } from './check.js';

export interface ThingArgs {
  name: string;
  type?: string;
  attributes?: Record<string, string>;
  groups?: string[];
  hasPrincipal?: boolean;
}

export const thingCheck = defineCheck<ThingArgs>({
  kind: 'thing',
  summary: 'The registry holds the thing, with this type, these attributes, in these groups, with a principal attached (DescribeThing).',
  localOnly: false,
  schema: {
    type: 'object', required: ['name'], additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1 },
      type: { type: 'string', minLength: 1, description: 'The thing type it has.' },
      attributes: { type: 'object', additionalProperties: { type: 'string' }, description: 'Attributes it has with these values (others may exist).' },
      groups: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Static thing groups it is in.' },
      hasPrincipal: { type: 'boolean', description: 'true: at least one principal (certificate) is attached.' },
    },
  },
  async check(ctx, a) {
    const iot = ctx.clients.iot();
    const thing = await ctx.clients.find('DescribeThing', () => iot.send(new DescribeThingCommand({ thingName: a.name })));
    if (!thing) return missing(`there is no thing named ${a.name}`);
    if (a.type !== undefined && thing.thingTypeName !== a.type) {
      return missing(thing.thingTypeName ? `the thing ${a.name} has the type ${thing.thingTypeName}, not ${a.type}` : `the thing ${a.name} has no thing type (expected ${a.type})`);
    }
    for (const [k, v] of Object.entries(a.attributes ?? {})) {
      const got = thing.attributes?.[k];
      if (got === undefined) return missing(`the thing ${a.name} has no attribute ${k} (expected ${k}=${v})`);
      if (got !== v) return missing(`the thing ${a.name} has ${k}=${got}, not ${k}=${v}`);
    }
    if (a.groups?.length) {
      const res = await ctx.clients.call('ListThingGroupsForThing', () => iot.send(new ListThingGroupsForThingCommand({ thingName: a.name, maxResults: 250 })));
      const inGroups = (res.thingGroups ?? []).map((g) => g.groupName ?? '');
      const out = a.groups.filter((g) => !inGroups.includes(g));
      if (out.length) return missing(`the thing ${a.name} is not in the group${out.length > 1 ? 's' : ''} ${listText(out)} (it is in ${listText(inGroups, 'no group')})`);
    }
    if (a.hasPrincipal) {
      const res = await ctx.clients.call('ListThingPrincipals', () => iot.send(new ListThingPrincipalsCommand({ thingName: a.name })));
      if (!res.principals?.length) return missing(`the thing ${a.name} has no attached principal`);
    }
    const parts = [thing.thingTypeName && `type ${thing.thingTypeName}`, a.groups?.length && `in ${listText(a.groups)}`, a.hasPrincipal && 'with a principal attached'].filter(Boolean);
    return done(`the thing ${a.name} exists${parts.length ? `, ${parts.join(', ')}` : ''}`);
  },
});
