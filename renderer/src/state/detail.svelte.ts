import type { MessageBatch, MessageRecord, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { SvelteMap } from 'svelte/reactivity';
import { perFrame } from './frame.js';
import { mergeById } from './models/by-id.js';

/** How many of a topic's messages the detail's timeline holds. */
const HISTORY_SIZE = 500;

/**
 * The open message's topic over time, for the detail pane: its history (oldest first, growing live), the message
 * the timeline shows, and the earlier one it is compared with. Full payloads are fetched for previews on demand.
 */
export class DetailStore {
  /** The topic whose history is held; empty when no message is open. */
  topic = $state('');
  /** That topic's messages, oldest first. */
  history = $state.raw<readonly MessageRecord[]>([]);
  /** Position in `history` of the message shown. */
  index = $state(-1);
  /** Id of the message the shown one is compared with; null compares with the one before it. */
  compareId = $state<number | null>(null);
  /** Messages with their full payload, by id (the list and live batches carry 16 KiB previews). */
  readonly full = new SvelteMap<number, MessageRecord>();
  private pending: MessageRecord[] = [];
  private readonly schedule = perFrame(() => this.flush());
  private loading = 0;

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {
    client.on('broker.messages', (batch: MessageBatch) => {
      if (!this.topic) return;
      for (const m of batch.messages) if (m.topic === this.topic) this.pending.push(m);
      if (this.pending.length) this.schedule();
    });
  }

  /** The message shown (the open one, or where the timeline was moved to). */
  get shown(): MessageRecord | null {
    return this.history[this.index] ?? null;
  }

  /** The message `shown` is compared with: the chosen earlier one, else the one before it. */
  get base(): MessageRecord | null {
    if (this.compareId !== null) return this.history.find((m) => m.id === this.compareId) ?? null;
    return this.history[this.index - 1] ?? null;
  }

  /** Opens `message` (from the list): loads its topic's history unless held already, and shows it. */
  async open(message: MessageRecord | null): Promise<void> {
    if (!message) {
      this.topic = '';
      this.history = [];
      this.index = -1;
      this.compareId = null;
      return;
    }
    if (message.topic === this.topic) {
      this.showId(message.id, message);
      return;
    }
    this.topic = message.topic;
    this.compareId = null;
    this.pending = [];
    this.history = [message];
    this.index = 0;
    const load = ++this.loading;
    try {
      const older = await this.client.broker.messages({ filter: message.topic /* a topic name holds no wildcards: it matches itself */, limit: HISTORY_SIZE });
      if (load !== this.loading) return;
      const shownId = this.shown?.id ?? message.id;
      this.history = mergeById([older.filter((m) => m.topic === message.topic), this.history], HISTORY_SIZE);
      this.index = Math.max(0, this.history.findIndex((m) => m.id === shownId));
      void this.fetchFull(this.shown, this.base);
    } catch (err) {
      this.connection.reportError('Could not load the topic history')(err);
    }
  }

  /** Moves the timeline to position `i`. */
  seek(i: number): void {
    this.index = Math.max(0, Math.min(this.history.length - 1, Math.round(i)));
    if (this.compareId !== null && this.base && this.base.id >= (this.shown?.id ?? 0)) this.compareId = null;
    void this.fetchFull(this.shown, this.base);
  }

  /** Compares the shown message with the earlier message `id`, or with the previous one (`null`). */
  compare(id: number | null): void {
    this.compareId = id;
    void this.fetchFull(this.base);
  }

  /** The message with its full payload when fetched, else as held. */
  complete(m: MessageRecord | null): MessageRecord | null {
    return m ? (this.full.get(m.id) ?? m) : null;
  }

  private showId(id: number, fallback: MessageRecord): void {
    let i = this.history.findIndex((m) => m.id === id);
    if (i < 0) {
      this.history = mergeById([this.history, [fallback]], HISTORY_SIZE);
      i = this.history.findIndex((m) => m.id === id);
    }
    this.seek(i);
  }

  private async fetchFull(...messages: (MessageRecord | null)[]): Promise<void> {
    for (const m of messages) {
      if (!m?.truncated || this.full.has(m.id)) continue;
      try {
        const full = await this.client.broker.message(m.id);
        if (full) this.full.set(m.id, full);
      } catch (err) {
        this.connection.reportError('Could not load the full payload')(err);
      }
    }
  }

  private flush(): void {
    const fresh = this.pending.filter((m) => m.topic === this.topic);
    this.pending = [];
    if (!fresh.length) return;
    const shownId = this.shown?.id;
    this.history = mergeById([this.history, fresh], HISTORY_SIZE);
    this.index = shownId === undefined ? this.history.length - 1 : Math.max(0, this.history.findIndex((m) => m.id === shownId));
  }
}

