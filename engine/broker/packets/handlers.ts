import type { Logger } from '../../core/index.js';
import type { AedesClient, AedesHooks, AedesPacket, Subscription } from '../aedes-adapter.js';
import type { Capture } from '../capture.js';
import type { DeliveryGate } from '../delivery-gate.js';
import { DelayedWills } from '../delayed-wills.js';
import type { DurablePersistence } from '../durable-persistence.js';
import type { InboundWal } from '../inbound-wal.js';
import type { SessionExpiry } from '../session-expiry.js';
import type { Sessions } from '../sessions.js';
import type { Mqtt5Connection } from '../mqtt5/connection.js';
import type { ConnectProperties } from '../mqtt5/inbound.js';
import { REASON } from '../mqtt5/reason-codes.js';
import * as connect from './connect.js';
import type { AcceptedMqtt5 } from './connect.js';
import { dropsMqtt5Packet, withholdsRetained } from './mqtt5.js';
import type { PacketContext } from './context.js';
import { forward } from './forward.js';
import { authorizePublish, dropsPublish, isWill, type Durability } from './publish.js';
import { authorizeSubscribe, dropsSubscribe, sharedMatches } from './subscribe.js';
import { stampExpiry, type Expiring } from '../message-expiry.js';
import { willDelaySeconds, willMessageProperties } from './will.js';

/**
 * aedes' hooks and events, each handed to the handler of its packet kind (`connect`, `publish`, `subscribe`,
 * `forward`) or to the sessions; published messages go to capture. The methods run per packet: no closures here.
 */
export class PacketHandlers implements AedesHooks, Durability {
  /** Filters over the per-SUBSCRIBE limit, refused when aedes asks about them. */
  private readonly refusedFilters = new WeakSet<object>();
  /** MQTT 5 wills waiting for their Will Delay Interval. */
  readonly wills: DelayedWills;
  /** Connections taken over by a newer one with the same client id, and whether that one started clean. */
  private readonly takenOver = new WeakMap<AedesClient, boolean>();
  /** Publishes a will on behalf of its (closed) client, bypassing aedes' will path: set once the broker runs. */
  publishWill: (packet: AedesPacket, client: AedesClient | null) => void = () => {};

  constructor(
    private readonly ctx: PacketContext,
    private readonly sessions: Sessions,
    private readonly capture: Capture<AedesClient>,
    private readonly persistence: DurablePersistence,
    /** The write-ahead log of acknowledged QoS 1 publishes whose storing has not completed. */
    private readonly wal: InboundWal,
    /** The live connection with a client id, if any (a CONNECT with the same id takes it over). */
    private readonly liveClient: (clientId: string) => AedesClient | undefined,
    private readonly logger: Logger,
    /** Persistent sessions end after their expiry interval once disconnected. */
    private readonly expiry: SessionExpiry,
    /** Telemetry and events (engine/delivery) on the publish path. */
    private readonly delivery: DeliveryGate,
  ) {
    this.wills = new DelayedWills(ctx.now);
  }

  preConnect(client: AedesClient, packet: AedesPacket & { clientId?: string }): void {
    connect.preConnect(this.ctx, this.sessions.get(client), packet);
  }

  authenticate(client: AedesClient, cb: (err: Error | null, ok: boolean) => void): void {
    const found = this.liveClient(client.id);
    const previous = found && found !== client ? found : undefined;
    const session = this.sessions.get(client);
    const refusal = connect.authenticate(this.ctx, client, session, previous && this.sessions.get(previous));
    const mqtt5 = session?.mqtt5;
    if (refusal) {
      if (mqtt5) mqtt5.refusal = refusal.message;
      return cb(Object.assign(new Error(refusal.message), { returnCode: refusal.returnCode }), false);
    }
    if (mqtt5 && session.emptyClientId) mqtt5.connack.assignedClientIdentifier = client.id; // [MQTT-3.2.2-16]
    if (previous) this.sessions.get(previous)?.mqtt5?.disconnect(REASON.sessionTakenOver, `another connection with client id ${client.id} took over the session`);
    // A new connection to the session: a will waiting for its delay is not published, unless this one starts clean
    // and so ends the session the will belongs to [MQTT-3.1.3-9].
    const cleanStart = mqtt5 ? session.cleanStart === true : client.clean;
    if (previous) this.takenOver.set(previous, cleanStart);
    this.wills.connected(client.id, cleanStart);
    // Before aedes reads the stored session: one whose expiry passed (or, MQTT 5, that Clean Start discards) ends first.
    if (!mqtt5) this.expiry.onConnect(client, 4, undefined, client.clean); // MQTT 3.1.1 asks no interval
    else {
      const requested = mqtt5.requested.sessionExpiryInterval ?? 0;
      const granted = this.expiry.onConnect(client, 5, requested, session.cleanStart === true);
      if (granted !== requested) mqtt5.connack.sessionExpiryInterval = granted; // AWS: "the adjusted value in the CONNACK"
    }
    cb(null, true);
  }

