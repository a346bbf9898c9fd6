import { Readable } from 'node:stream';
import MemoryPersistence, { type ClientRef, type PersistedPacket, type Sub } from 'aedes-persistence/asyncPersistence.js';
import { topicMatches } from '../contract/index.js';
import type { Statement, Store } from '../storage/index.js';
import { isExpired, type Expiring } from './message-expiry.js';
import { decodePacket, encodePacket } from './packet-codec.js';
import { retainedHandedOut } from './retained-copies.js';
import { innerFilter, isRefusedPlaceholder } from './shared-subscriptions.js';

export interface RetainedEntry {
  packet: PersistedPacket;
  modified: number;
}

/** A packet's MQTT 5 properties object: copies of one message share it (aedes-packet), so identity tells them apart. */
const propertiesOf = (packet: PersistedPacket): unknown => (packet as { properties?: unknown }).properties;

export interface DurablePersistenceOptions {
  /** `exact`: retained messages only for a filter equal to their topic (AWS IoT); `mqtt`: wildcard matching. */
  retainedMatch: 'exact' | 'mqtt';
  /** Stored messages replayed to a resuming session per second (AWS: 10); 0 = no limit. */
  backlogRate: number;
  /** Called once per resumed session whose backlog the rate actually holds back. */
  onBacklogThrottled?(clientId: string): void;
  now(): number;
  /** False when this session must not queue the message (an event for an offline session: the delivery service keeps it). */
  queues?(packet: { payload: Buffer }, clientId: string): boolean;
}

/**
 * aedes persistence that keeps the hot state in memory (aedes' own implementation) and mirrors every
 * change into the project's Store. Retained messages and queued messages are journaled behind dispatch
 * (`writeBehind`); the broker's `published` hook awaits `flushed()` so aedes sends PUBREC (QoS 2) after the
 * journal fsync; QoS 1 PUBACK is covered by the inbound write-ahead record in `inbound-wal.ts`, because
 * aedes acknowledges QoS 1 before it stores.
 */
export class DurablePersistence extends MemoryPersistence {
  private readonly retained = new Map<string, RetainedEntry>();
  /** `clientId\0filter` of persistent-session subscriptions with QoS > 0: the ones that queue messages. */
  private readonly queueingSubs = new Set<string>();
  /** The shared ones among them (`clientId\0$share/…`). */
  private readonly sharedQueueingSubs = new Set<string>();
  private position = 0;
  /** The filters of the SUBSCRIBE being completed that get no retained messages (Retain Handling), by its granted filters. */
  private withheld: { granted: string[]; filters: Set<string> } | null = null;
  private lastWrite: Promise<void> = Promise.resolve();
  /** Counts journaled changes, so a caller can tell whether an operation stored anything. */
  writes = 0;

  constructor(private readonly store: Store, private readonly opts: DurablePersistenceOptions) {
    super();
  }

  override async setup(broker: unknown): Promise<void> {
    await super.setup(broker);
    await this.load();
  }

