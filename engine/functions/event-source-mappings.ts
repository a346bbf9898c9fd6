/**
 * Event source mappings for SQS queues [Lambda DG: "Using Lambda with Amazon SQS"]: one poller per enabled mapping
 * long-polls its queue (the queue domain's receive, up to `batchSize` messages, at most 10 a receive), invokes the
 * function with the SQS event (`Records`, `eventSource: "aws:sqs"`), and deletes the batch when the invocation
 * succeeds. A failed invocation leaves the messages to come back after their visibility timeout (and reach the
 * queue's dead-letter queue by its redrive policy). With `ReportBatchItemFailures`, only the messages the function
 * lists in `batchItemFailures` stay. Mappings are kept in `<dataDir>/lambda/event-source-mappings.json`.
 *
 * LIMITATIONS: SQS only (Kinesis and DynamoDB streams come later); one poller per mapping (no scaling), at most 10
 * messages per batch, `MaximumBatchingWindowInSeconds` and filter criteria are stored but not applied.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { EngineError, LOCAL_REGION, type Clock, type Logger } from '../core/index.js';
import { writeFileDurably } from '../storage/index.js';
import type { FunctionResult } from './invocation.js';

/** What the mappings need from the queues (the SQS domain satisfies it). */
export interface MappingQueues {
  has(queue: string): boolean;
  receive(queue: string, opts: { maxMessages?: number; waitTimeSeconds?: number; signal?: AbortSignal }): Promise<Array<{
    messageId: string; receiptHandle: string; body: string; md5OfBody: string; attributes: Record<string, string>;
    messageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  }>>;
  delete(queue: string, receiptHandle: string): Promise<void>;
}

export interface EventSourceMapping {
  uuid: string;
  functionName: string;
  eventSourceArn: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  enabled: boolean;
  functionResponseTypes: string[];
  /** Epoch ms. */
  lastModified: number;
  lastProcessingResult: string;
}

export interface MappingSettings { batchSize?: number; enabled?: boolean; maximumBatchingWindowInSeconds?: number; functionResponseTypes?: string[] }

const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:([a-zA-Z0-9_-]{1,80}(?:\.fifo)?)$/;
const RETRY_MS = 1000;

export const queueOfArn = (arn: string): string | null => SQS_ARN.exec(arn)?.[1] ?? null;

export class EventSourceMappings {
  private mappings = new Map<string, EventSourceMapping>();
  private readonly pollers = new Map<string, AbortController>();
  private readonly file: string;
  private running = false;

  constructor(root: string, private readonly deps: {
    clock: Clock; logger: Logger; queues: () => MappingQueues | undefined;
    invoke(name: string, event: unknown): Promise<FunctionResult>;
  }) {
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

  /** Starts the pollers of the enabled mappings (once the queues exist: after the engine has started). */
  start(): void {
    this.running = true;
    for (const m of this.mappings.values()) if (m.enabled) this.poll(m);
  }

  stop(): void {
    this.running = false;
    for (const c of this.pollers.values()) c.abort();
    this.pollers.clear();
  }

  async create(functionName: string, eventSourceArn: string, s: MappingSettings): Promise<EventSourceMapping> {
    const queue = queueOfArn(eventSourceArn);
    if (!queue) {
      throw new EngineError('InvalidInput', /:(kinesis|dynamodb|kafka|mq):/.test(eventSourceArn)
        ? `The local Lambda maps only SQS queues for now: ${eventSourceArn} is not an SQS queue ARN (Kinesis and DynamoDB streams come later).`
        : `Invalid EventSourceArn: ${eventSourceArn} (expected arn:aws:sqs:${LOCAL_REGION}:<account>:<queue name>)`);
    }
    const queues = this.deps.queues();
    if (!queues?.has(queue)) {
      throw new EngineError('InvalidInput', `Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist for this wsdl version.`);
    }
    const existing = [...this.mappings.values()].find((m) => m.functionName === functionName && m.eventSourceArn === eventSourceArn);
    if (existing) {
      throw new EngineError('Conflict', `An event source mapping with SQS arn (" ${eventSourceArn} ") and function (" ${functionName} ") already exists. Please update or delete the existing mapping with UUID ${existing.uuid}`);
    }
    checkSettings(s);
    const m: EventSourceMapping = {
      uuid: randomUUID(), functionName, eventSourceArn, batchSize: s.batchSize ?? 10, maximumBatchingWindowInSeconds: s.maximumBatchingWindowInSeconds ?? 0,
      enabled: s.enabled ?? true, functionResponseTypes: s.functionResponseTypes ?? [], lastModified: this.deps.clock.now(), lastProcessingResult: 'No records processed',
    };
    this.mappings.set(m.uuid, m);
    await this.save();
    if (m.enabled && this.running) this.poll(m);
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

  async update(uuid: string, s: MappingSettings): Promise<EventSourceMapping> {
    const m = this.get(uuid);
    checkSettings(s);
    Object.assign(m, Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)), { lastModified: this.deps.clock.now() });
    await this.save();
    this.pollers.get(uuid)?.abort();
    this.pollers.delete(uuid);
    if (m.enabled && this.running) this.poll(m);
    return m;
  }

