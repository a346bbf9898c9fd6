import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger, WebGuard } from '../core/index.js';
import { listenTcp, listenTls, listenWs, listenWss, peerOf, upgradeRequired, type ConnectionInfo, type Listener, type TlsListener } from './listeners.js';
import type { SecurityHooks } from './security-hooks.js';

export interface ListenOptions {
  host: string;
  /** 0: a free port. `mqtts` and `wss` listen only when given (and with security hooks). */
  ports: { mqtt: number; ws: number; mqtts?: number; wss?: number };
  security?: SecurityHooks;
  /** `off`: the plain TCP and WebSocket listeners are not started. */
  plainListeners?: 'on' | 'off';
  webGuard?: WebGuard;
}

/** Hands an admitted connection to the broker (with what `SecurityHooks.admit` returned for it). */
export type Accept = (stream: Duplex, info: ConnectionInfo, peer?: object) => void;

/**
 * A request on the wss listener that is not a WebSocket upgrade (an HTTPS device, as on AWS port 8443), from a client
 * whose certificate the security hooks admitted: `peer` is what `admit` returned, the same object for every request
 * of one connection.
 */
export type DeviceRequestHandler = (req: http.IncomingMessage, res: http.ServerResponse, device: { peer: object; remoteAddress: string }) => void;

/**
 * The broker's listeners and the way in: a plain connection goes straight to `accept`; a TLS one, or a WebSocket whose
 * upgrade was SigV4-signed, only once the security hooks admitted its certificate or key (AWS closes it otherwise).
 */
export class Connections {
  private readonly listeners: Listener[] = [];
  /** Who answers HTTPS device requests (none: they are told to upgrade). */
  deviceRequests: DeviceRequestHandler | null = null;
  /** Each TLS connection's certificate is admitted once, for all its requests (keep-alive). */
  private readonly admitted = new WeakMap<object, Promise<{ peer?: object } | { refused: string }>>();

  constructor(private readonly opts: ListenOptions, private readonly accept: Accept, private readonly logger: Logger) {}

  /** Starts the listeners; resolves with the ports they got. */
  async open(): Promise<{ mqtt: number; ws: number; mqtts?: number; wss?: number }> {
    const { host, ports, security: hooks, webGuard } = this.opts;
    const bound: { mqtt: number; ws: number; mqtts?: number; wss?: number } = { mqtt: 0, ws: 0 };
    // Security: a SigV4-signed WebSocket upgrade is admitted by the hooks like a TLS peer (its principal is the key).
    const signedUpgrade = hooks?.authenticateUpgrade?.bind(hooks);
    const onConnection = (stream: Duplex, info: ConnectionInfo) => (hooks && info.signedBy ? this.admit(hooks, stream, info) : this.accept(stream, info));
    // Security: plain listeners may be switched off; TLS listeners exist only with hooks and a port (0 = free port).
    if (this.opts.plainListeners !== 'off') {
      const tcp = await listenTcp(host, ports.mqtt, onConnection);
      this.listeners.push(tcp); // each closed by close() even when a later one fails to listen
      const ws = await listenWs(host, ports.ws, onConnection, signedUpgrade, webGuard);
      this.listeners.push(ws);
      bound.mqtt = tcp.port;
      bound.ws = ws.port;
    }
    if (hooks && (ports.mqtts !== undefined || ports.wss !== undefined)) {
      const secure: TlsListener[] = [];
      const onTls = (stream: Duplex, info: ConnectionInfo) => this.admit(hooks, stream, info);
      if (ports.mqtts !== undefined) {
        const mqtts = await listenTls(host, ports.mqtts, hooks.tlsCredentials(), onTls);
        this.listeners.push(mqtts);
        secure.push(mqtts);
        bound.mqtts = mqtts.port;
      }
      if (ports.wss !== undefined) {
        const wss = await listenWss(host, ports.wss, hooks.tlsCredentials(), onTls, signedUpgrade, webGuard, (req, res) => this.request(hooks, req, res));
        this.listeners.push(wss);
        secure.push(wss);
        bound.wss = wss.port;
      }
      hooks.onTrustChange(() => secure.forEach((l) => l.setCredentials(hooks.tlsCredentials())));
    }
    return bound;
  }

  async close(): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.close()));
  }

  /** A plain request on the wss listener: an HTTPS device's, once its certificate is admitted; refused ones lose the connection, as MQTT clients do. */
  private request(hooks: SecurityHooks, req: http.IncomingMessage, res: http.ServerResponse): void {
    const handler = this.deviceRequests;
    if (!handler) return upgradeRequired('MQTT over secure WebSocket')(req, res);
    const socket = req.socket as TLSSocket;
    const remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    let admitted = this.admitted.get(socket);
    if (!admitted) {
      const info: ConnectionInfo = { transport: 'wss', remoteAddress, ...peerOf(socket) };
      admitted = hooks.admit(info.peerCertificate, info);
      this.admitted.set(socket, admitted);
    }
    admitted.then((r) => {
      if ('refused' in r || !r.peer) {
        this.logger.log('warn', 'security', `refused an HTTPS device request from ${remoteAddress}: ${'refused' in r ? r.refused : 'not a certificate'}`, { transport: 'https', remoteAddress });
        return void socket.destroy();
      }
      if (!socket.destroyed) handler(req, res, { peer: r.peer, remoteAddress });
    }, (e: Error) => {
      this.logger.log('error', 'security', `admitting an HTTPS device failed: ${e.message}`);
      socket.destroy();
    });
  }

  private admit(hooks: SecurityHooks, stream: Duplex, info: ConnectionInfo): void {
    hooks.admit(info.peerCertificate, info).then((r) => {
      if ('refused' in r) {
        this.logger.log('warn', 'security', `refused ${info.transport} connection from ${info.remoteAddress}: ${r.refused}`, { transport: info.transport, remoteAddress: info.remoteAddress });
        stream.destroy();
      } else if (!stream.destroyed) this.accept(stream, info, r.peer);
    }, (e: Error) => {
      this.logger.log('error', 'security', `admitting a ${info.transport} connection failed: ${e.message}`);
      stream.destroy();
    });
  }
}
