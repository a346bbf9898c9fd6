/**
 * HTTP/S deliveries of notification topics: a POST per message to loopback or configured hosts only, a bounded
 * timeout, retries with backoff, a cap on pending deliveries, no redirects followed.
 *
 * LIMITATIONS: retries live in memory (a restart drops deliveries still waiting; the inbox keeps every message);
 * a subscription's or topic's DeliveryPolicy is kept but the engine's own retry limits apply.
 */
import type { SinkContext } from './sink-context.js';

const loopback = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export class WebhookDelivery {
  private pending = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly aborts = new Set<AbortController>();
  private stopped = false;

  constructor(private readonly ctx: SinkContext) {}

  /** Whether the endpoint's host may be called (loopback or an allowed host). */
  allowed(endpoint: string): boolean {
    const host = new URL(endpoint).hostname;
    return loopback.has(host) || this.ctx.webhookHosts.includes(host);
  }

  /** POSTs `body` with `headers` to `endpoint`, retrying; failures end in a log line, never an exception. */
  post(topic: string, endpoint: string, headers: Record<string, string>, body: string, messageId: string): void {
    const url = new URL(endpoint);
    if (!this.allowed(endpoint)) {
      this.ctx.logger.log('warn', 'sinks.notify', `topic ${topic}: webhook ${url.host} is neither loopback nor an allowed host; not delivered`);
      return;
    }
    if (this.pending >= this.ctx.limits.webhookPending) {
      this.ctx.logger.log('warn', 'sinks.notify', `topic ${topic}: ${this.pending} webhook deliveries pending; message ${messageId} dropped for ${url.host}`);
      return;
    }
    const { attempts, backoffMs, timeoutMs } = this.ctx.limits.webhook;
    this.pending++;
    const attempt = async (n: number): Promise<void> => {
      if (this.stopped) return;
      const abort = new AbortController();
      this.aborts.add(abort);
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      let problem: string;
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: abort.signal, redirect: 'manual' });
        await res.body?.cancel();
        if (res.status >= 200 && res.status < 300) return;
        problem = `HTTP ${res.status}`;
      } catch (e) {
        problem = abort.signal.aborted ? `no answer in ${timeoutMs} ms` : (e as Error).message;
      } finally {
        clearTimeout(timer);
        this.aborts.delete(abort);
      }
      if (n >= attempts || this.stopped) {
        this.ctx.logger.log('warn', 'sinks.notify', `topic ${topic}: webhook ${endpoint} failed after ${n} attempt(s): ${problem}`, { messageId });
        return;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.timers.delete(t); resolve(); }, backoffMs * 2 ** (n - 1));
        this.timers.add(t);
      });
      return attempt(n + 1);
    };
    void attempt(1).finally(() => this.pending--);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const a of this.aborts) a.abort();
    this.timers.clear();
  }
}
