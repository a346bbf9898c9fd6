import type { CostReport, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';

/** The cost is read again this often while the view is open (it follows the traffic, not each message). */
const REFRESH_MS = 2000;

/**
 * What the traffic so far would cost at AWS list prices (`metering.cost`): read on open and every 2 seconds while
 * the Cost view is open; the engine computes every figure from its counters and its dated price table.
 */
export class CostStore {
  report = $state.raw<CostReport | null>(null);
  error = $state<string | null>(null);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  watch(): () => void {
    void this.reload();
    const timer = setInterval(() => {
      if (!document.hidden) void this.reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }

  async reload(): Promise<void> {
    try {
      this.report = await this.client.metering.cost();
      this.error = null;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.connection.reportError('Could not read the cost')(err);
    }
  }
}
