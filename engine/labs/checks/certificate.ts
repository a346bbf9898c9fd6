/**
 * `certificate: { of, status?, policies?, ca?, count? }`: the principals attached to the thing include certificates in
 * this state with these policies, issued by the registered CA whose subject CN is `ca` (ListThingPrincipals,
 * DescribeCertificate, ListAttachedPolicies, DescribeCACertificate).
 */
import { DescribeCACertificateCommand, DescribeCertificateCommand, ListAttachedPoliciesCommand, ListThingPrincipalsCommand } from '@aws-sdk/client-iot';
import { commonName } from './ca-certificate.js';
import { defineCheck, done, listText, missing } from './check.js';

export interface CertificateArgs {
  of: string;
  status?: 'ACTIVE' | 'INACTIVE' | 'REVOKED' | 'PENDING_TRANSFER' | 'PENDING_ACTIVATION';
  policies?: string[];
  /** The subject CN of the registered CA that issued it. */
  ca?: string;
  count?: number;
}

const shortId = (arn: string) => `${arn.slice(arn.lastIndexOf('/') + 1, arn.lastIndexOf('/') + 11)}…`;

export const certificateCheck = defineCheck<CertificateArgs>({
  kind: 'certificate',
  summary: 'Certificates attached to the thing, in this status, with these policies attached to them.',
  localOnly: false,
  schema: {
    type: 'object', required: ['of'], additionalProperties: false,
    properties: {
      of: { type: 'string', minLength: 1, description: 'The thing the certificate is attached to.' },
      status: { enum: ['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_TRANSFER', 'PENDING_ACTIVATION'], description: 'ACTIVE by default.' },
      policies: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Policies attached to the certificate.' },
      ca: { type: 'string', minLength: 1, description: 'The subject CN of the registered CA that issued it (a CA of your own, for just-in-time registration).' },
      count: { type: 'integer', minimum: 1, description: 'How many such certificates at least (default 1).' },
    },
  },
  async check(ctx, a) {
    const iot = ctx.clients.iot();
    const status = a.status ?? 'ACTIVE';
    const want = a.count ?? 1;
    const principals = await ctx.clients.find('ListThingPrincipals', () => iot.send(new ListThingPrincipalsCommand({ thingName: a.of })));
    if (!principals) return missing(`there is no thing named ${a.of} to attach a certificate to`);
    const certs = (principals.principals ?? []).filter((p) => p.includes(':cert/'));
    if (!certs.length) return missing(`the thing ${a.of} has no attached certificate`);
    const problems: string[] = [];
    let good = 0;
    for (const arn of certs) {
      const id = arn.slice(arn.lastIndexOf('/') + 1);
      const cert = await ctx.clients.find('DescribeCertificate', () => iot.send(new DescribeCertificateCommand({ certificateId: id })));
      const got = cert?.certificateDescription?.status;
      if (!cert) {
        problems.push(`the certificate ${shortId(arn)} attached to ${a.of} does not exist any more`);
        continue;
      }
      if (got !== status) {
        problems.push(`the certificate ${shortId(arn)} attached to ${a.of} is ${got}, not ${status}`);
        continue;
      }
      if (a.ca !== undefined) {
        const caId = cert.certificateDescription?.caCertificateId;
        const ca = caId ? await ctx.clients.find('DescribeCACertificate', () => iot.send(new DescribeCACertificateCommand({ certificateId: caId }))) : undefined;
        const cn = commonName(ca?.certificateDescription?.certificatePem);
        if (cn !== a.ca) {
          problems.push(`the certificate ${shortId(arn)} of ${a.of} was not issued by the CA CN=${a.ca} (${caId ? (cn === undefined ? `its CA ${caId.slice(0, 10)}… is not registered` : `its CA is CN=${cn}`) : 'AWS IoT issued it'})`);
          continue;
        }
      }
      if (a.policies?.length) {
        const res = await ctx.clients.call('ListAttachedPolicies', () => iot.send(new ListAttachedPoliciesCommand({ target: arn, pageSize: 250 })));
        const attached = (res.policies ?? []).map((p) => p.policyName ?? '');
        const absent = a.policies.filter((p) => !attached.includes(p));
        if (absent.length) {
          problems.push(`the certificate ${shortId(arn)} of ${a.of} has ${attached.length ? `the polic${attached.length > 1 ? 'ies' : 'y'} ${listText(attached)}` : 'no policy'} attached, not ${listText(absent)}`);
          continue;
        }
      }
      good++;
    }
    if (good >= want) return done(`the thing ${a.of} has ${good} ${status} certificate${good > 1 ? 's' : ''}${a.policies?.length ? ` with ${listText(a.policies)}` : ''}${a.ca ? `, issued by CN=${a.ca}` : ''}`);
    if (problems.length) return missing(problems[0]);
    return missing(`the thing ${a.of} has ${good} ${status} certificate${good === 1 ? '' : 's'}, expected at least ${want}`);
  },
});
