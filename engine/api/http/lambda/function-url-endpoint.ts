/**
 * Function URLs served by the engine: `http://<host:port>/lambda-url/<url-id>/<path>?<query>` invokes the function
 * whose URL configuration has that id with the version 2.0 event and answers with its mapped result.
 *
 * Why a path prefix and not AWS's host name (`<url-id>.lambda-url.<region>.on.aws`): the engine has one port and
 * one host name (loopback by default); a per-URL host name would need wildcard DNS for `*.localhost`-style names,
 * which not every resolver or client (curl on some systems, fetch in Node) resolves, and the Host admission check
 * refuses unknown host names by design. The route table owns `/lambda-url/` (no AWS API path starts with it), and
 * the function sees only what follows `/lambda-url/<url-id>` as its `rawPath`, as it would on AWS.
 *
 * LIMITATIONS: `AuthType: AWS_IAM` is checked (SigV4, service `lambda`) only when the engine requires signatures
 * (off loopback), like every other call; on loopback any caller may invoke. CORS: the stored configuration answers
 * preflights and sets `Access-Control-Allow-Origin`, but the engine's Origin admission still refuses web pages from
 * origins it does not allow. `RESPONSE_STREAM` is served buffered.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionUrlConfig } from '../../../functions/index.js';
import type { HttpRequest, HttpResult, Route } from '../http-server.js';
import { functionUrlEvent, functionUrlFailure, functionUrlResponse, iamAuthorizer } from './function-url-event.js';
import { lambdaRoute, type LambdaOperations } from './lambda-shapes.js';
import { EngineError } from '../../../core/index.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const MAX_BODY = 6 * 1024 * 1024;

export interface FunctionUrlOptions {
  /** SigV4 check for `AuthType: AWS_IAM` (throws to refuse); undefined when the engine does not require signatures. */
  verify?: (req: HttpRequest) => void;
}

/** CORS headers for a request with an Origin, from the URL's stored `Cors` configuration. */
function corsHeaders(cors: Record<string, unknown> | null, origin: string | undefined, preflight: boolean): Record<string, string> {
  if (!cors || !origin) return {};
  const list = (k: string) => (Array.isArray(cors[k]) ? (cors[k] as unknown[]).map(String) : []);
  const origins = list('AllowOrigins');
  if (!origins.includes('*') && !origins.includes(origin)) return {};
  const h: Record<string, string> = { 'access-control-allow-origin': origins.includes('*') && cors.AllowCredentials !== true ? '*' : origin };
  if (cors.AllowCredentials === true) h['access-control-allow-credentials'] = 'true';
  if (list('ExposeHeaders').length) h['access-control-expose-headers'] = list('ExposeHeaders').join(',');
  if (preflight) {
    if (list('AllowMethods').length) h['access-control-allow-methods'] = list('AllowMethods').join(',');
    if (list('AllowHeaders').length) h['access-control-allow-headers'] = list('AllowHeaders').join(',');
    if (typeof cors.MaxAge === 'number') h['access-control-max-age'] = String(cors.MaxAge);
  }
  return h;
}

export function functionUrlRoutes(ops: LambdaOperations, opts: FunctionUrlOptions = {}): Route[] {
  const handler = async (req: HttpRequest): Promise<HttpResult> => {
    const found = ops.attachments.byUrlId(req.params.UrlId);
    if (!found) return { status: 403, json: { Message: 'Forbidden' } };
    const { name, url } = found;
    let authorizer: Record<string, unknown> | undefined;
    if (url.authType === 'AWS_IAM') {
      if (opts.verify) opts.verify(req);
      const key = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
      if (key) authorizer = iamAuthorizer(key);
    }
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    if (req.method === 'OPTIONS' && url.cors && req.headers['access-control-request-method']) {
      return { status: 200, headers: corsHeaders(url.cors, origin, true) };
    }
    const prefix = `/lambda-url/${req.params.UrlId}`;
    const rawPath = (req.rawPath ?? '').slice(prefix.length) || '/';
    const event = functionUrlEvent({
      method: req.method, rawPath, rawQueryString: req.rawQuery ?? '', headers: req.headers, body: req.body,
      sourceIp: req.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1', requestId: randomUUID(), urlId: url.urlId,
      domainName: String(req.headers.host ?? ''), now: Date.now(),
    });
    if (authorizer) (event.requestContext as Record<string, unknown>).authorizer = authorizer;
    const r = await ops.invoke(name, event);
    const res = r.ok ? functionUrlResponse(r.result) : functionUrlFailure();
    return { status: res.status, body: req.method === 'HEAD' ? Buffer.alloc(0) : res.body, headers: { ...res.headers, ...corsHeaders(url.cors, origin, false) } };
  };
  const routes: Route[] = [];
  for (const method of METHODS) {
    for (const path of ['/lambda-url/{UrlId}', '/lambda-url/{UrlId}/{Path+}']) {
      routes.push({ method, path, operation: 'InvokeFunctionUrl', rawBody: true, ownAuthorization: true, maxBodyBytes: MAX_BODY, ...lambdaRoute, handler: wrap(handler) });
    }
  }
  return routes;
}

/** A function URL answers a missing URL id or a refused signature as Lambda's URL endpoint does: 403 `Forbidden`. */
function wrap(handler: (req: HttpRequest) => Promise<HttpResult>) {
  return async (req: HttpRequest): Promise<HttpResult> => {
    try {
      return await handler(req);
    } catch (e) {
      if (e instanceof EngineError) throw e;
      if (e instanceof Error && 'status' in e && (e as { status: number }).status === 403) return { status: 403, json: { Message: 'Forbidden' } };
      throw e;
    }
  };
}

export type { FunctionUrlConfig };
