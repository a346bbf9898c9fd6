/**
 * A device talking to the Jobs device API over MQTT (mqtt.js): subscribes to its thing's replies, notify and
 * notify-next, records everything it receives, and sends requests whose reply it awaits by clientToken.
 */
import { vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { IoTClient } from '@aws-sdk/client-iot';
import { connect, type TestEngine } from '../../helpers/engine.js';

export interface Received {
  topic: string;
  body: Record<string, unknown>;
}

export const iotClient = (te: TestEngine) => new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

export const thingArn = (thing: string) => `arn:aws:iot:us-east-1:000000000000:thing/${thing}`;
export const groupArn = (group: string) => `arn:aws:iot:us-east-1:000000000000:thinggroup/${group}`;

export class JobsDevice {
  readonly received: Received[] = [];
  private tokens = 0;

  private constructor(readonly client: MqttClient, readonly thing: string) {
    client.on('message', (topic, payload) => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      } catch {
        body = { raw: payload.toString('utf8') };
      }
      this.received.push({ topic, body });
    });
  }

  static async open(te: TestEngine, thing: string, clientId = `${thing}-client`): Promise<JobsDevice> {
    const client = await connect(te.mqttPort, { clientId });
    const p = `$aws/things/${thing}/jobs`;
    await client.subscribeAsync([`${p}/notify`, `${p}/notify-next`, `${p}/+/accepted`, `${p}/+/rejected`, `${p}/+/+/accepted`, `${p}/+/+/rejected`, `marker/${clientId}`], { qos: 1 });
    return new JobsDevice(client, thing);
  }

  /** Publishes `body` (with a fresh clientToken unless it has one) on `$aws/things/{thing}/jobs/{suffix}`; resolves with the reply. */
  async request(suffix: string, body: Record<string, unknown> | string = {}): Promise<{ outcome: 'accepted' | 'rejected'; body: Record<string, unknown> }> {
    const topic = `$aws/things/${this.thing}/jobs/${suffix}`;
    const token = typeof body === 'string' ? undefined : (body.clientToken as string | undefined) ?? `tok-${++this.tokens}`;
    const from = this.received.length;
    const payload = typeof body === 'string' ? body : JSON.stringify({ ...body, clientToken: token });
    await this.client.publishAsync(topic, payload, { qos: 1 });
    const reply = await vi.waitFor(() => {
      const r = this.received.slice(from).find((m) => (m.topic === `${topic}/accepted` || m.topic === `${topic}/rejected`) && (token === undefined || m.body.clientToken === token));
      if (!r) throw new Error(`no reply on ${topic}`);
      return r;
    }, { timeout: 5000, interval: 10 });
    return { outcome: reply.topic.endsWith('/accepted') ? 'accepted' : 'rejected', body: reply.body };
  }

  /** The messages received on `$aws/things/{thing}/jobs/{name}` since index `from`. */
  on(name: 'notify' | 'notify-next', from = 0): Received[] {
    return this.received.slice(from).filter((m) => m.topic === `$aws/things/${this.thing}/jobs/${name}`);
  }

  /** Waits for the `n`-th (1-based) message on notify / notify-next since `from`. */
  async next(name: 'notify' | 'notify-next', from: number, n = 1): Promise<Received> {
    return vi.waitFor(() => {
      const got = this.on(name, from);
      if (got.length < n) throw new Error(`waiting for ${name}`);
      return got[n - 1];
    }, { timeout: 5000, interval: 10 });
  }

  /** Sends a marker to itself and waits for it: every message published before it has arrived. */
  async settle(): Promise<void> {
    const id = `${Date.now()}-${++this.tokens}`;
    const topic = `marker/${this.client.options.clientId}`;
    await this.client.publishAsync(topic, JSON.stringify({ marker: id }), { qos: 1 });
    await vi.waitFor(() => {
      if (!this.received.some((m) => m.topic === topic && m.body.marker === id)) throw new Error('waiting for the marker');
    }, { timeout: 5000, interval: 10 });
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}
