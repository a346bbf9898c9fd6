import type { Duplex } from 'node:stream';
import type {
  ActivityQuery, BrokerActivity, ClientInfo, BrokerMode, DeleteRetainedOptions, MessageQuery, MessageRecord,
  RetainedInfo, SeriesPoint, SeriesQuery, TopicStats, TopicTable, TopicTablePage, UsageReport,
} from '../contract/index.js';
import { EngineError, TypedEmitter, type Disposable, type Logger, type Service } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { AedesAdapter, AEDES_MAX_INFLIGHT_INBOUND, type AedesClient, type AedesPacket } from './aedes-adapter.js';
import { DeviationLog } from './aws-deviations.js';
import { maxRemainingLength, type BrokerOptions, type HeldMessage } from './broker-options.js';
import { DeliveryGate } from './delivery-gate.js';
import { ActivityLog } from './activity-log.js';
import { Capture, type BrokerEvents } from './capture.js';
import { toMessageProperties } from './message-properties.js';
import { DurablePersistence } from './durable-persistence.js';
import { DeviceSessions, type DeviceProtocol, type DeviceSession, type DeviceSessionRequest } from './device-sessions.js';
import { EngineDispatch, type EnginePacket } from './engine-dispatch.js';
import { InboundWal } from './inbound-wal.js';
import type { Properties } from './mqtt5/properties.js';
import { Metering } from './metering.js';
import { Connections, type DeviceRequestHandler } from './connections.js';
import type { ConnectionInfo } from './listeners.js';
import type { PacketContext } from './packets/context.js';
import { serverCapabilities } from './mqtt5/connection.js';
import { PacketHandlers } from './packets/handlers.js';
import { retainedInfo, retainedMessage } from './retained-messages.js';
import type { SessionExpiry } from './session-expiry.js';
import { holdRestoredWills, sessionExpiry } from './session-lifecycle.js';
import type { DelayedWills } from './delayed-wills.js';
import { Sessions } from './sessions.js';
import { logTapErrors, type OutgoingMessage, type PublishOptions, type TapHandler } from './taps.js';
import { checkLevels, checkPublish } from './topic-rules.js';

export type { BrokerEvents } from './capture.js';

/**
 * LIMITATIONS: MQTT 3.1.1 only (aedes 1.x); one broker process (no clustering); the principal in
 * presence events is `anonymous` until the security service authenticates clients.
 *
 * The broker's public face. aedes is reached only through `aedes-adapter.ts`; each packet kind has its handler in
 * `packets/`, connections their `Session` (`sessions.ts`), and what the broker carried is kept by `capture.ts`. The
 * engine's own publishes enter through `engine-dispatch.ts`, devices that ask (HTTPS, CoAP) through `device-sessions.ts`;
 * persistent sessions end by `session-lifecycle.ts`.
 */
export class BrokerService implements Service {
  readonly name = 'broker';
  readonly events = new TypedEmitter<BrokerEvents>();
  private aedes!: AedesAdapter;
  private persistence!: DurablePersistence;
  private expiry?: SessionExpiry;
  private wills?: DelayedWills;
  private readonly connections: Connections;
  private readonly ctx: PacketContext;
  /** The engine's and device sessions' publishes into aedes (made at start). */
  private dispatcher!: EngineDispatch;
  private readonly capture: Capture<AedesClient>;
  private readonly sessions: Sessions;
  private readonly activity: ActivityLog;
  private readonly devices: DeviceSessions;
  private readonly delivery: DeliveryGate;
  private stopping = false;
  ports: { mqtt: number; ws: number; mqtts?: number; wss?: number } = { mqtt: 0, ws: 0 };

