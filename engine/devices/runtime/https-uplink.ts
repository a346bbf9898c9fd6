import https from 'node:https';
import { HONO, commandResponsePath, topicPath, type Uplink, type UplinkPublish, type UplinkReply } from './uplink.js';

const THING_HEADER = 'x-amzn-iot-thingname';

export interface HttpsUplinkOptions {
  /** https://host:port */
  url: string;
  /** The device's certificate and key, and the CA that signed the engine's server certificate (PEM). */
  tls: { cert?: string; key?: string; ca?: string; servername?: string };
  /** A request with no response in this time fails (default 10 s; a ttd wait is added). */
  timeoutMs?: number;
  /** The thing the device is: sent as `x-amzn-iot-thingname`, so a certificate several things share acts for this one. */
  thingName?: string;
}

/**
 * An HTTPS device's uplink, as AWS IoT has it: `POST /topics/{topic}?qos=N` over mutual TLS with one kept-alive
 * connection; `hono-ttd` as a header, a command in the response's `hono-command` / `hono-cmd-req-id` headers and body.
 * Every request names the device's thing in `x-amzn-iot-thingname` (AWS IoT's credentials provider's header), which
 * the engine needs when the certificate is attached to several things.
 */
export class HttpsUplink implements Uplink {
  private readonly agent: https.Agent;
  private readonly base: URL;

  constructor(private readonly opts: HttpsUplinkOptions) {
    this.base = new URL(opts.url);
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 4, ...opts.tls });
  }

  publish(m: UplinkPublish): Promise<UplinkReply> {
    const query = `?qos=${m.qos}${m.retain ? '&retain=true' : ''}`;
    const headers: Record<string, string> = m.ttdSec !== undefined ? { [HONO.ttd]: String(m.ttdSec) } : {};
    return this.request(topicPath(m.topic, true) + query, headers, m.payload, (m.ttdSec ?? 0) * 1000);
  }

  respond(requestId: string, status: number, payload: Buffer): Promise<UplinkReply> {
    return this.request(commandResponsePath(requestId, true), { [HONO.status]: String(status) }, payload, 0);
  }

  close(): void {
    this.agent.destroy();
  }

  private request(path: string, headers: Record<string, string>, payload: Buffer, waitMs: number): Promise<UplinkReply> {
    return new Promise((resolve, reject) => {
      const req = https.request({
        hostname: this.base.hostname.replace(/^\[|\]$/g, ''), port: this.base.port || 8443, path, method: 'POST', agent: this.agent,
        headers: {
          'content-type': 'application/json', 'content-length': String(payload.length),
          ...(this.opts.thingName !== undefined ? { [THING_HEADER]: this.opts.thingName } : {}), ...headers,
        },
        timeout: (this.opts.timeoutMs ?? 10_000) + waitMs,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const name = res.headers[HONO.command], requestId = res.headers[HONO.requestId];
          resolve({
            ok: status >= 200 && status < 300, code: String(status),
            ...(typeof name === 'string' && typeof requestId === 'string' ? { command: { name, requestId, payload: Buffer.concat(chunks) } } : {}),
          });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no HTTPS response in ${Math.round(((this.opts.timeoutMs ?? 10_000) + waitMs) / 1000)} s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
