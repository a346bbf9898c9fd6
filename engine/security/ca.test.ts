import { describe, expect, it } from 'vitest';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LocalCa } from './ca.js';
import { encodeName } from './x509.js';
import { tempDir } from '../../test/helpers/temp-dirs.js';

const tmp = () => tempDir('tb-ca-');

describe('local root CA', () => {
  it('is created once, with its key readable only by the owner, and reopened after', () => {
    const dir = tmp();
    const ca = LocalCa.open(dir);
    const keyFile = path.join(dir, 'security', 'root-ca.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(ca.certificate.ca).toBe(true);
    expect(ca.certificate.verify(ca.certificate.publicKey)).toBe(true);
    expect(LocalCa.open(dir).certificate.fingerprint256).toBe(ca.certificate.fingerprint256);
  });

  it('issues a server certificate for localhost, 127.0.0.1, ::1 and the configured names; re-issues when they change', () => {
    const ca = LocalCa.open(tmp());
    const first = ca.serverCredentials(['127.0.0.1', 'lab.example']);
    const cert = new X509Certificate(first.cert);
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:lab.example');
    expect(cert.checkIssued(ca.certificate) && cert.verify(ca.certificate.publicKey)).toBe(true);
    expect(cert.checkHost('lab.example')).toBe('lab.example');
    expect(ca.serverCredentials(['lab.example']).cert).toBe(first.cert); // covered: reused
    const second = new X509Certificate(ca.serverCredentials(['10.0.0.5']).cert);
    expect(second.checkIP('10.0.0.5')).toBe('10.0.0.5');
    expect(second.fingerprint256).not.toBe(cert.fingerprint256);
  });

  it('signs device certificates valid until the end of 2049, as AWS IoT does', () => {
    const ca = LocalCa.open(tmp());
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const device = ca.issue(encodeName([['CN', 'AWS IoT Certificate']]), publicKey.export({ format: 'der', type: 'spki' }));
    expect(device.subject).toBe('CN=AWS IoT Certificate');
    expect(new Date(device.validTo).getUTCFullYear()).toBe(2049);
    expect(device.ca).toBe(false);
    expect(device.verify(ca.certificate.publicKey)).toBe(true);
  });
});
