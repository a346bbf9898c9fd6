import type { ThingbenchClient } from '../../../engine/contract/index.js';
import { lineCount, recordingFileName, withoutSystemTopics } from '../lib/recording.js';
import type { ConnectionStore } from './connection.svelte.js';

export interface ExportFile {
  name: string;
  text: string;
  count: number;
}

/**
 * The selection's messages as a recording that `thingbench replay` plays back (`broker.export`: JSON lines, full
 * payloads, oldest first). The broker's own `$…` topics are left out unless the selection is under them: a replay
 * cannot publish there.
 */
export class ExportStore {
  busy = $state(false);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  async recording(filter: string): Promise<ExportFile | null> {
    this.busy = true;
    try {
      const lines = await this.client.broker.export({ filter });
      const { text, count } = filter.startsWith('$') ? { text: lines, count: lineCount(lines) } : withoutSystemTopics(lines);
      return { name: recordingFileName(filter), text, count };
    } catch (err) {
      this.connection.reportError('Could not export the messages')(err);
      return null;
    } finally {
      this.busy = false;
    }
  }
}
