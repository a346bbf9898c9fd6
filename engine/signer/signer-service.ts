/**
 * Local code signing, the subset of AWS Signer a firmware rollout needs: signing profiles on the SHA256-ECDSA AWS IoT
 * platforms, and signing jobs that read a file from the local S3, sign it (ECDSA P-256 over SHA-256) and write the
 * signed object to `destination.prefix + jobId`, as AWS does.
 *
 * The signed object is JSON (the platforms' `JSONEmbedded` format): `rawPayloadSize`, `signature` (base64 DER, what
 * an OTA job document carries as `sig-sha256-ecdsa`), `signatureAlgorithm`, `certificate` (PEM) and `payload`
 * (base64 of the file). `otaFileSignature(jobId)` gives the job-document fields directly.
 *
 * LIMITATIONS: the signed object's layout is Thingbench's (AWS does not document it); jobs finish before
 * StartSigningJob answers (never seen InProgress); a source that cannot be read makes a Failed job; `version` of the
 * source is recorded, not checked (the local S3 keeps no versions); profiles cannot be revoked, shared (permissions),
 * or tagged after creation; SignPayload and revocation checks are not offered; signing parameters are stored only.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION, type Clock, type Service } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { signFile } from './file-signature.js';
import { SigningCertificates, type CertificateIssuer, type SigningCertificate } from './signing-certificates.js';
import { signingPlatform } from './signing-platforms.js';

export interface ValidityPeriod { value: number; type: 'DAYS' | 'MONTHS' | 'YEARS' }

export interface SigningProfile {
  name: string;
  arn: string;
  version: string;
  versionArn: string;
  platformId: string;
  certificateArn: string;
  validity: ValidityPeriod;
  parameters: Record<string, string>;
  tags: Record<string, string>;
  status: 'Active' | 'Canceled' | 'Revoked';
  created: number;
}

export interface S3Object { bucketName: string; key: string; version?: string }

export interface SigningJob {
  jobId: string;
  clientToken?: string;
  profileName: string;
  profileVersion: string;
  platformId: string;
  certificateArn: string;
  source: S3Object;
  signedObject?: { bucketName: string; key: string };
  /** Base64 DER ECDSA signature of the source object. */
  signature?: string;
  status: 'InProgress' | 'Failed' | 'Succeeded';
  statusReason: string;
  created: number;
  completed?: number;
  signatureExpiresAt?: number;
}

/** The local S3 as signing sees it. */
export interface SignerObjects {
  read(bucket: string, key: string): Buffer;
  put(bucket: string, key: string, body: Uint8Array, attrs?: { headers?: { 'content-type'?: string } }): Promise<unknown>;
}

/** AWS Signer's default signature validity: 135 months. */
const DEFAULT_VALIDITY: ValidityPeriod = { value: 135, type: 'MONTHS' };

const profileArn = (name: string) => `arn:aws:signer:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:/signing-profiles/${name}`;

export class SignerService implements Service {
  readonly name = 'signer';
  private readonly certificates: SigningCertificates;
  private readonly profiles = new Map<string, SigningProfile>();
  private readonly jobs = new Map<string, SigningJob>();

  constructor(private readonly store: Store, private readonly clock: Clock, private readonly objects: SignerObjects, issue: CertificateIssuer) {
    this.certificates = new SigningCertificates(store, clock, issue);
  }

  async start(): Promise<void> {
    this.certificates.load();
    this.profiles.clear();
    this.jobs.clear();
    for (const r of this.store.all<ProfileRow>('SELECT * FROM signer_profiles')) this.profiles.set(r.name, profileFromRow(r));
    for (const r of this.store.all<JobRow>('SELECT * FROM signer_jobs ORDER BY created')) this.jobs.set(r.id, jobFromRow(r));
  }

  async stop(): Promise<void> {}

  /** A certificate and P-256 key for profiles to name in `signingMaterial.certificateArn`; returns its ARN. */
  async importCertificate(certificatePem: string, privateKeyPem: string): Promise<string> {
    return (await this.certificates.import(certificatePem, privateKeyPem)).arn;
  }

  /** The PEM of a signing certificate (what a device verifies signatures with). */
  certificatePem(arn: string): string {
    const c = this.certificates.get(arn);
    if (!c) throw new EngineError('NotFound', `Certificate ${arn} not found`);
    return c.certificatePem;
  }

