import type { DeliveryChanged, DeliveryMapping, DeliveryMappingInput, StoredEventInfo } from '../contract/index.js';
import { topicMatches } from '../contract/index.js';
import { TypedEmitter, type Clock, type Logger, type Service } from '../core/index.js';
import type { DeliveryClass, DeliveryHooks, EventMessage, Properties } from '../broker/index.js';
import type { Store } from '../storage/index.js';
import { DeliveryMappings } from './delivery-mappings.js';
import { EventConsumers } from './event-consumers.js';
import { DEFAULT_EVENT_BOUNDS, EventStore, type EventBounds, type KeptEvent } from './event-store.js';

/**
 * LIMITATIONS: a CoAP device stays a consumer after its observation ends (an absence: there is no CoAP goodbye but
 * forgetting the topic), so what it does not come back for waits until its time-to-live; a shared subscription's
 * group stops consuming when a member unsubscribes and no member is connected; a client that subscribed before the first event mapping existed becomes a
 * consumer when it next subscribes or resumes its session; a stored event counts as delivered once it is written to
 * the returning consumer's connection (not at its PUBACK); telemetry from a client's QoS 1 publish is still
 * acknowledged (PUBACK) as MQTT requires, then forwarded at QoS 0; an event whose publish the broker finishes again
 * after a crash (its write-ahead record) may be kept twice (at least once, as QoS 1).
 *
 * Telemetry and events, Eclipse Hono's two delivery classes on the AWS-style broker. The broker asks this service,
 * through `DeliveryHooks`, for each message's class (by mapping: per device first, then the most specific topic
 * filter); telemetry is forwarded at QoS 0 and never queued; an event is kept for each consumer that is away until
 * it returns (delivered in publish order at QoS 1 before live traffic) or until its time-to-live passes.
 * Consumers: an MQTT client id with its filters; a CoAP device observing a topic (its thing name: the observation
 * lapsing is an absence, observing again brings what it missed); a shared subscription's group (`$share/{group}` with
 * its filters: an event waits until some member has it).
 */
export interface DeliveryBroker {
  /** Whether a connected client takes deliveries on this filter now. */
  isSubscribed(clientId: string, filter: string): boolean;
  /** Writes a PUBLISH to one connected client (its policy's iot:Receive still applies); false when it is not connected. */
  deliverTo(clientId: string, msg: { topic: string; payload: Buffer; qos: 0 | 1; properties?: Properties }): boolean;
  /** Connected clients with their subscriptions. */
  clients(): Array<{ clientId: string; subscriptions: string[] }>;
  /** Whether the shared subscription `$share/{group}/{filter}` has a connected member now. */
  hasSharedMember(topic: string): boolean;
}

export interface DeliveryEvents {
  changed: DeliveryChanged;
}

export interface DeliveryOptions {
  /** The broker, reached once started (it is composed after this service, which it calls on its publish path). */
  broker: () => DeliveryBroker;
  logger: Logger;
  /** What one consumer may have waiting (default 10,000 events, 64 MiB). */
  bounds?: EventBounds;
  /** How often expired events are swept (ms on real timers, reading the engine clock); default 1 s. */
  sweepMs?: number;
}

export class DeliveryService implements Service {
  readonly name = 'delivery';
  readonly events = new TypedEmitter<DeliveryEvents>();
  private mappings?: DeliveryMappings;
  private consumers?: EventConsumers;
  private stored?: EventStore;
  private sweeper?: NodeJS.Timeout;
  private storedChanged?: NodeJS.Timeout;

  constructor(private readonly store: Store, private readonly clock: Clock, private readonly opts: DeliveryOptions) {}

  async start(): Promise<void> {
    this.mappings = new DeliveryMappings(this.store, () => this.clock.now());
    this.consumers = new EventConsumers(this.store, this.opts.logger);
    this.stored = new EventStore(this.store, this.opts.bounds ?? DEFAULT_EVENT_BOUNDS, this.opts.logger);
    this.sweeper = setInterval(() => {
      if (this.stored!.sweep(this.clock.now())) this.changed('stored');
    }, this.opts.sweepMs ?? 1000);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    clearTimeout(this.storedChanged);
  }

  /** The broker's port: called on its publish path (before `start`, every message is plain MQTT). */
  brokerHooks(): DeliveryHooks {
    return {
      classify: (topic, publisher) => this.classify(topic, publisher),
      keep: (msg, publisher) => this.keep(msg, publisher),
      subscribed: (clientId, filters) => this.subscribed(clientId, filters),
      unsubscribed: (clientId, filters) => this.unsubscribed(clientId, filters),
    };
  }

  list(): DeliveryMapping[] {
    return this.mappings?.list() ?? [];
  }

  /** Sets a mapping; an event mapping makes the connected clients whose subscriptions it reaches its consumers at once. */
  async put(input: DeliveryMappingInput): Promise<DeliveryMapping> {
    const mapping = await this.mappings!.put(input);
    if (mapping.class === 'event') {
      for (const c of this.opts.broker().clients()) this.subscribed(c.clientId, c.subscriptions, false);
    }
    this.changed('mappings');
    return mapping;
  }

  async delete(id: string): Promise<void> {
    await this.mappings!.delete(id);
    this.changed('mappings');
  }

