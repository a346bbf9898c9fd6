/**
 * Lambda event source mappings: SQS queues (sqs-poller.ts), Kinesis streams and DynamoDB streams (stream-poller.ts
 * over stream-sources.ts). Create, Get, List, Update and Delete as the Lambda API has them; one poller per enabled
 * mapping (per shard for streams), started with the engine and stopped with it. Mappings, and each stream mapping's
 * per-shard checkpoints, are kept in `<dataDir>/lambda/event-source-mappings.json` (written durably after every
 * stream batch), so a clean restart resumes each shard where it was: nothing processed twice, nothing lost.
 *
 * Filter criteria (event-filter.ts) drop the records no pattern matches before the function is invoked.
 *
 * LIMITATIONS: tumbling windows, enhanced fan-out consumers, Kafka, MQ and DocumentDB sources are not supported;
 * streams are read one batch per shard at a time (ParallelizationFactor 1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { EngineError, type Clock, type Logger } from '../core/index.js';
import { writeFileDurably } from '../storage/index.js';
import type { FunctionResult } from './invocation.js';
import { functionArn } from './function-model.js';
import { applySettings, checkSettings, newMapping, queueOfArn, sourceOf, topicOfArn, type EventSourceMapping, type MappingSettings } from './mapping-settings.js';
import { pollQueue, type MappingQueues } from './sqs-poller.js';
import { StreamPoller, type StreamSource } from './stream-poller.js';
import { cannotAccessStream, defaultRole, dynamodbSource, kinesisSource, type MappingStreams } from './stream-sources.js';

export type { EventSourceMapping, MappingSettings } from './mapping-settings.js';
export type { MappingQueues } from './sqs-poller.js';
export type { MappingStreams } from './stream-sources.js';

/** How long stopping waits for the batches in flight. */
const STOP_WAIT_MS = 10_000;

export interface EventSourceMappingsDeps {
  clock: Clock;
  logger: Logger;
  queues: () => MappingQueues | undefined;
  streams: () => MappingStreams | undefined;
  invoke(name: string, event: unknown): Promise<FunctionResult>;
  /** The function's execution role (the Kinesis records' `invokeIdentityArn`). */
  role(name: string): string | undefined;
}

export class EventSourceMappings {
  private mappings = new Map<string, EventSourceMapping>();
  private readonly queuePollers = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly streamPollers = new Map<string, StreamPoller>();
  /** Pollers being stopped (a batch in flight finishing): a mapping enabled again starts after its old poller ended. */
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly file: string;
  private running = false;
  private appendSubscription: { dispose(): void } | undefined;
  private writing: Promise<void> = Promise.resolve();
  private pendingSave: Promise<void> | null = null;

  constructor(root: string, private readonly deps: EventSourceMappingsDeps) {
    this.file = path.join(root, 'event-source-mappings.json');
  }

  open(): void {
    try {
      const list = JSON.parse(fs.readFileSync(this.file, 'utf8')) as EventSourceMapping[];
      this.mappings = new Map(list.map((m) => [m.uuid, m]));
    } catch {
      this.mappings = new Map();
    }
  }

  /** Starts the pollers of the enabled mappings (once the queues and streams exist: after the sinks have started). */
  start(): void {
    this.running = true;
    this.appendSubscription = this.deps.streams()?.onAppend((kind, name) => this.wake(kind, name));
    for (const m of this.mappings.values()) if (m.enabled) this.startPoller(m);
  }

  /** Stops every poller; resolves once the stream batches in flight have finished and their checkpoints are saved. */
  async stop(): Promise<void> {
    this.running = false;
    this.appendSubscription?.dispose();
    this.appendSubscription = undefined;
    const ending: Promise<void>[] = [...this.stopping.values()];
    for (const uuid of [...this.queuePollers.keys(), ...this.streamPollers.keys()]) ending.push(this.stopPoller(uuid));
    // A batch whose function runs long is not waited for beyond this: its records are read again after a restart.
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      Promise.all(ending).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STOP_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if (!waited) this.deps.logger.log('warn', 'functions', `event source mappings: a batch still running after ${STOP_WAIT_MS / 1000} s is left; its records are read again on the next start`);
    await this.writing;
  }

  async create(functionName: string, eventSourceArn: string, s: MappingSettings): Promise<EventSourceMapping> {
    const source = sourceOf(eventSourceArn);
    checkSettings(source.kind, s, eventSourceArn, true);
    if (source.kind === 'sqs' && !this.deps.queues()?.has(source.name)) {
      throw new EngineError('InvalidInput', `Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist for this wsdl version.`);
    }
    const existing = [...this.mappings.values()].find((m) => m.functionName === functionName && m.eventSourceArn === eventSourceArn);
    if (existing) {
      throw new EngineError('Conflict', source.kind === 'sqs'
        ? `An event source mapping with SQS arn (" ${eventSourceArn} ") and function (" ${functionName} ") already exists. Please update or delete the existing mapping with UUID ${existing.uuid}`
        : `The event source arn (" ${eventSourceArn} ") and function (" ${functionName} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${existing.uuid}`);
    }
    const m = newMapping(source.kind, { uuid: randomUUID(), functionName, eventSourceArn, now: this.deps.clock.now() }, s);
    if (source.kind !== 'sqs') {
      // Each shard's starting position is fixed now: LATEST means the records written after this call.
      const reader = this.streamSource(m);
      let shards: string[];
      try {
        shards = reader.shards();
      } catch {
        throw source.kind === 'kinesis' ? cannotAccessStream(eventSourceArn) : new EngineError('InvalidInput', `Stream not found: ${eventSourceArn}`);
      }
      m.positions = Object.fromEntries(shards.map((shard) => [shard, reader.initial(shard)]));
    }
    this.mappings.set(m.uuid, m);
    await this.save();
    if (m.enabled && this.running) this.startPoller(m);
    return m;
  }

