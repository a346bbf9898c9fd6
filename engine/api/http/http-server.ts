/**
 * The AWS-compatible HTTP edge: a node:http server with a small route table (one route per AWS operation).
 *
 * Adding an operation is one line in a route list: `{ method, path, operation, handler }` (ARCHITECTURE §5).
 * Path patterns use AWS's label syntax: `{name}` matches one segment, `{name+}` (greedy, last only) matches the rest
 * of the path including raw slashes. Labels are matched on the raw path and then percent-decoded, so `a%2Fb` in a
 * one-segment label stays one label (SDKs encode `/` as %2F and `$` as %24).
 *
 * LIMITATIONS:
 * - SigV4 is checked only through the `authorize` option (HttpApiService passes it off loopback, security/sigv4.ts);
 *   without it any (or no) credentials are accepted, as on loopback.
 * - HTTP/1.1, and HTTP/2 by prior knowledge on the same port (h2c.ts); no TLS (the AWS endpoint is HTTPS on 443/8443).
 * - Request bodies are capped per route (`maxBodyBytes`); a larger body is answered with 413 and never buffered.
 * - Admission, before any work (core/local-guard.ts): a `Host` that does not name the engine or an `Origin` that is
 *   neither loopback nor allowed gets 403; a JSON route refuses a body type other than JSON (415), so a web page's
 *   preflight-free `text/plain` or form POST never reaches a handler. Payload routes (Publish, UpdateThingShadow)
 *   take any type, as AWS does. No CORS headers are sent.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { EngineError, silentLogger, type Logger, type WebGuard } from '../../core/index.js';
import {
  AwsError, awsErrorResponse, iotDataErrors, rawAwsErrorResponse, toAwsError, type AwsErrorTable,
} from './aws-errors.js';
import { findAwsOperation, UnsupportedOperation } from './aws-operations/index.js';
import { ServiceRouter, credentialScope } from './protocols/router.js';
import { acceptH2c, type H2c } from './h2c.js';

/** What a handler sees: the matched route's decoded labels, the query, headers and the whole (capped) body. */
export interface HttpRequest {
  readonly operation: string;
  readonly method: string;
  /** Percent-decoded path labels by name. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body's SHA-256 (hex) when `body` does not hold it (an S3 upload streamed to disk): what SigV4 checks. */
  readonly bodySha256?: string;
  readonly requestId: string;
  /** The request path and query as sent (still percent-encoded): SigV4 signs these. */
  readonly rawPath?: string;
  readonly rawQuery?: string;
  /** The client's address (a function URL event's `sourceIp`). */
  readonly remoteAddress?: string;
  /** Aborted when the client goes away before its answer is sent (ends a long poll). */
  readonly signal?: AbortSignal;
}

/** A handler's answer: `json` is serialized; otherwise `body` (default empty). Status defaults to 200. */
export interface HttpResult {
  status?: number;
  json?: unknown;
  body?: Buffer;
  /** A list sends the header once per value (`set-cookie`). */
  headers?: Record<string, string | string[]>;
}

export type HttpHandler = (req: HttpRequest) => HttpResult | Promise<HttpResult>;

export interface Route {
  method: string;
  /** AWS-style pattern, e.g. `/things/{thingName}/shadow` or `/topics/{topic+}`. */
  path: string;
  /** AWS operation name, used in logs. */
  operation: string;
  handler: HttpHandler;
  /** Body cap for this route; defaults to the server's `maxBodyBytes`. */
  maxBodyBytes?: number;
  /** EngineError mapping for this route; defaults to the server's table (iot-data). */
  errors?: AwsErrorTable;
  /** The body is an opaque payload (AWS models it as a blob): any content type. Otherwise only JSON types pass. */
  rawBody?: boolean;
  /** Writes this route's errors in its own protocol's shape (protocols/: awsJson, query); default restJson1 via `errors`. */
  renderError?: (err: unknown, requestId: string) => { status: number; headers: Record<string, string>; body: Buffer; unexpected?: boolean };
  /** The handler decides who may call it (a function URL with `AuthType: NONE`): the server's `authorize` is skipped. */
  ownAuthorization?: boolean;
  /**
   * The SigV4 signing name of the API this route belongs to (`iot-jobs-data`): where two AWS APIs share a method and
   * path on their own endpoints (the IoT control plane's and the Jobs data plane's `GET /things/{thingName}/jobs`),
   * a signed request goes to the route of the API it was signed for; an unsigned one to the route listed first.
   */
  signingName?: string;
}

