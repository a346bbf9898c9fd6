/** Live messages waiting to be added to the SQL console's `messages` table: the newest `max`, taken in batches. */
import type { MessageRecord } from '../../../../engine/contract/index.js';

export class LiveMessages {
  private waiting: MessageRecord[] = [];
  /** Messages the engine skipped in its live batches to keep the UI up (they are in the history: Refresh data reads them). */
  skipped = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.waiting.length;
  }

  push(messages: readonly MessageRecord[], dropped = 0): void {
    this.skipped += dropped;
    for (const m of messages) this.waiting.push(m);
    if (this.waiting.length > this.max) this.waiting = this.waiting.slice(-this.max);
  }

  /** Everything waiting, oldest first; the buffer is empty after. */
  take(): MessageRecord[] {
    const out = this.waiting;
    this.waiting = [];
    return out;
  }

  /** Forgets what waits and what was skipped (a fresh load reads them from the history). */
  clear(): void {
    this.waiting = [];
    this.skipped = 0;
  }
}