  get(uuid: string): EventSourceMapping {
    const m = this.mappings.get(uuid);
    if (!m) throw new EngineError('NotFound', `The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${randomUUID()})`);
    return m;
  }

  list(filter: { functionName?: string; eventSourceArn?: string } = {}): EventSourceMapping[] {
    return [...this.mappings.values()].filter((m) => (!filter.functionName || m.functionName === filter.functionName) && (!filter.eventSourceArn || m.eventSourceArn === filter.eventSourceArn));
  }

  /** Applies new settings; the pollers read them from their next batch on (Enabled starts or stops the poller). */
  async update(uuid: string, s: MappingSettings): Promise<EventSourceMapping> {
    const m = this.get(uuid);
    checkSettings(sourceOf(m.eventSourceArn).kind, s, m.eventSourceArn, false);
    if (s.functionName !== undefined && s.functionName !== m.functionName) {
      const existing = this.list({ functionName: s.functionName, eventSourceArn: m.eventSourceArn })[0];
      if (existing) {
        throw new EngineError('Conflict', `The event source arn (" ${m.eventSourceArn} ") and function (" ${s.functionName} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${existing.uuid}`);
      }
    }
    const wasEnabled = m.enabled;
    applySettings(m, s, this.deps.clock.now());
    await this.save();
    if (wasEnabled && !m.enabled) void this.stopPoller(uuid);
    if (!wasEnabled && m.enabled && this.running) this.startPoller(m);
    return m;
  }

  async delete(uuid: string): Promise<EventSourceMapping> {
    const m = this.get(uuid);
    void this.stopPoller(uuid);
    this.mappings.delete(uuid);
    await this.save();
    return m;
  }

  /** The mappings of a deleted function go with it. */
  async forgetFunction(name: string): Promise<void> {
    for (const m of this.list({ functionName: name })) await this.delete(m.uuid);
  }

  private streamSource(m: EventSourceMapping): StreamSource {
    const streams = this.deps.streams();
    if (!streams) throw new EngineError('Unavailable', 'the engine has no streams to read');
    const source = sourceOf(m.eventSourceArn);
    return source.kind === 'kinesis'
      ? kinesisSource(m, source.name, streams, () => this.deps.role(m.functionName) ?? defaultRole)
      : dynamodbSource(m, streams);
  }

  private startPoller(m: EventSourceMapping): void {
    const prior = this.stopping.get(m.uuid);
    if (prior) {
      void prior.then(() => {
        if (this.running && m.enabled && this.mappings.get(m.uuid) === m) this.startPoller(m);
      });
      return;
    }
    if (this.queuePollers.has(m.uuid) || this.streamPollers.has(m.uuid)) return;
    if (sourceOf(m.eventSourceArn).kind === 'sqs') {
      const controller = new AbortController();
      const done = pollQueue(m, controller.signal, this.deps);
      this.queuePollers.set(m.uuid, { controller, done });
      return;
    }
    let poller: StreamPoller;
    try {
      poller = new StreamPoller(m, this.streamSource(m), {
        logger: this.deps.logger, now: () => this.deps.clock.now(), functionArn,
        invoke: (name, event) => this.deps.invoke(name, event),
        save: () => this.save(),
        sendFailure: (dest, record) => this.sendFailure(dest, record),
      });
    } catch (e) {
      this.deps.logger.log('warn', 'functions', `event source mapping ${m.uuid}: cannot start: ${(e as Error).message}`);
      return;
    }
    this.streamPollers.set(m.uuid, poller);
    poller.start();
  }

  private stopPoller(uuid: string): Promise<void> {
    const q = this.queuePollers.get(uuid);
    const s = this.streamPollers.get(uuid);
    this.queuePollers.delete(uuid);
    this.streamPollers.delete(uuid);
    q?.controller.abort();
    const ended = Promise.all([q?.done, s?.stop()]).then(() => undefined);
    const tracked = ended.finally(() => {
      if (this.stopping.get(uuid) === tracked) this.stopping.delete(uuid);
    });
    this.stopping.set(uuid, tracked);
    return tracked;
  }

  /** New records in a stream or a table's change feed wake the pollers reading it. */
  private wake(kind: 'stream' | 'table', name: string): void {
    for (const [uuid, poller] of this.streamPollers) {
      const m = this.mappings.get(uuid);
      if (!m) continue;
      const source = sourceOf(m.eventSourceArn);
      if ((source.kind === 'kinesis' && kind === 'stream' && source.name === name) || (source.kind === 'dynamodb' && kind === 'table' && source.name === name)) poller.wake();
    }
  }

  private async sendFailure(destination: string, record: string): Promise<void> {
    const streams = this.deps.streams();
    const queue = queueOfArn(destination), topic = topicOfArn(destination);
    if (!streams) throw new Error('the engine has no queues or topics');
    if (queue) await streams.sendMessage(queue, record);
    else if (topic) await streams.publish(topic, record);
  }

  /** Writes the mappings durably; calls while a write runs share the next one. */
  private save(): Promise<void> {
    if (this.pendingSave) return this.pendingSave;
    const next = this.writing.then(() => {
      this.pendingSave = null;
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      return writeFileDurably(this.file, Buffer.from(JSON.stringify([...this.mappings.values()], null, 2)));
    });
    this.pendingSave = next;
    this.writing = next.catch((e: Error) => this.deps.logger.log('error', 'functions', `could not save the event source mappings: ${e.message}`));
    return next;
  }
}
