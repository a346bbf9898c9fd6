/**
 * A job's `jobExecutionsRetryConfig`: an execution that ends FAILED or TIMED_OUT is retried (the thing gets a new
 * execution with the next `executionNumber`, QUEUED again) while the criterion for that failure type (or ALL) allows
 * more retries. Pure.
 *
 * LIMITATIONS: retries of FAILED and TIMED_OUT are counted apart when both criteria are given; ALL counts both.
 */
import type { RetryConfig } from './job-policies.js';

export type RetryableStatus = 'FAILED' | 'TIMED_OUT';

/** The retries a thing already had for this job, by the status that caused each. */
export interface RetryHistory {
  failed: number;
  timedOut: number;
}

/** Whether an execution that just ended with `status` gets another attempt. */
export function shouldRetry(config: RetryConfig | undefined, status: string, history: RetryHistory): boolean {
  if (!config || (status !== 'FAILED' && status !== 'TIMED_OUT')) return false;
  const exact = config.criteriaList.find((c) => c.failureType === status);
  if (exact) return (status === 'FAILED' ? history.failed : history.timedOut) < exact.numberOfRetries;
  const all = config.criteriaList.find((c) => c.failureType === 'ALL');
  return !!all && history.failed + history.timedOut < all.numberOfRetries;
}

/** The retry history of a thing from the final statuses of its earlier attempts at the job. */
export function retryHistoryFor(previousStatuses: readonly string[]): RetryHistory {
  return {
    failed: previousStatuses.filter((s) => s === 'FAILED').length,
    timedOut: previousStatuses.filter((s) => s === 'TIMED_OUT').length,
  };
}
