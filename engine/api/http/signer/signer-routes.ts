/**
 * The AWS Signer API subset a firmware rollout needs (restJson1, signing name `signer`, AWS's paths from the SDK
 * model): PutSigningProfile `PUT /signing-profiles/{profileName}`, GetSigningProfile and CancelSigningProfile on the
 * same path, ListSigningProfiles `GET /signing-profiles`, StartSigningJob `POST /signing-jobs`, DescribeSigningJob
 * `GET /signing-jobs/{jobId}`, ListSigningJobs `GET /signing-jobs`, ListSigningPlatforms `GET /signing-platforms` and
 * GetSigningPlatform `GET /signing-platforms/{platformId}`. The other Signer operations answer UnknownOperationException.
 *
 * LIMITATIONS: see engine/signer/signer-service.ts; ListSigningJobs ignores the signature-expiry and revocation
 * filters (nothing is revoked); `overrides` are refused (the platforms have one algorithm and one format).
 */
import { EngineError, LOCAL_ACCOUNT_ID } from '../../../core/index.js';
import { signingPlatform, signingPlatforms, type SignerService, type SigningJob, type SigningProfile, type ValidityPeriod } from '../../../signer/index.js';
import { AwsError } from '../aws-errors.js';
import type { HttpHandler, HttpRequest, Route } from '../http-server.js';
import { decodeNextToken, encodeNextToken, epochSeconds, jsonBody, maxResults, optionalObject, optionalString, queryBoolean, requiredString } from '../iot-control-shared.js';
import { signerErrors } from './signer-errors.js';

export type SignerOperations = Pick<SignerService, 'putProfile' | 'getProfile' | 'listProfiles' | 'cancelProfile' | 'startJob' | 'getJob' | 'listJobs'>;

const invalid = (message: string) => new EngineError('InvalidInput', message);
const REQUESTED_BY = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root`;

function profileName(value: string, at = 'profileName'): string {
  if (value.length < 2 || value.length > 64) throw invalid(`1 validation error detected: Value '${value}' at '${at}' failed to satisfy constraint: Member must have length between 2 and 64`);
  if (!/^[a-zA-Z0-9_]{2,}$/.test(value)) throw invalid(`1 validation error detected: Value '${value}' at '${at}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_]{2,}`);
  return value;
}

function stringMap(value: unknown, at: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) throw invalid(`${at} must be a map of strings`);
  return value as Record<string, string>;
}

function validity(body: Record<string, unknown>): ValidityPeriod | undefined {
  const v = optionalObject(body, 'signatureValidityPeriod');
  if (!v) return undefined;
  const type = v.type, value = v.value;
  if (type !== 'DAYS' && type !== 'MONTHS' && type !== 'YEARS') throw invalid(`1 validation error detected: Value '${String(type)}' at 'signatureValidityPeriod.type' failed to satisfy constraint: Member must satisfy enum value set: [DAYS, MONTHS, YEARS]`);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalid('signatureValidityPeriod.value must be a positive integer');
  return { type, value };
}

const displayName = (platformId: string) => signingPlatform(platformId)?.displayName ?? platformId;

function profileShape(p: SigningProfile) {
  return {
    profileName: p.name, profileVersion: p.version, profileVersionArn: p.versionArn, signingMaterial: { certificateArn: p.certificateArn },
    platformId: p.platformId, platformDisplayName: displayName(p.platformId), signatureValidityPeriod: p.validity, signingParameters: p.parameters,
    status: p.status, arn: p.arn, tags: p.tags,
  };
}

function jobSummary(j: SigningJob) {
  return {
    jobId: j.jobId, source: { s3: j.source }, ...(j.signedObject ? { signedObject: { s3: j.signedObject } } : {}),
    signingMaterial: { certificateArn: j.certificateArn }, createdAt: epochSeconds(j.created), status: j.status, isRevoked: false,
    profileName: j.profileName, profileVersion: j.profileVersion, platformId: j.platformId, platformDisplayName: displayName(j.platformId),
    ...(j.signatureExpiresAt !== undefined ? { signatureExpiresAt: epochSeconds(j.signatureExpiresAt) } : {}), jobOwner: LOCAL_ACCOUNT_ID, jobInvoker: LOCAL_ACCOUNT_ID,
  };
}

