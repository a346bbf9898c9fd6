import type { ActivityBatch, MessageBatch, MessageQuery, MessageRecord, SeriesPoint, SeriesQuery, TopicStats, TopicTable, TopicTablePage, UsageReport } from '../contract/index.js';
import type { TypedEmitter } from '../core/index.js';
import { LiveFeed } from './live-feed.js';
import { toRecord, type CapturedMessage } from './message-log.js';
import { meteredBytes, type Metering } from './metering.js';
import type { Properties } from './mqtt5/properties.js';
import { Taps, type PublishOptions, type TapErrorReport, type TapHandler, type TappedMessage } from './taps.js';
import { payloadTest, SEARCH_BUDGET_BYTES } from './payload-search.js';
import { numberAt, parseFieldPath } from './payload-series.js';
import { TopicHistory, type HistoryLimits } from './topic-history.js';
import { TopicIndex } from './topic-index.js';

/** Most recent first, at most this many per `messages` call. */
const MAX_QUERY = 10_000;
const MAX_SERIES = 10_000;
/** At most this many messages per export. */
export const MAX_EXPORT = 100_000;

/** What the broker pushes: live traffic batches, and its clients' activity for the timeline. */
export interface BrokerEvents {
  messages: MessageBatch;
  activity: ActivityBatch;
}

/** What capture needs to know about a message's publisher (the packet's client, if any). */
export interface Publishers<C> {
  clientId(client: C): string;
  /** The certificate id (mutual TLS) or SigV4 key of the client's connection, for rules' `principal()`. */
  principal(client: C): string | undefined;
}

/**
 * Everything the broker keeps of the traffic it carried, in one place on the publish path: the history, the topic
 * index, metering, the UI's live feed and the in-engine taps, each fed once per publish after it was dispatched.
 */
export class Capture<C extends object> {
  readonly taps: Taps;
  private readonly log: TopicHistory;
  private readonly topicIndex = new TopicIndex();
  private readonly feed: LiveFeed;
  /** Will packets on their way to publication: aedes hands the same object to `authorizePublish` and `published`. */
  private readonly wills = new WeakSet<object>();
  /**
   * What the engine said about its own publishes (`publish(msg, { origin: 'client', lineage })`), by packet: aedes
   * hands the same object to `published`, so the origin travels with the message and reaches the taps.
   */
  private readonly origins = new WeakMap<object, PublishOptions>();

  constructor(
    history: HistoryLimits,
    private readonly events: TypedEmitter<BrokerEvents>,
    readonly metering: Metering,
    private readonly publishers: Publishers<C>,
    private readonly now: () => number,
    reportTapError: TapErrorReport,
  ) {
    this.taps = new Taps(reportTapError);
    this.log = new TopicHistory(history, (msg) => this.topicIndex.forget(msg));
    this.feed = new LiveFeed(this.topicIndex, (batch) => this.events.emit('messages', batch), (msg) => this.log.holds(msg));
  }

  start(): void {
    this.feed.start();
  }

  stop(): void {
    this.feed.stop();
  }

  markWill(packet: object): void {
    this.wills.add(packet);
  }

  /** The origin of an engine publish (`BrokerService.publish`), for the taps. */
  markOrigin(packet: object, origin: PublishOptions): void {
    this.origins.set(packet, origin);
  }

  /** On every publish, once dispatched. `packet` is the publish as it came in (a client's, a will, the engine's). */
  record(packet: { topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean; properties?: Properties }, client: C | null): void {
    if (packet.topic.startsWith('$SYS/')) return; // aedes' own heartbeat, not traffic
    const clientId = client ? this.publishers.clientId(client) : null;
    const properties = packet.properties;
    const msg = this.log.append(packet.topic, packet.payload, packet.qos, packet.retain, clientId, this.now(), properties);
    this.topicIndex.record(msg);
    if (packet.retain) this.topicIndex.setRetained(packet.topic, packet.payload.length > 0);
    const meteredAs = clientId ?? this.origins.get(packet)?.meteredAs;
    if (meteredAs) this.metering.inbound(meteredAs, packet.topic, meteredBytes(packet.payload.length, properties));
    if (this.events.has('messages')) this.feed.push(msg);
    if (this.taps.size) {
      // Taps get the parsed payload, not the history's copy, which the history may write over once it lets go of it.
      this.taps.dispatch(msg.topic, () => {
        const will = this.wills.has(packet);
        const said = client || will ? undefined : this.origins.get(packet); // only the engine's own publishes are marked
        const origin = client || will || said?.origin === 'client' ? 'client' : 'engine';
        const tapped: TappedMessage = { topic: msg.topic, payload: packet.payload, qos: msg.qos, retain: msg.retain, clientId, origin, time: msg.time, messageId: msg.id };
        if (said?.lineage?.length) tapped.lineage = said.lineage;
        const principal = client ? this.publishers.principal(client) : undefined; // Security: rules' principal()
        if (principal) tapped.principal = principal;
        if (will) tapped.will = true;
        if (properties) tapped.properties = properties;
        return tapped;
      });
    }
  }

