/**
 * EngineError → AWS restJson1 error responses for the iot-data edge (ARCHITECTURE §6).
 *
 * Wire shape [OBS aws-amplify/aws-sdk-ios#720]: status code, header `x-amzn-ErrorType: <Name>:` and a JSON body
 * `{"message": "..."}`. Both botocore and the JS v3 SDKs read the name from that header (text before the `:`), so
 * `err.name` in the SDK is the exception name below. Unknown errors become 500 InternalFailureException; their
 * message and stack are logged, never sent.
 */
import { isEngineError, type ErrorCode } from '../../core/index.js';

/** One AWS exception as it goes on the wire. */
export interface AwsErrorShape {
  status: number;
  /** AWS exception name, e.g. `ResourceNotFoundException`. */
  type: string;
  message: string;
  /** Extra modeled members of the exception body (e.g. `resourceId`, `resourceArn` of ResourceAlreadyExistsException). */
  fields?: Record<string, string>;
}

/**
 * An error raised by the HTTP edge itself for conditions that have no EngineError code (405, 415).
 * Handlers should prefer `EngineError`; this exists for routing and protocol-level failures.
 */
export class AwsError extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
    this.name = 'AwsError';
  }
}

/** Maps an EngineError code to an HTTP status and AWS exception name, for one AWS service's edge. */
export type AwsErrorTable = Record<ErrorCode, AwsErrorRow>;

/**
 * One row of a table. `reasons` refines a code by the EngineError's `details.reason` (services say *why*, e.g.
 * `{ reason: 'version' }` on a Conflict, and the edge picks the exception name), so domain code never names AWS exceptions.
 */
export interface AwsErrorRow {
  status: number;
  type: string;
  reasons?: Record<string, { status: number; type: string }>;
}

/** Body members copied from `details` into error bodies when present (AWS models them on some exceptions). */
const BODY_FIELDS = ['resourceId', 'resourceArn'] as const;

/** iot-data (Publish, retained messages, shadows): the modeled exceptions of the IoT data plane [DP-model]. */
export const iotDataErrors: AwsErrorTable = {
  NotFound: { status: 404, type: 'ResourceNotFoundException' },
  AlreadyExists: { status: 409, type: 'ConflictException' },
  Conflict: { status: 409, type: 'ConflictException' },
  InvalidInput: { status: 400, type: 'InvalidRequestException' },
  Unauthorized: { status: 401, type: 'UnauthorizedException' },
  Forbidden: { status: 403, type: 'ForbiddenException' },
  TooLarge: { status: 413, type: 'RequestEntityTooLargeException' },
  Throttled: { status: 429, type: 'ThrottlingException' },
  Unavailable: { status: 503, type: 'ServiceUnavailableException' },
  Internal: { status: 500, type: 'InternalFailureException' },
};

/**
 * The AWS IoT control plane (`iot`): registry, certificates, policies, fleet indexing [CP-model]. Reasons the
 * services use: Conflict `version` | `deleteConflict` | `certificateState` | `versionsLimit` | `stateTransition`;
 * InvalidInput `query` | `malformedPolicy` | `certificateValidation` | `sqlParse` | `limitExceeded` | `registrationCode`.
 */
export const iotControlErrors: AwsErrorTable = {
  NotFound: { status: 404, type: 'ResourceNotFoundException' },
  AlreadyExists: { status: 409, type: 'ResourceAlreadyExistsException' },
  Conflict: {
    status: 409, type: 'ConflictingResourceUpdateException', reasons: {
      version: { status: 409, type: 'VersionConflictException' },
      deleteConflict: { status: 409, type: 'DeleteConflictException' },
      certificateState: { status: 406, type: 'CertificateStateException' },
      versionsLimit: { status: 409, type: 'VersionsLimitExceededException' },
      stateTransition: { status: 409, type: 'InvalidStateTransitionException' },
    },
  },
  InvalidInput: {
    status: 400, type: 'InvalidRequestException', reasons: {
      query: { status: 400, type: 'InvalidQueryException' },
      malformedPolicy: { status: 400, type: 'MalformedPolicyException' },
      certificateValidation: { status: 400, type: 'CertificateValidationException' },
      sqlParse: { status: 400, type: 'SqlParseException' },
      limitExceeded: { status: 410, type: 'LimitExceededException' },
      registrationCode: { status: 400, type: 'RegistrationCodeValidationException' },
    },
  },
  Unauthorized: { status: 401, type: 'UnauthorizedException' },
  Forbidden: { status: 403, type: 'ForbiddenException' },
  TooLarge: { status: 413, type: 'RequestEntityTooLargeException' },
  // AWS IoT control plane: ThrottlingException is 400, not 429 [API Reference]
  Throttled: { status: 400, type: 'ThrottlingException' },
  Unavailable: { status: 503, type: 'ServiceUnavailableException' },
  Internal: { status: 500, type: 'InternalFailureException' },
};

export const internalFailure: AwsErrorShape = { status: 500, type: 'InternalFailureException', message: 'Internal failure' };

/**
 * Classifies any thrown value. `unexpected` is true when the caller should log it (a non-engine error or an
 * EngineError with code `Internal`): its own message is replaced so that no internals reach the client.
 */
export function toAwsError(err: unknown, table: AwsErrorTable = iotDataErrors): AwsErrorShape & { unexpected: boolean } {
  if (err instanceof AwsError) return { status: err.status, type: err.type, message: err.message, unexpected: false };
  if (isEngineError(err)) {
    const base = table[err.code] ?? table.Internal;
    const details = (err.details ?? {}) as Record<string, unknown>;
    const refined = typeof details.reason === 'string' ? base.reasons?.[details.reason] : undefined;
    const row = { status: (refined ?? base).status, type: (refined ?? base).type };
    if (row.status >= 500 && err.code !== 'Unavailable') {
      return { ...row, message: internalFailure.message, unexpected: true };
    }
    const fields = Object.fromEntries(BODY_FIELDS.filter((k) => typeof details[k] === 'string').map((k) => [k, details[k] as string]));
    return { ...row, message: err.message, ...(Object.keys(fields).length ? { fields } : {}), unexpected: false };
  }
  return { ...internalFailure, unexpected: true };
}

/** Headers and body bytes of an AWS error response (restJson1). */
export function awsErrorResponse(shape: AwsErrorShape, requestId?: string): { headers: Record<string, string>; body: Buffer } {
  const body = Buffer.from(JSON.stringify({ message: shape.message, ...shape.fields }));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'x-amzn-ErrorType': `${shape.type}:`,
  };
  if (requestId) headers['x-amzn-RequestId'] = requestId;
  return { headers, body };
}

/** A complete raw HTTP/1.1 error response, for sockets the HTTP parser gave up on (no `ServerResponse` exists). */
export function rawAwsErrorResponse(shape: AwsErrorShape, requestId?: string): string {
  const { headers, body } = awsErrorResponse(shape, requestId);
  const reason = { 405: 'Method Not Allowed', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' }[shape.status] ?? 'Bad Request';
  const lines = Object.entries({ ...headers, connection: 'close' }).map(([k, v]) => `${k}: ${v}`);
  return `HTTP/1.1 ${shape.status} ${reason}\r\n${lines.join('\r\n')}\r\n\r\n${body.toString()}`;
}
