import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { EngineError, isLoopbackBind, ownHostNames, streamLogger, webGuard, type Logger, type WebGuard } from '../core/index.js';
import type { Engine } from '../engine-types.js';
import { uiContentSecurityPolicy } from './csp.js';
import { serveRpc } from './rpc-server.js';
import { contentTypeOf, openableFile, resolveStaticPath } from './static-files.js';
import { defaultWsFlowLimits, WsTransport, type WsFlowLimits } from './ws-transport.js';

export interface UiServerOptions {
  /** Loopback only: `127.0.0.1` (default in the CLI), `localhost` or `::1`. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The built renderer (`renderer/dist`). */
  staticDir: string;
  logger?: Logger;
  flowLimits?: WsFlowLimits;
  /** Open `/rpc` connections at most (each is one browser tab). */
  maxClients?: number;
}

export interface UiServer {
  /** What to print and open: `http://127.0.0.1:PORT/?token=TOKEN`. */
  url: string;
  /** Per-launch secret every `/rpc` connection must present. */
  token: string;
  port: number;
  close(): Promise<void>;
}

const RPC_PATH = '/rpc';
const MAX_INCOMING_FRAME = 1 << 20;

/**
 * Browser mode: serves the built renderer and the `/rpc` WebSocket on loopback. Every request must name this
 * server in `Host` (DNS rebinding); the socket needs the per-launch token and the UI's own `Origin`, so neither
 * other local users' tools nor web pages the user visits (CSRF, DNS rebinding) can drive the engine. The server
 * never starts or stops the engine.
 */
export async function startUiServer(engine: Engine, opts: UiServerOptions): Promise<UiServer> {
  if (!isLoopbackBind(opts.host)) {
    throw new EngineError('InvalidInput', `the UI server listens on loopback only (127.0.0.1, localhost or ::1), not "${opts.host}"`);
  }
  if (!fs.existsSync(opts.staticDir)) {
    throw new EngineError('Unavailable', `no built renderer at ${opts.staticDir} (run: npm run build:renderer)`);
  }
  const logger = opts.logger ?? streamLogger(process.stderr, 'warn');
  const token = crypto.randomBytes(32).toString('hex');
  const clients = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INCOMING_FRAME });
  const server = http.createServer();

  let port = 0;
  // Admission (core/local-guard.ts): every request must name this server in Host (DNS rebinding); static files take
  // the engine's origin rules, the `/rpc` channel only the UI's own page. Both are made once the port is known.
  const hostNames = ownHostNames(opts.host);
  const guards: { page?: WebGuard; rpc?: WebGuard } = {};
  const headers = () => securityHeaders(port);

  server.on('request', (req, res) => {
    const refusal = guards.page?.check(req);
    if (!guards.page || refusal) return plain(res, 403, refusal?.message ?? 'Forbidden');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    void serveFile(opts.staticDir, req, res, headers()).catch((err) => {
      logger.log('warn', 'host.serve', 'static file failed', { error: String(err) });
      if (!res.headersSent) plain(res, 500, 'Internal error');
      else res.destroy();
    });
  });

  server.on('upgrade', (req, socket: Duplex, head) => {
    socket.on('error', () => socket.destroy());
    const refusal = refuseUpgrade(req, { token, guard: guards.rpc, full: clients.size >= (opts.maxClients ?? 32) });
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      const transport = new WsTransport(ws, opts.flowLimits ?? defaultWsFlowLimits);
      const rpc = serveRpc(engine, transport, { logger, isCongested: () => transport.isCongested() });
      ws.on('error', (err) => logger.log('debug', 'host.serve', 'ui socket error', { error: String(err) }));
      ws.on('close', () => {
        rpc.dispose();
        clients.delete(ws);
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as { port: number }).port;
  const ownOrigins = ['127.0.0.1', 'localhost', ...(opts.host === '::1' ? ['[::1]'] : [])].map((name) => `http://${name}:${port}`);
  guards.page = webGuard({ hostNames, allowOrigins: [...ownOrigins, ...engine.config.security.allowOrigins] });
  guards.rpc = webGuard({ hostNames, allowOrigins: ownOrigins, loopbackOrigins: false, requireOrigin: true });
  const urlHost = opts.host === '::1' ? '[::1]' : opts.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    token,
    port,
    close: () => (closing ??= new Promise<void>((resolve) => {
      for (const ws of clients) ws.terminate();
      wss.close();
      server.close(() => resolve());
      server.closeAllConnections();
    })),
  };
}

/** Why a `/rpc` upgrade is refused, checked in this order: path 404, Host or Origin 403, token 401, capacity 503. */
function refuseUpgrade(req: http.IncomingMessage, ctx: { token: string; guard: WebGuard | undefined; full: boolean }): { status: number } | null {
  const url = new URL(req.url ?? '/', 'http://placeholder');
  if (url.pathname !== RPC_PATH) return { status: 404 };
  if (!ctx.guard || ctx.guard.check(req)) return { status: 403 };
  if (!tokensMatch(url.searchParams.get('token'), ctx.token)) return { status: 401 };
  if (ctx.full) return { status: 503 };
  return null;
}

function tokensMatch(given: string | null, expected: string): boolean {
  if (given === null || given.length !== expected.length) return false;
  return crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': uiContentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // The page URL carries the token: never send it along as a referrer.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}

async function serveFile(root: string, req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>): Promise<void> {
  const requestPath = (req.url ?? '/').split('?')[0];
  const candidate = resolveStaticPath(root, requestPath);
  const file = candidate && (await openableFile(root, candidate));
  if (!file) return plain(res, 404, 'Not found');
  res.writeHead(200, { ...headers, ...cachingOf(requestPath), 'Content-Type': contentTypeOf(file.path), 'Content-Length': String(file.size) });
  if (req.method === 'HEAD') return void res.end();
  await new Promise<void>((resolve, reject) => {
    fs.createReadStream(file.path).on('error', reject).pipe(res).on('finish', resolve).on('close', resolve);
  });
}

/**
 * Vite names every file under `/assets/` after a hash of its content, so the browser may keep those for good: a
 * reopened UI then takes its scripts from the cache with the code V8 compiled for them last time instead of
 * downloading and compiling them again. The page itself (and anything not hashed) is asked for afresh each time.
 */
function cachingOf(requestPath: string): Record<string, string> {
  return requestPath.startsWith(HASHED_ASSETS) ? { 'Cache-Control': 'public, max-age=31536000, immutable' } : {};
}

const HASHED_ASSETS = '/assets/';

function plain(res: http.ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(text);
}
