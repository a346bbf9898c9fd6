/**
 * Provisioning: creates what a `provision` step names on the target, in dependency order (sinks and functions, thing
 * types, thing groups, policies, certificates, things, rules), pushing an undo for each resource onto the run's
 * cleanup stack as soon as it exists, so a step that fails half-way leaves only what cleanup removes.
 */
import path from 'node:path';
import type { IoTClient } from '@aws-sdk/client-iot';
import { EngineError } from '../../core/index.js';
import type { Target } from '../targets/target.js';
import type { Tags } from './creation-tags.js';
import { iotClientFor } from './iot-control.js';
import { localResourceRefusal, provisionFunction, provisionSink } from './local-resources.js';
import type { CleanupStack, ProvisionEnv } from './provision-env.js';
import type { IfExists, ProvisionSpec, ThingGroupSpec } from './provision-spec.js';
import { provisionThing, provisionThingGroup, provisionThingType } from './registry-resources.js';
import { provisionRule } from './rule-resources.js';
import { provisionCertificate, provisionPolicy, type CertificateOutput } from './security-resources.js';

/** What provisioning made that later steps use: new certificates by name, things by name. */
export interface ProvisionOutputs {
  certificates: Record<string, CertificateOutput>;
  things: Record<string, { thingName: string; thingArn: string }>;
}

export interface ProvisionOptions {
  cleanup: CleanupStack;
  /** Nothing created is undone at the end of the run (a lab's starting state and solution stay). */
  keep?: boolean;
  /** Turns a function's `file` into a path (default: relative to the working directory). */
  resolveFile?: (file: string) => string;
  log?: (message: string) => void;
  signal?: AbortSignal;
  /** Certificates made by earlier steps, by name, for `things[].principals`. */
  knownCertificates?: Record<string, string>;
  /** Tags put on what is created where the API takes them at creation (policies, rules, thing groups and types). */
  tags?: Tags;
  /** The default of the spec's `ifExists` when it says none (`fail` unless given; a lab's solve: `update`). */
  ifExists?: IfExists;
}

const needsControlPlane = (spec: ProvisionSpec) =>
  [spec.thingTypes, spec.thingGroups, spec.policies, spec.certificates, spec.things, spec.rules].some((l) => l?.length);

/** Why the target cannot run this step, in one sentence; null when it can (checked before the run starts). */
export function provisionRefusal(spec: ProvisionSpec, target: Pick<Target, 'name' | 'kind' | 'api' | 'aws' | 'capabilities'>): string | null {
  if (needsControlPlane(spec) && (!target.aws || !target.capabilities.controlPlane)) {
    return `provision: the target '${target.name}' (${target.kind}) has no AWS IoT control plane to create things, certificates, policies or rules on`;
  }
  return localResourceRefusal(spec, target);
}

/** Problems in the spec that no target would accept (names used twice, principals naming no certificate), or []. */
export function provisionProblems(spec: ProvisionSpec, knownCertificates: Iterable<string> = []): string[] {
  const problems: string[] = [];
  const twice = (what: string, names: string[]) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) problems.push(`${what} '${n}' is named twice`);
      seen.add(n);
    }
  };
  twice('thing type', (spec.thingTypes ?? []).map((t) => t.name));
  twice('thing group', (spec.thingGroups ?? []).map((t) => t.name));
  twice('policy', (spec.policies ?? []).map((t) => t.name));
  twice('certificate', (spec.certificates ?? []).map((t) => t.name));
  twice('thing', (spec.things ?? []).map((t) => t.name));
  twice('rule', (spec.rules ?? []).map((t) => t.name));
  twice('function', (spec.functions ?? []).map((t) => t.name));
  twice('sink', (spec.sinks ?? []).map((t) => `${t.kind} ${t.name}`));
  const certs = new Set([...(spec.certificates ?? []).map((c) => c.name), ...knownCertificates]);
  for (const thing of spec.things ?? []) {
    for (const p of thing.principals ?? []) {
      if (!p.startsWith('arn:') && !certs.has(p)) problems.push(`thing '${thing.name}': principal '${p}' is neither a certificate of this step nor an ARN (an earlier step's certificate is \${name.certificateArn})`);
    }
  }
  for (const f of spec.functions ?? []) {
    if ((f.file === undefined) === (f.code === undefined)) problems.push(`function '${f.name}': give either file or code`);
  }
  return problems;
}

/** Thing groups with each parent of the step before its children, otherwise in the order given. */
export function parentsFirst(groups: readonly ThingGroupSpec[]): ThingGroupSpec[] {
  const byName = new Map(groups.map((g) => [g.name, g]));
  const out: ThingGroupSpec[] = [];
  const placed = new Set<string>();
  const place = (g: ThingGroupSpec, path: Set<string>) => {
    if (placed.has(g.name) || path.has(g.name)) return; // a cycle is the target's to refuse
    path.add(g.name);
    const parent = g.parent === undefined ? undefined : byName.get(g.parent);
    if (parent) place(parent, path);
    placed.add(g.name);
    out.push(g);
  };
  for (const g of groups) place(g, new Set());
  return out;
}

/** Creates everything the spec names; each created resource's undo is on `opts.cleanup` before the next one starts. */
export async function provision(target: Target, spec: ProvisionSpec, opts: ProvisionOptions): Promise<ProvisionOutputs> {
  const refused = provisionRefusal(spec, target);
  if (refused) throw new EngineError('InvalidInput', refused);
  const problems = provisionProblems(spec, Object.keys(opts.knownCertificates ?? {}));
  if (problems.length) throw new EngineError('InvalidInput', `provision: ${problems.join('; ')}`);

  let client: IoTClient | undefined;
  const env: ProvisionEnv = {
    target,
    iot: () => (client ??= iotClientFor(target)),
    cleanup: opts.keep ? { push: () => undefined } : opts.cleanup,
    resolveFile: opts.resolveFile ?? ((f) => path.resolve(f)),
    ifExists: spec.ifExists ?? opts.ifExists ?? 'fail',
    log: opts.log ?? (() => undefined),
    signal: opts.signal,
    ...(opts.tags && Object.keys(opts.tags).length ? { tags: opts.tags } : {}),
  };
  // The client outlives this call: the undos on the cleanup stack use it; it is released after the last of them.
  opts.cleanup.push('release the provisioning client', async () => client?.destroy());

  const outputs: ProvisionOutputs = { certificates: {}, things: {} };
  // An aborted run (Ctrl-C, its timeout) creates nothing more: its cleanup stack is about to be unwound.
  const next = () => opts.signal?.throwIfAborted();
  for (const s of spec.sinks ?? []) { next(); await provisionSink(env, s); }
  for (const f of spec.functions ?? []) { next(); await provisionFunction(env, f); }
  for (const t of spec.thingTypes ?? []) { next(); await provisionThingType(env, t); }
  for (const g of parentsFirst(spec.thingGroups ?? [])) { next(); await provisionThingGroup(env, g); }
  for (const p of spec.policies ?? []) { next(); await provisionPolicy(env, p); }
  for (const c of spec.certificates ?? []) { next(); outputs.certificates[c.name] = await provisionCertificate(env, c); }
  const principalArn = (ref: string) => outputs.certificates[ref]?.certificateArn ?? opts.knownCertificates?.[ref] ?? ref;
  for (const t of spec.things ?? []) { next(); outputs.things[t.name] = await provisionThing(env, t, principalArn); }
  for (const r of spec.rules ?? []) { next(); await provisionRule(env, r); }
  return outputs;
}
