/**
 * Fleet provisioning by claim over MQTT [DG:fleet-provision-api]: a device connected with a claim certificate asks for
 * a certificate (CreateKeysAndCertificate, or CreateCertificateFromCsr with its own key), gets it in
 * PENDING_ACTIVATION with a certificate ownership token, and registers itself with a provisioning template
 * (RegisterThing), which creates its thing, activates the certificate and attaches its policy. Replies go on
 * `…/accepted` or `…/rejected` to the requesting connection only (directed delivery, whether or not it subscribed),
 * in the request's format (JSON or CBOR). A template's pre-provisioning hook (a local Lambda function) is run first.
 * CreateProvisioningClaim (provisioning by trusted user) issues five-minute claim certificates that may only provision.
 *
 * LIMITATIONS: ownership tokens live in memory: a restart forgets them (RegisterThing then refuses the token, and a
 * certificate never registered is not deleted). A token belongs to the requester that created the certificate (its
 * claim certificate, or its client id on a plain connection); AWS's tokens are opaque and their binding is not
 * documented. The rejected documents' `errorCode`s for a missing template, a refusing hook and a template that does
 * not render (ResourceNotFound, AccessDenied, InvalidParameters) are Thingbench's choice: AWS documents only the
 * document's shape. RegisterThing is not throttled. A claim certificate's own policy lives in memory: after a restart
 * the claim (at most five minutes old) has no rights left.
 */
import type { Clock, Disposable, Logger, Service } from '../core/index.js';
import { EngineError } from '../core/index.js';
import type { TappedMessage } from '../broker/index.js';
import type { IssueOptions } from '../security/index.js';
import { OwnershipTokens } from './ownership-tokens.js';
import { CLAIM_LIFETIME_MS, claimPolicyDocument, claimTemplateRefused } from './provisioning-claims.js';
import { runPreProvisioningHook, type HookFunctions } from './pre-provisioning-hook.js';
import {
  ProvisioningRejection, REQUEST_FILTERS, decodeRequest, encodeReply, rejectedBody, requestOf, stringMap, type ProvisioningRequest,
} from './provisioning-messages.js';

/** A provisioning template as RegisterThing needs it (engine/provisioning). */
export interface FleetTemplate {
  name: string;
  arn: string;
  type: string;
  enabled: boolean;
  preProvisioningHook?: { targetArn: string };
}

/** The provisioning templates (engine/provisioning `ProvisioningService`). */
export interface TemplatePort {
  /** The template, or undefined when there is none of that name. */
  template(name: string): FleetTemplate | undefined;
  /** Renders the template and creates what it says (the certificate is the token's: `AWS::IoT::Certificate::Id`). */
  provision(name: string, parameters: Record<string, string>, context: { certificateId: string }): Promise<{ thingName?: string; deviceConfiguration: Record<string, string> }>;
}

export interface FleetProvisioningDeps {
  broker: {
    tap(filter: string, handler: (msg: TappedMessage) => void): Disposable;
    deliverTo(clientId: string, msg: { topic: string; payload: Buffer; qos: 0 | 1 }): boolean;
  };
  /** The security service's certificates (a thunk: they exist once it has started). */
  certificates: () => {
    createKeysAndCertificate(setAsActive: boolean, issue: IssueOptions): Promise<{ id: string; pem: string; keyPair: { PublicKey: string; PrivateKey: string } }>;
    createFromCsr(csrPem: unknown, setAsActive: boolean, issue: IssueOptions): Promise<{ id: string; pem: string }>;
    row(id: string): { pem: string; status: string } | undefined;
    delete(id: string, force: boolean): Promise<unknown>;
  };
  templates: () => TemplatePort | undefined;
  /** Gives a certificate a policy no AttachPolicy shows (the security service's grantImplicitPolicy). */
  grantImplicitPolicy(certificateId: string, name: string, document: string): void;
  functions: HookFunctions;
  clock: Clock;
  logger: Logger;
  /** How often expired tokens are swept (default a minute). */
  sweepMs?: number;
}

export class FleetProvisioningService implements Service {
  readonly name = 'fleet-provisioning';
  readonly tokens: OwnershipTokens;
  private taps: Disposable[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly deps: FleetProvisioningDeps) {
    this.tokens = new OwnershipTokens(() => deps.clock.now());
  }

