/**
 * AWS IoT Commands [DG:iot-remote-command]: commands (command-catalog.ts), their executions on one device each, the
 * request the service publishes to the device, the device's status reports, the execution timer and the events.
 *
 * - StartCommandExecution (Jobs data plane) targets a thing (`…:thing/{name}`, which must exist) or an MQTT client
 *   (`…:client/{clientId}`), publishes the payload (static, or the template filled with the parameters, as JSON or
 *   CBOR) at QoS 1 on `$aws/commands/{things|clients}/{id}/executions/{executionId}/request[/{json|cbor}]` with the
 *   MQTT 5 content type and a message expiry of the execution timeout, and is idempotent by `clientToken`.
 * - The device reports on `…/response/{json|cbor}`; the service answers `…/response/accepted|rejected/{format}`.
 * - An execution not finished within `executionTimeoutSeconds` (default 10, at most 43200) becomes TIMED_OUT with
 *   reason `$NO_RESPONSE_FROM_DEVICE`; the device may still report a terminal status afterwards.
 * - Every status change is published on `$aws/events/commandExecution/{commandId}/{status}`.
 *
 * LIMITATIONS:
 * - The request goes to whoever may subscribe to its topic; it is not held for a target that is offline without a
 *   persistent session (as on AWS, the execution then stays CREATED until it times out), except that a thing with no
 *   MQTT connection also gets it by command & control when it next asks over HTTPS or CoAP (asking-bridge.ts).
 * - The `…/response/accepted|rejected` replies are normal publishes on those topics (every subscriber allowed to
 *   receive them gets them), not replies delivered to the requesting connection alone.
 * - The command execution events are always published (AWS IoT has no switch for them in UpdateEventConfigurations).
 * - No `DataConflict` for updates in quick succession: each is applied in arrival order.
 * - Tags given to CreateCommand are kept with the command but not served by ListTagsForResource/TagResource.
 * - The AWS-IoT-FleetWise namespace is refused.
 */
import { randomUUID } from 'node:crypto';
import { EngineError, TypedEmitter, silentLogger, type Clock, type Disposable, type Logger, type Service } from '../core/index.js';
import type { Publisher, TappedMessage } from '../broker/index.js';
import type { Store } from '../storage/index.js';
import { CommandCatalog, MAX_PAYLOAD_BYTES } from './command-catalog.js';
import { renderTemplate, resolveParameters } from './command-parameters.js';
import { CommandStore } from './command-store.js';
import {
  decodeDocument, encodeDocument, eventTopic, executionTopic, formatOfContentType, parseResponseTopic, requestTopic, RESPONSE_FILTERS,
  type ResponseTopic,
} from './command-topics.js';
import { TERMINAL, type Command, type CommandExecution, type ParameterValue } from './command-types.js';
import { checkTransition, parseDeviceUpdate, ResponseRejected, type DeviceUpdate } from './device-response.js';
import { queryExecutions, type ExecutionQuery } from './execution-query.js';
import { updateOfAnswer, type AskingDevicesPort } from './asking-bridge.js';

export const DEFAULT_TIMEOUT_SECONDS = 10;
export const MAX_TIMEOUT_SECONDS = 12 * 60 * 60;
/** How long an execution is kept (AWS: six months by default). */
const TIME_TO_LIVE_MS = 183 * 24 * 60 * 60 * 1000;
const TARGET = /^arn:aws[a-z-]*:iot:[^:]*:[^:]*:(thing|client)\/(.+)$/;
const COMMAND_ARN = /^arn:aws[a-z-]*:iot:[^:]*:[^:]*:command\/([a-zA-Z0-9_-]{1,64})$/;

export interface StartExecutionInput {
  targetArn: string;
  commandArn: string;
  parameters?: Record<string, ParameterValue>;
  executionTimeoutSeconds?: number;
  clientToken?: string;
}

export interface CommandsEvents {
  /** An execution was created or changed status. */
  execution: CommandExecution;
}

