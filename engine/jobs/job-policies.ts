/**
 * The policies that make a job a rollout, as CreateJob and CreateJobTemplate take them: `jobExecutionsRolloutConfig`,
 * `abortConfig`, `timeoutConfig`, `jobExecutionsRetryConfig` and `presignedUrlConfig`, checked once with AWS IoT's
 * limits and validation messages (the SDK model's members; the ranges of the API reference).
 *
 * LIMITATIONS: AWS's ranges and "one digit after the decimal" rules are checked; a `roleArn` is only checked for its
 * length and shape (no IAM role is assumed: the engine signs presigned URLs with its own key).
 */
import { EngineError } from '../core/index.js';

export interface RateIncreaseCriteria { numberOfNotifiedThings?: number; numberOfSucceededThings?: number }
export interface ExponentialRolloutRate { baseRatePerMinute: number; incrementFactor: number; rateIncreaseCriteria: RateIncreaseCriteria }
export interface RolloutConfig { maximumPerMinute?: number; exponentialRate?: ExponentialRolloutRate }
export type AbortFailureType = 'FAILED' | 'REJECTED' | 'TIMED_OUT' | 'ALL';
export interface AbortCriteria { failureType: AbortFailureType; action: 'CANCEL'; thresholdPercentage: number; minNumberOfExecutedThings: number }
export interface AbortConfig { criteriaList: AbortCriteria[] }
export interface TimeoutConfig { inProgressTimeoutInMinutes?: number }
export type RetryFailureType = 'FAILED' | 'TIMED_OUT' | 'ALL';
export interface RetryCriteria { failureType: RetryFailureType; numberOfRetries: number }
export interface RetryConfig { criteriaList: RetryCriteria[] }
export interface PresignedUrlConfig { roleArn?: string; expiresInSec?: number }

/** Everything about a job that is policy rather than target or document; each member as AWS spells it. */
export interface JobPolicies {
  jobExecutionsRolloutConfig?: RolloutConfig;
  abortConfig?: AbortConfig;
  timeoutConfig?: TimeoutConfig;
  jobExecutionsRetryConfig?: RetryConfig;
  presignedUrlConfig?: PresignedUrlConfig;
}

export const POLICY_KEYS = ['jobExecutionsRolloutConfig', 'abortConfig', 'timeoutConfig', 'jobExecutionsRetryConfig', 'presignedUrlConfig'] as const;

/** Longest step or in-progress timeout AWS allows: 7 days. */
export const MAX_TIMEOUT_MINUTES = 10_080;

const invalid = (message: string) => new EngineError('InvalidInput', message);
const constraint = (value: unknown, path: string, rule: string) =>
  invalid(`1 validation error detected: Value '${typeof value === 'object' ? JSON.stringify(value) : String(value)}' at '${path}' failed to satisfy constraint: ${rule}`);

