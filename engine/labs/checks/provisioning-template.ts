/**
 * `provisioningTemplate: { name, enabled?, type?, thingGroups?, policies?, parameters? }`: the provisioning template
 * exists (DescribeProvisioningTemplate), enabled or not, of this type (`FLEET_PROVISIONING` or `JITP`), and its default
 * version's body puts the thing in these thing groups (`AWS::IoT::Thing` `ThingGroups`), attaches these policies
 * (`AWS::IoT::Policy` `PolicyName`) and declares these parameters. Only names written literally in the body count: a
 * group or policy computed with `Ref` or `Fn::…` is not recognised (the reason says what the body has).
 */
import { DescribeProvisioningTemplateCommand } from '@aws-sdk/client-iot';
import { defineCheck, done, listText, missing } from './check.js';

export interface ProvisioningTemplateArgs {
  name: string;
  enabled?: boolean;
  type?: 'FLEET_PROVISIONING' | 'JITP';
  thingGroups?: string[];
  policies?: string[];
  parameters?: string[];
}

interface Resource { Type?: unknown; Properties?: Record<string, unknown> }

/** What a template body names literally: its thing's groups, its policies by name, its parameters. */
export function templateBodyNames(body: string): { thingGroups: string[]; policies: string[]; parameters: string[] } | string {
  let doc: { Parameters?: Record<string, unknown>; Resources?: Record<string, Resource> };
  try {
    doc = JSON.parse(body) as typeof doc;
  } catch (e) {
    return `its body is not JSON (${(e as Error).message})`;
  }
  const resources = Object.values(doc?.Resources ?? {}).filter((r): r is Resource => !!r && typeof r === 'object');
  const strings = (v: unknown) => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
  return {
    thingGroups: resources.filter((r) => r.Type === 'AWS::IoT::Thing').flatMap((r) => strings(r.Properties?.ThingGroups)),
    policies: resources.filter((r) => r.Type === 'AWS::IoT::Policy').flatMap((r) => strings(r.Properties?.PolicyName)),
    parameters: Object.keys(doc?.Parameters ?? {}),
  };
}

export const provisioningTemplateCheck = defineCheck<ProvisioningTemplateArgs>({
  kind: 'provisioningTemplate',
  summary: 'The provisioning template exists, enabled, of this type, and its body puts the thing in these groups with these policies and takes these parameters.',
  localOnly: false,
  schema: {
    type: 'object', required: ['name'], additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1 },
      enabled: { type: 'boolean', description: 'Whether devices may provision with it (CreateProvisioningTemplate --enabled).' },
      type: { enum: ['FLEET_PROVISIONING', 'JITP'] },
      thingGroups: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, description: "Groups its AWS::IoT::Thing's ThingGroups names." },
      policies: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, description: 'Policies its AWS::IoT::Policy resources name (PolicyName).' },
      parameters: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, description: 'Parameters it declares.' },
    },
  },
  async check(ctx, a) {
    const iot = ctx.clients.iot();
    const t = await ctx.clients.find('DescribeProvisioningTemplate', () => iot.send(new DescribeProvisioningTemplateCommand({ templateName: a.name })));
    if (!t) return missing(`there is no provisioning template named ${a.name}`);
    if (a.enabled !== undefined && (t.enabled ?? false) !== a.enabled) return missing(`the template ${a.name} is ${t.enabled ? 'enabled' : 'disabled'}`);
    const type = t.type ?? 'FLEET_PROVISIONING';
    if (a.type && type !== a.type) return missing(`the template ${a.name} is of type ${type}, not ${a.type}`);
    const names = templateBodyNames(t.templateBody ?? '');
    if (typeof names === 'string') return missing(`the template ${a.name}: ${names}`);
    for (const [what, want, got] of [
      ['puts its thing in the groups', a.thingGroups, names.thingGroups],
      ['attaches the policies', a.policies, names.policies],
      ['declares the parameters', a.parameters, names.parameters],
    ] as const) {
      const absent = (want ?? []).filter((x) => !got.includes(x));
      if (absent.length) return missing(`the template ${a.name} ${what} ${listText(got, 'none')}, not ${listText(absent)}`);
    }
    const parts = [
      a.thingGroups?.length ? `in ${listText(a.thingGroups)}` : '',
      a.policies?.length ? `with ${listText(a.policies)}` : '',
    ].filter(Boolean).join(' ');
    return done(`the template ${a.name} (${type}, ${t.enabled ? 'enabled' : 'disabled'}, version ${t.defaultVersionId ?? 1}) provisions things${parts ? ` ${parts}` : ''}`);
  },
});
