/**
 * DynamoDB's errors as EngineErrors: `details.reason` names the AWS exception, so the DynamoDB edge maps them to
 * `__type` and status without this domain knowing HTTP.
 */
import { EngineError } from '../../core/index.js';

export type DdbErrorReason = 'ValidationException' | 'ConditionalCheckFailedException' | 'ResourceNotFoundException'
  | 'ResourceInUseException' | 'TransactionCanceledException' | 'ItemCollectionSizeLimitExceededException';

export interface CancellationReason { Code: string; Message?: string; Item?: Record<string, unknown> }

export function ddbValidation(message: string): EngineError {
  return new EngineError('InvalidInput', message, { reason: 'ValidationException' });
}

export function ddbConditionFailed(item?: Record<string, unknown>): EngineError {
  return new EngineError('Conflict', 'The conditional request failed', { reason: 'ConditionalCheckFailedException', ...(item ? { item } : {}) });
}

export function ddbNotFound(message = 'Requested resource not found'): EngineError {
  return new EngineError('NotFound', message, { reason: 'ResourceNotFoundException' });
}

export function ddbTransactionCanceled(reasons: CancellationReason[]): EngineError {
  const codes = reasons.map((r) => r.Code).join(', ');
  return new EngineError('Conflict', `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
    { reason: 'TransactionCanceledException', cancellationReasons: reasons });
}
