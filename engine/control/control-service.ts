/**
 * Command & control for every protocol: one `send` that reaches a thing however it is connected and resolves with its
 * correlated answer, after Eclipse Hono's request/response commands [Hono concepts: Command & Control].
 * - A thing connected over MQTT (client id = thing name) gets the request on `command/{thing}/req/{reqId}/{name}`
 *   (MQTT 5: with a response topic and correlation data) and answers on `command/{thing}/res/{reqId}/{status}`;
 *   requests and answers are ordinary messages (policies, rules and the explorer see them).
 * - Any other thing gets it queued for its next HTTPS or CoAP request with a `hono-ttd` (`AskingDevices.next`), and
 *   answers with its next request (`AskingDevices.respond`); or, if it connects over MQTT first, when it subscribes to
 *   its request topics.
 * - A request handed to an asking device and its answer are recorded in the broker's history and live feed on the MQTT
 *   topics (`record`), not routed: MQTT subscribers and the answer tap never see them twice.
 * - No answer within the timeout: the call fails with `Unavailable` (details.reason `Timeout`) and the request id is
 *   forgotten, so a late answer is refused as unknown.
 * - A one-way command (`oneWay`, Hono's one-way commands) expects no answer: the call resolves once the command is
 *   handed to the device, which is never told a request id (MQTT: `command/{thing}/req//{name}`, no response topic or
 *   correlation data; HTTPS/CoAP: `hono-command` without `hono-cmd-req-id` or a Location-Path), so any answer is
 *   refused as unknown. Not handed over within its timeout: `Unavailable` (reason `Timeout`).
 *
 * LIMITATIONS:
 * - Commands waiting for an answer live in memory: an engine stop or restart forgets them (their callers fail with
 *   `Unavailable`, details.reason `Stopped`). One-way commands queued for a device that asks are stored (`store`): they
 *   survive a restart or `kill -9` until their deadline, though their callers are told the engine stopped.
 * - A one-way command to a thing connected over MQTT counts as handed over once published, whether or not the thing is
 *   subscribed to its request topics then.
 * - A thing connected over MQTT gets the request only if it is subscribed to its request topics when it is sent; a
 *   thing not connected gets its queued commands when it connects and subscribes to them (a SUBSCRIBE: a persistent
 *   session resumed without one does not trigger it).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EngineError, TypedEmitter, silentLogger, type Clock, type Disposable, type Logger, type Service } from '../core/index.js';
import type { Publisher, TappedMessage } from '../broker/index.js';
import { topicMatches } from '../contract/index.js';
import { PendingCommands, type DeviceAnswer, type PendingCommand, type PendingEntry, type Via } from './pending-commands.js';
import { QueuedOneWay } from './queued-one-way.js';
import { restoreQueuedOneWay } from './restore-queued-one-way.js';
import type { Store } from '../storage/index.js';
import { checkCommandName, checkThingName, mqttRequestTopic, mqttResponseBase, mqttResponseTopic, MQTT_RESPONSE_FILTER, parseMqttAnswer } from './wire-names.js';

/** Longest timeout of one command (the contract, the HTTP API and the SDK refuse a longer one). */
export const MAX_COMMAND_TIMEOUT_MS = 15 * 60 * 1000;
/** The largest command payload (AWS IoT's message size). */
export const MAX_COMMAND_PAYLOAD = 128 * 1024;
const DEFAULT_MAX_PENDING = 16;
/** The broker's subscription lifecycle events [DG:life-cycle events]. */
const SUBSCRIBED_FILTER = '$aws/events/subscriptions/subscribed/+';

/** How an HTTP or CoAP device receives commands (seam of the device adapters). */
export interface AskingDevices {
  /** Waits up to ttdMs for a command for `thing`; undefined on timeout or abort. Marks it delivered (by `via`). */
  next(thing: string, ttdMs: number, signal?: AbortSignal, via?: 'https' | 'coap'): Promise<PendingCommand | undefined>;
  /** The device's answer (its next request). Throws EngineError NotFound for an unknown/expired request id. */
  respond(thing: string, requestId: string, status: number, payload: Buffer, contentType?: string): void;
}

export interface SendCommand {
  thing: string;
  name: string;
  payload: Buffer;
  contentType?: string;
  timeoutMs: number;
  /** Expects no answer: resolves once the command is handed to the device. */
  oneWay?: boolean;
}

