/**
 * Documents: shadow updates over MQTT (each gets exactly one accepted or rejected answer) and over HTTP, policy
 * documents (200 or MalformedPolicyException), and certificates and CSRs with damaged bytes (200 or a 400 such as
 * CertificateValidationException). Afterwards the engine is healthy (harness.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../helpers/engine.js';
import { fuzz, testTimeout } from './fuzz-config.js';
import { damage, pemOf, policyDocument, shadowDocument } from './generators.js';
import { ANSWER_MS, expectAwsShaped, FuzzEngine } from './harness.js';

let f: FuzzEngine;
let device: MqttClient;
const answers: Array<{ topic: string; payload: Buffer }> = [];
let answered: (() => void) | null = null;

/** Resolves when the answer count passes `count` (rejects after ANSWER_MS: a missing answer is a failure). */
function answerAfter(count: number, what: string): Promise<void> {
  if (answers.length > count) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { answered = null; reject(new Error(`no accepted/rejected answer to ${what} within ${ANSWER_MS} ms`)); }, ANSWER_MS);
    answered = () => { if (answers.length > count) { clearTimeout(timer); answered = null; resolve(); } };
  });
}
beforeAll(async () => {
  f = await FuzzEngine.start();
  device = await connect(f.te.mqttPort, { clientId: 'fzdoc' });
  await device.subscribeAsync(['$aws/things/fzdoc/shadow/update/accepted', '$aws/things/fzdoc/shadow/update/rejected'], { qos: 1 });
  device.on('message', (topic, payload) => { answers.push({ topic, payload }); answered?.(); });
});
afterAll(async () => {
  await device?.endAsync(true);
  await f?.stop();
});

/** Key, CSR and certificates made once with openssl: a CSR, a device certificate from an unregistered CA. */
function material(): { csr: Buffer; cert: Buffer; certPem: string; caPem: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-fuzz-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  try {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=fuzz-unregistered-ca');
    ssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'dev.key', '-out', 'dev.csr', '-subj', '/CN=fuzz-device');
    ssl('x509', '-req', '-in', 'dev.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'dev.pem', '-days', '30');
    const der = (file: string) => Buffer.from(fs.readFileSync(path.join(dir, file), 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    return { csr: der('dev.csr'), cert: der('dev.pem'), certPem: fs.readFileSync(path.join(dir, 'dev.pem'), 'utf8'), caPem: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('documents fuzz', () => {
  it('shadow documents over MQTT each get one accepted or rejected answer; over HTTP an AWS-shaped status', async () => {
    let n = 0;
    await fuzz('shadow', fc.tuple(shadowDocument, fc.boolean()), async ([doc, overHttp]) => {
      if (++n % 20 === 0) await f.canary();
      if (overHttp) {
        expectAwsShaped(await f.request('POST', '/things/fzdoc/shadow', doc), `UpdateThingShadow ${doc.slice(0, 200)}`);
      } else {
        const before = answers.length;
        const answer = answerAfter(before, doc.slice(0, 200));
        await device.publishAsync('$aws/things/fzdoc/shadow/update', doc, { qos: 1 });
        await answer;
        const { topic, payload } = answers[before];
        if (topic.endsWith('/rejected')) expect((JSON.parse(payload.toString()) as { code: number }).code).toBeLessThan(500);
      }
      f.expectNoNewFailures();
    });
    await f.verifyHealthy();
  }, testTimeout());

  it('policy documents are created or refused with MalformedPolicyException', async () => {
    let n = 0;
    await fuzz('policy', policyDocument, async (doc) => {
      const a = await f.request('POST', `/policies/fzp${++n}`, JSON.stringify({ policyDocument: doc }));
      expectAwsShaped(a, `CreatePolicy ${doc.slice(0, 200)}`);
      if (a.status >= 400) expect(a.headers['x-amzn-errortype'], a.body).toMatch(/^(MalformedPolicyException|InvalidRequestException)/);
      f.expectNoNewFailures();
    });
  }, testTimeout());

  it('damaged CSRs and certificates are 400s; a certificate from an unregistered CA is CertificateValidationException', async () => {
    const m = material();
    const unregistered = await f.request('POST', '/certificate/register', JSON.stringify({ certificatePem: m.certPem }));
    expect(unregistered.status).toBe(400);
    expect(unregistered.headers['x-amzn-errortype']).toMatch(/^CertificateValidationException/);
    const withCa = await f.request('POST', '/certificate/register', JSON.stringify({ certificatePem: m.certPem, caCertificatePem: m.caPem }));
    expect(withCa.headers['x-amzn-errortype']).toMatch(/^CertificateValidationException/);
    const kinds = fc.oneof(
      damage(m.csr).map((der) => ({ op: 'CreateCertificateFromCsr', path: '/certificates', body: { certificateSigningRequest: pemOf('CERTIFICATE REQUEST', der) } })),
      damage(m.cert).map((der) => ({ op: 'RegisterCertificate', path: '/certificate/register', body: { certificatePem: pemOf('CERTIFICATE', der) } })),
      damage(m.cert).map((der) => ({ op: 'RegisterCertificateWithoutCA', path: '/certificate/register-no-ca', body: { certificatePem: pemOf('CERTIFICATE', der) } })),
    );
    await fuzz('certificates', kinds, async ({ op, path: p, body }) => {
      const a = await f.request('POST', p, JSON.stringify(body));
      expectAwsShaped(a, op);
      f.expectNoNewFailures();
    });
  }, testTimeout());
});
