/**
 * The certificates signing profiles sign with (AWS Signer names them by an ACM certificate ARN, `signingMaterial`):
 * made by the engine (an ECDSA P-256 key and a certificate issued by the engine's root CA) or imported (a certificate
 * and its P-256 private key). Kept in the store with their keys.
 *
 * LIMITATIONS: certificates are made by PutSigningProfile without `signingMaterial` or imported with ACM's
 * ImportCertificate (engine/api/http/acm, the only ACM certificates there are); the private keys live in the engine's
 * database (a local lab, not an HSM); the engine's certificates carry its usual client/server extended key usage, not
 * code signing.
 */
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION, type Clock } from '../core/index.js';
import type { Store } from '../storage/index.js';

/** Issues a certificate for a public key (SPKI DER) under the engine's root CA; returns its PEM. */
export type CertificateIssuer = (commonName: string, publicKeySpki: Buffer) => string;

export interface SigningCertificate {
  arn: string;
  certificatePem: string;
  privateKeyPem: string;
}

interface Row { arn: string; certificate: string; private_key: string }

export class SigningCertificates {
  private readonly byArn = new Map<string, SigningCertificate>();

  constructor(private readonly store: Store, private readonly clock: Clock, private readonly issue: CertificateIssuer) {}

  load(): void {
    this.byArn.clear();
    for (const r of this.store.all<Row>('SELECT arn, certificate, private_key FROM signer_certificates')) {
      this.byArn.set(r.arn, { arn: r.arn, certificatePem: r.certificate, privateKeyPem: r.private_key });
    }
  }

  get(arn: string): SigningCertificate | undefined {
    return this.byArn.get(arn);
  }

  /** A new P-256 key and a certificate for it from the engine's root CA. */
  async create(commonName: string): Promise<SigningCertificate> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certificatePem = this.issue(commonName, publicKey.export({ format: 'der', type: 'spki' }));
    return this.keep(certificatePem, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  }

  /** A certificate and its ECDSA P-256 private key (PEM), refused when they do not belong together. */
  async import(certificatePem: string, privateKeyPem: string): Promise<SigningCertificate> {
    let cert: X509Certificate, spki: Buffer, keySpki: Buffer, curve: string | undefined;
    try {
      cert = new X509Certificate(certificatePem);
      const key = createPrivateKey(privateKeyPem);
      curve = key.asymmetricKeyDetails?.namedCurve;
      spki = cert.publicKey.export({ format: 'der', type: 'spki' });
      keySpki = createPublicKey(key).export({ format: 'der', type: 'spki' });
    } catch (e) {
      throw new EngineError('InvalidInput', `The certificate or private key could not be read: ${(e as Error).message}`);
    }
    if (curve !== 'prime256v1') throw new EngineError('InvalidInput', 'The private key must be an ECDSA P-256 key (SHA256-ECDSA signing platforms)');
    if (!spki.equals(keySpki)) throw new EngineError('InvalidInput', 'The private key does not belong to the certificate');
    return this.keep(cert.toString(), createPrivateKey(privateKeyPem).export({ format: 'pem', type: 'pkcs8' }) as string);
  }

  private async keep(certificatePem: string, privateKeyPem: string): Promise<SigningCertificate> {
    const arn = `arn:aws:acm:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:certificate/${randomUUID()}`;
    const c = { arn, certificatePem, privateKeyPem };
    this.byArn.set(arn, c);
    await this.store.write([{ sql: 'INSERT INTO signer_certificates (arn, certificate, private_key, created) VALUES (?, ?, ?, ?)', params: [arn, certificatePem, privateKeyPem, this.clock.now()] }]);
    return c;
  }
}