/** A one-way command handed to its device. */
export interface CommandHandedOver {
  requestId: string;
  via: Via;
  oneWay: true;
  latencyMs: number;
}

export interface CommandAnswer {
  requestId: string;
  status: number;
  payload: Buffer;
  contentType?: string;
  latencyMs: number;
  via: Via;
}

/** A command waiting for its answer, as the UI lists it. */
export interface PendingInfo {
  requestId: string;
  thing: string;
  name: string;
  sentAt: number;
  deadline: number;
  /** How it reached the device; absent while it waits for the device's next request. */
  via?: Via;
  /** A one-way command waiting to be handed over (it leaves the list then). */
  oneWay?: true;
}

export interface CommandAnswered {
  requestId: string;
  thing: string;
  name: string;
  status: number;
  latencyMs: number;
  via: Via;
}

export interface ControlEvents {
  answered: CommandAnswered;
}

export interface ControlOptions {
  /** How the thing is connected now: `mqtt` when an MQTT client uses its name as client id. */
  connection(thing: string): Via | undefined;
  /** Whether the registry has the thing: a command for a thing neither registered nor connected is NotFound. */
  thingExists?(thing: string): boolean;
  /**
   * Keeps a request or answer that went by an HTTPS or CoAP response in the broker's history and live feed, on the
   * topics an MQTT device would use, without routing it (`BrokerService.record`).
   */
  record?(msg: { topic: string; payload: Buffer; qos: 0 | 1; properties?: { contentType?: string } }, clientId: string | null): void;
  /** Where queued one-way commands are kept across restarts; without it they live in memory only. */
  store?: Pick<Store, 'all' | 'write'>;
  logger?: Logger;
  maxPendingPerThing?: number;
}

export class ControlService implements Service, AskingDevices {
  readonly name = 'control';
  readonly events = new TypedEmitter<ControlEvents>();
  private readonly pendingCommands: PendingCommands;
  private readonly logger: Logger;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly rejecters = new Map<string, (e: EngineError) => void>();
  private taps: Disposable[] = [];
  private readonly queued?: QueuedOneWay;

  constructor(private readonly pub: Publisher, private readonly clock: Clock, private readonly opts: ControlOptions) {
    this.pendingCommands = new PendingCommands(opts.maxPendingPerThing ?? DEFAULT_MAX_PENDING);
    this.logger = opts.logger ?? silentLogger;
    if (opts.store) this.queued = new QueuedOneWay(opts.store, this.logger);
  }

  async start(): Promise<void> {
    this.taps = [
      this.pub.tap(MQTT_RESPONSE_FILTER, (msg) => this.onMqttAnswer(msg)),
      this.pub.tap(SUBSCRIBED_FILTER, (msg) => this.onSubscribed(msg)),
    ];
    const queued = this.queued;
    if (queued) {
      restoreQueuedOneWay(queued, this.pendingCommands, this.clock.now(), this.logger, (requestId, ms) => {
        this.timers.set(requestId, setTimeout(() => {
          queued.forget(requestId);
          this.settle(requestId);
        }, ms));
      });
    }
  }

  async stop(): Promise<void> {
    for (const t of this.taps) t.dispose();
    this.taps = [];
    for (const e of this.pendingCommands.list()) {
      const message = e.oneWay && this.queued
        ? `The engine stopped before one-way command ${e.name} was handed to ${e.thing}: it stays queued for the device's next request after a restart, until its deadline`
        : `The engine stopped before ${e.oneWay ? `command ${e.name} was handed to ${e.thing}` : `${e.thing} answered command ${e.name}`}: pending commands are kept in memory only, so a restart forgets them`;
      this.fail(e.requestId, new EngineError('Unavailable', message, { reason: 'Stopped', requestId: e.requestId }));
    }
  }