  constructor(private readonly store: Store, readonly opts: BrokerOptions, private readonly logger: Logger, private readonly now: () => number = Date.now) {
    const aws = opts.mode === 'aws';
    this.ctx = {
      aws, limits: opts.limits, deviations: new DeviationLog(logger, now), security: opts.security, now,
      mqtt5: serverCapabilities(aws, opts.limits, maxRemainingLength(opts.limits), now),
    };
    const metering = new Metering(now);
    const activity = (this.activity = new ActivityLog(now, (batch) => this.events.emit('activity', batch)));
    const sessions = (this.sessions = new Sessions({
      aws: this.ctx.aws,
      metering,
      publishEvent: (topic, body) => this.publishEvent(topic, body),
      activity: (event) => activity.add(event),
      wildcardSubscribed: (client, filter) => this.explainWithheldRetained(client, filter),
      stopping: () => this.stopping,
    }, opts.limits.publishesPerSecond, now));
    const history = { messages: opts.historySize, bytes: opts.historyBytes ?? 256 * 1024 * 1024, perTopic: opts.historyPerTopic ?? 10_000 };
    this.capture = new Capture<AedesClient>(history, this.events, metering, {
      clientId: (client) => client.id,
      principal: (client) => sessions.get(client)?.guard?.principal, // Security: rules' principal()
    }, now, logTapErrors(logger));
    this.connections = new Connections(opts, (stream, info, peer) => this.accept(stream, info, peer), logger);
    this.devices = new DeviceSessions({
      ctx: this.ctx, sessions, metering,
      dispatch: (packet, client) => this.publishPacket(packet, client),
      tap: (filter, handler) => this.capture.tap(filter, handler),
      retained: (filter) => this.persistence.retainedMatching(filter).map((e) => ({ topic: e.packet.topic, payload: e.packet.payload, qos: Math.min(e.packet.qos, 1) as 0 | 1, retain: true })),
      consuming: (clientId, filters) => this.delivery.subscribed(clientId, filters),
    }, opts.deviceIdleMs ?? 60_000);
    this.delivery = new DeliveryGate(opts.delivery, (clientId) => {
      const client = this.aedes?.client(clientId);
      return client !== undefined && !client.closed && client.connackSent;
    }, () => this.persistence?.hasQueueingSubscriptions === true);
  }

  get mode(): BrokerMode {
    return this.opts.mode;
  }

  async start(): Promise<void> {
    const { limits } = this.opts;
    const aws = this.ctx.aws;
    this.persistence = new DurablePersistence(this.store, {
      retainedMatch: aws ? 'exact' : 'mqtt',
      backlogRate: limits.backlogPerSecond,
      onBacklogThrottled: (clientId) => {
        if (aws) this.ctx.deviations.explain('backlogRate', { clientId, perSecond: limits.backlogPerSecond });
      },
      now: this.now,
      queues: (packet, clientId) => this.delivery.queues(packet, clientId),
    });
    const wal = new InboundWal(this.store);
    const persistence = this.persistence;
    const expiry = (this.expiry = sessionExpiry({
      ctx: this.ctx, store: this.store, logger: this.logger, persistence, aedes: () => this.aedes, wills: () => this.wills,
    }));
    const handlers = new PacketHandlers(this.ctx, this.sessions, this.capture, persistence, wal, (id) => this.aedes?.client(id), this.logger, expiry, this.delivery);
    this.wills = handlers.wills;
    this.aedes = await AedesAdapter.create({
      persistence,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? 10_000,
      drainTimeoutMs: this.opts.drainTimeoutMs ?? 30_000,
      maxPacketBytes: maxRemainingLength(limits),
      // Stored, so dispatched only in order: retained publishes, and QoS > 0 ones while a persistent session could queue them.
      mayStore: (p) => p.retain || (p.qos > 0 && persistence.hasQueueingSubscriptions),
      // AWS sends a shared subscription's message to a random member; standard mode takes the members in turn.
      sharedChoice: aws ? 'random' : 'round-robin',
      // An MQTT 5 client may have as many QoS 2 PUBLISHes unreleased as the CONNACK's Receive Maximum allows [MQTT-3.3.4-9];
      // aedes' own cap (1000, for MQTT 3.1.1 clients) would otherwise close it silently at the 1001st.
      maxInflightInbound: Math.max(AEDES_MAX_INFLIGHT_INBOUND, limits.receiveMaximum || 65535),
    }, handlers);
    this.dispatcher = new EngineDispatch(this.aedes, persistence, this.delivery);
    handlers.publishWill = (packet, client) => this.aedes.publishFrom(packet, client, () => {});
    // Held before the sessions that expired while the engine was down end (which publishes their wills).
    await holdRestoredWills(this.aedes, persistence, handlers);
    // Sessions that expired while the engine was down end before anything can resume or fill them.
    expiry.start();
    // Finish QoS 1 publishes acknowledged before a crash whose storing did not complete.
    for (const packet of wal.pending()) await this.publishPacket(packet);
    wal.clearRecovered();
    this.capture.seedRetained(this.listRetained());
    this.ports = await this.connections.open();
    this.capture.start();
    this.activity.start();
  }

