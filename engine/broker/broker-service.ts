import './silence-packet-debug.js'; // must run before aedes loads mqtt-packet: aedes is imported in start()
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Aedes } from 'aedes';
import type { ClientInfo, BrokerMode, MessageBatch, MessageQuery, MessageRecord, TopicStats, UsageReport } from '../contract/index.js';
import { topicMatches } from '../contract/index.js';
import { EngineError, TypedEmitter, type Logger, type Service, type WebGuard } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { DeviationLog } from './aws-deviations.js';
import { DurablePersistence } from './durable-persistence.js';
import { InboundWal } from './inbound-wal.js';
import type { BrokerLimits } from './limits.js';
import { listenTcp, listenTls, listenWs, listenWss, type ConnectionInfo, type Listener, type TlsListener, type Transport } from './listeners.js';
import type { ConnectionGuard, SecurityHooks } from './security-hooks.js';
import { LiveFeed } from './live-feed.js';
import { MessageLog, toRecord } from './message-log.js';
import { Metering } from './metering.js';
import { PacketSplitter } from './packet-splitter.js';
import * as presence from './presence.js';
import { clientMayPublishReserved } from './reserved-topics.js';
import { awsFilterMatches, checkLevels, checkPublish, checkTopicName } from './topic-rules.js';
import { TopicIndex } from './topic-index.js';
import { Taps, type PublishOptions, type TapHandler, type TappedMessage } from './taps.js';
import { cacheTopicMatches, coalesceWrites, serializePublishes } from './aedes-fixes.js';
import { EarlyPackets } from './early-packets.js';
import { batchDeliveries, type DeliveringClient } from './batched-delivery.js';

/**
 * LIMITATIONS: MQTT 3.1.1 only (aedes 1.x); one broker process (no clustering); the principal in
 * presence events is `anonymous` until the security service authenticates clients.
 *
 * This file and `listeners.ts` are the only ones that know aedes; its `_parser` is wrapped per
 * connection to refuse oversized frames early and to drop what AWS IoT never acknowledges (QoS 2).
 */
export interface BrokerOptions {
  mode: BrokerMode;
  limits: BrokerLimits;
  host: string;
  ports: { mqtt: number; ws: number; mqtts?: number; wss?: number };
  /** Security: mutual-TLS listeners (ports.mqtts/wss) and policy enforcement go through these hooks (security service). */
  security?: SecurityHooks;
  /** `off`: the plain TCP and WebSocket listeners are not started (the hooks decide allow-all vs enforce). */
  plainListeners?: 'on' | 'off';
  /** Host and Origin admission on the WebSocket listeners (ws, wss): web pages the user visits (core/local-guard.ts). */
  webGuard?: WebGuard;
  historySize: number;
  historyBytes?: number;
  /** CONNECT must arrive within this time. */
  connectTimeoutMs?: number;
  /** A client that does not read its socket for this long is disconnected. */
  drainTimeoutMs?: number;
}

export interface BrokerEvents {
  messages: MessageBatch;
}

interface Session extends presence.SessionIdentity {
  transport: Transport;
  ipAddress: string;
  connectedAt: number;
  reason?: presence.DisconnectReason;
  /** Token bucket for publishes per second. */
  tokens: number;
  refilledAt: number;
  /** Prefixes P of this client's `P/#` filters: AWS's `#` does not match P itself. */
  hashParents: Set<string>;
  /** Settles when this connection's latest QoS 1 publish may be acknowledged (keeps them in order). */
  qos1Tail?: Promise<void>;
  /** Security: what `SecurityHooks.admit` returned for a TLS peer, and the guard `connect` gave (none: allow all). */
  peer?: object;
  guard?: ConnectionGuard | null;
}

/** The subset of aedes' Client this adapter uses. */
interface AedesClient {
  id: string;
  clean: boolean;
  will: object | null;
  conn: Duplex & { destroy(err?: Error): void };
  subscriptions: Record<string, { qos: number }>;
  _disconnected?: boolean;
  _keepaliveInterval: number;
  connecting: boolean;
  connackSent: boolean;
  /** Packets parsed and not yet handled (aedes reads the socket again when it drops to 0). */
  _parsingBatch: number;
  _parser: {
    parse(buf: Buffer): unknown;
    emit(event: string, ...args: unknown[]): boolean;
    settings?: { protocolVersion?: number };
    /** Packets held until the CONNECT completes; null once they were handed on (or the connection closed). */
    _queue: object[] | null;
  };
  close(cb?: () => void): void;
}

