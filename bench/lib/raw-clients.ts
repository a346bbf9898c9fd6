// Hand-written MQTT 3.1.1 / MQTT 5 benchmark clients (the "raw" engine): a connection base, a publisher that writes
// pre-encoded PUBLISH batches, and a subscriber that parses in place, batches PUBACKs and de-duplicates.
import net from 'node:net';
import {
  CONNACK, DISCONNECT, DISCONNECT_TYPE, FrameSplitter, PAYLOAD_HEADER, PINGREQ, PINGRESP, PUBACK, PUBLISH, SUBACK,
  decodeConnack, decodeSubackCode, describeCode, disconnectReason, encodeConnect, encodePublishTemplate, encodeSubscribe,
  pubackReason, skipProperties, type Connack, type MqttLevel, type PublishProperties, type PublishTemplate,
} from './mqtt-wire.js';
import { Histogram } from './histogram.js';

export const BATCH = 32; // PUBLISH packets per write() at most
const TICK_BATCHES = 8; // batches written per event-loop turn before yielding (fairness with the subscribers)
const REFILL_CHUNK = 25; // a QoS1 publisher refills its window only once this many slots are free
const MAX_BITMAP_BYTES = 1 << 24; // dedupe window per (subscriber, publisher): 134 M sequence numbers

export const nowNs = (): number => Number(process.hrtime.bigint());

/** Latency window in hrtime ns: only messages stamped inside [start, end) are recorded. Shared by all subscribers. */
export interface LatencyWindow { start: number; end: number; hist: Histogram }

/** What an MQTT 5 publisher puts on its PUBLISH packets: nothing, a Topic Alias, or 2 user properties. */
export type V5Variant = 'plain' | 'alias' | 'user-properties';
export const V5_VARIANTS: readonly V5Variant[] = ['plain', 'alias', 'user-properties'];
/** The 2 user properties of the `user-properties` variant (41 bytes on the wire). */
export const BENCH_USER_PROPERTIES: [string, string][] = [['device-type', 'sensor'], ['trace-id', '6f1c2a9e4b7d3f05']];
/** The Topic Alias an `alias` publisher maps its topic to. */
export const BENCH_TOPIC_ALIAS = 1;

/** The broker refused the CONNECT: `code` is the CONNACK return code (MQTT 3.1.1 form) or reason code (MQTT 5 form). */
export class ConnackRefusedError extends Error {
  constructor(readonly code: number, readonly level: MqttLevel, readonly form: 'mqtt311' | 'mqtt5') {
    super(`CONNACK ${form === 'mqtt5' ? 'reason' : 'return'} code ${form === 'mqtt5' ? describeCode(code) : describeCode(code, true)}`
      + (level === 5 ? ' to an MQTT 5 CONNECT' : ''));
  }
}

/** One TCP connection speaking MQTT: CONNECT/CONNACK, SUBSCRIBE/SUBACK, PINGREQ/PINGRESP. */
export class Conn {
  sock: net.Socket | undefined;
  closed = false;
  /** Closed by the peer or the network rather than by close()/destroy(). */
  dropped = false;
  pingResponses = 0;
  /** The accepted CONNACK (MQTT 5: with the server's limits). */
  connack: Connack | undefined;
  /** Reason code of an MQTT 5 DISCONNECT the server sent, if any. */
  serverDisconnect: number | undefined;
  protected readonly splitter = new FrameSplitter((b, s, bs, e) => this.onPacket(b, s, bs, e));
  private waiter: { type: number; resolve: (rc: number) => void } | undefined;
  /** Whether the CONNACK had the MQTT 5 shape (a properties block) or the MQTT 3.1.1 one (remaining length 2). */
  private connackForm: 'mqtt311' | 'mqtt5' = 'mqtt311';

  constructor(readonly clientId: string, readonly level: MqttLevel = 4) {}

