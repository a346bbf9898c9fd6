/**
 * RegisterCertificate with the real AWS CLI: a device certificate whose CA is not registered is refused with
 * CertificateValidationException (with or without caCertificatePem), and accepted once the CA is registered.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

describeAwsCli('RegisterCertificate and unregistered CAs (aws CLI)', () => {
  let te: TestEngine;
  let dir: string;
  const aws = (...args: string[]) => runAwsCli(['iot', ...args], { endpoint: te.httpUrl, cwd: dir })
    .then((r) => ({ code: r.code, out: r.stdout, err: r.stderr }));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

  beforeAll(async () => {
    te = await startTestEngine();
    dir = tempDir('tb-regcert-');
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=my-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE');
    ssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'dev.key', '-out', 'dev.csr', '-subj', '/CN=dev-1');
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'self.key', '-out', 'self.pem', '-days', '30', '-subj', '/CN=self',
      '-addext', 'basicConstraints=critical,CA:FALSE');
    ssl('x509', '-req', '-in', 'dev.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'dev.pem', '-days', '30');
  });
  afterAll(async () => {
    await te?.stop();
  });

  it('prints CertificateValidationException until the CA is registered, then registers the certificate', async () => {
    const alone = await aws('register-certificate', '--certificate-pem', 'file://dev.pem');
    expect(alone.code).toBe(254); // AWS CLI v2: the service answered with an error
    expect(alone.err).toMatch(/CertificateValidationException.*RegisterCertificate operation: The certificate is not signed by a registered CA certificate/);
    const withCa = await aws('register-certificate', '--certificate-pem', 'file://dev.pem', '--ca-certificate-pem', 'file://ca.pem');
    expect(withCa.code).toBe(254);
    expect(withCa.err).toMatch(/CertificateValidationException.*The CA certificate is not registered/);
    const selfSigned = await aws('register-certificate', '--certificate-pem', 'file://self.pem');
    expect(selfSigned.code).toBe(254);
    expect(selfSigned.err).toMatch(/CertificateValidationException/);
    expect(JSON.parse((await aws('list-certificates')).out).certificates).toEqual([]);

    const registered = await aws('register-ca-certificate', '--ca-certificate', 'file://ca.pem', '--certificate-mode', 'SNI_ONLY', '--set-as-active');
    expect(registered.code, registered.err).toBe(0);
    const ok = await aws('register-certificate', '--certificate-pem', 'file://dev.pem', '--ca-certificate-pem', 'file://ca.pem', '--set-as-active');
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out).certificateId).toMatch(/^[0-9a-f]{64}$/);
  });
}, spawnSync('openssl', ['version']).status === 0 ? undefined : 'openssl is not installed');