/** MQTT 3.1.1 §2.2.3: the largest remaining length, plus the fixed header. */
const MQTT_MAX_PACKET_BYTES = 268_435_455 + 5;

interface AedesPacket {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  messageId?: number;
  cmd?: string;
  subscriptions?: Array<{ topic: string; qos: number }>;
  keepalive?: number;
}

type Broker = Awaited<ReturnType<typeof Aedes.createBroker>>;

export class BrokerService implements Service {
  readonly name = 'broker';
  readonly events = new TypedEmitter<BrokerEvents>();
  private broker!: Broker;
  private persistence!: DurablePersistence;
  private wal!: InboundWal;
  private listeners: Listener[] = [];
  private readonly sessions = new WeakMap<object, Session>();
  private readonly versions = new Map<string, number>();
  private readonly refusedFilters = new WeakSet<object>();
  /** Will packets on their way to publication: aedes hands the same object to `authorizePublish` and `published`. */
  private readonly wills = new WeakSet<object>();
  /** Publishes the engine makes on someone else's behalf (`publish(msg, { origin: 'client' })`). */
  private readonly clientPublishes = new WeakSet<object>();
  /** Packets a connection sent before its CONNACK, held until then. */
  private readonly early = new WeakMap<object, EarlyPackets>();
  /** Connections that sent a zero-length client id (aedes then assigns `aedes_<uuid>`). */
  private readonly emptyClientIds = new WeakSet<object>();
  private readonly log: MessageLog;
  private readonly topicIndex = new TopicIndex();
  private readonly metering: Metering;
  private readonly feed: LiveFeed;
  private readonly deviations: DeviationLog;
  private readonly taps = new Taps();
  private stopping = false;
  ports: { mqtt: number; ws: number; mqtts?: number; wss?: number } = { mqtt: 0, ws: 0 };

  constructor(private readonly store: Store, readonly opts: BrokerOptions, private readonly logger: Logger, private readonly now: () => number = Date.now) {
    this.log = new MessageLog(opts.historySize, opts.historyBytes ?? 256 * 1024 * 1024, (msg) => this.topicIndex.forget(msg));
    this.metering = new Metering(now);
    this.feed = new LiveFeed(this.topicIndex, (batch) => this.events.emit('messages', batch), (msg) => this.log.holds(msg));
    this.deviations = new DeviationLog(logger, now);
  }

  get mode(): BrokerMode {
    return this.opts.mode;
  }

  private get aws(): boolean {
    return this.opts.mode === 'aws';
  }

