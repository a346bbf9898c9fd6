/**
 * SNS-like local notification topics. Every message lands in the topic's inbox (kept, readable through the
 * contract), then goes to each subscription: an MQTT topic (published by the engine), an HTTP(S) webhook
 * (POST of AWS's notification JSON, bounded timeout, retries with backoff, loopback or configured hosts only) or the
 * desktop (a `notified` event the UI shows as a desktop notification, at most `desktopPerSecond`).
 *
 * LIMITATIONS: no subscription confirmation, filter policies, signatures or email/SMS;
 * webhook retries live in memory (a restart drops deliveries still waiting; the inbox keeps every message).
 */
import crypto from 'node:crypto';
import type { SinkNotified, SinkRecord, SinkRecordQuery } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import { arnOf } from './sink-options.js';
import type { SinkContext } from './sink-context.js';

export interface PublishOptions {
  subject?: string;
  /** `json`: the message is `{"default": …, "http": …, "mqtt": …}` with a message per protocol (SNS MessageStructure). */
  messageStructure?: 'json';
  traceId?: string | null;
}

type Subscription = { protocol: 'mqtt' | 'http' | 'https'; endpoint: string } | { protocol: 'desktop' };

const loopback = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export class NotifySink {
  private pending = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly aborts = new Set<AbortController>();
  private stopped = false;
  private desktopWindow = { second: -1, shown: 0 };

  constructor(private readonly ctx: SinkContext) {}

  /** Publish: kept in the inbox once durable, then fanned out to the subscriptions. Resolves with the message id. */
  async publish(topic: string, message: string, opts: PublishOptions = {}): Promise<{ messageId: string }> {
    const target = this.ctx.target('notify', topic);
    let perProtocol: Record<string, unknown> | undefined;
    if (opts.messageStructure === 'json') {
      try {
        perProtocol = JSON.parse(message) as Record<string, unknown>;
      } catch {
        perProtocol = undefined;
      }
      if (!perProtocol || typeof perProtocol !== 'object' || typeof perProtocol.default !== 'string') {
        throw new EngineError('InvalidInput', 'with the JSON message format the message must be a JSON object with a "default" string');
      }
    }
    const now = this.ctx.clock.now();
    const messageId = crypto.randomUUID();
    const traceId = opts.traceId ?? null;
    const { id, statements } = this.ctx.log.append('notify', topic, now, traceId, {
      messageId, message, ...(opts.subject === undefined ? {} : { subject: opts.subject }), ...(perProtocol ? { messageStructure: 'json' } : {}),
    });
    await this.ctx.store.write(statements);
    this.ctx.recorded('notify', topic, id, traceId, now);
    const textFor = (protocol: string) => (perProtocol ? String(perProtocol[protocol] ?? perProtocol.default) : message);
    for (const sub of target.options.subscriptions as unknown as Subscription[]) {
      if (sub.protocol === 'mqtt') this.toMqtt(topic, sub.endpoint, textFor('mqtt'));
      else if (sub.protocol === 'desktop') this.toDesktop({ topic, topicArn: arnOf('notify', topic), messageId, subject: opts.subject ?? null, message: textFor('desktop'), time: now, traceId });
      else this.toWebhook(topic, sub, { messageId, message: textFor(sub.protocol), subject: opts.subject, time: now });
    }
    return { messageId };
  }

  records(topic: string, q?: SinkRecordQuery): SinkRecord[] {
    return this.ctx.log.records('notify', topic, q);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const a of this.aborts) a.abort();
    this.timers.clear();
  }

  private toMqtt(topic: string, mqttTopic: string, message: string): void {
    if (!this.ctx.publish) return;
    this.ctx.publish({ topic: mqttTopic, payload: Buffer.from(message), qos: 0, retain: false })
      .catch((e: Error) => this.ctx.logger.log('warn', 'sinks.notify', `topic ${topic}: publishing to ${mqttTopic} failed: ${e.message}`));
  }

  private toDesktop(n: SinkNotified): void {
    const second = Math.floor(n.time / 1000);
    if (second !== this.desktopWindow.second) this.desktopWindow = { second, shown: 0 };
    if (this.desktopWindow.shown >= this.ctx.limits.desktopPerSecond) {
      if (this.desktopWindow.shown++ === this.ctx.limits.desktopPerSecond) {
        this.ctx.logger.log('warn', 'sinks.notify', `more than ${this.ctx.limits.desktopPerSecond} desktop notifications this second; the rest are in the inboxes only`);
      }
      return;
    }
    this.desktopWindow.shown++;
    this.ctx.notified(n);
  }

  private toWebhook(topic: string, sub: { endpoint: string; protocol: string }, m: { messageId: string; message: string; subject?: string; time: number }): void {
    const url = new URL(sub.endpoint);
    if (!loopback.has(url.hostname) && !this.ctx.webhookHosts.includes(url.hostname)) {
      this.ctx.logger.log('warn', 'sinks.notify', `topic ${topic}: webhook ${url.host} is neither loopback nor an allowed host; not delivered`);
      return;
    }
    if (this.pending >= this.ctx.limits.webhookPending) {
      this.ctx.logger.log('warn', 'sinks.notify', `topic ${topic}: ${this.pending} webhook deliveries pending; message ${m.messageId} dropped for ${url.host}`);
      return;
    }
    const body = JSON.stringify({
      Type: 'Notification', MessageId: m.messageId, TopicArn: arnOf('notify', topic), ...(m.subject === undefined ? {} : { Subject: m.subject }),
      Message: m.message, Timestamp: new Date(m.time).toISOString(), SignatureVersion: '1',
    });
    const headers = { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': m.messageId, 'x-amz-sns-topic-arn': arnOf('notify', topic) };
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
        this.ctx.logger.log('warn', 'sinks.notify', `topic ${topic}: webhook ${sub.endpoint} failed after ${n} attempt(s): ${problem}`, { messageId: m.messageId });
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
}