  async stop(): Promise<void> {
    if (!this.aedes || this.stopping) return;
    this.stopping = true;
    this.devices.closeAll();
    this.capture.stop();
    this.activity.stop();
    await this.aedes.close();
    this.expiry?.stop();
    this.wills?.stop(); // wills still waiting for their delay stay stored: a later start publishes them
    await this.connections.close();
    await this.store.write([]).catch(() => {}); // wait for the journal to take pending writes
  }

  // ── data plane ───────────────────────────────────────────────────────────

  /**
   * Publishes without a client id: the engine's own messages, or (`origin: 'client'`) the HTTP API's and the UI's on a
   * user's behalf, which taps then do not trust as the engine's. A `lineage` (the rules whose republishes produced the
   * message) reaches the taps with it. Resolves once stored and dispatched. MQTT 5 `properties` travel with the
   * message (to MQTT 5 subscribers, taps, rules and the retained store).
   */
  async publish(msg: OutgoingMessage, opts?: PublishOptions): Promise<void> {
    const violation = checkPublish(msg.topic, msg.payload.length, this.opts.limits) ?? checkLevels(msg.topic);
    if (violation) throw new EngineError(violation.deviation === 'payloadTooLarge' ? 'TooLarge' : 'InvalidInput', violation.message);
    if (this.ctx.aws && msg.retain && msg.topic.startsWith('$')) throw new EngineError('InvalidInput', 'RETAIN is not allowed on reserved topics');
    const { properties, ...plain } = msg;
    const packet: EnginePacket = { cmd: 'publish', ...plain };
    if (properties && Object.keys(properties).length) packet.properties = properties; // aedes-packet copies only a present key
    if (opts && (opts.origin === 'client' || opts.lineage?.length)) this.capture.markOrigin(packet, opts);
    await this.publishPacket(packet);
  }

  /**
   * Writes a PUBLISH to one connected client only, whether or not it subscribed, as AWS IoT answers the Jobs and fleet
   * provisioning requests on their `accepted`/`rejected` topics: not through the broker, so no rule, tap or other
   * subscriber sees it; the history and the live feed do. The client's policy must still allow iot:Receive on the
   * topic (checked on every delivery, as for any message). Returns whether the client was connected.
   */
  deliverTo(clientId: string, msg: { topic: string; payload: Buffer; qos: 0 | 1; properties?: Properties }): boolean {
    const packet: AedesPacket & { cmd: string } = { cmd: 'publish', topic: msg.topic, payload: msg.payload, qos: msg.qos, retain: false };
    if (msg.properties && Object.keys(msg.properties).length) packet.properties = msg.properties;
    if (!this.aedes || this.aedes.closed) return false;
    // An MQTT connection first; else a device session's subscription (a CoAP observation) that takes the topic.
    if (!this.aedes.deliverTo(clientId, packet, () => {}) && !this.devices.deliverTo(clientId, { ...msg, retain: false })) return false;
    this.capture.recordDirected(packet);
    return true;
  }

