/**
 * SNS-like local notification topics. Every message lands in the topic's inbox (kept, readable through the
 * contract), then goes to each confirmed subscription whose filter policy it passes:
 * - `sqs`: into the local queue, as SNS's JSON notification (or the bare message with `RawMessageDelivery`);
 * - `lambda`: the SNS event, through the local function runner;
 * - `http`/`https`: a POST of the JSON notification with SNS's headers (loopback or configured hosts only;
 *   a subscription waits for ConfirmSubscription after a SubscriptionConfirmation POST);
 * - `email`, `email-json`, `sms`, `application`, `firehose`: a delivery record in the topic's inbox (the UI shows it);
 * - Thingbench's `mqtt` (publish to an MQTT topic) and `desktop` (a `notified` event, at most `desktopPerSecond`).
 *
 * LIMITATIONS: nothing leaves the machine but HTTP/S to allowed hosts (no email, SMS or push); email subscriptions
 * are confirmed at once (AWS mails a confirmation link); FIFO topics check MessageGroupId and deduplicate for 5
 * minutes but deliver like standard topics; a RedrivePolicy's dead-letter queue receives the notifications SQS and
 * Lambda deliveries could not take; signatures use a local key (see notify-envelope.ts); no SMS or mobile push APIs.
 */
import crypto from 'node:crypto';
import type { SinkNotified, SinkRecord, SinkRecordQuery } from '../contract/index.js';
import { EngineError } from '../core/index.js';
import { invalid } from './notify-attributes.js';
import { confirmationEnvelope, deliveryHeaders, lambdaEvent, notificationEnvelope, type EnvelopeMessage, type EnvelopeUrls } from './notify-envelope.js';
import { matchesFilter, type NotifyAttribute } from './notify-filter.js';
import { NotifyTopics, topicArnOf, type NotifyTargets, type Subscription } from './notify-topics.js';
import { WebhookDelivery } from './notify-webhook.js';
import type { SinkContext, Target } from './sink-context.js';

export interface PublishOptions {
  subject?: string;
  /** `json`: the message is `{"default": …, "sqs": …, "mqtt": …}` with a message per protocol (SNS MessageStructure). */
  messageStructure?: 'json';
  traceId?: string | null;
  attributes?: Record<string, NotifyAttribute>;
  /** FIFO topics. */
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

/** What delivery to a local queue needs: the queue sink's send. */
export interface QueuePort {
  send(queue: string, body: string, opts: { attributes?: Record<string, NotifyAttribute>; traceId?: string | null; messageGroupId?: string; messageDeduplicationId?: string }): Promise<unknown>;
}

const MAX_BYTES = 262_144;
const DEDUP_MS = 5 * 60_000;
const inboxProtocols = new Set(['email', 'email-json', 'sms', 'application', 'firehose']);
const dataTypes = /^(String|Number|Binary|String\.Array)(\.[A-Za-z0-9_.-]+)?$/;

export class NotifySink {
  readonly topics: NotifyTopics;
  private readonly webhooks: WebhookDelivery;
  private readonly dedup = new Map<string, { messageId: string; until: number }>();
  private desktopWindow = { second: -1, shown: 0 };

  constructor(private readonly ctx: SinkContext, targets: NotifyTargets, private readonly queues: QueuePort, private readonly urls: () => EnvelopeUrls) {
    this.topics = new NotifyTopics(ctx, targets);
    this.webhooks = new WebhookDelivery(ctx);
  }

  /** Publish to a topic by name: kept in the inbox once durable, then fanned out. Resolves with the message id. */
  async publish(topic: string, message: string, opts: PublishOptions = {}): Promise<{ messageId: string; sequenceNumber?: string }> {
    const target = this.ctx.target('notify', topic);
    const attributes = opts.attributes ?? {};
    checkMessage(message, opts, attributes);
    const perProtocol = opts.messageStructure === 'json' ? parseStructure(message) : undefined;
    const fifo = this.topics.isFifo(target);
    const now = this.ctx.clock.now();
    const dedupKey = fifo ? this.dedupKey(target, message, opts) : undefined;
    const seen = dedupKey === undefined ? undefined : this.dedup.get(dedupKey);
    if (seen && seen.until > now) return { messageId: seen.messageId };
    const messageId = crypto.randomUUID();
    const sequenceNumber = fifo ? await this.topics.nextSequence(target) : undefined;
    if (dedupKey !== undefined) this.rememberDedup(dedupKey, messageId, now);
    const traceId = opts.traceId ?? null;
    const { id, statements } = this.ctx.log.append('notify', topic, now, traceId, {
      messageId, message, ...(opts.subject === undefined ? {} : { subject: opts.subject }), ...(perProtocol ? { messageStructure: 'json' } : {}),
      ...(Object.keys(attributes).length ? { messageAttributes: attributes } : {}),
    });
    await this.ctx.store.write(statements);
    this.ctx.recorded('notify', topic, id, traceId, now);
    const m: EnvelopeMessage = { messageId, topicArn: topicArnOf(topic), message, time: now, attributes, ...(opts.subject === undefined ? {} : { subject: opts.subject }), ...(sequenceNumber ? { sequenceNumber } : {}) };
    for (const d of this.topics.deliveries(target)) {
      if (!matchesFilter(d.policy, d.scope, message, attributes)) continue;
      const text = perProtocol ? String(perProtocol[d.sub.protocol] ?? perProtocol.default) : message;
      await this.deliver(target, d.sub, d.arn, { ...m, message: text }, { traceId, opts });
    }
    return { messageId, ...(sequenceNumber ? { sequenceNumber } : {}) };
  }

