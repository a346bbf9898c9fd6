/**
 * The poller of an SQS event source mapping [Lambda DG: "Using Lambda with Amazon SQS"]: long-polls its queue (the
 * queue domain's receive, at most 10 a receive; with `MaximumBatchingWindowInSeconds`, receives again until the
 * window ends or `BatchSize` messages, up to 10,000, are gathered), invokes the function with the SQS event
 * (`Records`, `eventSource: "aws:sqs"`), and deletes the batch when the invocation succeeds. A failed invocation
 * leaves the messages to come back after their visibility timeout (and reach the queue's dead-letter queue by its
 * redrive policy). With `ReportBatchItemFailures`, only the messages the function lists in `batchItemFailures` stay.
 */
import { LOCAL_REGION, type Logger } from '../core/index.js';
import type { FunctionResult } from './invocation.js';
import { jsonOrText, matchesAny, parseFilterCriteria } from './event-filter.js';
import { queueOfArn, type EventSourceMapping } from './mapping-settings.js';

/** What the mappings need from the queues (the SQS domain satisfies it). */
export interface MappingQueues {
  has(queue: string): boolean;
  receive(queue: string, opts: { maxMessages?: number; waitTimeSeconds?: number; signal?: AbortSignal }): Promise<Array<{
    messageId: string; receiptHandle: string; body: string; md5OfBody: string; attributes: Record<string, string>;
    messageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  }>>;
  delete(queue: string, receiptHandle: string): Promise<void>;
}

type Message = Awaited<ReturnType<MappingQueues['receive']>>[number];

const RETRY_MS = 1000;
/** An invocation payload stays under Lambda's 6 MB synchronous limit. */
const MAX_PAYLOAD = 6 * 1024 * 1024 - 64 * 1024;
const fits = (batch: Message[]) => batch.reduce((n, msg) => n + msg.body.length + 1024, 0) < MAX_PAYLOAD;

/** Runs until `signal` aborts; resolves when the loop has ended. */
export async function pollQueue(m: EventSourceMapping, signal: AbortSignal, deps: {
  logger: Logger; queues: () => MappingQueues | undefined; invoke(name: string, event: unknown): Promise<FunctionResult>;
}): Promise<void> {
  const queue = queueOfArn(m.eventSourceArn)!;
  while (!signal.aborted) {
    const queues = deps.queues();
    let batch: Message[] = [];
    try {
      if (!queues) throw new Error('no queues');
      batch = await queues.receive(queue, { maxMessages: Math.min(10, m.batchSize), waitTimeSeconds: 20, signal });
    } catch (e) {
      if (signal.aborted) return;
      deps.logger.log('warn', 'functions', `event source mapping ${m.uuid}: cannot receive from ${queue}: ${(e as Error).message}; retrying`);
      await new Promise((r) => setTimeout(r, RETRY_MS).unref());
      continue;
    }
    if (!batch.length || signal.aborted) continue;
    // A batching window gathers up to BatchSize messages (10 a receive) until it ends.
    const windowMs = m.maximumBatchingWindowInSeconds * 1000;
    if (windowMs > 0 && batch.length < m.batchSize) {
      const deadline = Date.now() + windowMs;
      while (!signal.aborted && batch.length < m.batchSize && Date.now() < deadline && fits(batch)) {
        const more = await queues!.receive(queue, {
          maxMessages: Math.min(10, m.batchSize - batch.length), waitTimeSeconds: Math.min(20, Math.max(1, Math.ceil((deadline - Date.now()) / 1000))), signal,
        }).catch(() => [] as Message[]);
        batch.push(...more);
      }
    }
    // Messages no filter matches are deleted without reaching the function, as Lambda deletes them.
    const patterns = parseFilterCriteria(m.filterCriteria);
    if (patterns.length) {
      const dropped = batch.filter((msg) => !matchesAny(patterns, { ...sqsRecord(msg, m.eventSourceArn), body: jsonOrText(msg.body) }));
      for (const msg of dropped) await queues!.delete(queue, msg.receiptHandle).catch(() => undefined);
      batch = batch.filter((msg) => !dropped.includes(msg));
      if (!batch.length) continue;
    }
    const r = await deps.invoke(m.functionName, { Records: batch.map((msg) => sqsRecord(msg, m.eventSourceArn)) });
    if (!r.ok) {
      m.lastProcessingResult = 'PROBLEM: Function call failed';
      deps.logger.log('warn', 'functions', `event source mapping ${m.uuid}: ${m.functionName} failed on a batch of ${batch.length} from ${queue}: ${r.error}; the messages return after their visibility timeout`);
      continue;
    }
    m.lastProcessingResult = 'OK';
    const keep = m.functionResponseTypes.includes('ReportBatchItemFailures') ? batchItemFailures(r.result) : new Set<string>();
    for (const msg of batch) {
      if (keep.has(msg.messageId)) continue;
      await queues!.delete(queue, msg.receiptHandle).catch((e: Error) => deps.logger.log('warn', 'functions', `event source mapping ${m.uuid}: could not delete a message: ${e.message}`));
    }
  }
}

/** The SQS event's record of one message, as Lambda builds it. */
function sqsRecord(msg: Message, arn: string): Record<string, unknown> {
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
