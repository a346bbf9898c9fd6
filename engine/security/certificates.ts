/**
 * Certificate and CA certificate operations with AWS IoT's rules (CreateKeysAndCertificate, CreateCertificateFromCsr,
 * RegisterCertificate[WithoutCA], RegisterCACertificate, Update*, Describe*, List*, Delete*).
 *
 * LIMITATIONS: no certificate transfer between accounts (PENDING_TRANSFER is never entered). A `registrationConfig`
 * template is stored and returned here; the broker's admission runs it (JITP, broker-hooks.ts).
 */
import { X509Certificate, createHash, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { EngineError, iotArn, type Clock } from '../core/index.js';
import type { Statement, Store } from '../storage/index.js';
import type { LocalCa } from './ca.js';
import {
  certificateId, certificateStatuses, invalidCertificate, isExpired, parseCertificatePem, signedBy, type CertificateStatus,
} from './certs.js';
import { encodeName, parseCsr } from './x509.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface CertificateRow {
  id: string;
  pem: string;
  status: CertificateStatus;
  ca_id: string | null;
  mode: string;
  created: number;
  modified: number;
  generation: number;
}

export interface CaCertificateRow {
  id: string;
  pem: string;
  status: 'ACTIVE' | 'INACTIVE';
  auto_registration: 'ENABLE' | 'DISABLE';
  registration_config: string | null;
  created: number;
  modified: number;
  generation: number;
}

/** How a new certificate is issued: its status, and the end of its validity (default: 2049). */
export interface IssueOptions {
  status?: CertificateStatus;
  notAfter?: Date;
}

export interface Page<T> {
  items: T[];
  nextMarker?: string;
}

const stateError = (message: string) => new EngineError('Conflict', message, { reason: 'certificateState' });
const notFound = (what: string, id: string) => new EngineError('NotFound', `${what} ${id} does not exist`);

export const certificateArn = (id: string) => iotArn(`cert/${id}`);
export const caCertificateArn = (id: string) => iotArn(`cacert/${id}`);

export class Certificates {
  /** Bumped on every change that can alter an authentication or authorization outcome. */
  generation = 0;
  private readonly parsed = new Map<string, X509Certificate>();

  constructor(
    private readonly store: Store,
    private readonly ca: LocalCa,
    private readonly clock: Clock,
    /** Whether the certificate (by ARN) is attached to a thing or a policy: DeleteCertificate refuses then. */
    private readonly attachments: (arn: string) => { things: string[]; policies: string[] },
  ) {}

  /** AWS IoT's account registration code: the CN a CA's verification certificate must carry. */
  get registrationCode(): string {
    return createHash('sha256').update(this.ca.certificate.raw).digest('hex');
  }

  // ── issue and register ───────────────────────────────────────────────────

  /** `issue.status` (fleet provisioning: PENDING_ACTIVATION) overrides `setAsActive`; `issue.notAfter` ends its validity. */
  async createKeysAndCertificate(setAsActive: boolean, issue: IssueOptions = {}) {
    const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
    const cert = this.ca.issue(encodeName([['CN', 'AWS IoT Certificate']]), (publicKey as KeyObject).export({ format: 'der', type: 'spki' }), { now: this.clock.now(), notAfter: issue.notAfter });
    const id = await this.insert(cert, issue.status ?? (setAsActive ? 'ACTIVE' : 'INACTIVE'), null);
    return {
      id, pem: cert.toString(),
      keyPair: {
        PublicKey: (publicKey as KeyObject).export({ format: 'pem', type: 'spki' }) as string,
        PrivateKey: (privateKey as KeyObject).export({ format: 'pem', type: 'pkcs1' }) as string,
      },
    };
  }

