/**
 * AWS Signature Version 4 verification: the `Authorization` header form and the presigned query-string form
 * (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-SignedHeaders`, `X-Amz-Signature`, optional
 * `X-Amz-Expires` and `X-Amz-Security-Token`). The canonical request is rebuilt from what arrived (method, raw path
 * encoded once more as non-S3 services do, sorted query without the signature, the signed headers) with the SHA-256
 * of the body actually received, so a body changed after signing no longer matches; the HMAC chain is recomputed
 * with the configured secret and compared in constant time.
 *
 * AWS IoT's MQTT-over-WebSocket quirk: `X-Amz-Security-Token` is appended after signing and is not part of the
 * canonical query (the Device SDKs do this); a token that was signed (the generic presigners do this) is accepted too.
 *
 * Temporary credentials (STS AssumeRole) are checked with their session token and expiration.
 *
 * S3 signs differently, as AWS does only for S3: the path is signed as sent (not encoded once more), and the payload
 * hash is the `x-amz-content-sha256` header: `UNSIGNED-PAYLOAD` (presigned URLs, unsigned bodies), a `STREAMING-…`
 * value (aws-chunked bodies), or the body's SHA-256, which must then match the body received.
 *
 * LIMITATIONS: a session token sent with a configured long-term key is ignored; `UNSIGNED-PAYLOAD` and the chunked
 * streaming payloads are accepted only for S3 (as on AWS), and there the chunk signatures are not checked.
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
  /** The body's SHA-256 (hex) when `body` does not hold it (an upload streamed to disk). */
  bodySha256?: string;
}

export type SigV4Result = { ok: true; accessKeyId: string } | { ok: false; type: string; message: string };

export interface VerifyOptions {
  /** Accept any access key id without checking the signature (loopback without configured keys); dates are still checked. */
  anyKey?: boolean;
  /** Temporary credentials (STS AssumeRole): the key of an access key id that is not a configured one. */
  temporaryKey?: (accessKeyId: string) => TemporaryKey | undefined;
}

/** An STS session's key: valid with its session token (`X-Amz-Security-Token`) until it expires. */
export interface TemporaryKey extends AccessKey {
  sessionToken: string;
  /** epoch ms */
  expiration: number;
}

const MAX_SKEW_MS = 15 * 60_000;
/** Longest `X-Amz-Expires` AWS accepts on a presigned request (7 days). */
const MAX_EXPIRES_S = 604_800;
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const SIGNATURE_MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const QUERY_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'];

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

/** The query's parameters, decoded, in order. */
export function queryPairs(query: string): Array<[string, string]> {
  return query.split('&').filter(Boolean).map((pair) => {
    const eq = pair.indexOf('=');
    return [safeDecode(eq < 0 ? pair : pair.slice(0, eq)), safeDecode(eq < 0 ? '' : pair.slice(eq + 1))];
  });
}

/** Whether a request carries a SigV4 signature at all (header or query form). */
export function isSigned(req: Pick<SignedRequest, 'query' | 'headers'>): boolean {
  const auth = req.headers['authorization'];
  if (typeof auth === 'string' && auth.startsWith('AWS4-')) return true;
  return queryPairs(req.query).some(([k]) => k === 'X-Amz-Algorithm');
}

const compare = (a: readonly [string, string], b: readonly [string, string]) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1);

/** The canonical request; `pairs` are the decoded query parameters that take part (the signature itself never does). */
function canonicalRequest(req: SignedRequest, signedHeaders: string[], payloadHash: string, pairs: ReadonlyArray<readonly [string, string]>, s3 = false): string {
  const path = (s3 ? req.path : req.path.split('/').map((seg) => uriEncode(seg)).join('/')) || '/';
  const query = pairs.map(([k, v]) => [uriEncode(k), uriEncode(v)] as const).sort(compare).map(([k, v]) => `${k}=${v}`).join('&');
  const header = (name: string) => {
    const v = req.headers[name];
    return (Array.isArray(v) ? v.join(',') : v ?? '').trim().replace(/\s+/g, ' ');
  };
  const headers = signedHeaders.map((h) => `${h}:${header(h)}\n`).join('');
  return [req.method, path, query, headers, signedHeaders.join(';'), payloadHash].join('\n');
}

interface Parsed {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  expiresS?: number;
  /** Query parameter sets the signature may have been computed over (the IoT token quirk gives two). */
  candidates: Array<Array<[string, string]>>;
}

type Failure = Extract<SigV4Result, { ok: false }>;
const fail = (type: string, message: string): Failure => ({ ok: false, type, message });

function parseHeader(auth: string, req: SignedRequest): Parsed | Failure {
  const m = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/.exec(auth);
  if (!m) return fail('IncompleteSignatureException', 'Authorization header is not a valid AWS4-HMAC-SHA256 signature');
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  return { accessKeyId: m[1], date: m[2], region: m[3], service: m[4], signedHeaders: m[5].split(';'), signature: m[6], amzDate, candidates: [queryPairs(req.query)] };
}