  /** PutSigningProfile: a new signing certificate from the engine's CA unless `certificateArn` names one it has. */
  async putProfile(input: { name: string; platformId: string; certificateArn?: string; validity?: ValidityPeriod; parameters?: Record<string, string>; tags?: Record<string, string> }): Promise<SigningProfile> {
    if (this.profiles.has(input.name)) throw new EngineError('Conflict', `A signing profile named ${input.name} already exists`);
    if (!signingPlatform(input.platformId)) throw new EngineError('InvalidInput', `The platform ${input.platformId} is not supported. Supported platforms: AmazonFreeRTOS-Default, AWSIoTDeviceManagement-SHA256-ECDSA`);
    let cert: SigningCertificate | undefined;
    if (input.certificateArn !== undefined) {
      cert = this.certificates.get(input.certificateArn);
      if (!cert) throw new EngineError('NotFound', `Certificate ${input.certificateArn} not found`);
    } else {
      cert = await this.certificates.create(`Thingbench code signing ${input.name}`);
    }
    const version = randomBytes(8).toString('base64').replace(/[^a-zA-Z0-9]/g, '').slice(0, 10).padEnd(10, '0');
    const profile: SigningProfile = {
      name: input.name, arn: profileArn(input.name), version, versionArn: `${profileArn(input.name)}/${version}`, platformId: input.platformId,
      certificateArn: cert.arn, validity: input.validity ?? DEFAULT_VALIDITY, parameters: input.parameters ?? {}, tags: input.tags ?? {},
      status: 'Active', created: this.clock.now(),
    };
    this.profiles.set(profile.name, profile);
    await this.writeProfile(profile);
    return profile;
  }

  getProfile(name: string): SigningProfile {
    const p = this.profiles.get(name);
    if (!p) throw new EngineError('NotFound', `Signing profile ${name} not found`);
    return p;
  }

  listProfiles(): SigningProfile[] {
    return [...this.profiles.values()].sort((a, b) => a.created - b.created || (a.name < b.name ? -1 : 1));
  }

  /** CancelSigningProfile: the profile stays visible (Canceled) and signs nothing more. */
  async cancelProfile(name: string): Promise<void> {
    const p = this.getProfile(name);
    if (p.status === 'Canceled') return;
    const next = { ...p, status: 'Canceled' as const };
    this.profiles.set(name, next);
    await this.writeProfile(next);
  }

  /** StartSigningJob: signs now; a repeated client token answers the first job. */
  async startJob(input: { source: S3Object; destination: { bucketName: string; prefix?: string }; profileName: string; clientToken?: string }): Promise<SigningJob> {
    if (input.clientToken !== undefined) {
      const earlier = [...this.jobs.values()].find((j) => j.clientToken === input.clientToken);
      if (earlier) return earlier;
    }
    const profile = this.getProfile(input.profileName);
    if (profile.status !== 'Active') throw new EngineError('InvalidInput', `Signing profile ${profile.name} is ${profile.status.toLowerCase()} and cannot be used to sign`);
    const cert = this.certificates.get(profile.certificateArn);
    if (!cert) throw new EngineError('Internal', `signing certificate ${profile.certificateArn} of profile ${profile.name} is missing`);
    const now = this.clock.now();
    const jobId = randomUUID();
    const base = {
      jobId, ...(input.clientToken !== undefined ? { clientToken: input.clientToken } : {}), profileName: profile.name, profileVersion: profile.version,
      platformId: profile.platformId, certificateArn: cert.arn, source: input.source, created: now,
    };
    let job: SigningJob;
    try {
      const file = this.objects.read(input.source.bucketName, input.source.key);
      const max = (signingPlatform(profile.platformId)?.maxSizeInMB ?? 16) * 1024 * 1024;
      if (file.length > max) throw new EngineError('InvalidInput', `The source object is larger than the platform's limit of ${max / 1024 / 1024} MB`);
      const signature = signFile(file, cert.privateKeyPem).toString('base64');
      const key = `${input.destination.prefix ?? ''}${jobId}`;
      const signed = { rawPayloadSize: file.length, signature, signatureAlgorithm: 'SHA256withECDSA', certificate: cert.certificatePem, payload: file.toString('base64') };
      await this.objects.put(input.destination.bucketName, key, Buffer.from(JSON.stringify(signed)), { headers: { 'content-type': 'application/json' } });
      job = {
        ...base, signedObject: { bucketName: input.destination.bucketName, key }, signature, status: 'Succeeded', statusReason: 'Signing Succeeded',
        completed: this.clock.now(), signatureExpiresAt: addValidity(now, profile.validity),
      };
    } catch (e) {
      if (!(e instanceof EngineError) || e.code === 'Internal') throw e;
      job = { ...base, status: 'Failed', statusReason: e.message, completed: this.clock.now() };
    }
    this.jobs.set(jobId, job);
    await this.writeJob(job);
    return job;
  }