  async createFromCsr(csrPem: unknown, setAsActive: boolean, issue: IssueOptions = {}) {
    if (typeof csrPem !== 'string' || !csrPem.trim()) throw new EngineError('InvalidInput', 'certificateSigningRequest is required');
    const csr = parseCsr(csrPem);
    const cert = this.ca.issue(csr.subject, csr.publicKey, { now: this.clock.now(), notAfter: issue.notAfter });
    const id = await this.insert(cert, issue.status ?? (setAsActive ? 'ACTIVE' : 'INACTIVE'), null);
    return { id, pem: cert.toString() };
  }

  async register(pem: unknown, caPem: unknown, status: CertificateStatus) {
    const cert = parseCertificatePem(pem);
    if (cert.ca) throw invalidCertificate('The certificate is a CA certificate; register it with RegisterCACertificate');
    let caId: string | null = null;
    if (caPem !== undefined && caPem !== null && caPem !== '') {
      const ca = parseCertificatePem(caPem, 'CA certificate');
      if (!signedBy(cert, ca)) throw invalidCertificate('The certificate is not signed by the given CA certificate');
      caId = certificateId(ca);
      if (!this.caRow(caId)) throw invalidCertificate('The CA certificate is not registered');
    } else if (!signedBy(cert, this.ca.certificate)) {
      const ca = this.issuerOf(cert);
      if (!ca) throw invalidCertificate('The certificate is not signed by a registered CA certificate');
      caId = ca.id;
    }
    this.checkUsable(cert);
    return this.insert(cert, status, caId);
  }

  async registerWithoutCa(pem: unknown, status: CertificateStatus) {
    const cert = parseCertificatePem(pem);
    this.checkUsable(cert);
    return this.insert(cert, status, null, 'SNI_ONLY');
  }

  async registerCa(opts: { pem: unknown; verificationPem: unknown; setAsActive: boolean; autoRegistration: boolean; registrationConfig?: unknown; mode?: unknown }) {
    const ca = parseCertificatePem(opts.pem, 'CA certificate');
    if (!ca.ca) throw invalidCertificate('The certificate is not a CA certificate (basicConstraints CA:TRUE is required)');
    this.checkUsable(ca);
    const mode = opts.mode ?? 'DEFAULT';
    if (mode !== 'DEFAULT' && mode !== 'SNI_ONLY') throw new EngineError('InvalidInput', `certificateMode must be DEFAULT or SNI_ONLY`);
    if (mode === 'DEFAULT') {
      if (opts.verificationPem === undefined || opts.verificationPem === null) throw new EngineError('InvalidInput', 'verificationCertificate is required in DEFAULT certificate mode');
      const v = parseCertificatePem(opts.verificationPem, 'verification certificate');
      if (!signedBy(v, ca)) throw invalidCertificate('The verification certificate is not signed by the CA certificate');
      const cn = /(?:^|\n)CN=([^\n]*)/.exec(v.subject)?.[1];
      if (cn !== this.registrationCode) {
        throw new EngineError('InvalidInput', 'The verification certificate\'s common name is not the registration code (GetRegistrationCode)', { reason: 'registrationCode' });
      }
    }
    const id = certificateId(ca);
    if (this.caRow(id)) throw new EngineError('AlreadyExists', `The CA certificate ${id} is already registered`, { resourceId: id, resourceArn: caCertificateArn(id) });
    const now = this.clock.now();
    await this.store.write([{
      sql: 'INSERT INTO ca_certificates (id, pem, status, auto_registration, registration_config, created, modified, generation) VALUES (?, ?, ?, ?, ?, ?, ?, 1)',
      params: [id, ca.toString(), opts.setAsActive ? 'ACTIVE' : 'INACTIVE', opts.autoRegistration ? 'ENABLE' : 'DISABLE',
        opts.registrationConfig === undefined ? null : JSON.stringify(opts.registrationConfig), now, now],
    }]);
    this.generation++;
    return id;
  }

  /** JITR: registers a device certificate signed by `caId` as PENDING_ACTIVATION (no-op if known). */
  async autoRegister(cert: X509Certificate, caId: string): Promise<CertificateRow> {
    const id = certificateId(cert);
    if (!this.row(id)) await this.insert(cert, 'PENDING_ACTIVATION', caId);
    return this.row(id)!;
  }

