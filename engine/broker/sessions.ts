import { randomUUID } from 'node:crypto';
import type { AedesClient, Subscription } from './aedes-adapter.js';
import type { DeviceProtocol } from './device-sessions.js';
import type { Transport } from './listeners.js';
import type { Metering } from './metering.js';
import type { Mqtt5Connection } from './mqtt5/connection.js';
import * as presence from './presence.js';
import type { ConnectionGuard } from './security-hooks.js';
import type { NewActivity } from './activity-log.js';

/** One connection, from accept to close: what the broker knows beyond aedes' client. */
export interface Session extends presence.SessionIdentity {
  /** An MQTT listener's, or a device session's protocol (device-sessions.ts). */
  transport: Transport | DeviceProtocol;
  ipAddress: string;
  /** When the CONNECT completed; 0 until then. */
  connectedAt: number;
  reason?: presence.DisconnectReason;
  /** Token bucket for publishes per second. */
  tokens: number;
  refilledAt: number;
  /** Prefixes P of this client's `P/#` filters: AWS's `#` does not match P itself. */
  hashParents: Set<string>;
  /** Settles when this connection's latest QoS 1 publish may be acknowledged (keeps them in order). */
  qos1Tail?: Promise<void>;
  /** Security: what `SecurityHooks.admit` returned for a TLS or SigV4 peer, and the guard `connect` gave (none: allow all). */
  peer?: object;
  guard?: ConnectionGuard | null;
  /** The CONNECT had a zero-length client id (aedes then assigns `aedes_<uuid>`). */
  emptyClientId?: boolean;
  /** An MQTT 5 connection's state (absent for MQTT 3.1.1). */
  mqtt5?: Mqtt5Connection;
  /** MQTT 5: the CONNECT's Clean Start (aedes is handed a clean session only with Session Expiry Interval 0 too). */
  cleanStart?: boolean;
}

/** What the sessions' lifecycle reaches outside itself. */
export interface LifecycleSink {
  readonly aws: boolean;
  readonly metering: Metering;
  /** Publishes an AWS lifecycle event as the engine. */
  publishEvent(topic: string, body: object): void;
  /** Every connection, disconnection and (un)subscription, for the explorer's timeline (wildcard client ids too). */
  activity(event: NewActivity): void;
  /** aws mode: a wildcard filter was granted (AWS sends it no retained messages). */
  wildcardSubscribed(client: AedesClient, filter: string): void;
  stopping(): boolean;
}

/**
 * Sessions by aedes client, and their lifecycle as AWS IoT reports it: presence and subscription events
 * (https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html) with a `versionNumber` per client id.
 */
export class Sessions {
  private readonly byClient = new WeakMap<object, Session>();
  private readonly versions = new Map<string, number>();

  constructor(private readonly sink: LifecycleSink, private readonly publishesPerSecond: number, private readonly now: () => number) {}

  open(client: AedesClient, transport: Transport | DeviceProtocol, ipAddress: string, peer?: object): Session {
    const session: Session = {
      clientId: '', sessionIdentifier: randomUUID().replaceAll('-', ''), principalIdentifier: 'anonymous', versionNumber: 0,
      transport, ipAddress, connectedAt: 0, tokens: this.publishesPerSecond, refilledAt: this.now(), hashParents: new Set(), peer,
    };
    this.byClient.set(client, session);
    return session;
  }

  get(client: AedesClient): Session | undefined {
    return this.byClient.get(client);
  }

  /** Keeps the first reason a connection is going away for (its disconnected event reports it). */
  setReason(client: AedesClient, reason: presence.DisconnectReason): void {
    const s = this.byClient.get(client);
    if (s && !s.reason) s.reason = reason;
  }

  // ── aedes lifecycle events ───────────────────────────────────────────────

  /** CONNACK 0 was sent: the session is numbered and announced (AWS's connected event). */
  connected(client: AedesClient): void {
    const s = this.byClient.get(client);
    if (!s) return;
    s.clientId = client.id;
    s.connectedAt = this.now();
    s.versionNumber = (this.versions.get(client.id) ?? -1) + 1;
    this.versions.set(client.id, s.versionNumber);
    // A resumed persistent session's filters are restored without a 'subscribe' event.
    if (this.sink.aws) for (const f of Object.keys(client.subscriptions)) if (f.endsWith('/#')) s.hashParents.add(f.slice(0, -2));
    this.sink.metering.connected(client.id);
    this.sink.activity({ kind: 'connected', clientId: client.id, ipAddress: s.ipAddress, transport: s.transport });
    if (presence.hasLifecycleEvents(client.id)) {
      this.sink.publishEvent(presence.presenceTopic('connected', client.id), presence.connectedEvent(s, this.now(), s.ipAddress));
    }
  }

  keepaliveTimeout(client: AedesClient): void {
    this.setReason(client, 'MQTT_KEEP_ALIVE_TIMEOUT');
  }

  clientError(client: AedesClient, err: Error): void {
    this.setReason(client, presence.isConnectionLoss(err) ? 'CONNECTION_LOST' : 'CLIENT_ERROR');
  }

  clientDisconnect(client: AedesClient): void {
    const s = this.byClient.get(client);
    if (!s || !s.connectedAt) return;
    this.sink.metering.disconnected(client.id);
    const reason = client._disconnected ? 'CLIENT_INITIATED_DISCONNECT' : s.reason ?? (this.sink.stopping() ? 'SERVER_INITIATED_DISCONNECT' : 'CONNECTION_LOST');
    this.sink.activity({ kind: 'disconnected', clientId: client.id, reason });
    if (presence.hasLifecycleEvents(client.id)) {
      this.sink.publishEvent(presence.presenceTopic('disconnected', client.id), presence.disconnectedEvent(s, this.now(), reason));
    }
  }

  subscribed(all: Subscription[], client: AedesClient): void {
    const s = this.byClient.get(client);
    const subs = all.filter((x) => x.qos !== 128); // aedes reports refused filters too (granted 0x80)
    if (!s || !s.connectedAt || !subs.length) return;
    this.sink.activity({ kind: 'subscribed', clientId: client.id, subscriptions: subs.map((x) => ({ filter: x.topic, qos: x.qos as 0 | 1 | 2 })) });
    for (const { topic } of subs) {
      if (topic.startsWith('$share/')) continue; // a shared subscription gets no retained messages; its group checks '#'
      if (this.sink.aws && topic.endsWith('/#')) s.hashParents.add(topic.slice(0, -2));
      if (this.sink.aws && /[+#]/.test(topic)) this.sink.wildcardSubscribed(client, topic);
    }
    if (presence.hasLifecycleEvents(client.id)) {
      this.sink.publishEvent(presence.subscriptionTopic('subscribed', client.id), presence.subscriptionEvent(s, this.now(), 'subscribed', subs.map((x) => x.topic)));
    }
  }

  unsubscribed(topics: string[], client: AedesClient): void {
    const s = this.byClient.get(client);
    if (!s || !s.connectedAt || client.closed) return; // aedes drops a clean session's filters on close: not an UNSUBSCRIBE
    for (const t of topics) if (t.endsWith('/#')) s.hashParents.delete(t.slice(0, -2));
    this.sink.activity({ kind: 'unsubscribed', clientId: client.id, filters: topics });
    if (presence.hasLifecycleEvents(client.id)) {
      this.sink.publishEvent(presence.subscriptionTopic('unsubscribed', client.id), presence.subscriptionEvent(s, this.now(), 'unsubscribed', topics));
    }
  }
}