  /** Replays stored state into memory without writing it back. */
  private async load(): Promise<void> {
    for (const row of this.store.all<{ topic: string; packet: string; modified: number }>('SELECT topic, packet, modified FROM broker_retained')) {
      this.retained.set(row.topic, { packet: decodePacket(row.packet), modified: row.modified });
    }
    for (const topic of [...this.retained.keys()]) this.liveRetained(topic); // expired while the engine was down
    const subs = new Map<string, Sub[]>();
    for (const row of this.store.all<{ client_id: string; topic: string; options: string }>('SELECT client_id, topic, options FROM broker_subscriptions')) {
      subs.set(row.client_id, [...(subs.get(row.client_id) ?? []), { topic: row.topic, ...JSON.parse(row.options) }]);
    }
    for (const [clientId, list] of subs) {
      await super.addSubscriptions({ id: clientId }, list);
      // Restored subscriptions queue too: without them the inbound write-ahead would skip publishes they must keep.
      for (const s of list) if (s.qos > 0) this.queueing(clientId, s.topic, true);
    }
    for (const row of this.store.all<{ client_id: string; packet: string; position: number }>('SELECT client_id, packet, position FROM broker_outgoing ORDER BY position')) {
      const packet = decodePacket(row.packet);
      // aedes' queue drops message ids on enqueue; a message that was in flight keeps its id and is resent with DUP [MQTT-4.4.0-1].
      if (packet.messageId !== undefined && packet.cmd === 'publish') packet.dup = true;
      await super.outgoingEnqueue({ clientId: row.client_id }, packet);
      if (packet.messageId !== undefined) await super.outgoingUpdate({ id: row.client_id }, packet);
      this.position = Math.max(this.position, row.position);
    }
    for (const row of this.store.all<{ client_id: string; packet: string }>('SELECT client_id, packet FROM broker_incoming')) {
      await super.incomingStorePacket({ id: row.client_id }, decodePacket(row.packet));
    }
    for (const row of this.store.all<{ client_id: string; packet: string }>('SELECT client_id, packet FROM broker_wills')) {
      const will = decodePacket(row.packet);
      const owner = will.brokerId;
      await super.putWill({ id: row.client_id }, will);
      will.brokerId = owner; // the previous broker's id: aedes publishes wills of brokers that are gone
    }
  }

  // ── retained ──────────────────────────────────────────────────────────────

  override async storeRetained(packet: PersistedPacket): Promise<void> {
    const current = this.retained.get(packet.topic);
    if (packet.payload.length === 0) {
      if (!current) return;
      this.retained.delete(packet.topic);
      return this.writeBehind([{ sql: 'DELETE FROM broker_retained WHERE topic = ?', params: [packet.topic] }]);
    }
    // The inbound write-ahead path may already have stored this very message.
    if (current && current.packet.payload.equals(packet.payload) && current.packet.qos === packet.qos
      && propertiesOf(current.packet) === propertiesOf(packet)) return;
    const entry = { packet: { ...packet, retain: true }, modified: this.opts.now() };
    this.retained.set(packet.topic, entry);
    return this.writeBehind([{
      sql: 'INSERT OR REPLACE INTO broker_retained (topic, packet, modified) VALUES (?, ?, ?)',
      params: [packet.topic, encodePacket(entry.packet), entry.modified],
    }]);
  }

  getRetained(topic: string): RetainedEntry | undefined {
    return this.liveRetained(topic);
  }

  listRetained(): RetainedEntry[] {
    return this.allRetained().sort((a, b) => (a.packet.topic < b.packet.topic ? -1 : 1));
  }

  /** Retained messages a filter would receive under standard MQTT matching (for explaining what AWS withholds). */
  retainedMatching(filter: string): RetainedEntry[] {
    return this.allRetained().filter((e) => topicMatches(filter, e.packet.topic));
  }

  private allRetained(): RetainedEntry[] {
    const live: RetainedEntry[] = [];
    for (const topic of [...this.retained.keys()]) {
      const e = this.liveRetained(topic);
      if (e) live.push(e);
    }
    return live;
  }

  /**
   * The retained message of a topic, unless its Message Expiry Interval has passed: then it is removed from memory at
   * once and from the journal behind [MQTT-3.3.2-5] (AWS: "If the messages haven't been sent to the subscribers within
   * that interval, the message will expire and be removed").
   */
  private liveRetained(topic: string): RetainedEntry | undefined {
    const e = this.retained.get(topic);
    if (!e || !isExpired(e.packet as Expiring, this.opts.now())) return e;
    this.retained.delete(topic);
    this.writeBehind([{ sql: 'DELETE FROM broker_retained WHERE topic = ?', params: [topic] }]);
    return undefined;
  }

  /**
   * MQTT 5 Retain Handling (§3.8.3.1): of the SUBSCRIBE aedes completes next, with these `granted` filters, `filters`
   * get no retained messages (2: never; 1: the subscription existed [MQTT-3.3.1-10], [MQTT-3.3.1-11]). aedes asks for
   * the retained messages right after its 'subscribe' event, synchronously: this is set from that event and taken by
   * the retained stream it asks for.
   */
  withholdRetained(granted: string[], filters: string[]): void {
    this.withheld = filters.length ? { granted, filters: new Set(filters) } : null;
  }

