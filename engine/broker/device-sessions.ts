import { topicMatches, type ClientInfo } from '../contract/index.js';
import { EngineError, type Disposable, type ErrorCode } from '../core/index.js';
import type { AedesClient, AedesPacket } from './aedes-adapter.js';
import type { Metering } from './metering.js';
import type { Properties } from './mqtt5/properties.js';
import type { PacketContext } from './packets/context.js';
import { refusePublish } from './packets/publish.js';
import { REASON } from './mqtt5/reason-codes.js';
import { checkTopicSyntax } from './topic-rules.js';
import type { DisconnectReason } from './presence.js';
import type { ConnectionGuard } from './security-hooks.js';
import type { Session, Sessions } from './sessions.js';
import type { TapHandler } from './taps.js';

/** The protocols of devices that ask the broker over requests instead of holding an MQTT connection. */
export type DeviceProtocol = 'https' | 'coap';

export interface DeviceSessionRequest {
  /** The device's client id (an HTTPS device: its thing's name, or its certificate id; a CoAP device: its thing's name). */
  clientId: string;
  protocol: DeviceProtocol;
  remoteAddress: string;
  /** The security service's `deviceGuard` for the device; null allows everything (as on a plain MQTT listener). */
  guard: ConnectionGuard | null;
}

export interface DeviceMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
  /** MQTT 5 properties the message travels with (an HTTPS publish's `contentType`, …). */
  properties?: Properties;
}

/**
 * A non-MQTT device acting in the broker: its publishes are a client's (policy, limits, rules' `clientid()` and
 * `principal()`, capture, metering), it appears in presence events and `broker.clients()`, and it ends after an idle time.
 */
export interface DeviceSession {
  readonly clientId: string;
  readonly protocol: DeviceProtocol;
  /** Publishes as the device. Throws EngineError `Forbidden` (policy), `InvalidInput` (topic), `TooLarge`, `Throttled`. */
  publish(msg: DeviceMessage): Promise<void>;
  /**
   * Delivers matching messages to the device (CoAP Observe): iot:Subscribe is checked now (EngineError `Forbidden`),
   * iot:Receive per message. The retained messages that match come first, as to an MQTT subscriber. The session is
   * held while the subscription lasts (see `hold`).
   */
  subscribe(filter: string, onMessage: (m: DeviceMessage) => void): Disposable;
  /** Keeps the session alive: one idle for the broker's device idle time closes itself. */
  touch(): void;
  /** The session is in use until disposed (a CoAP Observe, a `hono-ttd` wait): the idle sweep spares it meanwhile. */
  hold(): Disposable;
  close(reason?: DisconnectReason): void;
}

/** What the device sessions reach of the broker. */
export interface DeviceSessionsPort {
  readonly ctx: PacketContext;
  readonly sessions: Sessions;
  readonly metering: Metering;
  /** Publishes `packet` as coming from `client` (through aedes: stored, dispatched, captured). */
  dispatch(packet: AedesPacket & { cmd: string }, client: AedesClient): Promise<void>;
  tap(filter: string, handler: TapHandler): Disposable;
  retained(filter: string): DeviceMessage[];
  /** The device takes deliveries on these filters from now (it consumes the delivery classes' events on them). */
  consuming(clientId: string, filters: string[]): void;
}

/** A refused publish's MQTT 5 reason, as the error a device's request gets. */
const REFUSALS: Record<number, ErrorCode> = { [REASON.packetTooLarge]: 'TooLarge', [REASON.notAuthorized]: 'Forbidden', [REASON.topicNameInvalid]: 'InvalidInput' };

/** A device session stands in for an aedes client where the broker's sessions, capture and metering expect one. */
type Stand = Pick<AedesClient, 'id' | 'clean' | 'closed' | 'subscriptions'>;