  /** Connects and completes the MQTT handshake; rejects on refusal, error or timeout. */
  open(host: string, port: number, keepaliveS: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const sock = net.connect({ host, port, noDelay: true });
      this.sock = sock;
      const timer = setTimeout(() => { this.destroy(); reject(new Error('connect timeout')); }, timeoutMs);
      sock.on('error', (err) => { clearTimeout(timer); reject(err); });
      sock.on('close', () => {
        if (!this.closed) this.dropped = true;
        this.closed = true;
        clearTimeout(timer);
        reject(new Error('closed during connect'));
      });
      sock.on('data', (chunk: Buffer) => this.onData(chunk));
      sock.once('connect', () => {
        sock.write(encodeConnect(this.clientId, keepaliveS, this.level));
        this.expect(CONNACK).then((rc) => {
          clearTimeout(timer);
          if (rc === 0) resolve();
          else if (this.level === 4) { this.destroy(); reject(new Error(`CONNACK return code ${rc}`)); }
          else { this.destroy(); reject(new ConnackRefusedError(rc, this.level, this.connackForm)); }
        }, () => undefined);
      });
    });
  }

  subscribe(filter: string, qos: number, timeoutMs: number): Promise<void> {
    const sock = this.sock;
    if (!sock) return Promise.reject(new Error('not connected'));
    sock.write(encodeSubscribe(1, filter, qos, this.level));
    return withTimeout(this.expect(SUBACK), timeoutMs, 'SUBACK timeout').then((granted) => {
      if (granted === 0x80 || (this.level === 5 && granted > 0x80)) {
        throw new Error(`subscription to ${filter} refused${this.level === 5 ? ` (SUBACK ${describeCode(granted)})` : ''}`);
      }
    });
  }

  ping(): void {
    if (this.sock && !this.closed) this.sock.write(PINGREQ);
  }

  close(): void {
    const sock = this.sock;
    if (!sock || this.closed) return;
    this.closed = true;
    if (sock.writable) sock.end(DISCONNECT);
    setTimeout(() => sock.destroy(), 200).unref();
  }

  destroy(): void {
    this.closed = true;
    this.sock?.destroy();
  }

  private expect(type: number): Promise<number> {
    return new Promise<number>((resolve) => { this.waiter = { type, resolve }; });
  }

  protected onData(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  protected onPacket(buf: Buffer, start: number, body: number, end: number): void {
    const type = buf[start] >> 4;
    if (type === PINGRESP) { this.pingResponses++; return; }
    if (type === DISCONNECT_TYPE) { this.serverDisconnect = disconnectReason(buf, body, end); return; }
    const w = this.waiter;
    if (w && w.type === type) {
      this.waiter = undefined;
      if (this.level === 4) {
        // CONNACK: return code is the 2nd body byte; SUBACK: first granted QoS follows the packet id.
        w.resolve(type === CONNACK ? buf[body + 1] : type === SUBACK ? buf[Math.min(body + 2, end - 1)] : 0);
        return;
      }
      if (type === CONNACK) {
        this.connackForm = end - body > 2 ? 'mqtt5' : 'mqtt311';
        try { this.connack = decodeConnack(buf, body, end, 5); } catch { this.connack = { sessionPresent: false, code: 0x81 }; }
        w.resolve(this.connack.code);
      } else if (type === SUBACK) {
        let code = 0x80;
        try { code = decodeSubackCode(buf, body, end, 5); } catch { /* malformed: refused */ }
        w.resolve(code);
      } else {
        w.resolve(0);
      }
    }
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(what)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e); });
  });
}

/**
 * Publisher: pre-encoded PUBLISH packets stamped in place (timestamp, sequence, packet id) and written up to
 * BATCH per write(). Max rate is paced by TCP backpressure ('drain'); QoS1 keeps at most `inflight` unacked.
 */
export class Publisher extends Conn {
  sent = 0;
  acked = 0;
  /** MQTT 5 PUBACKs with a failure reason code (≥ 0x80): not accepted, but no longer in flight. */
  refused = 0;
  /** Reason code of the last refusing PUBACK. */
  lastRefusal = 0;
  /** QoS1 window actually used: `--inflight`, capped by an MQTT 5 server's Receive Maximum. */
  inflight: number;
  private running = false;
  private readonly tpl: PublishTemplate;
  /** MQTT 5 topic alias: the first PUBLISH, which carries both the topic and the alias. */
  private intro: PublishTemplate | undefined;
  private readonly len: number;
  private readonly pool: Buffer[] = [];
  private state: 'idle' | 'immediate' | 'drain' | 'ack' | 'timer' = 'idle';
  private startMs = 0;
  private readonly pumpFn = () => this.pump();

  constructor(clientId: string, readonly index: number, topic: string, readonly qos: 0 | 1, size: number,
    inflight: number, readonly rate: number, level: MqttLevel = 4, readonly variant: V5Variant = 'plain') {
    super(clientId, level);
    this.inflight = inflight;
    if (level === 4) {
      this.tpl = encodePublishTemplate(topic, qos, size, index);
    } else if (variant === 'alias') {
      const alias: PublishProperties = { topicAlias: BENCH_TOPIC_ALIAS };
      this.intro = encodePublishTemplate(topic, qos, size, index, alias);
      this.tpl = encodePublishTemplate('', qos, size, index, alias);
    } else {
      this.tpl = encodePublishTemplate(topic, qos, size, index, variant === 'user-properties' ? { userProperties: BENCH_USER_PROPERTIES } : {});
    }
    this.len = this.tpl.bytes.length;
  }

