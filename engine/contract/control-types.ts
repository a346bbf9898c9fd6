/** Command & control as the UI, the CLI and scenarios see it (`control.send`, `control.pending`, `control.answered`). Times are epoch ms. */

/** How a command reached its device: the MQTT command topics, or the answer to an HTTPS or CoAP request (`hono-ttd`). */
export type CommandVia = 'mqtt' | 'https' | 'coap';

export interface ControlSendInput {
  thing: string;
  /** The command's name: letters, digits and `_ . : -`. */
  name: string;
  /** The request body (default empty), as text or base64 (`encoding`). */
  payload?: string;
  encoding?: 'utf8' | 'base64';
  contentType?: string;
  /** How long to wait for the answer (a one-way command: for the hand-over; default 10 s, at most 15 minutes). */
  timeoutMs?: number;
}

/**
 * A one-way command (Eclipse Hono's): no answer is expected, the device is not told a request id, and the call
 * resolves once the command is handed to the device (published to it over MQTT, or in the answer to its request).
 */
export type ControlSendOneWayInput = ControlSendInput & { oneWay: true };

/** A one-way command handed to its device. */
export interface ControlHandedOver {
  requestId: string;
  via: CommandVia;
  oneWay: true;
  latencyMs: number;
}

export interface ControlAnswer {
  requestId: string;
  /** The device's status (an HTTP status code: 2xx success). */
  status: number;
  /** The device's answer, base64. */
  payload: string;
  /** The answer as text when it is valid UTF-8. */
  text?: string;
  contentType?: string;
  latencyMs: number;
  via: CommandVia;
}

/** A command waiting for its device's answer. */
export interface ControlPendingInfo {
  requestId: string;
  thing: string;
  name: string;
  sentAt: number;
  /** When the command times out. */
  deadline: number;
  /** Absent while it waits for the device's next request. */
  via?: CommandVia;
  /** A one-way command waiting to be handed over. */
  oneWay?: true;
}

/** A device answered a command (event `control.answered`). */
export interface ControlAnswered {
  requestId: string;
  thing: string;
  name: string;
  status: number;
  latencyMs: number;
  via: CommandVia;
}
