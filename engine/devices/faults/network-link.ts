import { Duplex } from 'node:stream';

/** What a `network` fault does to every byte on a device's connection, both ways. */
export interface LinkConditions {
  latencyMs?: number;
  /** Each chunk's latency moves by up to ± this much (TCP still delivers in order). */
  jitterMs?: number;
  /** 0..0.9: the chance that a chunk's segment is lost and has to be retransmitted. */
  loss?: number;
  bandwidthBytesPerSec?: number;
}

/** Linux's minimum TCP retransmission timeout; each further loss of the same segment doubles it. */
const MIN_RTO_MS = 200;
const MAX_RTO_MS = 60_000;

/**
 * The network between one virtual device and its broker. Every connection the device opens goes through it (`wrap`),
 * so a fault set here reaches the current connection and the ones after it.
 *
 * When no fault is in effect a connection's bytes go straight through (one extra stream hop, no timers, no copies);
 * only a shaped or partitioned link queues chunks and delivers them on a timer, in order.
 *
 * LIMITATIONS: the link works on the chunks the streams hand over (an MQTT packet or a read from the socket), not on
 * TCP segments. Loss is modelled as TCP shows it to applications: nothing is lost, a lost segment is retransmitted after
 * the retransmission timeout (200 ms, doubling while it keeps being lost) and everything behind it waits (head-of-line
 * blocking). A partition holds bytes instead of sending them; a connection opened during a partition does not reach the
 * broker until it ends (as a SYN that gets no answer), and a connection closed during one is only seen closed by the
 * other side when it ends. Bytes held for a connection that died are discarded, as the kernel does after a reset.
 */
export class NetworkLink {
  /** True while any fault shapes or holds traffic: the fast path is off. */
  shaping = false;
  private conditionsNow: LinkConditions | undefined;
  private partitionedNow = false;
  private readonly streams = new Set<LinkStream>();

  constructor(readonly random: () => number) {}

  get conditions(): LinkConditions | undefined {
    return this.conditionsNow;
  }

  get partitioned(): boolean {
    return this.partitionedNow;
  }

  /** A connection through this link: `build` opens the real one (now, or when a partition ends). */
  wrap(build: () => Duplex): LinkStream {
    this.prune();
    const s = new LinkStream(this, build);
    this.streams.add(s);
    return s;
  }

  /** Latency, jitter, loss and bandwidth from now on (undefined: none). Chunks already queued keep their times. */
  setConditions(c: LinkConditions | undefined): void {
    this.conditionsNow = c;
    this.shaping = c !== undefined || this.partitionedNow;
  }

  /** Cuts the link (bytes held both ways) or restores it (held bytes flow, closes held meanwhile are seen). */
  setPartitioned(on: boolean): void {
    this.partitionedNow = on;
    this.shaping = this.conditionsNow !== undefined || on;
    if (!on) for (const s of [...this.streams]) s.flow();
    this.prune();
  }

  /** The connection opened last (the device's current one), if it is still open. */
  get current(): LinkStream | undefined {
    let last: LinkStream | undefined;
    for (const s of this.streams) last = s;
    return last && !last.destroyed ? last : undefined;
  }

  private prune(): void {
    for (const s of this.streams) if (s.done) this.streams.delete(s);
  }
}

type Item =
  | { at: number; chunk: Buffer }
  | { at: number; mark: 'end' | 'close' | 'destroy' }
  | { at: number; mark: 'error'; error: Error };

/** One direction of one connection: chunks wait for their time (and for the link to be up), then go, in order. */
class Lane {
  private items: Item[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /** When the last queued chunk is delivered (TCP keeps order) and when the sender's link is free again (bandwidth). */
  lastAt = 0;
  nextFree = 0;

  constructor(private readonly blocked: () => boolean, private readonly deliver: (item: Item) => void) {}

  get empty(): boolean {
    return this.items.length === 0;
  }

  add(item: Item): void {
    this.items.push(item);
    this.pump();
  }

  clear(): void {
    this.items = [];
    this.disarm();
  }

  /** Delivers what is due, then waits for the next item's time. */
  pump(): void {
    if (this.blocked()) return this.disarm();
    const now = Date.now();
    let n = 0;
    while (n < this.items.length && this.items[n].at <= now) {
      const item = this.items[n++];
      this.deliver(item);
      if (this.blocked()) break;
    }
    if (n) this.items.splice(0, n);
    if (!this.items.length || this.blocked()) return this.disarm();
    const at = this.items[0].at;
    if (this.timer && this.timerAt <= at) return;
    this.disarm();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - now));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}

/** What MQTT.js reads and writes: the device's side of one connection through a `NetworkLink`. */
export class LinkStream extends Duplex {
  private inner: Duplex | undefined;
  private readonly out: Lane;
  private readonly in: Lane;
  private stalledNow = false;