  /**
   * Sends a command to a thing and resolves with its answer (a one-way command: once handed over); Unavailable
   * (reason Timeout) when none comes in time.
   */
  send(req: SendCommand & { oneWay: true }): Promise<CommandHandedOver>;
  send(req: SendCommand & { oneWay?: false }): Promise<CommandAnswer>;
  send(req: SendCommand): Promise<CommandAnswer | CommandHandedOver>;
  send(req: SendCommand): Promise<CommandAnswer | CommandHandedOver> {
    checkThingName(req.thing);
    checkCommandName(req.name);
    if (!Number.isInteger(req.timeoutMs) || req.timeoutMs < 1 || req.timeoutMs > MAX_COMMAND_TIMEOUT_MS) {
      throw new EngineError('InvalidInput', `The timeout must be between 1 ms and ${MAX_COMMAND_TIMEOUT_MS / 60000} minutes`);
    }
    if (req.payload.length > MAX_COMMAND_PAYLOAD) throw new EngineError('TooLarge', `A command payload is at most ${MAX_COMMAND_PAYLOAD} bytes`);
    const via = this.opts.connection(req.thing) === 'mqtt' ? 'mqtt' : undefined;
    if (!via && this.opts.thingExists && !this.opts.thingExists(req.thing)) {
      throw new EngineError('NotFound', `Thing ${req.thing} does not exist and no MQTT client is connected with that client id`);
    }
    const requestId = this.newRequestId();
    const started = performance.now();
    const sentAt = this.clock.now();
    const base = {
      requestId, thing: req.thing, name: req.name, payload: req.payload, sentAt, deadline: sentAt + req.timeoutMs,
      ...(req.contentType ? { contentType: req.contentType } : {}),
    };
    const handedOver = (by: Via): CommandHandedOver => ({ requestId, via: by, oneWay: true, latencyMs: performance.now() - started });
    // A one-way command to a connected MQTT thing is handed over by its publish: nothing to wait for.
    if (req.oneWay && via) return this.publishRequest({ ...base, oneWay: true, answer: () => {} }, req.timeoutMs).then(() => handedOver(via));
    return new Promise<CommandAnswer | CommandHandedOver>((resolve, reject) => {
      const entry: PendingEntry = req.oneWay
        ? { ...base, oneWay: true, answer: () => {}, handed: (by) => resolve(handedOver(by)) }
        : {
          ...base,
          answer: (a: DeviceAnswer) => {
            const latencyMs = performance.now() - started;
            const delivered = entry.via ?? 'https';
            this.events.emit('answered', { requestId, thing: req.thing, name: req.name, status: a.status, latencyMs, via: delivered });
            resolve({ requestId, status: a.status, payload: a.payload, ...(a.contentType ? { contentType: a.contentType } : {}), latencyMs, via: delivered });
          },
        };
      this.pendingCommands.add(entry, via);
      if (entry.oneWay && !entry.via) void this.queued?.keep(entry);
      const late = req.oneWay
        ? `Command ${req.name} was not handed to ${req.thing} within ${req.timeoutMs} ms (it did not ask for commands)`
        : `Thing ${req.thing} did not answer command ${req.name} within ${req.timeoutMs} ms`;
      this.timers.set(requestId, setTimeout(() => {
        if (req.oneWay) this.queued?.forget(requestId);
        this.fail(requestId, new EngineError('Unavailable', late, { reason: 'Timeout', requestId }));
      }, req.timeoutMs));
      this.rejecters.set(requestId, reject);
      if (via === 'mqtt') this.publishRequest(entry, req.timeoutMs).catch((err: EngineError) => this.fail(requestId, err));
    });
  }

  /** The commands waiting for an answer. */
  pending(): PendingInfo[] {
    return this.pendingCommands.list().map((e) => ({
      requestId: e.requestId, thing: e.thing, name: e.name, sentAt: e.sentAt, deadline: e.deadline, ...(e.via ? { via: e.via } : {}),
      ...(e.oneWay ? { oneWay: true as const } : {}),
    }));
  }

  async next(thing: string, ttdMs: number, signal?: AbortSignal, via?: 'https' | 'coap'): Promise<PendingCommand | undefined> {
    const e = await this.pendingCommands.ask(thing, ttdMs, signal);
    if (!e) return undefined;
    e.via = via ?? (this.opts.connection(thing) === 'coap' ? 'coap' : 'https');
    this.opts.record?.({ topic: requestTopic(e), payload: e.payload, qos: 1, ...contentTypeOf(e.contentType) }, null);
    if (e.oneWay) this.handOver(e, e.via);
    return { requestId: e.requestId, name: e.name, payload: e.payload, ...(e.contentType ? { contentType: e.contentType } : {}), ...(e.oneWay ? { oneWay: true } : {}) };
  }

  respond(thing: string, requestId: string, status: number, payload: Buffer, contentType?: string): void {
    this.answer(thing, requestId, status, payload, contentType);
    this.opts.record?.({ topic: mqttResponseTopic(thing, requestId, status), payload, qos: 1, ...contentTypeOf(contentType) }, thing);
  }

