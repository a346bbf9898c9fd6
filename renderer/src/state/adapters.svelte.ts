import type { AdapterStats, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { poll } from './poll.js';

/**
 * The counters have no change event (a flood of refused requests would be one event per request): they are read
 * this often while a view shows them.
 */
const REFRESH_MS = 1_000;

/** The device adapters' counters (`adapters.stats()`): CoAP and HTTPS requests, refusals by code, observers, block transfers. */
export class AdaptersStore {
  stats = $state.raw<AdapterStats | null>(null);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Keeps the counters fresh while a view shows them; returns the stop function. */
  watch(): () => void {
    return poll(() => this.read(), REFRESH_MS);
  }

  private async read(): Promise<void> {
    try {
      this.stats = await this.client.adapters.stats();
    } catch (err) {
      this.connection.reportError('Could not read the device adapters\' counters')(err);
    }
  }
}
