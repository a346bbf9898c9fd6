import type { MessageRecord, ThingbenchClient } from '../../../engine/contract/index.js';
import { recordingFileName, recordingLines } from '../lib/recording.js';
import type { ConnectionStore } from './connection.svelte.js';

/** The most messages one export reads from the history (the contract's largest page). */
const EXPORT_LIMIT = 10_000;

export interface ExportFile {
  name: string;
  text: string;
  count: number;
}

/**
 * The selection's messages as a recording that `thingbench replay` plays back (JSON lines, full payloads). Engine
 * lifecycle topics (`$aws/…`, `$…`) are left out unless the selection is under them: a replay cannot publish there.
 */
export class ExportStore {
  busy = $state(false);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  async recording(filter: string): Promise<ExportFile | null> {
    this.busy = true;
    try {
      const listed = await this.client.broker.messages({ filter, limit: EXPORT_LIMIT });
      const wanted = filter.startsWith('$') ? listed : listed.filter((m) => !m.topic.startsWith('$'));
      const messages: MessageRecord[] = [];
      for (const m of wanted) {
        if (!m.truncated) messages.push(m);
        else messages.push((await this.client.broker.message(m.id)) ?? m);
      }
      return { name: recordingFileName(filter), text: recordingLines(messages), count: messages.length };
    } catch (err) {
      this.connection.reportError('Could not export the messages')(err);
      return null;
    } finally {
      this.busy = false;
    }
  }
}
