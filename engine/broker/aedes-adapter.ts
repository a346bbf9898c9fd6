import './silence-packet-debug.js'; // must run before aedes loads mqtt-packet: aedes is imported in AedesAdapter.create()
import { PassThrough, type Duplex } from 'node:stream';
import type { Aedes } from 'aedes';
import type { DurablePersistence } from './durable-persistence.js';
import { cacheTopicMatches, coalesceWrites, serializePublishes } from './aedes-fixes.js';
import { batchDeliveries, type DeliveringClient } from './batched-delivery.js';
import { EarlyPackets } from './early-packets.js';
import { PacketSplitter } from './packet-splitter.js';
import type { Properties } from './mqtt5/properties.js';
import { isShared, SharedSubscriptions, type Deliver } from './shared-subscriptions.js';
import type { Mqtt5Connection } from './mqtt5/connection.js';
import type { ConnectProperties } from './mqtt5/inbound.js';
import { mqtt5Of, registerMqtt5 } from './mqtt5/outbound.js';
import { REASON } from './mqtt5/reason-codes.js';
import type { AcceptedMqtt5 } from './packets/connect.js';

/**
 * The only code that knows aedes: its options and hooks, its events, and the private fields the broker's fixes and
 * fast paths rely on (`aedes-fixes.ts`, `batched-delivery.ts`, `packet-splitter.ts` work on the objects this file
 * hands them). Every such field is listed in {@link AEDES_INTERNALS} and checked when the broker starts, so an aedes
 * upgrade that renames one fails at once, naming the field, instead of subtly.
 */

/** The aedes release whose internals this adapter was written against (package.json pins it exactly). */
export const AEDES_VERSION = '1.2.0';

/** MQTT 3.1.1 §2.2.3: the largest remaining length, plus the fixed header. */
export const MQTT_MAX_PACKET_BYTES = 268_435_455 + 5;
/** aedes' default cap on a client's inbound QoS 2 PUBLISHes awaiting PUBREL (aedes.js `maxInflightInbound`). */
export const AEDES_MAX_INFLIGHT_INBOUND = 1000;

/** What the broker uses of aedes' Client. */
export interface AedesClient {
  /** null until the CONNECT is accepted. */
  id: string;
  clean: boolean;
  will: object | null;
  conn: Duplex & { destroy(err?: Error): void };
  /** By filter; `func` is the delivery function aedes subscribed for it (shared subscriptions find their member by it). */
  subscriptions: Record<string, { qos: number; func?: unknown }>;
  closed: boolean;
  connecting: boolean;
  connackSent: boolean;
  _disconnected?: boolean;
  /** Keep-alive in ms × 1.5 (aedes' timer), -1 before CONNECT. */
  _keepaliveInterval: number;
  /** Set once an MQTT 5 CONNECT was let through: aedes sees every client as MQTT 3.1.1. */
  mqtt5?: Mqtt5Connection;
  /** Packets parsed and not yet handled (aedes reads the socket again when it drops to 0). */
  _parsingBatch: number;
  _parser: {
    parse(buf: Buffer): unknown;
    emit(event: string, ...args: unknown[]): boolean;
    settings?: { protocolVersion?: number };
  };
}

export interface AedesPacket {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  messageId?: number;
  cmd?: string;
  clientId?: string;
  subscriptions?: Subscription[];
  keepalive?: number;
  /**
   * MQTT 5 properties (engine/broker/mqtt5/properties.ts shape: user properties as ordered pairs). On a PUBLISH they
   * are the message's own and travel with it through aedes (aedes-packet copies them); absent for MQTT 3.1.1.
   */
  properties?: Properties;
  /** A message with a Message Expiry Interval: its deadline, ms on the engine clock (message-expiry.ts; aedes-packet keeps it). */
  messageExpiry?: number;
}

/** One filter of a SUBSCRIBE (or of a restored session); `subscriptionIdentifier`: MQTT 5, standard mode only. */
export type Subscription = { topic: string; qos: number; subscriptionIdentifier?: number };
type Done = (err?: Error | null) => void;

