import type { Properties } from './mqtt5/properties.js';

/** How a message is delivered (engine/delivery decides; the broker applies it on its publish path, for every protocol). */
export type DeliveryClass = 'telemetry' | 'event';

/** An event as it enters the broker: `messageExpiry` is its MQTT 5 deadline (ms on the engine clock), if it has one. */
export interface EventMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  properties?: Properties;
  messageExpiry?: number;
}

/** The port the delivery service implements for the broker (like SecurityHooks): called on the publish path. */
export interface DeliveryHooks {
  /** The class of a message by topic and publisher (its client id; null for the engine's own); undefined: plain MQTT. Runs per publish. */
  classify(topic: string, publisher: string | null): DeliveryClass | undefined;
  /** An event entered the broker: copies are kept for its absent consumers. Resolves once they are durable; null when none was kept. */
  keep(msg: EventMessage, publisher: string | null): Promise<void> | null;
  /** Filters a connected client takes deliveries on from now (a SUBSCRIBE's granted ones, or a resumed session's at CONNACK). */
  subscribed(clientId: string, filters: string[]): void;
  /** Filters a client unsubscribed from: it is no longer their consumer. */
  unsubscribed(clientId: string, filters: string[]): void;
}

interface Routed extends EventMessage {
  retain: boolean;
}

/**
 * Applies the delivery classes inside the broker. Telemetry goes out at QoS 0, so aedes neither acknowledges-then-
 * stores it nor queues it for an offline persistent session; an event is kept by the delivery service for consumers
 * that are away, and so is not queued in aedes' offline queues too (no duplicate when a persistent session resumes).
 * A client's QoS 1 event is kept before its PUBACK; any other publish when it is routed (an engine or device-session
 * publish resolves once what was kept is durable).
 */
export class DeliveryGate {
  /** Client publishes kept before their PUBACK (aedes routes the same packet object afterwards). */
  private readonly keptEarly = new WeakSet<object>();
  /** Routed publishes whose kept copies are being written. */
  private readonly writing = new WeakMap<object, Promise<void>>();
  /** Payloads of events: aedes' packet copies share the payload Buffer, which tells the offline queue to leave them. */
  private readonly eventPayloads = new WeakSet<Buffer>();

  constructor(
    private readonly hooks: DeliveryHooks | undefined,
    /** A connection with this client id has its CONNACK: aedes delivers to it (its session queues what is in flight). */
    private readonly online: (clientId: string) => boolean,
    /** Some persistent session has a QoS > 0 subscription: aedes may queue a message for it. */
    private readonly sessionsQueue: () => boolean,
  ) {}

  /** A client's QoS 1 publish, authorized, before its PUBACK: what must wait to be durable first. */
  acknowledging(packet: Routed, clientId: string): Promise<void> | null {
    if (!this.hooks || this.hooks.classify(packet.topic, clientId) !== 'event') return null;
    const kept = this.hooks.keep(packet, clientId);
    if (kept) this.keptEarly.add(packet); // else routing asks again (cheap): nobody was away
    return kept;
  }

  /** Every publish as the broker routes it (clients', wills, the engine's), before aedes copies it. */
  routing(packet: Routed, clientId: string | null): void {
    const cls = this.hooks?.classify(packet.topic, clientId);
    if (cls === undefined) return;
    if (cls === 'telemetry') {
      packet.qos = 0; // fire and forget: delivered now at QoS 0, never queued
      return;
    }
    // Marked only when aedes could queue it (QoS 0 never is; nor anything while no persistent session queues).
    if (packet.qos > 0 && this.sessionsQueue()) this.eventPayloads.add(packet.payload);
    if (this.keptEarly.has(packet)) return;
    const kept = this.hooks!.keep(packet, clientId);
    if (kept) this.writing.set(packet, kept);
  }

  /** Resolves once what routing kept of this publish is durable; undefined when it kept nothing. */
  durable(packet: object): Promise<void> | undefined {
    return this.writing.get(packet);
  }

  /** False for an event to an offline session: the delivery service keeps it instead (aedes queues it for online ones). */
  queues(packet: { payload: Buffer }, clientId: string): boolean {
    return !this.eventPayloads.has(packet.payload) || this.online(clientId);
  }

  subscribed(clientId: string, filters: string[]): void {
    if (filters.length) this.hooks?.subscribed(clientId, filters);
  }

  unsubscribed(clientId: string, filters: string[]): void {
    this.hooks?.unsubscribed(clientId, filters);
  }
}
