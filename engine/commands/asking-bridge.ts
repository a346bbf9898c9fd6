/**
 * AWS IoT Commands for things that only ask: a thing with no MQTT connection that polls over HTTPS or CoAP with a
 * `hono-ttd` gets a command execution's request in the answer to its next request (through the engine's command &
 * control), and its answer completes the execution: a 2xx status SUCCEEDED, a 4xx REJECTED (the device refused the
 * request, one of the terminal statuses AWS lets a device report), any other FAILED, with the status as the reason
 * code (`STATUS_404`) and the answer's payload as the result `payload` (text as S, otherwise BIN).
 */
import type { DeviceUpdate } from './device-response.js';

/** A command for an asking device, as the commands service hands it over. */
export interface AskingCommand {
  name: string;
  payload: Buffer;
  contentType?: string;
  timeoutMs: number;
}

/**
 * The port to command & control: resolves with the device's answer, rejects when none comes in time; undefined when
 * the thing is connected over MQTT (it gets the request on its `$aws/commands/…` topic instead).
 */
export type AskingDevicesPort = (thing: string, command: AskingCommand) => Promise<{ status: number; payload: Buffer }> | undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The execution update an asking device's answer stands for. */
export function updateOfAnswer(status: number, payload: Buffer): DeviceUpdate {
  let text: string | undefined;
  try {
    text = utf8.decode(payload);
  } catch {
    text = undefined;
  }
  return {
    status: status >= 200 && status < 300 ? 'SUCCEEDED' : status >= 400 && status < 500 ? 'REJECTED' : 'FAILED',
    statusReason: { reasonCode: `STATUS_${status}`, reasonDescription: `The device answered with status ${status}` },
    ...(payload.length ? { result: { payload: text !== undefined ? { S: text } : { BIN: payload.toString('base64') } } } : {}),
  };
}
