import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../core/index.js';
import { parseCsr } from './x509.js';

function makeCsr(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-csr-'));
  try {
    execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'),
      '-subj', '/CN=device-1', '-out', path.join(dir, 'r.csr')], { stdio: 'ignore' });
    return fs.readFileSync(path.join(dir, 'r.csr'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const toPem = (der: Buffer) => `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;

describe('parseCsr on damaged requests', () => {
  it('answers every one-byte change with InvalidInput or a usable request, never another error', () => {
    const pem = makeCsr();
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    expect(parseCsr(pem).publicKey.length).toBeGreaterThan(200);
    let rejected = 0;
    for (let i = 0; i < der.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const bad = Buffer.from(der);
        bad[i] ^= flip;
        try {
          parseCsr(toPem(bad));
        } catch (e) {
          expect(e, `byte ${i} ^ 0x${flip.toString(16)}`).toBeInstanceOf(EngineError);
          expect((e as EngineError).code).toBe('InvalidInput');
          rejected++;
        }
      }
    }
    expect(rejected).toBeGreaterThan(der.length); // most changes break the signature at least
  });
});