function parseQuery(req: SignedRequest): Parsed | Failure {
  const pairs = queryPairs(req.query);
  const get = (k: string) => pairs.find(([n]) => n === k)?.[1];
  const missing = QUERY_PARAMS.filter((k) => get(k) === undefined);
  if (missing.length) return fail('IncompleteSignatureException', `AWS query-string parameters must include ${QUERY_PARAMS.map((k) => `'${k}'`).join(', ')}. Re-examine the query-string parameters.`);
  if (get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return fail('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${get('X-Amz-Algorithm')}'`);
  const cred = /^([^/\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(get('X-Amz-Credential')!);
  if (!cred) return fail('IncompleteSignatureException', `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${get('X-Amz-Credential')}'`);
  const signature = get('X-Amz-Signature')!;
  if (!/^[0-9a-f]{64}$/.test(signature)) return fail('InvalidSignatureException', SIGNATURE_MISMATCH);
  let expiresS: number | undefined;
  const expires = get('X-Amz-Expires');
  if (expires !== undefined) {
    if (!/^\d{1,7}$/.test(expires) || +expires > MAX_EXPIRES_S) return fail('IncompleteSignatureException', `X-Amz-Expires must be a number of seconds between 0 and ${MAX_EXPIRES_S}`);
    expiresS = +expires;
  }
  const signed = pairs.filter(([k]) => k !== 'X-Amz-Signature');
  const candidates = [signed];
  if (get('X-Amz-Security-Token') !== undefined) candidates.push(signed.filter(([k]) => k !== 'X-Amz-Security-Token')); // AWS IoT: appended after signing
  return {
    accessKeyId: cred[1], date: cred[2], region: cred[3], service: cred[4], signedHeaders: get('X-Amz-SignedHeaders')!.split(';'),
    signature, amzDate: get('X-Amz-Date')!, expiresS, candidates,
  };
}

/** `20240102T030405Z` for a time. */
const isoBasic = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** The date checks AWS makes, with its messages. */
function checkDate(p: Parsed, now: number): Failure | undefined {
  const dm = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(p.amzDate);
  if (!dm) return fail('IncompleteSignatureException', `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'", got '${p.amzDate}'`);
  if (!p.amzDate.startsWith(p.date)) {
    return fail('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${p.date}' != '${p.amzDate.slice(0, 8)}', from '${p.amzDate}'.`);
  }
  const t = Date.UTC(+dm[1], +dm[2] - 1, +dm[3], +dm[4], +dm[5], +dm[6]);
  if (t > now + MAX_SKEW_MS) {
    return fail('InvalidSignatureException', `Signature not yet current: ${p.amzDate} is still later than ${isoBasic(now + MAX_SKEW_MS)} (${isoBasic(now)} + 15 min.)`);
  }
  if (p.expiresS !== undefined) {
    if (now > t + p.expiresS * 1000) return fail('InvalidSignatureException', `Signature expired: ${p.amzDate} is now earlier than ${isoBasic(now - p.expiresS * 1000)} (${isoBasic(now)} - ${p.expiresS} sec.)`);
  } else if (t < now - MAX_SKEW_MS) {
    return fail('InvalidSignatureException', `Signature expired: ${p.amzDate} is now earlier than ${isoBasic(now - MAX_SKEW_MS)} (${isoBasic(now)} - 15 min.)`);
  }
  return undefined;
}

export function verifySigV4(req: SignedRequest, keys: AccessKey[], now: number, opts: VerifyOptions = {}): SigV4Result {
  const auth = req.headers['authorization'];
  const hasAuth = typeof auth === 'string' && auth !== '';
  if (!hasAuth && !queryPairs(req.query).some(([k]) => k === 'X-Amz-Algorithm')) {
    return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const p = hasAuth ? parseHeader(auth, req) : parseQuery(req);
  if ('ok' in p) return p;
  const temporary = keys.some((k) => k.accessKeyId === p.accessKeyId) ? undefined : opts.temporaryKey?.(p.accessKeyId);
  const key = keys.find((k) => k.accessKeyId === p.accessKeyId) ?? temporary;
  if (!key && !opts.anyKey) return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (temporary) {
    const token = req.headers['x-amz-security-token'] ?? queryPairs(req.query).find(([k]) => k === 'X-Amz-Security-Token')?.[1];
    if (token !== temporary.sessionToken) return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (now >= temporary.expiration) return fail('ExpiredTokenException', 'The security token included in the request is expired');
  }
  const dateProblem = checkDate(p, now);
  if (dateProblem) return dateProblem;
  if (!p.signedHeaders.includes('host') && !p.signedHeaders.includes(':authority')) return fail('InvalidSignatureException', `'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`);
  if (!key) return { ok: true, accessKeyId: p.accessKeyId };
  // The body actually received, never the client's own `x-amz-content-sha256` claim (S3's unsigned and streaming
  // payloads excepted, which AWS accepts only there).
  const s3 = p.service === 's3';
  const bodyHash = req.bodySha256 ?? sha256(req.body);
  let payloadHashes = [bodyHash];
  if (s3) {
    const claimed = req.headers['x-amz-content-sha256'];
    if (claimed === 'UNSIGNED-PAYLOAD' || (typeof claimed === 'string' && claimed.startsWith('STREAMING-'))) payloadHashes = [claimed];
    else if (typeof claimed === 'string' && claimed !== bodyHash) {
      return fail('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    } else if (claimed === undefined && !hasAuth) payloadHashes = ['UNSIGNED-PAYLOAD', bodyHash]; // S3's presigners sign UNSIGNED-PAYLOAD
  }
  const scope = `${p.date}/${p.region}/${p.service}/aws4_request`;
  const signingKey = hmac(hmac(hmac(hmac('AWS4' + key.secretAccessKey, p.date), p.region), p.service), 'aws4_request');
  const given = Buffer.from(p.signature, 'hex');
  for (const pairs of p.candidates) {
    for (const payloadHash of payloadHashes) {
      const toSign = ['AWS4-HMAC-SHA256', p.amzDate, scope, sha256(canonicalRequest(req, p.signedHeaders, payloadHash, pairs, s3))].join('\n');
      if (timingSafeEqual(hmac(signingKey, toSign), given)) return { ok: true, accessKeyId: p.accessKeyId };
    }
  }
  return fail('InvalidSignatureException', SIGNATURE_MISMATCH);
}
