import type { ActivityBatch, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { perFrame } from './frame.js';
import { mergeById } from './models/by-id.js';
import { activityEvent, type LifecycleEvent } from './models/lifecycle.js';

export type { LifecycleEvent } from './models/lifecycle.js';

const MAX_EVENTS = 2000;

/**
 * Presence and subscription events for the timeline: the recent ones (`broker.events`), then live as
 * `broker.activity` batches while a view watches; what a batch skipped is read again from `broker.events`.
 */
export class PresenceStore {
  events = $state.raw<readonly LifecycleEvent[]>([]);
  loaded = $state(false);
  private pending: LifecycleEvent[] = [];
  private watchers = 0;
  private readonly schedule = perFrame(() => this.flush());

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {
    client.on('broker.activity', (batch: ActivityBatch) => {
      if (!this.watchers) return;
      for (const a of batch.events) this.pending.push(activityEvent(a));
      if (batch.skipped) void this.load();
      this.schedule();
    });
  }

  /** Keeps the events live while a view shows them. */
  watch(): () => void {
    if (this.watchers++ === 0) void this.load();
    return () => { this.watchers--; };
  }

  private async load(): Promise<void> {
    try {
      const recent = await this.client.broker.events({ limit: MAX_EVENTS });
      this.pending.push(...recent.map(activityEvent));
      this.loaded = true;
      this.flush();
    } catch (err) {
      this.connection.reportError('Could not load the connection events')(err);
    }
  }

  private flush(): void {
    if (!this.pending.length) return;
    this.events = mergeById([this.events, this.pending], MAX_EVENTS);
    this.pending = [];
  }
}