function object(value: unknown, path: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${path} must be an object`);
  return value as Record<string, unknown>;
}

function required(value: unknown, path: string): unknown {
  if (value === undefined || value === null) throw constraint(null, path, 'Member must not be null');
  return value;
}

function integer(value: unknown, path: string, min: number, max?: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(`${path} must be an integer`);
  if (value < min) throw constraint(value, path, `Member must have value greater than or equal to ${min}`);
  if (max !== undefined && value > max) throw constraint(value, path, `Member must have value less than or equal to ${max}`);
  return value;
}

function decimal(value: unknown, path: string, min: number | undefined, max: number, digits: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${path} must be a number`);
  if (min !== undefined && value < min) throw constraint(value, path, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraint(value, path, `Member must have value less than or equal to ${max}`);
  const scaled = value * 10 ** digits;
  if (Math.abs(scaled - Math.round(scaled)) > 1e-9) {
    throw invalid(`${path} supports up to ${digits === 1 ? 'one digit' : 'two digits'} after the decimal: ${value}`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw constraint(value, path, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T;
}

function list(value: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(value)) throw invalid(`${path} must be a list`);
  if (value.length < 1) throw constraint('[]', path, 'Member must have length greater than or equal to 1');
  if (value.length > max) throw constraint(`[${value.length} items]`, path, `Member must have length less than or equal to ${max}`);
  return value;
}

export function parseRolloutConfig(value: unknown, path = 'jobExecutionsRolloutConfig'): RolloutConfig | undefined {
  const o = object(value, path);
  if (!o) return undefined;
  const out: RolloutConfig = {};
  const max = integer(o.maximumPerMinute, `${path}.maximumPerMinute`, 1, 1000);
  if (max !== undefined) out.maximumPerMinute = max;
  const exp = object(o.exponentialRate, `${path}.exponentialRate`);
  if (exp) {
    const p = `${path}.exponentialRate`;
    const base = integer(required(exp.baseRatePerMinute, `${p}.baseRatePerMinute`), `${p}.baseRatePerMinute`, 1, 1000)!;
    const factor = decimal(required(exp.incrementFactor, `${p}.incrementFactor`), `${p}.incrementFactor`, 1.1, 5, 1);
    const c = object(required(exp.rateIncreaseCriteria, `${p}.rateIncreaseCriteria`), `${p}.rateIncreaseCriteria`)!;
    const notified = integer(c.numberOfNotifiedThings, `${p}.rateIncreaseCriteria.numberOfNotifiedThings`, 1);
    const succeeded = integer(c.numberOfSucceededThings, `${p}.rateIncreaseCriteria.numberOfSucceededThings`, 1);
    if ((notified === undefined) === (succeeded === undefined)) {
      throw invalid('rateIncreaseCriteria must specify exactly one of numberOfNotifiedThings and numberOfSucceededThings');
    }
    if (max !== undefined && base > max) throw invalid(`baseRatePerMinute (${base}) must not be greater than maximumPerMinute (${max})`);
    out.exponentialRate = {
      baseRatePerMinute: base, incrementFactor: factor,
      rateIncreaseCriteria: notified !== undefined ? { numberOfNotifiedThings: notified } : { numberOfSucceededThings: succeeded },
    };
  }
  return out;
}

export function parseAbortConfig(value: unknown, path = 'abortConfig'): AbortConfig | undefined {
  const o = object(value, path);
  if (!o) return undefined;
  const items = list(required(o.criteriaList, `${path}.criteriaList`), `${path}.criteriaList`, 4);
  const criteriaList = items.map((item, i): AbortCriteria => {
    const p = `${path}.criteriaList.${i + 1}.member`;
    const c = object(item, p) ?? {};
    return {
      failureType: oneOf(required(c.failureType, `${p}.failureType`), `${p}.failureType`, ['FAILED', 'REJECTED', 'TIMED_OUT', 'ALL'] as const),
      action: oneOf(required(c.action, `${p}.action`), `${p}.action`, ['CANCEL'] as const),
      thresholdPercentage: decimal(required(c.thresholdPercentage, `${p}.thresholdPercentage`), `${p}.thresholdPercentage`, 0, 100, 2),
      minNumberOfExecutedThings: integer(required(c.minNumberOfExecutedThings, `${p}.minNumberOfExecutedThings`), `${p}.minNumberOfExecutedThings`, 1)!,
    };
  });
  const types = criteriaList.map((c) => c.failureType);
  if (new Set(types).size !== types.length) throw invalid('abortConfig.criteriaList must not name the same failureType twice');
  return { criteriaList };
}

export function parseTimeoutConfig(value: unknown, path = 'timeoutConfig'): TimeoutConfig | undefined {
  const o = object(value, path);
  if (!o) return undefined;
  const minutes = integer(o.inProgressTimeoutInMinutes, `${path}.inProgressTimeoutInMinutes`, 1, MAX_TIMEOUT_MINUTES);
  return minutes === undefined ? {} : { inProgressTimeoutInMinutes: minutes };
}

export function parseRetryConfig(value: unknown, path = 'jobExecutionsRetryConfig'): RetryConfig | undefined {
  const o = object(value, path);
  if (!o) return undefined;
  const items = list(required(o.criteriaList, `${path}.criteriaList`), `${path}.criteriaList`, 2);
  const criteriaList = items.map((item, i): RetryCriteria => {
    const p = `${path}.criteriaList.${i + 1}.member`;
    const c = object(item, p) ?? {};
    return {
      failureType: oneOf(required(c.failureType, `${p}.failureType`), `${p}.failureType`, ['FAILED', 'TIMED_OUT', 'ALL'] as const),
      numberOfRetries: integer(required(c.numberOfRetries, `${p}.numberOfRetries`), `${p}.numberOfRetries`, 0, 10)!,
    };
  });
  const types = criteriaList.map((c) => c.failureType);
  if (new Set(types).size !== types.length) throw invalid('jobExecutionsRetryConfig.criteriaList must not name the same failureType twice');
  if (types.includes('ALL') && types.length > 1) throw invalid('jobExecutionsRetryConfig: failureType ALL cannot be combined with another failureType');
  return { criteriaList };
}

export function parsePresignedUrlConfig(value: unknown, path = 'presignedUrlConfig'): PresignedUrlConfig | undefined {
  const o = object(value, path);
  if (!o) return undefined;
  const out: PresignedUrlConfig = {};
  if (o.roleArn !== undefined && o.roleArn !== null) {
    if (typeof o.roleArn !== 'string') throw invalid(`${path}.roleArn must be a string`);
    if (o.roleArn.length < 20) throw constraint(o.roleArn, `${path}.roleArn`, 'Member must have length greater than or equal to 20');
    if (o.roleArn.length > 2048) throw constraint(o.roleArn, `${path}.roleArn`, 'Member must have length less than or equal to 2048');
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(o.roleArn)) throw invalid(`Invalid role ARN: ${o.roleArn}`);
    out.roleArn = o.roleArn;
  }
  const expires = integer(o.expiresInSec, `${path}.expiresInSec`, 60, 3600);
  if (expires !== undefined) out.expiresInSec = expires;
  return out;
}

/**
 * The device's `stepTimeoutInMinutes`: 1–10080, or undefined. On an update (`allowCancel`) -1 is valid too and
 * cancels the running step timer, as AWS's UpdateJobExecution says.
 */
export function parseStepTimeout(value: unknown, opts: { allowCancel?: boolean; path?: string } = {}): number | undefined {
  if (opts.allowCancel && value === -1) return -1;
  return integer(value, opts.path ?? 'stepTimeoutInMinutes', 1, MAX_TIMEOUT_MINUTES);
}

/** Every policy of a CreateJob / CreateJobTemplate body, checked; absent members stay absent. */
export function parseJobPolicies(body: Record<string, unknown>): JobPolicies {
  const out: JobPolicies = {};
  const rollout = parseRolloutConfig(body.jobExecutionsRolloutConfig);
  if (rollout) out.jobExecutionsRolloutConfig = rollout;
  const abort = parseAbortConfig(body.abortConfig);
  if (abort) out.abortConfig = abort;
  const timeout = parseTimeoutConfig(body.timeoutConfig);
  if (timeout) out.timeoutConfig = timeout;
  const retry = parseRetryConfig(body.jobExecutionsRetryConfig);
  if (retry) out.jobExecutionsRetryConfig = retry;
  const presigned = parsePresignedUrlConfig(body.presignedUrlConfig);
  if (presigned) out.presignedUrlConfig = presigned;
  return out;
}
