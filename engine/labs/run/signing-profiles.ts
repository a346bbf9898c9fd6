/**
 * AWS Signer's signing profiles of a target, for `lab reset`: ListSigningProfiles (`GET /signing-profiles`, active
 * profiles only) and CancelSigningProfile (`DELETE /signing-profiles/{profileName}`), as REST calls signed with SigV4
 * for `signer` (the Signer client is not a runtime dependency). Locally the engine's one endpoint answers them; on AWS
 * the regional `signer.<region>.amazonaws.com`.
 *
 * LIMITATIONS: a canceled profile stays listed with `--include-canceled` on AWS (AWS keeps it); no profile tags or
 * permissions are touched.
 */
import http from 'node:http';
import https from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Target } from '../../scenarios/index.js';
import { Sha256 } from '../format/account.js';

async function signerCall(target: Target, method: 'GET' | 'DELETE', path: string, query: Record<string, string> = {}): Promise<unknown> {
  const aws = target.aws;
  if (!aws) throw new Error(`the target '${target.name}' has no AWS APIs to call AWS Signer on`);
  const base = new URL(target.kind === 'aws' || !aws.endpoint ? `https://signer.${aws.region}.amazonaws.com/` : aws.endpoint);
  const signer = new SignatureV4({ credentials: aws.credentials, region: aws.region, service: 'signer', sha256: Sha256 });
  const signed = await signer.sign({
    method, protocol: base.protocol, hostname: base.hostname, ...(base.port ? { port: Number(base.port) } : {}), path, query,
    headers: { host: base.host },
  });
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return new Promise((ok, fail) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, { method, headers: signed.headers, ...(aws.ca ? { ca: aws.ca } : {}), timeout: 10_000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { data += c; });
      res.on('end', () => {
        let body: { message?: string; Message?: string } | undefined;
        try {
          body = data ? (JSON.parse(data) as typeof body) : undefined;
        } catch {
          body = undefined;
        }
        if ((res.statusCode ?? 500) < 300) ok(body);
        else fail(new Error(`AWS Signer ${method} ${path}: ${body?.message ?? body?.Message ?? `HTTP ${res.statusCode}`}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', fail);
    req.end();
  });
}

/** The names of the target's active signing profiles. */
export async function listSigningProfiles(target: Target): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  for (let i = 0; i < 40; i++) {
    const r = (await signerCall(target, 'GET', '/signing-profiles', { maxResults: '25', ...(nextToken ? { nextToken } : {}) })) as { profiles?: Array<{ profileName?: string }>; nextToken?: string } | undefined;
    names.push(...(r?.profiles ?? []).map((p) => p.profileName ?? '').filter(Boolean));
    nextToken = r?.nextToken;
    if (!nextToken) break;
  }
  return names;
}

/** Cancels a signing profile (AWS Signer keeps it, canceled). */
export async function cancelSigningProfile(target: Target, name: string): Promise<void> {
  await signerCall(target, 'DELETE', `/signing-profiles/${encodeURIComponent(name)}`);
}