  /**
   * Keeps a message that went between the engine and a device outside the broker (a command handed to an HTTPS or CoAP
   * device in a response, its answer) in the history and the live feed, so the explorer shows it: not routed, not
   * tapped, not metered. `clientId`: the device that sent it (null for the engine's).
   */
  record(msg: { topic: string; payload: Buffer; qos: 0 | 1; properties?: Properties }, clientId: string | null): void {
    const packet: { topic: string; payload: Buffer; qos: 0 | 1; properties?: Properties } = { topic: msg.topic, payload: msg.payload, qos: msg.qos };
    if (msg.properties && Object.keys(msg.properties).length) packet.properties = msg.properties;
    this.capture.recordDirected(packet, clientId);
  }

  /**
   * A device that is not an MQTT connection (HTTPS, CoAP) acting in the broker as `clientId`: opens its session (its
   * connected event, with `protocol`), or returns its open one over the same protocol with `req.guard` as its guard.
   */
  openDeviceSession(req: DeviceSessionRequest): DeviceSession {
    if (!this.aedes || this.stopping) throw new EngineError('Unavailable', 'the broker is not running');
    return this.devices.get(req);
  }

  /** Whether a connected client (CONNACK sent) or a device session (a CoAP observation) takes deliveries on `filter` now. */
  isSubscribed(clientId: string, filter: string): boolean {
    const client = this.aedes?.client(clientId);
    if (client !== undefined && !client.closed && client.connackSent && Object.hasOwn(client.subscriptions, filter)) return true;
    return this.devices.isSubscribed(clientId, filter);
  }

  /** Whether the shared subscription `$share/{ShareName}/{TopicFilter}` has a connected member now. */
  hasSharedMember(topic: string): boolean {
    return this.aedes?.shared.hasMember(topic) ?? false;
  }

  /**
   * Answers the requests on the wss listener that are not WebSocket upgrades (the HTTPS device endpoint, as on AWS
   * port 8443), from clients whose certificate was admitted. One handler at a time; disposing it restores the default
   * (426 Upgrade Required).
   */
  serveDeviceRequests(handler: DeviceRequestHandler): Disposable {
    this.connections.deviceRequests = handler;
    return { dispose: () => void (this.connections.deviceRequests === handler && (this.connections.deviceRequests = null)) };
  }

  /** In-engine subscription: `handler` sees each matching publish once it is stored and dispatched. */
  tap(filter: string, handler: TapHandler) {
    return this.capture.tap(filter, handler);
  }
  /** Tap handler calls that threw since the start (each logged as `broker.taps`; the publish went on regardless). */
  get tapErrors(): number {
    return this.capture.taps.errors;
  }


  /** The retained message of a topic, with its MQTT 5 properties when it had any. */
  getRetained(topic: string) {
    const e = this.persistence.getRetained(topic);
    return e && retainedMessage(e);
  }

  listRetained() {
    return this.persistence.listRetained().map(retainedMessage);
  }

  /** The retained messages stored, by topic, optionally only those whose topic starts with `prefix`. */
  retained(prefix = ''): RetainedInfo[] {
    return this.persistence.listRetained().filter((e) => e.packet.topic.startsWith(prefix)).map(retainedInfo);
  }