  // ── update, describe, list, delete ──────────────────────────────────────

  async update(id: string, status: unknown) {
    const row = this.mustRow(id);
    if (typeof status !== 'string' || !certificateStatuses.includes(status as CertificateStatus)) {
      throw new EngineError('InvalidInput', `newStatus must be one of ${certificateStatuses.join(', ')}`);
    }
    if (status === 'PENDING_TRANSFER' || status === 'PENDING_ACTIVATION' || status === 'REGISTER_INACTIVE') {
      throw new EngineError('InvalidInput', `The status cannot be set to ${status} with UpdateCertificate`);
    }
    if (row.status === 'REVOKED' && status !== 'REVOKED') throw stateError('A revoked certificate cannot be changed back');
    if (row.status === 'PENDING_TRANSFER') throw stateError('The certificate is pending transfer');
    await this.store.write([{ sql: 'UPDATE certificates SET status = ?, modified = ?, generation = generation + 1 WHERE id = ?', params: [status, this.clock.now(), id] }]);
    this.generation++;
  }

  async updateCa(id: string, status: unknown, autoRegistration: unknown, registrationConfig?: unknown, removeAutoRegistration?: unknown) {
    this.mustCa(id);
    const sets: Statement[] = [];
    const now = this.clock.now();
    if (status !== undefined && status !== null) {
      if (status !== 'ACTIVE' && status !== 'INACTIVE') throw new EngineError('InvalidInput', 'newStatus must be ACTIVE or INACTIVE');
      sets.push({ sql: 'UPDATE ca_certificates SET status = ? WHERE id = ?', params: [status, id] });
    }
    if (autoRegistration !== undefined && autoRegistration !== null) {
      if (autoRegistration !== 'ENABLE' && autoRegistration !== 'DISABLE') throw new EngineError('InvalidInput', 'newAutoRegistrationStatus must be ENABLE or DISABLE');
      sets.push({ sql: 'UPDATE ca_certificates SET auto_registration = ? WHERE id = ?', params: [autoRegistration, id] });
    }
    if (registrationConfig !== undefined) sets.push({ sql: 'UPDATE ca_certificates SET registration_config = ? WHERE id = ?', params: [JSON.stringify(registrationConfig), id] });
    if (removeAutoRegistration === true) sets.push({ sql: 'UPDATE ca_certificates SET auto_registration = ? WHERE id = ?', params: ['DISABLE', id] });
    sets.push({ sql: 'UPDATE ca_certificates SET modified = ?, generation = generation + 1 WHERE id = ?', params: [now, id] });
    await this.store.write(sets);
    this.generation++;
  }

  row(id: string): CertificateRow | undefined {
    return this.store.get<CertificateRow>('SELECT * FROM certificates WHERE id = ?', [id]);
  }

  mustRow(id: string): CertificateRow {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new EngineError('InvalidInput', `Invalid certificate id: ${id}`);
    const row = this.row(id);
    if (!row) throw notFound('The certificate', id);
    return row;
  }

  caRow(id: string): CaCertificateRow | undefined {
    return this.store.get<CaCertificateRow>('SELECT * FROM ca_certificates WHERE id = ?', [id]);
  }

  mustCa(id: string): CaCertificateRow {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new EngineError('InvalidInput', `Invalid CA certificate id: ${id}`);
    const row = this.caRow(id);
    if (!row) throw notFound('The CA certificate', id);
    return row;
  }

  list(opts: { pageSize?: number; marker?: string; ascending?: boolean; caId?: string }): Page<CertificateRow> {
    return this.page<CertificateRow>('certificates', opts, opts.caId ? { sql: 'ca_id = ?', param: opts.caId } : undefined);
  }

