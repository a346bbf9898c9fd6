/**
 * Makes a rendered template real through the registry and security services: the certificate (an existing one, one
 * signed from a CSR, or a registered PEM), the policies (existing, or created from their document), the thing (created,
 * or an existing one changed as its `OverrideSettings` say), the thing's groups, and the attachments (certificate to
 * thing, policies to certificate). All or nothing as far as it goes: when a step fails, what the earlier steps created
 * or changed is undone in reverse order before the error is rethrown. An existing certificate's status changes last.
 *
 * LIMITATIONS: a certificate a template creates is ACTIVE unless the template says `Status: INACTIVE`; undo is best
 * effort (a step that fails to undo is logged and skipped), and changes are not isolated from concurrent API calls.
 */
import { EngineError, iotArn, type Logger } from '../core/index.js';
import { certificateArn, policyArn, type SecurityService } from '../security/index.js';
import type { RegistryService } from '../registry/index.js';
import type { CertificatePlan, PolicyPlan, RenderedTemplate, ThingPlan } from './template-renderer.js';

export type RegistryPort = Pick<RegistryService, 'findThing' | 'createThing' | 'updateThing' | 'deleteThing' | 'describeThingType' | 'attachPrincipal' | 'detachPrincipal' | 'isAttached'> & {
  readonly groups: Pick<RegistryService['groups'], 'describe' | 'addThing' | 'removeThing' | 'groupsOf'>;
};
export type SecurityPort = Pick<SecurityService, 'deleteCertificate'> & {
  readonly certificates: Pick<SecurityService['certificates'], 'createFromCsr' | 'register' | 'mustRow' | 'row' | 'update'>;
  readonly policies: Pick<SecurityService['policies'], 'get' | 'must' | 'version' | 'create' | 'delete' | 'attach' | 'detach' | 'attached'>;
};

export interface ProvisionResult {
  thingName?: string;
  certificateId?: string;
  /** The PEM of a certificate the template created or registered. */
  certificatePem?: string;
  /** Logical id → ARN of every resource the template named. */
  resources: Record<string, string>;
  deviceConfiguration: Record<string, string>;
}

/** A resource a template could not create because of what already exists (AWS: ResourceConflictsException). */
const conflict = (message: string) => new EngineError('Conflict', message, { reason: 'resourceConflict' });

export async function applyTemplate(plan: RenderedTemplate, registry: RegistryPort, security: SecurityPort, logger: Logger): Promise<ProvisionResult> {
  const undo: Array<{ what: string; run: () => Promise<unknown> }> = [];
  const result: ProvisionResult = { resources: {}, deviceConfiguration: plan.deviceConfiguration };
  let finalStatus: (() => Promise<void>) | undefined;
  try {
    if (plan.certificate) finalStatus = await certificate(plan.certificate, security, undo, result);
    for (const p of plan.policies) await policy(p, security, undo, result);
    if (plan.thing) await thing(plan.thing, registry, undo, result);
    const cert = result.certificateId && certificateArn(result.certificateId);
    if (cert && result.thingName && !registry.isAttached(result.thingName, cert)) {
      await registry.attachPrincipal(result.thingName, cert);
      const name = result.thingName;
      undo.push({ what: `detach ${cert} from ${name}`, run: () => registry.detachPrincipal(name, cert) });
    }
    if (cert) {
      for (const p of plan.policies) {
        if (security.policies.attached(cert).includes(p.policyName)) continue;
        await security.policies.attach(p.policyName, cert);
        undo.push({ what: `detach policy ${p.policyName}`, run: () => security.policies.detach(p.policyName, cert) });
      }
    }
    await finalStatus?.();
    return result;
  } catch (e) {
    for (const step of undo.reverse()) {
      await step.run().catch((err: Error) => logger.log('warn', 'provisioning', `could not undo "${step.what}" after a failed provisioning: ${err.message}`));
    }
    throw e;
  }
}

type Undo = Array<{ what: string; run: () => Promise<unknown> }>;

async function certificate(plan: CertificatePlan, security: SecurityPort, undo: Undo, result: ProvisionResult): Promise<(() => Promise<void>) | undefined> {
  const certs = security.certificates;
  if (plan.certificateId !== undefined) {
    const row = certs.mustRow(plan.certificateId);
    result.certificateId = row.id;
    result.resources[plan.logicalId] = certificateArn(row.id);
    if (!plan.status || plan.status === row.status || plan.statusOverride === 'DO_NOTHING') return undefined;
    if (plan.statusOverride === 'FAIL') throw conflict(`Certificate ${row.id} is ${row.status}, not ${plan.status} (OverrideSettings.Status is FAIL)`);
    return () => certs.update(row.id, plan.status);
  }
  const active = (plan.status ?? 'ACTIVE') === 'ACTIVE';
  let id: string;
  if (plan.certificateSigningRequest !== undefined) {
    const c = await certs.createFromCsr(plan.certificateSigningRequest, active);
    id = c.id;
    result.certificatePem = c.pem;
  } else {
    id = await certs.register(plan.certificatePem, plan.caCertificatePem, active ? 'ACTIVE' : 'INACTIVE');
    result.certificatePem = certs.row(id)?.pem;
  }
  undo.push({ what: `delete certificate ${id}`, run: async () => {
    if (certs.row(id)?.status === 'ACTIVE') await certs.update(id, 'INACTIVE');
    await security.deleteCertificate(id, true);
  } });
  result.certificateId = id;
  result.resources[plan.logicalId] = certificateArn(id);
  return undefined;
}

