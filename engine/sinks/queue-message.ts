/** SQS message shapes and AWS's rules for them: MD5 digests, sizes, allowed characters, sequence numbers, receipts. */
import crypto from 'node:crypto';
import { EngineError } from '../core/index.js';
import { ACCOUNT } from './sink-options.js';

/** An SQS message attribute, as in SendMessage. */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface SentMessage {
  messageId: string;
  md5OfMessageBody: string;
  md5OfMessageAttributes?: string;
  md5OfMessageSystemAttributes?: string;
  /** FIFO queues: the message's place in its queue (20 digits, increasing). */
  sequenceNumber?: string;
}

/** What SendMessage takes besides the body. */
export interface SendOptions {
  attributes?: Record<string, MessageAttribute>;
  /** Message system attributes (`AWSTraceHeader`). */
  systemAttributes?: Record<string, MessageAttribute>;
  /** Per-message delay (standard queues only), 0–900 s; the queue's `delaySeconds` otherwise. */
  delaySeconds?: number;
  /** FIFO: required. Standard queues keep it as an attribute without ordering by it. */
  messageGroupId?: string;
  /** FIFO: required unless the queue has content-based deduplication. */
  messageDeduplicationId?: string;
  traceId?: string | null;
}

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  /**
   * System attributes under AWS's names: `SenderId`, `SentTimestamp`, `ApproximateReceiveCount`,
   * `ApproximateFirstReceiveTimestamp`, and `MessageGroupId`, `MessageDeduplicationId`, `SequenceNumber`,
   * `AWSTraceHeader` when the message has them.
   */
  attributes: Record<string, string>;
  messageAttributes?: Record<string, MessageAttribute>;
  md5OfMessageAttributes?: string;
}

/** One row of `sink_queue_messages`. */
export interface MessageRow {
  id: number;
  message_id: string;
  body: string;
  attributes: string | null;
  md5: string;
  sent: number;
  visible_at: number;
  receive_count: number;
  trace_id: string | null;
  group_id: string | null;
  dedup_id: string | null;
  first_received: number | null;
  system_attributes: string | null;
}

export const MESSAGE_COLUMNS = 'id, message_id, body, attributes, md5, sent, visible_at, receive_count, trace_id, group_id, dedup_id, first_received, system_attributes';

/** AWS's ceiling for MaximumMessageSize (and the default). */
export const MAX_MESSAGE_BYTES = 262_144;

export const md5 = (data: string | Buffer) => crypto.createHash('md5').update(data).digest('hex');

/** AWS's MD5OfMessageAttributes: names sorted; each length-prefixed name, type, transport byte and value. */
export function md5OfAttributes(attrs: Record<string, MessageAttribute>): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  };
  for (const name of Object.keys(attrs).sort()) {
    const a = attrs[name];
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(a.DataType, 'utf8'));
    if (a.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(a.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(a.StringValue ?? '', 'utf8'));
    }
  }
  return md5(Buffer.concat(parts));
}

/** The size SQS counts against MaximumMessageSize: the body plus each attribute's name, type and value. */
export function messageSize(body: string, attrs: Record<string, MessageAttribute> | undefined): number {
  let n = Buffer.byteLength(body);
  for (const [name, a] of Object.entries(attrs ?? {})) {
    n += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    n += a.BinaryValue !== undefined ? Buffer.from(a.BinaryValue, 'base64').length : Buffer.byteLength(a.StringValue ?? '');
  }
  return n;
}

// SQS: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF (lone surrogates are refused too).
const DISALLOWED = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Refuses a body SQS refuses: empty, or with a character outside XML's. */
export function checkBody(body: string): void {
  if (body.length === 0) throw new EngineError('InvalidInput', 'The request must contain the parameter MessageBody.', { reason: 'missingParameter' });
  const bad = DISALLOWED.exec(body);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase();
    throw new EngineError('InvalidInput', `Invalid binary character '#x${code}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`, { reason: 'messageContents' });
  }
}

/** A FIFO SequenceNumber from the message's row id: 20 digits, increasing with each send. */
export const sequenceNumber = (id: number) => String(10n ** 19n + BigInt(id));

export const newReceipt = (id: number) => Buffer.from(`${id}:${crypto.randomUUID()}`).toString('base64');

/** Refuses a receipt handle that no receive could have made, as AWS does. */
export function checkReceipt(handle: string): void {
  if (!/^\d+:[0-9a-f-]{36}$/.test(Buffer.from(handle, 'base64').toString('latin1'))) {
    throw new EngineError('InvalidInput', `The input receipt handle "${handle}" is not a valid receipt handle.`, { reason: 'receiptHandle' });
  }
}

/** A row as ReceiveMessage returns it, with the receipt of this receive. */
export function toReceived(row: MessageRow, receipt: string, receiveCount: number, firstReceived: number, fifo: boolean): ReceivedMessage {
  const attributes: Record<string, string> = {
    SenderId: ACCOUNT,
    SentTimestamp: String(row.sent),
    ApproximateReceiveCount: String(receiveCount),
    ApproximateFirstReceiveTimestamp: String(firstReceived),
  };
  if (row.group_id !== null) attributes.MessageGroupId = row.group_id;
  if (fifo && row.dedup_id !== null) attributes.MessageDeduplicationId = row.dedup_id;
  if (fifo) attributes.SequenceNumber = sequenceNumber(row.id);
  const system = row.system_attributes ? JSON.parse(row.system_attributes) as Record<string, MessageAttribute> : {};
  if (system.AWSTraceHeader?.StringValue !== undefined) attributes.AWSTraceHeader = system.AWSTraceHeader.StringValue;
  const messageAttributes = row.attributes ? JSON.parse(row.attributes) as Record<string, MessageAttribute> : undefined;
  return {
    messageId: row.message_id,
    receiptHandle: receipt,
    body: row.body,
    md5OfBody: row.md5,
    attributes,
    ...(messageAttributes ? { messageAttributes, md5OfMessageAttributes: md5OfAttributes(messageAttributes) } : {}),
  };
}
