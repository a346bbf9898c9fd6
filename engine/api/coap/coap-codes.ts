/** CoAP response codes (RFC 7252 §12.1.2, RFC 8516 for 4.29) and how the engine's errors map onto them at this edge. */
import { EngineError } from '../../core/index.js';

export const CoapCode = {
  Created: '2.01',
  Deleted: '2.02',
  Changed: '2.04',
  Content: '2.05',
  BadRequest: '4.00',
  Unauthorized: '4.01',
  BadOption: '4.02',
  Forbidden: '4.03',
  NotFound: '4.04',
  MethodNotAllowed: '4.05',
  RequestEntityIncomplete: '4.08',
  RequestEntityTooLarge: '4.13',
  UnsupportedContentFormat: '4.15',
  TooManyRequests: '4.29',
  InternalServerError: '5.00',
  NotImplemented: '5.01',
  ServiceUnavailable: '5.03',
  GatewayTimeout: '5.04',
  ProxyingNotSupported: '5.05',
} as const;
export type CoapCode = (typeof CoapCode)[keyof typeof CoapCode];

const byError: Record<string, CoapCode> = {
  InvalidInput: CoapCode.BadRequest,
  Unauthorized: CoapCode.Unauthorized,
  Forbidden: CoapCode.Forbidden,
  NotFound: CoapCode.NotFound,
  Conflict: '4.09' as CoapCode,
  TooLarge: CoapCode.RequestEntityTooLarge,
  Throttled: CoapCode.TooManyRequests,
  Unavailable: CoapCode.ServiceUnavailable,
};

/** The response code for an error thrown by a service; anything that is not an EngineError is a 5.00. */
export function coapCodeOf(e: unknown): CoapCode {
  return e instanceof EngineError ? byError[e.code] ?? CoapCode.InternalServerError : CoapCode.InternalServerError;
}

/** Content-Format numbers this edge names (RFC 7252 §12.3, RFC 7049 for CBOR). */
export const ContentFormat = { text: 0, octetStream: 42, json: 50, cbor: 60 } as const;

/** Options the server understands, by the name the packet parser gives them; others are judged by number (RFC 7252 §5.4.1). */
export const UNDERSTOOD_OPTIONS = new Set(['Uri-Host', 'ETag', 'Observe', 'Uri-Port', 'Uri-Path', 'Content-Format', 'Max-Age', 'Uri-Query', 'Accept', 'Block2', 'Block1', 'Size2', 'Size1']);

/** Numbers of the options the parser names that this server does not act on (the odd ones are critical). */
const OTHER_OPTIONS: Record<string, number> = {
  'If-Match': 1, 'If-None-Match': 5, 'Location-Path': 8, OSCORE: 9, 'Hop-Limit': 16, 'Q-Block1': 19, 'Location-Query': 20,
  'Q-Block2': 31, 'Proxy-Uri': 35, 'Proxy-Scheme': 39, 'No-Response': 258, 'OCF-Accept-Content-Format-Version': 2049, 'OCF-Content-Format-Version': 2053,
};

/**
 * The first option of a request the server must refuse: an unrecognized critical option (4.02 Bad Option) or a proxy
 * option (5.05 Proxying Not Supported: this is no proxy). Unrecognized elective options are ignored, as the RFC says.
 */
export function refusedOption(options: readonly { name: string | number }[]): { name: string; code: CoapCode } | undefined {
  for (const { name } of options) {
    if (typeof name === 'string' && UNDERSTOOD_OPTIONS.has(name)) continue;
    const number = typeof name === 'number' ? name : OTHER_OPTIONS[name] ?? Number(name);
    if (name === 'Proxy-Uri' || name === 'Proxy-Scheme') return { name, code: CoapCode.ProxyingNotSupported };
    if (Number.isInteger(number) && number % 2 === 1) return { name: String(name), code: CoapCode.BadOption };
  }
  return undefined;
}