  async start(): Promise<void> {
    const { limits } = this.opts;
    this.persistence = new DurablePersistence(this.store, {
      retainedMatch: this.aws ? 'exact' : 'mqtt',
      backlogRate: limits.backlogPerSecond,
      onBacklogThrottled: (clientId) => {
        if (this.aws) this.deviations.explain('backlogRate', { clientId, perSecond: limits.backlogPerSecond });
      },
      now: this.now,
    });
    this.wal = new InboundWal(this.store);
    // Loaded here, not statically: ESM links static imports (and runs CommonJS ones) before any module body.
    const { Aedes: AedesBroker } = await import('aedes');
    this.broker = await AedesBroker.createBroker({
      persistence: this.persistence,
      connectTimeout: this.opts.connectTimeoutMs ?? 10_000,
      drainTimeout: this.opts.drainTimeoutMs ?? 30_000,
      maxClientsIdLength: 65535,
      preConnect: (client: AedesClient, packet: AedesPacket & { clientId?: string }, cb: (err: Error | null, ok: boolean) => void) => {
        if (!packet.clientId) this.emptyClientIds.add(client);
        this.clampKeepAlive(client, packet);
        cb(null, true);
      },
      authenticate: (client: AedesClient, _user: unknown, _pass: unknown, cb: (err: Error | null, ok: boolean) => void) => this.authenticate(client, cb),
      authorizePublish: (client: AedesClient, packet: AedesPacket, cb: (err?: Error | null) => void) => this.authorizePublish(client, packet, cb),
      authorizeSubscribe: (client: AedesClient, sub: { topic: string; qos: number }, cb: (err: Error | null, sub: object | null) => void) => {
        // Security: iot:Subscribe; AWS disconnects an MQTT 3.1.1 client whose subscription is denied.
        const guard = this.sessions.get(client)?.guard;
        if (guard && !guard.subscribe(sub.topic)) {
          this.setReason(client, 'AUTH_ERROR');
          return cb(new Error(`not authorized to subscribe to ${sub.topic}`), null);
        }
        cb(null, this.authorizeSubscribe(client, sub));
      },
      authorizeForward: (client: AedesClient, packet: AedesPacket) => this.authorizeForward(client, packet),
      published: (packet: AedesPacket, client: AedesClient | null, cb: (err?: Error) => void) => {
        this.capture(packet, client);
        // Stored state is journaled behind dispatch (see DurablePersistence.writeBehind): PUBREC of a client's QoS 2,
        // sent after this hook, must wait until it is durable. The engine's own publishes wait in publishPacket.
        if (packet.qos === 2 && client) this.persistence.flushed().then(() => cb(), cb);
        else cb();
      },
    } as never);
    // Stored, so dispatched only in order: retained publishes, and QoS > 0 ones while a persistent session could queue them.
    serializePublishes(this.broker, (p) => p.retain || (p.qos > 0 && this.persistence.hasQueueingSubscriptions));
    cacheTopicMatches(this.broker);
    this.observeLifecycle();
    // Finish QoS 1 publishes acknowledged before a crash whose storing did not complete.
    for (const packet of this.wal.pending()) await this.publishPacket(packet);
    this.wal.clearRecovered();
    const hooks = this.opts.security;
    // Security: a SigV4-signed WebSocket upgrade is admitted by the hooks like a TLS peer (its principal is the key).
    const signedUpgrade = hooks?.authenticateUpgrade?.bind(hooks);
    const onConnection = (stream: Duplex, info: ConnectionInfo) => (hooks && info.signedBy ? this.admit(hooks, stream, info) : this.accept(stream, info));
    // Security: plain listeners may be switched off; TLS listeners exist only with hooks and a port (0 = free port).
    if (this.opts.plainListeners !== 'off') {
      const tcp = await listenTcp(this.opts.host, this.opts.ports.mqtt, onConnection);
      const ws = await listenWs(this.opts.host, this.opts.ports.ws, onConnection, signedUpgrade, this.opts.webGuard);
      this.listeners.push(tcp, ws);
      this.ports = { mqtt: tcp.port, ws: ws.port };
    }
    if (hooks && (this.opts.ports.mqtts !== undefined || this.opts.ports.wss !== undefined)) {
      const secure: TlsListener[] = [];
      const onTls = (stream: Duplex, info: ConnectionInfo) => this.admit(hooks, stream, info);
      if (this.opts.ports.mqtts !== undefined) this.ports.mqtts = (secure[secure.length] = await listenTls(this.opts.host, this.opts.ports.mqtts, hooks.tlsCredentials(), onTls)).port;
      if (this.opts.ports.wss !== undefined) this.ports.wss = (secure[secure.length] = await listenWss(this.opts.host, this.opts.ports.wss, hooks.tlsCredentials(), onTls, signedUpgrade, this.opts.webGuard)).port;
      hooks.onTrustChange(() => secure.forEach((l) => l.setCredentials(hooks.tlsCredentials())));
      this.listeners.push(...secure);
    }
    this.feed.start();
  }

  async stop(): Promise<void> {
    if (!this.broker || this.stopping) return;
    this.stopping = true;
    this.feed.stop();
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    await Promise.all(this.listeners.map((l) => l.close()));
    await this.store.write([]).catch(() => {}); // wait for the journal to take pending writes
  }

