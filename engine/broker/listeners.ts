import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { WebGuard } from '../core/index.js';

export type Transport = 'tcp' | 'ws' | 'tls' | 'wss';
export interface ConnectionInfo {
  transport: Transport;
  remoteAddress: string;
  req?: http.IncomingMessage;
  /** TLS listeners: the client's certificate (the handshake requires one but does not verify it: the hooks do). */
  peerCertificate?: X509Certificate;
  /**
   * TLS listeners: the certificates the client sent after its own, issuer after issuer (read on demand: only
   * just-in-time registration needs them). The listener trusts only the local root, so a registered CA is in it
   * only when the device presented it (`cat device.pem ca.pem`), as AWS requires for JITR.
   */
  presentedChain?: () => X509Certificate[];
  /** WebSocket listeners: the access key id whose SigV4 signature on the upgrade request was accepted. */
  signedBy?: string;
}

/** Checks a WebSocket upgrade's SigV4 signature (`SecurityHooks.authenticateUpgrade`). */
export type UpgradeAuthenticator = (req: http.IncomingMessage & { url: string; method: string }) => { principal: string } | { refused: string; status: number } | null;
export type ConnectionHandler = (stream: Duplex, info: ConnectionInfo) => void;

export interface Listener {
  port: number;
  close(): Promise<void>;
}

/**
 * TLS server credentials; `ca` is the listener's trust store and the CAs named in the CertificateRequest: the local
 * root only. Registered CAs stay out of it: a chain is completed from the trust store, so a registered CA in it would
 * hide whether the device presented that CA (JITR requires it).
 */
export interface TlsCredentials {
  key: string;
  cert: string;
  ca: string[];
}

/** A TLS listener whose credentials can be replaced while it runs (a CA was registered). */
export interface TlsListener extends Listener {
  setCredentials(creds: TlsCredentials): void;
}

// Mutual TLS as AWS IoT does it: a client certificate is required; whether it is acceptable (registered, ACTIVE,
// its CA, JITR) is decided after the handshake by the security hooks, so self-signed and unknown certificates reach
// them and are refused with a logged reason instead of an opaque handshake alert.
const tlsOptions = (c: TlsCredentials): tls.TlsOptions => ({
  key: c.key, cert: c.cert, ca: c.ca, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2',
});

/**
 * The client's certificate and the certificates it sent after its own (the chain as OpenSSL received it, completed
 * from the trust store). The chain is read first and once: Node (20) answers a later `getPeerCertificate(true)` on
 * the same socket without the issuers, once the peer certificate has been read. Its DER is kept; it is parsed only
 * when asked (only just-in-time registration needs it).
 */
export function peerOf(socket: tls.TLSSocket): { peerCertificate?: X509Certificate; presentedChain: () => X509Certificate[] } {
  const raws: Buffer[] = [];
  let cert = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  // The chain ends at a self-signed certificate (its own issuer) or where no issuer was sent or trusted.
  while (cert?.issuerCertificate && cert.issuerCertificate !== cert && cert.issuerCertificate.raw && raws.length < 10) {
    cert = cert.issuerCertificate;
    raws.push(cert.raw);
  }
  return { peerCertificate: socket.getPeerX509Certificate?.() ?? undefined, presentedChain: () => raws.map((r) => new X509Certificate(r)) };
}

const plainAddress = (a: string | undefined) => (a ?? '').replace(/^::ffff:/, '');

/** MQTT over TCP. */
export async function listenTcp(host: string, port: number, onConnection: ConnectionHandler): Promise<Listener> {
  const server = net.createServer((socket) => {
    socket.setKeepAlive(true, 30_000); // half-open peers are found even without MQTT keep-alive
    socket.setNoDelay(true); // writes are already batched per loop turn (coalesceWrites); Nagle would only add delay
    onConnection(socket, { transport: 'tcp', remoteAddress: plainAddress(socket.remoteAddress) });
  });
  return bind(server, host, port);
}

/** MQTT over WebSocket on path `/mqtt`, subprotocol `mqtt` (also the legacy `mqttv3.1`). */
export async function listenWs(host: string, port: number, onConnection: ConnectionHandler, authenticate?: UpgradeAuthenticator, guard?: WebGuard): Promise<Listener> {
  const server = http.createServer(guarded(guard, upgradeRequired('MQTT over WebSocket')));
  return mountMqttWebSocket(server, host, port, { authenticate, guard }, (stream, req, signedBy) =>
    onConnection(stream, { transport: 'ws', remoteAddress: plainAddress(req.socket.remoteAddress), req, signedBy }));
}

