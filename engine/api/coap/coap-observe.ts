/**
 * Observations (RFC 7641): one per exchange (client address, port and token). Each ends when the client deregisters
 * (GET with Observe=1, or a RST to a notification), when a confirmable notification is never acknowledged, on an
 * error response, or when the engine stops; its subscriptions and its hold on the device session end with it.
 */
import { ObserveWriteStream } from 'coap';
import type { Disposable, Logger } from '../../core/index.js';

export class Observations {
  private readonly active = new Map<string, { res: ObserveWriteStream; end: () => void }>();

  constructor(private readonly logger: Logger) {}

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

  /** Writes one notification; one that cannot be sent (too large for a datagram) is skipped and logged. */
  notify(exchange: string, res: ObserveWriteStream, payload: Buffer): void {
    if (!this.active.has(exchange) || res.writableEnded) return;
    res.write(payload);
  }

  /**
   * Ends the observation with a non-2.xx notification (a deleted shadow's 4.04): RFC 7641 §3.2, it carries no Observe
   * option, and the client takes it as the end of the observation.
   */
  fail(exchange: string, res: ObserveWriteStream, code: string, payload: Buffer): void {
    if (!this.active.has(exchange) || res.writableEnded) return;
    res.statusCode = code;
    res._packet.options = (res._packet.options ?? []).filter((o) => o.name !== 'Observe');
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
