/**
 * AWS IoT control plane, security half: certificates, CA certificates and policies at AWS's REST paths (botocore
 * `iot` 2015-05-28), so `aws iot … --endpoint-url` and `@aws-sdk/client-iot` work unchanged. Timestamps are epoch
 * seconds as restJson1 sends them. Errors go through `iotControlErrors` (the domain says why in `details.reason`).
 */
import { EngineError } from '../../core/index.js';
import {
  caCertificateArn, certificateArn, policyArn, type CaCertificateRow, type CertificateRow, type SecurityService,
} from '../../security/index.js';
import { parseTemplate } from '../../provisioning/index.js';
import { iotControlErrors } from './aws-errors.js';
import { jsonBody } from './iot-control-shared.js';
import { testAuthorizationRoute } from './iot-control-test-authorization.js';
import type { HttpRequest, HttpResult, Route } from './http-server.js';

const seconds = (ms: number) => ms / 1000;

/** What the certificate and policy operations need from the security service; `SecurityService` satisfies it. */
export type SecurityOperations = Pick<SecurityService, 'deleteCertificate' | 'trustChanged' | 'testAuthorization'> & {
  readonly certificates: Pick<SecurityService['certificates'],
    | 'createKeysAndCertificate' | 'createFromCsr' | 'register' | 'registerWithoutCa' | 'registerCa' | 'registrationCode'
    | 'list' | 'listCa' | 'mustRow' | 'mustCa' | 'update' | 'updateCa' | 'deleteCa' | 'x509'>;
  readonly policies: Pick<SecurityService['policies'],
    | 'create' | 'delete' | 'list' | 'must' | 'version' | 'versions' | 'createVersion' | 'deleteVersion' | 'setDefault'
    | 'attach' | 'detach' | 'attached' | 'targets'>;
};

const flag = (req: HttpRequest, name: string) => req.query.get(name) === 'true';
const int = (req: HttpRequest, name: string) => (req.query.has(name) ? Number(req.query.get(name)) : undefined);

function describeCert(row: CertificateRow, security: SecurityOperations) {
  const x = security.certificates.x509(row);
  return {
    certificateArn: certificateArn(row.id), certificateId: row.id, caCertificateId: row.ca_id ?? undefined, status: row.status,
    certificatePem: row.pem, ownedBy: certificateArn('').split(':')[4],
    creationDate: seconds(row.created), lastModifiedDate: seconds(row.modified), customerVersion: row.generation,
    generationId: String(row.generation), certificateMode: row.mode,
    validity: { notBefore: seconds(Date.parse(x.validFrom)), notAfter: seconds(Date.parse(x.validTo)) },
  };
}

function describeCa(row: CaCertificateRow, security: SecurityOperations) {
  const x = security.certificates.x509(row);
  return {
    certificateArn: caCertificateArn(row.id), certificateId: row.id, status: row.status, certificatePem: row.pem,
    ownedBy: caCertificateArn('').split(':')[4], creationDate: seconds(row.created), lastModifiedDate: seconds(row.modified),
    autoRegistrationStatus: row.auto_registration, customerVersion: row.generation, generationId: String(row.generation),
    certificateMode: 'DEFAULT', validity: { notBefore: seconds(Date.parse(x.validFrom)), notAfter: seconds(Date.parse(x.validTo)) },
  };
}

/** A CA's `registrationConfig` (JITP): its `templateBody`, when given, must be a template that parses. */
function registrationConfig(config: unknown): unknown {
  if (config === undefined || config === null) return config;
  if (typeof config !== 'object' || Array.isArray(config)) throw new EngineError('InvalidInput', 'registrationConfig must be an object');
  const body = (config as { templateBody?: unknown }).templateBody;
  if (body !== undefined && body !== null) parseTemplate(body);
  return config;
}

