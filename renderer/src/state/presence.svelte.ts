import type { MessageBatch, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { perFrame } from './frame.js';
import { mergeById } from './models/by-id.js';
import { lifecycleEvent, type LifecycleEvent } from './models/lifecycle.js';

export type { LifecycleEvent } from './models/lifecycle.js';

const MAX_EVENTS = 2000;
const FILTERS = ['$aws/events/presence/+/+', '$aws/events/subscriptions/+/+'];

/**
 * Presence and subscription events for the timeline, read from the lifecycle events the broker publishes on
 * `$aws/events/presence/…` and `$aws/events/subscriptions/…` (only the broker's own: a client may publish there too).
 */
export class PresenceStore {
  events = $state.raw<readonly LifecycleEvent[]>([]);
  loaded = $state(false);
  private pending: LifecycleEvent[] = [];
  private watchers = 0;
  private readonly schedule = perFrame(() => this.flush());

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {
    client.on('broker.messages', (batch: MessageBatch) => {
      if (!this.watchers) return;
      for (const m of batch.messages) {
        const e = lifecycleEvent(m);
        if (e) this.pending.push(e);
      }
      if (this.pending.length) this.schedule();
    });
  }

  /** Keeps the events live while a view shows them. */
  watch(): () => void {
    if (this.watchers++ === 0) void this.load();
    return () => { this.watchers--; };
  }

  private async load(): Promise<void> {
    try {
      const lists = await Promise.all(FILTERS.map((filter) => this.client.broker.messages({ filter, limit: MAX_EVENTS })));
      for (const m of lists.flat()) {
        const e = lifecycleEvent(m);
        if (e) this.pending.push(e);
      }
      this.loaded = true;
      this.flush();
    } catch (err) {
      this.connection.reportError('Could not load the presence events')(err);
    }
  }

  private flush(): void {
    if (!this.pending.length) return;
    this.events = mergeById([this.events, this.pending], MAX_EVENTS);
    this.pending = [];
  }
}