function jobDetail(j: SigningJob) {
  return {
    ...jobSummary(j), signingParameters: {}, requestedBy: REQUESTED_BY, statusReason: j.statusReason,
    ...(j.completed !== undefined ? { completedAt: epochSeconds(j.completed) } : {}),
  };
}

/** One page of `items` from the `nextToken` offset. */
function page<T>(req: HttpRequest, kind: string, items: T[], max: number): { items: T[]; nextToken?: string } {
  const limit = maxResults(req.query.get('maxResults'), max, max);
  const from = Number(decodeNextToken(kind, req.query.get('nextToken')) ?? 0);
  const next = from + limit < items.length ? encodeNextToken(kind, String(from + limit)) : undefined;
  return { items: items.slice(from, from + limit), ...(next ? { nextToken: next } : {}) };
}

export function signerRoutes(signer: SignerOperations): Route[] {
  const put: HttpHandler = async (req) => {
    const name = profileName(req.params.profileName);
    const body = jsonBody(req);
    if (body.overrides !== undefined && body.overrides !== null) throw invalid('overrides are not supported: the signing platforms have one signing configuration and image format');
    const material = optionalObject(body, 'signingMaterial');
    const certificateArn = material ? requiredString(material, 'certificateArn') : undefined;
    const v = validity(body);
    const p = await signer.putProfile({
      name, platformId: requiredString(body, 'platformId'), ...(certificateArn !== undefined ? { certificateArn } : {}), ...(v ? { validity: v } : {}),
      parameters: stringMap(body.signingParameters, 'signingParameters'), tags: stringMap(body.tags, 'tags'),
    });
    return { json: { arn: p.arn, profileVersion: p.version, profileVersionArn: p.versionArn } };
  };
  const get: HttpHandler = (req) => ({ json: profileShape(signer.getProfile(profileName(req.params.profileName))) });
  const cancel: HttpHandler = async (req) => {
    await signer.cancelProfile(profileName(req.params.profileName));
    return {};
  };
  const listProfiles: HttpHandler = (req) => {
    const includeCanceled = queryBoolean(req, 'includeCanceled') ?? false;
    const platformId = req.query.get('platformId');
    const statuses = req.query.getAll('statuses');
    const all = signer.listProfiles().filter((p) => (includeCanceled || p.status !== 'Canceled') && (!platformId || p.platformId === platformId)
      && (!statuses.length || statuses.includes(p.status)));
    const { items, nextToken } = page(req, 'signing-profiles', all, 25);
    return { json: { profiles: items.map(profileShape), ...(nextToken ? { nextToken } : {}) } };
  };
  const start: HttpHandler = async (req) => {
    const body = jsonBody(req);
    const source = optionalObject(optionalObject(body, 'source') ?? {}, 's3');
    if (!source) throw invalid("1 validation error detected: Value null at 'source' failed to satisfy constraint: Member must not be null");
    const destination = optionalObject(optionalObject(body, 'destination') ?? {}, 's3');
    if (!destination) throw invalid("1 validation error detected: Value null at 'destination' failed to satisfy constraint: Member must not be null");
    const prefix = optionalString(destination, 'prefix');
    const clientToken = optionalString(body, 'clientRequestToken');
    const job = await signer.startJob({
      source: { bucketName: requiredString(source, 'bucketName'), key: requiredString(source, 'key'), version: requiredString(source, 'version') },
      destination: { bucketName: requiredString(destination, 'bucketName'), ...(prefix !== undefined ? { prefix } : {}) },
      profileName: profileName(requiredString(body, 'profileName')), ...(clientToken !== undefined ? { clientToken } : {}),
    });
    return { json: { jobId: job.jobId, jobOwner: LOCAL_ACCOUNT_ID } };
  };
  const describeJob: HttpHandler = (req) => ({ json: jobDetail(signer.getJob(req.params.jobId)) });
  const listJobs: HttpHandler = (req) => {
    const status = req.query.get('status'), platformId = req.query.get('platformId');
    if (status && !['InProgress', 'Failed', 'Succeeded'].includes(status)) {
      throw invalid(`1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [InProgress, Failed, Succeeded]`);
    }
    const all = signer.listJobs().filter((j) => (!status || j.status === status) && (!platformId || j.platformId === platformId));
    const { items, nextToken } = page(req, 'signing-jobs', all, 25);
    return { json: { jobs: items.map(jobSummary), ...(nextToken ? { nextToken } : {}) } };
  };
  const listPlatforms: HttpHandler = (req) => {
    const [category, partner, target] = ['category', 'partner', 'target'].map((k) => req.query.get(k));
    const all = signingPlatforms.filter((p) => (!category || p.category === category) && (!partner || p.partner === partner) && (!target || p.target === target));
    const { items, nextToken } = page(req, 'signing-platforms', all, 25);
    return { json: { platforms: items, ...(nextToken ? { nextToken } : {}) } };
  };
  const getPlatform: HttpHandler = (req) => {
    const p = signingPlatform(req.params.platformId);
    if (!p) throw new EngineError('NotFound', `Platform ${req.params.platformId} not found`);
    return { json: p };
  };
  const unsupported = (method: string, path: string, operation: string): Route => ({
    method, path, operation, rawBody: true,
    handler: () => {
      throw new AwsError(404, 'UnknownOperationException', `${operation} is an AWS Signer operation that Thingbench does not support yet`);
    },
  });
  return [
    { method: 'PUT', path: '/signing-profiles/{profileName}', operation: 'PutSigningProfile', handler: put },
    { method: 'GET', path: '/signing-profiles/{profileName}', operation: 'GetSigningProfile', handler: get },
    { method: 'DELETE', path: '/signing-profiles/{profileName}', operation: 'CancelSigningProfile', handler: cancel },
    { method: 'GET', path: '/signing-profiles', operation: 'ListSigningProfiles', handler: listProfiles },
    { method: 'POST', path: '/signing-jobs', operation: 'StartSigningJob', handler: start },
    { method: 'GET', path: '/signing-jobs/{jobId}', operation: 'DescribeSigningJob', handler: describeJob },
    { method: 'GET', path: '/signing-jobs', operation: 'ListSigningJobs', handler: listJobs },
    { method: 'GET', path: '/signing-platforms', operation: 'ListSigningPlatforms', handler: listPlatforms },
    { method: 'GET', path: '/signing-platforms/{platformId}', operation: 'GetSigningPlatform', handler: getPlatform },
    unsupported('POST', '/signing-profiles/{profileName}/permissions', 'AddProfilePermission'),
    unsupported('GET', '/signing-profiles/{profileName}/permissions', 'ListProfilePermissions'),
    unsupported('DELETE', '/signing-profiles/{profileName}/permissions/{statementId}', 'RemoveProfilePermission'),
    unsupported('PUT', '/signing-profiles/{profileName}/revoke', 'RevokeSigningProfile'),
    unsupported('PUT', '/signing-jobs/{jobId}/revoke', 'RevokeSignature'),
    unsupported('POST', '/signing-jobs/with-payload', 'SignPayload'),
    unsupported('GET', '/revocations', 'GetRevocationStatus'),
    unsupported('GET', '/tags/{resourceArn}', 'ListTagsForResource'),
    unsupported('POST', '/tags/{resourceArn}', 'TagResource'),
    unsupported('DELETE', '/tags/{resourceArn}', 'UntagResource'),
  ].map((r) => ({ errors: signerErrors, signingName: 'signer', ...r }));
}
