/**
 * The engine's local root CA and the TLS server certificate it signs.
 *
 * Both live in `<dataDir>/security/`: the CA key is written once with mode 0600 and never leaves that directory (no
 * API returns it). The server certificate covers `localhost`, `127.0.0.1`, `::1` and the configured host names; it is
 * re-issued when the names change. Keys are EC P-256 (cheap to make on every fresh data directory); device keys that
 * `CreateKeysAndCertificate` makes are RSA 2048 as AWS's are.
 */
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { certificateNames, encodeName, issueCertificate } from './x509.js';

const DAY = 86_400_000;

export interface ServerCredentials {
  key: string;
  cert: string;
}

export class LocalCa {
  private constructor(
    readonly dir: string,
    private readonly key: KeyObject,
    readonly certificate: X509Certificate,
  ) {}

  get certificatePem(): string {
    return this.certificate.toString();
  }

  /** Opens the CA in `<dataDir>/security`, creating it on first run. */
  static open(dataDir: string, now = Date.now()): LocalCa {
    const dir = path.join(dataDir, 'security');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyFile = path.join(dir, 'root-ca.key'), certFile = path.join(dir, 'root-ca.pem');
    if (fs.existsSync(keyFile) && fs.existsSync(certFile)) {
      return new LocalCa(dir, createPrivateKey(fs.readFileSync(keyFile)), new X509Certificate(fs.readFileSync(certFile)));
    }
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const name = encodeName([['O', 'Thingbench'], ['CN', 'Thingbench Local Root CA']]);
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const der = issueCertificate({
      subject: name, publicKey: spki, issuer: { name, key: privateKey, publicKey: spki }, serial: randomBytes(16),
      notBefore: new Date(now - DAY), notAfter: new Date(now + 20 * 365 * DAY), ca: true,
    });
    const cert = new X509Certificate(der);
    writePrivate(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    fs.writeFileSync(certFile, cert.toString());
    return new LocalCa(dir, privateKey, cert);
  }

  /** Signs a certificate for `publicKey` (SPKI DER) with subject `subject` (DN DER). */
  issue(subject: Buffer, publicKey: Buffer, opts: { notAfter?: Date; now?: number; altNames?: string[] } = {}): X509Certificate {
    const now = opts.now ?? Date.now();
    const der = issueCertificate({
      subject, publicKey, serial: randomBytes(16),
      issuer: { name: this.subjectDer(), key: this.key, publicKey: this.publicKeyDer() },
      notBefore: new Date(now - 60_000), notAfter: opts.notAfter ?? new Date(Date.UTC(2049, 11, 31, 23, 59, 59)),
      altNames: opts.altNames,
    });
    return new X509Certificate(der);
  }

  /** The TLS listeners' key and certificate, re-issued when `hosts` are not all covered. */
  serverCredentials(hosts: string[]): ServerCredentials {
    const names = [...new Set(['localhost', '127.0.0.1', '::1', ...hosts.filter((h) => h && h !== '0.0.0.0' && h !== '::')])];
    const keyFile = path.join(this.dir, 'server.key'), certFile = path.join(this.dir, 'server.pem');
    if (fs.existsSync(keyFile) && fs.existsSync(certFile)) {
      const cert = new X509Certificate(fs.readFileSync(certFile));
      const san = cert.subjectAltName ?? '';
      const covered = names.every((n) => san.includes(net.isIP(n) ? `IP Address:${n.includes(':') ? expand6(n) : n}` : `DNS:${n}`));
      if (covered && cert.checkIssued(this.certificate) && Date.parse(cert.validTo) > Date.now() + 30 * DAY) {
        return { key: fs.readFileSync(keyFile, 'utf8'), cert: cert.toString() };
      }
    }
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cert = this.issue(encodeName([['O', 'Thingbench'], ['CN', names[0]]]), publicKey.export({ format: 'der', type: 'spki' }), {
      notAfter: new Date(Date.now() + 825 * DAY), altNames: names,
    });
    const key = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    writePrivate(keyFile, key);
    fs.writeFileSync(certFile, cert.toString());
    return { key, cert: cert.toString() };
  }

  private subjectDer(): Buffer {
    return certificateNames(this.certificate.raw).subject;
  }

  private publicKeyDer(): Buffer {
    return createPublicKey(this.key).export({ format: 'der', type: 'spki' });
  }
}

function writePrivate(file: string, pem: string): void {
  fs.writeFileSync(file, pem, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // an existing file keeps its old mode otherwise
}

/** Node prints IPv6 SANs in full form without zero compression. */
function expand6(ip: string): string {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [], t = tail ? tail.split(':') : [];
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return all.map((w) => parseInt(w, 16).toString(16).toUpperCase()).join(':');
}