  /** Events waiting for absent consumers (or for one), oldest first, at most 1000. */
  waiting(consumer?: string): StoredEventInfo[] {
    return this.stored?.list(consumer) ?? [];
  }

  /** Events dropped undelivered because a consumer's store was full, since the start. */
  get dropped(): number {
    return this.stored?.dropped ?? 0;
  }

  private classify(topic: string, publisher: string | null): DeliveryClass | undefined {
    return this.mappings?.find(topic, publisher)?.class;
  }

  /** Keeps an event for its consumers that are away: not connected, or connected without a subscription that takes it. */
  private keep(msg: EventMessage, publisher: string | null): Promise<void> | null {
    const mapping = this.mappings?.find(msg.topic, publisher);
    if (mapping?.class !== 'event') return null;
    const broker = this.opts.broker();
    const present = (consumer: string, f: string) => (isGroup(consumer) ? broker.hasSharedMember(`${consumer}/${f}`) : broker.isSubscribed(consumer, f));
    const absent = this.consumers!.matching(msg.topic)
      .filter((c) => !c.filters.some((f) => present(c.clientId, f)))
      .map((c) => c.clientId);
    if (!absent.length) return null;
    const now = this.clock.now();
    // The mapping's time-to-live or the message's own MQTT 5 Message Expiry Interval, whichever ends first.
    const expiresAt = Math.min(now + mapping.ttlSeconds! * 1000, msg.messageExpiry ?? Infinity);
    const kept = this.stored!.keep({
      topic: msg.topic, payload: msg.payload, ...(msg.properties ? { properties: msg.properties } : {}), publishedAt: now, expiresAt,
    }, absent);
    this.changed('stored');
    return kept;
  }

  /**
   * A client takes deliveries on these filters: it consumes the events they reach, and gets what waited for it, in
   * order. A shared subscription's filter makes its group the consumer, and this member gets what waited for the group.
   */
  private subscribed(clientId: string, filters: string[], deliver = true): void {
    if (!this.mappings?.hasEvents) return;
    for (const [consumer, consuming] of byConsumer(clientId, filters)) {
      const taking = consuming.filter((f) => this.mappings!.mayReceiveEvents(f));
      if (!taking.length) continue;
      this.consumers!.add(consumer, taking);
      if (deliver) this.deliver(consumer, taking, clientId);
    }
  }

  /** Hands what waited for `consumer` on these filters to the client `to` (the consumer itself, or a group's member). */
  private deliver(consumer: string, filters: string[], to: string): void {
    const now = this.clock.now();
    const due = this.stored!.take(consumer, (topic) => filters.some((f) => topicMatches(f, topic)), now);
    if (!due.length) return;
    const broker = this.opts.broker();
    let lost = 0;
    for (const e of due) if (!broker.deliverTo(to, { topic: e.topic, payload: e.payload, qos: 1, ...withRemaining(e, now) })) lost++;
    if (lost) this.opts.logger.log('warn', 'delivery', `${lost} stored event(s) for ${consumer} not delivered: ${to} disconnected while they were sent`, { clientId: to });
    this.changed('stored');
  }

  private unsubscribed(clientId: string, filters: string[]): void {
    let changed = false;
    for (const [consumer, gone] of byConsumer(clientId, filters)) {
      // A group consumes while it has a member: one member leaving while others stay changes nothing.
      const leaving = isGroup(consumer) ? gone.filter((f) => !this.opts.broker().hasSharedMember(`${consumer}/${f}`)) : gone;
      if (!this.consumers?.remove(consumer, leaving)) continue;
      this.stored!.forget(consumer, (topic) => this.consumers!.takes(consumer, topic));
      changed = true;
    }
    if (changed) this.changed('stored');
  }

  /** Tells the UI, at most 4 times a second for stored events. */
  private changed(what: DeliveryChanged['what']): void {
    if (what === 'mappings') return void this.events.emit('changed', { what });
    this.storedChanged ??= setTimeout(() => {
      this.storedChanged = undefined;
      this.events.emit('changed', { what });
    }, 250);
  }
}

const SHARE = '$share/';
/** A shared subscription's group as a consumer id: `$share/{group}`. */
const isGroup = (consumer: string) => consumer.startsWith(SHARE);

/** A client's filters by who consumes through them: the client itself, or the group of each `$share/{group}/{filter}`. */
function byConsumer(clientId: string, filters: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of filters) {
    const slash = f.startsWith(SHARE) ? f.indexOf('/', SHARE.length) : -1;
    if (f.startsWith(SHARE) && slash < 0) continue;
    const [consumer, filter] = slash < 0 ? [clientId, f] : [f.slice(0, slash), f.slice(slash + 1)];
    const list = out.get(consumer);
    if (list) list.push(filter);
    else out.set(consumer, [filter]);
  }
  return out;
}

/** An MQTT 5 event's Message Expiry Interval says the whole seconds left [MQTT-3.3.2-6]. */
function withRemaining(e: KeptEvent, now: number): { properties?: Properties } {
  if (!e.properties) return {};
  if (e.properties.messageExpiryInterval === undefined) return { properties: e.properties };
  return { properties: { ...e.properties, messageExpiryInterval: Math.max(0, Math.floor((e.expiresAt - now) / 1000)) } };
}
