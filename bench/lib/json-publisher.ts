// An MQTT 3.1.1 QoS 1 publisher of JSON messages, for loads that a rules engine reads (the raw Publisher's payloads
// are binary). Each message is built by `payload(seq)`; at most `inflight` are unacknowledged, and at most `limit`
// are ever sent: the runner raises the limit to pace the publisher on something downstream (a table's items).
import net from 'node:net';
import { writeVariableByteInteger, variableByteIntegerLength } from '../../engine/broker/mqtt5/properties.js';
import { PUBACK } from './mqtt-wire.js';
import { Conn } from './raw-clients.js';

/** A QoS 1 PUBLISH (MQTT 3.1.1) with packet id `id`. */
export function encodeQos1Publish(topic: Buffer, id: number, payload: Buffer): Buffer {
  const remaining = 2 + topic.length + 2 + payload.length;
  const out = Buffer.allocUnsafe(1 + variableByteIntegerLength(remaining) + remaining);
  out[0] = 0x32;
  let off = writeVariableByteInteger(out, 1, remaining);
  off = out.writeUInt16BE(topic.length, off);
  off += topic.copy(out, off);
  off = out.writeUInt16BE(id, off);
  payload.copy(out, off);
  return out;
}

export class JsonPublisher extends Conn {
  sent = 0;
  acked = 0;
  /** Messages sent so far may not exceed this; `Infinity` publishes at the rate PUBACKs and TCP allow. */
  limit = Infinity;
  private running = false;
  private waitingDrain = false;
  private readonly topicBytes: Buffer;
  private readonly pumpFn = () => this.pump();

  constructor(clientId: string, topic: string, readonly inflight: number, private readonly payload: (seq: number) => Buffer) {
    super(clientId, 4);
    this.topicBytes = Buffer.from(topic, 'utf8');
  }

  get unacked(): number { return this.sent - this.acked; }

  start(): void {
    this.running = true;
    this.pump();
  }

  /** Sends nothing more; messages in flight still get their PUBACKs. */
  stop(): void {
    this.running = false;
  }

  /** Raises the number of messages this publisher may send in all. */
  allow(limit: number): void {
    if (limit <= this.limit) return;
    this.limit = limit;
    this.pump();
  }

  private pump(): void {
    if (!this.running || this.closed || this.waitingDrain) return;
    const sock = this.sock as net.Socket;
    const n = Math.min(this.inflight - this.unacked, this.limit - this.sent);
    if (n <= 0) return;
    const packets: Buffer[] = [];
    for (let k = 0; k < n; k++, this.sent++) packets.push(encodeQos1Publish(this.topicBytes, (this.sent % 65535) + 1, this.payload(this.sent)));
    if (!sock.write(packets.length === 1 ? packets[0] : Buffer.concat(packets))) {
      this.waitingDrain = true;
      sock.once('drain', () => { this.waitingDrain = false; this.pump(); });
    }
  }

  protected override onPacket(buf: Buffer, start: number, body: number, end: number): void {
    if (buf[start] >> 4 === PUBACK) {
      this.acked++;
      return;
    }
    super.onPacket(buf, start, body, end);
  }

  protected override onData(chunk: Buffer): void {
    this.splitter.push(chunk);
    // Refill once a quarter of the window is free, so writes carry several packets.
    if (this.inflight - this.unacked >= Math.max(1, this.inflight >> 2)) setImmediate(this.pumpFn);
  }
}
