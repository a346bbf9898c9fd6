/**
 * Commands and command executions in the engine's store (migration 0021), each row one JSON document, mirrored in
 * memory: a local account holds few enough that lists filter and sort in memory.
 */
import type { Store } from '../storage/index.js';
import type { Command, CommandExecution } from './command-types.js';

export class CommandStore {
  readonly commands = new Map<string, Command>();
  readonly executions = new Map<string, CommandExecution>();

  constructor(private readonly store: Store) {}

  load(): void {
    this.commands.clear();
    this.executions.clear();
    for (const r of this.store.all<{ doc: string }>('SELECT doc FROM commands')) {
      const c = JSON.parse(r.doc) as Command;
      this.commands.set(c.commandId, c);
    }
    for (const r of this.store.all<{ doc: string }>('SELECT doc FROM command_executions')) {
      const e = JSON.parse(r.doc) as CommandExecution;
      this.executions.set(e.executionId, e);
    }
  }

  async putCommand(c: Command): Promise<void> {
    this.commands.set(c.commandId, c);
    await this.store.write([{ sql: 'INSERT OR REPLACE INTO commands (command_id, doc) VALUES (?, ?)', params: [c.commandId, JSON.stringify(c)] }]);
  }

  async deleteCommand(commandId: string): Promise<void> {
    this.commands.delete(commandId);
    await this.store.write([{ sql: 'DELETE FROM commands WHERE command_id = ?', params: [commandId] }]);
  }

  async putExecution(e: CommandExecution): Promise<void> {
    this.executions.set(e.executionId, e);
    await this.store.write([{
      sql: 'INSERT OR REPLACE INTO command_executions (execution_id, command_id, target_arn, doc) VALUES (?, ?, ?, ?)',
      params: [e.executionId, e.commandId, e.targetArn, JSON.stringify(e)],
    }]);
  }

  async deleteExecution(executionId: string): Promise<void> {
    this.executions.delete(executionId);
    await this.store.write([{ sql: 'DELETE FROM command_executions WHERE execution_id = ?', params: [executionId] }]);
  }
}
