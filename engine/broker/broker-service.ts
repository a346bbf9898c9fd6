import type { Duplex } from 'node:stream';
import type {
  ActivityQuery, BrokerActivity, ClientInfo, MessageProperties, BrokerMode, DeleteRetainedOptions, MessageQuery, MessageRecord,
  RetainedInfo, SeriesPoint, SeriesQuery, TopicStats, TopicTable, TopicTablePage, UsageReport,
} from '../contract/index.js';
import { EngineError, TypedEmitter, type Disposable, type Logger, type Service, type WebGuard } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { AedesAdapter, AEDES_MAX_INFLIGHT_INBOUND, MQTT_MAX_PACKET_BYTES, type AedesClient, type AedesPacket } from './aedes-adapter.js';
import { DeviationLog } from './aws-deviations.js';
import { DeliveryGate, type DeliveryHooks } from './delivery-gate.js';
import { ActivityLog } from './activity-log.js';
import { Capture, type BrokerEvents } from './capture.js';
import { PREVIEW_BYTES } from './message-log.js';
import { toMessageProperties } from './message-properties.js';
import { DurablePersistence, type RetainedEntry } from './durable-persistence.js';
import { DeviceSessions, type DeviceProtocol, type DeviceSession, type DeviceSessionRequest } from './device-sessions.js';
import { InboundWal } from './inbound-wal.js';
import type { BrokerLimits } from './limits.js';
import type { Properties } from './mqtt5/properties.js';
import { Metering } from './metering.js';
import { Connections, type DeviceRequestHandler } from './connections.js';
import type { ConnectionInfo } from './listeners.js';
import type { PacketContext } from './packets/context.js';
import { serverCapabilities } from './mqtt5/connection.js';
import { PacketHandlers } from './packets/handlers.js';
import type { SecurityHooks } from './security-hooks.js';
import { SessionExpiry } from './session-expiry.js';
import type { DelayedWills } from './delayed-wills.js';
import { Sessions } from './sessions.js';
import { logTapErrors, type OutgoingMessage, type PublishOptions, type TapHandler } from './taps.js';
import { checkLevels, checkPublish } from './topic-rules.js';

/** Engine publishes dispatched at once (below aedes' own concurrency of 100); see `publishPacket`. */
const ENGINE_IN_FLIGHT = 64;

/**
 * LIMITATIONS: MQTT 3.1.1 only (aedes 1.x); one broker process (no clustering); the principal in
 * presence events is `anonymous` until the security service authenticates clients.
 *
 * The broker's public face. aedes is reached only through `aedes-adapter.ts`; each packet kind has its handler in
 * `packets/`, connections their `Session` (`sessions.ts`), and what the broker carried is kept by `capture.ts`.
 */
export interface BrokerOptions {
  mode: BrokerMode;
  limits: BrokerLimits;
  host: string;
  ports: { mqtt: number; ws: number; mqtts?: number; wss?: number };
  /** Security: mutual-TLS listeners (ports.mqtts/wss) and policy enforcement go through these hooks (security service). */
  security?: SecurityHooks;
  /** Telemetry and events (engine/delivery): classified and kept on the publish path; none: plain MQTT for all. */
  delivery?: DeliveryHooks;
  /** `off`: the plain TCP and WebSocket listeners are not started (the hooks decide allow-all vs enforce). */
  plainListeners?: 'on' | 'off';
  /** Host and Origin admission on the WebSocket listeners (ws, wss): web pages the user visits (core/local-guard.ts). */
  webGuard?: WebGuard;
  /** Messages kept in the traffic history, in all. */
  historySize: number;
  /** Payload bytes (plus a fixed charge per message) the history keeps at most; default 256 MiB. */
  historyBytes?: number;
  /** The most messages kept of one topic; default 10,000. */
  historyPerTopic?: number;
  /** CONNECT must arrive within this time. */
  connectTimeoutMs?: number;
  /** A client that does not read its socket for this long is disconnected. */
  drainTimeoutMs?: number;
  /** A device session (HTTPS, CoAP) with no request for this long ends (its disconnected event); default 60 s. */
  deviceIdleMs?: number;
}

function retainedMessage(e: RetainedEntry): { topic: string; payload: Buffer; qos: 0 | 1; lastModifiedTime: number; properties?: Properties } {
  const m = { topic: e.packet.topic, payload: e.packet.payload, qos: Math.min(e.packet.qos, 1) as 0 | 1, lastModifiedTime: e.modified };
  const properties = (e.packet as { properties?: Properties }).properties;
  return properties ? { ...m, properties } : m;
}

export type { BrokerEvents } from './capture.js';

/** A message of the history with its full payload (`heldMessages`). */
export interface HeldMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  clientId: string | null;
  time: number;
  properties?: MessageProperties;
}

/**
 * The largest remaining length read from a client: the payload limit plus room for the largest topic, packet id and
 * MQTT 5 properties. A payload limit of 0 is none: then only MQTT's own largest packet bounds a frame.
 */
function maxRemainingLength(limits: BrokerLimits): number {
  return limits.maxPayloadBytes ? limits.maxPayloadBytes + 65_536 + 8 : MQTT_MAX_PACKET_BYTES;
}

export class BrokerService implements Service {
  readonly name = 'broker';
  readonly events = new TypedEmitter<BrokerEvents>();
  private aedes!: AedesAdapter;
  private persistence!: DurablePersistence;
  private expiry?: SessionExpiry;
  private wills?: DelayedWills;
  private readonly connections: Connections;
  private readonly ctx: PacketContext;
  /** Engine publishes dispatched and not yet done, and those waiting for a turn. */
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
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
    const expiry = (this.expiry = this.sessionExpiry(persistence));
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
    handlers.publishWill = (packet, client) => this.aedes.publishFrom(packet, client, () => {});
    // Held before the sessions that expired while the engine was down end (which publishes their wills).
    await this.holdRestoredWills(persistence, handlers);
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
    const packet: Omit<AedesPacket, 'qos'> & { qos: number; cmd: string } = { cmd: 'publish', ...plain };
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
    if (!this.aedes || this.aedes.closed || !this.aedes.deliverTo(clientId, packet, () => {})) return false;
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

