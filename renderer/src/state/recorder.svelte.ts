import type { ReplayResult, ThingbenchClient } from '../../../engine/contract/index.js';
import { lineCount, recordingFileName, withoutSystemTopics } from '../lib/recording.js';
import type { ConnectionStore } from './connection.svelte.js';

/** A recording in `thingbench replay`'s JSON-lines format. */
export interface Recording {
  name: string;
  text: string;
  count: number;
}

/**
 * Record and replay from the app: a recording is the engine's history of a topic filter between Record and Stop
 * (`broker.export`, the format `thingbench record` writes, without the broker's own `$` topics unless the filter asks
 * for them), or a file opened; a replay plays it into the engine itself (`scenarios.replay`).
 */
export class RecorderStore {
  filter = $state('#');
  /** When recording started (ms), or null when not recording. */
  since = $state<number | null>(null);
  recording = $state.raw<Recording | null>(null);
  busy = $state(false);
  replaying = $state(false);
  result = $state.raw<ReplayResult | null>(null);
  error = $state<string | null>(null);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  start(filter: string): void {
    this.filter = filter.trim() || '#';
    this.since = Date.now();
    this.error = null;
  }

  /** Ends the recording: the history of the filter since Record becomes the recording. */
  async stop(): Promise<void> {
    const from = this.since;
    if (from === null) return;
    this.since = null;
    this.busy = true;
    try {
      const lines = await this.client.broker.export({ filter: this.filter, from, to: Date.now() });
      const { text, count } = this.filter.startsWith('$') ? { text: lines, count: lineCount(lines) } : withoutSystemTopics(lines);
      this.recording = { name: recordingFileName(this.filter), text, count };
      this.result = null;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.busy = false;
    }
  }

  /** A recording from a file. */
  load(name: string, text: string): void {
    this.recording = { name, text, count: lineCount(text) };
    this.result = null;
    this.error = null;
  }

  /** Plays the recording into a target profile (`local`, the default, is this engine). */
  async replay(speed: number, clientIdPrefix: string, target = 'local'): Promise<void> {
    const recording = this.recording;
    if (!recording) return;
    this.replaying = true;
    this.error = null;
    this.result = null;
    try {
      this.result = await this.client.scenarios.replay({ recording: recording.text, speed, target, ...(clientIdPrefix ? { clientIdPrefix } : {}) });
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.replaying = false;
    }
  }

  async stopReplay(): Promise<void> {
    try {
      await this.client.scenarios.stopReplay();
    } catch (err) {
      this.connection.reportError('Could not stop the replay')(err);
    }
  }
}
