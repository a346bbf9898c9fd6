/**
 * The security service: the local CA, certificates, CA certificates, policies and their attachments, the broker's
 * security hooks (mutual TLS, policy enforcement, JITR) and SigV4 checking for the HTTP edge off loopback.
 *
 * LIMITATIONS: one account and region (core/aws-account.ts); no custom authorizers, Cognito identities or IAM
 * credentials as MQTT principals; policy changes apply to connected clients at once (AWS may take minutes).
 */
import { EngineError, iotArn, isLoopbackBind, type Clock, type Logger, type Service } from '../core/index.js';
import type { ConnectionGuard, DeviceGuardRequest, SecurityHooks } from '../broker/index.js';
import type { Store } from '../storage/index.js';
import { LocalCa } from './ca.js';
import { Certificates, certificateArn } from './certificates.js';
import { PolicyStore } from './policy-store.js';
import { parsePolicyDocument } from './policies.js';
import type { EffectivePolicy } from './policy-eval.js';
import { brokerHooks, noThings, type Denial, type JustInTimeProvisioner, type PlainMode, type ThingLookup } from './broker-hooks.js';
import { isSigned, verifySigV4, type AccessKey, type SignedRequest, type SigV4Result, type TemporaryKey } from './sigv4.js';
import type { IncomingHttpHeaders } from 'node:http';
import { testAuthorization, type AuthorizationOutcome, type AuthorizationTest } from './test-authorization.js';

export interface SecurityOptions {
  dataDir: string;
  /** The address the engine binds: loopback accepts any credentials; elsewhere SigV4 with `accessKeys` is required. */
  host: string;
  /** Extra names for the TLS server certificate. */
  hostNames?: string[];
  plain: PlainMode;
  accessKeys: AccessKey[];
  /** STS temporary credentials, accepted off loopback beside `accessKeys` until they expire. */
  temporaryKey?: (accessKeyId: string) => TemporaryKey | undefined;
  logger: Logger;
}

const MAX_DENIALS = 500;

export class SecurityService implements Service {
  readonly name = 'security';
  private caRef?: LocalCa;
  private certsRef?: Certificates;
  private policiesRef?: PolicyStore;
  private things: ThingLookup = noThings;
  private publish?: (topic: string, payload: Buffer) => Promise<void>;
  private provisioner?: JustInTimeProvisioner;
  private readonly trustListeners: Array<() => void> = [];
  private readonly recentDenials: Denial[] = [];
  /** Policies certificates have without an attachment (CreateProvisioningClaim), by certificate id. */
  private readonly implicitPolicies = new Map<string, EffectivePolicy>();
  private deniedTotal = 0;

  constructor(private readonly store: Store, private readonly clock: Clock, readonly opts: SecurityOptions) {}

  /** Wires the registry after construction (the registry itself depends on this service). */
  private deviceHooks?: SecurityHooks;

  useThings(things: ThingLookup): void {
    this.things = things;
  }

  /** Where JITR events go (the broker). */
  usePublisher(publish: (topic: string, payload: Buffer) => Promise<void>): void {
    this.publish = publish;
  }

  /** JITP: what runs a CA's provisioning template for a device certificate it signed (the provisioning service). */
  useProvisioner(provision: JustInTimeProvisioner): void {
    this.provisioner = provision;
  }

  async start(): Promise<void> {
    this.caRef = LocalCa.open(this.opts.dataDir, this.clock.now());
    this.certsRef = new Certificates(this.store, this.caRef, this.clock, (arn) => ({
      things: this.things.thingsOf(arn), policies: this.policies.attached(arn),
    }));
    this.policiesRef = new PolicyStore(this.store, this.clock, (target) => this.targetExists(target));
    if (this.opts.plain === 'allow-all' && !isLoopbackBind(this.opts.host)) {
      this.opts.logger.log('warn', 'security', `--plain allow-all on ${this.opts.host}: anyone on the network can connect to the plain MQTT and WebSocket listeners and publish or subscribe to any topic, with no policy checks`);
    }
  }

  async stop(): Promise<void> {}

