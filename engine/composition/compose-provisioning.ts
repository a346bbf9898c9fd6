import { EngineError } from '../core/index.js';
import { FleetProvisioningService, type TemplatePort } from '../fleet-provisioning/index.js';
import { ProvisioningService } from '../provisioning/index.js';
import type { EngineBase } from './engine-base.js';
import type { ComputeArea } from './compose-compute.js';
import type { FilesArea } from './compose-files.js';
import type { IotArea } from './compose-iot.js';

/** Provisioning: templates, bulk and just-in-time registration, and fleet provisioning by claim over MQTT. */
export type ProvisioningArea = ReturnType<typeof composeProvisioning>;

export function composeProvisioning(base: EngineBase, { broker, registry, security }: IotArea, { objects }: FilesArea, { functions }: ComputeArea) {
  const { clock, logs, store } = base;
  const provisioning = new ProvisioningService(store, clock, { logger: logs, registry, security, objects, publicUrl: () => base.httpUrl() });
  security.useProvisioner((cert, id, registrationConfig) => provisioning.provisionJustInTime(cert, id, registrationConfig));
  // Fleet provisioning by claim: devices' requests on `$aws/certificates/…` and `$aws/provisioning-templates/…`,
  // answered to the requesting connection only; a template's pre-provisioning hook runs on the local functions.
  const fleetProvisioning = new FleetProvisioningService({
    broker, certificates: () => security.certificates, templates: () => fleetTemplates(provisioning), clock, logger: logs,
    grantImplicitPolicy: (id, name, document) => security.grantImplicitPolicy(id, name, document),
    functions: {
      resolveName: (ref) => functions.resolveName(ref),
      invoke: async (name, event) => {
        const r = await functions.invoke(name, event);
        return r.ok ? { ok: true, result: r.result } : { ok: false, error: r.error };
      },
    },
  });
  return { provisioning, fleetProvisioning };
}

/** RegisterThing's view of the provisioning templates: a template by name (undefined when there is none), and provision. */
function fleetTemplates(provisioning: ProvisioningService): TemplatePort {
  return {
    template: (name) => {
      try {
        const t = provisioning.templates.describe(name);
        return { name: t.name, arn: t.arn, type: t.type, enabled: t.enabled, preProvisioningHook: t.preProvisioningHook };
      } catch (e) {
        if (e instanceof EngineError && e.code === 'NotFound') return undefined;
        throw e;
      }
    },
    provision: (name, parameters, context) => provisioning.provision(name, parameters, context),
  };
}
