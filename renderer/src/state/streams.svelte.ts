import type { StreamInfo, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { poll } from './poll.js';

const REFRESH_MS = 5_000;

/** AWS IoT streams (MQTT file delivery) with their files, for the Jobs view. */
export class StreamsStore {
  streams = $state.raw<readonly StreamInfo[]>([]);
  loaded = $state(false);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  watch(): () => void {
    return poll(() => this.reload(), REFRESH_MS);
  }

  async reload(): Promise<void> {
    try {
      this.streams = await this.client.streams.list();
    } catch (err) {
      this.connection.reportError('Could not read the streams')(err);
    }
    this.loaded = true;
  }
}
