/**
 * The account's commands [API:CreateCommand, GetCommand, ListCommands, UpdateCommand, DeleteCommand]:
 * - a command is static (`payload`: content and content type) or dynamic (`payloadTemplate` with the
 *   `awsJsonSubstitution` preprocessor and `mandatoryParameters`); its payload never changes after creation;
 * - deprecated commands start no new executions until restored (`deprecated: false`);
 * - DeleteCommand deletes at once (204) a command deprecated for longer than the longest execution timeout (12 hours),
 *   otherwise marks it `pendingDeletion` and deletes it 12 hours later (202) [API:DeleteCommandResponse].
 */
import { EngineError, iotArn, type Clock } from '../core/index.js';
import { templateParameters } from './command-parameters.js';
import type { CommandStore } from './command-store.js';
import type { Command, CommandNamespace, CommandParameter } from './command-types.js';

/** The longest execution timeout (12 hours): how long a command must have been deprecated to be deleted at once. */
export const MAX_TIMEOUT_MS = 12 * 60 * 60 * 1000;
/** The largest payload of a static command or rendered template [DG:commands quotas: 32 KB]. */
export const MAX_PAYLOAD_BYTES = 32 * 1024;
const COMMAND_ID = /^[a-zA-Z0-9_-]{1,64}$/;

export interface CreateCommandInput {
  commandId: string;
  namespace?: CommandNamespace;
  displayName?: string;
  description?: string;
  payload?: { content?: string; contentType?: string };
  payloadTemplate?: string;
  preprocessor?: Command['preprocessor'];
  mandatoryParameters?: CommandParameter[];
  roleArn?: string;
  tags?: Record<string, string>;
}

export interface CommandListQuery {
  namespace?: CommandNamespace;
  commandParameterName?: string;
  sortOrder?: 'ASCENDING' | 'DESCENDING';
}

const invalid = (message: string) => new EngineError('InvalidInput', message);

export function checkCommandId(commandId: string): void {
  if (!COMMAND_ID.test(commandId)) throw invalid(`1 validation error detected: Value '${commandId}' at 'commandId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+ and have length between 1 and 64`);
}

export class CommandCatalog {
  constructor(private readonly store: CommandStore, private readonly clock: Clock) {}

