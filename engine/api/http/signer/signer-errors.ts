/**
 * EngineError → AWS Signer's exceptions (restJson1: `x-amzn-ErrorType` header, `{ "message": … }` body) [Signer API
 * Reference, Errors]: ValidationException and ResourceNotFoundException (also named NotFoundException by some
 * operations), ConflictException, AccessDeniedException, TooManyRequestsException, InternalServiceErrorException.
 */
import type { AwsErrorTable } from '../aws-errors.js';

export const signerErrors: AwsErrorTable = {
  NotFound: { status: 404, type: 'ResourceNotFoundException' },
  AlreadyExists: { status: 409, type: 'ConflictException' },
  Conflict: { status: 409, type: 'ConflictException' },
  InvalidInput: { status: 400, type: 'ValidationException' },
  Unauthorized: { status: 403, type: 'AccessDeniedException' },
  Forbidden: { status: 403, type: 'AccessDeniedException' },
  TooLarge: { status: 400, type: 'ValidationException' },
  Throttled: { status: 429, type: 'TooManyRequestsException' },
  Unavailable: { status: 500, type: 'InternalServiceErrorException' },
  Internal: { status: 500, type: 'InternalServiceErrorException' },
};
