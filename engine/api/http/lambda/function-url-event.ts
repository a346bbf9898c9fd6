/**
 * Function URLs' payload format 2.0 [Lambda DG: "Invoking Lambda function URLs", request and response payloads]:
 * the HTTP request as the event the function gets, and the function's result as the HTTP response.
 */
import { LOCAL_ACCOUNT_ID } from '../../../core/index.js';

export interface UrlRequest {
  method: string;
  /** The path after `/lambda-url/<url-id>`, starting with `/`, still percent-encoded as sent. */
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sourceIp: string;
  requestId: string;
  urlId: string;
  domainName: string;
  now: number;
}

const TEXT_TYPE = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000` */
function clfTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
};

/** The event of one request (version 2.0). */
export function functionUrlEvent(r: UrlRequest): Record<string, unknown> {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [k, v] of Object.entries(r.headers)) {
    if (v === undefined) continue;
    const name = k.toLowerCase();
    if (name === 'cookie') {
      cookies = (Array.isArray(v) ? v.join('; ') : v).split(/;\s*/).filter(Boolean);
      continue;
    }
    headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  let query: Record<string, string> | undefined;
  if (r.rawQueryString) {
    query = {};
    for (const part of r.rawQueryString.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const k = decode(eq < 0 ? part : part.slice(0, eq));
      const v = eq < 0 ? '' : decode(part.slice(eq + 1));
      query[k] = k in query ? `${query[k]},${v}` : v;
    }
  }
  const text = TEXT_TYPE.test(headers['content-type'] ?? '');
  const event: Record<string, unknown> = {
    version: '2.0', routeKey: '$default', rawPath: r.rawPath, rawQueryString: r.rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous', apiId: r.urlId, domainName: r.domainName, domainPrefix: r.urlId,
      http: { method: r.method, path: r.rawPath, protocol: 'HTTP/1.1', sourceIp: r.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: r.requestId, routeKey: '$default', stage: '$default', time: clfTime(r.now), timeEpoch: r.now,
    },
    isBase64Encoded: r.body.length > 0 && !text,
  };
  if (r.body.length) event.body = text ? r.body.toString('utf8') : r.body.toString('base64');
  return event;
}

/** The AWS_IAM caller as the event's `requestContext.authorizer.iam` shows it. */
export function iamAuthorizer(accessKey: string): Record<string, unknown> {
  return { iam: { accessKey, accountId: LOCAL_ACCOUNT_ID, callerId: accessKey, cognitoIdentity: null, principalOrgId: null, userArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root`, userId: accessKey } };
}

export interface UrlResponse { status: number; headers: Record<string, string | string[]>; body: Buffer }

/**
 * The function's result as the response. A result with `statusCode` is a structured response (status, headers,
 * cookies, body, isBase64Encoded); anything else is the body of a 200, as JSON. A function error is a 502.
 */
export function functionUrlResponse(result: unknown): UrlResponse {
  const r = result as Record<string, unknown> | null;
  if (r && typeof r === 'object' && !Array.isArray(r) && 'statusCode' in r) {
    const status = Number(r.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) return functionUrlFailure();
    const headers: Record<string, string | string[]> = {};
    if (r.headers && typeof r.headers === 'object') {
      for (const [k, v] of Object.entries(r.headers as Record<string, unknown>)) headers[k.toLowerCase()] = String(v);
    }
    if (Array.isArray(r.cookies) && r.cookies.length) headers['set-cookie'] = r.cookies.map(String);
    const raw = r.body === undefined || r.body === null ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    const body = r.isBase64Encoded === true ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
    headers['content-type'] ??= 'application/json';
    return { status, headers, body };
  }
  const body = result === undefined || result === null ? Buffer.alloc(0) : Buffer.from(typeof result === 'string' ? result : JSON.stringify(result));
  return { status: 200, headers: { 'content-type': 'application/json' }, body };
}

export function functionUrlFailure(): UrlResponse {
  return { status: 502, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ Message: 'Internal Server Error' })) };
}
