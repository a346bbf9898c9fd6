/**
 * `POST|PUT /topics/{topic…}?thing=&token=[&qos=0|1][&retain][&hono-ttd=S]`: publishes the payload as is, as the
 * device; with `hono-ttd` the response waits up to S seconds for a command and carries it (Location-Query
 * `hono-command=…`, `hono-cmd-req-id=…`, Location-Path `command_response/{reqId}`, as Hono's CoAP adapter does).
 * `POST /command_response/{reqId}?…&hono-cmd-status=N` (or `/cr/…`, `/command/res/…`) answers a command.
 */
import type { DeviceSession } from '../../broker/index.js';
import { coapCommandLocation, parseCommandStatus, parseTtd, STATUS, TTD } from '../../control/index.js';
import { EngineError } from '../../core/index.js';
import { CoapCode } from './coap-codes.js';
import { reply, type CoapResponse } from './coap-reply.js';
import type { CoapRequest } from './coap-request.js';
import type { CoapContext } from './coap-router.js';

export async function publishRoute(r: CoapRequest, res: CoapResponse, ctx: CoapContext, thing: string, session: DeviceSession): Promise<void> {
  if (r.method !== 'POST' && r.method !== 'PUT') throw new EngineError('InvalidInput', `${r.method} is not allowed on a topic`, { reason: 'method' });
  const topic = r.path.slice(1).join('/');
  if (!topic) throw new EngineError('InvalidInput', 'the topic is missing: POST /topics/{topic}');
  const qos = r.query.get('qos') ?? '0';
  if (qos !== '0' && qos !== '1') throw new EngineError('InvalidInput', `qos must be 0 or 1, not '${qos}'`);
  const retain = r.query.get('retain');
  if (retain !== undefined && !['', 'true', 'false'].includes(retain)) throw new EngineError('InvalidInput', `retain must be true or false, not '${retain}'`);
  const ttdMs = parseTtd(r.query.get(TTD));
  // The Content-Format travels on as the MQTT 5 content type: its media type, or its number for one without a name.
  const properties = r.contentFormat !== undefined ? { properties: { contentType: r.contentFormat } } : {};
  await session.publish({ topic, payload: r.payload, qos: Number(qos) as 0 | 1, retain: retain === '' || retain === 'true', ...properties });
  const command = ttdMs ? await waitForCommand(ctx, thing, ttdMs) : undefined;
  if (!command) return reply(res, CoapCode.Changed);
  const location = coapCommandLocation(command);
  reply(res, CoapCode.Changed, command.payload, {
    ...(command.contentType ? { format: command.contentType } : {}),
    options: { 'Location-Path': location.locationPath.map((p) => Buffer.from(p)), 'Location-Query': location.locationQuery.map((q) => Buffer.from(q)) },
  });
}

/** The device's answer to a command it received (`requestId` from the path), with `hono-cmd-status`. */
export function commandResponseRoute(r: CoapRequest, res: CoapResponse, ctx: CoapContext, thing: string, requestId: string): void {
  if (r.method !== 'POST' && r.method !== 'PUT') throw new EngineError('InvalidInput', `${r.method} is not allowed on a command response`, { reason: 'method' });
  const status = parseCommandStatus(r.query.get(STATUS));
  ctx.ports.commands.respond(thing, requestId, status, r.payload, r.contentFormat);
  reply(res, CoapCode.Changed);
}

/** Waits for the thing's next command, keeping its session alive meanwhile; an engine stop ends the wait. */
async function waitForCommand(ctx: CoapContext, thing: string, ttdMs: number) {
  const held = ctx.sessions.hold(thing);
  try {
    return await ctx.ports.commands.next(thing, ttdMs, ctx.stopping, 'coap');
  } finally {
    held.dispose();
  }
}