  acceptMqtt5(client: AedesClient, packet: AedesPacket, decoded: ConnectProperties): AcceptedMqtt5 | null {
    const session = this.sessions.get(client);
    return connect.acceptMqtt5(this.ctx, client, session, packet, decoded, (message) => this.logger.log('warn', 'broker', message, { remoteAddress: session?.ipAddress }));
  }

  dropsMqtt5Packet(client: AedesClient, packet: AedesPacket, connection: Mqtt5Connection): boolean {
    const expiry = packet.cmd === 'disconnect' ? packet.properties?.sessionExpiryInterval : undefined;
    if (expiry !== undefined && this.expiry.onDisconnectPacket(client, expiry) === 'protocolError') {
      const session = this.sessions.get(client);
      if (session && !session.reason) session.reason = 'CLIENT_ERROR';
      connection.disconnect(REASON.protocolError, 'a DISCONNECT cannot set a Session Expiry Interval when the CONNECT set 0 [MQTT-3.14.2-2]');
      return true;
    }
    return dropsMqtt5Packet(this.ctx, client, this.sessions.get(client), packet, connection);
  }

  dropsPacket(client: AedesClient, packet: AedesPacket): boolean {
    if (packet.cmd === 'publish') {
      const session = this.sessions.get(client);
      return session ? dropsPublish(this.ctx, client, session, packet) : false;
    }
    return packet.cmd === 'subscribe' && dropsSubscribe(this.ctx, client, packet, this.refusedFilters, (message) => this.logger.log('warn', 'broker', message, { clientId: client.id }), client.mqtt5 !== undefined);
  }

  frameRefused(client: AedesClient, problem: string): void {
    const session = this.sessions.get(client);
    if (session) session.reason = 'CLIENT_ERROR';
    if (this.ctx.aws && problem.includes('exceeds')) this.ctx.deviations.explain('payloadTooLarge', { clientId: client.id, problem });
    else this.logger.log('warn', 'broker', `closing connection from ${session?.ipAddress ?? 'a client'}: ${problem}`, { clientId: client.id });
  }

  authorizePublish(client: AedesClient, packet: AedesPacket, cb: (err?: Error | null) => void): void {
    if (isWill(client, packet)) {
      this.capture.markWill(packet);
      const delay = willDelaySeconds(client, packet, this.expiry.maximum);
      packet.properties = willMessageProperties(packet.properties);
      const successorStartedClean = this.takenOver.get(client);
      if (successorStartedClean !== undefined) return this.takenOverWill(client, packet, delay === 0 || successorStartedClean);
      if (delay > 0) return this.delayWill(client, packet, delay, cb);
    }
    this.authorizeNow(client, packet, cb);
  }

  /**
   * The will of a connection another one with its client id took over. That one has already stored its own will,
   * which aedes would delete after publishing this one (it deletes by client id): so this will never goes back to
   * aedes' will path. Published unless the will waits for a delay and the session goes on [MQTT-3.1.3-9].
   */
  private takenOverWill(client: AedesClient, packet: AedesPacket, publish: boolean): void {
    if (publish) return this.publishReplaced(client, packet);
    this.logger.log('info', 'broker', `the will of client ${client.id} is not published: a new connection continued its session within the Will Delay Interval`, { clientId: client.id });
  }

  /** A will published while its client id's next connection stores its own: outside aedes' will path (see above). */
  private publishReplaced(client: AedesClient, packet: AedesPacket): void {
    this.authorizeNow(client, packet, (err) => {
      if (!err) this.publishWill(packet, client);
    });
  }

  private authorizeNow(client: AedesClient, packet: AedesPacket, cb: (err?: Error | null) => void): void {
    // The deadline is set before the write-ahead record is, so a publish recovered after a crash keeps it. (aedes
    // hands a will that outlived its broker over without a client.)
    this.messageEntering(packet, client?.id);
    authorizePublish(this.ctx, client, this.sessions.get(client), packet, this, cb);
  }

  /**
   * The will of a lost MQTT 5 connection waits `seconds` (aedes goes on closing the connection meanwhile, and keeps the
   * will stored until the callback); its message expiry counts from when it is published.
   */
  private delayWill(client: AedesClient, packet: AedesPacket, seconds: number, cb: (err?: Error | null) => void): void {
    const clientId = client.id;
    const release = (publish: boolean, replaced: boolean) => {
      // A new connection that starts clean ends the session: the will goes out, and that connection stores its own.
      if (publish) return replaced ? this.publishReplaced(client, packet) : this.authorizeNow(client, packet, cb);
      this.logger.log('info', 'broker', `the will of client ${clientId} is not published: a new connection continued its session within the Will Delay Interval`, { clientId });
      cb(new Error('the session went on before the Will Delay Interval passed')); // aedes unstores it now, before that connection stores its own
    };
    this.logger.log('info', 'broker', `the will of client ${clientId} waits ${seconds} s (its Will Delay Interval, or its session's end if sooner)`, { clientId, seconds });
    this.wills.hold(clientId, seconds, release);
  }