/** What the endpoint hands a service that answers whole requests itself (S3). */
export interface RawServiceContext {
  requestId: string;
  /** The request target, still percent-encoded. */
  target: { path: string; query: string };
  /** The client sent `Expect: 100-continue`: the service answers it (writeContinue) or refuses before reading. */
  expectContinue: boolean;
  /** SigV4 off loopback (as for every other request), given the request with its body. */
  authorize?: (req: HttpRequest) => void;
  /** `readBody` failed because the client went away (the response is then dropped). */
  isClientGone(err: unknown): boolean;
  /** `readBody` refused a body over its limit (then call `closeAfter`). */
  isTooLarge(err: unknown): boolean;
  /** Ends the connection after this response, without cutting off a client still uploading. */
  closeAfter(res: http.ServerResponse): void;
}

/**
 * A service that reads and answers whole requests itself, asked first once a request is admitted (S3: object
 * bodies, possibly aws-chunked, and GetObject streamed from disk). It renders its own errors.
 */
export interface RawService {
  name: string;
  claims(method: string, target: { path: string; query: string }, headers: http.IncomingHttpHeaders): boolean;
  handle(req: http.IncomingMessage, res: http.ServerResponse, ctx: RawServiceContext): Promise<void>;
}

export interface HttpApiOptions {
  logger?: Logger;
  /** Default body cap for routes without their own (bytes). Default 128 KiB. */
  maxBodyBytes?: number;
  /** Default error table. Default `iotDataErrors`. */
  errors?: AwsErrorTable;
  /** Runs before every handler once the body is read; throws (e.g. AwsError 403) to refuse (SigV4 off loopback). */
  authorize?: (req: HttpRequest) => void;
  /** Host and Origin admission (core/local-guard.ts), checked before anything else. */
  guard?: WebGuard;
}

type Segment = { kind: 'literal'; value: string } | { kind: 'label'; name: string; greedy: boolean };
interface CompiledRoute extends Route { segments: Segment[] }

export interface RouteMatch { route: Route; params: Record<string, string> }

const DEFAULT_MAX_BODY = 128 * 1024;
/** Bytes past the cap we still read and discard so that the client sees the 413 instead of a reset connection. */
const DISCARD_ALLOWANCE = 1024 * 1024;
/** How long a refused upload may keep sending (discarded) after its 413 before the socket is destroyed. */
const LINGER_MS = 2000;

export function compilePattern(path: string): Segment[] {
  const parts = path.split('/').slice(1);
  return parts.map((part, i) => {
    const m = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(part);
    if (!m) return { kind: 'literal', value: part };
    if (m[2] && i !== parts.length - 1) throw new Error(`greedy label must be last: ${path}`);
    return { kind: 'label', name: m[1], greedy: m[2] === '+' };
  });
}

/** Matches raw path segments (still percent-encoded) against a pattern; returns raw label values or undefined. */
function matchSegments(segments: Segment[], raw: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.kind === 'label' && seg.greedy) {
      if (i >= raw.length) return undefined;
      params[seg.name] = raw.slice(i).join('/');
      return params;
    }
    if (i >= raw.length) return undefined;
    if (seg.kind === 'literal') {
      if (seg.value !== raw[i]) return undefined;
    } else {
      params[seg.name] = raw[i];
    }
  }
  return segments.length === raw.length ? params : undefined;
}