  /** Settles a command with its device's answer (over MQTT, the answer is a broker message already). */
  private answer(thing: string, requestId: string, status: number, payload: Buffer, contentType?: string): void {
    const e = this.pendingCommands.get(requestId);
    // A queued command has no answer yet: its device never received it.
    if (!e || e.thing !== thing || !e.via) throw new EngineError('NotFound', `No command with request id ${requestId} is waiting for an answer from ${thing} (unknown, already answered or expired)`);
    this.settle(requestId);
    e.answer({ status, payload, ...(contentType ? { contentType } : {}) });
  }

  private settle(requestId: string): PendingEntry | undefined {
    clearTimeout(this.timers.get(requestId));
    this.timers.delete(requestId);
    this.rejecters.delete(requestId);
    return this.pendingCommands.remove(requestId);
  }

  private fail(requestId: string, err: EngineError): void {
    const reject = this.rejecters.get(requestId);
    if (this.settle(requestId)) reject?.(err);
  }

  /** A one-way command is done once its device has it: forgotten, so an answer to it is refused as unknown. */
  private handOver(e: PendingEntry, via: Via): void {
    this.queued?.forget(e.requestId);
    if (this.settle(e.requestId)) e.handed?.(via);
  }

  /** Publishes a request on the thing's command topic (a one-way command's without response topic or correlation data). */
  private async publishRequest(e: PendingEntry, timeoutMs: number): Promise<void> {
    try {
      await this.pub.publish({
        topic: requestTopic(e), payload: e.payload, qos: 1, retain: false,
        properties: {
          ...(e.oneWay ? {} : { responseTopic: mqttResponseBase(e.thing), correlationData: Buffer.from(e.requestId) }),
          messageExpiryInterval: Math.ceil(timeoutMs / 1000), ...(e.contentType ? { contentType: e.contentType } : {}),
        },
      });
    } catch (err) {
      throw err instanceof EngineError ? err : new EngineError('Internal', `The command could not be published: ${String(err)}`);
    }
  }

  /**
   * A thing that subscribes to its request topics after its commands were queued (it connected over MQTT later) gets
   * them then, oldest first, each with the time it has left.
   */
  private onSubscribed(msg: TappedMessage): void {
    if (msg.origin !== 'engine') return;
    const thing = msg.topic.slice(msg.topic.lastIndexOf('/') + 1);
    let topics: unknown;
    try {
      topics = (JSON.parse(msg.payload.toString('utf8')) as { topics?: unknown }).topics;
    } catch {
      return;
    }
    const probe = mqttRequestTopic(thing, 'id', 'name');
    if (!Array.isArray(topics) || !topics.some((f) => typeof f === 'string' && topicMatches(f, probe))) return;
    for (let e = this.pendingCommands.take(thing); e; e = this.pendingCommands.take(thing)) {
      const entry = e;
      entry.via = this.opts.connection(thing) ?? 'mqtt';
      this.publishRequest(entry, Math.max(1, entry.deadline - this.clock.now())).then(
        () => entry.oneWay && this.handOver(entry, 'mqtt'),
        (err: EngineError) => this.fail(entry.requestId, err),
      );
    }
  }

  private onMqttAnswer(msg: TappedMessage): void {
    if (msg.will || msg.clientId === null) return;
    const a = parseMqttAnswer(msg.topic, msg.properties?.correlationData, msg.properties?.userProperties);
    if (!a) return;
    // Only the thing itself answers its commands.
    if (msg.clientId !== a.thing) {
      this.logger.log('warn', 'control', `ignored an answer on ${msg.topic} from ${msg.clientId}: only ${a.thing} answers its commands`);
      return;
    }
    try {
      this.answer(a.thing, a.requestId, a.status, msg.payload, msg.properties?.contentType);
    } catch (err) {
      this.logger.log('warn', 'control', `ignored an answer on ${msg.topic}: ${(err as Error).message}`);
    }
  }

  private newRequestId(): string {
    let id: string;
    do id = randomBytes(8).toString('hex');
    while (this.pendingCommands.has(id));
    return id;
  }
}

const contentTypeOf = (contentType?: string) => (contentType ? { properties: { contentType } } : {});
/** Hono's request topic; a one-way command's has an empty request id level (`command/{thing}/req//{name}`). */
const requestTopic = (e: PendingEntry) => mqttRequestTopic(e.thing, e.oneWay ? '' : e.requestId, e.name);
