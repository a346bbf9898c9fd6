/**
 * Routes a CoAP request: the device's credentials first (`?thing=&token=`, 4.01 when unknown or wrong), then its
 * session (4.03 when its policies refuse it), then the path. Every outcome is a CoAP code; nothing escapes.
 */
import { ObserveWriteStream, type IncomingMessage } from 'coap';
import type { ParsedPacket } from 'coap-packet';
import { EngineError, type Logger } from '../../core/index.js';
import { CoapCode, coapCodeOf } from './coap-codes.js';
import { answerBlockwise, type BlockDownloads } from './coap-downloads.js';
import type { CoapCounters } from './coap-limits.js';
import type { Observations } from './coap-observe.js';
import type { DeviceSession } from '../../broker/index.js';
import { coapResponseRequestId } from '../../control/index.js';
import type { CoapPorts } from './coap-ports.js';
import { commandResponseRoute, publishRoute } from './coap-publish.js';
import { reply, type CoapResponse } from './coap-reply.js';
import { readRequest, type CoapRequest } from './coap-request.js';
import type { CoapSessions } from './coap-sessions.js';
import { shadowRoute } from './coap-shadow.js';

export interface CoapContext {
  ports: CoapPorts;
  sessions: CoapSessions;
  observations: Observations;
  counters: CoapCounters;
  /** Payloads sent block-wise, whose other blocks clients fetch. */
  downloads: BlockDownloads;
  logger: Logger;
  /** Aborted when the engine stops: ends command waits. */
  stopping: AbortSignal;
}

export async function routeCoap(req: IncomingMessage, res: CoapResponse, ctx: CoapContext): Promise<void> {
  res.on('error', (e: Error) => ctx.logger.log('warn', 'coap', `a response to ${req.rsinfo.address}:${req.rsinfo.port} was not sent: ${e.message}`));
  if (!(res instanceof ObserveWriteStream)) answerBlockwise(res, req._packet as ParsedPacket, req.rsinfo, ctx.downloads);
  try {
    const r = readRequest(req);
    if ('invalid' in r) throw new EngineError('InvalidInput', r.invalid);
    if (r.observe === 1) ctx.observations.cancel(r.exchange);
    const device = authenticate(r, ctx);
    await dispatch(r, res, ctx, device.thing, () => ctx.sessions.get(device.thing, device.tokenId, r.address));
  } catch (e) {
    const code = e instanceof EngineError && (e.details as { reason?: string } | undefined)?.reason === 'method' ? CoapCode.MethodNotAllowed : coapCodeOf(e);
    ctx.counters.refuse(code);
    const message = e instanceof EngineError ? e.message : 'Internal error';
    if (code === CoapCode.InternalServerError) ctx.logger.log('error', 'coap', `${req.method} ${req.url.split('?')[0]} failed: ${(e as Error).message}`, { stack: (e as Error).stack });
    else ctx.logger.log('debug', 'coap', `${code} to ${req.rsinfo.address}:${req.rsinfo.port} for ${req.method} ${req.url.split('?')[0]}: ${message}`);
    if (!res.writableEnded) reply(res, code, message);
  }
}

function authenticate(r: CoapRequest, ctx: CoapContext): { thing: string; tokenId: string } {
  const thing = r.query.get('thing');
  const token = r.query.get('token');
  if (!thing || !token) throw new EngineError('Unauthorized', 'The thing and token URI-Query parameters are required');
  const tokenId = ctx.ports.verifyToken(thing, token);
  // The token itself is never logged.
  if (!tokenId) throw new EngineError('Unauthorized', `Unknown thing or wrong token for '${thing}'`);
  return { thing, tokenId };
}

async function dispatch(r: CoapRequest, res: CoapResponse, ctx: CoapContext, thing: string, session: () => DeviceSession): Promise<void> {
  const [head, ...rest] = r.path;
  if (head === 'topics') {
    if (r.method === 'GET') return observeTopic(r, res, ctx, thing, session());
    return publishRoute(r, res, ctx, thing, session());
  }
  if (head === 'things' && rest.length === 2 && rest[1] === 'shadow') return shadowRoute(r, res, ctx, thing, session());
  const requestId = coapResponseRequestId(r.path);
  if (requestId !== undefined) return commandResponseRoute(r, res, ctx, thing, requestId);
  throw new EngineError('NotFound', `No resource at /${r.path.join('/')}`);
}

/** `GET /topics/{filter…}` with Observe: each message on the filter becomes a notification (payload as published). */
function observeTopic(r: CoapRequest, res: CoapResponse, ctx: CoapContext, thing: string, session: DeviceSession): void {
  // A deregistration (Observe=1) is an ordinary GET: a topic has no representation of its own, so an empty one.
  if (r.observe === 1) return reply(res, CoapCode.Content);
  if (!(res instanceof ObserveWriteStream)) throw new EngineError('InvalidInput', 'GET on a topic needs Observe (0) to register', { reason: 'method' });
  const filter = r.path.slice(1).join('/');
  if (!filter) throw new EngineError('InvalidInput', 'the topic filter is missing: GET /topics/{filter}');
  const messages = session.subscribe(filter, (m) => ctx.observations.notify(r.exchange, res, m.payload));
  ctx.observations.add(r.exchange, res, [messages, ctx.sessions.hold(thing)]);
  res.statusCode = CoapCode.Content;
  ctx.observations.notify(r.exchange, res, Buffer.alloc(0));
}