  async delete(uuid: string): Promise<EventSourceMapping> {
    const m = this.get(uuid);
    this.pollers.get(uuid)?.abort();
    this.pollers.delete(uuid);
    this.mappings.delete(uuid);
    await this.save();
    return m;
  }

  /** The mappings of a deleted function go with it. */
  async forgetFunction(name: string): Promise<void> {
    for (const m of this.list({ functionName: name })) await this.delete(m.uuid);
  }

  private poll(m: EventSourceMapping): void {
    const controller = new AbortController();
    this.pollers.set(m.uuid, controller);
    const queue = queueOfArn(m.eventSourceArn)!;
    const signal = controller.signal;
    const loop = async () => {
      while (!signal.aborted) {
        const queues = this.deps.queues();
        let batch: Awaited<ReturnType<MappingQueues['receive']>> = [];
        try {
          if (!queues) throw new Error('no queues');
          batch = await queues.receive(queue, { maxMessages: Math.min(10, m.batchSize), waitTimeSeconds: 20, signal });
        } catch (e) {
          if (signal.aborted) return;
          this.deps.logger.log('warn', 'functions', `event source mapping ${m.uuid}: cannot receive from ${queue}: ${(e as Error).message}; retrying`);
          await new Promise((r) => setTimeout(r, RETRY_MS).unref());
          continue;
        }
        if (!batch.length || signal.aborted) continue;
        const r = await this.deps.invoke(m.functionName, { Records: batch.map((msg) => sqsRecord(msg, m.eventSourceArn)) });
        let keep = new Set<string>();
        if (!r.ok) {
          m.lastProcessingResult = 'PROBLEM: Function call failed';
          this.deps.logger.log('warn', 'functions', `event source mapping ${m.uuid}: ${m.functionName} failed on a batch of ${batch.length} from ${queue}: ${r.error}; the messages return after their visibility timeout`);
          continue;
        }
        m.lastProcessingResult = 'OK';
        if (m.functionResponseTypes.includes('ReportBatchItemFailures')) keep = batchItemFailures(r.result);
        for (const msg of batch) {
          if (keep.has(msg.messageId)) continue;
          await queues!.delete(queue, msg.receiptHandle).catch((e: Error) => this.deps.logger.log('warn', 'functions', `event source mapping ${m.uuid}: could not delete a message: ${e.message}`));
        }
      }
    };
    void loop();
  }

  private save(): Promise<void> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    return writeFileDurably(this.file, Buffer.from(JSON.stringify([...this.mappings.values()], null, 2)));
  }
}

function checkSettings(s: MappingSettings): void {
  if (s.batchSize !== undefined && (!Number.isInteger(s.batchSize) || s.batchSize < 1 || s.batchSize > 10000)) {
    throw new EngineError('InvalidInput', `1 validation error detected: Value '${s.batchSize}' at 'batchSize' failed to satisfy constraint: Member must have value between 1 and 10000`, { reason: 'validation' });
  }
  if (s.batchSize !== undefined && s.batchSize > 10 && !s.maximumBatchingWindowInSeconds) {
    throw new EngineError('InvalidInput', 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
  }
  for (const t of s.functionResponseTypes ?? []) {
    if (t !== 'ReportBatchItemFailures') throw new EngineError('InvalidInput', `1 validation error detected: Value '[${t}]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy enum value set: [ReportBatchItemFailures]`, { reason: 'validation' });
  }
}

/** The SQS event's record of one message, as Lambda builds it. */
function sqsRecord(msg: Awaited<ReturnType<MappingQueues['receive']>>[number], arn: string): Record<string, unknown> {
  const attrs: Record<string, unknown> = {};
  for (const [k, a] of Object.entries(msg.messageAttributes ?? {})) {
    attrs[k] = { ...(a.StringValue !== undefined ? { stringValue: a.StringValue } : {}), ...(a.BinaryValue !== undefined ? { binaryValue: a.BinaryValue } : {}), stringListValues: [], binaryListValues: [], dataType: a.DataType };
  }
  return {
    messageId: msg.messageId, receiptHandle: msg.receiptHandle, body: msg.body, attributes: msg.attributes, messageAttributes: attrs,
    md5OfBody: msg.md5OfBody, eventSource: 'aws:sqs', eventSourceARN: arn, awsRegion: LOCAL_REGION,
  };
}

/** `{ batchItemFailures: [{ itemIdentifier }] }` → the message ids to keep. */
function batchItemFailures(result: unknown): Set<string> {
  const list = (result as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (!Array.isArray(list)) return new Set();
  return new Set(list.map((f) => String((f as { itemIdentifier?: unknown })?.itemIdentifier ?? '')).filter(Boolean));
}
