import type { DeliveryMapping, DeliveryMappingInput, StoredEventInfo, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { readSoon } from './soon.js';

export { backlogs, type ConsumerBacklog } from './models/delivery-backlog.js';

/** Changes arriving together (a burst of events kept) are read once, this long after the first. */
const RELOAD_DELAY_MS = 300;

/**
 * Delivery classes (`delivery.*`): the telemetry/event mappings and the events kept for absent consumers, read when
 * the tab opens and again on `delivery.changed`.
 */
export class DeliveryStore {
  mappings = $state.raw<readonly DeliveryMapping[]>([]);
  stored = $state.raw<readonly StoredEventInfo[]>([]);
  loaded = $state(false);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  watch(): () => void {
    void this.reload();
    const soon = readSoon(() => this.reload(), RELOAD_DELAY_MS);
    const sub = this.client.on('delivery.changed', () => soon.request());
    return () => {
      sub.dispose();
      soon.dispose();
    };
  }

  async reload(): Promise<void> {
    const report = this.connection.reportError('Could not read the delivery classes');
    await Promise.all([
      this.client.delivery.list().then((m) => { this.mappings = m; }, report),
      this.client.delivery.stored().then((s) => { this.stored = s; }, report),
    ]);
    this.loaded = true;
  }

  /** Adds or replaces a mapping; rejects with the engine's refusal. */
  async put(input: DeliveryMappingInput): Promise<DeliveryMapping> {
    const saved = await this.client.delivery.put(input);
    await this.reload();
    return saved;
  }

  async delete(id: string): Promise<void> {
    await this.client.delivery.delete(id);
    await this.reload();
  }
}
