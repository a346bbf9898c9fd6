/**
 * Requests to the AWS services the engine emulates, counted as each service bills them (`sqs.requests` in 64 KB
 * chunks, `dynamodb.writes` in 1 KB write units, …) by price id. Counters only.
 */
import type { PriceId } from './price-table.js';

export class RequestMeter {
  private readonly counts = new Map<PriceId, number>();

  add(id: PriceId, quantity: number): void {
    this.counts.set(id, (this.counts.get(id) ?? 0) + quantity);
  }

  get(id: PriceId): number {
    return this.counts.get(id) ?? 0;
  }
}

/** `bytes` in billing chunks of `kb` KB, at least one. */
export const chunks = (bytes: number, kb: number): number => Math.max(1, Math.ceil(bytes / (kb * 1024)));

export const GB = 1024 ** 3;
