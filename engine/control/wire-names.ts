/**
 * The names commands travel under on every protocol, after Eclipse Hono's protocol adapters so Hono device code works
 * [Hono HTTP adapter, CoAP adapter and MQTT adapter user guides, "Specifying the Time a Device will wait for a Response",
 * "Sending a Response to a Command"]:
 * - an HTTPS or CoAP device says how long it waits with `hono-ttd=<seconds>` (HTTP header or query parameter; CoAP
 *   URI-Query); a command comes back in that response's body, named by `hono-command` and identified by
 *   `hono-cmd-req-id` (HTTP response headers; CoAP Location-Query `hono-command=…`, `hono-cmd-req-id=…` and, as Hono
 *   does, Location-Path `command_response/{reqId}`, the path to answer on);
 * - the device answers with `POST /command/res/{reqId}` (HTTPS) or `POST /command_response/{reqId}` (CoAP; also
 *   `/cr/{reqId}` and `/command/res/{reqId}`), its status in `hono-cmd-status` (HTTP header or query; CoAP URI-Query);
 * - an MQTT device gets the request on `command/{thing}/req/{reqId}/{name}` and answers on
 *   `command/{thing}/res/{reqId}/{status}`; an MQTT 5 device may instead answer on the request's response topic
 *   (`command/{thing}/res`) with its correlation data, the status in a `hono-cmd-status` user property (default 200).
 */
import { EngineError, HONO_COMMAND, HONO_REQUEST_ID, HONO_RESPONSE_PREFIX, HONO_STATUS, HONO_TTD } from '../core/index.js';

export const TTD = HONO_TTD;
export const COMMAND = HONO_COMMAND;
export const REQUEST_ID = HONO_REQUEST_ID;
export const STATUS = HONO_STATUS;
/** The HTTPS answer path prefix: `POST /command/res/{reqId}`. */
export const HTTP_RESPONSE_PREFIX = HONO_RESPONSE_PREFIX;
/** The CoAP answer paths' first segments (`/command_response/{reqId}`, `/cr/{reqId}`; `/command/res/{reqId}` too). */
export const COAP_RESPONSE_SEGMENTS = ['command_response', 'cr'] as const;
/** The longest a device may ask to wait; a longer `hono-ttd` is cut to it (Hono's adapters cap it the same way). */
export const MAX_TTD_SECONDS = 60;
/** The MQTT topics the engine taps for answers. */
export const MQTT_RESPONSE_FILTER = 'command/+/res/#';

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
const THING = /^[a-zA-Z0-9:_-]{1,128}$/;

/** `hono-ttd` in milliseconds (capped at MAX_TTD_SECONDS); undefined when absent; InvalidInput when not seconds ≥ 0. */
export function parseTtd(raw: string | null | undefined): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw new EngineError('InvalidInput', `${TTD} must be a whole number of seconds (0 to ${MAX_TTD_SECONDS}), not ${JSON.stringify(raw)}`);
  return Math.min(Number(raw), MAX_TTD_SECONDS) * 1000;
}

/** `hono-cmd-status`: an HTTP status code (200–599); InvalidInput otherwise or when absent. */
export function parseCommandStatus(raw: string | null | undefined): number {
  const status = raw !== undefined && raw !== null && /^\d{3}$/.test(raw) ? Number(raw) : NaN;
  if (!(status >= 200 && status <= 599)) throw new EngineError('InvalidInput', `${STATUS} must be an HTTP status code between 200 and 599, not ${JSON.stringify(raw ?? null)}`);
  return status;
}

/** A command name: letters, digits and `_ . : -` (it is one topic level on MQTT). */
export function checkCommandName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) throw new EngineError('InvalidInput', `A command name must be 1 to 128 letters, digits or _ . : - (got ${JSON.stringify(name)})`);
}

/** A thing name as AWS IoT allows it (`[a-zA-Z0-9:_-]{1,128}`), so it is one topic level. */
export function checkThingName(thing: string): void {
  if (typeof thing !== 'string' || !THING.test(thing)) throw new EngineError('InvalidInput', `A thing name must be 1 to 128 letters, digits or : _ - (got ${JSON.stringify(thing)})`);
}

export const mqttRequestTopic = (thing: string, requestId: string, name: string) => `command/${thing}/req/${requestId}/${name}`;
export const mqttResponseTopic = (thing: string, requestId: string, status: number) => `command/${thing}/res/${requestId}/${status}`;
/** The MQTT 5 response topic the request names (the answer carries the correlation data). */
export const mqttResponseBase = (thing: string) => `command/${thing}/res`;

/** An answer's request id and status from its topic (and, for MQTT 5, its correlation data and user properties). */
export function parseMqttAnswer(topic: string, correlationData?: Buffer, userProperties?: [string, string][]): { thing: string; requestId: string; status: number } | undefined {
  const p = topic.split('/');
  if (p[0] !== 'command' || p[2] !== 'res') return undefined;
  if (p.length === 5) {
    const status = /^\d{3}$/.test(p[4]) ? Number(p[4]) : NaN;
    return status >= 200 && status <= 599 ? { thing: p[1], requestId: p[3], status } : undefined;
  }
  if (p.length !== 3 || !correlationData?.length) return undefined;
  const raw = userProperties?.find(([k]) => k === STATUS)?.[1];
  const status = raw === undefined ? 200 : Number(raw);
  if (!(Number.isInteger(status) && status >= 200 && status <= 599)) return undefined;
  return { thing: p[1], requestId: correlationData.toString('utf8'), status };
}

/** The CoAP answer path's request id (`command_response/{id}`, `cr/{id}`, `command/res/{id}`), or undefined. */
export function coapResponseRequestId(segments: readonly string[]): string | undefined {
  if (segments.length === 2 && (COAP_RESPONSE_SEGMENTS as readonly string[]).includes(segments[0])) return segments[1] || undefined;
  if (segments.length === 3 && segments[0] === 'command' && segments[1] === 'res') return segments[2] || undefined;
  return undefined;
}

/** The CoAP Location-Path and Location-Query options of a response carrying a command (a one-way one: its name only). */
export function coapCommandLocation(cmd: { requestId: string; name: string; oneWay?: true }): { locationPath: string[]; locationQuery: string[] } {
  if (cmd.oneWay) return { locationPath: [], locationQuery: [`${COMMAND}=${cmd.name}`] };
  return { locationPath: ['command_response', cmd.requestId], locationQuery: [`${COMMAND}=${cmd.name}`, `${REQUEST_ID}=${cmd.requestId}`] };
}
