import type { CommandExecutionInfo, CommandInfo, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { poll } from './poll.js';

/** Executions change as devices answer: read again this often while shown. */
const REFRESH_MS = 1_000;

/** AWS IoT Commands and the selected command's executions, for the Jobs view. */
export class CommandsStore {
  commands = $state.raw<readonly CommandInfo[]>([]);
  loaded = $state(false);
  selected = $state<string | null>(null);
  executions = $state.raw<readonly CommandExecutionInfo[]>([]);

  private seq = 0;

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  watch(): () => void {
    return poll(() => this.reload(), REFRESH_MS);
  }

  async reload(): Promise<void> {
    await Promise.all([
      this.client.commands.list().then((c) => { this.commands = c; }, this.connection.reportError('Could not read the commands')),
      this.readExecutions(),
    ]);
    this.loaded = true;
  }

  select(commandId: string | null): void {
    if (commandId === this.selected) return;
    this.selected = commandId;
    this.executions = [];
    void this.readExecutions();
  }

  private async readExecutions(): Promise<void> {
    const id = this.selected;
    if (!id) return;
    const seq = ++this.seq;
    try {
      const found = await this.client.commands.executions({ commandId: id });
      if (seq === this.seq && id === this.selected) this.executions = found;
    } catch {
      if (seq === this.seq && id === this.selected) this.executions = [];
    }
  }
}