  override createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern]);
  }

  override createRetainedStreamCombi(patterns: string[]): Readable {
    const withheld = this.withheld && sameList(this.withheld.granted, patterns) ? this.withheld.filters : null;
    this.withheld = null;
    const packets: PersistedPacket[] = [];
    for (const pattern of patterns) {
      // A new shared subscription gets no retained messages (MQTT 5 §4.8.2; AWS: "not sent to shared subscriptions").
      if (pattern.startsWith('$share/') || withheld?.has(pattern)) continue;
      if (this.opts.retainedMatch === 'exact') {
        const hit = this.liveRetained(pattern);
        if (hit) packets.push(hit.packet);
      } else {
        for (const e of this.retainedMatching(pattern)) packets.push(e.packet);
      }
    }
    for (const p of packets) retainedHandedOut(p);
    return Readable.from(packets);
  }

  // ── subscriptions of persistent sessions ─────────────────────────────────

  /** True when some offline-capable subscription exists; lets QoS 1 publishes skip the queue lookup. */
  get hasQueueingSubscriptions(): boolean {
    return this.queueingSubs.size > 0;
  }

  /**
   * aedes asks on every QoS 1/2 publish; only QoS > 0 persistent subscriptions are in the trie it matches. A shared
   * subscription is queued for by its group (shared-subscriptions.ts), never because a topic equals its `$share/…` text.
   */
  override async subscriptionsByTopic(topic: string): Promise<Sub[]> {
    if (!this.queueingSubs.size) return [];
    const subs = await super.subscriptionsByTopic(topic);
    return topic.startsWith('$share/') ? subs.filter((s) => !s.topic.startsWith('$share/')) : subs;
  }

  /** Some persistent session's QoS > 0 shared subscription takes `topic`: its group may queue the message. */
  sharedMayQueue(topic: string): boolean {
    for (const key of this.sharedQueueingSubs) if (topicMatches(innerFilter(key.slice(key.indexOf('\0') + 1)), topic)) return true;
    return false;
  }

  private queueing(clientId: string, topic: string, on: boolean): void {
    const key = `${clientId}\0${topic}`;
    const shared = topic.startsWith('$share/');
    if (on) {
      this.queueingSubs.add(key);
      if (shared) this.sharedQueueingSubs.add(key);
    } else {
      this.queueingSubs.delete(key);
      if (shared) this.sharedQueueingSubs.delete(key);
    }
  }

  /** Persistent sessions' stored `$share/…` subscriptions (their groups know them before the clients reconnect). */
  storedSharedSubscriptions(): Array<{ clientId: string; topic: string; qos: number }> {
    return this.store.all<{ client_id: string; topic: string; options: string }>("SELECT client_id, topic, options FROM broker_subscriptions WHERE topic LIKE '$share/%'")
      .map((r) => ({ clientId: r.client_id, topic: r.topic, qos: (JSON.parse(r.options) as { qos: number }).qos }));
  }

  override async addSubscriptions(client: ClientRef, subs: Sub[]): Promise<void> {
    // aedes stores a SUBSCRIBE's whole list with each granted filter: the ones refused as malformed stay out.
    subs = subs.filter((s) => !isRefusedPlaceholder(s.topic));
    await super.addSubscriptions(client, subs);
    for (const s of subs) this.queueing(client.id, s.topic, s.qos > 0);
    return this.store.write(subs.map((s) => ({
      sql: 'INSERT OR REPLACE INTO broker_subscriptions (client_id, topic, options) VALUES (?, ?, ?)',
      params: [client.id, s.topic, JSON.stringify({ qos: s.qos, rh: s.rh, rap: s.rap, nl: s.nl, subscriptionIdentifier: s.subscriptionIdentifier })],
    })));
  }

  override async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    await super.removeSubscriptions(client, topics);
    for (const t of topics) this.queueing(client.id, t, false);
    return this.store.write(topics.map((t) => ({ sql: 'DELETE FROM broker_subscriptions WHERE client_id = ? AND topic = ?', params: [client.id, t] })));
  }

  override async cleanSubscriptions(client: ClientRef): Promise<void> {
    await super.cleanSubscriptions(client);
    for (const key of this.queueingSubs) if (key.startsWith(`${client.id}\0`)) this.queueing(client.id, key.slice(client.id.length + 1), false);
    // Every clean connect lands here: only touch the journal (and wait for an fsync) when there is something to delete.
    const stored = this.store.get('SELECT 1 AS found FROM broker_subscriptions WHERE client_id = ? UNION ALL SELECT 1 FROM broker_outgoing WHERE client_id = ? LIMIT 1', [client.id, client.id]);
    if (!stored) return;
    return this.store.write([
      { sql: 'DELETE FROM broker_subscriptions WHERE client_id = ?', params: [client.id] },
      { sql: 'DELETE FROM broker_outgoing WHERE client_id = ?', params: [client.id] },
    ]);
  }

  // ── ending a disconnected session ────────────────────────────────────────

  /**
   * Ends a persistent session that has no connection, as a clean session would have ended it: its subscriptions, its
   * queued and in-flight messages and its inbound QoS 2 state are gone, from memory at once (before this returns) and
   * from the journal when the promise settles. Says what was discarded.
   */
  endSession(clientId: string): { subscriptions: number; queued: number; written: Promise<void> } {
    const client = { id: clientId };
    const count = (table: string) => this.store.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE client_id = ?`, [clientId])?.n ?? 0;
    const subscriptions = count('broker_subscriptions');
    const rows = this.store.all<{ packet: string }>('SELECT packet FROM broker_outgoing WHERE client_id = ? ORDER BY position', [clientId]);
    // aedes' memory queue is private: each entry is marked with an id no real packet has, then removed by that id.
    // The calls below run synchronously (aedes' memory methods never await), so nothing can resume the session between them.
    rows.forEach((row, i) => {
      const packet = decodePacket(row.packet);
      const mark = -1 - i;
      super.outgoingUpdate(client, { ...packet, messageId: mark }).catch(() => {});
      super.outgoingClearMessageId(client, { messageId: mark }).catch(() => {});
    });
    super.cleanSubscriptions(client).catch(() => {});
    super.cleanIncoming(client).catch(() => {});
    for (const key of this.queueingSubs) if (key.startsWith(`${clientId}\0`)) this.queueingSubs.delete(key);
    if (!subscriptions && !rows.length && !count('broker_incoming')) return { subscriptions, queued: 0, written: Promise.resolve() };
    const written = this.store.write([
      { sql: 'DELETE FROM broker_subscriptions WHERE client_id = ?', params: [clientId] },
      { sql: 'DELETE FROM broker_outgoing WHERE client_id = ?', params: [clientId] },
      { sql: 'DELETE FROM broker_incoming WHERE client_id = ?', params: [clientId] },
    ]);
    return { subscriptions, queued: rows.length, written };
  }

  /** Client ids with a stored session: subscriptions, queued messages or inbound QoS 2 state. */
  storedSessions(): string[] {
    return this.store.all<{ client_id: string }>(
      'SELECT client_id FROM broker_subscriptions UNION SELECT client_id FROM broker_outgoing UNION SELECT client_id FROM broker_incoming',
    ).map((r) => r.client_id);
  }

  // ── queued QoS 1/2 messages ──────────────────────────────────────────────

  override async outgoingEnqueue(sub: { clientId: string }, packet: PersistedPacket): Promise<void> {
    return this.enqueue([sub], packet);
  }

  /** aedes queues a publish for offline sessions (and a shared group for its offline member). */
  override async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: PersistedPacket): Promise<void> {
    const queues = this.opts.queues;
    return this.enqueue(queues ? subs.filter((s) => queues(packet, s.clientId)) : subs, packet);
  }

  private async enqueue(subs: Array<{ clientId: string }>, packet: PersistedPacket): Promise<void> {
    if (!subs.length) return;
    await super.outgoingEnqueueCombi(subs, packet);
    const json = encodePacket(packet);
    return this.writeBehind(subs.map((s) => ({
      sql: 'INSERT OR REPLACE INTO broker_outgoing (client_id, broker_id, broker_counter, position, packet) VALUES (?, ?, ?, ?, ?)',
      params: [s.clientId, packet.brokerId, packet.brokerCounter, ++this.position, json],
    })));
  }

  override async outgoingUpdate(client: ClientRef, packet: PersistedPacket): Promise<void> {
    if (!packet.brokerId) this.keyPubrel(client, packet);
    await super.outgoingUpdate(client, packet);
    const key = rowKey(packet);
    if (!key) return;
    // Not awaited by design: losing a message id update only means a redelivery (QoS 1 is at least once).
    void this.store.write([{
      sql: 'UPDATE broker_outgoing SET packet = ? WHERE client_id = ? AND broker_id = ? AND broker_counter = ?',
      params: [encodePacket(packet), client.id, key.brokerId, key.brokerCounter],
    }]).catch(() => {});
  }

  /**
   * A PUBREL (outgoing QoS 2, after the subscriber's PUBREC) replaces the queued publish with its message id. aedes'
   * PubRel carries only that id, and the in-memory queue takes entries without a broker id for the same entry, so a
   * second QoS 2 flow in flight would overwrite the first one's PUBREL (that message never completes). Giving the
   * PUBREL the publish's key, marked, keeps entries apart and finds its row, also after a restart.
   */
  private keyPubrel(client: ClientRef, packet: PersistedPacket): void {
    const row = this.store.get<{ broker_id: string; broker_counter: number }>(
      `SELECT broker_id, broker_counter FROM broker_outgoing
       WHERE client_id = ? AND json_extract(packet, '$.cmd') = 'publish' AND json_extract(packet, '$.messageId') = ? ORDER BY position LIMIT 1`,
      [client.id, packet.messageId ?? null],
    );
    if (!row) return;
    packet.brokerId = PUBREL_KEY + row.broker_id;
    packet.brokerCounter = row.broker_counter;
  }

  override async outgoingClearMessageId(client: ClientRef, packet: { messageId?: number }): Promise<PersistedPacket | undefined> {
    const removed = await super.outgoingClearMessageId(client, packet);
    const key = removed && rowKey(removed);
    if (key) {
      void this.store.write([{
        sql: 'DELETE FROM broker_outgoing WHERE client_id = ? AND broker_id = ? AND broker_counter = ?',
        params: [client.id, key.brokerId, key.brokerCounter],
      }]).catch(() => {});
    }
    return removed;
  }

  override outgoingStream(client: ClientRef): Readable {
    const stream = super.outgoingStream(client);
    const paced = this.opts.backlogRate > 0 ? throttle(stream, this.opts.backlogRate, () => this.opts.onBacklogThrottled?.(client.id)) : stream;
    return this.unexpired(client, paced);
  }

  /**
   * A resumed session's stored messages as they are sent: a message never sent whose Message Expiry Interval passed
   * while it waited (offline, or behind AWS's 10 messages a second) is removed instead [MQTT-3.3.2-5]. One already
   * in flight is sent again, as its delivery had started [MQTT-4.4.0-1] (with 0 seconds left).
   */
  private unexpired(client: ClientRef, source: Readable): Readable {
    const expired = (packet: PersistedPacket) => packet.messageId === undefined && isExpired(packet as Expiring, this.opts.now());
    const drop = (packet: PersistedPacket) => this.dropQueued(client, packet);
    return Readable.from((async function* () {
      for await (const packet of source as AsyncIterable<PersistedPacket>) {
        if (expired(packet)) drop(packet);
        else yield packet;
      }
    })());
  }

  /** Removes a queued message that was never sent, from memory (aedes' queue: found by a mark id) and the journal. */
  private dropQueued(client: ClientRef, packet: PersistedPacket): void {
    const mark = -1;
    super.outgoingUpdate(client, { ...packet, messageId: mark }).catch(() => {});
    super.outgoingClearMessageId(client, { messageId: mark }).catch(() => {});
    const key = rowKey(packet);
    if (!key) return;
    void this.store.write([{
      sql: 'DELETE FROM broker_outgoing WHERE client_id = ? AND broker_id = ? AND broker_counter = ?',
      params: [client.id, key.brokerId, key.brokerCounter],
    }]).catch(() => {});
  }

  // ── inbound QoS 2 awaiting PUBREL ────────────────────────────────────────

  override async incomingStorePacket(client: ClientRef, packet: PersistedPacket): Promise<void> {
    await super.incomingStorePacket(client, packet);
    return this.store.write([{
      sql: 'INSERT OR REPLACE INTO broker_incoming (client_id, message_id, packet) VALUES (?, ?, ?)',
      params: [client.id, packet.messageId ?? 0, encodePacket(packet)],
    }]);
  }

  override async incomingDelPacket(client: ClientRef, packet: { messageId?: number }): Promise<void> {
    await super.incomingDelPacket(client, packet);
    void this.store.write([{ sql: 'DELETE FROM broker_incoming WHERE client_id = ? AND message_id = ?', params: [client.id, packet.messageId ?? 0] }]).catch(() => {});
  }

  override async cleanIncoming(client: ClientRef): Promise<void> {
    await super.cleanIncoming(client);
    if (!this.store.get('SELECT 1 AS found FROM broker_incoming WHERE client_id = ? LIMIT 1', [client.id])) return;
    return this.store.write([{ sql: 'DELETE FROM broker_incoming WHERE client_id = ?', params: [client.id] }]);
  }

  // ── last wills (so a will still fires after the broker itself crashed) ───

  override async putWill(client: ClientRef, packet: PersistedPacket): Promise<void> {
    await super.putWill(client, packet);
    return this.write({ sql: 'INSERT OR REPLACE INTO broker_wills (client_id, packet) VALUES (?, ?)', params: [client.id, encodePacket(packet)] });
  }

  override async delWill(client: ClientRef): Promise<PersistedPacket | undefined> {
    const will = await super.delWill(client);
    if (will) await this.write({ sql: 'DELETE FROM broker_wills WHERE client_id = ?', params: [client.id] });
    return will;
  }

  private write(statement: Statement): Promise<void> {
    return this.store.write([statement]);
  }

  /**
   * Journals a write on aedes' publish path without waiting for the fsync. aedes numbers a publish before it stores it
   * and each subscriber drops a publish numbered below one it already received; so a publish held up by an fsync would
   * be overtaken by a later one that needs no storing, and then lost. Memory is updated at once, the journal keeps the
   * order, and whatever acknowledges only once durable awaits `flushed()` (the broker's `published` hook).
   */
  private writeBehind(statements: Statement[]): void {
    const written = this.store.write(statements);
    written.catch(() => {}); // surfaces through flushed()
    this.lastWrite = written;
    this.writes++;
  }

  /** Resolves once every write queued so far is durable (the journal is ordered). */
  flushed(): Promise<void> {
    return this.lastWrite;
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Marks the broker id of a PUBREL queue entry, which is stored under the key of the publish it replaced. */
const PUBREL_KEY = 'pubrel:';

function rowKey(packet: PersistedPacket): { brokerId: string; brokerCounter: number } | null {
  if (!packet.brokerId) return null;
  const brokerId = packet.brokerId.startsWith(PUBREL_KEY) ? packet.brokerId.slice(PUBREL_KEY.length) : packet.brokerId;
  return { brokerId, brokerCounter: packet.brokerCounter };
}

/** Releases at most `perSecond` items a second: AWS IoT drains a resumed session's backlog at 10 msg/s. */
function throttle(source: Readable, perSecond: number, onFirstDelay: () => void): Readable {
  const gap = 1000 / perSecond;
  return Readable.from((async function* () {
    let next = 0;
    let delayed = false;
    for await (const item of source) {
      const wait = next - Date.now();
      if (wait > 0 && !delayed) {
        delayed = true;
        onFirstDelay();
      }
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next = Math.max(next, Date.now()) + gap;
      yield item;
    }
  })());
}
