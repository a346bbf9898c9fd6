/**
 * `caCertificate: { subject, status?, autoRegistration? }`: a CA certificate whose subject CN is `subject` is
 * registered, in this status, with auto-registration (just-in-time registration) on or off (ListCACertificates,
 * DescribeCACertificate). A lab names its CA by its CN (a `names:` entry of kind `ca`), as AWS gives a CA no name.
 */
import { X509Certificate } from 'node:crypto';
import { DescribeCACertificateCommand, ListCACertificatesCommand, type CACertificateDescription } from '@aws-sdk/client-iot';
import { defineCheck, done, missing } from './check.js';
import type { AwsClients } from './clients.js';

export interface CaCertificateArgs {
  subject: string;
  status?: 'ACTIVE' | 'INACTIVE';
  autoRegistration?: boolean;
}

/** The common name in a certificate's subject, or undefined. */
export function commonName(pem: string | undefined): string | undefined {
  if (!pem) return undefined;
  try {
    return /(?:^|\n)CN=([^\n]*)/.exec(new X509Certificate(pem).subject)?.[1];
  } catch {
    return undefined;
  }
}

/** Every registered CA certificate whose subject CN passes `test`, described (newest first, at most 50 pages). */
export async function casByCommonName(clients: AwsClients, test: (cn: string) => boolean): Promise<CACertificateDescription[]> {
  const iot = clients.iot();
  const out: CACertificateDescription[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 50; page++) {
    const r = await clients.call('ListCACertificates', () => iot.send(new ListCACertificatesCommand({ pageSize: 250, ascendingOrder: false, ...(marker ? { marker } : {}) })));
    for (const c of r.certificates ?? []) {
      const d = await clients.find('DescribeCACertificate', () => iot.send(new DescribeCACertificateCommand({ certificateId: c.certificateId })));
      const description = d?.certificateDescription;
      const cn = commonName(description?.certificatePem);
      if (description && cn !== undefined && test(cn)) out.push(description);
    }
    marker = r.nextMarker;
    if (!marker) break;
  }
  return out;
}

const shortId = (id = '') => `${id.slice(0, 10)}…`;

export const caCertificateCheck = defineCheck<CaCertificateArgs>({
  kind: 'caCertificate',
  summary: 'A CA certificate with this subject CN is registered, in this status, with auto-registration on or off.',
  localOnly: false,
  schema: {
    type: 'object', required: ['subject'], additionalProperties: false,
    properties: {
      subject: { type: 'string', minLength: 1, description: "The CA's subject common name (CN)." },
      status: { enum: ['ACTIVE', 'INACTIVE'], description: 'ACTIVE by default.' },
      autoRegistration: { type: 'boolean', description: 'true: auto-registration (JITR) is ENABLE; false: DISABLE.' },
    },
  },
  async check(ctx, a) {
    const status = a.status ?? 'ACTIVE';
    const found = await casByCommonName(ctx.clients, (cn) => cn === a.subject);
    if (!found.length) return missing(`no registered CA certificate has the subject CN=${a.subject}`);
    const problems: string[] = [];
    for (const ca of found) {
      const what = `the CA certificate ${shortId(ca.certificateId)} (CN=${a.subject})`;
      if (ca.status !== status) {
        problems.push(`${what} is ${ca.status}, not ${status}`);
        continue;
      }
      const auto = ca.autoRegistrationStatus === 'ENABLE';
      if (a.autoRegistration !== undefined && auto !== a.autoRegistration) {
        problems.push(`${what} has auto-registration ${ca.autoRegistrationStatus ?? 'DISABLE'}, not ${a.autoRegistration ? 'ENABLE' : 'DISABLE'}`);
        continue;
      }
      return done(`${what} is ${status}${a.autoRegistration !== undefined ? `, auto-registration ${ca.autoRegistrationStatus}` : ''}`);
    }
    return missing(problems[0]);
  },
});