  get unacked(): number { return this.qos === 1 ? this.sent - this.acked - this.refused : 0; }

  /** Connects; an MQTT 5 publisher then honours the server's Receive Maximum, Topic Alias Maximum and Maximum Packet Size. */
  override async open(host: string, port: number, keepaliveS: number, timeoutMs: number): Promise<void> {
    await super.open(host, port, keepaliveS, timeoutMs);
    const c = this.connack;
    if (this.level !== 5 || !c) return;
    // Receive Maximum caps the window [MQTT-3.3.4-9]; it then refills as a 3.1.1 publisher with that --inflight would.
    if (this.qos === 1) this.inflight = Math.min(this.inflight, c.receiveMaximum ?? 65_535);
    const refuse = (why: string) => { this.destroy(); throw new Error(why); };
    if (this.intro && (c.topicAliasMaximum ?? 0) < BENCH_TOPIC_ALIAS) {
      refuse(`the broker accepts no topic aliases (CONNACK Topic Alias Maximum ${c.topicAliasMaximum ?? 0})`);
    }
    const biggest = Math.max(this.len, this.intro?.bytes.length ?? 0);
    if (c.maximumPacketSize !== undefined && biggest > c.maximumPacketSize) {
      refuse(`a ${biggest}-byte PUBLISH exceeds the broker's Maximum Packet Size ${c.maximumPacketSize}`);
    }
  }

  start(): void {
    this.running = true;
    if (this.intro && this.sent === 0) this.sendIntro();
    if (this.rate > 0) {
      const phase = ((this.index % 16) / 16) * (1000 / this.rate); // spread publishers' slots over the interval
      this.startMs = performance.now() + phase;
      this.scheduleTick(phase);
    } else {
      this.pump();
    }
  }

  stop(): void {
    this.running = false;
  }

  private window(): number {
    return this.qos === 1 ? this.inflight - this.unacked : BATCH * TICK_BATCHES;
  }

  /** Stamps and writes `n` ≤ BATCH messages; returns false when the socket asked us to wait for 'drain'. */
  private send(n: number): boolean {
    const { idOffset, payloadOffset } = this.tpl;
    const len = this.len;
    const buf = this.pool.pop() ?? this.newBatch();
    const ts = nowNs();
    let seq = this.sent;
    for (let k = 0, base = 0; k < n; k++, base += len, seq++) {
      if (idOffset >= 0) buf.writeUInt16BE((seq % 65535) + 1, base + idOffset);
      buf.writeDoubleLE(ts, base + payloadOffset);
      buf.writeUInt32LE(seq >>> 0, base + payloadOffset + 12);
    }
    this.sent = seq;
    const sock = this.sock as net.Socket;
    return sock.write(n === BATCH ? buf : buf.subarray(0, n * len), () => { if (this.pool.length < 64) this.pool.push(buf); });
  }

  /** MQTT 5 topic alias: the first message goes out alone, with topic and alias; the batches carry only the alias. */
  private sendIntro(): void {
    const { bytes, idOffset, payloadOffset } = this.intro as PublishTemplate;
    const buf = Buffer.from(bytes);
    if (idOffset >= 0) buf.writeUInt16BE(1, idOffset);
    buf.writeDoubleLE(nowNs(), payloadOffset);
    buf.writeUInt32LE(0, payloadOffset + 12);
    this.sent = 1;
    (this.sock as net.Socket).write(buf);
  }

  private newBatch(): Buffer {
    const buf = Buffer.allocUnsafe(BATCH * this.len);
    for (let k = 0; k < BATCH; k++) this.tpl.bytes.copy(buf, k * this.len);
    return buf;
  }

  /** Max-rate loop: write until backpressure, the QoS1 window, or the per-turn budget stops us. */
  private pump(): void {
    this.state = 'idle';
    if (!this.running || this.closed) return;
    for (let b = 0; b < TICK_BATCHES; b++) {
      const n = Math.min(BATCH, this.window());
      if (n <= 0) { this.state = 'ack'; return; }
      if (!this.send(n)) {
        this.state = 'drain';
        (this.sock as net.Socket).once('drain', this.pumpFn);
        return;
      }
    }
    this.state = 'immediate';
    setImmediate(this.pumpFn);
  }