/** The broker's side of aedes: its hooks and lifecycle events, plus what arrives before aedes handles a packet. */
export interface AedesHooks {
  preConnect(client: AedesClient, packet: AedesPacket & { clientId?: string }): void;
  authenticate(client: AedesClient, cb: (err: Error | null, ok: boolean) => void): void;
  authorizePublish(client: AedesClient, packet: AedesPacket, cb: Done): void;
  authorizeSubscribe(client: AedesClient, sub: Subscription, cb: (err: Error | null, sub: object | null) => void): void;
  /** Called for every delivery: keep it cheap. */
  authorizeForward(client: AedesClient, packet: AedesPacket): AedesPacket | null;
  published(packet: AedesPacket, client: AedesClient | null, cb: (err?: Error) => void): void;
  /** Every message entering the broker (clients', wills, the engine's), before aedes numbers it. */
  messageRouted(packet: AedesPacket, clientId?: string | null): void;
  /** Each packet parsed from a client, before aedes sees it: true drops it. */
  dropsPacket(client: AedesClient, packet: AedesPacket): boolean;
  /** An MQTT 5 CONNECT: its connection state and the copy aedes gets, or null when refused (the hook answered it). */
  acceptMqtt5(client: AedesClient, packet: AedesPacket, decoded: ConnectProperties): AcceptedMqtt5 | null;
  /** Each later packet of an MQTT 5 connection, before `dropsPacket`: true drops it. */
  dropsMqtt5Packet(client: AedesClient, packet: AedesPacket, connection: Mqtt5Connection): boolean;
  /** The connection is being closed because of a malformed or oversized frame. */
  frameRefused(client: AedesClient, problem: string): void;
  /** CONNACK 0 was sent. */
  connected(client: AedesClient): void;
  keepaliveTimeout(client: AedesClient): void;
  clientError(client: AedesClient, err: Error): void;
  clientDisconnect(client: AedesClient): void;
  subscribed(subs: Subscription[], client: AedesClient): void;
  unsubscribed(topics: string[], client: AedesClient): void;
  /** A shared subscription's filter takes this topic (the mode's rules beyond MQTT matching). */
  sharedMatches(filter: string, topic: string): boolean;
  /** A shared subscription's member may receive this topic, so it can be the one chosen. */
  sharedMayReceive(client: AedesClient, topic: string): boolean;
}

export interface AedesAdapterOptions {
  persistence: DurablePersistence;
  connectTimeoutMs: number;
  drainTimeoutMs: number;
  /** Frames larger than this close the connection before anything of them is buffered. */
  maxPacketBytes: number;
  /** Publishes that may store something: aedes takes them one at a time (see `serializePublishes`). */
  mayStore(packet: { qos: number; retain: boolean }): boolean;
  /** How a shared subscription's group picks the member for a message. */
  sharedChoice: 'random' | 'round-robin';
  /**
   * Inbound QoS 2 PUBLISHes a client may have awaiting PUBREL before aedes closes its connection (aedes: 1000). Never
   * below the Receive Maximum the CONNACK offers MQTT 5 clients, who are held to that one (DISCONNECT 0x93).
   */
  maxInflightInbound: number;
}

type Kind = 'function' | 'object' | 'number' | 'boolean' | 'string';
/**
 * Every private (undocumented) member of aedes that Thingbench relies on, by owner, with who relies on it. Checked
 * on a live broker and a probe client at start-up: {@link checkAedesInternals}.
 */
export const AEDES_INTERNALS: Record<'broker' | 'mq' | 'matcher' | 'client' | 'parser', Record<string, Kind>> = {
  // adapter: clients(), queueLimit, subscribe/unsubscribe (wrapped for shared subscriptions: aedes calls them once per
  // filter with the function it stores as client.subscriptions[filter].func); aedes-fixes: serializePublishes (id,
  // counter, maxTopicLevels, publish, published, mq)
  broker: {
    clients: 'object', queueLimit: 'number', id: 'string', counter: 'number', maxTopicLevels: 'number', publish: 'function', published: 'function',
    mq: 'object', handle: 'function', closed: 'boolean', subscribe: 'function', unsubscribe: 'function',
  },
  // aedes-fixes: serializePublishes wraps emit, cacheTopicMatches wraps the trie
  mq: { emit: 'function', _matcher: 'object' },
  matcher: { match: 'function', add: 'function', remove: 'function', clear: 'function' },
  // adapter (sessions, clients()), early-packets (connecting, connackSent, _parsingBatch) and batched-delivery
  client: {
    conn: 'object', subscriptions: 'object', clean: 'boolean', closed: 'boolean', connecting: 'boolean', connected: 'boolean',
    connackSent: 'boolean', _disconnected: 'boolean', _keepaliveInterval: 'number', _parsingBatch: 'number', _parser: 'object',
    duplicates: 'object', _nextId: 'number', deliver0: 'function', deliverQoS: 'function', waitForDrain: 'function',
    _onError: 'function', broker: 'object', close: 'function',
  },
  // adapter and packet-splitter: parse and emit are wrapped; settings holds the CONNECT (protocol version)
  parser: { parse: 'function', emit: 'function', settings: 'object' },
};

