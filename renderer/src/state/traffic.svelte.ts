import type { ThingbenchClient } from '../../../engine/contract/index.js';

const WINDOW_S = 5;

/**
 * Live rates for the status bar, from the `broker.messages` batches: messages per second over the last few seconds
 * and the live messages the engine skipped to keep the UI up (they stay in the history). Updated once a second.
 */
export class TrafficStore {
  messagesPerSecond = $state(0);
  totalMessages = $state(0);
  skipped = $state(0);
  private readonly buckets = new Array<number>(WINDOW_S).fill(0);
  private current = 0;

  constructor(client: ThingbenchClient) {
    client.on('broker.messages', (batch) => {
      const n = batch.messages.length + batch.dropped;
      this.current += n;
      this.totalMessages += n;
      if (batch.dropped) this.skipped += batch.dropped;
    });
    setInterval(() => this.tick(), 1000);
  }

  private tick(): void {
    this.buckets.shift();
    this.buckets.push(this.current);
    this.current = 0;
    const rate = this.buckets.reduce((a, b) => a + b, 0) / WINDOW_S;
    if (rate !== this.messagesPerSecond) this.messagesPerSecond = rate;
  }
}