export function iotControlSecurityRoutes(security: SecurityOperations): Route[] {
  const certs = () => security.certificates, policies = () => security.policies;
  const r = (method: string, path: string, operation: string, fn: (req: HttpRequest) => HttpResult['json'] | Promise<HttpResult['json']>): Route => ({
    method, path, operation, errors: iotControlErrors, handler: async (req) => ({ json: (await fn(req)) ?? {} }),
  });
  return [
    // ── certificates ──
    r('POST', '/keys-and-certificate', 'CreateKeysAndCertificate', async (req) => {
      const c = await certs().createKeysAndCertificate(flag(req, 'setAsActive'));
      return { certificateArn: certificateArn(c.id), certificateId: c.id, certificatePem: c.pem, keyPair: c.keyPair };
    }),
    r('POST', '/certificates', 'CreateCertificateFromCsr', async (req) => {
      const c = await certs().createFromCsr(jsonBody(req).certificateSigningRequest, flag(req, 'setAsActive'));
      return { certificateArn: certificateArn(c.id), certificateId: c.id, certificatePem: c.pem };
    }),
    r('POST', '/certificate/register', 'RegisterCertificate', async (req) => {
      const b = jsonBody(req);
      const id = await certs().register(b.certificatePem, b.caCertificatePem, registerStatus(b.status, flag(req, 'setAsActive')));
      return { certificateArn: certificateArn(id), certificateId: id };
    }),
    r('POST', '/certificate/register-no-ca', 'RegisterCertificateWithoutCA', async (req) => {
      const b = jsonBody(req);
      const id = await certs().registerWithoutCa(b.certificatePem, registerStatus(b.status, false));
      return { certificateArn: certificateArn(id), certificateId: id };
    }),
    r('PUT', '/certificates/{certificateId}', 'UpdateCertificate', async (req) => {
      await certs().update(req.params.certificateId, req.query.get('newStatus') ?? undefined);
    }),
    r('GET', '/certificates/{certificateId}', 'DescribeCertificate', (req) => ({ certificateDescription: describeCert(certs().mustRow(req.params.certificateId), security) })),
    r('GET', '/certificates', 'ListCertificates', (req) => {
      const page = certs().list({ pageSize: int(req, 'pageSize'), marker: req.query.get('marker') ?? undefined, ascending: flag(req, 'isAscendingOrder') });
      return { certificates: page.items.map((c) => ({ certificateArn: certificateArn(c.id), certificateId: c.id, status: c.status, certificateMode: c.mode, creationDate: seconds(c.created) })), nextMarker: page.nextMarker };
    }),
    r('GET', '/certificates-by-ca/{caCertificateId}', 'ListCertificatesByCA', (req) => {
      const page = certs().list({ caId: req.params.caCertificateId, pageSize: int(req, 'pageSize'), marker: req.query.get('marker') ?? undefined, ascending: flag(req, 'isAscendingOrder') });
      return { certificates: page.items.map((c) => ({ certificateArn: certificateArn(c.id), certificateId: c.id, status: c.status, certificateMode: c.mode, creationDate: seconds(c.created) })), nextMarker: page.nextMarker };
    }),
    r('DELETE', '/certificates/{certificateId}', 'DeleteCertificate', async (req) => {
      await security.deleteCertificate(req.params.certificateId, flag(req, 'forceDelete'));
    }),
    // ── CA certificates ──
    r('GET', '/registrationcode', 'GetRegistrationCode', () => ({ registrationCode: certs().registrationCode })),
    r('POST', '/cacertificate', 'RegisterCACertificate', async (req) => {
      const b = jsonBody(req);
      const id = await certs().registerCa({
        pem: b.caCertificate, verificationPem: b.verificationCertificate, setAsActive: flag(req, 'setAsActive'),
        autoRegistration: flag(req, 'allowAutoRegistration'), registrationConfig: registrationConfig(b.registrationConfig), mode: b.certificateMode,
      });
      security.trustChanged();
      return { certificateArn: caCertificateArn(id), certificateId: id };
    }),
    r('PUT', '/cacertificate/{caCertificateId}', 'UpdateCACertificate', async (req) => {
      const b = jsonBody(req);
      await certs().updateCa(req.params.caCertificateId, req.query.get('newStatus') ?? undefined, req.query.get('newAutoRegistrationStatus') ?? undefined, registrationConfig(b.registrationConfig), b.removeAutoRegistration);
      security.trustChanged();
    }),
    r('GET', '/cacertificate/{caCertificateId}', 'DescribeCACertificate', (req) => {
      const row = certs().mustCa(req.params.caCertificateId);
      return { certificateDescription: describeCa(row, security), registrationConfig: row.registration_config ? JSON.parse(row.registration_config) as unknown : undefined };
    }),
    r('GET', '/cacertificates', 'ListCACertificates', (req) => {
      const page = certs().listCa({ pageSize: int(req, 'pageSize'), marker: req.query.get('marker') ?? undefined, ascending: flag(req, 'isAscendingOrder') });
      return { certificates: page.items.map((c) => ({ certificateArn: caCertificateArn(c.id), certificateId: c.id, status: c.status, creationDate: seconds(c.created) })), nextMarker: page.nextMarker };
    }),
    r('DELETE', '/cacertificate/{caCertificateId}', 'DeleteCACertificate', async (req) => {
      await certs().deleteCa(req.params.caCertificateId);
      security.trustChanged();
    }),
    // ── policies ──
    r('POST', '/policies/{policyName}', 'CreatePolicy', async (req) => {
      const v = await policies().create(req.params.policyName, jsonBody(req).policyDocument);
      return { policyName: v.name, policyArn: policyArn(v.name), policyDocument: v.document, policyVersionId: v.version };
    }),
    r('GET', '/policies/{policyName}', 'GetPolicy', (req) => {
      const p = policies().must(req.params.policyName);
      const v = policies().version(p.name, p.default_version);
      return {
        policyName: p.name, policyArn: policyArn(p.name), policyDocument: v.document, defaultVersionId: p.default_version,
        creationDate: seconds(p.created), lastModifiedDate: seconds(p.modified), generationId: `${p.modified}`,
      };
    }),
    r('GET', '/policies', 'ListPolicies', (req) => {
      const page = policies().list({ pageSize: int(req, 'pageSize'), marker: req.query.get('marker') ?? undefined, ascending: req.query.get('isAscendingOrder') !== 'false' });
      return { policies: page.items.map((p) => ({ policyName: p.name, policyArn: policyArn(p.name) })), nextMarker: page.nextMarker };
    }),
    r('DELETE', '/policies/{policyName}', 'DeletePolicy', async (req) => {
      await policies().delete(req.params.policyName);
    }),
    r('POST', '/policies/{policyName}/version', 'CreatePolicyVersion', async (req) => {
      const v = await policies().createVersion(req.params.policyName, jsonBody(req).policyDocument, flag(req, 'setAsDefault'));
      return { policyArn: policyArn(v.name), policyDocument: v.document, policyVersionId: v.version, isDefaultVersion: policies().must(v.name).default_version === v.version };
    }),
    r('GET', '/policies/{policyName}/version', 'ListPolicyVersions', (req) => {
      const p = policies().must(req.params.policyName);
      return { policyVersions: policies().versions(p.name).map((v) => ({ versionId: v.version, isDefaultVersion: v.version === p.default_version, createDate: seconds(v.created) })) };
    }),
    r('GET', '/policies/{policyName}/version/{policyVersionId}', 'GetPolicyVersion', (req) => {
      const p = policies().must(req.params.policyName);
      const v = policies().version(p.name, req.params.policyVersionId);
      return {
        policyArn: policyArn(p.name), policyName: p.name, policyDocument: v.document, policyVersionId: v.version,
        isDefaultVersion: v.version === p.default_version, creationDate: seconds(v.created), lastModifiedDate: seconds(v.created), generationId: `${v.created}`,
      };
    }),
    r('PATCH', '/policies/{policyName}/version/{policyVersionId}', 'SetDefaultPolicyVersion', async (req) => {
      await policies().setDefault(req.params.policyName, req.params.policyVersionId);
    }),
    r('DELETE', '/policies/{policyName}/version/{policyVersionId}', 'DeletePolicyVersion', async (req) => {
      await policies().deleteVersion(req.params.policyName, req.params.policyVersionId);
    }),
    // ── attachments ──
    r('PUT', '/target-policies/{policyName}', 'AttachPolicy', async (req) => {
      await policies().attach(req.params.policyName, jsonBody(req).target);
    }),
    r('POST', '/target-policies/{policyName}', 'DetachPolicy', async (req) => {
      await policies().detach(req.params.policyName, jsonBody(req).target);
    }),
    r('PUT', '/principal-policies/{policyName}', 'AttachPrincipalPolicy', async (req) => {
      await policies().attach(req.params.policyName, req.headers['x-amzn-iot-principal']);
    }),
    r('DELETE', '/principal-policies/{policyName}', 'DetachPrincipalPolicy', async (req) => {
      await policies().detach(req.params.policyName, req.headers['x-amzn-iot-principal']);
    }),
    r('POST', '/attached-policies/{target}', 'ListAttachedPolicies', (req) => {
      const names = policies().attached(req.params.target);
      return paged(names.map((n) => ({ policyName: n, policyArn: policyArn(n) })), req, 'policies');
    }),
    r('GET', '/principal-policies', 'ListPrincipalPolicies', (req) => {
      const names = policies().attached(String(req.headers['x-amzn-iot-principal'] ?? ''));
      return paged(names.map((n) => ({ policyName: n, policyArn: policyArn(n) })), req, 'policies');
    }),
    r('POST', '/policy-targets/{policyName}', 'ListTargetsForPolicy', (req) => {
      const p = policies().must(req.params.policyName);
      return paged(policies().targets(p.name), req, 'targets');
    }),
    testAuthorizationRoute(security),
  ];
}

function registerStatus(status: unknown, setAsActive: boolean) {
  if (status === undefined || status === null) return setAsActive ? 'ACTIVE' : 'INACTIVE';
  if (status === 'ACTIVE' || status === 'INACTIVE' || status === 'REVOKED' || status === 'REGISTER_INACTIVE' || status === 'PENDING_ACTIVATION') return status;
  throw new EngineError('InvalidInput', `Invalid status: ${String(status)}`);
}

function paged<T>(items: T[], req: HttpRequest, key: string) {
  const size = int(req, 'pageSize') ?? 250;
  if (!Number.isInteger(size) || size < 1 || size > 250) throw new EngineError('InvalidInput', 'pageSize must be from 1 to 250');
  const start = Number(req.query.get('marker') ?? 0) || 0;
  const page = items.slice(start, start + size);
  return { [key]: page, nextMarker: start + size < items.length ? String(start + size) : undefined };
}