/** Throws, naming the first member of {@link AEDES_INTERNALS} that `found` lacks or has in another shape. */
export function checkAedesInternals(found: Record<keyof typeof AEDES_INTERNALS, object>, version = AEDES_VERSION): void {
  for (const [owner, members] of Object.entries(AEDES_INTERNALS) as Array<[keyof typeof AEDES_INTERNALS, Record<string, Kind>]>) {
    const target = found[owner] as Record<string, unknown>;
    for (const [name, kind] of Object.entries(members)) {
      const value = target?.[name];
      const ok = kind === 'object' ? typeof value === 'object' && value !== null : typeof value === kind;
      if (!ok) {
        throw new Error(`aedes ${version} internals changed: ${owner}.${name} is ${value === null ? 'null' : typeof value}, expected ${kind}. `
          + `The broker relies on it (engine/broker/aedes-adapter.ts); keep aedes pinned at ${version} or update the adapter.`);
      }
    }
  }
}

type AedesBroker = Awaited<ReturnType<typeof Aedes.createBroker>>;

export class AedesAdapter {
  /** Packets a connection sent before its CONNACK, held until then. */
  private readonly early = new WeakMap<object, EarlyPackets>();
  /** Connections whose socket is open: a shared subscription's member is found among them. */
  private readonly live = new Set<AedesClient>();
  /** `$share/…` subscriptions' groups (shared-subscriptions.ts). */
  readonly shared: SharedSubscriptions<AedesClient, AedesPacket>;

  private constructor(private readonly broker: AedesBroker, private readonly hooks: AedesHooks, private readonly maxPacketBytes: number, opts: AedesAdapterOptions) {
    this.shared = this.routeSharedSubscriptions(opts);
  }

  static async create(opts: AedesAdapterOptions, hooks: AedesHooks): Promise<AedesAdapter> {
    // Loaded here, not statically: ESM links static imports (and runs CommonJS ones) before any module body.
    const { Aedes: AedesBroker } = await import('aedes');
    const broker = await AedesBroker.createBroker({
      persistence: opts.persistence,
      connectTimeout: opts.connectTimeoutMs,
      drainTimeout: opts.drainTimeoutMs,
      maxClientsIdLength: 65535,
      maxInflightInbound: opts.maxInflightInbound,
      preConnect: (client: AedesClient, packet: AedesPacket, cb: (err: Error | null, ok: boolean) => void) => {
        hooks.preConnect(client, packet);
        cb(null, true);
      },
      authenticate: (client: AedesClient, _user: unknown, _pass: unknown, cb: (err: Error | null, ok: boolean) => void) => hooks.authenticate(client, cb),
      authorizePublish: hooks.authorizePublish.bind(hooks),
      authorizeSubscribe: hooks.authorizeSubscribe.bind(hooks),
      authorizeForward: hooks.authorizeForward.bind(hooks),
      published: hooks.published.bind(hooks),
    } as never);
    try {
      withProbe(broker, checkAedesInternals);
    } catch (e) {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      throw e;
    }
    serializePublishes(broker, opts.mayStore, (packet, client) => hooks.messageRouted(packet as AedesPacket, (client as AedesClient | null)?.id));
    cacheTopicMatches(broker);
    const adapter = new AedesAdapter(broker, hooks, opts.maxPacketBytes, opts);
    const b = broker as unknown as NodeJS.EventEmitter;
    // Connected once CONNACK 0 is out (before a resumed session's backlog), so that the packets held until then find
    // their session ready, and their subscription events follow the connected event.
    b.on('connackSent', (connack: { returnCode: number }, client: AedesClient) => {
      if (connack.returnCode === 0) {
        adapter.shared.connected(client.id);
        hooks.connected(client);
      }
      adapter.early.get(client)?.connackSent();
    });
    b.on('keepaliveTimeout', hooks.keepaliveTimeout.bind(hooks));
    b.on('clientError', hooks.clientError.bind(hooks));
    b.on('clientDisconnect', hooks.clientDisconnect.bind(hooks));
    b.on('subscribe', hooks.subscribed.bind(hooks));
    b.on('unsubscribe', hooks.unsubscribed.bind(hooks));
    return adapter;
  }

