import { randomUUID } from 'node:crypto';

/**
 * Trace ids for the messages the rules engine sees: UUID-shaped like AWS's `traceid()`, unique within an engine run
 * (a random prefix per run and a counter), without the cost of a random UUID on every message.
 */
export class TraceIds {
  private readonly prefix = randomUUID().slice(0, 24); // xxxxxxxx-xxxx-4xxx-yxxx-
  private count = 0;

  next(): string {
    return this.prefix + (this.count++).toString(16).padStart(12, '0');
  }
}
