import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorCode } from '../../../core/index.js';
import type { ServiceModel } from './model.js';

/** What an operation handler knows about its request besides its input. */
export interface OperationContext {
  readonly operation: string;
  readonly requestId: string;
  /** The wire protocol the request came in (SQS answers both). */
  readonly protocol: 'json' | 'query';
  /** `http://<Host header>`: what URLs handed back to the client (SQS queue URLs) start with. */
  readonly endpoint: string;
  /** The request path as sent (SQS's query protocol addresses a queue by its URL path). */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** From the SigV4 credential scope, when the request is signed. */
  readonly accessKeyId?: string;
  readonly region: string;
  /** Aborted when the client goes away before its answer (SQS ends a long poll with it). */
  readonly signal?: AbortSignal;
}

/**
 * One operation: `input` holds the operation's input members as the SDK names them (JSON shape; timestamps are
 * `Date`, blobs `Buffer`, maps plain objects); it returns the output members the same way (undefined members are
 * left out; a timestamp may be a `Date`, epoch milliseconds or an ISO string).
 */
export type OperationHandler = (input: any, ctx: OperationContext) => unknown;

/** EngineError codes a service's domain throws → the service's error (a name in `model.errors`, or explicit). */
export type ServiceErrorTable = Partial<Record<ErrorCode, string | ServiceErrorSpec>>;

export interface ServiceErrorSpec {
  type: string;
  status?: number;
  fault?: 'client' | 'server';
  /** Query protocol `<Code>` when it differs from `type` (SQS: `AWS.SimpleQueueService.NonExistentQueue`). */
  queryCode?: string;
  /** Refinements by the EngineError's `details.reason` (`{ malformedPolicy: 'MalformedPolicyDocumentException' }`). */
  reasons?: Record<string, string | ServiceErrorSpec>;
}

/** A service as it plugs into the endpoint. */
export interface AwsService {
  /** How messages name the service (`Amazon SQS`); default the signing name in capitals. */
  title?: string;
  /** The generated model (models/<service>.ts): signing name, version, namespace, target prefix, shapes, errors. */
  model: ServiceModel;
  /** Protocols answered; default the model's own (`json` for awsJson models, `query` for query ones). SQS: both. */
  protocols?: ReadonlyArray<'json' | 'query'>;
  /** Implemented operations by name; a modeled operation left out is answered as not supported yet. */
  operations: Readonly<Record<string, OperationHandler | undefined>>;
  /** How EngineErrors from the domain read on this service's wire; unmapped codes fall back to generic ones. */
  errors?: ServiceErrorTable;
  /** How a missing or ill-typed input member is refused (default: AWS's `ValidationError`/`ValidationException`). */
  validationError?: (problem: ValidationProblem) => ServiceError;
  /** Request body cap (bytes); default 1 MiB. */
  maxBodyBytes?: number;
}

/** A member that failed the model's constraints: `path` names it as AWS does (`roleName`, `entries.1.id`). */
export interface ValidationProblem {
  member: string;
  path: string;
  kind: 'missing' | 'type';
  value?: unknown;
}

/**
 * An error in the service's own vocabulary. `type` is the modeled error's shape name (`QueueDoesNotExist`,
 * `NoSuchEntityException`) or an AWS common error code (`ValidationError`, `InvalidParameterValue`); status, fault
 * and the query code come from the model when the type is modeled, else from `opts` (default 400, client).
 */
export class ServiceError extends Error {
  constructor(readonly type: string, message: string, readonly opts: { status?: number; fault?: 'client' | 'server'; queryCode?: string; fields?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** The one way handlers refuse a request: `throw serviceError('NoSuchEntityException', 'The role with name x cannot be found.')`. */
export function serviceError(type: string, message: string, opts: ServiceError['opts'] = {}): ServiceError {
  return new ServiceError(type, message, opts);
}

/** AWS's validation message (`1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null`). */
export function validationMessage(p: ValidationProblem): string {
  return p.kind === 'missing'
    ? `1 validation error detected: Value null at '${p.path}' failed to satisfy constraint: Member must not be null`
    : `1 validation error detected: Value '${String(p.value)}' at '${p.path}' failed to satisfy constraint: Member must be of the modeled type`;
}