/** Splits a request target into raw path and query; accepts origin-form and absolute-form. */
export function splitTarget(url: string): { path: string; query: string } | undefined {
  let target = url;
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (abs) target = target.slice(abs[0].length) || '/';
  if (!target.startsWith('/')) return undefined;
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

export function decodeLabel(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new EngineError('InvalidInput', `Invalid percent-encoding in ${name}`);
  }
}

/** Route table lookup. Throws AwsError 404/405 (in AWS shape) when nothing matches. */
export class RouteTable {
  private readonly routes: CompiledRoute[] = [];

  add(...routes: Route[]): this {
    for (const r of routes) this.routes.push({ ...r, method: r.method.toUpperCase(), segments: compilePattern(r.path) });
    return this;
  }

  /** The route for a request; `signedFor` is the signing name of its SigV4 credential scope, if signed. */
  match(method: string, rawPath: string, signedFor?: string): RouteMatch {
    const raw = rawPath.split('/').slice(1);
    const allowed: string[] = [];
    let found: RouteMatch | undefined;
    for (const route of this.routes) {
      const rawParams = matchSegments(route.segments, raw);
      if (!rawParams) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      if (found && route.signingName !== signedFor) continue;
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(rawParams)) params[k] = decodeLabel(k, v);
      found = { route, params };
      if (signedFor === undefined || route.signingName === signedFor) return found;
    }
    if (found) return found;
    // A real AWS operation without a route here is named (UnknownOperationException), not a 404/405 that misleads.
    const unsupported = findAwsOperation(method, raw);
    if (unsupported) throw unsupported;
    if (allowed.length) throw new AwsError(405, 'MethodNotAllowedException', `Method ${method} is not allowed on this resource; allowed: ${allowed.join(', ')}`);
    throw new AwsError(404, 'ResourceNotFoundException', 'Not Found');
  }
}

/** What the AWS CLI and SDKs send on JSON routes (restJson1 and awsJson); bodiless calls send no type at all. */
const JSON_TYPES = new Set(['application/json', 'application/x-amz-json-1.0', 'application/x-amz-json-1.1']);

/** Refuses a non-JSON body type on a JSON route, before the body is read (415, as AWS's JSON services answer it). */
export function checkContentType(route: Pick<Route, 'rawBody'>, header: string | undefined): void {
  if (route.rawBody || header === undefined) return;
  const type = header.split(';')[0].trim().toLowerCase();
  if (!JSON_TYPES.has(type)) throw new AwsError(415, 'UnsupportedMediaTypeException', `Unsupported content type '${type}': this operation takes application/json`);
}

class BodyTooLarge extends EngineError {
  constructor(limit: number, readonly closeConnection: boolean) {
    super('TooLarge', `The request entity is larger than the limit of ${limit} bytes`);
  }
}
class ClientGone extends Error {}

/** Reads a body up to `limit` bytes. Past the limit it keeps discarding (not storing) up to an allowance, then gives up. */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit + DISCARD_ALLOWANCE) return Promise.reject(new BodyTooLarge(limit, true));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError).off('close', onClose);
      fn();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) chunks.push(chunk);
      else if (received > limit + DISCARD_ALLOWANCE) settle(() => reject(new BodyTooLarge(limit, true)));
    };
    const onEnd = () => settle(() => (received > limit ? reject(new BodyTooLarge(limit, false)) : resolve(Buffer.concat(chunks, received))));
    const onError = () => settle(() => reject(new ClientGone()));
    const onClose = () => settle(() => (req.complete ? onEnd() : reject(new ClientGone())));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError).on('close', onClose);
  });
}

/**
 * Ends a connection whose client is still uploading: half-close (FIN) after the response, keep reading and
 * discarding for a moment, then destroy. Destroying at once would make the kernel send RST, and a client that is
 * still writing could lose the 413 response sitting in its receive buffer.
 */
