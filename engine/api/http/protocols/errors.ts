/**
 * Any failure of a service request → the service's error in its own vocabulary (type for JSON `__type`, query
 * `<Code>`, HTTP status, Sender/Receiver fault). Sources: `ServiceError` from handlers (modeled errors take status and
 * code from the model), `EngineError` from the domain (through the service's `errors` table, else generic AWS common
 * errors), `AwsError` from the edge itself (SigV4 refusals, 413, 415), anything else a logged 500.
 */
import { isEngineError, type ErrorCode } from '../../../core/index.js';
import { AwsError } from '../aws-errors.js';
import { ServiceError, validationMessage, type AwsService, type ServiceErrorSpec, type ValidationProblem } from './service.js';

export interface ResolvedError {
  status: number;
  /** JSON `__type` (a modeled error's shape name or a common error code). */
  type: string;
  /** Query `<Code>`. */
  code: string;
  fault: 'client' | 'server';
  message: string;
  fields?: Record<string, unknown>;
  /** Not the client's fault and not expected: log it; its message was replaced. */
  unexpected?: boolean;
}

/** AWS common errors for EngineError codes a service did not map. [json type, query code, status] */
const generic: Record<ErrorCode, [string, string, number]> = {
  NotFound: ['ResourceNotFoundException', 'ResourceNotFound', 404],
  AlreadyExists: ['ResourceAlreadyExistsException', 'ResourceAlreadyExists', 409],
  Conflict: ['ConflictException', 'Conflict', 409],
  InvalidInput: ['ValidationException', 'ValidationError', 400],
  Unauthorized: ['AccessDeniedException', 'AccessDenied', 403],
  Forbidden: ['AccessDeniedException', 'AccessDenied', 403],
  TooLarge: ['RequestEntityTooLargeException', 'RequestEntityTooLarge', 413],
  Throttled: ['ThrottlingException', 'Throttling', 400],
  Unavailable: ['ServiceUnavailableException', 'ServiceUnavailable', 503],
  Internal: ['InternalFailure', 'InternalFailure', 500],
};

/** The edge's SigV4 refusals (restJson names) as the query protocol names them. */
const queryAuthCodes: Record<string, string> = {
  InvalidSignatureException: 'SignatureDoesNotMatch',
  MissingAuthenticationTokenException: 'MissingAuthenticationToken',
  UnrecognizedClientException: 'InvalidClientTokenId',
  IncompleteSignatureException: 'IncompleteSignature',
  ExpiredTokenException: 'ExpiredToken',
};

function fromServiceError(service: AwsService | undefined, type: string, message: string, opts: ServiceError['opts']): ResolvedError {
  const modeled = service?.model.errors[type];
  const fault = opts.fault ?? modeled?.fault ?? 'client';
  return {
    type, message, fault,
    code: opts.queryCode ?? modeled?.code ?? type,
    status: opts.status ?? modeled?.status ?? (fault === 'server' ? 500 : 400),
    ...(opts.fields ? { fields: opts.fields } : {}),
  };
}

/** The service's validation error for a problem (its own hook, else AWS's `ValidationError`). */
export function validationError(service: AwsService | undefined, protocol: 'json' | 'query', p: ValidationProblem): ResolvedError {
  if (service?.validationError) return resolveError(service, protocol, service.validationError(p));
  return { type: 'ValidationException', code: 'ValidationError', status: 400, fault: 'client', message: validationMessage(p) };
}

export function resolveError(service: AwsService | undefined, protocol: 'json' | 'query', err: unknown): ResolvedError {
  if (err instanceof ServiceError) return fromServiceError(service, err.type, err.message, err.opts);
  if (err instanceof AwsError) {
    const code = protocol === 'query' ? queryAuthCodes[err.type] ?? err.type.replace(/Exception$/, '') : err.type;
    return { type: err.type, code, status: err.status, fault: err.status >= 500 ? 'server' : 'client', message: err.message };
  }
  if (isEngineError(err)) {
    const mapped = service?.errors?.[err.code];
    if (mapped) {
      const asSpec = (m: string | ServiceErrorSpec): ServiceErrorSpec => (typeof m === 'string' ? { type: m } : m);
      const reason = (err.details as { reason?: unknown } | undefined)?.reason;
      const base = asSpec(mapped);
      const refined = typeof reason === 'string' ? base.reasons?.[reason] : undefined;
      const spec = refined ? asSpec(refined) : base;
      return fromServiceError(service, spec.type, err.message, { status: spec.status, fault: spec.fault, queryCode: spec.queryCode });
    }
    const [type, code, status] = generic[err.code] ?? generic.Internal;
    if (status >= 500 && err.code !== 'Unavailable') return { type, code, status, fault: 'server', message: 'Internal failure', unexpected: true };
    return { type, code, status, fault: status >= 500 ? 'server' : 'client', message: err.message };
  }
  return { type: 'InternalFailure', code: 'InternalFailure', status: 500, fault: 'server', message: 'Internal failure', unexpected: true };
}
