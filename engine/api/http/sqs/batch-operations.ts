/**
 * SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch: the request as a whole is refused for AWS's
 * batch rules (empty, more than 10 entries, repeated or malformed ids, a send batch over 256 KiB); otherwise each
 * entry succeeds or fails on its own, in order (so a FIFO batch keeps its order).
 */
import { MAX_MESSAGE_BYTES } from '../../../sinks/index.js';
import { intParam, queueOf, stringParam, type SqsBackend, type SqsRequestContext } from './sqs-backend.js';
import { sendOptions, sentMembers } from './message-operations.js';
import { batchEntryError, sqsError } from './sqs-errors.js';

type Input = Record<string, unknown>;
type Entry = Record<string, unknown> & { Id: string };

function entriesOf(input: Input, entryShape: string): Entry[] {
  const raw = input.Entries;
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    throw sqsError('emptyBatch', `There should be at least one ${entryShape} in the request.`);
  }
  if (!Array.isArray(raw)) throw sqsError('invalidParameter', 'Value for parameter Entries is invalid. Reason: must be a list.');
  if (raw.length > 10) throw sqsError('tooManyEntries', `Maximum number of entries per request are 10. You have sent ${raw.length}.`);
  const seen = new Set<string>();
  for (const e of raw as Entry[]) {
    if (typeof e?.Id !== 'string' || e.Id === '') throw sqsError('missingParameter', `The request must contain the parameter ${entryShape}.1.Id.`);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(e.Id)) {
      throw sqsError('invalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    }
    if (seen.has(e.Id)) throw sqsError('idsNotDistinct', `Id ${e.Id} repeated.`);
    seen.add(e.Id);
  }
  return raw as Entry[];
}

async function eachEntry<T>(entries: Entry[], run: (e: Entry) => Promise<T>) {
  const Successful: (T & { Id: string })[] = [];
  const Failed: ReturnType<typeof batchEntryError>[] = [];
  for (const e of entries) {
    try {
      Successful.push({ Id: e.Id, ...(await run(e)) });
    } catch (err) {
      if (isQueueLevel(err)) throw err;
      Failed.push(batchEntryError(e.Id, err));
    }
  }
  return { Successful, Failed };
}

/** A missing queue fails the whole request (AWS answers QueueDoesNotExist, not per entry). */
const isQueueLevel = (err: unknown) => typeof err === 'object' && err !== null && (err as { code?: string }).code === 'NotFound';

export async function sendMessageBatch(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const queue = queueOf(b, input, ctx);
  const entries = entriesOf(input, 'SendMessageBatchRequestEntry');
  const total = entries.reduce((n, e) => n + entrySize(e), 0);
  if (total > MAX_MESSAGE_BYTES) throw sqsError('batchTooLong', `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`);
  return eachEntry(entries, async (e) => {
    const { body, options } = sendOptions(e);
    return sentMembers(await b.queues.send(queue, body, options));
  });
}

/** The bytes a send entry counts toward the batch's 256 KiB: body, and each attribute's name, type and value. */
function entrySize(e: Entry): number {
  let n = typeof e.MessageBody === 'string' ? Buffer.byteLength(e.MessageBody) : 0;
  const attrs = e.MessageAttributes;
  if (attrs && typeof attrs === 'object') {
    for (const [name, a] of Object.entries(attrs as Record<string, { DataType?: unknown; StringValue?: unknown; BinaryValue?: unknown }>)) {
      n += Buffer.byteLength(name) + (typeof a?.DataType === 'string' ? Buffer.byteLength(a.DataType) : 0);
      if (typeof a?.StringValue === 'string') n += Buffer.byteLength(a.StringValue);
      if (typeof a?.BinaryValue === 'string') n += Buffer.from(a.BinaryValue, 'base64').length;
      else if (a?.BinaryValue instanceof Uint8Array) n += a.BinaryValue.length;
    }
  }
  return n;
}

export async function deleteMessageBatch(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const queue = queueOf(b, input, ctx);
  return eachEntry(entriesOf(input, 'DeleteMessageBatchRequestEntry'), async (e) => {
    await b.queues.delete(queue, stringParam(e, 'ReceiptHandle', true));
    return {};
  });
}

export async function changeMessageVisibilityBatch(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const queue = queueOf(b, input, ctx);
  return eachEntry(entriesOf(input, 'ChangeMessageVisibilityBatchRequestEntry'), async (e) => {
    const seconds = intParam(e, 'VisibilityTimeout');
    if (seconds === undefined) throw sqsError('missingParameter', 'The request must contain the parameter VisibilityTimeout.');
    await b.queues.changeVisibility(queue, stringParam(e, 'ReceiptHandle', true), seconds);
    return {};
  });
}