export interface CommandsOptions {
  /** Whether the registry has a thing of that name (a thing target must exist). */
  thingExists(name: string): boolean;
  logger?: Logger;
  /** How often the execution timer and scheduled deletions run (ms); default 1000. */
  sweepMs?: number;
  /** Command & control for things that only ask (HTTPS, CoAP with `hono-ttd`): see asking-bridge.ts. */
  askingDevices?: AskingDevicesPort;
}

const invalid = (message: string) => new EngineError('InvalidInput', message);

export class CommandsService implements Service {
  readonly name = 'commands';
  readonly events = new TypedEmitter<CommandsEvents>();
  readonly commands: CommandCatalog;
  private readonly store: CommandStore;
  private readonly logger: Logger;
  private taps: Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(store: Store, private readonly pub: Publisher, private readonly clock: Clock, private readonly opts: CommandsOptions) {
    this.store = new CommandStore(store);
    this.commands = new CommandCatalog(this.store, clock);
    this.logger = opts.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    this.store.load();
    this.taps = RESPONSE_FILTERS.map((f) => this.pub.tap(f, (msg) => void this.onResponse(msg)));
    this.timer = setInterval(() => void this.sweep(), this.opts.sweepMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    for (const t of this.taps) t.dispose();
    this.taps = [];
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /** StartCommandExecution: creates the execution and publishes the request; returns its id. */
  async startExecution(input: StartExecutionInput): Promise<{ executionId: string }> {
    const target = parseTarget(input.targetArn);
    const commandId = COMMAND_ARN.exec(input.commandArn)?.[1];
    if (!commandId) throw invalid(`Invalid commandArn: ${input.commandArn}`);
    const timeout = input.executionTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT_SECONDS) {
      throw invalid(`executionTimeoutSeconds must be an integer between 1 and ${MAX_TIMEOUT_SECONDS}`);
    }
    const requestKey = JSON.stringify([input.targetArn, input.commandArn, input.parameters ?? {}, timeout]);
    if (input.clientToken !== undefined) {
      const earlier = [...this.store.executions.values()].find((e) => e.clientToken === input.clientToken);
      if (earlier) {
        if (earlier.requestKey === requestKey) return { executionId: earlier.executionId };
        throw new EngineError('Conflict', `The clientToken ${input.clientToken} was used for another request with different parameters`, { resourceId: earlier.executionId });
      }
    }
    const command = this.commands.get(commandId);
    if (command.pendingDeletion) throw new EngineError('Conflict', `Command ${commandId} is pending deletion and cannot start executions`, { resourceId: commandId });
    if (command.deprecated) throw new EngineError('Conflict', `Command ${commandId} is deprecated: restore it (UpdateCommand with deprecated false) to start executions`, { resourceId: commandId });
    if (target.deviceType === 'things' && !this.opts.thingExists(target.deviceId)) throw new EngineError('NotFound', `Thing ${target.deviceId} does not exist`);
    const parameters = resolveParameters(command.mandatoryParameters, input.parameters ?? {});
    const request = requestOf(command, parameters, timeout);
    const now = this.clock.now();
    const execution: CommandExecution = {
      executionId: randomUUID(), commandId, commandArn: command.commandArn, targetArn: input.targetArn, ...target,
      status: 'CREATED', ...(Object.keys(parameters).length ? { parameters } : {}), executionTimeoutSeconds: timeout,
      createdAt: now, lastUpdatedAt: now, startedAt: now, timeToLive: now + TIME_TO_LIVE_MS,
      ...(input.clientToken !== undefined ? { clientToken: input.clientToken, requestKey } : {}),
    };
    await this.store.putExecution(execution);
    await this.pub.publish({
      topic: requestTopic(target.deviceType, target.deviceId, execution.executionId, request.format),
      payload: request.payload, qos: 1, retain: false,
      properties: { ...(request.contentType ? { contentType: request.contentType } : {}), messageExpiryInterval: timeout },
    });
    this.changed(execution);
    if (target.deviceType === 'things') this.offerToAskingDevice(execution, request);
    return { executionId: execution.executionId };
  }

  /** A thing without an MQTT connection gets the request when it next asks; its answer completes the execution. */
  private offerToAskingDevice(e: CommandExecution, request: { payload: Buffer; contentType?: string }): void {
    let answer: ReturnType<AskingDevicesPort>;
    try {
      answer = this.opts.askingDevices?.(e.deviceId, {
        name: e.commandId, payload: request.payload, timeoutMs: e.executionTimeoutSeconds * 1000, ...(request.contentType ? { contentType: request.contentType } : {}),
      });
    } catch (err) {
      return this.logger.log('warn', 'commands', `execution ${e.executionId} was not offered to ${e.deviceId}'s next request: ${String(err)}`);
    }
    // No answer in time: the execution timer marks it TIMED_OUT.
    answer?.then((a) => this.complete(e.executionId, updateOfAnswer(a.status, a.payload)), () => undefined)
      .catch((err: unknown) => this.logger.log('error', 'commands', `the answer to execution ${e.executionId} was not recorded: ${String(err)}`));
  }

  private async complete(executionId: string, update: DeviceUpdate): Promise<void> {
    const e = this.store.executions.get(executionId);
    if (!e) return;
    try {
      checkTransition(e, update.status);
    } catch {
      return; // the device already reported a terminal status over MQTT
    }
    const now = this.clock.now();
    const next: CommandExecution = { ...e, ...update, lastUpdatedAt: now, completedAt: now, timedOutByService: false };
    await this.store.putExecution(next);
    this.changed(next);
  }

  /** GetCommandExecution: the execution of that id on that target. */
  getExecution(executionId: string, targetArn: string): CommandExecution {
    const e = this.store.executions.get(executionId);
    if (!e || e.targetArn !== targetArn) throw new EngineError('NotFound', `Command execution ${executionId} does not exist for target ${targetArn}`);
    return e;
  }

  listExecutions(q: ExecutionQuery): CommandExecution[] {
    return queryExecutions([...this.store.executions.values()], q);
  }

  /** DeleteCommandExecution: only an execution in a terminal state; one that does not exist is already deleted. */
  async deleteExecution(executionId: string, targetArn: string): Promise<void> {
    const e = this.store.executions.get(executionId);
    if (!e || e.targetArn !== targetArn) return;
    if (!TERMINAL.has(e.status)) throw new EngineError('Conflict', `Command execution ${executionId} is ${e.status}: only executions in a terminal state can be deleted`, { resourceId: executionId });
    await this.store.deleteExecution(executionId);
  }

  /** The execution timer, scheduled command deletions and expired executions, as of the engine's clock. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepNow().catch((e: unknown) => this.logger.log('warn', 'commands', `sweep failed: ${String(e)}`)).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepNow(): Promise<void> {
    const now = this.clock.now();
    for (const id of [...this.store.executions.keys()]) {
      // Read each one afresh: a device's report may have arrived while an earlier write was awaited.
      const e = this.store.executions.get(id);
      if (!e) continue;
      if (e.timeToLive <= now) {
        await this.store.deleteExecution(e.executionId);
      } else if (!TERMINAL.has(e.status) && e.createdAt + e.executionTimeoutSeconds * 1000 <= now) {
        const next: CommandExecution = {
          ...e, status: 'TIMED_OUT', timedOutByService: true, lastUpdatedAt: now, completedAt: now,
          statusReason: { reasonCode: '$NO_RESPONSE_FROM_DEVICE', reasonDescription: `The device did not report a terminal status within ${e.executionTimeoutSeconds} seconds` },
        };
        await this.store.putExecution(next);
        this.changed(next);
      }
    }
    await this.commands.sweep(now);
  }

  private async onResponse(msg: TappedMessage): Promise<void> {
    const topic = parseResponseTopic(msg.topic);
    if (!topic || msg.will || (topic.format !== 'json' && topic.format !== 'cbor')) return;
    try {
      const e = this.store.executions.get(topic.executionId);
      if (!e || e.deviceType !== topic.deviceType || e.deviceId !== topic.deviceId) {
        throw new ResponseRejected('ResourceNotFound', `Command execution ${topic.executionId} does not exist for ${topic.deviceType}/${topic.deviceId}`);
      }
      let doc: unknown;
      try {
        doc = decodeDocument(topic.format, msg.payload);
      } catch {
        throw new ResponseRejected(topic.format === 'json' ? 'InvalidJson' : 'InvalidRequest', `The request is not valid ${topic.format.toUpperCase()}`);
      }
      const update = parseDeviceUpdate(doc);
      checkTransition(e, update.status);
      const now = this.clock.now();
      const next: CommandExecution = {
        ...e, status: update.status, lastUpdatedAt: now, timedOutByService: false,
        ...(update.result ? { result: update.result } : {}),
      };
      if (update.statusReason) next.statusReason = update.statusReason;
      else delete next.statusReason;
      if (TERMINAL.has(update.status)) next.completedAt = now;
      await this.store.putExecution(next);
      await this.reply(topic, 'accepted', { executionId: e.executionId });
      if (next.status !== e.status || e.timedOutByService) this.changed(next);
    } catch (err) {
      const rejected = err instanceof ResponseRejected ? err : new ResponseRejected('InternalError', 'The update could not be applied');
      if (!(err instanceof ResponseRejected)) this.logger.log('error', 'commands', `update of ${msg.topic} failed: ${String(err)}`);
      await this.reply(topic, 'rejected', { error: rejected.code, errorMessage: rejected.message, executionId: topic.executionId });
    }
  }

  private async reply(topic: ResponseTopic, kind: 'accepted' | 'rejected', doc: object): Promise<void> {
    const replyTopic = `${executionTopic(topic.deviceType, topic.deviceId, topic.executionId)}/response/${kind}/${topic.format}`;
    await this.pub.publish({ topic: replyTopic, payload: encodeDocument(topic.format, doc), qos: 0, retain: false })
      .catch((e: unknown) => this.logger.log('warn', 'commands', `reply on ${replyTopic} not published: ${String(e)}`));
  }

  /** Notifies listeners and publishes the command execution event [DG:command-events]. */
  private changed(e: CommandExecution): void {
    this.events.emit('execution', e);
    const body = {
      executionId: e.executionId, status: e.status, ...(e.statusReason ? { statusReason: { reasonDescription: '', ...e.statusReason } } : {}),
      eventType: 'COMMAND_EXECUTION', commandArn: e.commandArn, targetArn: e.targetArn, timestamp: e.lastUpdatedAt,
    };
    const topic = eventTopic(e.commandId, e.status);
    this.pub.publish({ topic, payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: false })
      .catch((err: unknown) => this.logger.log('warn', 'commands', `event on ${topic} not published: ${String(err)}`));
  }
}

/** The target of an execution from its ARN: a thing or an MQTT client. */
export function parseTarget(targetArn: string): Pick<CommandExecution, 'deviceType' | 'deviceId'> {
  const m = TARGET.exec(targetArn);
  if (!m || m[2].includes('/') || m[2].length > 128) throw invalid(`Invalid targetArn: ${targetArn}. Use the ARN of a thing (…:thing/{thingName}) or of an MQTT client (…:client/{clientId})`);
  return { deviceType: m[1] === 'thing' ? 'things' : 'clients', deviceId: m[2] };
}

/** What the device receives: the static payload, or the template rendered in its output format. */
function requestOf(command: Command, parameters: Record<string, ParameterValue>, timeout: number): { payload: Buffer; contentType?: string; format?: 'json' | 'cbor' } {
  if (command.payloadTemplate !== undefined) {
    const cbor = command.preprocessor?.awsJsonSubstitution?.outputFormat === 'CBOR';
    const payload = encodeDocument(cbor ? 'cbor' : 'json', renderTemplate(command.payloadTemplate, parameters, timeout));
    if (payload.length > MAX_PAYLOAD_BYTES) throw invalid(`The rendered payload is larger than ${MAX_PAYLOAD_BYTES} bytes`);
    return { payload, contentType: cbor ? 'application/cbor' : 'application/json', format: cbor ? 'cbor' : 'json' };
  }
  const contentType = command.payload?.contentType;
  return { payload: Buffer.from(command.payload?.content ?? '', 'base64'), ...(contentType ? { contentType } : {}), format: formatOfContentType(contentType) };
}

