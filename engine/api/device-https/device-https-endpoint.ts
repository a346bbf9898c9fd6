/**
 * The HTTPS device endpoint, as AWS IoT has it on port 8443: devices publish with `POST /topics/{topic}?qos=&retain=`
 * and read, update and delete shadows with `GET|POST|DELETE /things/{thing}/shadow?name=`, over mutual TLS, served by
 * the broker's wss listener (requests that are not WebSocket upgrades). The certificate is the principal: a request
 * acts as the device (a broker device session, protocol `https`) whose client id is the one thing the certificate is
 * attached to (one attached to several names it in `x-amzn-iot-thingname`), or else the certificate id. Commands
 * reach a device that asks with Eclipse Hono's `hono-ttd` (see `device-routes.ts`).
 *
 * LIMITATIONS:
 * - A certificate's admission and status are checked once per TLS connection: one deactivated while a keep-alive
 *   connection stays open is refused from the device's next connection on.
 * - No SigV4 on this endpoint (AWS accepts it on 443 for IAM users); devices use their certificate.
 * - HTTP/1.1 only (no HTTP/2).
 * - `${iot:ClientId}` resolves to the device's client id (its thing, or its certificate id); AWS has no client id here.
 * - `x-amzn-iot-thingname` is Thingbench's: AWS's data endpoint has no way to say which of a certificate's things speaks.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { EngineError, silentLogger, type Disposable, type Logger, type Service } from '../../core/index.js';
import type { HttpsDeviceStats } from '../../contract/index.js';
import type { BrokerService, ConnectionGuard, DeviceGuardRequest } from '../../broker/index.js';
import type { AskingDevices } from '../../control/index.js';
import { awsErrorResponse, toAwsError } from '../http/aws-errors.js';
import { readBody, RouteTable, splitTarget, type HttpRequest, type HttpResult } from '../http/http-server.js';
import type { ShadowOperations } from '../http/iot-data-shadow.js';
import type { IotDataLimits } from '../http/iot-data.js';
import { deviceRoutes, type DeviceContext, type DeviceHandler } from './device-routes.js';

/** A certificate attached to several things says which one a request is for (AWS's credentials provider's header). */
const THING_HEADER = 'x-amzn-iot-thingname';
/** Identities kept per connection (one per thing it named). */
const MAX_IDENTITIES = 64;

/** The largest body when the broker's payload limit is off (0): MQTT's largest payload. */
const MQTT_MAX_PAYLOAD = 268_435_455 - 5;

export interface DeviceHttpsOptions {
  broker: Pick<BrokerService, 'serveDeviceRequests' | 'openDeviceSession'>;
  security: {
    deviceGuard(req: DeviceGuardRequest): ConnectionGuard | { refused: string };
    deviceClientId(peer: object, thing?: string): string | { refused: string };
  };
  shadows: ShadowOperations;
  commands?: AskingDevices;
  /** The broker's limits: the payload limit is the body limit (413 above it). */
  limits: IotDataLimits;
  logger?: Logger;
}

/** Who a connection's certificate is, worked out once per connection. */
interface Identity {
  clientId: string;
  guard: ConnectionGuard;
}

export class DeviceHttpsEndpoint implements Service {
  readonly name = 'device-https';
  private readonly routes = new RouteTable();
  /** By connection (its admitted peer), then by the thing a request names ('' for none). */
  private readonly identities = new WeakMap<object, Map<string, Identity>>();
  private readonly logger: Logger;
  private serving: Disposable | undefined;
  /** Requests answered, and refused by HTTP status (`adapters.stats`). */
  private readonly counters = { requests: 0, refused: {} as Record<string, number> };

  constructor(private readonly opts: DeviceHttpsOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.routes.add(...deviceRoutes(opts));
  }

  async start(): Promise<void> {
    this.serving = this.opts.broker.serveDeviceRequests((req, res, device) => void this.handle(req, res, device));
  }

  async stop(): Promise<void> {
    this.serving?.dispose();
    this.serving = undefined;
  }