/** Answers plain HTTP requests on a WebSocket-only port. */
export function upgradeRequired(what: string): http.RequestListener {
  return (_req, res) => void res.writeHead(426, { 'content-type': 'text/plain' }).end(`${what}: connect to /mqtt with subprotocol "mqtt"\n`);
}

// --- Web admission: a foreign Host (DNS rebinding) or Origin (another site's page) gets 403 (core/local-guard.ts).
/** Refuses guarded requests with 403 before `handler` runs. */
function guarded(guard: WebGuard | undefined, handler: http.RequestListener): http.RequestListener {
  return (req, res) => {
    const refusal = guard?.check(req);
    if (refusal) return void res.writeHead(403, { 'content-type': 'text/plain' }).end(`${refusal.message}\n`);
    handler(req, res);
  };
}

// --- end of web admission

/**
 * Serves MQTT over WebSocket at `/mqtt` on `server` (plain or TLS) and binds it. The web admission (Host, Origin) and
 * a SigV4-signed upgrade (AWS IoT's browser authentication) are checked before the WebSocket opens: a refused
 * upgrade gets an HTTP status (403 for a foreign Host or Origin, AWS's refusal for a bad signature).
 */
async function mountMqttWebSocket(server: http.Server, host: string, port: number, admission: { authenticate?: UpgradeAuthenticator; guard?: WebGuard },
  accept: (stream: Duplex, req: http.IncomingMessage, signedBy?: string) => void): Promise<Listener> {
  const { authenticate, guard } = admission;
  const signers = new WeakMap<http.IncomingMessage, string>();
  const wss = new WebSocketServer({
    server,
    path: '/mqtt',
    maxPayload: 64 * 1024 * 1024,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
    verifyClient: (authenticate || guard) && ((info, done) => {
      const refusal = guard?.check(info.req);
      if (refusal) return done(false, 403, refusal.message);
      const r = authenticate?.(info.req as Parameters<UpgradeAuthenticator>[0]);
      if (r && 'refused' in r) return done(false, r.status, r.refused);
      if (r) signers.set(info.req, r.principal);
      done(true);
    }),
  });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => ws.terminate());
    accept(stream, req, signers.get(req));
  });
  const listener = await bind(server, host, port);
  return {
    port: listener.port,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await listener.close();
    },
  };
}

/** MQTT over TLS (8883 at AWS) with a required client certificate. */
export async function listenTls(host: string, port: number, creds: TlsCredentials, onConnection: ConnectionHandler): Promise<TlsListener> {
  const server = tls.createServer(tlsOptions(creds), (socket) => {
    socket.on('error', () => socket.destroy());
    onConnection(socket, { transport: 'tls', remoteAddress: plainAddress(socket.remoteAddress), ...peerOf(socket) });
  });
  server.on('tlsClientError', () => {}); // a failed handshake (no certificate, wrong protocol) only ends that socket
  // On the raw socket, before the handshake: the server's session tickets are still unacknowledged when CONNACK is
  // written, and Nagle would hold CONNACK until the client's delayed ACK (~40 ms per connection).
  server.on('connection', (raw: net.Socket) => raw.setNoDelay(true));
  const listener = await bind(server, host, port);
  return { ...listener, setCredentials: (c) => server.setSecureContext(tlsOptions(c)) };
}

/**
 * MQTT over secure WebSocket (wss, path `/mqtt`): a client certificate, or (as on AWS port 443) a SigV4-signed
 * upgrade request instead of one. Other requests (HTTPS devices, as on AWS port 8443) go to `onRequest`.
 */
export async function listenWss(host: string, port: number, creds: TlsCredentials, onConnection: ConnectionHandler, authenticate?: UpgradeAuthenticator, guard?: WebGuard,
  onRequest: http.RequestListener = upgradeRequired('MQTT over secure WebSocket')): Promise<TlsListener> {
  const server = https.createServer({ ...tlsOptions(creds), keepAliveTimeout: 60_000 }, guarded(guard, onRequest));
  server.on('tlsClientError', () => {});
  server.on('connection', (raw: net.Socket) => raw.setNoDelay(true)); // as in listenTls
  const listener = await mountMqttWebSocket(server, host, port, { authenticate, guard }, (stream, req, signedBy) =>
    onConnection(stream, { transport: 'wss', remoteAddress: plainAddress(req.socket.remoteAddress), req, ...peerOf(req.socket as tls.TLSSocket), signedBy }));
  return { ...listener, setCredentials: (c) => server.setSecureContext(tlsOptions(c)) };
}

async function bind(server: net.Server, host: string, port: number): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => { // for TLS servers: the raw socket, so handshakes in progress close too
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}
