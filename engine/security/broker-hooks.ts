/**
 * The security service's side of the broker's `SecurityHooks`: mutual-TLS admission (registered certificates and
 * CAs, status, validity, JITR), then per-connection guards that evaluate the principal's policies for iot:Connect,
 * iot:Publish (+ iot:RetainPublish), iot:Subscribe and iot:Receive, caching each decision for the connection until a
 * certificate, policy, attachment or thing changes. Every denial is logged with its reason.
 *
 * MQTT over WebSocket may instead be authenticated with SigV4 (AWS IoT's way for browsers and IAM credentials): the
 * upgrade request's signature is checked against the configured access keys, and the access key id is the principal.
 * LIMITATIONS: AWS authorizes a SigV4 connection with the IAM policies of the signing identity; there is no IAM
 * policy evaluation here, so a correctly signed connection may connect, publish, subscribe and receive anywhere.
 */
import type { X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { iotArn, type Logger } from '../core/index.js';
import type { ConnectionGuard, DeviceGuardRequest, DeviceProtocol, SecurityHooks, TlsCredentials, Transport } from '../broker/index.js';
import type { LocalCa } from './ca.js';
import { certificateArn, type Certificates } from './certificates.js';
import { certificateId, certificateVariables, isExpired, signedBy } from './certs.js';
import { evaluate, type Decision, type EffectivePolicy } from './policy-eval.js';
import type { PolicyStore } from './policy-store.js';

/** What the security service needs from the thing registry (policy variables, thing group policies). */
export interface ThingLookup {
  /** Things the principal (a certificate ARN) is attached to. */
  thingsOf(principal: string): string[];
  thing(name: string): { thingTypeName?: string; attributes: Record<string, string> } | undefined;
  /** Thing groups the thing is in, with their ancestors. */
  groupsOf(thingName: string): string[];
  groupExists(name: string): boolean;
  /** True for a dynamic thing group: AWS refuses to attach policies to one. */
  groupIsDynamic?(name: string): boolean;
  /** Principals (certificate ARNs) attached to the thing: a CoAP device acts with their policies. */
  principalsOf?(thingName: string): string[];
  /** Changes whenever things, groups or principal attachments change (invalidates cached decisions). */
  changes(): number;
}

export const noThings: ThingLookup = { thingsOf: () => [], thing: () => undefined, groupsOf: () => [], groupExists: () => false, changes: () => 0 };

/** Plain (non-TLS) listeners: allow everything, or refuse every CONNECT as AWS IoT would (no certificate). */
export type PlainMode = 'allow-all' | 'enforce' | 'off';

export interface Denial extends Decision {
  time: number;
  clientId: string;
  certificateId?: string;
}

interface Peer {
  certificateId: string;
  cert: X509Certificate;
}

/** A WebSocket connection whose upgrade request was SigV4-signed by this access key. */
interface SignedPeer {
  accessKeyId: string;
}

/** JITP: runs the CA's provisioning template (`registrationConfig`) for a certificate registered just in time. */
export type JustInTimeProvisioner = (cert: X509Certificate, certificateId: string, registrationConfig: string | null) => Promise<unknown>;

export interface HooksContext {
  ca: LocalCa;
  certs: Certificates;
  policies: PolicyStore;
  things: () => ThingLookup;
  plain: PlainMode;
  hosts: string[];
  logger: Logger;
  now: () => number;
  onTrustChange(listener: () => void): void;
  provision: JustInTimeProvisioner;
  /** JITR: AWS publishes `$aws/events/certificates/registered/{caCertificateId}`. */
  publishEvent(topic: string, body: object): void;
  recordDenial(d: Denial): void;
  /** A certificate's own policy that no AttachPolicy shows (a provisioning claim's: it may only provision). */
  implicitPolicy?(certificateId: string): EffectivePolicy | undefined;
  /** A WebSocket upgrade's SigV4 signature: the access key id, a refusal, or `null` when the request is unsigned. */
  verifyUpgrade(req: { method: string; url: string; headers: IncomingHttpHeaders }): { principal: string } | { refused: string; status: number } | null;
}

export function brokerHooks(ctx: HooksContext): SecurityHooks {
  let server: { key: string; cert: string } | undefined;
  return {
    tlsCredentials(): TlsCredentials {
      server ??= ctx.ca.serverCredentials(ctx.hosts);
      // The local root only: a registered CA in the trust store would complete a device's chain, and JITR must see
      // whether the device presented its CA (listeners.ts, TlsCredentials).
      return { ...server, ca: [ctx.ca.certificatePem] };
    },
    onTrustChange: (l) => ctx.onTrustChange(l),
    admit: async (peer, info) => (info.signedBy ? { peer: { accessKeyId: info.signedBy } satisfies SignedPeer } : admit(ctx, peer, info.presentedChain ?? (() => []))),
    authenticateUpgrade: (req) => ctx.verifyUpgrade(req),
    connect(req) {
      if (!req.peer) {
        if (ctx.plain !== 'enforce') return null;
        return { refused: 'plain connections are refused (enforce mode): connect over mqtts with a client certificate' };
      }
      if ('accessKeyId' in req.peer) return signedGuard((req.peer as SignedPeer).accessKeyId, req.transport);
      const { certificateId: id, cert } = req.peer as Peer;
      const row = ctx.certs.row(id);
      if (!row || row.status !== 'ACTIVE') return { refused: `certificate ${id} is ${row?.status ?? 'deleted'}` };
      const guard = new Guard(ctx, req.clientId, id, certificateVariables(cert), req.remoteAddress, req.transport, { certificate: id });
      if (!guard.check('iot:Connect', iotArn(`client/${req.clientId}`))) return { refused: `iot:Connect denied for client ${req.clientId}` };
      return guard;
    },
    deviceGuard: (req) => deviceGuard(ctx, req),
    deviceClientId(peer, thing) {
      const { certificateId: id } = peer as Peer;
      const things = ctx.things().thingsOf(certificateArn(id));
      if (thing === undefined) return things.length === 1 ? things[0] : id;
      return things.includes(thing) ? thing : { refused: `certificate ${id} is not attached to thing ${thing}` };
    },
  };
}

/**
 * A device that asks over requests (broker device sessions). HTTPS: its certificate's policies, as for an MQTT
 * connection, but with no iot:Connect: AWS authorizes each HTTP publish with iot:Publish alone. CoAP: the policies of
 * the principals (certificates) attached to its thing and of the thing's groups; its principal is its token's id.
 */
function deviceGuard(ctx: HooksContext, req: DeviceGuardRequest): ConnectionGuard | { refused: string } {
  if (req.transport === 'coap') {
    if (!req.thing || !req.principal) return { refused: 'a CoAP device is identified by its thing and its token' };
    return new Guard(ctx, req.clientId, req.principal, new Map(), req.remoteAddress, 'coap', { thing: req.thing });
  }
  const peer = req.peer as Peer | undefined;
  if (!peer?.cert) return { refused: 'an HTTPS device needs a client certificate' };
  const row = ctx.certs.row(peer.certificateId);
  if (!row || row.status !== 'ACTIVE') return { refused: `certificate ${peer.certificateId} is ${row?.status ?? 'deleted'}` };
  return new Guard(ctx, req.clientId, peer.certificateId, certificateVariables(peer.cert), req.remoteAddress, 'https', { certificate: peer.certificateId });
}

/**
 * Admission of a client certificate. An unknown certificate signed by an ACTIVE registered CA with auto-registration
 * is registered just in time (PENDING_ACTIVATION, the `registered` event, the connection refused) only when the
 * device presented that CA's certificate after its own, as AWS requires for JITR; without it AWS refuses the
 * connection and registers nothing. A CA with a provisioning template (JITP) does not need it (AWS: presenting the CA
 * is optional); its template is run (the provisioning service) before the connection is refused, so the device's next
 * connection finds its thing, its ACTIVE certificate and its policies: AWS, too, drops a JITP device's first connection.
 */
async function admit(ctx: HooksContext, cert: X509Certificate | undefined, presentedChain: () => X509Certificate[]): Promise<{ peer: object } | { refused: string }> {
  if (!cert) return { refused: 'no client certificate' };
  const id = certificateId(cert);
  const now = ctx.now();
  const row = ctx.certs.row(id);
  if (!row) {
    const ca = ctx.certs.issuerOf(cert);
    if (!ca) return { refused: `unknown certificate ${id} (not registered, and not signed by a registered CA)` };
    if (ca.status !== 'ACTIVE') return { refused: `certificate ${id} is not registered and its CA ${ca.id} is INACTIVE` };
    if (ca.auto_registration !== 'ENABLE') return { refused: `certificate ${id} is not registered (its CA ${ca.id} does not allow auto-registration)` };
    if (isExpired(cert, now)) return { refused: `certificate ${id} is expired or not yet valid` };
    if (!hasTemplate(ca.registration_config)) {
      const caCert = ctx.certs.x509(ca);
      if (!presentedChain().some((c) => c.raw.equals(caCert.raw))) {
        return { refused: `certificate ${id} is not registered and the device did not present its CA ${ca.id} with it: just-in-time registration needs the device certificate and the CA certificate in one chain (cat device.pem ca.pem > chain.pem)` };
      }
    }
    const registered = await ctx.certs.autoRegister(cert, ca.id);
    jitrEvent(ctx, id, ca.id, registered.created);
    if (hasTemplate(ca.registration_config)) return provisionJustInTime(ctx, cert, id, ca);
    return { refused: `certificate ${id} was just-in-time registered as PENDING_ACTIVATION (CA ${ca.id}); activate it and reconnect` };
  }
  if (row.status === 'PENDING_ACTIVATION' && row.ca_id) {
    jitrEvent(ctx, id, row.ca_id, row.created); // AWS repeats the event whenever a PENDING_ACTIVATION certificate connects
    // A JITP certificate whose template failed last time: the template (perhaps fixed since) runs again.
    const ca = ctx.certs.caRow(row.ca_id);
    if (ca?.status === 'ACTIVE' && ca.auto_registration === 'ENABLE' && hasTemplate(ca.registration_config)) return provisionJustInTime(ctx, cert, id, ca);
    return { refused: `certificate ${id} is PENDING_ACTIVATION` };
  }
  if (row.status !== 'ACTIVE') return { refused: `certificate ${id} is ${row.status}` };
  if (isExpired(cert, now)) return { refused: `certificate ${id} is expired or not yet valid (${cert.validFrom} – ${cert.validTo})` };
  if (row.ca_id) {
    const ca = ctx.certs.caRow(row.ca_id);
    if (!ca) return { refused: `certificate ${id}: its CA ${row.ca_id} is no longer registered` };
    if (ca.status !== 'ACTIVE') return { refused: `certificate ${id}: its CA ${row.ca_id} is INACTIVE` };
    if (!signedBy(cert, ctx.certs.x509(ca))) return { refused: `certificate ${id} is not signed by its CA ${row.ca_id}` };
  } else if (row.mode !== 'SNI_ONLY' && !signedBy(cert, ctx.ca.certificate)) {
    return { refused: `certificate ${id} is not signed by the local root CA` };
  }
  return { peer: { certificateId: id, cert } satisfies Peer };
}

/** JITP: runs the CA's template; the connection is refused either way (the device reconnects once provisioned). */
async function provisionJustInTime(ctx: HooksContext, cert: X509Certificate, id: string, ca: { id: string; registration_config: string | null }): Promise<{ refused: string }> {
  try {
    await ctx.provision(cert, id, ca.registration_config);
    ctx.logger.log('info', 'security', `just-in-time provisioning: certificate ${id} provisioned by the template of CA ${ca.id}`, { certificateId: id, caCertificateId: ca.id });
    return { refused: `certificate ${id} was just-in-time provisioned by the template of CA ${ca.id}; reconnect` };
  } catch (e) {
    ctx.logger.log('warn', 'security', `just-in-time provisioning of certificate ${id} (CA ${ca.id}) failed: ${(e as Error).message}`, { certificateId: id, caCertificateId: ca.id });
    return { refused: `certificate ${id}: just-in-time provisioning failed: ${(e as Error).message}` };
  }
}

/** A CA registered with a provisioning template (`registrationConfig.templateBody` or `templateName`): JITP. */
function hasTemplate(config: string | null): boolean {
  if (!config) return false;
  try {
    const c = JSON.parse(config) as { templateBody?: unknown; templateName?: unknown } | null;
    return Boolean(c?.templateBody || c?.templateName);
  } catch {
    return false;
  }
}

function jitrEvent(ctx: HooksContext, id: string, caId: string, registeredAt: number): void {
  ctx.publishEvent(`$aws/events/certificates/registered/${caId}`, {
    certificateId: id, caCertificateId: caId, timestamp: ctx.now(), certificateStatus: 'PENDING_ACTIVATION',
    awsAccountId: iotArn('').split(':')[4], certificateRegistrationTimestamp: String(registeredAt),
  });
}

/** A SigV4 connection: its principal is the access key id (no IAM policies to evaluate, see LIMITATIONS). */
function signedGuard(accessKeyId: string, transport: Transport): ConnectionGuard & { transport: Transport } {
  return { principal: accessKeyId, transport, publish: () => true, subscribe: () => true, receive: () => true };
}

/** Decisions kept per action per connection (a client cycling through unbounded topics does not grow memory). */
const MAX_CACHED = 4096;

/** Whose policies a guard evaluates: a certificate's (and, when the client id names its thing, that thing's groups'), or a thing's principals'. */
type PolicySource = { certificate: string } | { thing: string };

/** One connection's authorization: policies of its certificate (and of its thing's groups), decisions cached. */
class Guard implements ConnectionGuard {
  /** action → topic, filter or resource → allowed. */
  private readonly cache = new Map<string, Map<string, boolean>>();
  private generation = -1;
  private policies: EffectivePolicy[] = [];
  private thingVars = new Map<string, string>();

  constructor(
    private readonly ctx: HooksContext,
    private readonly clientId: string,
    readonly principal: string,
    private readonly certVars: Map<string, string | string[]>,
    private readonly remoteAddress: string,
    readonly transport: Transport | DeviceProtocol,
    private readonly source: PolicySource,
  ) {}

  publish(topic: string, retain: boolean): boolean {
    return this.cached('iot:Publish', 'topic/', topic) && (!retain || this.cached('iot:RetainPublish', 'topic/', topic));
  }

  subscribe(filter: string): boolean {
    return this.cached('iot:Subscribe', 'topicfilter/', filter);
  }

  /** Called for every delivery: a cache hit is one Map lookup, no ARN is built. */
  receive(topic: string): boolean {
    return this.cached('iot:Receive', 'topic/', topic);
  }

  check(action: string, resource: string): boolean {
    return this.cached(action, '', resource);
  }

  private cached(action: string, kind: string, name: string): boolean {
    const things = this.ctx.things();
    const generation = this.ctx.certs.generation + this.ctx.policies.generation + things.changes();
    if (generation !== this.generation) this.refresh(things, generation);
    let byName = this.cache.get(action);
    if (!byName) this.cache.set(action, (byName = new Map()));
    const hit = byName.get(name);
    if (hit !== undefined) return hit;
    if (byName.size >= MAX_CACHED) byName.clear();
    const resource = kind ? iotArn(kind + name) : name;
    const d = evaluate(this.policies, action, resource, (n) => this.variable(n));
    byName.set(name, d.allowed);
    if (!d.allowed) {
      this.ctx.logger.log('warn', 'security', `denied ${action} on ${resource} for client ${this.clientId}: ${d.reason}`, {
        clientId: this.clientId, certificateId: this.principal, action, resource, kind: d.kind, statement: d.statement, variables: d.variables,
      });
      this.ctx.recordDenial({ ...d, time: this.ctx.now(), clientId: this.clientId, certificateId: this.principal });
    }
    return d.allowed;
  }

  private refresh(things: ThingLookup, generation: number): void {
    this.generation = generation;
    this.cache.clear();
    const src = this.source;
    const certificate = 'certificate' in src ? certificateArn(src.certificate) : undefined;
    const arns = certificate ? [certificate] : things.principalsOf?.((src as { thing: string }).thing) ?? [];
    // The thing: a certificate's when the client id names a thing it is attached to; a CoAP device's own.
    const thingName = certificate ? (things.thingsOf(certificate).includes(this.clientId) ? this.clientId : undefined) : (src as { thing: string }).thing;
    this.thingVars = new Map([['iot:Connection.Thing.IsAttached', thingName !== undefined ? 'true' : 'false']]);
    const names = arns.flatMap((arn) => this.ctx.policies.attached(arn));
    if (thingName !== undefined) {
      const thing = things.thing(thingName);
      // AWS: ThingName, ThingTypeName and Attributes[…] are "only available when a device connects over MQTT or MQTT
      // over the WebSocket protocol"; over HTTPS they stay unresolved, and a statement that uses one matches nothing.
      if (this.transport !== 'https') {
        this.thingVars.set('iot:Connection.Thing.ThingName', thingName);
        if (thing?.thingTypeName) this.thingVars.set('iot:Connection.Thing.ThingTypeName', thing.thingTypeName);
        for (const [k, v] of Object.entries(thing?.attributes ?? {})) this.thingVars.set(`iot:Connection.Thing.Attributes[${k}]`, v);
      }
      for (const g of things.groupsOf(thingName)) names.push(...this.ctx.policies.attached(iotArn(`thinggroup/${g}`)));
    }
    this.policies = [...new Set(names)].flatMap((n) => this.ctx.policies.effective(n) ?? []);
    const implicit = this.ctx.implicitPolicy?.(this.principal);
    if (implicit) this.policies.push(implicit);
  }

  private variable(name: string): string | string[] | undefined {
    if (name === 'iot:ClientId') return this.clientId;
    if (name === 'aws:SourceIp') return this.remoteAddress;
    return this.thingVars.get(name) ?? this.certVars.get(name);
  }
}
