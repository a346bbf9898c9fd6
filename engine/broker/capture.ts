import type { MessageBatch, MessageQuery, MessageRecord, TopicStats, UsageReport } from '../contract/index.js';
import type { TypedEmitter } from '../core/index.js';
import { LiveFeed } from './live-feed.js';
import { MessageLog, toRecord } from './message-log.js';
import { meteredBytes, type Metering } from './metering.js';
import type { Properties } from './mqtt5/properties.js';
import { Taps, type PublishOptions, type TapErrorReport, type TapHandler, type TappedMessage } from './taps.js';
import { TopicIndex } from './topic-index.js';

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
  private readonly log: MessageLog;
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
    historySize: number,
    historyBytes: number,
    private readonly events: TypedEmitter<{ messages: MessageBatch }>,
    readonly metering: Metering,
    private readonly publishers: Publishers<C>,
    private readonly now: () => number,
    reportTapError: TapErrorReport,
  ) {
    this.taps = new Taps(reportTapError);
    this.log = new MessageLog(historySize, historyBytes, (msg) => this.topicIndex.forget(msg));
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
    if (clientId) this.metering.inbound(clientId, meteredBytes(packet.payload.length, properties));
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

  tap(filter: string, handler: TapHandler) {
    return this.taps.add(filter, handler);
  }

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

  usage(): UsageReport {
    return this.metering.report();
  }
}
