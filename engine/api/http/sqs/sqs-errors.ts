/**
 * SQS's errors, for both its wire protocols: the awsJson 1.0 `__type` (the exception's name) and the query
 * protocol's code (`x-amzn-query-error` on JSON, `<Code>` in XML), which differ where the model says so
 * (`QueueDoesNotExist` is `AWS.SimpleQueueService.NonExistentQueue` for query clients). Domain errors arrive as
 * EngineError codes refined by `details.reason` (engine/sinks/queue.ts); messages are AWS's texts.
 */
import { isEngineError, type ErrorCode } from '../../../core/index.js';

export interface SqsErrorShape {
  /** The modeled exception name (awsJson `__type`, the SDK v3 error class). */
  type: string;
  /** The query protocol's code (what the AWS CLI 2.9 prints). */
  queryCode: string;
  status: number;
  fault: 'Sender' | 'Receiver';
  message: string;
}

type Row = Omit<SqsErrorShape, 'message' | 'fault'> & { fault?: 'Sender' | 'Receiver' };

const row = (type: string, status = 400, queryCode = type): Row => ({ type, queryCode, status });
const aws = (type: string, status = 400): Row => row(type, status, `AWS.SimpleQueueService.${type}`);

/** By `details.reason` (what the domain and the edge's validation say), then by EngineError code. */
const byReason: Record<string, Row> = {
  invalidParameter: row('InvalidParameterValue'),
  missingParameter: row('MissingParameter'),
  receiptHandle: row('ReceiptHandleIsInvalid', 404),
  notInflight: aws('MessageNotInflight'),
  purgeInProgress: aws('PurgeQueueInProgress', 403),
  nameExists: row('QueueNameExists', 400, 'QueueAlreadyExists'),
  messageContents: row('InvalidMessageContents'),
  attributeName: row('InvalidAttributeName'),
  attributeValue: row('InvalidAttributeValue'),
  emptyBatch: aws('EmptyBatchRequest'),
  tooManyEntries: aws('TooManyEntriesInBatchRequest'),
  idsNotDistinct: aws('BatchEntryIdsNotDistinct'),
  batchTooLong: aws('BatchRequestTooLong'),
  invalidBatchEntryId: aws('InvalidBatchEntryId'),
  invalidAddress: row('InvalidAddress', 404),
  unsupported: aws('UnsupportedOperation'),
};

const byCode: Record<ErrorCode, Row> = {
  NotFound: row('QueueDoesNotExist', 400, 'AWS.SimpleQueueService.NonExistentQueue'),
  AlreadyExists: byReason.nameExists,
  Conflict: row('InvalidParameterValue'),
  InvalidInput: row('InvalidParameterValue'),
  Unauthorized: { ...row('InvalidClientTokenId', 403) },
  Forbidden: row('AccessDenied', 403),
  TooLarge: row('InvalidParameterValue'),
  Throttled: row('OverLimit', 403),
  Unavailable: { ...row('ServiceUnavailable', 503), fault: 'Receiver' },
  Internal: { ...row('InternalError', 500), fault: 'Receiver' },
};

/** An error raised by the SQS edge itself (validation of the request, batch rules), in the same table. */
export function sqsError(reason: keyof typeof byReason, message: string): Error & { sqs: SqsErrorShape } {
  const r = byReason[reason];
  return Object.assign(new Error(message), { sqs: { ...r, fault: r.fault ?? 'Sender', message } as SqsErrorShape });
}

/** Any thrown value as SQS's error; unknown errors are InternalError with a generic message (the caller logs them). */
export function toSqsError(e: unknown): SqsErrorShape {
  if (e && typeof e === 'object' && 'sqs' in e) return (e as { sqs: SqsErrorShape }).sqs;
  if (!isEngineError(e)) return { ...byCode.Internal, fault: 'Receiver', message: 'We encountered an internal error. Please try again.' };
  const reason = (e.details as { reason?: string } | undefined)?.reason;
  const r = (reason !== undefined ? byReason[reason] : undefined) ?? byCode[e.code];
  const message = e.code === 'NotFound' ? 'The specified queue does not exist.' : e.message;
  return { ...r, fault: r.fault ?? 'Sender', message };
}

/** The entry-level error of a batch (`BatchResultErrorEntry`): `Code` is the query code, as AWS sends it. */
export function batchEntryError(id: string, e: unknown): { Id: string; SenderFault: boolean; Code: string; Message: string } {
  const s = toSqsError(e);
  return { Id: id, SenderFault: s.fault === 'Sender', Code: s.queryCode, Message: s.message };
}
