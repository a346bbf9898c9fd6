import type { Store } from '../storage/index.js';
import type { DurablePersistence } from './durable-persistence.js';
import type { Properties } from './mqtt5/properties.js';
import { decodePacket, encodePacket } from './packet-codec.js';
import type { PersistedPacket } from 'aedes-persistence/asyncPersistence.js';

interface InboundPacket {
  topic: string;
  payload: Buffer;
  qos: number;
  /** MQTT 5 properties, recorded with the message so a recovered publish keeps them. */
  properties?: Properties;
  /** The Message Expiry Interval's deadline (message-expiry.ts): a recovered publish keeps it. */
  messageExpiry?: number;
  retain: boolean;
}

/**
 * Write-ahead record for QoS 1 publishes. aedes sends PUBACK before it stores a retained message or
 * queues it for offline persistent sessions; so a publish that will do either is first written here
 * (durably), and deleted once aedes has stored it. On start, records left over are published again:
 * a duplicate at worst, which QoS 1 (at least once) allows; never a loss.
 */
export class InboundWal {
  private nextId: number;
  /** aedes copies packets but keeps the payload Buffer: it links the publish to its record. */
  private readonly ids = new WeakMap<Buffer, number>();
  private recovered: number[] = [];

  constructor(private readonly store: Store) {
    this.nextId = (store.get<{ id: number }>('SELECT MAX(id) AS id FROM broker_inbound')?.id ?? 0) + 1;
  }

  pending(): PersistedPacket[] {
    const rows = this.store.all<{ id: number; packet: string }>('SELECT id, packet FROM broker_inbound ORDER BY id');
    this.recovered = rows.map((r) => r.id);
    return rows.map((r) => decodePacket(r.packet));
  }

  clearRecovered(): void {
    if (this.recovered.length) void this.store.write(this.recovered.map((id) => ({ sql: 'DELETE FROM broker_inbound WHERE id = ?', params: [id] })));
    this.recovered = [];
  }

  /** Null when the publish may be acknowledged at once, else a promise that resolves when it may. */
  guard(packet: InboundPacket, persistence: DurablePersistence): Promise<void> | null {
    if (packet.retain) return this.record(packet);
    if (!persistence.hasQueueingSubscriptions) return null;
    if (persistence.sharedMayQueue(packet.topic)) return this.record(packet); // a shared subscription's group may queue it
    return persistence.subscriptionsByTopic(packet.topic).then((subs) => (subs.length ? this.record(packet) : undefined));
  }

  private async record(packet: InboundPacket): Promise<void> {
    const id = this.nextId++;
    this.ids.set(packet.payload, id);
    const record = { cmd: 'publish', brokerId: '', brokerCounter: 0, dup: false, topic: packet.topic, payload: packet.payload, qos: packet.qos, retain: packet.retain, ...(packet.properties && { properties: packet.properties }), ...(packet.messageExpiry !== undefined && { messageExpiry: packet.messageExpiry }) };
    await this.store.write([{ sql: 'INSERT INTO broker_inbound (id, packet) VALUES (?, ?)', params: [id, encodePacket(record)] }]);
  }

  /** aedes has stored and dispatched the publish. */
  complete(packet: { payload: Buffer }): void {
    const id = this.ids.get(packet.payload);
    if (id === undefined) return;
    this.ids.delete(packet.payload);
    void this.store.write([{ sql: 'DELETE FROM broker_inbound WHERE id = ?', params: [id] }]).catch(() => {});
  }
}