  /** A message enters the broker: one with a Message Expiry Interval gets its deadline (AWS adjusts the interval). */
  messageEntering(packet: Expiring & { topic?: string }, clientId?: string | null): void {
    if (packet.properties?.messageExpiryInterval === undefined) return; // runs per publish: MQTT 3.1.1 ones stop here
    const asked = stampExpiry(packet, this.ctx.now(), this.ctx.aws);
    if (asked !== undefined) this.ctx.deviations.explain('messageExpiryClamped', { clientId, topic: packet.topic, messageExpiryInterval: asked });
  }

  /** A message is routed (aedes publishes it next): telemetry and events take their delivery class. */
  messageRouted(packet: AedesPacket, clientId?: string | null): void {
    this.messageEntering(packet, clientId);
    this.delivery.routing(packet, clientId ?? null);
  }

  /** Durability: aedes acknowledges a QoS 1 publish before it stores it, so what must survive is logged first. */
  guard(packet: AedesPacket, client: AedesClient | null): Promise<void> | null {
    const logged = this.wal.guard(packet, this.persistence);
    const kept = client ? this.delivery.acknowledging(packet, client.id) : null;
    return logged && kept ? Promise.all([logged, kept]).then(() => {}) : logged ?? kept;
  }

  authorizeSubscribe(client: AedesClient, sub: Subscription, cb: (err: Error | null, sub: object | null) => void): void {
    const decision = authorizeSubscribe(this.ctx, client, this.sessions.get(client), sub, this.refusedFilters);
    if ('refused' in decision) return cb(new Error(decision.refused), null);
    if (decision.granted === null) client.mqtt5?.refuseFilter(sub, decision.reasonCode);
    // Also a resumed session's restored subscriptions pass here, with the identifier they were stored with (one stored
    // by a standard-mode run of the same data directory is not sent where CONNACK said there are none: aws mode).
    else if (this.ctx.mqtt5.subscriptionIdentifiersAvailable) client.mqtt5?.subscribed(sub.topic, sub.subscriptionIdentifier);
    cb(null, decision.granted);
  }

  authorizeForward(client: AedesClient, packet: AedesPacket): AedesPacket | null {
    return forward(this.ctx, this.capture.metering, client, this.sessions.get(client), packet);
  }

  published(packet: AedesPacket, client: AedesClient | null, cb: (err?: Error) => void): void {
    this.capture.record(packet, client);
    this.wal.complete(packet);
    // Stored state is journaled behind dispatch (see DurablePersistence.writeBehind): PUBREC of a client's QoS 2,
    // sent after this hook, must wait until it is durable. The engine's own publishes wait in BrokerService.publish.
    if (packet.qos === 2 && client) this.persistence.flushed().then(() => cb(), cb);
    else cb();
  }

  connected(client: AedesClient): void {
    this.expiry.onConnack(client);
    this.sessions.connected(client);
    // A resumed session's filters, once aedes has marked the CONNACK sent (right after this event).
    queueMicrotask(() => this.delivery.subscribed(client.id, Object.keys(client.subscriptions)));
  }

  keepaliveTimeout(client: AedesClient): void {
    this.sessions.get(client)?.mqtt5?.disconnect(REASON.keepAliveTimeout, 'no packet within 1.5 times the keep alive [MQTT-3.1.2-22]');
    this.sessions.keepaliveTimeout(client);
  }

  clientError(client: AedesClient, err: Error): void {
    this.sessions.clientError(client, err);
    // aedes closes an MQTT 3.1.1 client with too many QoS 2 PUBLISHes awaiting PUBREL (3.1.1 has no reason code to send it).
    if (err.message.startsWith('maxInflightInbound exceeded')) {
      this.logger.log('warn', 'broker', `closing connection from ${this.sessions.get(client)?.ipAddress ?? 'a client'}: ${err.message}`, { clientId: client.id });
    }
  }

  clientDisconnect(client: AedesClient): void {
    this.expiry.onClose(client);
    this.sessions.clientDisconnect(client);
  }

  subscribed(subs: Subscription[], client: AedesClient): void {
    // aedes asks for the retained messages of the granted filters (QoS ≠ 128) right after this event.
    const withheld = client.mqtt5 ? subs.filter((s) => s.qos !== 128 && withholdsRetained(s)) : [];
    this.persistence.withholdRetained(withheld.length ? subs.filter((s) => s.qos !== 128).map((s) => s.topic) : [], withheld.map((s) => s.topic));
    this.sessions.subscribed(subs, client);
    this.delivery.subscribed(client.id, subs.filter((s) => s.qos !== 128).map((s) => s.topic));
  }

  unsubscribed(topics: string[], client: AedesClient): void {
    this.sessions.unsubscribed(topics, client);
    if (!client.closed) this.delivery.unsubscribed(client.id, topics); // aedes drops a clean session's filters on close: an absence
  }

  sharedMatches(filter: string, topic: string): boolean {
    return sharedMatches(this.ctx, filter, topic);
  }

  sharedMayReceive(client: AedesClient, topic: string): boolean {
    const guard = this.sessions.get(client)?.guard;
    return !guard || guard.receive(topic); // Security: iot:Receive on the topic, as for any delivery
  }
}
