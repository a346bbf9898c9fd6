import type { MqttClient } from 'mqtt';
import { NetworkLink, malformedPayload, paddedJson, type FaultSpec } from '../faults/index.js';
import type { DeviceClock, TimerHandle } from './device-clock.js';
import type { BufferedMessage } from './offline-buffer.js';
import type { Random } from './seeded-random.js';

/** What the faults need from their device. */
export interface FaultPort {
  readonly thingName: string;
  readonly clock: DeviceClock;
  /** The connected MQTT client, if any. */
  client(): MqttClient | undefined;
  online(): boolean;
  /** Socket destroyed without DISCONNECT; `immediate` reconnects at once, without back-off. */
  drop(opts: { reconnect?: boolean; immediate?: boolean }): void;
  /** A clean DISCONNECT (no will). */
  disconnect(opts: { reconnect?: boolean }): void;
  /** Publishes when online, buffers otherwise. */
  send(m: BufferedMessage): void;
  /** Where floods and malformed payloads go by default: the device's telemetry topic. */
  defaultTopic(): string;
}

type Timed = 'partition' | 'network' | 'starvation' | 'flood';

/**
 * One device's faults: its network link (every connection goes through it), its clock skew, and the timers that end
 * timed faults. Durations and flood schedules run on the device clock; the link's delays are real time, as a socket's are.
 */
export class DeviceFaults {
  readonly link: NetworkLink;
  /** Added to the time the device's generators and timestamps see. */
  skewMs = 0;
  private readonly timers = new Map<Timed, TimerHandle>();
  private starved: { client: MqttClient; end(): void } | undefined;

  constructor(private readonly port: FaultPort, private readonly random: Random) {
    this.link = new NetworkLink(random);
  }

  /** Applies one fault; false when it cannot take effect now (dropping a device that is offline). */
  apply(spec: FaultSpec): boolean {
    const p = this.port;
    switch (spec.kind) {
      case 'drop':
      case 'reconnect-storm':
        if (!p.client()) return false;
        p.drop(spec.kind === 'drop' ? { reconnect: spec.reconnect } : { immediate: true });
        return true;
      case 'disconnect':
        if (!p.online()) return false;
        p.disconnect({ reconnect: spec.reconnect });
        return true;
      case 'partition':
        this.link.setPartitioned(true);
        this.after('partition', spec.durationMs, () => this.link.setPartitioned(false));
        return true;
      case 'network': {
        const { latencyMs, jitterMs, loss, bandwidthBytesPerSec } = spec;
        this.link.setConditions({ latencyMs, jitterMs, loss, bandwidthBytesPerSec });
        this.after('network', spec.durationMs, () => this.link.setConditions(undefined));
        return true;
      }
      case 'keepalive-starvation':
        return this.starve(spec.durationMs);
      case 'clock-skew':
        this.skewMs = spec.offsetMs;
        return true;
      case 'flood':
        this.flood(spec);
        return true;
      case 'malformed':
        for (let i = 0; i < (spec.count ?? 1); i++) {
          // QoS 0: an oversized message the broker refused must not come back from the offline buffer after reconnecting.
          p.send({ topic: spec.topic ?? p.defaultTopic(), payload: malformedPayload(spec.payload, i, this.random, spec.bytes), qos: 0, retain: false });
        }
        return true;
      case 'clear':
        this.clear();
        return true;
    }
  }

  /** Ends every fault in effect (a stopping device also calls this, so its DISCONNECT is not held by a partition). */
  clear(): void {
    for (const t of this.timers.values()) this.port.clock.clearTimer(t);
    this.timers.clear();
    this.starved?.end();
    this.link.setConditions(undefined);
    this.link.setPartitioned(false);
    this.skewMs = 0;
  }

  /**
   * The current connection sends nothing more, PINGREQ included (its bytes are held, MQTT.js' keep-alive timer is
   * paused so the device does not give up first): the broker closes it after 1.5 × keep-alive and publishes the will.
   */
  private starve(durationMs: number | undefined): boolean {
    const client = this.port.client();
    const stream = this.link.current;
    if (!client || !stream || !this.port.online()) return false;
    this.starved?.end();
    stream.stall(true);
    client.keepaliveManager?.['clear'](); // MQTT.js 5: the timer that sends PINGREQ and gives up after 1.5 × keep-alive
    const starved = {
      client,
      end: () => {
        if (this.starved !== starved) return;
        this.starved = undefined;
        const t = this.timers.get('starvation');
        if (t) this.port.clock.clearTimer(t);
        this.timers.delete('starvation');
        if (stream.destroyed) return;
        stream.stall(false);
        if (this.port.client() === client) client.keepaliveManager?.reschedule();
      },
    };
    this.starved = starved;
    stream.once('close', () => starved.end()); // the broker gave up on it: the starvation ends with the connection
    this.after('starvation', durationMs, () => starved.end());
    return true;
  }

  /** `ratePerSec` messages a second for `durationMs`: round(rate × duration) messages, evenly spaced on the device clock. */
  private flood(spec: Extract<FaultSpec, { kind: 'flood' }>): void {
    const clock = this.port.clock;
    const total = Math.max(1, Math.round((spec.ratePerSec * spec.durationMs) / 1000));
    const step = 1000 / spec.ratePerSec;
    const start = clock.now();
    const topic = spec.topic ?? this.port.defaultTopic();
    let sent = 0;
    const tick = () => {
      this.timers.delete('flood');
      const due = Math.min(total, Math.floor((clock.now() - start) / step) + 1);
      for (; sent < due; sent++) {
        const body = { thing: this.port.thingName, flood: sent, t: clock.now() + this.skewMs };
        const payload = spec.payloadBytes !== undefined ? paddedJson(body, spec.payloadBytes) : Buffer.from(JSON.stringify(body));
        this.port.send({ topic, payload, qos: spec.qos ?? 0, retain: false });
      }
      if (sent < total) this.timers.set('flood', clock.setTimer(tick, Math.max(step, 10)));
    };
    const old = this.timers.get('flood');
    if (old) clock.clearTimer(old);
    tick();
  }

  /** Ends `kind` after `ms` on the device clock (replacing an earlier end); without `ms` it lasts until cleared. */
  private after(kind: Timed, ms: number | undefined, end: () => void): void {
    const old = this.timers.get(kind);
    if (old) this.port.clock.clearTimer(old);
    this.timers.delete(kind);
    if (ms === undefined) return;
    this.timers.set(kind, this.port.clock.setTimer(() => {
      this.timers.delete(kind);
      end();
    }, ms));
  }
}