  /** Subscribe through the SNS API: an http/https endpoint gets the SubscriptionConfirmation at once. */
  async subscribe(topicArn: string, protocol: string, endpoint: string | undefined, attributes: Record<string, string> = {}): Promise<{ subscriptionArn: string; pending: boolean }> {
    const { subscription, arn } = await this.topics.subscribe(topicArn, protocol, endpoint, attributes);
    if (subscription.token) {
      const messageId = crypto.randomUUID();
      const name = this.topics.topicName(topicArn);
      const body = await confirmationEnvelope({ messageId, topicArn: topicArnOf(name), token: subscription.token, time: this.ctx.clock.now() }, this.urls());
      this.webhooks.post(name, subscription.endpoint, deliveryHeaders('SubscriptionConfirmation', messageId, topicArnOf(name)), JSON.stringify(body), messageId);
    }
    return { subscriptionArn: arn, pending: subscription.token !== undefined };
  }

  records(topic: string, q?: SinkRecordQuery): SinkRecord[] {
    return this.ctx.log.records('notify', topic, q);
  }

  stop(): void {
    this.webhooks.stop();
  }

  private async deliver(target: Target, sub: Subscription, arn: string, m: EnvelopeMessage, x: { traceId: string | null; opts: PublishOptions }): Promise<void> {
    const topic = target.name;
    const raw = sub.attributes.RawMessageDelivery === 'true';
    const envelope = async () => JSON.stringify(await notificationEnvelope(m, arn, this.urls()));
    const failed = (why: string) => this.redrive(topic, sub, arn, m, why);
    switch (sub.protocol) {
      case 'sqs': {
        const queue = sub.endpoint.slice(sub.endpoint.lastIndexOf(':') + 1);
        const fifo = { ...(x.opts.messageGroupId ? { messageGroupId: x.opts.messageGroupId } : {}), ...(queue.endsWith('.fifo') ? { messageDeduplicationId: m.messageId } : {}) };
        await this.queues.send(queue, raw ? m.message : await envelope(), { traceId: x.traceId, ...(raw && Object.keys(m.attributes).length ? { attributes: m.attributes } : {}), ...fifo })
          .catch((e: Error) => failed(`queue ${queue}: ${e.message}`));
        return;
      }
      case 'lambda': {
        const name = /:function:([^:]+)/.exec(sub.endpoint)?.[1] ?? sub.endpoint;
        const runner = this.ctx.functions;
        if (!runner) return failed(`function ${name}: no function runner`);
        const event = await lambdaEvent(m, arn, this.urls());
        void runner.invoke(name, event).catch((e: Error) => failed(`function ${name}: ${e.message}`));
        return;
      }
      case 'http': case 'https':
        this.webhooks.post(topic, sub.endpoint, deliveryHeaders('Notification', m.messageId, m.topicArn, arn, raw), raw ? m.message : await envelope(), m.messageId);
        return;
      case 'mqtt':
        this.ctx.publish?.({ topic: sub.endpoint, payload: Buffer.from(m.message), qos: 0, retain: false })
          .catch((e: Error) => this.ctx.logger.log('warn', 'sinks.notify', `topic ${topic}: publishing to ${sub.endpoint} failed: ${e.message}`));
        return;
      case 'desktop':
        this.toDesktop({ topic, topicArn: m.topicArn, messageId: m.messageId, subject: m.subject ?? null, message: m.message, time: m.time, traceId: x.traceId });
        return;
      default:
        if (inboxProtocols.has(sub.protocol)) await this.toInbox(topic, sub, arn, sub.protocol === 'email-json' ? await envelope() : m.message, m, x.traceId);
    }
  }