async function policy(plan: PolicyPlan, security: SecurityPort, undo: Undo, result: ProvisionResult): Promise<void> {
  const existing = security.policies.get(plan.policyName);
  if (plan.policyDocument === undefined) {
    security.policies.must(plan.policyName);
  } else if (existing) {
    const current = security.policies.version(plan.policyName, existing.default_version).document;
    if (!sameJson(current, plan.policyDocument)) throw conflict(`Policy ${plan.policyName} already exists with a different document`);
  } else {
    await security.policies.create(plan.policyName, plan.policyDocument);
    undo.push({ what: `delete policy ${plan.policyName}`, run: () => security.policies.delete(plan.policyName) });
  }
  result.resources[plan.logicalId] = policyArn(plan.policyName);
}

async function thing(plan: ThingPlan, registry: RegistryPort, undo: Undo, result: ProvisionResult): Promise<void> {
  const name = plan.thingName;
  for (const g of plan.thingGroups ?? []) registry.groups.describe(g); // every group must exist (NotFound otherwise)
  const existing = registry.findThing(name);
  if (!existing) {
    await registry.createThing(name, { type: plan.thingTypeName, attributes: plan.attributes });
    undo.push({ what: `delete thing ${name}`, run: () => registry.deleteThing(name) });
    for (const g of plan.thingGroups ?? []) await join(registry, g, name, undo);
  } else {
    const o = plan.overrides;
    const update: Parameters<RegistryPort['updateThing']>[1] = {};
    if (plan.attributes !== undefined && !sameJson(existing.attributes, plan.attributes)) {
      if (o.AttributePayload === 'FAIL') throw conflict(`Thing ${name} already exists with different attributes (OverrideSettings.AttributePayload is FAIL)`);
      if (o.AttributePayload === 'REPLACE' || o.AttributePayload === 'MERGE') Object.assign(update, { attributes: plan.attributes, merge: o.AttributePayload === 'MERGE' });
    }
    if (plan.thingTypeName !== undefined && plan.thingTypeName !== existing.type) {
      if (o.ThingTypeName === 'FAIL') throw conflict(`Thing ${name} already exists with a different thing type (OverrideSettings.ThingTypeName is FAIL)`);
      if (o.ThingTypeName === 'REPLACE') update.type = plan.thingTypeName;
    }
    if (Object.keys(update).length) {
      await registry.updateThing(name, update);
      const before = { type: existing.type ?? undefined, removeType: existing.type === null, attributes: existing.attributes };
      undo.push({ what: `restore thing ${name}`, run: () => registry.updateThing(name, before.removeType ? { removeType: true, attributes: before.attributes } : { type: before.type, attributes: before.attributes }) });
    }
    if (plan.thingGroups !== undefined) {
      const current = registry.groups.groupsOf(name, 100).items.map((g) => g.name);
      const wanted = plan.thingGroups;
      const differs = wanted.length !== current.length || wanted.some((g) => !current.includes(g));
      if (differs && o.ThingGroups === 'FAIL') throw conflict(`Thing ${name} already exists in different thing groups (OverrideSettings.ThingGroups is FAIL)`);
      if (o.ThingGroups === 'REPLACE') {
        for (const g of current.filter((c) => !wanted.includes(c))) {
          await registry.groups.removeThing(g, name);
          undo.push({ what: `put ${name} back in ${g}`, run: () => registry.groups.addThing(g, name) });
        }
      }
      if (o.ThingGroups === 'REPLACE' || o.ThingGroups === 'MERGE') for (const g of wanted.filter((w) => !current.includes(w))) await join(registry, g, name, undo);
    }
  }
  result.thingName = name;
  result.resources[plan.logicalId] = iotArn(`thing/${name}`);
}

async function join(registry: RegistryPort, group: string, thingName: string, undo: Undo): Promise<void> {
  await registry.groups.addThing(group, thingName);
  undo.push({ what: `remove ${thingName} from ${group}`, run: () => registry.groups.removeThing(group, thingName) });
}

function sameJson(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): string => {
    const parsed = typeof v === 'string' ? (() => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    })() : v;
    return JSON.stringify(sortKeys(parsed));
  };
  return norm(a) === norm(b);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
