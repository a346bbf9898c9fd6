/**
 * Validation of what CreateJob, UpdateJob and AssociateTargetsWithJob are given, with AWS's limits and messages
 * [API CreateJob]: job ids, target ARNs, the job document (JSON, at most 32 KB), description, reason codes.
 *
 * LIMITATIONS:
 * - Member checks use AWS's validation message format; AWS does not document its texts for a document that is not
 *   JSON or a target that does not exist, so those messages are Thingbench's own (the exception names are AWS's).
 * - Targets must be in this engine's account and region (us-east-1, 000000000000); others are ResourceNotFound.
 */
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../core/index.js';
import { isExecutionStatus, statusDetailsProblem } from './execution-state.js';
import type { ExecutionStatus } from './job-types.js';

export const MAX_DOCUMENT_BYTES = 32_768;
/** AWS: at most 100 targets per job (CreateJob, AssociateTargetsWithJob). */
export const MAX_TARGETS = 100;

const invalid = (message: string, reason?: string) => new EngineError('InvalidInput', message, reason ? { reason } : undefined);

const pattern = (value: string, member: string, re: string) =>
  invalid(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${re}`);
const length = (value: string, member: string, max: number) =>
  invalid(`1 validation error detected: Value '${value.length > 64 ? `${value.slice(0, 64)}…` : value}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);

/** A job id: 1–64 characters of [a-zA-Z0-9_-]. */
export function checkJobId(jobId: string): void {
  if (jobId.length > 64) throw length(jobId, 'jobId', 64);
  if (!/^[a-zA-Z0-9_-]+$/.test(jobId)) throw pattern(jobId, 'jobId', '[a-zA-Z0-9_-]+');
}

export function checkDescription(description: string | undefined): void {
  if (description === undefined) return;
  if (description.length > 2028) throw length(description, 'description', 2028);
  if (!/^[^\p{C}]*$/u.test(description)) throw pattern(description, 'description', '[^\\p{C}]+');
}

/** The job document: JSON text of at most 32 KB (UTF-8 bytes). */
export function checkDocument(document: string): void {
  if (Buffer.byteLength(document, 'utf8') > MAX_DOCUMENT_BYTES) {
    throw invalid(`1 validation error detected: Value at 'document' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DOCUMENT_BYTES}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    throw invalid('The job document is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('The job document must be a JSON object');
}

export function checkReasonCode(reasonCode: string | undefined): void {
  if (reasonCode === undefined) return;
  if (reasonCode.length > 128) throw length(reasonCode, 'reasonCode', 128);
  if (!/^[\p{Lu}\p{Nd}_]+$/u.test(reasonCode)) throw pattern(reasonCode, 'reasonCode', '[\\p{Upper}\\p{Digit}_]+');
}

export function checkComment(comment: string | undefined): void {
  if (comment === undefined) return;
  if (comment.length > 2028) throw length(comment, 'comment', 2028);
  if (!/^[^\p{C}]+$/u.test(comment)) throw pattern(comment, 'comment', '[^\\p{C}]+');
}

export type Target = { kind: 'thing' | 'thinggroup'; name: string; arn: string };

const TARGET_ARN = /^arn:aws[a-z-]*:iot:([^:]*):([^:]*):(thing|thinggroup)\/([a-zA-Z0-9:_-]+)$/;

/** Parses target ARNs (things and thing groups of this account and region). */
export function parseTargets(targets: string[]): Target[] {
  if (targets.length === 0) throw invalid("1 validation error detected: Value '[]' at 'targets' failed to satisfy constraint: Member must have length greater than or equal to 1");
  if (targets.length > MAX_TARGETS) throw invalid(`The number of targets exceeds the limit of ${MAX_TARGETS}`, 'limitExceeded');
  return targets.map((arn) => {
    const m = TARGET_ARN.exec(arn);
    if (!m) throw invalid(`Invalid target ARN: ${arn}. A target must be the ARN of a thing or a thing group`);
    if (m[1] !== LOCAL_REGION || m[2] !== LOCAL_ACCOUNT_ID) throw new EngineError('NotFound', `${m[3] === 'thing' ? 'Thing' : 'Thing group'} ${arn} does not exist`);
    return { kind: m[3] as Target['kind'], name: m[4], arn };
  });
}

/** An optional JSON object member kept as given (rollout, abort, timeout, retry, presigned URL configurations). */
export function configObject(value: unknown, member: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${member} must be an object`);
  return value as Record<string, unknown>;
}

export function notFoundExecution(jobId: string, thing: string): EngineError {
  return new EngineError('NotFound', `Job execution of ${jobId} on thing ${thing} does not exist`);
}

export function checkExecutionStatus(status: ExecutionStatus | undefined): ExecutionStatus | undefined {
  if (status !== undefined && !isExecutionStatus(status)) {
    throw invalid(`Invalid status: ${String(status)}. Valid values are QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED and CANCELED`);
  }
  return status;
}

export function checkDetails(details: unknown): asserts details is Record<string, string> {
  const problem = statusDetailsProblem(details);
  if (problem) throw invalid(problem);
}
