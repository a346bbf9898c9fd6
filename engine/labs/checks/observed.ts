/**
 * The messages a lab's message and event checks look at. On a target that runs in this process (`Target.api`) they
 * come from the engine's capture since the lab started, which keeps each publisher's client id, so a one-shot check
 * sees what happened before it ran. Elsewhere the lab's observer MQTT connection subscribes to every filter the
 * lab's checks read, from `lab start` (or the start of a watch), and keeps what arrives.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { topicMatches } from '../../contract/index.js';
import { EngineError } from '../../core/index.js';
import { mqttLogin, type Target } from '../../scenarios/index.js';

export interface ObservedMessage {
  topic: string;
  payload: Buffer;
  /** The publisher's client id, when the target keeps it (the local capture); null for the engine's own messages. */
  clientId?: string | null;
  /** Epoch ms. */
  time: number;
}

const KEPT = 2000;
const CAPTURE_LIMIT = 10_000;

/** The engine's capture: everything on `filter` since `since`, oldest first. */
export async function capturedMessages(target: Target, filter: string, since: number): Promise<ObservedMessage[]> {
  if (!target.api) throw new EngineError('InvalidInput', `the target '${target.name}' has no message capture`);
  const records = await target.api.broker.messages({ filter, from: since, limit: CAPTURE_LIMIT });
  return records.reverse().map((r) => ({ topic: r.topic, payload: Buffer.from(r.payload, 'base64'), clientId: r.clientId, time: r.time }));
}

/** One MQTT connection that subscribes to the lab's filters and keeps the last messages. */
export class Observer {
  private readonly kept: ObservedMessage[] = [];
  private readonly filters = new Set<string>();
  /** Called on every message (a watch re-checks). */
  onMessage?: (m: ObservedMessage) => void;

  private constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      const m = { topic, payload: Buffer.from(payload), time: Date.now() };
      this.kept.push(m);
      if (this.kept.length > KEPT) this.kept.splice(0, this.kept.length - KEPT);
      this.onMessage?.(m);
    });
  }

  static async open(target: Target, clientId: string): Promise<Observer> {
    const endpoint = target.mqtt();
    const client = mqtt.connect(endpoint.url, { clientId, reconnectPeriod: 1000, connectTimeout: 10_000, clean: true, ...(endpoint.tls ?? {}), ...mqttLogin(endpoint) });
    try {
      await new Promise<void>((ok, fail) => {
        client.once('connect', () => ok());
        client.once('error', (e) => fail(new EngineError('Unavailable', `the lab's observer cannot connect to the target '${target.name}' at ${endpoint.url}: ${e.message}`)));
      });
    } catch (e) {
      await client.endAsync(true).catch(() => undefined);
      throw e;
    }
    client.on('error', () => undefined);
    return new Observer(client);
  }

  async subscribe(filters: Iterable<string>): Promise<void> {
    const fresh = [...filters].filter((f) => !this.filters.has(f));
    if (!fresh.length) return;
    const granted = await this.client.subscribeAsync(fresh, { qos: 1 });
    for (const g of granted) if (g.qos !== 128) this.filters.add(g.topic);
  }

  /** Whether `filter` is subscribed (a refused subscription is not). */
  watching(filter: string): boolean {
    return this.filters.has(filter);
  }

  messages(filter: string, since: number): ObservedMessage[] {
    return this.kept.filter((m) => m.time >= since && topicMatches(filter, m.topic, { dollar: true }));
  }

  async close(): Promise<void> {
    await this.client.endAsync(false).catch(() => undefined);
  }
}