  get ca(): LocalCa {
    return this.ready(this.caRef);
  }

  get certificates(): Certificates {
    return this.ready(this.certsRef);
  }

  get policies(): PolicyStore {
    return this.ready(this.policiesRef);
  }

  /** Whether SigV4 is required (the engine is bound to a non-loopback address). */
  get requiresSignature(): boolean {
    return !isLoopbackBind(this.opts.host);
  }

  verifyRequest(req: SignedRequest): SigV4Result {
    return verifySigV4(req, this.opts.accessKeys, this.clock.now(), { temporaryKey: this.opts.temporaryKey });
  }

  /**
   * A presigned URL on loopback, where requests need no signature but a presigned URL still expires (the URLs AWS
   * IoT Jobs hands devices): checked against the configured keys, or with any key when none is configured.
   */
  verifyPresigned(req: SignedRequest): SigV4Result {
    const keys = this.opts.accessKeys;
    return verifySigV4(req, keys, this.clock.now(), { anyKey: !keys.length, temporaryKey: this.opts.temporaryKey });
  }

  /**
   * MQTT over WebSocket with SigV4 (AWS IoT's browser authentication): checked against the configured access keys;
   * with none configured, on loopback any key is accepted (as the HTTP API does there), elsewhere none is.
   * `null` when the upgrade request is not signed at all.
   */
  verifyUpgrade(req: { method: string; url: string; headers: IncomingHttpHeaders }): { principal: string } | { refused: string; status: number } | null {
    const q = req.url.indexOf('?');
    const signed: SignedRequest = { method: req.method, path: q < 0 ? req.url : req.url.slice(0, q), query: q < 0 ? '' : req.url.slice(q + 1), headers: req.headers, body: Buffer.alloc(0) };
    if (!isSigned(signed)) return null;
    const keys = this.opts.accessKeys;
    if (!keys.length && this.requiresSignature) return { refused: 'SigV4: no access keys are configured (--access-key)', status: 403 };
    const r = verifySigV4(signed, keys, this.clock.now(), { anyKey: !keys.length, temporaryKey: this.opts.temporaryKey });
    if (r.ok) return { principal: r.accessKeyId };
    this.opts.logger.log('warn', 'security', `refused a SigV4 WebSocket upgrade: ${r.type}: ${r.message}`, { type: r.type });
    return { refused: `${r.type}: ${r.message}`, status: 403 };
  }

  /** Policy denials since the start (the recent ones are kept by `denials`). */
  get denialCount(): number {
    return this.deniedTotal;
  }

  /** Recent policy denials, newest last: what the UI shows for "why was this denied?". */
  denials(limit = 100): Denial[] {
    return this.recentDenials.slice(-limit);
  }

  /** Certificate changes that alter what the TLS listeners should trust (a CA was registered or removed). */
  trustChanged(): void {
    for (const l of this.trustListeners) l();
  }

  async deleteCertificate(id: string, force: boolean): Promise<void> {
    const detached = await this.certificates.delete(id, force);
    if (detached.length) await this.policies.detachAll(certificateArn(id));
  }

  /** Names of the things a principal (certificate ARN) is attached to. */
  thingsOf(principal: string): string[] {
    return this.things.thingsOf(principal);
  }

  /** IoT TestAuthorization: what the device gateway would decide for this principal and client id, per action. */
  testAuthorization(test: AuthorizationTest): AuthorizationOutcome[] {
    return testAuthorization({
      certificate: (id) => {
        const row = this.certificates.row(id);
        return row && this.certificates.x509(row);
      },
      attached: (target) => this.policies.attached(target),
      effective: (name) => this.policies.effective(name),
      things: this.things,
    }, test);
  }

  /** Whether a principal (certificate ARN) exists: the registry's AttachThingPrincipal check. */
  principalExists(principal: string): boolean {
    const m = /^arn:aws:iot:[^:]*:[^:]*:cert\/([0-9a-f]{64})$/.exec(principal);
    return !!m && this.certificates.row(m[1]) !== undefined;
  }

