/**
 * RegisterCertificate with the real AWS CLI: a device certificate whose CA is not registered is refused with
 * CertificateValidationException (with or without caCertificatePem), and accepted once the CA is registered.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

const AWS = '/usr/bin/aws';
const run = promisify(execFile);

describe.skipIf(!fs.existsSync(AWS) || spawnSync('openssl', ['version']).status !== 0)('RegisterCertificate and unregistered CAs (aws CLI)', () => {
  let te: TestEngine;
  let dir: string;
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
  const aws = (...args: string[]) => run(AWS, ['iot', ...args, '--endpoint-url', te.httpUrl], { env, cwd: dir })
    .then((r) => ({ code: 0, out: r.stdout, err: r.stderr }), (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, out: e.stdout ?? '', err: e.stderr ?? '' }));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

  beforeAll(async () => {
    te = await startTestEngine();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-regcert-'));
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=my-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE');
    ssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'dev.key', '-out', 'dev.csr', '-subj', '/CN=dev-1');
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'self.key', '-out', 'self.pem', '-days', '30', '-subj', '/CN=self',
      '-addext', 'basicConstraints=critical,CA:FALSE');
    ssl('x509', '-req', '-in', 'dev.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'dev.pem', '-days', '30');
  });
  afterAll(async () => {
    await te?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints CertificateValidationException until the CA is registered, then registers the certificate', async () => {
    const alone = await aws('register-certificate', '--certificate-pem', 'file://dev.pem');
    expect(alone.code).not.toBe(0);
    expect(alone.err).toMatch(/CertificateValidationException.*RegisterCertificate operation: The certificate is not signed by a registered CA certificate/);
    const withCa = await aws('register-certificate', '--certificate-pem', 'file://dev.pem', '--ca-certificate-pem', 'file://ca.pem');
    expect(withCa.code).not.toBe(0);
    expect(withCa.err).toMatch(/CertificateValidationException.*The CA certificate is not registered/);
    const selfSigned = await aws('register-certificate', '--certificate-pem', 'file://self.pem');
    expect(selfSigned.err).toMatch(/CertificateValidationException/);
    expect(JSON.parse((await aws('list-certificates')).out).certificates).toEqual([]);

    const registered = await aws('register-ca-certificate', '--ca-certificate', 'file://ca.pem', '--certificate-mode', 'SNI_ONLY', '--set-as-active');
    expect(registered.code, registered.err).toBe(0);
    const ok = await aws('register-certificate', '--certificate-pem', 'file://dev.pem', '--ca-certificate-pem', 'file://ca.pem', '--set-as-active');
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out).certificateId).toMatch(/^[0-9a-f]{64}$/);
  });
});