  /**
   * Clears the retained message of `topic` (and, with `subtree`, of every topic below it) as MQTT does: an empty
   * retained publish per topic, which subscribers and the topic tree see. Resolves with the topics cleared.
   */
  async deleteRetained(topic: string, opts: DeleteRetainedOptions = {}): Promise<string[]> {
    if (!topic || /[+#]/.test(topic)) throw new EngineError('InvalidInput', `"${topic}" is not a topic name (no wildcards)`);
    const below = topic.endsWith('/') ? topic : `${topic}/`;
    const topics = this.persistence.listRetained().map((e) => e.packet.topic)
      .filter((t) => t === topic || (opts.subtree === true && t.startsWith(below)));
    for (const t of topics) await this.publish({ topic: t, payload: Buffer.alloc(0), qos: 0, retain: true }, { origin: 'client' });
    return topics;
  }

  // ── queries for the UI ───────────────────────────────────────────────────

  topics(prefix?: string): TopicStats[] {
    return this.capture.topics(prefix);
  }

  topicTable(prefix?: string, page?: TopicTablePage): TopicTable {
    return this.capture.topicTable(prefix, page);
  }

  topicStats(names: string[]): TopicStats[] {
    return this.capture.topicStats(names);
  }

  messages(query?: MessageQuery): MessageRecord[] {
    return this.capture.messages(query);
  }

  message(id: number): MessageRecord | null {
    return this.capture.message(id);
  }

  series(query: SeriesQuery): SeriesPoint[] {
    if (/[+#]/.test(query.topic)) throw new EngineError('InvalidInput', `a series reads one topic: "${query.topic}" is a filter`);
    return this.capture.series(query);
  }

  /**
   * Held messages with their full payloads, oldest first (what `broker.export` writes). The payloads are views into
   * the history: use them before yielding to the event loop.
   */
  heldMessages(query: { filter?: string; from?: number; to?: number; limit?: number }): HeldMessage[] {
    return this.capture.held(query).map((m) => {
      const held: HeldMessage = { topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, clientId: m.clientId, time: m.time };
      if (m.properties) held.properties = toMessageProperties(m.properties);
      return held;
    });
  }

  /** Recent connections, disconnections and (un)subscriptions, oldest first. */
  activityEvents(query?: ActivityQuery): BrokerActivity[] {
    return this.activity.query(query);
  }

  clients(): ClientInfo[] {
    const mqtt = this.aedes.clients().flatMap((client) => {
      const s = this.sessions.get(client);
      if (!s) return [];
      return [{
        clientId: client.id, connectedAt: s.connectedAt, ipAddress: s.ipAddress, transport: s.transport, clean: client.clean,
        keepalive: this.aedes.keepaliveSeconds(client), subscriptions: Object.keys(client.subscriptions),
      }];
    });
    return [...mqtt, ...this.devices.clients()];
  }

  /** How `clientId` is connected now, by lookup: over MQTT (first, CONNACK sent), else a device session's protocol. */
  connectionOf(clientId: string): 'mqtt' | DeviceProtocol | undefined {
    const client = this.aedes?.client(clientId);
    if (client && !client.closed && this.sessions.get(client)) return 'mqtt';
    return this.devices.protocolOf(clientId);
  }

  usage(): UsageReport {
    return this.capture.usage();
  }

  /** Connected clients and publishes received from clients since the start, without building a report. */
  flow(): { connected: number; messagesIn: number } {
    return { connected: this.aedes.clients().length + this.devices.size, messagesIn: this.capture.metering.messagesIn };
  }

  // ── connections ──────────────────────────────────────────────────────────

  private accept(stream: Duplex, info: ConnectionInfo, peer?: object): void {
    const client = this.aedes.accept(stream, info.req, info.transport === 'tcp' || info.transport === 'tls');
    this.sessions.open(client, info.transport, info.remoteAddress, peer);
  }

  private explainWithheldRetained(client: AedesClient, filter: string): void {
    const withheld = this.persistence.retainedMatching(filter).length;
    if (withheld) this.ctx.deviations.explain('retainedWildcard', { clientId: client.id, topic: filter, withheld });
  }

  private publishEvent(topic: string, body: object): void {
    if (this.aedes.closed || checkLevels(topic)) return; // a client id with 100 slashes gets no lifecycle events
    this.publishPacket({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: false }).catch(() => {});
  }

  private publishPacket(packet: EnginePacket, from: AedesClient | null = null): Promise<void> {
    return this.dispatcher.publish(packet, from);
  }
}