  /**
   * Gives a certificate a policy of its own that ListAttachedPolicies does not show, as AWS gives a provisioning claim
   * the right to provision with its template only; a connection's decisions are re-evaluated. Kept in memory: a claim
   * lives five minutes.
   */
  grantImplicitPolicy(certificateId: string, name: string, document: string): void {
    this.implicitPolicies.set(certificateId, { name, version: '1', statements: parsePolicyDocument(document) });
    this.certificates.generation++;
  }

  /**
   * A guard for a device session (HTTPS, CoAP), or a refusal: the policies of its certificate, or of its thing's
   * principals and groups (broker-hooks.ts). Pass it to `BrokerService.openDeviceSession`.
   */
  deviceGuard(req: DeviceGuardRequest): ConnectionGuard | { refused: string } {
    return (this.deviceHooks ??= this.brokerHooks()).deviceGuard!(req);
  }

  /** An HTTPS device's client id from its admitted certificate: the thing it names, else its one thing, else the certificate id. */
  deviceClientId(peer: object, thing?: string): string | { refused: string } {
    return (this.deviceHooks ??= this.brokerHooks()).deviceClientId!(peer, thing);
  }

  /** `brokerHooks()` made on first use, so the broker can be constructed before this service has started. */
  lazyBrokerHooks(): SecurityHooks {
    let hooks: SecurityHooks | undefined;
    const get = () => (hooks ??= this.brokerHooks());
    return {
      tlsCredentials: () => get().tlsCredentials(),
      onTrustChange: (l) => get().onTrustChange(l),
      admit: (peer, info) => get().admit(peer, info),
      authenticateUpgrade: (req) => get().authenticateUpgrade!(req),
      connect: (req) => get().connect(req),
      deviceGuard: (req) => get().deviceGuard!(req),
      deviceClientId: (peer, thing) => get().deviceClientId!(peer, thing),
    };
  }

  brokerHooks(): SecurityHooks {
    return brokerHooks({
      ca: this.ca, certs: this.certificates, policies: this.policies, things: () => this.things,
      plain: this.opts.plain, hosts: [this.opts.host, ...(this.opts.hostNames ?? [])], logger: this.opts.logger,
      now: () => this.clock.now(),
      verifyUpgrade: (req) => this.verifyUpgrade(req),
      onTrustChange: (l) => this.trustListeners.push(l),
      provision: (cert, id, config) => {
        if (!this.provisioner) return Promise.reject(new EngineError('Unavailable', 'just-in-time provisioning is not available'));
        return this.provisioner(cert, id, config);
      },
      publishEvent: (topic, body) => {
        this.publish?.(topic, Buffer.from(JSON.stringify(body))).catch((e: Error) => this.opts.logger.log('error', 'security', `publishing ${topic} failed: ${e.message}`));
        this.opts.logger.log('info', 'security', `just-in-time registration: ${topic}`, body as Record<string, unknown>);
      },
      implicitPolicy: (id) => this.implicitPolicies.get(id),
      recordDenial: (d) => {
        this.deniedTotal++;
        this.recentDenials.push(d);
        if (this.recentDenials.length > MAX_DENIALS) this.recentDenials.splice(0, this.recentDenials.length - MAX_DENIALS);
      },
    });
  }

  private targetExists(target: string): boolean {
    const cert = /^arn:aws:iot:[^:]*:[^:]*:cert\/([0-9a-f]{64})$/.exec(target);
    if (cert) return this.certificates.row(cert[1]) !== undefined;
    const group = /^arn:aws:iot:[^:]*:[^:]*:thinggroup\/(.+)$/.exec(target);
    if (group && this.things.groupIsDynamic?.(group[1])) {
      // AWS: "Attempting to apply a policy to a dynamic thing group generates an exception" [DG:dynamic-thing-groups].
      throw new EngineError('InvalidInput', `This operation does not support dynamic thing groups. Thing group arn: ${target}`);
    }
    if (group) return target === iotArn(`thinggroup/${group[1]}`) && this.things.groupExists(group[1]);
    return false;
  }

  private ready<T>(v: T | undefined): T {
    if (!v) throw new EngineError('Unavailable', 'the security service is not started');
    return v;
  }
}
