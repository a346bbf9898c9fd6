/**
 * EngineError → Lambda's exceptions (restJson1: `x-amzn-ErrorType` header, `{ "message": … }` body) [Lambda API
 * Reference, Errors]. Reasons the functions domain uses: InvalidInput `validation` (ValidationException) and
 * `requestContent` (InvalidRequestContentException); Conflict `precondition` (PreconditionFailedException).
 */
import type { AwsErrorTable } from '../aws-errors.js';

export const lambdaErrors: AwsErrorTable = {
  NotFound: { status: 404, type: 'ResourceNotFoundException' },
  AlreadyExists: { status: 409, type: 'ResourceConflictException' },
  Conflict: { status: 409, type: 'ResourceConflictException', reasons: { precondition: { status: 412, type: 'PreconditionFailedException' } } },
  InvalidInput: {
    status: 400, type: 'InvalidParameterValueException', reasons: {
      validation: { status: 400, type: 'ValidationException' },
      requestContent: { status: 400, type: 'InvalidRequestContentException' },
    },
  },
  Unauthorized: { status: 403, type: 'AccessDeniedException' },
  Forbidden: { status: 403, type: 'AccessDeniedException' },
  TooLarge: { status: 413, type: 'RequestTooLargeException' },
  Throttled: { status: 429, type: 'TooManyRequestsException' },
  Unavailable: { status: 503, type: 'ServiceException' },
  Internal: { status: 500, type: 'ServiceException' },
};