/** The open device sessions, by protocol and client id, and their idle sweep. */
export class DeviceSessions {
  private readonly open = new Map<string, OpenDeviceSession>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly port: DeviceSessionsPort, readonly idleMs: number) {}

  /** Opens a session, or returns the device's open one over the same protocol (its guard replaced by this one's). */
  get(req: DeviceSessionRequest): DeviceSession {
    const key = `${req.protocol}\u0000${req.clientId}`;
    const found = this.open.get(key);
    if (found) {
      found.use(req.guard);
      return found;
    }
    const session = new OpenDeviceSession(this.port, req, () => this.open.delete(key));
    this.open.set(key, session);
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(10, Math.min(this.idleMs / 4, 1_000))).unref();
    return session;
  }

  /** As `broker.clients()` lists them: a device session has no keep-alive (0); it ends after the idle time. */
  clients(): ClientInfo[] {
    return [...this.open.values()].map((d) => ({
      clientId: d.clientId, connectedAt: d.connectedAt, ipAddress: d.ipAddress, transport: d.protocol, clean: true, keepalive: 0, subscriptions: d.filters,
    }));
  }

  /** Whether `clientId` has an open session that takes deliveries on `filter` now (a CoAP Observe). */
  isSubscribed(clientId: string, filter: string): boolean {
    return [this.open.get(`coap\u0000${clientId}`), this.open.get(`https\u0000${clientId}`)].some((s) => s?.filters.includes(filter));
  }

  /** Delivers to the first of `clientId`'s subscriptions that takes the topic (an event kept while it was away). */
  deliverTo(clientId: string, msg: DeviceMessage): boolean {
    return [this.open.get(`coap\u0000${clientId}`), this.open.get(`https\u0000${clientId}`)].some((s) => s?.deliverTo(msg));
  }

  /** The protocol of `clientId`'s open session (HTTPS first when it has both), by key, not by a scan. */
  protocolOf(clientId: string): DeviceProtocol | undefined {
    if (this.open.has(`https\u0000${clientId}`)) return 'https';
    return this.open.has(`coap\u0000${clientId}`) ? 'coap' : undefined;
  }

  get size(): number {
    return this.open.size;
  }

  /** Closes the sessions idle for the idle time (a device that asks again opens a new one). */
  sweep(): void {
    const now = this.port.ctx.now();
    for (const s of this.open.values()) if (!s.held && now - s.activeAt >= this.idleMs) s.close('CONNECTION_LOST');
    if (!this.open.size && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  closeAll(): void {
    for (const s of this.open.values()) s.close('SERVER_INITIATED_DISCONNECT');
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}

class OpenDeviceSession implements DeviceSession {
  readonly clientId: string;
  readonly protocol: DeviceProtocol;
  activeAt: number;
  /** Holds not yet disposed. */
  held = 0;
  private readonly stand: Stand;
  private readonly session: Session;
  private readonly subscriptions = new Map<Disposable, { filter: string; deliver: (m: DeviceMessage) => void }>();

  constructor(private readonly port: DeviceSessionsPort, req: DeviceSessionRequest, private readonly closed: () => void) {
    this.clientId = req.clientId;
    this.protocol = req.protocol;
    this.activeAt = port.ctx.now();
    this.stand = { id: req.clientId, clean: true, closed: false, subscriptions: {} };
    const client = this.stand as AedesClient;
    this.session = port.sessions.open(client, req.protocol, req.remoteAddress);
    this.session.protocol = req.protocol;
    this.use(req.guard);
    port.sessions.connected(client);
  }

  get connectedAt(): number {
    return this.session.connectedAt;
  }

  get ipAddress(): string {
    return this.session.ipAddress;
  }

  get filters(): string[] {
    return Object.keys(this.stand.subscriptions);
  }

  use(guard: ConnectionGuard | null): void {
    this.session.guard = guard;
    this.session.principalIdentifier = guard?.principal ?? 'anonymous';
  }

  touch(): void {
    this.activeAt = this.port.ctx.now();
  }

  hold(): Disposable {
    this.held++;
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        this.held--;
        this.touch();
      },
    };
  }

  async publish(msg: DeviceMessage): Promise<void> {
    if (this.stand.closed) throw new EngineError('Unavailable', `the ${this.protocol} session of ${this.clientId} is closed`);
    this.touch();
    const { ctx } = this.port;
    this.throttle(msg.topic);
    if (this.session.guard && !this.session.guard.publish(msg.topic, msg.retain)) {
      throw new EngineError('Forbidden', `not authorized to publish to ${msg.topic}`);
    }
    const packet: AedesPacket & { cmd: string } = { cmd: 'publish', topic: msg.topic, payload: msg.payload, qos: msg.qos, retain: msg.retain };
    if (msg.properties) packet.properties = msg.properties;
    const invalid = checkTopicSyntax(msg.topic);
    if (invalid) throw new EngineError('InvalidInput', invalid.message);
    const refusal = refusePublish(ctx, this.stand as AedesClient, packet);
    if (refusal) throw new EngineError(REFUSALS[refusal.reasonCode] ?? 'InvalidInput', refusal.message);
    await this.port.dispatch(packet, this.stand as AedesClient);
  }

  subscribe(filter: string, onMessage: (m: DeviceMessage) => void): Disposable {
    this.touch();
    const guard = this.session.guard;
    if (guard && !guard.subscribe(filter)) throw new EngineError('Forbidden', `not authorized to subscribe to ${filter}`);
    const client = this.stand as AedesClient;
    const held = this.hold(); // a device that observes is listening: the idle sweep spares it while it does
    this.stand.subscriptions[filter] = { qos: 1 };
    this.port.sessions.subscribed([{ topic: filter, qos: 1 }], client);
    const deliver = (m: DeviceMessage) => {
      if (this.session.guard && !this.session.guard.receive(m.topic)) return; // Security: iot:Receive, on every delivery
      this.port.metering.outbound(this.clientId, m.topic, m.payload.length);
      this.touch();
      onMessage(m);
    };
    const wildcard = /[+#]/.test(filter);
    if (!(this.port.ctx.aws && wildcard)) for (const m of this.port.retained(filter)) deliver(m); // AWS: none for wildcard filters
    const tap = this.port.tap(filter, (m) => deliver({ topic: m.topic, payload: m.payload, qos: m.qos === 0 ? 0 : 1, retain: false }));
    // Its end is an absence, not an UNSUBSCRIBE: as a consumer of events it gets what it missed when it subscribes again.
    const sub: Disposable = {
      dispose: () => {
        if (!this.subscriptions.delete(sub)) return;
        tap.dispose();
        held.dispose();
        delete this.stand.subscriptions[filter];
        this.port.sessions.unsubscribed([filter], client);
      },
    };
    this.subscriptions.set(sub, { filter, deliver });
    // After the caller has its subscription in place (a CoAP observation answers its registration first).
    queueMicrotask(() => this.subscriptions.has(sub) && this.port.consuming(this.clientId, [filter]));
    return sub;
  }

  /** Writes a message to the first subscription that takes its topic; false when none does. */
  deliverTo(msg: DeviceMessage): boolean {
    for (const { filter, deliver } of this.subscriptions.values()) {
      if (!topicMatches(filter, msg.topic)) continue;
      deliver(msg);
      return true;
    }
    return false;
  }

  close(reason: DisconnectReason = 'CLIENT_INITIATED_DISCONNECT'): void {
    if (this.stand.closed) return;
    const client = this.stand as AedesClient;
    this.port.sessions.setReason(client, reason);
    for (const sub of [...this.subscriptions.keys()]) sub.dispose();
    this.stand.closed = true;
    this.closed();
    this.port.sessions.clientDisconnect(client);
  }

  /** The broker's publishes-per-second limit, per device as per MQTT connection. */
  private throttle(topic: string): void {
    const rate = this.port.ctx.limits.publishesPerSecond;
    if (!rate) return;
    const s = this.session;
    const now = this.port.ctx.now();
    s.tokens = Math.min(rate, s.tokens + ((now - s.refilledAt) * rate) / 1000);
    s.refilledAt = now;
    if (s.tokens < 1) {
      this.port.ctx.deviations.explain('publishThrottled', { clientId: this.clientId, topic });
      throw new EngineError('Throttled', `${this.clientId} publishes more than ${rate} messages per second`);
    }
    s.tokens -= 1;
  }
}