  /** The endpoint's counters at `endpoint` (the engine's `https` endpoint); null while it does not serve. */
  stats(endpoint: string | undefined): HttpsDeviceStats | null {
    if (!this.serving || endpoint === undefined) return null;
    return { endpoint, requests: this.counters.requests, refused: { ...this.counters.refused } };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, device: { peer: object; remoteAddress: string }): Promise<void> {
    const traceId = randomUUID();
    req.on('error', () => {}); // a reset client must not crash the engine
    try {
      const named = req.headers[THING_HEADER];
      const ctx = this.device(device.peer, device.remoteAddress, Array.isArray(named) ? named[0] : named);
      const target = splitTarget(req.url ?? '');
      if (!target) throw new EngineError('InvalidInput', 'Invalid request target');
      const method = (req.method ?? 'GET').toUpperCase();
      const match = this.routes.match(method, target.path);
      const body = await readBody(req, this.opts.limits.maxPayloadBytes || MQTT_MAX_PAYLOAD);
      const request: HttpRequest = {
        operation: match.route.operation, method, params: match.params, query: new URLSearchParams(target.query), headers: req.headers, body,
        requestId: traceId, remoteAddress: device.remoteAddress, signal: gone(res),
      };
      this.send(res, await (match.route as typeof match.route & { device: DeviceHandler }).device(request, ctx));
    } catch (err) {
      if (res.destroyed || (req.destroyed && !req.complete)) return void res.destroy();
      this.sendError(req, res, err, traceId);
    }
  }

  /**
   * The device's session for this request (opened again after it went idle), with the connection's identity: a
   * certificate attached to several things names the one it speaks for in `x-amzn-iot-thingname`, as AWS's credentials
   * provider has it.
   */
  private device(peer: object, remoteAddress: string, thing: string | undefined): DeviceContext {
    let known = this.identities.get(peer);
    if (!known) this.identities.set(peer, (known = new Map()));
    let id = known.get(thing ?? '');
    if (!id) {
      const clientId = this.opts.security.deviceClientId(peer, thing);
      if (typeof clientId !== 'string') throw new EngineError('Forbidden', clientId.refused);
      const guard = this.opts.security.deviceGuard({ clientId, transport: 'https', remoteAddress, peer });
      if ('refused' in guard) throw new EngineError('Forbidden', guard.refused);
      if (known.size >= MAX_IDENTITIES) known.clear();
      known.set(thing ?? '', (id = { clientId, guard }));
    }
    const session = this.opts.broker.openDeviceSession({ clientId: id.clientId, protocol: 'https', remoteAddress, guard: id.guard });
    return { session, guard: id.guard };
  }

  private send(res: http.ServerResponse, result: HttpResult): void {
    const body = result.json !== undefined ? Buffer.from(JSON.stringify(result.json)) : result.body ?? Buffer.alloc(0);
    this.count(result.status ?? 200);
    res.writeHead(result.status ?? 200, { 'content-type': 'application/json', ...result.headers, 'content-length': String(body.length) });
    res.end(body);
  }

  private count(status: number): void {
    this.counters.requests++;
    if (status >= 400) this.counters.refused[status] = (this.counters.refused[status] ?? 0) + 1;
  }

  /** AWS's shape on this endpoint: `{"message": …, "traceId": …}`, the exception name in `x-amzn-ErrorType`. */
  private sendError(req: http.IncomingMessage, res: http.ServerResponse, err: unknown, traceId: string): void {
    const shape = toAwsError(err);
    if (shape.unexpected) this.logger.log('error', 'api.device-https', `${req.method} ${(req.url ?? '').split('?')[0]} failed: ${(err as Error).message}`, { traceId, stack: (err as Error).stack });
    if (res.headersSent) return void res.destroy();
    const { headers } = awsErrorResponse(shape);
    const body = Buffer.from(JSON.stringify({ message: shape.message, traceId }));
    // A body refused unread (413) would otherwise keep coming: the connection ends after the answer.
    if (shape.status === 413 && !req.complete) res.once('finish', () => req.socket.end());
    this.count(shape.status);
    res.writeHead(shape.status, { ...headers, 'content-length': String(body.length) });
    res.end(body);
  }
}

/** Aborted when the client goes away before its answer is sent (ends a `hono-ttd` wait). */
function gone(res: http.ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
