import { EngineError, iotArn } from '../core/index.js';
import type { CommandExecutionInfo, CommandInfo, ThingbenchApi } from '../contract/index.js';
import type { CommandsService } from './commands-service.js';
import type { Command, CommandExecution } from './command-types.js';

const EXECUTIONS_MAX = 1000;

const info = (c: Command): CommandInfo => ({
  commandId: c.commandId, commandArn: c.commandArn,
  ...(c.displayName !== undefined ? { displayName: c.displayName } : {}), ...(c.description !== undefined ? { description: c.description } : {}),
  kind: c.payloadTemplate !== undefined ? 'dynamic' : 'static',
  ...(c.payloadTemplate !== undefined
    ? { contentType: c.preprocessor?.awsJsonSubstitution?.outputFormat === 'CBOR' ? 'application/cbor' : 'application/json' }
    : c.payload?.contentType !== undefined ? { contentType: c.payload.contentType } : {}),
  parameters: (c.mandatoryParameters ?? []).map((p) => p.name),
  deprecated: c.deprecated, pendingDeletion: c.pendingDeletion, createdAt: c.createdAt, lastUpdatedAt: c.lastUpdatedAt,
});

const execution = (e: CommandExecution): CommandExecutionInfo => ({
  executionId: e.executionId, commandId: e.commandId, targetArn: e.targetArn, status: e.status,
  ...(e.timedOutByService ? { timedOutByService: true } : {}), ...(e.statusReason ? { statusReason: e.statusReason } : {}),
  ...(e.result ? { result: e.result } : {}), executionTimeoutSeconds: e.executionTimeoutSeconds,
  createdAt: e.createdAt, lastUpdatedAt: e.lastUpdatedAt, ...(e.completedAt !== undefined ? { completedAt: e.completedAt } : {}),
});

/** The contract's `commands` area over the commands service. */
export function commandsApi(commands: CommandsService): ThingbenchApi['commands'] {
  return {
    list: async () => commands.commands.list({}).map(info),
    executions: async ({ commandId, thing, clientId }) => {
      const targets = [thing !== undefined ? iotArn(`thing/${thing}`) : undefined, clientId !== undefined ? iotArn(`client/${clientId}`) : undefined].filter((t) => t !== undefined);
      if (targets.length > 1) throw new EngineError('InvalidInput', 'commands.executions takes a thing or a clientId, not both');
      if (commandId === undefined && !targets.length) throw new EngineError('InvalidInput', 'commands.executions needs a commandId, a thing or a clientId');
      const found = targets.length
        ? commands.listExecutions({ targetArn: targets[0] }).filter((e) => commandId === undefined || e.commandId === commandId)
        : commands.listExecutions({ commandArn: commands.commands.get(commandId as string).commandArn });
      return found.slice(0, EXECUTIONS_MAX).map(execution);
    },
  };
}
