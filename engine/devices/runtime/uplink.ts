/**
 * How a device that only asks (CoAP, HTTPS) reaches the engine: one request per message, the answer in its response.
 * A request may carry `hono-ttd` (Eclipse Hono's "time until disconnect"): the device waits that long in the
 * response for a command, which it answers in a later request (`POST /command/res/{reqId}`).
 */
import { HONO_COMMAND, HONO_REQUEST_ID, HONO_RESPONSE_PREFIX, HONO_STATUS, HONO_TTD } from '../../core/index.js';

/** A command that came back in a response (Hono: `hono-command`, `hono-cmd-req-id`, the body). */
export interface UplinkCommand {
  name: string;
  requestId: string;
  payload: Buffer;
}

/** What a request's response said. */
export interface UplinkReply {
  /** 2.xx (CoAP) or 2xx (HTTP). */
  ok: boolean;
  /** The response code as the protocol spells it (`2.04`, `403`). */
  code: string;
  command?: UplinkCommand;
}

export interface UplinkPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
  /** Seconds the device waits in this response for a command. */
  ttdSec?: number;
}

/** One device's uplink. A request that does not reach the engine (or gets no answer in time) rejects. */
export interface Uplink {
  publish(m: UplinkPublish): Promise<UplinkReply>;
  /** The device's answer to command `requestId` with a status code (Hono `hono-cmd-status`). */
  respond(requestId: string, status: number, payload: Buffer): Promise<UplinkReply>;
  close(): void;
}

/** Hono's wire names, shared by the CoAP and HTTPS uplinks: the engine's own (`engine/core/hono-names.ts`). */
export const HONO = { ttd: HONO_TTD, command: HONO_COMMAND, requestId: HONO_REQUEST_ID, status: HONO_STATUS } as const;

/**
 * `/topics/{topic}` and `/command/res/{reqId}`; `encode` percent-encodes each level (an HTTP path; CoAP carries each
 * level as its own Uri-Path option, as is).
 */
export const topicPath = (topic: string, encode: boolean): string => `/topics/${encode ? topic.split('/').map(encodeURIComponent).join('/') : topic}`;
export const commandResponsePath = (requestId: string, encode: boolean): string => `${HONO_RESPONSE_PREFIX}${encode ? encodeURIComponent(requestId) : requestId}`;
