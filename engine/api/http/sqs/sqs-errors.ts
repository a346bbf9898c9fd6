/**
 * SQS's errors, for both its wire protocols: the awsJson 1.0 `__type` (the exception's name) and the query
 * protocol's code (`x-amzn-query-error` on JSON, `<Code>` in XML), which differ where the model says so
 * (`QueueDoesNotExist` is `AWS.SimpleQueueService.NonExistentQueue` for query clients). Domain errors arrive as
 * EngineError codes refined by `details.reason` (engine/sinks/queue.ts); messages are AWS's texts.
 */
import { isEngineError, type ErrorCode } from '../../../core/index.js';
import { ServiceError, serviceError } from '../protocols/index.js';

/** One SQS error: the modeled exception name (awsJson `__type`, the SDK v3 error class), the query protocol's code (what the AWS CLI 2.9 prints), status and fault. */
interface Row {
  type: string;
  queryCode: string;
  status: number;
  fault?: 'Sender' | 'Receiver';
}

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
export function sqsError(reason: keyof typeof byReason, message: string): ServiceError {
  return toServiceError(byReason[reason], message);
}

function toServiceError(r: Row, message: string): ServiceError {
  return serviceError(r.type, message, { status: r.status, queryCode: r.queryCode, fault: r.fault === 'Receiver' ? 'server' : 'client' });
}

/** Any thrown value as SQS's error: a domain EngineError through the table above; others pass through unchanged. */
export function toSqsError(e: unknown): unknown {
  if (!isEngineError(e)) return e;
  const reason = (e.details as { reason?: string } | undefined)?.reason;
  const r = (reason !== undefined ? byReason[reason] : undefined) ?? byCode[e.code];
  if (e.code === 'Internal') return e; // logged by the protocol layer, answered as an internal failure
  return toServiceError(r, e.code === 'NotFound' ? 'The specified queue does not exist.' : e.message);
}

/** The entry-level error of a batch (`BatchResultErrorEntry`): `Code` is the query code, as AWS sends it. */
export function batchEntryError(id: string, e: unknown): { Id: string; SenderFault: boolean; Code: string; Message: string } {
  const s = toSqsError(e);
  if (s instanceof ServiceError) {
    return { Id: id, SenderFault: s.opts.fault !== 'server', Code: s.opts.queryCode ?? s.type, Message: s.message };
  }
  return { Id: id, SenderFault: false, Code: 'InternalError', Message: 'We encountered an internal error. Please try again.' };
}
