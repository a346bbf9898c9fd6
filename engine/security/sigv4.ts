/**
 * AWS Signature Version 4 verification (header form), for when the engine is bound to a non-loopback address.
 * The canonical request is rebuilt from what arrived (method, raw path encoded once more as non-S3 services do,
 * sorted query, the signed headers, the payload hash) and the HMAC chain recomputed with the configured secret.
 *
 * LIMITATIONS: presigned (query-string) requests and the chunked streaming payload signature are not accepted.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** Raw (still percent-encoded) path. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type SigV4Result = { ok: true; accessKeyId: string } | { ok: false; type: string; message: string };

const MAX_SKEW_MS = 15 * 60_000;
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept, everything else %XX upper-case). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function canonicalRequest(req: SignedRequest, signedHeaders: string[]): string {
  const path = req.path.split('/').map((seg) => uriEncode(seg)).join('/') || '/';
  const query = req.query
    ? req.query.split('&').filter(Boolean).map((pair) => {
      const eq = pair.indexOf('=');
      const k = eq < 0 ? pair : pair.slice(0, eq), v = eq < 0 ? '' : pair.slice(eq + 1);
      return [uriEncode(safeDecode(k)), uriEncode(safeDecode(v))] as const;
    }).sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&')
    : '';
  const header = (name: string) => {
    const v = req.headers[name];
    return (Array.isArray(v) ? v.join(',') : v ?? '').trim().replace(/\s+/g, ' ');
  };
  const headers = signedHeaders.map((h) => `${h}:${header(h)}\n`).join('');
  const payload = header('x-amz-content-sha256') || sha256(req.body);
  return [req.method, path, query, headers, signedHeaders.join(';'), payload].join('\n');
}

export function verifySigV4(req: SignedRequest, keys: AccessKey[], now: number): SigV4Result {
  const auth = req.headers['authorization'];
  if (typeof auth !== 'string' || !auth) return { ok: false, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token: requests to this engine must be signed with SigV4' };
  const m = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/.exec(auth);
  if (!m) return { ok: false, type: 'IncompleteSignatureException', message: 'Authorization header is not a valid AWS4-HMAC-SHA256 signature' };
  const [, accessKeyId, date, region, service, signedList, signature] = m;
  const key = keys.find((k) => k.accessKeyId === accessKeyId);
  if (!key) return { ok: false, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid' };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const dm = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!dm || !amzDate.startsWith(date)) return { ok: false, type: 'IncompleteSignatureException', message: 'X-Amz-Date is missing or does not match the credential scope' };
  const t = Date.UTC(+dm[1], +dm[2] - 1, +dm[3], +dm[4], +dm[5], +dm[6]);
  if (Math.abs(now - t) > MAX_SKEW_MS) return { ok: false, type: 'InvalidSignatureException', message: 'Signature expired: the request time is more than 15 minutes from the server time' };
  const signedHeaders = signedList.split(';');
  if (!signedHeaders.includes('host')) return { ok: false, type: 'IncompleteSignatureException', message: 'The host header must be signed' };
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest(req, signedHeaders))].join('\n');
  const signingKey = hmac(hmac(hmac(hmac('AWS4' + key.secretAccessKey, date), region), service), 'aws4_request');
  const expected = hmac(signingKey, toSign);
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return { ok: false, type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided' };
  }
  return { ok: true, accessKeyId };
}

/** Whether an address is loopback-only in the sense of "only this machine's user can reach it". */
export function isTrustedHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}
