/**
 * The account a target's resources live in: the engine's fixed `000000000000` on a Thingbench, and on AWS the
 * caller's account from STS GetCallerIdentity (a query POST signed with SigV4; the STS client is not a runtime
 * dependency, so the call is made here with `@smithy/signature-v4`). Read once per target and kept: `labVariables`
 * and `labEnv` use it as `${account}` and `$ACCOUNT` (an SNS topic's ARN in a check, a policy's resources).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { EngineError, LOCAL_ACCOUNT_ID } from '../../core/index.js';
import type { Target } from '../../scenarios/index.js';

const known = new WeakMap<Target, string>();

/** SHA-256 (and HMAC-SHA-256 with a secret) as the signer wants it, on node's crypto. */
export class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as ArrayBuffer));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === 'string' ? data : Buffer.from(ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

/** The account kept for the target ('' on AWS until `resolveAccount` has read it). */
export function accountOf(target: Target): string {
  return known.get(target) ?? (target.kind === 'aws' ? '' : LOCAL_ACCOUNT_ID);
}

/**
 * Reads the target's account once (STS GetCallerIdentity on AWS); a failure is one sentence. `stsEndpoint` replaces
 * the regional STS endpoint (a test's engine, which serves STS on its one endpoint).
 */
export async function resolveAccount(target: Target, stsEndpoint?: string): Promise<string> {
  const have = known.get(target);
  if (have !== undefined) return have;
  if (target.kind !== 'aws' || !target.aws) return accountOf(target);
  const aws = target.aws;
  const url = new URL(stsEndpoint ?? `https://sts.${aws.region}.amazonaws.com/`);
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const signer = new SignatureV4({ credentials: aws.credentials, region: aws.region, service: 'sts', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST', protocol: url.protocol, hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}), path: '/', query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
  });
  const text = await new Promise<string>((ok, fail) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers: signed.headers, ...(aws.ca ? { ca: aws.ca } : {}), timeout: 10_000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { data += c; });
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? ok(data) : fail(new Error(/<Message>([^<]*)<\/Message>/.exec(data)?.[1] ?? `HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', fail);
    req.end(body);
  }).catch((e: Error) => {
    throw new EngineError('Unavailable', `the target '${target.name}' could not tell its AWS account (STS GetCallerIdentity): ${e.message}`);
  });
  const account = /<Account>(\d{12})<\/Account>/.exec(text)?.[1];
  if (!account) throw new EngineError('Unavailable', `the target '${target.name}' answered STS GetCallerIdentity without an account`);
  known.set(target, account);
  return account;
}
