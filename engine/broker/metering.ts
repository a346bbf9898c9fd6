import type { ClientUsage, TopicUsage, UsageReport } from '../contract/index.js';
import type { Properties } from './mqtt5/properties.js';

/** AWS meters messages in 5 KB increments: https://aws.amazon.com/iot-core/pricing/ */
export const BILLING_INCREMENT = 5 * 1024;

interface Meter extends ClientUsage {
  connectedSince: number | null;
  connectedMs: number;
}

/** Topics counted one by one; the messages of any more are counted together under OTHER_TOPICS. */
export const MAX_METERED_TOPICS = 100_000;
export const OTHER_TOPICS = '(other topics)';

/** Usage per client and per topic, counted the way AWS bills it. */
export class Metering {
  private readonly meters = new Map<string, Meter>();
  private readonly topicMeters = new Map<string, TopicUsage>();
  private inTotal = 0;
  private readonly since: number;

  constructor(private readonly now: () => number) {
    this.since = now();
  }

  connected(clientId: string): void {
    this.meter(clientId).connectedSince = this.now();
  }

  disconnected(clientId: string): void {
    const m = this.meters.get(clientId);
    if (m?.connectedSince != null) {
      m.connectedMs += this.now() - m.connectedSince;
      m.connectedSince = null;
    }
  }

  /** Publishes received from clients since the start (cheap: the pipeline diagram reads it 4 times a second). */
  get messagesIn(): number {
    return this.inTotal;
  }

  inbound(clientId: string, topic: string, bytes: number): void {
    const m = this.meter(clientId);
    const n = billed(bytes);
    this.inTotal++;
    m.messagesIn++;
    m.bytesIn += bytes;
    m.billedMessages += n;
    const t = this.topicMeter(topic);
    t.messagesIn++;
    t.billedMessages += n;
  }

  outbound(clientId: string, topic: string, bytes: number): void {
    const m = this.meter(clientId);
    const n = billed(bytes);
    m.messagesOut++;
    m.bytesOut += bytes;
    m.billedMessages += n;
    const t = this.topicMeter(topic);
    t.messagesOut++;
    t.billedMessages += n;
  }

  report(): UsageReport {
    const now = this.now();
    const clients = [...this.meters.values()].map((m) => ({
      clientId: m.clientId,
      messagesIn: m.messagesIn,
      messagesOut: m.messagesOut,
      billedMessages: m.billedMessages,
      bytesIn: m.bytesIn,
      bytesOut: m.bytesOut,
      connectionMinutes: (m.connectedMs + (m.connectedSince != null ? now - m.connectedSince : 0)) / 60_000,
    }));
    const totals = { messagesIn: 0, messagesOut: 0, billedMessages: 0, bytesIn: 0, bytesOut: 0, connectionMinutes: 0 };
    for (const c of clients) for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += c[k];
    return { since: this.since, totals, clients, topics: [...this.topicMeters.values()].map((t) => ({ ...t })) };
  }

  private topicMeter(topic: string): TopicUsage {
    let t = this.topicMeters.get(topic);
    if (!t && this.topicMeters.size >= MAX_METERED_TOPICS) {
      topic = OTHER_TOPICS;
      t = this.topicMeters.get(topic);
    }
    if (!t) {
      t = { topic, messagesIn: 0, messagesOut: 0, billedMessages: 0 };
      this.topicMeters.set(topic, t);
    }
    return t;
  }

  private meter(clientId: string): Meter {
    let m = this.meters.get(clientId);
    if (!m) {
      m = { clientId, messagesIn: 0, messagesOut: 0, billedMessages: 0, bytesIn: 0, bytesOut: 0, connectionMinutes: 0, connectedSince: null, connectedMs: 0 };
      this.meters.set(clientId, m);
    }
    return m;
  }
}

/** A message of n bytes is billed as ceil(n / 5 KB) messages, at least one. */
export function billed(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / BILLING_INCREMENT));
}

/**
 * The bytes AWS meters for a PUBLISH's payload: with MQTT 5, "the size of the user properties, response topic,
 * correlation data, and content type are also included in the payload size metered" (AWS IoT Core pricing, additional
 * metering details: https://aws.amazon.com/iot-core/pricing/additional-details/). User properties count their names and
 * values in UTF-8; the payload format indicator and expiry interval are not listed and do not count.
 */
export function meteredBytes(payloadBytes: number, properties?: Properties): number {
  return properties ? payloadBytes + meteredPropertyBytes(properties) : payloadBytes;
}

// One message's properties are metered for its publisher and again for each MQTT 5 subscriber, one after another:
// the last count is the one to reuse.
let lastProperties: Properties | undefined;
let lastCount = 0;

function meteredPropertyBytes(properties: Properties): number {
  if (properties === lastProperties) return lastCount;
  let n = 0;
  if (properties.userProperties) for (const [k, v] of properties.userProperties) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (properties.responseTopic !== undefined) n += Buffer.byteLength(properties.responseTopic);
  if (properties.correlationData !== undefined) n += properties.correlationData.length;
  if (properties.contentType !== undefined) n += Buffer.byteLength(properties.contentType);
  lastProperties = properties;
  lastCount = n;
  return n;
}
