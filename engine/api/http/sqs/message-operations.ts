/** SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility: one message each (batches: batch-operations.ts). */
import { md5OfAttributes, type MessageAttribute, type ReceivedMessage, type SendOptions } from '../../../sinks/index.js';
import { intParam, queueOf, stringList, stringParam, type SqsBackend, type SqsRequestContext } from './sqs-backend.js';
import { sqsError } from './sqs-errors.js';

type Input = Record<string, unknown>;

const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,250})?$/;

/** Message attributes as AWS checks them (at most 10, names, types, values); binary values come as base64 or bytes. */
export function messageAttributes(value: unknown, parameter = 'MessageAttributes'): Record<string, MessageAttribute> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw sqsError('invalidParameter', `Value for parameter ${parameter} is invalid. Reason: must be a map.`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 10) throw sqsError('invalidParameter', `Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`);
  const out: Record<string, MessageAttribute> = {};
  for (const [name, raw] of entries) {
    const a = (raw ?? {}) as { DataType?: unknown; StringValue?: unknown; BinaryValue?: unknown };
    if (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name)) {
      throw sqsError('invalidParameter', `Message (user) attribute '${name}' is invalid. The name can only contain alphanumeric characters, hyphens, underscores and periods, must not start with AWS. or Amazon. and is at most 256 characters long.`);
    }
    if (typeof a.DataType !== 'string' || a.DataType === '') throw sqsError('invalidParameter', `The message attribute '${name}' must contain non-empty message attribute type.`);
    if (!DATA_TYPE.test(a.DataType)) throw sqsError('invalidParameter', `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    const base = a.DataType.split('.')[0];
    if (base === 'Binary') {
      const bytes = typeof a.BinaryValue === 'string' ? a.BinaryValue : a.BinaryValue instanceof Uint8Array ? Buffer.from(a.BinaryValue).toString('base64') : undefined;
      if (bytes === undefined || bytes === '') throw sqsError('invalidParameter', `The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      out[name] = { DataType: a.DataType, BinaryValue: bytes };
      continue;
    }
    if (typeof a.StringValue !== 'string' || a.StringValue === '') {
      throw sqsError('invalidParameter', `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${base}'.`);
    }
    if (base === 'Number' && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(a.StringValue)) {
      throw sqsError('invalidParameter', `Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
    out[name] = { DataType: a.DataType, StringValue: a.StringValue };
  }
  return out;
}

/** SendMessage's members (also a SendMessageBatch entry's) as the queue's send options. */
export function sendOptions(input: Input): { body: string; options: SendOptions } {
  const body = stringParam(input, 'MessageBody', true);
  const system = messageAttributes(input.MessageSystemAttributes, 'MessageSystemAttributes');
  for (const key of Object.keys(system ?? {})) {
    if (key !== 'AWSTraceHeader') throw sqsError('invalidParameter', `Message system attribute name '${key}' is invalid.`);
  }
  const options: SendOptions = {
    attributes: messageAttributes(input.MessageAttributes),
    systemAttributes: system,
    delaySeconds: intParam(input, 'DelaySeconds'),
    messageGroupId: stringParam(input, 'MessageGroupId'),
    messageDeduplicationId: stringParam(input, 'MessageDeduplicationId'),
  };
  return { body, options };
}

/** A send's result members (SendMessage, and a SendMessageBatch's successful entry). */
export function sentMembers(sent: { messageId: string; md5OfMessageBody: string; md5OfMessageAttributes?: string; md5OfMessageSystemAttributes?: string; sequenceNumber?: string }) {
  return {
    MD5OfMessageBody: sent.md5OfMessageBody,
    ...(sent.md5OfMessageAttributes ? { MD5OfMessageAttributes: sent.md5OfMessageAttributes } : {}),
    ...(sent.md5OfMessageSystemAttributes ? { MD5OfMessageSystemAttributes: sent.md5OfMessageSystemAttributes } : {}),
    MessageId: sent.messageId,
    ...(sent.sequenceNumber ? { SequenceNumber: sent.sequenceNumber } : {}),
  };
}

export async function sendMessage(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const queue = queueOf(b, input, ctx);
  const { body, options } = sendOptions(input);
  return sentMembers(await b.queues.send(queue, body, options));
}

export async function receiveMessage(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const queue = queueOf(b, input, ctx);
  const wantedSystem = [...(stringList(input, 'AttributeNames') ?? []), ...(stringList(input, 'MessageSystemAttributeNames') ?? [])];
  const wantedUser = stringList(input, 'MessageAttributeNames') ?? [];
  const attempt = stringParam(input, 'ReceiveRequestAttemptId');
  if (attempt !== undefined && !/^[\x21-\x7E]{1,128}$/.test(attempt)) {
    throw sqsError('invalidParameter', `Value ${attempt} for parameter ReceiveRequestAttemptId is invalid. Reason: ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  }
  const messages = await b.queues.receive(queue, {
    maxMessages: intParam(input, 'MaxNumberOfMessages'),
    visibilityTimeoutSeconds: intParam(input, 'VisibilityTimeout'),
    waitTimeSeconds: intParam(input, 'WaitTimeSeconds'),
    signal: ctx.signal,
  });
  return messages.length ? { Messages: messages.map((m) => messageMembers(m, wantedSystem, wantedUser)) } : {};
}

/** A received message with the system and user attributes the receive asked for (`All`, names, `prefix.*`). */
function messageMembers(m: ReceivedMessage, system: string[], user: string[]) {
  const all = system.includes('All');
  const attributes = Object.fromEntries(Object.entries(m.attributes).filter(([k]) => all || system.includes(k)));
  const userAttrs = Object.fromEntries(Object.entries(m.messageAttributes ?? {}).filter(([k]) => user.some((w) =>
    w === 'All' || w === '.*' || w === k || (w.endsWith('.*') && k.startsWith(w.slice(0, -1))))));
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(attributes).length ? { Attributes: attributes } : {}),
    ...(Object.keys(userAttrs).length ? { MD5OfMessageAttributes: md5OfAttributes(userAttrs), MessageAttributes: onTheWire(userAttrs) } : {}),
  };
}

/** Binary values leave as bytes (the protocol encodes them as base64). */
function onTheWire(attrs: Record<string, MessageAttribute>) {
  return Object.fromEntries(Object.entries(attrs).map(([k, a]) => [k, a.BinaryValue !== undefined ? { DataType: a.DataType, BinaryValue: Buffer.from(a.BinaryValue, 'base64') } : a]));
}

export async function deleteMessage(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const queue = queueOf(b, input, ctx);
  await b.queues.delete(queue, stringParam(input, 'ReceiptHandle', true));
  return {};
}

export async function changeMessageVisibility(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const queue = queueOf(b, input, ctx);
  const handle = stringParam(input, 'ReceiptHandle', true);
  const seconds = intParam(input, 'VisibilityTimeout');
  if (seconds === undefined) throw sqsError('missingParameter', 'The request must contain the parameter VisibilityTimeout.');
  await b.queues.changeVisibility(queue, handle, seconds);
  return {};
}
