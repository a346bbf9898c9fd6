// The fleet benchmark's wildcard subscriber: the load generator's hand-written MQTT 3.1.1 connection (it parses
// PUBLISH frames in place and sends the PUBACKs of one socket read in one write), handing every message to the
// ledger. At 10,000 messages a second it costs a few % of a core, where mqtt.js would take about half of one, on a
// machine whose two cores the broker and the fleet need.
import { Conn } from '../lib/raw-clients.js';
import { PUBLISH } from '../lib/mqtt-wire.js';
import type { DeliveryLedger } from './deliveries.js';

export class FleetSubscriber extends Conn {
  private ackBuf = Buffer.allocUnsafe(1024);
  private ackLen = 0;
  private readAt = 0;

  constructor(clientId: string, private readonly ledger: DeliveryLedger) {
    super(clientId, 4);
  }

  protected override onData(chunk: Buffer): void {
    this.readAt = Date.now();
    this.ackLen = 0;
    this.splitter.push(chunk);
    if (this.ackLen > 0 && this.sock && !this.closed) this.sock.write(Buffer.from(this.ackBuf.subarray(0, this.ackLen)));
  }

  protected override onPacket(buf: Buffer, start: number, body: number, end: number): void {
    const b0 = buf[start];
    if (b0 >> 4 !== PUBLISH) {
      super.onPacket(buf, start, body, end);
      return;
    }
    const topicLen = buf.readUInt16BE(body);
    const topic = buf.toString('utf8', body + 2, body + 2 + topicLen);
    let p = body + 2 + topicLen;
    if ((b0 >> 1) & 3) {
      if (this.ackLen + 4 > this.ackBuf.length) {
        const bigger = Buffer.allocUnsafe(this.ackBuf.length * 2);
        this.ackBuf.copy(bigger, 0, 0, this.ackLen);
        this.ackBuf = bigger;
      }
      const a = this.ackBuf, o = this.ackLen;
      a[o] = 0x40; a[o + 1] = 2; a[o + 2] = buf[p]; a[o + 3] = buf[p + 1];
      this.ackLen = o + 4;
      p += 2;
    }
    this.ledger.record(topic, buf.subarray(p, end), this.readAt);
  }
}