  /** Whether a connected client (CONNACK sent) takes deliveries on `filter` now. */
  isSubscribed(clientId: string, filter: string): boolean {
    const client = this.aedes?.client(clientId);
    return client !== undefined && !client.closed && client.connackSent && Object.hasOwn(client.subscriptions, filter);
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
    return this.persistence.listRetained().filter((e) => e.packet.topic.startsWith(prefix)).map((e) => {
      const m = retainedMessage(e);
      const truncated = m.payload.length > PREVIEW_BYTES;
      return {
        topic: m.topic, payload: (truncated ? m.payload.subarray(0, PREVIEW_BYTES) : m.payload).toString('base64'), size: m.payload.length,
        truncated, qos: m.qos, lastModifiedTime: m.lastModifiedTime,
      };
    });
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

  /**
   * MQTT 5 wills the previous run still held (it stopped or crashed with their connections open, or while they waited
   * for their Will Delay Interval) wait for that interval again from now, as for a connection found lost at start:
   * published when it passes or the session ends, dropped when the client reconnects to its session first
   * [MQTT-3.1.3-9]. aedes' will sweep (which would publish them a few minutes after start) leaves them alone.
   */
  private async holdRestoredWills(persistence: DurablePersistence, handlers: PacketHandlers): Promise<void> {
    const brokerId = this.aedes.brokerId;
    for await (const will of persistence.streamWill({ [brokerId]: true })) {
      const packet = will as AedesPacket & { clientId?: string; brokerId?: string };
      const seconds = packet.properties?.willDelayInterval ?? 0;
      const clientId = packet.clientId;
      if (!seconds || clientId === undefined) continue;
      packet.brokerId = brokerId; // this run holds it now
      handlers.wills.hold(clientId, seconds, (publish) => {
        if (!publish) return; // the client's new connection replaces its stored will
        // Unstored first: a new connection's will, stored meanwhile, must not be the one deleted afterwards.
        void persistence.delWill({ id: clientId }).catch(() => {});
        handlers.authorizePublish(null as never, packet, (err) => {
          if (!err) handlers.publishWill(packet, null);
        });
      });
    }
  }

  // ── connections ──────────────────────────────────────────────────────────

  private sessionExpiry(persistence: DurablePersistence): SessionExpiry {
    const { sessionExpiryDefault: period, sessionExpiryMax: max } = this.opts.limits;
    if (this.ctx.aws && max && period > max) {
      this.logger.log('warn', 'broker', `sessionExpiryDefault ${period} s is over AWS's maximum of ${max} s: persistent sessions expire after ${max} s`);
    }
    return new SessionExpiry({
      aws: this.ctx.aws,
      limits: this.opts.limits,
      store: this.store,
      now: this.now,
      endSession: (clientId) => {
        this.aedes?.sessionEnded(clientId);
        this.wills?.sessionEnded(clientId); // a will waiting for its delay goes out when its session ends [MQTT-3.1.2-8]
        return persistence.endSession(clientId);
      },
      storedSessions: () => persistence.storedSessions(),
      expired: (clientId, info) => {
        this.logger.log('info', 'broker', `the persistent session of client ${clientId} ended: disconnected for its session expiry interval of ${info.expirySeconds} s; `
          + `${info.subscriptions} subscription(s) and ${info.queued} queued message(s) discarded`, { clientId, ...info });
        if (this.ctx.aws && info.protocol !== 5) this.ctx.deviations.explain('sessionExpired', { clientId, expirySeconds: info.expirySeconds });
      },
      crossVersion: (clientId, info) => this.ctx.deviations.explain('crossVersionSession', { clientId, ...info }),
    });
  }

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

  /**
   * Resolves once dispatched and, if it stored anything (retained, queued for offline sessions), once that is durable.
   * At most ENGINE_IN_FLIGHT engine publishes are dispatched at once; the others wait their turn in order and start
   * from a promise continuation. A burst (a job's notices to 5,000 things) thus never queues thousands of messages in
   * aedes' emitter, whose release chain runs the queued ones recursively and overflowed the stack.
   */
  private publishPacket(packet: Omit<AedesPacket, 'qos'> & { qos: number; cmd: string }, from: AedesClient | null = null): Promise<void> {
    if (this.inFlight >= ENGINE_IN_FLIGHT) return new Promise<void>((go) => this.waiting.push(go)).then(() => this.dispatch(packet, from));
    this.inFlight++;
    return this.dispatch(packet, from);
  }

  /** `from`: a device session's stand-in client, whose publish it is (capture, metering, rules' `clientid()`). */
  private dispatch(packet: Omit<AedesPacket, 'qos'> & { qos: number; cmd: string }, from: AedesClient | null): Promise<void> {
    const writesBefore = this.persistence.writes;
    return new Promise<void>((resolve, reject) => this.aedes.publishFrom(packet as AedesPacket, from, (err?: Error | null) => {
      if (err) return reject(err);
      // Events kept for absent consumers (engine/delivery) are durable before the publish resolves, as stored state is.
      const kept = this.delivery.durable(packet);
      const stored = this.persistence.writes !== writesBefore ? this.persistence.flushed() : undefined;
      if (kept || stored) Promise.all([kept, stored]).then(() => resolve(), reject);
      else resolve();
    })).finally(() => {
      // The slot passes to the next waiting publish, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    });
  }
}
