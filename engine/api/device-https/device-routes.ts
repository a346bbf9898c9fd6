import { EngineError, iotArn } from '../../core/index.js';
import type { ConnectionGuard, DeviceSession } from '../../broker/index.js';
import { parseCommandStatus, parseTtd, COMMAND, REQUEST_ID, STATUS, TTD, type AskingDevices } from '../../control/index.js';
import type { HttpRequest, HttpResult, Route } from '../http/http-server.js';
import { deleteThingShadow, getThingShadow, updateThingShadow, type ShadowOperations } from '../http/iot-data-shadow.js';
import { parsePublishRequest, toMqttProperties, type IotDataLimits } from '../http/iot-data.js';

/** The device a request comes from: its broker session and its policies. */
export interface DeviceContext {
  session: DeviceSession;
  guard: ConnectionGuard | null;
}

/** A device endpoint handler: the request as the HTTP edge parses it, and who sent it. */
export type DeviceHandler = (req: HttpRequest, device: DeviceContext) => Promise<HttpResult> | HttpResult;

export interface DeviceRoutesDeps {
  shadows: ShadowOperations;
  /** Commands for devices that ask (`hono-ttd`); absent: publishes answer at once, and answers are 404. */
  commands?: AskingDevices;
  limits: IotDataLimits;
}

/** AWS's device endpoint answers a publish with this body (a fresh trace id each time). */
const ok = (traceId: string): HttpResult => ({ json: { message: 'OK', traceId } });

const header = (req: HttpRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};
/** A Hono parameter: an HTTP header, or a query parameter of the same name. */
const honoParam = (req: HttpRequest, name: string) => header(req, name) ?? req.query.get(name) ?? undefined;

/**
 * The device endpoint's routes, AWS IoT's device HTTPS API: `POST /topics/{topic}` and the shadow operations,
 * authorized by the certificate's policies; plus Eclipse Hono's command answer `POST /command/res/{reqId}`.
 * `route.handler` is unused: the endpoint calls `deviceHandler(route)` with the device.
 */
export function deviceRoutes(deps: DeviceRoutesDeps): Array<Route & { device: DeviceHandler }> {
  const route = (method: string, path: string, operation: string, device: DeviceHandler) => ({ method, path, operation, device, rawBody: true, handler: unused });
  return [
    route('POST', '/topics/{topic+}', 'Publish', (req, d) => publish(deps, req, d)),
    route('GET', '/things/{thingName}/shadow', 'GetThingShadow', shadowOperation('iot:GetThingShadow', getThingShadow(deps.shadows))),
    route('POST', '/things/{thingName}/shadow', 'UpdateThingShadow', shadowOperation('iot:UpdateThingShadow', updateThingShadow(deps.shadows))),
    route('DELETE', '/things/{thingName}/shadow', 'DeleteThingShadow', shadowOperation('iot:DeleteThingShadow', deleteThingShadow(deps.shadows))),
    route('POST', '/command/res/{requestId}', 'CommandResponse', (req, d) => commandResponse(deps, req, d)),
  ];
}

function unused(): never {
  throw new EngineError('Internal', 'device routes are called with their device');
}

/**
 * Publish as the device (iot:Publish, iot:RetainPublish). With `hono-ttd`, the response waits up to that long for a
 * command for the device's thing and carries it: `hono-command` and (unless one-way) `hono-cmd-req-id` headers, the
 * command as body.
 */
async function publish(deps: DeviceRoutesDeps, req: HttpRequest, { session }: DeviceContext): Promise<HttpResult> {
  const parsed = parsePublishRequest(req.params.topic, req.query, req.headers, deps.limits);
  const ttdMs = parseTtd(honoParam(req, TTD));
  const properties = toMqttProperties(parsed.properties);
  await session.publish({ topic: parsed.topic, payload: req.body, qos: parsed.qos, retain: parsed.retain, ...(properties ? { properties } : {}) });
  if (!ttdMs || !deps.commands) return ok(req.requestId);
  const hold = session.hold(); // waiting for a command is activity: the idle sweep spares the session meanwhile
  try {
    const command = await deps.commands.next(session.clientId, ttdMs, req.signal, 'https');
    if (!command) return ok(req.requestId);
    return {
      body: command.payload,
      // A one-way command carries no request id: nothing answers it (Hono's HTTP adapter).
      headers: { [COMMAND]: command.name, ...(command.oneWay ? {} : { [REQUEST_ID]: command.requestId }), 'content-type': command.contentType ?? 'application/octet-stream' },
    };
  } finally {
    hold.dispose();
  }
}

/** A shadow operation on the device's own or another thing's shadow, as its policy allows (`…:thing/{thing}[/{shadow}]`). */
function shadowOperation(action: string, handler: (req: HttpRequest) => Promise<HttpResult> | HttpResult): DeviceHandler {
  return (req, { guard, session }) => {
    session.touch();
    const name = req.query.get('name');
    const resource = iotArn(`thing/${req.params.thingName}${name ? `/${name}` : ''}`);
    if (guard?.check && !guard.check(action, resource)) throw new EngineError('Forbidden', `not authorized to perform ${action} on ${resource}`);
    return handler(req);
  };
}

/** Hono's command answer: `POST /command/res/{reqId}` with `hono-cmd-status`, the answer as body → 202. */
function commandResponse(deps: DeviceRoutesDeps, req: HttpRequest, { session }: DeviceContext): HttpResult {
  session.touch();
  if (!deps.commands) throw new EngineError('NotFound', 'commands are not available on this endpoint');
  const status = parseCommandStatus(honoParam(req, STATUS));
  deps.commands.respond(session.clientId, req.params.requestId, status, req.body, header(req, 'content-type'));
  return { status: 202 };
}