  constructor(private readonly link: NetworkLink, private readonly build: () => Duplex) {
    super();
    this.out = new Lane(() => link.partitioned || this.stalledNow, (item) => this.send(item));
    this.in = new Lane(() => link.partitioned, (item) => this.receive(item));
    if (!link.partitioned) this.open();
  }

  /** True once this side is closed and nothing is left to do for the other. */
  get done(): boolean {
    return this.destroyed && this.out.empty && (!this.inner || this.inner.destroyed);
  }

  /** Holds everything this connection sends (keep-alive starvation) or lets it go again. */
  stall(on: boolean): void {
    this.stalledNow = on;
    if (!on) this.flow();
  }

  get stalled(): boolean {
    return this.stalledNow;
  }

  /** The link came back: open the real connection if it waited, and deliver what is due. */
  flow(): void {
    if (!this.inner && !this.destroyed) this.open();
    this.in.pump();
    this.out.pump();
  }

  override _read(): void {
    this.inner?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.sendChunk(chunk, cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.sendChunk(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), cb);
  }

  private sendChunk(chunk: Buffer, cb: (err?: Error | null) => void): void {
    if (this.inner && !this.link.shaping && !this.stalledNow && this.out.empty) {
      this.inner.write(chunk, cb);
      return;
    }
    this.out.add({ at: this.when(this.out, chunk.length), chunk });
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.inner && !this.link.shaping && !this.stalledNow && this.out.empty) this.inner.end();
    else this.out.add({ at: this.when(this.out, 0), mark: 'end' });
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.stalledNow = false; // a device that resets its connection is no longer hung
    this.in.clear();
    if (!this.inner) this.out.clear(); // never reached the broker: nothing to tell it
    else if (!this.link.shaping && !this.stalledNow) this.inner.destroy();
    else {
      // A reset: what was not sent yet is gone; the other side sees the close when the link lets it through.
      this.out.clear();
      this.out.add({ at: this.when(this.out, 0), mark: 'destroy' });
    }
    cb(err);
  }

  private open(): void {
    let inner: Duplex;
    try {
      inner = this.build();
    } catch (e) {
      this.destroy(e as Error);
      return;
    }
    this.inner = inner;
    inner.on('data', (chunk: Buffer) => {
      if (this.destroyed) return;
      if (!this.link.shaping && this.in.empty) {
        if (!this.push(chunk)) inner.pause();
      } else this.in.add({ at: this.when(this.in, chunk.length), chunk });
    });
    const mark = (m: 'end' | 'close') => () => {
      if (this.destroyed) return;
      if (!this.link.shaping && this.in.empty) this.receive({ at: 0, mark: m });
      else this.in.add({ at: this.when(this.in, 0), mark: m });
    };
    inner.on('end', mark('end'));
    inner.on('close', mark('close'));
    inner.on('error', (error: Error) => {
      if (this.destroyed) return;
      if (!this.link.shaping && this.in.empty) this.receive({ at: 0, mark: 'error', error });
      else this.in.add({ at: this.when(this.in, 0), mark: 'error', error });
    });
  }

  private send(item: Item): void {
    const inner = this.inner;
    if (!inner || inner.destroyed) return;
    if ('chunk' in item) inner.write(item.chunk);
    else if (item.mark === 'end') inner.end();
    else if (item.mark === 'destroy') inner.destroy();
  }

  private receive(item: Item): void {
    if (this.destroyed) return;
    if ('chunk' in item) {
      if (!this.push(item.chunk)) this.inner?.pause();
    } else if (item.mark === 'end') this.push(null);
    else if (item.mark === 'error') this.destroy(item.error);
    else if (item.mark === 'close') this.destroy();
  }

  /** When a chunk of `bytes` sent now arrives: serialisation at the bandwidth, latency ± jitter, retransmissions. */
  private when(lane: Lane, bytes: number): number {
    const now = Date.now();
    const c = this.link.conditions;
    let at = now;
    if (c) {
      if (c.bandwidthBytesPerSec) {
        lane.nextFree = Math.max(now, lane.nextFree) + (bytes * 1000) / c.bandwidthBytesPerSec;
        at = lane.nextFree;
      }
      at += c.latencyMs ?? 0;
      if (c.jitterMs) at += (2 * this.link.random() - 1) * c.jitterMs;
      if (c.loss && bytes > 0) {
        for (let rto = MIN_RTO_MS; this.link.random() < c.loss; rto = Math.min(MAX_RTO_MS, rto * 2)) at += rto;
      }
    }
    at = Math.max(now, at, lane.lastAt);
    lane.lastAt = at;
    return at;
  }
}
