/**
 * Observations (RFC 7641): one per exchange (client address, port and token). Each ends when the client deregisters
 * (GET with Observe=1, or a RST to a notification), when a confirmable notification is never acknowledged, on an
 * error response, or when the engine stops; its subscriptions and its hold on the device session end with it.
 */
import { ObserveWriteStream } from 'coap';
import type { ParsedPacket } from 'coap-packet';
import type { Disposable, Logger } from '../../core/index.js';
import { MAX_BLOCK, requestedBlock, resourceKey } from './coap-block-options.js';
import type { BlockDownloads } from './coap-downloads.js';

/** Options of a block-wise notification, removed again before one that fits a block. */
const BLOCK_OPTIONS = new Set(['Block2', 'ETag', 'Size2']);

export class Observations {
  private readonly active = new Map<string, { res: ObserveWriteStream; end: () => void }>();

  constructor(private readonly logger: Logger, private readonly downloads: BlockDownloads) {}

  get size(): number {
    return this.active.size;
  }

  /** Tracks `res` until it ends, then disposes `resources`. A second registration on the same exchange replaces the first. */
  add(exchange: string, res: ObserveWriteStream, resources: Disposable[]): void {
    this.cancel(exchange);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (this.active.get(exchange)?.res === res) this.active.delete(exchange);
      for (const r of resources) r.dispose();
    };
    this.active.set(exchange, { res, end });
    res.once('finish', end);
    res.once('close', end);
  }

  /**
   * Writes one notification. One larger than a block (the size the registration asked for with Block2, else 1024)
   * goes out as its first block with Block2, ETag and Size2; the client GETs the others (RFC 7959 §3.4).
   */
  notify(exchange: string, res: ObserveWriteStream, payload: Buffer): void {
    if (!this.active.has(exchange) || res.writableEnded) return;
    const options = (res._packet.options ?? []).filter((o) => !BLOCK_OPTIONS.has(o.name as string));
    res._packet.options = options;
    const request = res._request as ParsedPacket;
    const size = requestedBlock(request)?.size ?? MAX_BLOCK;
    if (payload.length <= size) return void res.write(payload);
    const endpoint = exchange.slice(0, exchange.lastIndexOf('/'));
    const format = options.filter((o) => o.name === 'Content-Format') as { name: string; value: Buffer }[];
    const first = this.downloads.start(resourceKey(request, endpoint), payload, size, format);
    res._packet.options = [...options, ...first.options.filter((o) => o.name !== 'Content-Format')];
    this.logger.log('debug', 'coap', `a notification of ${payload.length} bytes to ${endpoint} goes block-wise (${size}-byte blocks)`);
    res.write(first.payload);
  }

  /**
   * Ends the observation with a non-2.xx notification (a deleted shadow's 4.04): RFC 7641 §3.2, it carries no Observe
   * option, and the client takes it as the end of the observation.
   */
  fail(exchange: string, res: ObserveWriteStream, code: string, payload: Buffer): void {
    if (!this.active.has(exchange) || res.writableEnded) return;
    res.statusCode = code;
    res._packet.options = (res._packet.options ?? []).filter((o) => o.name !== 'Observe' && !BLOCK_OPTIONS.has(o.name as string));
    res._doSend(payload);
    this.cancel(exchange);
  }

  /** Ends the observation of an exchange (deregistration). */
  cancel(exchange: string): void {
    const o = this.active.get(exchange);
    if (!o) return;
    o.end();
    o.res.end();
  }

  stopAll(): void {
    for (const exchange of [...this.active.keys()]) this.cancel(exchange);
  }
}