  /**
   * A message the engine wrote to one client only (`BrokerService.deliverTo`): kept in the history, the topic index and
   * the live feed like any other, but not seen by taps (rules, in-engine subscribers), as it never went through the broker.
   * `clientId`: the device that sent it, when it reached the engine by another way than a publish (a command's answer).
   */
  recordDirected(packet: { topic: string; payload: Buffer; qos: 0 | 1 | 2; properties?: Properties }, clientId: string | null = null): void {
    const msg = this.log.append(packet.topic, packet.payload, packet.qos, false, clientId, this.now(), packet.properties);
    this.topicIndex.record(msg);
    if (this.events.has('messages')) this.feed.push(msg);
  }

  /** Retained messages stored before this start appear in the topic tree with their retained marker. */
  seedRetained(retained: Array<{ topic: string; payload: Buffer; qos: 0 | 1; lastModifiedTime: number }>): void {
    for (const r of retained) this.topicIndex.seedRetained(r.topic, r.payload, r.qos, r.lastModifiedTime);
  }

  tap(filter: string, handler: TapHandler) {
    return this.taps.add(filter, handler);
  }

  topics(prefix?: string): TopicStats[] {
    return this.topicIndex.snapshot(prefix, this.now());
  }

  topicTable(prefix?: string, page?: TopicTablePage): TopicTable {
    return this.topicIndex.table(prefix, this.now(), page);
  }

  topicStats(names: string[]): TopicStats[] {
    return this.topicIndex.statsOf(names, this.now());
  }

  /**
   * Most recent first. A filter naming one topic reads that topic's history only. With `search` or `regex`, at most
   * SEARCH_BUDGET_BYTES of payloads are scanned per call (narrow with `to` to search further back).
   */
  messages(query: MessageQuery = {}): MessageRecord[] {
    const limit = Math.min(Math.max(query.limit ?? 500, 1), MAX_QUERY);
    const test = payloadTest(query.search, query.regex);
    const out: MessageRecord[] = [];
    let scanned = 0;
    this.log.scan(query, (m) => {
      if (test) {
        scanned += m.payload.length;
        if (!test(m.payload)) return scanned < SEARCH_BUDGET_BYTES;
      }
      out.push(toRecord(m));
      return out.length < limit && (!test || scanned < SEARCH_BUDGET_BYTES);
    });
    return out;
  }

  /** A numeric field of one topic's JSON payloads over time, oldest first (the newest `limit` points). */
  series(query: SeriesQuery): SeriesPoint[] {
    const path = parseFieldPath(query.path);
    const limit = Math.min(Math.max(query.limit ?? MAX_SERIES, 1), MAX_SERIES);
    const points: SeriesPoint[] = [];
    this.log.scan({ filter: query.topic, from: query.from, to: query.to }, (m) => {
      const value = numberAt(m.payload, path);
      if (value !== undefined) points.push([m.time, value]);
      return points.length < limit;
    });
    return points.reverse();
  }

  /** Held messages matching a filter and time range, oldest first (the newest `limit`), with their full payloads. */
  held(query: { filter?: string; from?: number; to?: number; limit?: number }): CapturedMessage[] {
    const limit = Math.min(Math.max(query.limit ?? MAX_EXPORT, 1), MAX_EXPORT);
    const out: CapturedMessage[] = [];
    this.log.scan(query, (m) => out.push(m) < limit);
    return out.reverse();
  }

  message(id: number): MessageRecord | null {
    const m = this.log.get(id);
    return m ? toRecord(m, true) : null;
  }

  usage(): UsageReport {
    return this.metering.report();
  }
}
