/** A CoAP request as the routes read it: decoded path segments, URI-Query parameters, the device's credentials. */
import type { IncomingMessage } from 'coap';

export interface CoapRequest {
  method: string;
  /** Uri-Path segments, each decoded as sent (`+` and `#` are plain characters of a segment). */
  path: string[];
  /** URI-Query parameters: `name=value`, or `name` alone (value ''). */
  query: Map<string, string>;
  payload: Buffer;
  /** The Content-Format's media type; one the package does not name, its number as text (`65000`). */
  contentFormat?: string;
  /** The Observe option: 0 registers, 1 deregisters (RFC 7641). */
  observe?: number;
  /** `address:port/token`: one observation's key (RFC 7641 §3.1). */
  exchange: string;
  address: string;
}

/** Reads the request, or the 4.00 reason (a repeated parameter). */
export function readRequest(req: IncomingMessage): CoapRequest | { invalid: string } {
  const path: string[] = [];
  const query = new Map<string, string>();
  for (const option of req._packet.options ?? []) {
    if (option.name === 'Uri-Path') path.push(String(option.value));
    else if (option.name === 'Uri-Query') {
      const text = String(option.value);
      const eq = text.indexOf('=');
      const name = eq < 0 ? text : text.slice(0, eq);
      if (query.has(name)) return { invalid: `URI-Query parameter ${name} is repeated` };
      query.set(name, eq < 0 ? '' : text.slice(eq + 1));
    }
  }
  if (path.length && path[path.length - 1] === '') path.pop(); // a trailing slash
  const observe = req.headers.Observe;
  const contentFormat = req.headers['Content-Format'];
  return {
    method: req.method, path, query, payload: req.payload ?? Buffer.alloc(0),
    ...(contentFormat !== undefined && contentFormat !== null ? { contentFormat: String(contentFormat) } : {}),
    ...(typeof observe === 'number' ? { observe } : {}),
    exchange: `${req.rsinfo.address}:${req.rsinfo.port}/${req._packet.token?.toString('hex') ?? ''}`,
    address: req.rsinfo.address,
  };
}