  /** Email, SMS, push and Firehose deliveries stay on the machine: a delivery record in the topic's inbox. */
  private async toInbox(topic: string, sub: Subscription, arn: string, text: string, m: EnvelopeMessage, traceId: string | null): Promise<void> {
    const now = this.ctx.clock.now();
    const { id, statements } = this.ctx.log.append('notify', topic, now, traceId, {
      messageId: m.messageId, message: text, ...(m.subject === undefined ? {} : { subject: m.subject }),
      delivery: { protocol: sub.protocol, endpoint: sub.endpoint, subscriptionArn: arn },
    });
    await this.ctx.store.write(statements);
    this.ctx.recorded('notify', topic, id, traceId, now);
  }

  /** A delivery that failed goes to the subscription's dead-letter queue when it has one, else to the log. */
  private redrive(topic: string, sub: Subscription, arn: string, m: EnvelopeMessage, why: string): void {
    this.ctx.logger.log('warn', 'sinks.notify', `topic ${topic}: delivery to ${sub.protocol} ${sub.endpoint} failed: ${why}`, { messageId: m.messageId });
    const policy = sub.attributes.RedrivePolicy;
    if (!policy) return;
    const dlqArn = (JSON.parse(policy) as { deadLetterTargetArn: string }).deadLetterTargetArn;
    const dlq = dlqArn.slice(dlqArn.lastIndexOf(':') + 1);
    void notificationEnvelope(m, arn, this.urls())
      .then((n) => this.queues.send(dlq, JSON.stringify(n), { attributes: { ErrorCode: { DataType: 'String', StringValue: 'DeliveryFailed' } } }))
      .catch((e: Error) => this.ctx.logger.log('warn', 'sinks.notify', `topic ${topic}: dead-letter queue ${dlq} refused message ${m.messageId}: ${e.message}`));
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

  private dedupKey(target: Target, message: string, opts: PublishOptions): string {
    if (!opts.messageGroupId) throw invalid('The MessageGroupId parameter is required for FIFO topics');
    const attrs = this.topics.topicAttributes(topicArnOf(target.name));
    const id = opts.messageDeduplicationId ?? (attrs.ContentBasedDeduplication === 'true' ? crypto.createHash('sha256').update(message).digest('hex') : undefined);
    if (id === undefined) throw invalid('The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    return `${target.name}\0${id}`;
  }

  private rememberDedup(key: string, messageId: string, now: number): void {
    for (const [k, v] of this.dedup) if (v.until <= now) this.dedup.delete(k);
    this.dedup.set(key, { messageId, until: now + DEDUP_MS });
  }
}

/** SNS's checks of a message: not empty, at most 256 KiB with its attributes, a one-line subject, typed attributes. */
function checkMessage(message: string, opts: PublishOptions, attributes: Record<string, NotifyAttribute>): void {
  if (message.length === 0) throw invalid('Empty message');
  if (opts.subject !== undefined && (opts.subject === '' || opts.subject.length > 100 || /[\r\n]/.test(opts.subject))) throw invalid('Subject');
  let size = Buffer.byteLength(message);
  for (const [name, a] of Object.entries(attributes)) {
    if (!dataTypes.test(a.DataType ?? '')) throw attributeError(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    if (a.DataType.startsWith('Binary') ? a.BinaryValue === undefined : a.StringValue === undefined) throw attributeError(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${a.DataType}'.`);
    if (a.DataType.startsWith('Number') && !Number.isFinite(Number(a.StringValue))) throw attributeError(`The message attribute '${name}' with type 'Number' must contain a numeric value.`);
    if (a.DataType === 'String.Array' && !isJsonArray(a.StringValue ?? '')) throw attributeError(`The message attribute '${name}' with type 'String.Array' must contain a JSON array.`);
    size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue ?? a.BinaryValue ?? '');
  }
  if (size > MAX_BYTES) throw new EngineError('TooLarge', 'Invalid parameter: Message too long', { reason: 'InvalidParameter' });
}

const attributeError = (message: string) => new EngineError('InvalidInput', message, { reason: 'ParameterValueInvalid' });

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

/** MessageStructure=json: a JSON object with a `default` string; AWS's messages otherwise. */
function parseStructure(message: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(message);
  } catch {
    throw invalid('Message Structure - JSON message body failed to parse');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as Record<string, unknown>).default !== 'string') {
    throw invalid('Message Structure - No default entry in JSON message body');
  }
  return v as Record<string, unknown>;
}
