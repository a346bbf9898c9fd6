/**
 * `certificate`: makes a key pair and an X.509 certificate in the run, offline, as `openssl` would: a CA of one's own
 * (self-signed, `ca: true`), or a certificate signed by a CA an earlier `certificate` step made (a device certificate
 * for just-in-time registration, the verification certificate whose CN is the target's registration code). Nothing is
 * sent to the target, so it works the same for the local engine, another Thingbench and AWS:
 *
 *   - certificate: { name: ca, subject: { CN: "${CA}" }, ca: true }
 *   - certificate: { name: device, issuer: ca, subject: { CN: "${THING}" } }
 *
 * The certificate becomes a variable named after it: `${device.certificatePem}`, `${device.privateKey}` (PKCS#8),
 * `${device.certificateChainPem}` (the certificate, then its issuers': what a device presents for JITR),
 * `${device.certificateId}` (SHA-256 of the DER: the id AWS IoT gives it once registered) and `${device.subject}`.
 * A `publish` with `certificate: device` connects as that device over mutual TLS.
 */
import { X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { certificateNames, encodeName, issueCertificate, nameOids } from '../../security/index.js';
import { defineStep, failed, passed, type Variables } from './step.js';

export interface CertificateArgs {
  /** The variable the certificate is kept in. */
  name: string;
  /** Subject attributes, in order: `{ CN: lamp-1, O: Acme }`. */
  subject: Record<string, string>;
  /** A CA certificate (basicConstraints CA:TRUE, keyCertSign). */
  ca?: boolean;
  /** The variable of the CA that signs it (an earlier `certificate` step with `ca: true`); none: self-signed. */
  issuer?: string;
  /** `rsa` (2048 bits, default) or `ec` (P-256): both are key types AWS IoT accepts. */
  key?: 'rsa' | 'ec';
  /** How many days it is valid from now (default 365). */
  days?: number;
}

/** What a `certificate` step keeps in its variable. */
export interface MadeCertificate {
  certificatePem: string;
  privateKey: string;
  certificateChainPem: string;
  certificateId: string;
  subject: string;
  ca: boolean;
}

const DAY = 86_400_000;

function issuerOf(vars: Variables, name: string): MadeCertificate | string {
  if (!vars.has(name)) return `the issuer ${name} is no run variable: make it first with a certificate step (ca: true)`;
  const v = vars.get(name) as Partial<MadeCertificate> | undefined;
  if (!v || typeof v.certificatePem !== 'string' || typeof v.privateKey !== 'string') {
    return `the variable ${name} holds no certificate with its private key (certificatePem, privateKey)`;
  }
  let cert: X509Certificate, publicKey: Buffer;
  try {
    cert = new X509Certificate(v.certificatePem);
    publicKey = createPublicKey(v.privateKey).export({ format: 'der', type: 'spki' });
  } catch (e) {
    return `the issuer ${name} does not hold a PEM certificate and private key: ${(e as Error).message}`;
  }
  if (!cert.ca) return `the issuer ${name} is not a CA certificate (make it with ca: true)`;
  if (!publicKey.equals(cert.publicKey.export({ format: 'der', type: 'spki' }))) return `the private key of ${name} does not belong to its certificate`;
  return { certificateChainPem: v.certificatePem, ca: true, certificateId: '', subject: '', ...v } as MadeCertificate;
}

/** Makes the certificate the arguments describe (exported for tests and other callers). */
export function makeCertificate(args: CertificateArgs, issuer?: MadeCertificate, now = Date.now()): MadeCertificate {
  const keys = args.key === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = keys.publicKey.export({ format: 'der', type: 'spki' });
  const subject = encodeName(Object.entries(args.subject));
  const signer = issuer
    ? (() => {
      const cert = new X509Certificate(issuer.certificatePem);
      const key = createPrivateKey(issuer.privateKey);
      // The issuer's subject, byte for byte: a verifier compares it with the child's issuer name.
      return { name: certificateNames(cert.raw).subject, key, publicKey: createPublicKey(key).export({ format: 'der', type: 'spki' }) };
    })()
    : { name: subject, key: keys.privateKey, publicKey: spki };
  const der = issueCertificate({
    subject, publicKey: spki, issuer: signer, serial: randomBytes(16), ca: args.ca ?? false,
    notBefore: new Date(now - 60_000), notAfter: new Date(now + (args.days ?? 365) * DAY),
  });
  const cert = new X509Certificate(der);
  const certificatePem = cert.toString();
  return {
    certificatePem,
    privateKey: keys.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    certificateChainPem: issuer ? certificatePem + issuer.certificateChainPem : certificatePem,
    certificateId: createHash('sha256').update(der).digest('hex'),
    subject: cert.subject.split('\n').join(', '),
    ca: args.ca ?? false,
  };
}

export const certificateStep = defineStep<CertificateArgs>({
  name: 'certificate',
  summary: 'Makes a key pair and a certificate in the run, offline: a CA of your own, or a certificate signed by one (device certificates for just-in-time registration, a CA verification certificate).',
  schema: {
    type: 'object',
    required: ['name', 'subject'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$', description: 'The variable the certificate is kept in (${name.certificatePem}, …).' },
      subject: {
        type: 'object', minProperties: 1,
        propertyNames: { enum: Object.keys(nameOids) },
        additionalProperties: { type: 'string', minLength: 1, maxLength: 64 },
        description: 'Subject attributes, in order: { CN: lamp-1, O: Acme }.',
      },
      ca: { type: 'boolean', description: 'A CA certificate (basicConstraints CA:TRUE).' },
      issuer: { type: 'string', minLength: 1, description: 'The variable of the CA that signs it; none: self-signed.' },
      key: { enum: ['rsa', 'ec'], description: 'rsa (2048 bits, default) or ec (P-256).' },
      days: { type: 'integer', minimum: 1, maximum: 36500, description: 'How many days it is valid from now (default 365).' },
    },
  },
  async run(ctx, args) {
    let issuer: MadeCertificate | undefined;
    if (args.issuer) {
      const found = issuerOf(ctx.vars, args.issuer);
      if (typeof found === 'string') return failed(found);
      issuer = found;
    }
    const made = makeCertificate(args, issuer);
    ctx.vars.set(args.name, made);
    return passed(`${args.name}: ${made.ca ? 'CA ' : ''}${made.subject}, ${issuer ? `signed by ${args.issuer}` : 'self-signed'} (${made.certificateId.slice(0, 10)}…)`);
  },
});
