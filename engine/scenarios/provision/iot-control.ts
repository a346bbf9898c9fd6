/**
 * The AWS IoT control plane of a target, through the AWS SDK v3 `IoTClient`: the same calls reach a local engine,
 * another Thingbench and AWS IoT Core. A refusal becomes one sentence that names the operation, never a stack trace.
 */
import { Agent } from 'node:https';
import { IoTClient } from '@aws-sdk/client-iot';
import { EngineError, type ErrorCode } from '../../core/index.js';
import type { Target } from '../targets/target.js';

/** An `IoTClient` for the target's control plane; a target without one is refused in one sentence. */
export function iotClientFor(target: Target): IoTClient {
  const aws = target.aws;
  if (!aws || !target.capabilities.controlPlane) {
    throw new EngineError('InvalidInput', `the target '${target.name}' (${target.kind}) has no AWS IoT control plane to provision things, certificates, policies or rules on`);
  }
  return new IoTClient({
    region: aws.region,
    credentials: aws.credentials,
    ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
    // The SDK retries throttling and transient network failures only; a refusal is reported at once.
    maxAttempts: 3,
    ...(aws.ca ? { requestHandler: { httpsAgent: new Agent({ ca: aws.ca, keepAlive: true }) } } : {}),
  });
}

interface SdkError { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } }

const codes: Record<string, ErrorCode> = {
  ResourceAlreadyExistsException: 'AlreadyExists',
  ResourceNotFoundException: 'NotFound',
  InvalidRequestException: 'InvalidInput',
  MalformedPolicyException: 'InvalidInput',
  SqlParseException: 'InvalidInput',
  UnauthorizedException: 'Forbidden',
  AccessDeniedException: 'Forbidden',
  UnrecognizedClientException: 'Unauthorized',
  InvalidSignatureException: 'Unauthorized',
  ThrottlingException: 'Throttled',
  LimitExceededException: 'Throttled',
  DeleteConflictException: 'Conflict',
  CertificateStateException: 'Conflict',
  ConflictingResourceUpdateException: 'Conflict',
  VersionConflictException: 'Conflict',
};

const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** The SDK error's exception name ('' for a network failure). */
export function exceptionName(e: unknown): string {
  return (e as SdkError)?.name ?? '';
}

/** One sentence for an SDK failure: what the target refused and why, or that it could not be reached. */
export function refusal(target: Target, operation: string, e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  const err = (e ?? {}) as SdkError;
  const sysCode = err.code ?? (err as { cause?: SdkError }).cause?.code;
  if (sysCode && NETWORK.has(sysCode)) {
    return new EngineError('Unavailable', `the target '${target.name}' could not be reached for ${operation} at ${target.aws?.endpoint ?? 'its AWS endpoint'} (${sysCode})`);
  }
  const name = err.name && err.name !== 'Error' ? err.name : '';
  const message = (err.message ?? String(e)).split('\n')[0].replace(/\.$/, '');
  return new EngineError(codes[name] ?? 'Unavailable', `the target '${target.name}' refused ${operation}: ${message}${name && !message.includes(name) ? ` (${name})` : ''}`, { operation, exception: name || undefined });
}

/** Sends one command; a failure becomes `refusal(…)`. */
export async function call<T>(target: Target, operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    throw refusal(target, operation, e);
  }
}

/** True when `send` fails with ResourceNotFoundException (an existence check); other failures are refusals. */
export async function exists(target: Target, operation: string, send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (e) {
    if (exceptionName(e) === 'ResourceNotFoundException') return false;
    throw refusal(target, operation, e);
  }
}