function lingeringClose(socket: Socket, ms = LINGER_MS): void {
  socket.end();
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** A signal aborted when the response's connection closes before the response is finished. */
function clientGone(res: http.ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

/** The HTTP edge server. `listen()` binds, `close()` stops and drops open connections. */
export class HttpApiServer {
  readonly routes = new RouteTable();
  /** JSON and query services (SQS, Logs, IAM, STS, SNS), asked before the REST route table (protocols/router.ts). */
  readonly services = new ServiceRouter();
  /** Services that answer whole requests themselves (S3), asked before the others. */
  readonly rawServices: RawService[] = [];
  private readonly server: http.Server;
  private readonly h2c: H2c;
  private readonly logger: Logger;
  private readonly maxBodyBytes: number;
  private readonly errors: AwsErrorTable;
  private readonly authorize?: (req: HttpRequest) => void;
  private readonly guard?: WebGuard;

  constructor(routes: Route[] = [], opts: HttpApiOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.errors = opts.errors ?? iotDataErrors;
    this.authorize = opts.authorize;
    this.guard = opts.guard;
    this.routes.add(...routes);
    this.server = http.createServer({ requestTimeout: 60_000 }, (req, res) => void this.handle(req, res));
    // Answer `Expect: 100-continue` ourselves so an oversized body is refused before it is sent.
    this.server.on('checkContinue', (req, res) => void this.handle(req, res, true));
    this.server.on('clientError', (err, socket) => this.onClientError(err as NodeJS.ErrnoException, socket));
    this.server.on('connect', (req: http.IncomingMessage, socket: Duplex) => this.onConnectMethod(req, socket));
    this.h2c = acceptH2c(this.server, (req, res) => void this.handle(req, res));
  }

  /** Adds routes (one per AWS operation). */
  add(...routes: Route[]): this {
    this.routes.add(...routes);
    return this;
  }

  /** Binds and resolves with the actual port (pass 0 for a free one). */
  listen(host = '127.0.0.1', port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  get port(): number | undefined {
    const addr = this.server.address();
    return addr && typeof addr === 'object' ? addr.port : undefined;
  }

  /** Stops accepting, closes every connection (idle or not); safe to call twice or before `listen()`. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      this.h2c.close();
    });
  }

  /** The request listener; also usable on another `http.Server` (then `Expect: 100-continue` is Node's default). */
  async handle(req: http.IncomingMessage, res: http.ServerResponse, expectContinue = false): Promise<void> {
    const requestId = randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    let match: RouteMatch | undefined;
    req.on('error', () => {}); // a reset client must not crash the process
    try {
      this.admit(req);
      const target = splitTarget(req.url ?? '');
      if (!target) throw new EngineError('InvalidInput', 'Invalid request target');
      const raw = this.rawServices.find((r) => r.claims(method, target, req.headers));
      if (raw) {
        return await raw.handle(req, res, {
          requestId, target, expectContinue, authorize: this.authorize,
          isClientGone: (e) => e instanceof ClientGone,
          isTooLarge: (e) => e instanceof BodyTooLarge,
          closeAfter: (r) => r.once('finish', () => lingeringClose(req.socket)),
        });
      }
      const service = this.services.route(method, target.path, target.query, req.headers);
      match = service ? { route: service, params: {} } : this.routes.match(method, target.path, credentialScope(req.headers, target.query)?.service);
      checkContentType(match.route, req.headers['content-type']);
      const limit = match.route.maxBodyBytes ?? this.maxBodyBytes;
      if (expectContinue) {
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge(limit, true);
        res.writeContinue();
      }
      const body = await readBody(req, limit);
      const request: HttpRequest = {
        operation: match.route.operation, method, params: match.params, query: new URLSearchParams(target.query),
        headers: req.headers, body, requestId, rawPath: target.path, rawQuery: target.query, remoteAddress: req.socket.remoteAddress,
        signal: clientGone(res),
      };
      if (!match.route.ownAuthorization) this.authorize?.(request);
      const result = await match.route.handler(request);
      this.send(res, result, requestId);
      this.logger.log('debug', 'api.http', `${match.route.operation} ${result.status ?? 200}`, { requestId });
    } catch (err) {
      if (err instanceof ClientGone) return void res.destroy();
      // An unread body (404, 405, 413) is discarded by Node after the response.
      this.sendError(res, err, requestId, match?.route.errors ?? this.errors, match?.route);
      if (err instanceof BodyTooLarge && err.closeConnection) res.once('finish', () => lingeringClose(req.socket));
    }
  }

  /** A web page's request (foreign Host: DNS rebinding; foreign Origin: another site) goes no further. */
  private admit(req: http.IncomingMessage): void {
    const refusal = this.guard?.check(req);
    if (!refusal) return;
    this.logger.log('warn', 'api.http', `refused a request: ${refusal.message}`, { method: req.method, path: (req.url ?? '').split('?')[0] });
    throw new AwsError(403, 'ForbiddenException', refusal.message);
  }

  private send(res: http.ServerResponse, result: HttpResult, requestId: string): void {
    const body = result.json !== undefined ? Buffer.from(JSON.stringify(result.json)) : result.body ?? Buffer.alloc(0);
    res.writeHead(result.status ?? 200, {
      'content-type': 'application/json',
      ...result.headers,
      'content-length': String(body.length),
      'x-amzn-RequestId': requestId,
    });
    res.end(body);
  }

  private sendError(res: http.ServerResponse, err: unknown, requestId: string, table: AwsErrorTable, route?: Route): void {
    const operation = route?.operation;
    if (route?.renderError) {
      const r = route.renderError(err, requestId);
      if (r.unexpected) {
        const e = err instanceof Error ? err : new Error(String(err));
        this.logger.log('error', 'api.http', `${operation ?? 'request'} failed: ${e.message}`, { requestId, stack: e.stack });
      }
      if (res.headersSent) return void res.destroy();
      res.writeHead(r.status, { ...r.headers, 'content-length': String(r.body.length) });
      return void res.end(r.body);
    }
    if (err instanceof UnsupportedOperation) {
      this.logger.log('warn', 'api.http', `${err.message} (${err.template}); it was answered with UnknownOperationException`, { requestId, operation: err.operation });
    }
    const shape = toAwsError(err, table);
    if (shape.unexpected) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.logger.log('error', 'api.http', `${operation ?? 'request'} failed: ${e.message}`, { requestId, stack: e.stack });
    }
    if (res.headersSent) return void res.destroy();
    const { headers, body } = awsErrorResponse(shape, requestId);
    res.writeHead(shape.status, headers);
    res.end(body);
  }

  /** `CONNECT` (a proxy tunnel request): Node hands over the raw socket; no AWS API tunnels, so answer 405 and close. */
  private onConnectMethod(req: http.IncomingMessage, socket: Duplex): void {
    const requestId = randomUUID();
    socket.on('error', () => {});
    this.logger.log('warn', 'api.http', `CONNECT ${String(req.url).slice(0, 200)} refused: 405`, { requestId });
    const shape = { status: 405, type: 'MethodNotAllowedException', message: 'Method CONNECT is not allowed' };
    socket.end(rawAwsErrorResponse(shape, requestId));
  }

  /** The HTTP parser rejected the bytes (garbage, oversized headers): answer in AWS shape if we still can. */
  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const message = status === 431 ? 'Request headers too large' : status === 408 ? 'Request timeout' : 'Malformed HTTP request';
    socket.end(rawAwsErrorResponse({ status, type: 'InvalidRequestException', message }));
  }
}

/** Convenience: `createHttpApi([...iotDataRoutes(broker)], { logger })`. */
export function createHttpApi(routes: Route[] = [], opts: HttpApiOptions = {}): HttpApiServer {
  return new HttpApiServer(routes, opts);
}
