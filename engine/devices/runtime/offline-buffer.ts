/** Messages a device produced while offline: bounded, oldest dropped first and counted, replayed in order. */
export interface BufferedMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
}

export class OfflineBuffer {
  private items: BufferedMessage[] = [];
  /** Messages dropped because the buffer was full. */
  dropped = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.items.length;
  }

  /** Adds at the end; when full, the oldest message makes room (capacity 0 keeps nothing). */
  push(message: BufferedMessage): void {
    this.items.push(message);
    while (this.items.length > this.capacity) {
      this.items.shift();
      this.dropped++;
    }
  }

  /** Puts messages that were in flight when the connection died back in front, in their order. */
  requeue(messages: BufferedMessage[]): void {
    this.items.unshift(...messages);
    while (this.items.length > this.capacity) {
      this.items.shift();
      this.dropped++;
    }
  }

  /** Takes the oldest message out. */
  shift(): BufferedMessage | undefined {
    return this.items.shift();
  }

  /** Everything buffered, oldest first, and empties the buffer. */
  drain(): BufferedMessage[] {
    const out = this.items;
    this.items = [];
    return out;
  }
}
