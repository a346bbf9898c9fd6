/**
 * [MQTT-3.1.4-5]: a client may send more packets right after CONNECT; the server processes them once the CONNECT
 * completes, in order. aedes 1.2 holds such packets only while it parses its first read: those of a later read before
 * CONNACK were handled at once, by a client without an id yet (the engine died on CONNECT + 70 KB PUBLISH +
 * UNSUBSCRIBE in one write). Here every packet parsed after the CONNECT is held until CONNACK has been sent, then
 * handed to aedes in order. Holding is bounded by aedes' own `queueLimit` (the connection is closed beyond it).
 */

/** The parts of aedes' Client this touches (listed and checked at start in `aedes-adapter.ts`). */
export interface EarlyClient {
  connecting: boolean;
  connackSent: boolean;
  /** Packets parsed and not yet handled: aedes reads the socket again only when it drops to 0 (back-pressure). */
  _parsingBatch: number;
}

export class EarlyPackets {
  private held: object[] = [];

  constructor(
    private readonly client: EarlyClient,
    /** aedes' parser `emit`: a `packet` goes to aedes' handlers, an `error` closes the connection. */
    readonly forward: (event: string, arg: unknown) => boolean,
    private readonly limit: number,
  ) {}

  /** A packet as parsed (CONNECT included); true when it was held. */
  hold(packet: { cmd?: string }): boolean {
    const client = this.client;
    const waiting = client.connecting && !client.connackSent;
    if (!waiting && this.held.length === 0) return false;
    if (packet.cmd === 'connect') return false; // a second CONNECT: aedes closes the connection [MQTT-3.1.0-2]
    if (waiting && this.held.length >= this.limit) {
      this.forward('error', new Error('Client queue limit reached'));
      return true;
    }
    client._parsingBatch++;
    this.held.push(packet);
    return true;
  }

  /** CONNACK was sent (aedes emits `connackSent` just before it sets the flag): hand the held packets on, in order. */
  connackSent(): void {
    if (this.held.length) queueMicrotask(() => this.release());
  }

  private release(): void {
    const held = this.held;
    this.held = [];
    for (const packet of held) {
      this.client._parsingBatch--; // aedes counts it again as it takes it
      this.forward('packet', packet);
    }
  }
}
