/**
 * Who may reach the engine's HTTP and WebSocket listeners from a browser (ARCHITECTURE §6a). The user's own browser
 * is the first stranger on loopback: a page from any site can send requests to `127.0.0.1` and, with DNS rebinding,
 * read the answers. Every listener therefore checks, before any work:
 * - `Host`: it must name the engine (its loopback names, `--host`, `--tls-name`, the address the client reached),
 *   which a rebinding page cannot forge (its Host is the attacker's DNS name);
 * - `Origin` (sent by browsers only): the engine's own UI, loopback pages and the user's `--allow-origin` list.
 * AWS CLIs, SDKs and MQTT clients send no Origin and name the endpoint they were given, so they pass unchanged.
 */
import os from 'node:os';

/** The addresses whose traffic never leaves the machine, as `--host` spells them. */
const LOOPBACK_BINDS = new Set(['127.0.0.1', '::1', 'localhost']);
/** Host names of loopback, as they appear in a Host header (IPv6 in brackets). */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
/** Addresses that mean "every interface". */
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]']);

/** Whether `--host` keeps the engine on loopback (`127.0.0.1`, `::1`, `localhost`); anything else serves a network. */
export function isLoopbackBind(host: string): boolean {
  return LOOPBACK_BINDS.has(host.toLowerCase());
}

/** An IP address or name as a Host header spells it: IPv6 in brackets, lower case, no zone id. */
export function hostName(address: string): string {
  const plain = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '').replace(/%.*$/, '');
  return plain.includes(':') && !plain.startsWith('[') ? `[${plain}]` : plain;
}

/** Splits a Host header into name and port; `undefined` when it is not `name`, `name:port`, `[v6]` or `[v6]:port`. */
export function parseHostHeader(header: string): { name: string; port?: number } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { name: m[1].toLowerCase(), port };
}

/**
 * Whether a Host header names this listener: one of `names` (as `hostName()` spells them) and, when it states a
 * port, the listener's `port`. A missing header passes: browsers always send one (HTTP/1.0 tools may not), and
 * Node refuses an HTTP/1.1 request without it. A header without a port passes on a name match: a browser leaves the
 * port out only for 80/443, so it cannot be pointing at this listener through its own port, while some clients
 * (the AWS CRT's WebSocket handshake) leave it out on any port.
 */
export function isAllowedHost(header: string | undefined, names: Iterable<string>, port: number): boolean {
  if (header === undefined) return true;
  const parsed = parseHostHeader(header);
  if (!parsed || (parsed.port !== undefined && parsed.port !== port)) return false;
  for (const name of names) {
    if (name === parsed.name) return true;
    // Names under localhost are loopback by definition (RFC 6761 §6.3), so no rebinding page is served from one:
    // S3's virtual-host addressing (`bucket.s3.localhost`, `bucket.localhost`) uses them.
    if (name === 'localhost' && parsed.name.endsWith('.localhost')) return true;
  }
  return false;
}

/**
 * The names a Host header may use for an engine bound to `bind` (`--host`), besides the address a client reached:
 * loopback's, `bind` itself and `extra` (`--tls-name`); bound to every interface, also each interface's address.
 */
export function ownHostNames(bind: string, extra: readonly string[] = [], interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  const names = new Set(LOOPBACK_NAMES);
  if (!WILDCARD_BINDS.has(bind)) names.add(hostName(bind));
  else for (const list of Object.values(interfaces)) for (const i of list ?? []) names.add(hostName(i.address));
  for (const name of extra) names.add(hostName(name));
  return [...names];
}

/** The browser origins a listener accepts. */
export interface OriginPolicy {
  /** Serialized origins accepted exactly (`http://host:port`, or `null` when the user allows opaque origins). */
  origins: ReadonlySet<string>;
  /** Also accept any page served from loopback (`http(s)://localhost|127.0.0.1|[::1]` on any port). */
  loopback: boolean;
  /** Refuse a request without an Origin (the UI channel: only the UI's own page may use it). */
  required?: boolean;
}

/**
 * An origin as browsers serialize it (`scheme://host[:port]`, default port left out, lower case), or `null` for
 * the opaque origin; `undefined` when `raw` is not an origin (it has a path, credentials or a non-web scheme).
 */
export function normalizeOrigin(raw: string): string | undefined {
  if (raw === 'null') return 'null';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash || !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]+\/?$/i.test(raw)) return undefined;
  return url.origin;
}

/**
 * Whether a request with this `Origin` header may go on. No header: not a browser page (or a same-origin GET), so
 * yes unless the policy requires one. `null` (file:// pages, sandboxed frames, some redirects) is never loopback:
 * only an explicit `null` in the policy lets it in.
 */
export function isAllowedOrigin(origin: string | undefined, policy: OriginPolicy): boolean {
  if (origin === undefined) return !policy.required;
  if (origin === 'null') return policy.origins.has('null');
  const normalized = normalizeOrigin(origin);
  if (normalized === undefined) return false;
  if (policy.origins.has(normalized)) return true;
  if (!policy.loopback) return false;
  const url = new URL(normalized);
  return LOOPBACK_NAMES.includes(url.hostname);
}

/** The headers and socket facts a guard looks at (a subset of `http.IncomingMessage`). */
export interface GuardedRequest {
  headers: { host?: string; origin?: string };
  socket: { localAddress?: string; localPort?: number };
}

/** Why a guard refused a request: which header, and a sentence for the log and the 403 body. */
export interface GuardRefusal {
  header: 'host' | 'origin';
  message: string;
}

/** One listener's admission check; `check` returns why a request is refused, or `null` to let it through. */
export interface WebGuard {
  check(req: GuardedRequest): GuardRefusal | null;
}

export interface WebGuardOptions {
  /** Host names besides the address the client reached (`ownHostNames()`). */
  hostNames: readonly string[];
  /** The origins accepted besides loopback pages (`--allow-origin`), as `normalizeOrigin` returns them. */
  allowOrigins?: readonly string[];
  /** Accept loopback pages (default true). */
  loopbackOrigins?: boolean;
  /** Refuse requests without an Origin. */
  requireOrigin?: boolean;
}

/** A guard for one listener (or several): the port checked is the one the request arrived on (port-0 safe). */
export function webGuard(opts: WebGuardOptions): WebGuard {
  const names = new Set(opts.hostNames);
  const policy: OriginPolicy = { origins: new Set(opts.allowOrigins ?? []), loopback: opts.loopbackOrigins ?? true, required: opts.requireOrigin };
  return {
    check(req) {
      const port = req.socket.localPort ?? 0;
      const host = req.headers.host;
      const reached = req.socket.localAddress ? [hostName(req.socket.localAddress)] : [];
      if (!isAllowedHost(host, names, port) && !isAllowedHost(host, reached, port)) {
        return { header: 'host', message: `Host '${host}' does not name this endpoint` };
      }
      if (!isAllowedOrigin(req.headers.origin, policy)) {
        return { header: 'origin', message: req.headers.origin === undefined ? 'Origin required' : `Origin '${req.headers.origin}' is not allowed (see --allow-origin)` };
      }
      return null;
    },
  };
}

/** The guard every engine listener uses, from the engine's config (`--host`, `--tls-name`, `--allow-origin`). */
export function engineWebGuard(cfg: { host: string; hostNames: readonly string[]; allowOrigins: readonly string[] }): WebGuard {
  return webGuard({ hostNames: ownHostNames(cfg.host, cfg.hostNames), allowOrigins: cfg.allowOrigins });
}
