/** Answers a request, whether the package gave an ordinary response or an Observe stream (RFC 7641). */
import { ObserveWriteStream, type OutgoingMessage } from 'coap';
import type { CoapCode } from './coap-codes.js';

export type CoapResponse = OutgoingMessage | ObserveWriteStream;

export interface ReplyOptions {
  /** Content-Format media type (`application/json`, …). */
  format?: string;
  /** Extra options (Location-Query, Size1, …), raw values. */
  options?: Record<string, Buffer[]>;
}

/**
 * Sends the final response. On an Observe stream a payload would register an observation, so a refusal there goes
 * without its diagnostic payload (RFC 7641 §4.1: an error response ends the observation).
 */
export function reply(res: CoapResponse, code: CoapCode, payload?: Buffer | string, opts: ReplyOptions = {}): void {
  if (opts.format) res.setOption('Content-Format', opts.format);
  for (const [name, values] of Object.entries(opts.options ?? {})) res.setOption(name as 'Size1', values);
  res.statusCode = code;
  if (res instanceof ObserveWriteStream) {
    res.end();
    return;
  }
  res.code = code;
  res.end(payload === undefined ? undefined : Buffer.from(payload));
}