  async start(): Promise<void> {
    this.taps = REQUEST_FILTERS.map((f) => this.deps.broker.tap(f, (msg) => this.onRequest(msg)));
    this.timer = setInterval(() => void this.sweep(), this.deps.sweepMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    for (const t of this.taps) t.dispose();
    this.taps = [];
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Forgets expired ownership tokens; a certificate whose token expired before RegisterThing activated it or attached
   * it to anything is deleted, as AWS does. Runs after every request and every `sweepMs`.
   */
  async sweep(): Promise<string[]> {
    const deleted: string[] = [];
    for (const t of this.tokens.expire()) {
      if (this.deps.certificates().row(t.certificateId)?.status !== 'PENDING_ACTIVATION') continue;
      try {
        await this.deps.certificates().delete(t.certificateId, false);
        deleted.push(t.certificateId);
        this.deps.logger.log('info', 'fleet-provisioning', `certificate ${t.certificateId} deleted: its ownership token expired before RegisterThing used it`);
      } catch {
        // attached to a thing or a policy meanwhile: kept, as AWS keeps it
      }
    }
    return deleted;
  }

  /**
   * CreateProvisioningClaim (provisioning by trusted user): an ACTIVE claim certificate and its key, valid for five
   * minutes, whose only rights are the claim policy of the template (no policy is attached: the certificate has it).
   */
  async createProvisioningClaim(templateName: string): Promise<{ certificateId: string; certificatePem: string; keyPair: { PublicKey: string; PrivateKey: string }; expiration: number }> {
    const template = this.deps.templates()?.template(templateName);
    if (template?.type !== 'FLEET_PROVISIONING') throw claimTemplateRefused(templateName, template?.type);
    const expiration = this.deps.clock.now() + CLAIM_LIFETIME_MS;
    const c = await this.deps.certificates().createKeysAndCertificate(true, { notAfter: new Date(expiration) });
    this.deps.grantImplicitPolicy(c.id, `provisioning-claim/${templateName}`, claimPolicyDocument(templateName));
    this.deps.logger.log('info', 'fleet-provisioning', `provisioning claim for template ${templateName}: certificate ${c.id}, valid until ${new Date(expiration).toISOString()}`, { templateName, certificateId: c.id });
    return { certificateId: c.id, certificatePem: c.pem, keyPair: c.keyPair, expiration };
  }

  private onRequest(msg: TappedMessage): void {
    if (msg.will) return; // a last will is nobody's request
    const request = requestOf(msg.topic);
    if (!request) return;
    if (msg.clientId === null) {
      this.deps.logger.log('warn', 'fleet-provisioning', `${msg.topic} was published by the engine (HTTP API or UI): fleet provisioning answers MQTT connections only`);
      return;
    }
    const clientId = msg.clientId;
    const handled = this.handle(request, msg, clientId);
    void handled.finally(() => this.sweep()).catch(() => {}); // expired tokens go at the next request, or the timer's sweep
    handled.then(
      (body) => this.reply(clientId, `${msg.topic}/accepted`, body, request, msg),
      (e: unknown) => {
        const body = rejectedBody(e);
        if (!(e instanceof ProvisioningRejection)) this.deps.logger.log('error', 'fleet-provisioning', `${request.operation} failed: ${(e as Error)?.stack ?? String(e)}`, { clientId });
        else this.deps.logger.log('warn', 'fleet-provisioning', `${request.operation} for client ${clientId} rejected: ${body.errorCode}: ${body.errorMessage}`, { clientId, topic: msg.topic, ...body });
        this.reply(clientId, `${msg.topic}/rejected`, body, request, msg);
      },
    );
  }

  private reply(clientId: string, topic: string, body: object, request: ProvisioningRequest, msg: TappedMessage): void {
    const delivered = this.deps.broker.deliverTo(clientId, { topic, payload: encodeReply(body, request.format), qos: msg.qos === 0 ? 0 : 1 });
    if (!delivered) this.deps.logger.log('info', 'fleet-provisioning', `client ${clientId} disconnected before the answer on ${topic}`, { clientId, topic });
  }

  private async handle(request: ProvisioningRequest, msg: TappedMessage, clientId: string): Promise<object> {
    const doc = decodeRequest(msg.payload, request.format);
    const requester = msg.principal ?? `client:${clientId}`;
    const pending = { status: 'PENDING_ACTIVATION' as const };
    switch (request.operation) {
      case 'CreateKeysAndCertificate': {
        const c = await this.deps.certificates().createKeysAndCertificate(false, pending);
        this.deps.logger.log('info', 'fleet-provisioning', `CreateKeysAndCertificate for client ${clientId}: certificate ${c.id} (PENDING_ACTIVATION)`, { clientId, certificateId: c.id });
        return { certificateId: c.id, certificatePem: c.pem, privateKey: c.keyPair.PrivateKey, certificateOwnershipToken: this.tokens.issue(c.id, requester) };
      }
      case 'CreateCertificateFromCsr': {
        const csr = doc.certificateSigningRequest;
        if (typeof csr !== 'string' || !csr.trim()) throw new ProvisioningRejection(400, 'InvalidPayload', 'certificateSigningRequest is required');
        const c = await this.deps.certificates().createFromCsr(csr, false, pending).catch((e: unknown) => {
          if (e instanceof EngineError && e.code === 'InvalidInput') throw new ProvisioningRejection(400, 'InvalidPayload', `The certificate signing request is not valid: ${e.message}`);
          throw e;
        });
        this.deps.logger.log('info', 'fleet-provisioning', `CreateCertificateFromCsr for client ${clientId}: certificate ${c.id} (PENDING_ACTIVATION)`, { clientId, certificateId: c.id });
        return { certificateId: c.id, certificatePem: c.pem, certificateOwnershipToken: this.tokens.issue(c.id, requester) };
      }
      case 'RegisterThing':
        return this.registerThing(request.templateName!, doc, requester, clientId, msg.principal);
    }
  }

  private async registerThing(templateName: string, doc: Record<string, unknown>, requester: string, clientId: string, claimCertificateId?: string): Promise<object> {
    const parameters = stringMap(doc.parameters, 'parameters');
    const token = this.tokens.take(doc.certificateOwnershipToken, requester);
    try {
      const templates = this.deps.templates();
      const template = templates?.template(templateName);
      if (!templates || !template) throw new ProvisioningRejection(404, 'ResourceNotFound', `The provisioning template ${templateName} does not exist`);
      if (template.type !== 'FLEET_PROVISIONING') throw new ProvisioningRejection(400, 'InvalidRequest', `The provisioning template ${templateName} is not a FLEET_PROVISIONING template`);
      if (!template.enabled) throw new ProvisioningRejection(400, 'InvalidRequest', `The provisioning template ${templateName} is disabled`);
      const cert = this.deps.certificates().row(token.certificateId);
      if (!cert) throw new ProvisioningRejection(400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token is invalid.');
      let values = parameters;
      if (template.preProvisioningHook) {
        values = await runPreProvisioningHook(this.deps.functions, template.preProvisioningHook.targetArn, {
          claimCertificateId: claimCertificateId ?? '', certificateId: token.certificateId, certificatePem: cert.pem,
          templateArn: template.arn, clientId, parameters,
        });
      }
      const result = await templates.provision(templateName, values, { certificateId: token.certificateId }).catch((e: unknown) => {
        throw provisionRejection(e);
      });
      this.tokens.consume(token);
      this.deps.logger.log('info', 'fleet-provisioning', `RegisterThing for client ${clientId} with template ${templateName}: ${result.thingName ? `thing ${result.thingName}, ` : ''}certificate ${token.certificateId}`, {
        clientId, templateName, thingName: result.thingName, certificateId: token.certificateId,
      });
      return { deviceConfiguration: result.deviceConfiguration ?? {}, ...(result.thingName !== undefined && { thingName: result.thingName }) };
    } finally {
      this.tokens.release(token);
    }
  }
}

/** A template that does not render or cannot be applied, as RegisterThing's rejected document says it. */
function provisionRejection(e: unknown): unknown {
  if (!(e instanceof EngineError)) return e;
  switch (e.code) {
    case 'InvalidInput': return new ProvisioningRejection(400, 'InvalidParameters', e.message);
    case 'NotFound': return new ProvisioningRejection(404, 'ResourceNotFound', e.message);
    case 'Conflict': case 'AlreadyExists': return new ProvisioningRejection(409, 'ResourceConflict', e.message);
    case 'Throttled': return new ProvisioningRejection(429, 'Throttled', e.message);
    default: return e;
  }
}