  // ── data plane ───────────────────────────────────────────────────────────

  /**
   * Publishes without a client id: the engine's own messages, or (`origin: 'client'`) the HTTP API's and the UI's on a
   * user's behalf, which taps then do not trust as the engine's. Resolves once stored and dispatched.
   */
  async publish(msg: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean }, opts?: PublishOptions): Promise<void> {
    const violation = checkPublish(msg.topic, msg.payload.length, this.opts.limits) ?? checkLevels(msg.topic);
    if (violation) throw new EngineError(violation.deviation === 'payloadTooLarge' ? 'TooLarge' : 'InvalidInput', violation.message);
    if (this.aws && msg.retain && msg.topic.startsWith('$')) throw new EngineError('InvalidInput', 'RETAIN is not allowed on reserved topics');
    const packet = { cmd: 'publish', ...msg };
    if (opts?.origin === 'client') this.clientPublishes.add(packet);
    await this.publishPacket(packet);
  }

  /** In-engine subscription: `handler` sees each matching publish once it is stored and dispatched. */
  tap(filter: string, handler: TapHandler) {
    return this.taps.add(filter, handler);
  }

  getRetained(topic: string) {
    const e = this.persistence.getRetained(topic);
    return e && { topic, payload: e.packet.payload, qos: Math.min(e.packet.qos, 1) as 0 | 1, lastModifiedTime: e.modified };
  }

  listRetained() {
    return this.persistence.listRetained().map((e) => ({ topic: e.packet.topic, payload: e.packet.payload, qos: Math.min(e.packet.qos, 1) as 0 | 1, lastModifiedTime: e.modified }));
  }

  // ── queries for the UI ───────────────────────────────────────────────────

  topics(prefix?: string): TopicStats[] {
    return this.topicIndex.snapshot(prefix, this.now());
  }

  messages(query?: MessageQuery): MessageRecord[] {
    return this.log.query(query).map((m) => toRecord(m));
  }

  message(id: number): MessageRecord | null {
    const m = this.log.get(id);
    return m ? toRecord(m, true) : null;
  }

  clients(): ClientInfo[] {
    return Object.values((this.broker as unknown as { clients: Record<string, AedesClient> }).clients).flatMap((client) => {
      const s = this.sessions.get(client);
      if (!s) return [];
      return [{
        clientId: client.id,
        connectedAt: s.connectedAt,
        ipAddress: s.ipAddress,
        transport: s.transport,
        clean: client.clean,
        keepalive: Math.round(client._keepaliveInterval / 1500),
        subscriptions: Object.keys(client.subscriptions),
      }];
    });
  }

  usage(): UsageReport {
    return this.metering.report();
  }

  // ── connections ──────────────────────────────────────────────────────────

  /** Security: a TLS connection reaches aedes only once the hooks accepted its client certificate (AWS closes it otherwise). */
  private admit(hooks: SecurityHooks, stream: Duplex, info: ConnectionInfo): void {
    hooks.admit(info.peerCertificate, info).then((r) => {
      if ('refused' in r) {
        this.logger.log('warn', 'security', `refused ${info.transport} connection from ${info.remoteAddress}: ${r.refused}`, { transport: info.transport, remoteAddress: info.remoteAddress });
        stream.destroy();
      } else if (!stream.destroyed) this.accept(stream, info, r.peer);
    }, (e: Error) => {
      this.logger.log('error', 'security', `admitting a ${info.transport} connection failed: ${e.message}`);
      stream.destroy();
    });
  }

  private accept(stream: Duplex, info: ConnectionInfo, peer?: object): void {
    if (info.transport === 'tcp' || info.transport === 'tls') coalesceWrites(stream);
    const client = this.broker.handle(stream, info.req as never) as unknown as AedesClient;
    batchDeliveries(client as unknown as DeliveringClient); // before any SUBSCRIBE: aedes binds a subscription to them
    const session: Session = {
      clientId: '', sessionIdentifier: randomUUID().replaceAll('-', ''), principalIdentifier: 'anonymous', versionNumber: 0,
      transport: info.transport, ipAddress: info.remoteAddress, connectedAt: 0,
      tokens: this.opts.limits.publishesPerSecond, refilledAt: this.now(), hashParents: new Set(), peer,
    };
    this.sessions.set(client, session);
    const parser = client._parser;
    // A payload limit of 0 is none: then only MQTT's own largest packet (remaining length 268,435,455) bounds a frame.
    const maxPayload = this.opts.limits.maxPayloadBytes;
    const splitter = new PacketSplitter(maxPayload ? maxPayload + 65_536 + 8 : MQTT_MAX_PACKET_BYTES, parser, parser.parse.bind(parser));
    parser.parse = (buf: Buffer) => {
      const problem = splitter.feed(buf);
      if (problem) {
        session.reason = 'CLIENT_ERROR';
        if (this.aws && problem.includes('exceeds')) this.deviations.explain('payloadTooLarge', { clientId: client.id, problem });
        else this.logger.log('warn', 'broker', `closing connection from ${info.remoteAddress}: ${problem}`, { clientId: client.id });
        client.conn.destroy();
      }
    };
    const early = new EarlyPackets(client, parser.emit.bind(parser), (this.broker as unknown as { queueLimit: number }).queueLimit);
    this.early.set(client, early);
    parser.emit = (event: string, arg: unknown) => {
      if (event !== 'packet') return early.forward(event, arg);
      return this.dropsPacket(client, session, arg as AedesPacket) || early.hold(arg as AedesPacket) || early.forward(event, arg);
    };
  }

  /** Packets that AWS IoT silently never acknowledges, and publishes over the per-connection rate. */
  private dropsPacket(client: AedesClient, session: Session, packet: AedesPacket): boolean {
    if (packet.cmd === 'publish') {
      if (this.aws && packet.qos === 2) {
        this.deviations.explain('qos2Publish', { clientId: client.id, topic: packet.topic });
        return true;
      }
      const rate = this.opts.limits.publishesPerSecond;
      if (rate) {
        const now = this.now();
        session.tokens = Math.min(rate, session.tokens + ((now - session.refilledAt) * rate) / 1000);
        session.refilledAt = now;
        if (session.tokens < 1) {
          this.deviations.explain('publishThrottled', { clientId: client.id, topic: packet.topic });
          return true;
        }
        session.tokens -= 1;
      }
    } else if (packet.cmd === 'subscribe' && packet.subscriptions) {
      if (this.aws && packet.subscriptions.some((s) => s.qos === 2)) {
        this.deviations.explain('qos2Subscribe', { clientId: client.id, topic: packet.subscriptions.map((s) => s.topic).join(' ') });
        return true;
      }
      const max = this.opts.limits.filtersPerSubscribe;
      if (max && packet.subscriptions.length > max) {
        packet.subscriptions.slice(max).forEach((s) => this.refusedFilters.add(s));
        this.deviations.explain('tooManyFilters', { clientId: client.id, count: packet.subscriptions.length });
      }
    }
    return false;
  }

  private clampKeepAlive(client: AedesClient, packet: AedesPacket): void {
    const { keepAliveMin: min, keepAliveMax: max } = this.opts.limits;
    if (!max || packet.keepalive === undefined) return;
    const wanted = packet.keepalive;
    const granted = wanted === 0 ? max : Math.min(max, Math.max(min, wanted));
    if (granted !== wanted) {
      packet.keepalive = granted;
      if (this.aws) this.deviations.explain('keepAliveClamped', { clientId: (packet as { clientId?: string }).clientId ?? client.id, requested: wanted, granted });
    }
  }

  private authenticate(client: AedesClient, cb: (err: Error | null, ok: boolean) => void): void {
    const refuse = (message: string) => cb(Object.assign(new Error(message), { returnCode: 2 }), false);
    const idBytes = Buffer.byteLength(client.id, 'utf8');
    if (this.emptyClientIds.has(client) && !client.clean) return refuse('zero-length client id requires a clean session'); // [MQTT-3.1.3-8]
    if (this.opts.limits.maxClientIdBytes && idBytes > this.opts.limits.maxClientIdBytes) {
      if (this.aws) this.deviations.explain('clientIdTooLong', { clientId: client.id.slice(0, 64) + '…', bytes: idBytes });
      return refuse(`client id of ${idBytes} bytes is over the limit`);
    }
    // Security: iot:Connect (CONNACK 5 "not authorized" when denied).
    const session = this.sessions.get(client);
    if (this.opts.security && session) {
      const r = this.opts.security.connect({ clientId: client.id, transport: session.transport, remoteAddress: session.ipAddress, peer: session.peer });
      if (r && 'refused' in r) return cb(Object.assign(new Error(r.refused), { returnCode: 5 }), false);
      session.guard = r;
      if (r) session.principalIdentifier = r.principal;
    }
    const previous = ((this.broker as unknown as { clients: Record<string, AedesClient> }).clients)[client.id];
    const prevSession = previous && previous !== client ? this.sessions.get(previous) : undefined;
    if (prevSession) prevSession.reason = 'DUPLICATE_CLIENTID';
    cb(null, true);
  }

  private authorizePublish(client: AedesClient, packet: AedesPacket, cb: (err?: Error | null) => void): void {
    if (isWill(client as AedesClient | null, packet)) this.wills.add(packet);
    // Security: iot:Publish (and iot:RetainPublish); AWS disconnects an MQTT 3.1.1 client whose publish is denied.
    const guard = this.sessions.get(client)?.guard;
    if (guard && !guard.publish(packet.topic, packet.retain)) {
      this.setReason(client, 'AUTH_ERROR');
      return cb(new Error(`not authorized to publish to ${packet.topic}`));
    }
    const refusal = this.refusePublish(client, packet);
    if (refusal) {
      const session = this.sessions.get(client);
      if (session) session.reason = 'CLIENT_ERROR';
      return cb(new Error(refusal));
    }
    if (packet.qos !== 1) return cb(null);
    // aedes sends PUBACK before it stores: make what must survive durable first.
    const durable = this.wal.guard(packet, this.persistence);
    const session = this.sessions.get(client);
    const previous = session?.qos1Tail;
    if (!durable && !previous) return cb(null);
    // A QoS 1 publish that waits for the write-ahead fsync must not be overtaken by a later one that does not: one
    // connection's QoS 1 publishes are acknowledged and dispatched in the order received [MQTT-4.6.0-6].
    const ready = Promise.all([previous, durable]).then(() => {});
    if (session) {
      const tail = ready.catch(() => {});
      session.qos1Tail = tail;
      void tail.then(() => {
        if (session.qos1Tail === tail) session.qos1Tail = undefined;
      });
    }
    ready.then(() => cb(null), (e: Error) => cb(e));
  }

  /** Why a client's publish is refused (the connection is then closed), or null. */
  private refusePublish(client: AedesClient, packet: AedesPacket): string | null {
    const violation = checkPublish(packet.topic, packet.payload.length, this.opts.limits);
    if (violation) {
      if (this.aws && violation.deviation) this.deviations.explain(violation.deviation, { clientId: client.id, topic: packet.topic.slice(0, 300) });
      return violation.message;
    }
    if (this.aws && packet.retain && packet.topic.startsWith('$')) {
      this.deviations.explain('retainReserved', { clientId: client.id, topic: packet.topic });
      return 'RETAIN on a reserved topic';
    }
    if (this.aws && packet.topic.charCodeAt(0) === 36 && !clientMayPublishReserved(packet.topic)) {
      this.deviations.explain('reservedTopic', { clientId: client.id, topic: packet.topic.slice(0, 300) });
      return `publishing to the reserved topic ${packet.topic.slice(0, 300)} is not allowed`;
    }
    return null;
  }

  private authorizeSubscribe(client: AedesClient, sub: { topic: string; qos: number }): object | null {
    if (this.refusedFilters.has(sub)) return null;
    const violation = checkTopicName(sub.topic, this.opts.limits);
    if (violation) {
      if (this.aws && violation.deviation) this.deviations.explain(violation.deviation, { clientId: client.id, topic: sub.topic.slice(0, 300) });
      return null;
    }
    const max = this.opts.limits.subscriptionsPerConnection;
    if (max && !(sub.topic in client.subscriptions) && Object.keys(client.subscriptions).length >= max) {
      if (this.aws) this.deviations.explain('tooManySubscriptions', { clientId: client.id, topic: sub.topic });
      return null;
    }
    return sub;
  }

  /** Called for every delivery: keep it cheap. */
  private authorizeForward(client: AedesClient, packet: AedesPacket): AedesPacket | null {
    const session = this.sessions.get(client);
    if (session?.guard && !session.guard.receive(packet.topic)) return null; // Security: iot:Receive, on every delivery
    if (session && session.hashParents.size && session.hashParents.has(packet.topic)) {
      const matched = Object.keys(client.subscriptions).some((f) => awsFilterMatches(f, packet.topic));
      if (!matched) {
        this.deviations.explain('hashParent', { clientId: client.id, topic: packet.topic, filter: `${packet.topic}/#` });
        return null;
      }
    }
    if (!packet.topic.startsWith('$SYS/')) this.metering.outbound(client.id, packet.payload.length);
    // aedes caps delivery QoS only by a filter equal to the topic: a QoS 2 publish would reach a QoS 1 wildcard
    // subscription at QoS 2 [MQTT-3.8.4-6]. Cap it by the highest QoS among the matching filters.
    if (packet.qos === 2 && !(packet.topic in client.subscriptions)) {
      const matches = this.aws ? awsFilterMatches : topicMatches;
      let granted = 0;
      for (const [f, sub] of Object.entries(client.subscriptions)) if (sub.qos > granted && matches(f, packet.topic)) granted = sub.qos;
      if (granted < 2) return { ...packet, qos: granted as 0 | 1 };
    }
    return packet;
  }

  private capture(packet: AedesPacket, client: AedesClient | null): void {
    if (packet.topic.startsWith('$SYS/')) return; // aedes' own heartbeat, not traffic
    const clientId = client?.id ?? null;
    const msg = this.log.append(packet.topic, packet.payload, packet.qos, packet.retain, clientId, this.now());
    this.topicIndex.record(msg);
    if (packet.retain) this.topicIndex.setRetained(packet.topic, packet.payload.length > 0);
    if (clientId) this.metering.inbound(clientId, packet.payload.length);
    if (this.events.has('messages')) this.feed.push(msg);
    if (this.taps.size) {
      // Taps get the parsed payload, not the history's copy, which the history may write over once it lets go of it.
      this.taps.dispatch(msg.topic, () => {
        const principal = client ? this.sessions.get(client)?.guard?.principal : undefined; // Security: rules' principal()
        const origin = client || this.wills.has(packet) || this.clientPublishes.has(packet) ? 'client' : 'engine';
        const tapped: TappedMessage = { topic: msg.topic, payload: packet.payload, qos: msg.qos, retain: msg.retain, clientId, origin, time: msg.time };
        if (principal) tapped.principal = principal;
        if (this.wills.has(packet)) tapped.will = true;
        return tapped;
      });
    }
    this.wal.complete(packet);
  }

  private observeLifecycle(): void {
    const b = this.broker as unknown as NodeJS.EventEmitter;
    // Connected once CONNACK 0 is out (before a resumed session's backlog), so that the packets held until then find
    // their session ready, and their subscription events follow the connected event.
    b.on('connackSent', (connack: { returnCode: number }, client: AedesClient) => {
      if (connack.returnCode === 0) this.ready(client);
      this.early.get(client)?.connackSent();
    });
    b.on('keepaliveTimeout', (client: AedesClient) => this.setReason(client, 'MQTT_KEEP_ALIVE_TIMEOUT'));
    b.on('clientError', (client: AedesClient, err: Error) => this.setReason(client, presence.isConnectionLoss(err) ? 'CONNECTION_LOST' : 'CLIENT_ERROR'));
    b.on('clientDisconnect', (client: AedesClient) => {
      const s = this.sessions.get(client);
      if (!s || !s.connectedAt) return;
      this.metering.disconnected(client.id);
      const reason = client._disconnected ? 'CLIENT_INITIATED_DISCONNECT' : s.reason ?? (this.stopping ? 'SERVER_INITIATED_DISCONNECT' : 'CONNECTION_LOST');
      if (presence.hasLifecycleEvents(client.id)) {
        this.publishEvent(presence.presenceTopic('disconnected', client.id), presence.disconnectedEvent(s, this.now(), reason));
      }
    });
    b.on('subscribe', (all: Array<{ topic: string; qos: number }>, client: AedesClient) => {
      const s = this.sessions.get(client);
      const subs = all.filter((x) => x.qos !== 128); // aedes reports refused filters too (granted 0x80)
      if (!s || !s.connectedAt || !subs.length) return;
      for (const { topic } of subs) {
        if (this.aws && topic.endsWith('/#')) s.hashParents.add(topic.slice(0, -2));
        if (this.aws && /[+#]/.test(topic)) this.explainWithheldRetained(client, topic);
      }
      if (presence.hasLifecycleEvents(client.id)) {
        this.publishEvent(presence.subscriptionTopic('subscribed', client.id), presence.subscriptionEvent(s, this.now(), 'subscribed', subs.map((x) => x.topic)));
      }
    });
    b.on('unsubscribe', (topics: string[], client: AedesClient & { closed?: boolean }) => {
      const s = this.sessions.get(client);
      if (!s || !s.connectedAt || client.closed) return; // aedes drops a clean session's filters on close: not an UNSUBSCRIBE
      for (const t of topics) if (t.endsWith('/#')) s.hashParents.delete(t.slice(0, -2));
      if (presence.hasLifecycleEvents(client.id)) {
        this.publishEvent(presence.subscriptionTopic('unsubscribed', client.id), presence.subscriptionEvent(s, this.now(), 'unsubscribed', topics));
      }
    });
  }

  /** CONNACK 0 was sent: the session is numbered and announced (AWS's connected event). */
  private ready(client: AedesClient): void {
    const s = this.sessions.get(client);
    if (!s) return;
    s.clientId = client.id;
    s.connectedAt = this.now();
    s.versionNumber = (this.versions.get(client.id) ?? -1) + 1;
    this.versions.set(client.id, s.versionNumber);
    // A resumed persistent session's filters are restored without a 'subscribe' event.
    if (this.aws) for (const f of Object.keys(client.subscriptions)) if (f.endsWith('/#')) s.hashParents.add(f.slice(0, -2));
    this.metering.connected(client.id);
    if (presence.hasLifecycleEvents(client.id)) {
      this.publishEvent(presence.presenceTopic('connected', client.id), presence.connectedEvent(s, this.now(), s.ipAddress));
    }
  }

  private explainWithheldRetained(client: AedesClient, filter: string): void {
    const withheld = this.persistence.retainedMatching(filter).length;
    if (withheld) this.deviations.explain('retainedWildcard', { clientId: client.id, topic: filter, withheld });
  }

  private setReason(client: AedesClient, reason: presence.DisconnectReason): void {
    const s = this.sessions.get(client);
    if (s && !s.reason) s.reason = reason;
  }

  private publishEvent(topic: string, body: object): void {
    if (this.broker.closed || checkLevels(topic)) return; // a client id with 100 slashes gets no lifecycle events
    this.publishPacket({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: false }).catch(() => {});
  }

  /** Resolves once dispatched and, if it stored anything (retained, queued for offline sessions), once that is durable. */
  private publishPacket(packet: Omit<AedesPacket, 'qos'> & { qos: number }): Promise<void> {
    const writesBefore = this.persistence.writes;
    return new Promise((resolve, reject) => this.broker.publish(packet as never, (err?: Error | null) => {
      if (err) reject(err);
      else if (this.persistence.writes !== writesBefore) this.persistence.flushed().then(resolve, reject);
      else resolve();
    }));
  }
}

/**
 * aedes publishes a will as `client.will` when the connection is lost, or, for a will that outlived its broker (a
 * crash), as the stored packet, which its persistence stamped with the owner's client id (client publishes have none).
 */
function isWill(client: AedesClient | null, packet: AedesPacket): boolean {
  return packet === client?.will || (packet as { clientId?: string }).clientId !== undefined;
}