  listCa(opts: { pageSize?: number; marker?: string; ascending?: boolean }): Page<CaCertificateRow> {
    return this.page<CaCertificateRow>('ca_certificates', opts);
  }

  private page<T extends { id: string; created: number }>(table: string, opts: { pageSize?: number; marker?: string; ascending?: boolean }, where?: { sql: string; param: string }): Page<T> {
    const size = opts.pageSize ?? 25;
    if (!Number.isInteger(size) || size < 1 || size > 250) throw new EngineError('InvalidInput', 'pageSize must be from 1 to 250');
    const offset = opts.marker ? Number.parseInt(Buffer.from(opts.marker, 'base64url').toString(), 10) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new EngineError('InvalidInput', 'Invalid marker');
    const order = opts.ascending ? 'ASC' : 'DESC';
    const rows = this.store.all<T>(
      `SELECT * FROM ${table} ${where ? `WHERE ${where.sql}` : ''} ORDER BY created ${order}, id ${order} LIMIT ? OFFSET ?`,
      [...(where ? [where.param] : []), size + 1, offset],
    );
    const more = rows.length > size;
    return { items: rows.slice(0, size), nextMarker: more ? Buffer.from(String(offset + size)).toString('base64url') : undefined };
  }

  /** AWS: not while ACTIVE (CertificateStateException), not while attached (DeleteConflictException; forceDelete detaches policies). */
  async delete(id: string, force: boolean): Promise<string[]> {
    const row = this.mustRow(id);
    if (row.status === 'ACTIVE') throw stateError('Certificate must be deactivated (not ACTIVE) before deletion.');
    const { things, policies } = this.attachments(certificateArn(id));
    if (things.length) throw new EngineError('Conflict', `Things are attached to the certificate: ${things.join(', ')}`, { reason: 'deleteConflict' });
    if (policies.length && !force) throw new EngineError('Conflict', `Policies are attached to the certificate: ${policies.join(', ')}`, { reason: 'deleteConflict' });
    await this.store.write([{ sql: 'DELETE FROM certificates WHERE id = ?', params: [id] }]);
    this.parsed.delete(id);
    this.generation++;
    return policies;
  }

  async deleteCa(id: string) {
    const row = this.mustCa(id);
    if (row.status === 'ACTIVE') throw stateError('The CA certificate must be deactivated (INACTIVE) before deletion.');
    await this.store.write([{ sql: 'DELETE FROM ca_certificates WHERE id = ?', params: [id] }]);
    this.generation++;
  }

  // ── verification (broker admission) ──────────────────────────────────────

  x509(row: { id: string; pem: string }): X509Certificate {
    let c = this.parsed.get(row.id);
    if (!c) {
      c = new X509Certificate(row.pem);
      this.parsed.set(row.id, c);
    }
    return c;
  }

  /** The registered CA that signed `cert` (any status), if any. */
  issuerOf(cert: X509Certificate): CaCertificateRow | undefined {
    return this.store.all<CaCertificateRow>('SELECT * FROM ca_certificates').find((ca) => signedBy(cert, this.x509(ca)));
  }

  private checkUsable(cert: X509Certificate) {
    if (isExpired(cert, this.clock.now())) throw invalidCertificate('The certificate is expired or not yet valid');
  }

  private async insert(cert: X509Certificate, status: CertificateStatus, caId: string | null, mode = 'DEFAULT'): Promise<string> {
    const id = certificateId(cert);
    if (this.row(id)) throw new EngineError('AlreadyExists', `The certificate ${id} is already registered`, { resourceId: id, resourceArn: certificateArn(id) });
    const now = this.clock.now();
    await this.store.write([{
      sql: 'INSERT INTO certificates (id, pem, status, ca_id, mode, created, modified, generation) VALUES (?, ?, ?, ?, ?, ?, ?, 1)',
      params: [id, cert.toString(), status, caId, mode, now, now],
    }]);
    this.parsed.set(id, cert);
    this.generation++;
    return id;
  }
}
