import coap, { type Agent, type IncomingMessage } from 'coap';
import { HONO, commandResponsePath, topicPath, type Uplink, type UplinkPublish, type UplinkReply } from './uplink.js';

export interface CoapUplinkOptions {
  /** coap://host:port */
  url: string;
  thingName: string;
  /** The thing's device token (the registry's pre-shared credential). */
  token: string;
  /** Confirmable requests (default true); false sends them non-confirmable. */
  confirmable?: boolean;
  /** A request with no response in this time fails (default 10 s; a ttd wait is added). */
  timeoutMs?: number;
}

/**
 * A CoAP device's uplink (the `coap` package's client, its own UDP socket): `POST /topics/{topic}` with the thing and
 * its token as URI-Query options; a command comes back in Location-Query options `hono-command=…`, `hono-cmd-req-id=…`.
 */
export class CoapUplink implements Uplink {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(private readonly opts: CoapUplinkOptions) {
    const u = new URL(opts.url);
    this.host = u.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(u.port || 5683);
    this.agent = new coap.Agent({ type: this.host.includes(':') ? 'udp6' : 'udp4' });
  }

  publish(m: UplinkPublish): Promise<UplinkReply> {
    const query = [`qos=${m.qos}`, ...(m.retain ? ['retain=true'] : []), ...(m.ttdSec !== undefined ? [`${HONO.ttd}=${m.ttdSec}`] : [])];
    return this.request(topicPath(m.topic, false), query, m.payload, (m.ttdSec ?? 0) * 1000);
  }

  respond(requestId: string, status: number, payload: Buffer): Promise<UplinkReply> {
    return this.request(commandResponsePath(requestId, false), [`${HONO.status}=${status}`], payload, 0);
  }

  close(): void {
    this.agent.close();
  }

  private request(pathname: string, query: string[], payload: Buffer, waitMs: number): Promise<UplinkReply> {
    const { thingName, token } = this.opts;
    return new Promise((resolve, reject) => {
      const req = coap.request({
        hostname: this.host, port: this.port, method: 'POST', pathname, agent: this.agent,
        query: [`thing=${thingName}`, `token=${token}`, ...query].join('&'),
        confirmable: this.opts.confirmable ?? true, contentFormat: 'application/json',
      });
      const timer = setTimeout(() => {
        req.removeAllListeners('response');
        reject(new Error(`no CoAP response in ${Math.round(((this.opts.timeoutMs ?? 10_000) + waitMs) / 1000)} s`));
      }, (this.opts.timeoutMs ?? 10_000) + waitMs);
      req.on('response', (res: IncomingMessage) => {
        clearTimeout(timer);
        resolve(reply(res));
      });
      req.on('error', (e: Error) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(payload);
    });
  }
}

function reply(res: IncomingMessage): UplinkReply {
  const code = String(res.code);
  const location = new Map<string, string>();
  for (const o of (res as unknown as { options?: Array<{ name: unknown; value: unknown }> }).options ?? []) {
    if (o.name !== 'Location-Query') continue;
    const text = Buffer.isBuffer(o.value) ? o.value.toString('utf8') : String(o.value);
    const eq = text.indexOf('=');
    if (eq > 0) location.set(text.slice(0, eq), text.slice(eq + 1));
  }
  const name = location.get(HONO.command), requestId = location.get(HONO.requestId);
  return {
    ok: code.startsWith('2.'), code,
    ...(name !== undefined && requestId !== undefined ? { command: { name, requestId, payload: Buffer.from(res.payload ?? []) } } : {}),
  };
}
