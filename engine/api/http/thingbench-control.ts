/**
 * The command & control HTTP API on the engine's endpoint: `POST /thingbench/control/things/{thing}/commands/{name}
 * ?timeout=<seconds>` with the command's payload as body (any content type) waits for the device's answer and returns
 * it as is: the device's status as the HTTP status and in `x-thingbench-command-status`, its payload as the body.
 * The engine's own refusals are JSON `{ code, message }` (no `x-thingbench-command-status`): 400 bad input, 413 too
 * large, 429 too many commands waiting for the thing, 504 no answer in time. With `?oneWay=true` the command is one-way
 * (Eclipse Hono's: no answer expected): 202 with `{ requestId, via, oneWay: true }` once the device has it, 504 when it
 * did not ask for it in time. Host, Origin and (off loopback) SigV4 are checked as for every route of the endpoint.
 */
import { EngineError, isEngineError, type ErrorCode } from '../../core/index.js';
import { AwsError } from './aws-errors.js';
import type { HttpHandler, HttpResult, Route } from './http-server.js';

type SendRequest = { thing: string; name: string; payload: Buffer; contentType?: string; timeoutMs: number };

export interface ControlOperations {
  send(req: SendRequest & { oneWay?: false }): Promise<{ requestId: string; status: number; payload: Buffer; contentType?: string; via: string }>;
  send(req: SendRequest & { oneWay: true }): Promise<{ requestId: string; via: string }>;
}

const DEFAULT_TIMEOUT_SECONDS = 10;
const MAX_TIMEOUT_SECONDS = 900;
const STATUS: Partial<Record<ErrorCode, number>> = {
  NotFound: 404, InvalidInput: 400, Unauthorized: 401, Forbidden: 403, TooLarge: 413, Throttled: 429, Unavailable: 503,
};

function timeoutMs(raw: string | null): number {
  if (raw === null) return DEFAULT_TIMEOUT_SECONDS * 1000;
  const s = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || s <= 0 || s > MAX_TIMEOUT_SECONDS) throw new EngineError('InvalidInput', `timeout must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}`);
  return Math.ceil(s * 1000);
}

function oneWay(raw: string | null): boolean {
  if (raw === null || raw === 'false') return false;
  if (raw === 'true' || raw === '') return true;
  throw new EngineError('InvalidInput', `oneWay must be true or false, not '${raw}'`);
}

function renderError(err: unknown) {
  const json = (status: number, body: object, unexpected = false) => ({
    status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), unexpected,
  });
  // The endpoint's own refusals (SigV4 off loopback, Host/Origin) keep their status and AWS error type.
  if (err instanceof AwsError) return { ...json(err.status, { code: err.type, message: err.message }), headers: { 'content-type': 'application/json', 'x-amzn-errortype': err.type } };
  const status = isEngineError(err) ? STATUS[err.code] : undefined;
  if (!isEngineError(err) || status === undefined) return json(500, { code: 'Internal', message: 'Internal failure' }, true);
  const reason = (err.details as { reason?: string } | undefined)?.reason;
  return json(reason === 'Timeout' ? 504 : status, { code: err.code, message: err.message, ...(reason ? { reason } : {}) });
}

export function controlRoutes(control: ControlOperations): Route[] {
  const send: HttpHandler = async (req): Promise<HttpResult> => {
    const contentType = req.headers['content-type'];
    const input = {
      thing: req.params.thing, name: req.params.name, payload: req.body, timeoutMs: timeoutMs(req.query.get('timeout')),
      ...(contentType ? { contentType } : {}),
    };
    if (oneWay(req.query.get('oneWay'))) {
      const h = await control.send({ ...input, oneWay: true });
      return {
        status: 202, body: Buffer.from(JSON.stringify({ requestId: h.requestId, via: h.via, oneWay: true })),
        headers: { 'content-type': 'application/json', 'x-thingbench-command-request-id': h.requestId, 'x-thingbench-command-via': h.via },
      };
    }
    const a = await control.send(input);
    return {
      status: a.status, body: a.payload,
      headers: {
        'content-type': a.contentType ?? 'application/octet-stream', 'x-thingbench-command-status': String(a.status),
        'x-thingbench-command-request-id': a.requestId, 'x-thingbench-command-via': a.via,
      },
    };
  };
  return [{
    method: 'POST', path: '/thingbench/control/things/{thing}/commands/{name}', operation: 'SendCommand', handler: send, rawBody: true,
    renderError: (err) => renderError(err),
  }];
}