  get closed(): boolean {
    return this.broker.closed;
  }

  /** This broker's id (aedes gives each start a new one; a stored will names the broker that stored it). */
  get brokerId(): string {
    return (this.broker as unknown as { id: string }).id;
  }

  /** Hands a new connection to aedes, with the broker's write coalescing, batched delivery and frame splitting. */
  accept(stream: Duplex, req: unknown, coalesce: boolean): AedesClient {
    if (coalesce) coalesceWrites(stream);
    const client = this.broker.handle(stream, req as never) as unknown as AedesClient;
    this.live.add(client);
    stream.once('close', () => this.live.delete(client));
    batchDeliveries(client as unknown as DeliveringClient); // before any SUBSCRIBE: aedes binds a subscription to them
    const parser = client._parser;
    const splitter = new PacketSplitter(this.maxPacketBytes, parser, parser.parse.bind(parser));
    parser.parse = (buf: Buffer) => {
      const problem = splitter.feed(buf);
      if (!problem) return;
      const refusal = splitter.mqtt5 ? splitter.refusal : undefined;
      this.hooks.frameRefused(client, refusal ? `${problem} (DISCONNECT 0x${refusal.reasonCode.toString(16)})` : problem);
      // An MQTT 5 connection learns why [MQTT-4.13.1-1]; a CONNECT refused before aedes saw it gets its CONNACK [MQTT-3.1.2-2].
      if (splitter.mqtt5 && refusal) splitter.mqtt5.disconnect(refusal.reasonCode, refusal.message, false);
      else if (splitter.closingPacket) client.conn.end(splitter.closingPacket);
      else client.conn.destroy();
    };
    const early = new EarlyPackets(client, parser.emit.bind(parser), this.queueLimit);
    this.early.set(client, early);
    parser.emit = new PacketGate(client, this.hooks, early, splitter).emit;
    return client;
  }

  /** Publishes without a client (the engine's own, and on a user's behalf). */
  publish(packet: { cmd: string; topic: string; payload: Buffer; qos: number; retain: boolean }, done: Done): void {
    this.broker.publish(packet as never, done as never);
  }

  /** Publishes a client's will outside aedes' own will path (which deletes the client id's stored will afterwards). */
  publishFrom(packet: AedesPacket, client: AedesClient | null, done: Done): void {
    (this.broker as unknown as { publish(p: object, c: object | null, d: Done): void }).publish(packet, client, done);
  }

  /**
   * Writes a PUBLISH to one connected client, whether or not it subscribed, through its batched delivery (message id,
   * MQTT 5 encoding and Receive Maximum, the forward hook's iot:Receive check) but not through the router: no other
   * subscriber, no retained store, not queued in a persistent session. False when no client with that id has its CONNACK.
   */
  deliverTo(clientId: string, packet: AedesPacket, done: Done): boolean {
    const client = this.client(clientId) as (AedesClient & { deliverDirected?(p: AedesPacket, cb: Done): void }) | undefined;
    if (!client?.deliverDirected || client.closed || !client.connackSent) return false;
    client.deliverDirected(packet, done);
    return true;
  }

  /** A disconnected persistent session ended (its expiry): it is no longer an offline member of any shared subscription. */
  sessionEnded(clientId: string): void {
    this.shared.connected(clientId);
  }

  clients(): AedesClient[] {
    return Object.values(this.clientMap());
  }

  client(id: string): AedesClient | undefined {
    return this.clientMap()[id];
  }

  /** The keep-alive aedes applies, in seconds (it keeps 1.5 × the interval in ms). */
  keepaliveSeconds(client: AedesClient): number {
    return Math.round(client._keepaliveInterval / 1500);
  }

  close(): Promise<void> {
    for (const client of this.clients()) mqtt5Of(client.conn)?.disconnect(REASON.serverShuttingDown, 'the broker is shutting down', false);
    return new Promise((resolve) => this.broker.close(() => resolve()));
  }