  /** Fixed-rate loop: send every message whose slot (startMs + k/rate) has passed, then sleep to the next slot. */
  private tick(): void {
    this.state = 'idle';
    if (!this.running || this.closed) return;
    const elapsed = performance.now() - this.startMs;
    let due = Math.floor((elapsed * this.rate) / 1000) + 1 - this.sent;
    const sock = this.sock as net.Socket;
    if (sock.writableLength < (1 << 20)) {
      for (let guard = 0; due > 0 && guard < TICK_BATCHES; guard++) {
        const n = Math.min(BATCH, due, this.window());
        if (n <= 0) break;
        this.send(n);
        due -= n;
      }
    }
    const next = ((this.sent + 1) * 1000) / this.rate;
    this.scheduleTick(Math.max(0, next - (performance.now() - this.startMs)));
  }

  private scheduleTick(ms: number): void {
    this.state = 'timer';
    setTimeout(() => this.tick(), ms);
  }

  protected override onPacket(buf: Buffer, start: number, body: number, end: number): void {
    if (buf[start] >> 4 === PUBACK) {
      const reason = pubackReason(buf, body, end);
      if (reason < 0x80) this.acked++;
      else { this.refused++; this.lastRefusal = reason; }
      return;
    }
    super.onPacket(buf, start, body, end);
  }

  protected override onData(chunk: Buffer): void {
    this.splitter.push(chunk);
    if (this.state === 'ack' && this.inflight - this.unacked >= Math.min(REFILL_CHUNK, this.inflight)) this.pump();
  }
}

/**
 * Subscriber: counts unique messages per (publisher, sequence) with a bitmap, records end-to-end latency
 * (publisher write → this socket read) for messages stamped inside the window, and PUBACKs QoS1 deliveries
 * in one write per socket read.
 */
export class Subscriber extends Conn {
  unique = 0;
  duplicates = 0;
  foreign = 0;
  undeduped = 0;
  readonly uniqueByPublisher: number[];
  private readonly bitmaps: Uint8Array[] = [];
  private ackBuf = Buffer.allocUnsafe(1024);
  private ackLen = 0;
  private readNs = 0;

  constructor(clientId: string, readonly publishers: number, private readonly lw: LatencyWindow, level: MqttLevel = 4) {
    super(clientId, level);
    this.uniqueByPublisher = new Array<number>(publishers).fill(0);
  }

  protected override onData(chunk: Buffer): void {
    this.readNs = nowNs();
    this.ackLen = 0;
    this.splitter.push(chunk);
    if (this.ackLen > 0 && this.sock && !this.closed) {
      this.sock.write(Buffer.from(this.ackBuf.subarray(0, this.ackLen)));
    }
  }

  protected override onPacket(buf: Buffer, start: number, body: number, end: number): void {
    const b0 = buf[start];
    if (b0 >> 4 !== PUBLISH) { super.onPacket(buf, start, body, end); return; }
    const qos = (b0 >> 1) & 3;
    let p = body + 2 + buf.readUInt16BE(body);
    if (qos > 0) {
      if (this.ackLen + 4 > this.ackBuf.length) {
        const bigger = Buffer.allocUnsafe(this.ackBuf.length * 2);
        this.ackBuf.copy(bigger, 0, 0, this.ackLen);
        this.ackBuf = bigger;
      }
      const a = this.ackBuf, o = this.ackLen;
      a[o] = 0x40; a[o + 1] = 2; a[o + 2] = buf[p]; a[o + 3] = buf[p + 1];
      this.ackLen = o + 4; // MQTT 5: the same 2-byte short form, reason code 0x00 omitted
      p += 2;
    }
    if (this.level === 5) { // skip the properties block
      p = skipProperties(buf, p, end);
    }
    if (end - p < PAYLOAD_HEADER) { this.foreign++; return; }
    const pub = buf.readUInt32LE(p + 8);
    if (pub >= this.publishers) { this.foreign++; return; }
    if (this.seen(pub, buf.readUInt32LE(p + 12))) { this.duplicates++; return; }
    this.unique++;
    this.uniqueByPublisher[pub]++;
    const ts = buf.readDoubleLE(p);
    const lw = this.lw;
    if (ts >= lw.start && ts < lw.end) lw.hist.record(this.readNs - ts);
  }

  private seen(pub: number, seq: number): boolean {
    const byte = seq >>> 3;
    let bm = this.bitmaps[pub];
    if (bm === undefined || byte >= bm.length) {
      if (byte >= MAX_BITMAP_BYTES) { this.undeduped++; return false; }
      const grown = new Uint8Array(Math.min(MAX_BITMAP_BYTES, Math.max(4096, byte + 1, (bm?.length ?? 0) * 2)));
      if (bm) grown.set(bm);
      this.bitmaps[pub] = bm = grown;
    }
    const bit = 1 << (seq & 7);
    if (bm[byte] & bit) return true;
    bm[byte] |= bit;
    return false;
  }
}
