/**
 * `provision`: creates things, thing types, thing groups, certificates, policies and topic rules on the target through
 * the AWS IoT control plane (and, on a local target, sinks and functions); the run deletes all of it at its end.
 * A new certificate becomes a variable named after it: `${deviceCert.certificatePem}`, `${deviceCert.privateKey}`,
 * `${deviceCert.certificateArn}`, `${deviceCert.certificateId}`, `${deviceCert.publicKey}`.
 */
import { provision, provisionProblems, provisionRefusal, provisionSchema, type ProvisionSpec } from '../provision/index.js';
import { defineStep, passed, type Variables } from './step.js';

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/**
 * Policies and rules are full of AWS's own `${…}` (policy variables such as `${iot:Connection.Thing.ThingName}`,
 * substitution templates such as `${topic(2)}`): in them only a `${name}` whose name is a run variable is replaced.
 */
export function interpolateKnown<T>(vars: Variables, value: T): T {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (whole, expr: string) => {
      const root = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(expr)?.[0];
      if (!root || !vars.has(root)) return whole;
      const v = vars.interpolate(whole);
      return typeof v === 'string' ? v : JSON.stringify(v);
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => interpolateKnown(vars, v)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateKnown(vars, v)])) as T;
  }
  return value;
}

/** Names written as `${name}` (no prefix, no call) in `value` that are not run variables. */
export function unknownNames(vars: Variables, value: unknown): string[] {
  const out = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(PLACEHOLDER)) {
        const root = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(m[1])?.[0];
        if (root && root === m[1].split(/[.[]/)[0] && !m[1].includes(':') && !m[1].includes('(') && !vars.has(root)) out.add(m[1]);
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return [...out];
}

const count = (spec: ProvisionSpec) =>
  [spec.thingTypes, spec.thingGroups, spec.policies, spec.certificates, spec.things, spec.sinks, spec.functions, spec.rules]
    .reduce((n, l) => n + (l?.length ?? 0), 0);

export const provisionStep = defineStep<ProvisionSpec>({
  name: 'provision',
  summary: 'Creates things, thing types, groups, certificates, policies and topic rules through the AWS IoT control plane (and sinks and functions on a local target); the run deletes them at its end.',
  schema: provisionSchema,
  // Interpolated by the step itself, leaving AWS's policy variables and substitution templates alone.
  rawArgs: ['policies', 'rules'],
  check: (args) => provisionProblems({
    ...args,
    // A principal written as a variable is a certificate ARN once interpolated.
    things: args.things?.map((t) => ({ ...t, principals: t.principals?.filter((p) => !p.includes('${')) })),
  }),
  refuse: (args, target) => {
    const why = provisionRefusal(args, target);
    return why ? [why] : [];
  },
  async run(ctx, args) {
    // AWS's policy variables all have a prefix (iot:, aws:): a bare name in a policy is most likely a variable missing.
    for (const name of unknownNames(ctx.vars, args.policies)) {
      ctx.log.warn(`provision: \${${name}} in a policy is not a run variable (AWS's policy variables look like \${iot:ClientId}); it is left as written`);
    }
    const spec: ProvisionSpec = { ...args, policies: interpolateKnown(ctx.vars, args.policies), rules: interpolateKnown(ctx.vars, args.rules) };
    // What existed already (reused, updated) is said in the step's output, not only in its log.
    const kept: string[] = [];
    const out = await provision(ctx.target, spec, {
      cleanup: ctx.cleanup,
      keep: ctx.keepResources,
      ...(ctx.tags ? { tags: ctx.tags } : {}),
      ...(ctx.converge ? { ifExists: 'update' as const } : {}),
      resolveFile: (f) => ctx.resolvePath(f),
      log: (m) => {
        if (/: (reused|updated|unchanged)/.test(m)) kept.push(m);
        ctx.log.info(`provision: ${m}`);
      },
      signal: ctx.signal,
    });
    for (const [name, cert] of Object.entries(out.certificates)) ctx.vars.set(name, cert);
    return passed(`${count(spec)} resources on ${ctx.target.name}${kept.length ? `; ${kept.join('; ')}` : ''}`);
  },
});