  /**
   * aedes subscribes each filter of each client to its router with `broker.subscribe(filter, func)` (and restores a
   * persistent session's the same way); a `$share/…` filter goes to its group instead, which holds one real
   * subscription to the bare filter. Stored shared subscriptions of offline sessions rejoin their groups at start.
   */
  private routeSharedSubscriptions(opts: AedesAdapterOptions): SharedSubscriptions<AedesClient, AedesPacket> {
    type Route = (topic: string, fn: Deliver<AedesPacket>, done?: (err?: Error | null) => void) => void;
    const b = this.broker as unknown as { subscribe: Route; unsubscribe: Route };
    const subscribe = b.subscribe.bind(this.broker);
    const unsubscribe = b.unsubscribe.bind(this.broker);
    const { hooks, live } = this;
    const shared = new SharedSubscriptions<AedesClient, AedesPacket>({
      subscribe,
      unsubscribe,
      ownerOf: (topic, deliver) => {
        for (const c of live) if (!c.closed && c.subscriptions[topic]?.func === deliver) return c;
        return undefined;
      },
      clientId: (c) => c.id,
      granted: (c, topic) => c.subscriptions[topic]?.qos ?? 0,
      persistent: (c) => !c.clean,
      closed: (c) => c.closed,
      matches: (filter, topic) => hooks.sharedMatches(filter, topic),
      mayReceive: (c, topic) => hooks.sharedMayReceive(c, topic),
      enqueue: (clientId, packet) => opts.persistence.outgoingEnqueueCombi([{ clientId }], packet as never),
    }, opts.sharedChoice);
    b.subscribe = (topic, fn, done) => (isShared(topic) ? shared.subscribe(topic, fn, done) : subscribe(topic, fn, done));
    b.unsubscribe = (topic, fn, done) => (isShared(topic) ? shared.unsubscribe(topic, fn, done) : unsubscribe(topic, fn, done));
    for (const s of opts.persistence.storedSharedSubscriptions()) shared.restoreOffline(s.clientId, s.topic, s.qos);
    return shared;
  }

  private get queueLimit(): number {
    return (this.broker as unknown as { queueLimit: number }).queueLimit;
  }

  private clientMap(): Record<string, AedesClient> {
    return (this.broker as unknown as { clients: Record<string, AedesClient> }).clients;
  }
}

/** Shows `check` the live objects {@link AEDES_INTERNALS} describes: the broker, its emitter and trie, and a probe client. */
function withProbe(broker: AedesBroker, check: (found: Record<keyof typeof AEDES_INTERNALS, object>) => void): void {
  const b = broker as unknown as { mq?: { _matcher?: object }; handle(conn: Duplex): { _parser?: object; clean: boolean; close(): void } };
  const client = b.handle(new PassThrough());
  try {
    check({ broker: b, mq: b.mq ?? {}, matcher: b.mq?._matcher ?? {}, client, parser: client._parser ?? {} });
  } finally {
    client.clean = false; // a probe has no session to clean up
    client.close();
  }
}

/**
 * A connection's parsed packets on their way to aedes: an MQTT 5 CONNECT becomes the MQTT 3.1.1 copy aedes speaks
 * (`AedesHooks.acceptMqtt5`), an MQTT 5 connection's packets get their own checks, then each is dropped
 * (`AedesHooks.dropsPacket`), held until CONNACK, or handed on.
 */
class PacketGate {
  constructor(
    private readonly client: AedesClient,
    private readonly hooks: AedesHooks,
    private readonly early: EarlyPackets,
    private readonly splitter: PacketSplitter,
  ) {}

  readonly emit = (event: string, arg: unknown): boolean => {
    let packet = arg as AedesPacket & { protocolVersion?: number };
    const mqtt5 = this.splitter.mqtt5;
    if (event !== 'packet') {
      if (event === 'error' && mqtt5) mqtt5.disconnect(REASON.malformedPacket, (arg as Error).message);
      return this.early.forward(event, arg);
    }
    if (mqtt5) {
      if (packet.cmd !== 'publish' && this.splitter.properties) packet.properties = this.splitter.properties;
      if (this.hooks.dropsMqtt5Packet(this.client, packet, mqtt5)) return true;
    } else if (packet.cmd === 'connect' && packet.protocolVersion === 5) {
      const accepted = this.hooks.acceptMqtt5(this.client, packet, this.splitter.connectProperties ?? { properties: {} });
      if (!accepted) return true;
      registerMqtt5(this.client.conn, accepted.connection);
      this.client.mqtt5 = accepted.connection;
      this.splitter.mqtt5 = accepted.connection;
      packet = accepted.packet;
    }
    return this.hooks.dropsPacket(this.client, packet) || this.early.hold(packet) || this.early.forward(event, packet);
  };
}
