/**
 * The run's watch connection: one MQTT client that holds a subscription per topic filter an expectation reads, kept
 * from the scenario's start, so a message an earlier step causes is never missed. Each filter has an inbox with a
 * cursor (see `Inbox` in steps/step.ts). `settle()` proves delivery has caught up: it publishes a marker through the
 * broker on the same connection and waits for it to come back.
 */
import type { MqttClient } from 'mqtt';
import { EngineError } from '../../core/index.js';
import { topicMatches } from '../../devices/index.js';
import type { Inbox, MessageWatch, SeenMessage } from '../steps/step.js';

const KEEP = 10_000;

export class RunInbox implements Inbox {
  private messages: SeenMessage[] = [];
  private cursor = 0;
  private waiters = new Set<(m: SeenMessage | undefined) => void>();

  constructor(readonly filter: string, private readonly watch: RunWatch) {}

  push(m: SeenMessage): void {
    this.messages.push(m);
    if (this.messages.length > KEEP) {
      const drop = this.messages.length - KEEP;
      this.messages.splice(0, drop);
      this.cursor = Math.max(0, this.cursor - drop);
    }
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w(m);
  }

  pending(): SeenMessage[] {
    return this.messages.slice(this.cursor);
  }

  consume(message: SeenMessage): void {
    const i = this.messages.indexOf(message, this.cursor);
    if (i >= 0) this.cursor = i + 1;
  }

  next(signal?: AbortSignal): Promise<SeenMessage | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (m: SeenMessage | undefined) => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve(m);
      };
      const onAbort = () => done(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(done);
    });
  }

  recent(n = 5): SeenMessage[] {
    return this.messages.slice(-n);
  }

  settle(): Promise<void> {
    return this.watch.settle();
  }
}

export function seenPayload(payload: Buffer): string {
  const text = payload.toString('utf8');
  return Buffer.from(text, 'utf8').equals(payload) ? text : `base64:${payload.toString('base64')}`;
}

export class RunWatch implements MessageWatch {
  private readonly inboxes = new Map<string, RunInbox>();
  private readonly subscribing = new Map<string, Promise<RunInbox>>();
  private markers = 0;
  private readonly markerWaiters = new Map<string, () => void>();
  /** Messages received so far (markers excluded): the runner's measure of activity. */
  received = 0;

  /** Settles after the subscriptions are back: a reconnect (an engine restart) subscribes every filter again. */
  private resubscribed: Promise<void> = Promise.resolve();

  constructor(private readonly client: MqttClient, private readonly markerTopic: string, private readonly elapsed: () => number) {
    // Constructed once connected: every later 'connect' is a reconnect. MQTT.js sends what it queued while offline
    // before it resubscribes, so the watch subscribes again itself and settle() waits for that.
    client.on('connect', () => {
      this.resubscribed = this.client.subscribeAsync([markerTopic, ...this.inboxes.keys()], { qos: 1 }).then(() => undefined, () => undefined);
    });
    client.on('message', (topic, payload, packet) => {
      if (topic === markerTopic) {
        const key = payload.toString();
        this.markerWaiters.get(key)?.();
        this.markerWaiters.delete(key);
        return;
      }
      this.received++;
      const m: SeenMessage = { topic, payload: seenPayload(payload), qos: packet.qos, retain: packet.retain, at: elapsed() };
      for (const inbox of this.inboxes.values()) if (topicMatches(inbox.filter, topic)) inbox.push(m);
    });
  }

  static async open(client: MqttClient, markerTopic: string, elapsed: () => number): Promise<RunWatch> {
    const watch = new RunWatch(client, markerTopic, elapsed);
    await client.subscribeAsync(markerTopic, { qos: 1 });
    return watch;
  }

  get filters(): string[] {
    return [...this.inboxes.keys()];
  }

  inbox(filter: string, qos: 0 | 1 = 1): Promise<RunInbox> {
    const have = this.inboxes.get(filter);
    if (have) return Promise.resolve(have);
    let p = this.subscribing.get(filter);
    if (!p) {
      p = (async () => {
        const inbox = new RunInbox(filter, this);
        this.inboxes.set(filter, inbox);
        const granted = await this.client.subscribeAsync(filter, { qos });
        const code = granted[0]?.qos;
        if (code === undefined || code >= 0x80) {
          this.inboxes.delete(filter);
          throw new EngineError('Forbidden', `the target refused the subscription to '${filter}' (SUBACK ${code === undefined ? 'missing' : `0x${code.toString(16)}`})`);
        }
        return inbox;
      })();
      this.subscribing.set(filter, p);
      p.catch(() => this.subscribing.delete(filter));
    }
    return p;
  }

  /** Publishes a marker on the watch connection and resolves when the broker has delivered it back. */
  async settle(timeoutMs = 10_000): Promise<void> {
    if (!this.client.connected) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.client.off('connect', onConnect);
          reject(new EngineError('Unavailable', `the run's connection to the target did not come back within ${timeoutMs} ms`));
        }, timeoutMs);
        const onConnect = () => {
          clearTimeout(timer);
          resolve();
        };
        this.client.once('connect', onConnect);
      });
    }
    await this.resubscribed;
    const key = String(++this.markers);
    const back = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.markerWaiters.delete(key);
        reject(new EngineError('Unavailable', `the target did not deliver the run's marker message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.markerWaiters.set(key, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await this.client.publishAsync(this.markerTopic, key, { qos: 1 });
    await back;
  }
}
