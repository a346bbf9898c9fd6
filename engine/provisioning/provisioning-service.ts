/**
 * The provisioning service: provisioning templates and their versions, `provision()` (render a template with
 * parameters and create what it describes: RegisterThing, fleet provisioning's RegisterThing over MQTT, JITP, bulk
 * registration), just-in-time provisioning for CAs registered with a template, and bulk registration tasks.
 *
 * LIMITATIONS: templates are run with the engine's own rights: the provisioning role (`provisioningRoleArn`,
 * `roleArn`) is recorded, not assumed; no CloudWatch provisioning metrics; a disabled FLEET_PROVISIONING template is
 * refused by name, a JITP template is run whether enabled or not.
 */
import type { X509Certificate } from 'node:crypto';
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION, type Clock, type Logger, type Service } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { applyTemplate, type ProvisionResult, type RegistryPort, type SecurityPort } from './resource-applier.js';
import { ProvisioningTemplates } from './provisioning-templates.js';
import { parseTemplate, renderTemplate } from './template-renderer.js';
import { RegistrationTasks, type ObjectsPort } from './registration-tasks.js';

export interface ProvisioningOptions {
  logger: Logger;
  registry: RegistryPort;
  security: SecurityPort;
  /** The local S3: bulk registration reads its input file and writes its reports there. */
  objects: ObjectsPort;
  /** The engine's HTTP endpoint (report links), once it listens. */
  publicUrl: () => string | undefined;
}

export interface ProvisionContext {
  /** The device's certificate (JITP, fleet provisioning): the value of `AWS::IoT::Certificate::Id`. */
  certificateId?: string;
  /** More values AWS supplies (`AWS::IoT::Certificate::CommonName`, …). */
  pseudo?: Record<string, string>;
}

export type { ProvisionResult };

/** JITP's parameters from a certificate's subject [DG:jit-provisioning]. */
const SUBJECT_PARAMETERS: Record<string, string> = {
  C: 'Country', O: 'Organization', OU: 'OrganizationalUnit', dnQualifier: 'DistinguishedNameQualifier', ST: 'StateName', CN: 'CommonName', serialNumber: 'SerialNumber',
};

export class ProvisioningService implements Service {
  readonly name = 'provisioning';
  readonly templates: ProvisioningTemplates;
  readonly tasks: RegistrationTasks;

  constructor(store: Store, clock: Clock, private readonly opts: ProvisioningOptions) {
    this.templates = new ProvisioningTemplates(store, clock);
    this.tasks = new RegistrationTasks(store, clock, {
      logger: opts.logger, objects: opts.objects, publicUrl: opts.publicUrl,
      provision: (body, parameters) => this.provision({ templateBody: body }, parameters),
    });
  }

  async start(): Promise<void> {
    await this.tasks.start();
  }

  async stop(): Promise<void> {
    await this.tasks.stop();
  }

  /**
   * Renders a template (a stored template's default version by name, or a body) with `parameters` and creates what it
   * describes, all or nothing. Errors: NotFound (template, certificate, thing type, group, policy), InvalidInput
   * (`reason` invalidTemplate / invalidParameters: a template that does not render), Conflict (`reason`
   * resourceConflict: `OverrideSettings` FAIL, a policy name taken by another document).
   */
  async provision(template: string | { templateBody: string }, parameters: Record<string, string>, context: ProvisionContext = {}): Promise<ProvisionResult> {
    let body: string;
    if (typeof template === 'string') {
      const info = this.templates.describe(template);
      if (info.type === 'FLEET_PROVISIONING' && !info.enabled) throw new EngineError('InvalidInput', `The provisioning template ${template} is disabled`, { reason: 'templateDisabled' });
      body = info.templateBody;
    } else body = template.templateBody;
    const pseudo = {
      'AWS::AccountId': LOCAL_ACCOUNT_ID, 'AWS::Region': LOCAL_REGION, ...context.pseudo,
      ...(context.certificateId && { 'AWS::IoT::Certificate::Id': context.certificateId }),
    };
    const plan = renderTemplate(parseTemplate(body), parameters, pseudo);
    const result = await applyTemplate(plan, this.opts.registry, this.opts.security, this.opts.logger);
    this.opts.logger.log('info', 'provisioning', `provisioned ${[result.thingName && `thing ${result.thingName}`, result.certificateId && `certificate ${result.certificateId}`].filter(Boolean).join(', ') || 'nothing'}`, { resources: result.resources });
    return result;
  }

  /**
   * JITP: a device's first connection with a certificate signed by a CA registered with a provisioning template
   * (`registrationConfig.templateBody`, or `templateName` of a JITP template). The certificate is already registered
   * (PENDING_ACTIVATION); the template gets the subject's fields and the certificate id as parameters.
   */
  async provisionJustInTime(cert: X509Certificate, certificateId: string, registrationConfig: string | null): Promise<ProvisionResult> {
    const config = JSON.parse(registrationConfig ?? '{}') as { templateBody?: string; templateName?: string };
    let body = config.templateBody;
    if (!body && config.templateName) {
      const t = this.templates.describe(config.templateName);
      if (t.type !== 'JITP') throw new EngineError('InvalidInput', `The provisioning template ${t.name} is not a JITP template`);
      body = t.templateBody;
    }
    if (!body) throw new EngineError('InvalidInput', 'The CA certificate has no provisioning template');
    const pseudo: Record<string, string> = {};
    for (const line of cert.subject.split('\n')) {
      const eq = line.indexOf('=');
      const name = eq > 0 ? SUBJECT_PARAMETERS[line.slice(0, eq)] : undefined;
      if (name && !(`AWS::IoT::Certificate::${name}` in pseudo)) pseudo[`AWS::IoT::Certificate::${name}`] = line.slice(eq + 1);
    }
    return this.provision({ templateBody: body }, {}, { certificateId, pseudo });
  }
}
