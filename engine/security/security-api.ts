import type { CaCertificateSummary, CaRegistrationConfig, ThingbenchApi } from '../contract/index.js';
import { caCertificateArn, certificateArn, type CaCertificateRow } from './certificates.js';
import { policyArn } from './policy-store.js';
import type { SecurityService } from './security-service.js';

/** The `security` area of the UI contract: certificates, policies and recent denials with their reasons. */
export function securityApi(security: SecurityService): ThingbenchApi['security'] {
  return {
    certificates: async () => security.certificates.list({ pageSize: 250, ascending: true }).items.map((row) => {
      const x = security.certificates.x509(row);
      return {
        id: row.id, arn: certificateArn(row.id), status: row.status, caCertificateId: row.ca_id, subject: x.subject.replaceAll('\n', ', '),
        validTo: Date.parse(x.validTo), createdAt: row.created, policies: security.policies.attached(certificateArn(row.id)),
        things: security.thingsOf(certificateArn(row.id)),
      };
    }),
    policies: async () => security.policies.list({ pageSize: 250 }).items.map((p) => policySummary(security, p.name, p.default_version)),
    putPolicy: async (name, document) => {
      const row = security.policies.get(name)
        ? await security.policies.createVersion(name, document, true)
        : await security.policies.create(name, document);
      return policySummary(security, name, row.version);
    },
    denials: async (limit) => security.denials(limit ?? 100).map((d) => ({
      time: d.time, clientId: d.clientId, certificateId: d.certificateId, action: d.action, resource: d.resource,
      kind: d.kind === 'explicitDeny' ? 'explicitDeny' : 'implicitDeny',
      statement: d.statement && { policy: d.statement.policy, version: d.statement.version, index: d.statement.index, ...statementText(security, d.statement) },
      variables: d.variables, reason: d.reason,
    })),
    testAuthorization: async (q) => security.testAuthorization({
      principal: q.principal, clientId: q.clientId, checks: q.checks, policiesToAdd: q.policiesToAdd, policiesToSkip: q.policiesToSkip,
    }).map((o) => ({ ...o, ...(o.deciding && { deciding: { ...o.deciding, ...statementText(security, o.deciding) } }) })),
    createCertificate: async (setAsActive) => {
      const c = await security.certificates.createKeysAndCertificate(setAsActive ?? false);
      return { id: c.id, arn: certificateArn(c.id), certificatePem: c.pem, publicKey: c.keyPair.PublicKey, privateKey: c.keyPair.PrivateKey };
    },
    setCertificateStatus: (id, status) => security.certificates.update(id, status),
    deleteCertificate: (id, force) => security.deleteCertificate(id, force ?? false),
    attachPolicy: (policy, target) => security.policies.attach(policy, target),
    detachPolicy: (policy, target) => security.policies.detach(policy, target),
    policyVersions: async (policy) => {
      const defaultVersion = security.policies.must(policy).default_version;
      return security.policies.versions(policy).map((v) => ({ versionId: v.version, isDefault: v.version === defaultVersion, createdAt: v.created, document: v.document }));
    },
    setDefaultPolicyVersion: (policy, versionId) => security.policies.setDefault(policy, versionId),
    deletePolicyVersion: (policy, versionId) => security.policies.deleteVersion(policy, versionId),
    caCertificates: async () => {
      const rows: CaCertificateRow[] = [];
      let marker: string | undefined;
      do {
        const page = security.certificates.listCa({ pageSize: 250, ascending: true, marker });
        rows.push(...page.items);
        marker = page.nextMarker;
      } while (marker);
      return rows.map((row) => caSummary(security, row));
    },
    registrationCode: async () => security.certificates.registrationCode,
    registerCaCertificate: async (input) => {
      const id = await security.certificates.registerCa({
        pem: input.caCertificatePem, verificationPem: input.verificationCertificatePem, setAsActive: input.setAsActive ?? false,
        autoRegistration: input.allowAutoRegistration ?? false, registrationConfig: input.registrationConfig, mode: input.certificateMode,
      });
      security.trustChanged();
      return caSummary(security, security.certificates.mustCa(id));
    },
    updateCaCertificate: async (id, update) => {
      await security.certificates.updateCa(id, update.status, update.autoRegistration, update.registrationConfig);
      security.trustChanged();
    },
    deleteCaCertificate: async (id) => {
      await security.certificates.deleteCa(id);
      security.trustChanged();
    },
  };
}

function caSummary(security: SecurityService, row: CaCertificateRow): CaCertificateSummary {
  const x = security.certificates.x509(row);
  let certificates = 0;
  let marker: string | undefined;
  do {
    const page = security.certificates.list({ caId: row.id, pageSize: 250, marker });
    certificates += page.items.length;
    marker = page.nextMarker;
  } while (marker);
  return {
    id: row.id, arn: caCertificateArn(row.id), status: row.status, autoRegistration: row.auto_registration,
    registrationConfig: row.registration_config ? JSON.parse(row.registration_config) as CaRegistrationConfig : null,
    subject: x.subject.replaceAll('\n', ', '), validTo: Date.parse(x.validTo), createdAt: row.created, certificates,
  };
}

function policySummary(security: SecurityService, name: string, version: string) {
  return {
    name, arn: policyArn(name), defaultVersion: version,
    document: security.policies.version(name, version).document, targets: security.policies.targets(name),
  };
}

/** The statement as its policy version's document has it, pretty-printed; nothing when that version is gone. */
function statementText(security: SecurityService, s: { policy: string; version: string; index: number }): { text?: string } {
  try {
    const doc = JSON.parse(security.policies.version(s.policy, s.version).document) as { Statement?: unknown };
    const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return list[s.index] === undefined ? {} : { text: JSON.stringify(list[s.index], null, 2) };
  } catch {
    return {};
  }
}
