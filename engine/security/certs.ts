/**
 * X.509 certificates as AWS IoT sees them: PEM parsing with AWS's rejections, the certificate id (SHA-256 of the
 * DER), and the `iot:Certificate.*` policy variables [DG:cert-policy-variables].
 */
import { X509Certificate } from 'node:crypto';
import { EngineError } from '../core/index.js';

export type CertificateStatus = 'ACTIVE' | 'INACTIVE' | 'REVOKED' | 'PENDING_TRANSFER' | 'REGISTER_INACTIVE' | 'PENDING_ACTIVATION';
export const certificateStatuses: CertificateStatus[] = ['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_TRANSFER', 'REGISTER_INACTIVE', 'PENDING_ACTIVATION'];

export const invalidCertificate = (message: string) => new EngineError('InvalidInput', message, { reason: 'certificateValidation' });

/** Parses the first PEM certificate in `pem`; malformed input is CertificateValidationException. */
export function parseCertificatePem(pem: unknown, what = 'certificate'): X509Certificate {
  if (typeof pem !== 'string' || !pem.trim()) throw new EngineError('InvalidInput', `The ${what} PEM is required`);
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw invalidCertificate(`The ${what} is not a PEM-encoded X.509 certificate`);
  try {
    return new X509Certificate(m[0]);
  } catch {
    throw invalidCertificate(`The ${what} PEM could not be decoded`);
  }
}

/** AWS IoT's certificateId: the lowercase hex SHA-256 of the DER. */
export function certificateId(cert: X509Certificate): string {
  return cert.fingerprint256.replaceAll(':', '').toLowerCase();
}

/** Whether `cert` was signed by `issuer` (name and signature). */
export function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export function isExpired(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validTo) < now || Date.parse(cert.validFrom) > now;
}

const dnNames: Record<string, string> = {
  CN: 'CommonName', C: 'Country', O: 'Organization', OU: 'OrganizationalUnit', ST: 'State', serialNumber: 'SerialNumber',
  title: 'Title', SN: 'Surname', GN: 'GivenName', initials: 'Initials', pseudonym: 'Pseudonym',
  generationQualifier: 'GenerationQualifier', dnQualifier: 'DistinguishedNameQualifier',
};
const sanNames: Record<string, string> = {
  email: 'RFC822Name', DNS: 'DNSName', DirName: 'DirectoryName', URI: 'UniformResourceIdentifier', 'IP Address': 'IPAddress',
};

/** `iot:Certificate.*` variables: `Subject.CommonName` (first value), `.1` (second), `.List` (all), SANs, serial, validity. */
export function certificateVariables(cert: X509Certificate): Map<string, string | string[]> {
  const vars = new Map<string, string | string[]>();
  const multi = (prefix: string, values: Map<string, string[]>) => {
    for (const [k, vs] of values) {
      const name = `iot:Certificate.${prefix}.${k}`;
      vars.set(name, vs[0]);
      vs.forEach((v, i) => i > 0 && vars.set(`${name}.${i}`, v));
      vars.set(`${name}.List`, vs);
    }
  };
  multi('Subject', parseDn(cert.subject));
  multi('Issuer', parseDn(cert.issuer));
  multi('Subject.AlternativeName', parseSan(cert.subjectAltName));
  vars.set('iot:Certificate.SerialNumber', cert.serialNumber.toLowerCase());
  vars.set('iot:Certificate.Validity.NotBefore', String(Date.parse(cert.validFrom)));
  vars.set('iot:Certificate.Validity.NotAfter', String(Date.parse(cert.validTo)));
  vars.set('iot:Certificate.AvailableKeys', [...vars.keys(), 'iot:Certificate.AvailableKeys']);
  return vars;
}

function parseDn(dn: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of dn.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const name = dnNames[line.slice(0, eq)];
    if (!name) continue;
    let value = line.slice(eq + 1);
    if (value.startsWith('"') && value.endsWith('"')) value = JSON.parse(value) as string;
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

function parseSan(san: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (san ?? '').split(', ')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const name = sanNames[part.slice(0, colon)];
    if (name) out.set(name, [...(out.get(name) ?? []), part.slice(colon + 1)]);
  }
  return out;
}
