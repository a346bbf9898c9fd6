/**
 * Flow control towards an MQTT 5 client (§4.9): the server never has more QoS 1 and QoS 2 PUBLISHes unacknowledged
 * at the client than the Receive Maximum of its CONNECT [MQTT-3.3.4-7]; the rest wait, in order, and go out as the
 * client acknowledges (PUBACK, PUBCOMP, or PUBREC with a reason code of 0x80 or more) [MQTT-3.3.4-8]. QoS 0 is never
 * held back. The window counts PUBLISHes by packet identifier, so an acknowledgement for a message that was never
 * counted (one sent on an earlier connection of the session) frees nothing. The window is per network connection: a
 * new one starts with the full quota, and a persistent session's waiting messages, which its outgoing queue still
 * holds, are sent again then.
 *
 * aedes-agnostic: it sees encoded PUBLISH buffers and packet identifiers.
 */

/** Messages that may wait for the window at once: past this the client is not reading its acknowledgements. */
export const MAX_WAITING = 10_000;

export class SendWindow {
  /** Packet identifiers of QoS 1 and 2 PUBLISHes sent and not yet acknowledged. */
  private readonly inFlight = new Set<number>();
  /** PUBLISHes over the window, oldest first. */
  private readonly waiting: Array<{ bytes: Buffer; messageId: number }> = [];
  private head = 0;

  constructor(
    /** The client's Receive Maximum (1–65,535; 65,535 when the CONNECT had none). */
    readonly maximum: number,
    private readonly write: (bytes: Buffer) => boolean,
  ) {}

  /** QoS 1 and 2 PUBLISHes waiting for the window. */
  get held(): number {
    return this.waiting.length - this.head;
  }

  /** Unacknowledged QoS 1 and 2 PUBLISHes at the client. */
  get unacknowledged(): number {
    return this.inFlight.size;
  }

  /**
   * A QoS 1 or 2 PUBLISH: written now if the window has room, else kept until it has. Returns what the stream's
   * write returned (true when kept: nothing was written). False from `overflow` when more than MAX_WAITING wait.
   */
  send(bytes: Buffer, messageId: number): boolean | 'overflow' {
    if (this.held === 0 && this.inFlight.size < this.maximum) {
      this.inFlight.add(messageId);
      return this.write(bytes);
    }
    if (this.held >= MAX_WAITING) return 'overflow';
    this.waiting.push({ bytes, messageId });
    return true;
  }

  /** The client acknowledged `messageId`: its place in the window goes to the next waiting PUBLISH. */
  acknowledged(messageId: number): void {
    if (!this.inFlight.delete(messageId)) return;
    while (this.held > 0 && this.inFlight.size < this.maximum) {
      const next = this.waiting[this.head];
      this.waiting[this.head++] = undefined as never;
      this.inFlight.add(next.messageId);
      this.write(next.bytes);
    }
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The connection is gone: nothing more is written. */
  clear(): void {
    this.waiting.length = 0;
    this.head = 0;
    this.inFlight.clear();
  }
}
