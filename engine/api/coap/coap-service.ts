/**
 * The CoAP device edge (RFC 7252 over UDP, with Observe and block-wise transfer): devices publish, read and observe
 * shadows, observe topics and take commands, each as its thing, authenticated by the thing's pre-shared token.
 *
 * LIMITATIONS:
 * - No DTLS (the `coap` package has none): tokens and payloads travel in clear, so the listener stays on loopback
 *   unless `--coap-host ADDR` comes with `--coap-insecure`.
 * - No OSCORE, no TCP/WebSocket CoAP (RFC 8323), no multicast; proxy options are refused with 5.05.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { EngineError, isLoopbackBind, type Logger, type Service } from '../../core/index.js';
import type { CoapStats } from '../../contract/index.js';
import { AddressBuckets, CoapCounters } from './coap-limits.js';
import { BlockDownloads } from './coap-downloads.js';
import { CoapListener } from './coap-listener.js';
import { Observations } from './coap-observe.js';
import type { CoapPorts } from './coap-ports.js';
import { routeCoap, type CoapContext } from './coap-router.js';
import { CoapSessions } from './coap-sessions.js';

export interface CoapServiceOptions {
  host: string;
  port: number;
  /** Allows a non-loopback `host` (there is no DTLS). */
  insecure: boolean;
  /** Requests per second from one remote address (0: no limit) and the burst allowed above it (default: twice the rate). */
  requestsPerSecond: number;
  burst?: number;
  logger: Logger;
}

export class CoapService implements Service {
  readonly name = 'coap';
  readonly counters = new CoapCounters();
  private socket: dgram.Socket | undefined;
  private server: CoapListener | undefined;
  private stopping = new AbortController();
  private readonly sessions: CoapSessions;
  private readonly observations: Observations;
  private readonly downloads = new BlockDownloads();

  constructor(private readonly ports: CoapPorts, private readonly opts: CoapServiceOptions) {
    this.sessions = new CoapSessions(ports);
    this.observations = new Observations(opts.logger, this.downloads);
  }

  /** The bound UDP port once started. */
  get port(): number | undefined {
    return this.socket?.address().port;
  }

  /** `coap://127.0.0.1:5683` once started (the ready line's `coap`). */
  get endpoint(): string | undefined {
    const port = this.port;
    return port === undefined ? undefined : `coap://${isIPv6(this.opts.host) ? `[${this.opts.host}]` : this.opts.host}:${port}`;
  }

  /** The listener's counters (`adapters.stats`); null when it is not listening. */
  stats(): CoapStats | null {
    const endpoint = this.endpoint;
    if (endpoint === undefined) return null;
    const { requests, refused, malformed } = this.counters;
    return { endpoint, requests, refused: { ...refused }, malformed, observers: this.observations.size, blockTransfers: this.server?.blockTransfers ?? 0 };
  }

  async start(): Promise<void> {
    const { host, port, logger } = this.opts;
    if (!isLoopbackBind(host) && !this.opts.insecure) {
      throw new EngineError('InvalidInput', `CoAP has no DTLS here, so it listens on ${host} only with --coap-insecure (tokens and payloads would cross the network in clear).`);
    }
    this.stopping = new AbortController();
    const socket = dgram.createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (e: NodeJS.ErrnoException & { port?: number }) => {
        socket.close();
        reject(Object.assign(new Error(`the CoAP port ${port} (UDP) on ${host} could not be bound: ${e.code ?? e.message}`), { code: e.code, port, host, listener: 'coap' }));
      });
      socket.bind(port, host, () => resolve());
    });
    socket.on('error', (e) => logger.log('warn', 'coap', `UDP socket error: ${e.message}`));
    this.socket = socket;
    const ctx: CoapContext = {
      ports: this.ports, sessions: this.sessions, observations: this.observations, counters: this.counters, downloads: this.downloads, logger, stopping: this.stopping.signal,
    };
    const server = new CoapListener({
      socket, counters: this.counters, downloads: this.downloads, logger, maxPayloadBytes: () => this.ports.maxPayloadBytes(),
      buckets: new AddressBuckets(this.opts.requestsPerSecond, this.opts.burst ?? 2 * this.opts.requestsPerSecond),
    });
    server.on('request', (req, res) => void routeCoap(req, res, ctx));
    server.on('error', (e: Error) => logger.log('warn', 'coap', `CoAP server error: ${e.message}`));
    server.listen(socket);
    this.server = server;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.observations.stopAll();
    this.sessions.closeAll();
    this.downloads.clear();
    this.server?.close();
    this.server = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