  async create(input: CreateCommandInput): Promise<Command> {
    checkCommandId(input.commandId);
    const namespace = input.namespace ?? 'AWS-IoT';
    if (namespace === 'AWS-IoT-FleetWise') throw invalid('Thingbench runs commands of the AWS-IoT namespace only: AWS IoT FleetWise is not emulated');
    if (namespace !== 'AWS-IoT') throw invalid(`1 validation error detected: Value '${String(namespace)}' at 'namespace' failed to satisfy constraint: Member must satisfy enum value set: [AWS-IoT, AWS-IoT-FleetWise]`);
    if (input.roleArn !== undefined) throw invalid('roleArn is only supported for commands of the AWS-IoT-FleetWise namespace');
    checkPayload(input);
    const existing = this.store.commands.get(input.commandId);
    if (existing) {
      throw new EngineError('AlreadyExists', existing.pendingDeletion
        ? `Command ${input.commandId} is pending deletion; its id cannot be reused until it is deleted`
        : `Command ${input.commandId} already exists`, { resourceId: input.commandId });
    }
    const now = this.clock.now();
    const command: Command = {
      commandId: input.commandId, commandArn: iotArn(`command/${input.commandId}`), namespace,
      ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.payload ? { payload: input.payload } : {}),
      ...(input.payloadTemplate !== undefined ? { payloadTemplate: input.payloadTemplate, preprocessor: input.preprocessor } : {}),
      ...(input.mandatoryParameters ? { mandatoryParameters: input.mandatoryParameters } : {}),
      tags: input.tags ?? {}, createdAt: now, lastUpdatedAt: now, deprecated: false, pendingDeletion: false,
    };
    await this.store.putCommand(command);
    return command;
  }

  get(commandId: string): Command {
    const c = this.store.commands.get(commandId);
    if (!c) throw new EngineError('NotFound', `Command ${commandId} does not exist`);
    return c;
  }

  list(q: CommandListQuery): Command[] {
    const all = [...this.store.commands.values()].filter((c) => (!q.namespace || c.namespace === q.namespace)
      && (!q.commandParameterName || (c.mandatoryParameters ?? []).some((p) => p.name === q.commandParameterName)));
    const dir = q.sortOrder === 'ASCENDING' ? 1 : -1;
    return all.sort((a, b) => dir * (a.createdAt - b.createdAt || a.commandId.localeCompare(b.commandId)));
  }

  async update(commandId: string, patch: { displayName?: string; description?: string; deprecated?: boolean }): Promise<Command> {
    if (patch.displayName === undefined && patch.description === undefined && patch.deprecated === undefined) {
      throw invalid('UpdateCommand needs at least one of displayName, description and deprecated');
    }
    const c = this.get(commandId);
    if (c.pendingDeletion) throw new EngineError('Conflict', `Command ${commandId} is pending deletion and cannot be updated`, { resourceId: commandId });
    const now = this.clock.now();
    const next: Command = {
      ...c, lastUpdatedAt: now,
      ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
    };
    if (patch.deprecated !== undefined && patch.deprecated !== c.deprecated) {
      next.deprecated = patch.deprecated;
      if (patch.deprecated) next.deprecatedAt = now;
      else delete next.deprecatedAt;
    }
    await this.store.putCommand(next);
    return next;
  }

  /** Deletes now (`immediate`) or schedules the deletion; a command that does not exist is already deleted. */
  async delete(commandId: string): Promise<{ immediate: boolean }> {
    const c = this.store.commands.get(commandId);
    if (!c) return { immediate: true };
    const now = this.clock.now();
    if (c.deprecated && c.deprecatedAt !== undefined && now - c.deprecatedAt > MAX_TIMEOUT_MS) {
      await this.store.deleteCommand(commandId);
      return { immediate: true };
    }
    if (!c.pendingDeletion) await this.store.putCommand({ ...c, pendingDeletion: true, deleteAt: now + MAX_TIMEOUT_MS, lastUpdatedAt: now });
    return { immediate: false };
  }

  /** Deletes the commands whose scheduled deletion is due. */
  async sweep(now: number): Promise<void> {
    for (const c of [...this.store.commands.values()]) {
      if (c.pendingDeletion && c.deleteAt !== undefined && c.deleteAt <= now) await this.store.deleteCommand(c.commandId);
    }
  }
}

function checkPayload(input: CreateCommandInput): void {
  if (input.payload && input.payloadTemplate !== undefined) throw invalid('A command has either a payload (static) or a payloadTemplate (dynamic), not both');
  if (!input.payload && input.payloadTemplate === undefined) throw invalid('Commands of the AWS-IoT namespace need a payload or a payloadTemplate');
  if (input.payload) {
    if (input.payload.content === undefined) throw invalid('payload.content is required');
    if (Buffer.byteLength(input.payload.content, 'base64') > MAX_PAYLOAD_BYTES) throw invalid(`The payload is larger than ${MAX_PAYLOAD_BYTES} bytes`);
    if (input.payload.contentType !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(input.payload.contentType)) throw invalid('payload.contentType must use the type/subtype format, such as application/json');
    if (input.preprocessor) throw invalid('preprocessor is only used with a payloadTemplate');
    return;
  }
  const template = input.payloadTemplate as string;
  if (!input.preprocessor?.awsJsonSubstitution) throw invalid('A payloadTemplate needs a preprocessor (awsJsonSubstitution with an outputFormat of JSON or CBOR)');
  if (!['JSON', 'CBOR'].includes(input.preprocessor.awsJsonSubstitution.outputFormat)) throw invalid('preprocessor.awsJsonSubstitution.outputFormat must be JSON or CBOR');
  if (Buffer.byteLength(template) > MAX_PAYLOAD_BYTES) throw invalid(`The payloadTemplate is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  try {
    JSON.parse(template);
  } catch {
    throw invalid('payloadTemplate must be a JSON document');
  }
  const declared = new Set((input.mandatoryParameters ?? []).map((p) => p.name));
  for (const name of templateParameters(template)) {
    if (!declared.has(name)) throw invalid(`payloadTemplate uses the parameter ${name}, which mandatoryParameters does not declare`);
  }
}
