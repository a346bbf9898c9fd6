/**
 * A job's `abortConfig`: the job is canceled once, among its executed things, the share of executions that ended
 * with a criterion's `failureType` (FAILED, REJECTED, TIMED_OUT, or ALL of them) reaches the criterion's
 * `thresholdPercentage`, and at least `minNumberOfExecutedThings` things have executed. Pure.
 *
 * LIMITATIONS: an "executed thing" is an execution that reached SUCCEEDED, FAILED, REJECTED or TIMED_OUT (AWS's
 * documents say "received job execution notifications" and "executed" without saying which statuses count); a
 * threshold is met when the percentage is equal to it or above.
 */
import type { AbortConfig, AbortCriteria } from './job-policies.js';

/** The reason code a job canceled by its abort configuration carries (DescribeJob's `reasonCode`). */
export const ABORT_REASON_CODE = 'FAILURE_THRESHOLD_EXCEEDED';

/** How a job's executions ended so far (latest execution of each thing). */
export interface OutcomeCounts {
  succeeded: number;
  failed: number;
  rejected: number;
  timedOut: number;
}

export const executedThings = (c: OutcomeCounts) => c.succeeded + c.failed + c.rejected + c.timedOut;

function failures(c: OutcomeCounts, type: AbortCriteria['failureType']): number {
  switch (type) {
    case 'FAILED': return c.failed;
    case 'REJECTED': return c.rejected;
    case 'TIMED_OUT': return c.timedOut;
    case 'ALL': return c.failed + c.rejected + c.timedOut;
  }
}

/** The first criterion the counts meet, or undefined. */
export function abortCriterionMet(config: AbortConfig | undefined, counts: OutcomeCounts): AbortCriteria | undefined {
  if (!config) return undefined;
  const executed = executedThings(counts);
  if (executed === 0) return undefined;
  return config.criteriaList.find((c) => executed >= c.minNumberOfExecutedThings
    && (failures(counts, c.failureType) * 100) / executed >= c.thresholdPercentage - 1e-9);
}

/** The comment a canceled job carries, naming the criterion that was met. */
export function abortComment(c: AbortCriteria, counts: OutcomeCounts): string {
  const executed = executedThings(counts);
  const pct = Math.round((failures(counts, c.failureType) * 10_000) / executed) / 100;
  return `Job canceled by its abort configuration: ${pct}% of ${executed} executed things ended ${c.failureType === 'ALL' ? 'in failure' : c.failureType} (threshold ${c.thresholdPercentage}%)`;
}