  getJob(jobId: string): SigningJob {
    const j = this.jobs.get(jobId);
    if (!j) throw new EngineError('NotFound', `Signing job ${jobId} not found`);
    return j;
  }

  /** Jobs newest first. */
  listJobs(): SigningJob[] {
    return [...this.jobs.values()].reverse();
  }

  /**
   * The fields an AWS IoT OTA job document carries for a file signed by this job: `sig-sha256-ecdsa` (base64 DER)
   * and `certfile`, here the signing certificate's PEM (a device verifies with `verifyFileSignature`).
   */
  otaFileSignature(jobId: string): { 'sig-sha256-ecdsa': string; certfile: string } {
    const job = this.getJob(jobId);
    if (job.status !== 'Succeeded' || !job.signature) throw new EngineError('InvalidInput', `Signing job ${jobId} did not succeed: ${job.statusReason}`);
    return { 'sig-sha256-ecdsa': job.signature, certfile: this.certificatePem(job.certificateArn) };
  }

  private writeProfile(p: SigningProfile): Promise<void> {
    return this.store.write([{
      sql: 'INSERT OR REPLACE INTO signer_profiles (name, version, platform, certificate_arn, validity, parameters, tags, status, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      params: [p.name, p.version, p.platformId, p.certificateArn, JSON.stringify(p.validity), JSON.stringify(p.parameters), JSON.stringify(p.tags), p.status, p.created],
    }]);
  }

  private writeJob(j: SigningJob): Promise<void> {
    return this.store.write([{
      sql: `INSERT OR REPLACE INTO signer_jobs (id, client_token, profile, profile_version, platform, certificate_arn, source, signed, signature, status, reason, created, completed, expires)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [j.jobId, j.clientToken ?? null, j.profileName, j.profileVersion, j.platformId, j.certificateArn, JSON.stringify(j.source),
        j.signedObject ? JSON.stringify(j.signedObject) : null, j.signature ?? null, j.status, j.statusReason, j.created, j.completed ?? null, j.signatureExpiresAt ?? null],
    }]);
  }
}

function addValidity(from: number, v: ValidityPeriod): number {
  const d = new Date(from);
  if (v.type === 'DAYS') d.setUTCDate(d.getUTCDate() + v.value);
  else if (v.type === 'MONTHS') d.setUTCMonth(d.getUTCMonth() + v.value);
  else d.setUTCFullYear(d.getUTCFullYear() + v.value);
  return d.getTime();
}

interface ProfileRow { name: string; version: string; platform: string; certificate_arn: string; validity: string; parameters: string; tags: string; status: SigningProfile['status']; created: number }
interface JobRow {
  id: string; client_token: string | null; profile: string; profile_version: string; platform: string; certificate_arn: string; source: string;
  signed: string | null; signature: string | null; status: SigningJob['status']; reason: string | null; created: number; completed: number | null; expires: number | null;
}

function profileFromRow(r: ProfileRow): SigningProfile {
  return {
    name: r.name, arn: profileArn(r.name), version: r.version, versionArn: `${profileArn(r.name)}/${r.version}`, platformId: r.platform,
    certificateArn: r.certificate_arn, validity: JSON.parse(r.validity) as ValidityPeriod, parameters: JSON.parse(r.parameters) as Record<string, string>,
    tags: JSON.parse(r.tags) as Record<string, string>, status: r.status, created: r.created,
  };
}

function jobFromRow(r: JobRow): SigningJob {
  return {
    jobId: r.id, ...(r.client_token !== null ? { clientToken: r.client_token } : {}), profileName: r.profile, profileVersion: r.profile_version,
    platformId: r.platform, certificateArn: r.certificate_arn, source: JSON.parse(r.source) as S3Object,
    ...(r.signed !== null ? { signedObject: JSON.parse(r.signed) as { bucketName: string; key: string } } : {}),
    ...(r.signature !== null ? { signature: r.signature } : {}), status: r.status, statusReason: r.reason ?? '', created: r.created,
    ...(r.completed !== null ? { completed: r.completed } : {}), ...(r.expires !== null ? { signatureExpiresAt: r.expires } : {}),
  };
}
