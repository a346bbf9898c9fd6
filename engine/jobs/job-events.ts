/**
 * Jobs events [DG:events-jobs]: `$aws/events/job/{jobId}/completed|canceled|deleted|cancellation_in_progress|
 * deletion_in_progress` (event type JOB) and `$aws/events/jobExecution/{jobId}/succeeded|failed|rejected|canceled|
 * timed_out|removed|deleted` (JOB_EXECUTION), published only while that event type is enabled
 * (UpdateEventConfigurations), with AWS's payloads. Event timestamps are epoch milliseconds, as in the registry events.
 *
 * LIMITATIONS:
 * - The payloads carry the members AWS's examples show; cancellation and deletion are immediate here, so the
 *   `…_in_progress` event and its final event are published together.
 */
import { randomUUID } from 'node:crypto';
import { iotArn } from '../core/index.js';
import type { ExecutionRecord, JobCounts, JobRecord } from './job-types.js';

export type JobOperation = 'completed' | 'canceled' | 'deleted' | 'cancellation_in_progress' | 'deletion_in_progress';
export type ExecutionOperation = 'succeeded' | 'failed' | 'rejected' | 'canceled' | 'timed_out' | 'removed' | 'deleted';

export const jobEventTopic = (jobId: string, op: JobOperation) => `$aws/events/job/${jobId}/${op}`;
export const executionEventTopic = (jobId: string, op: ExecutionOperation) => `$aws/events/jobExecution/${jobId}/${op}`;

/** The JOB event payload. */
export function jobEvent(job: JobRecord, op: JobOperation, counts: JobCounts, now: number) {
  const { numberOfQueuedThings: _q, numberOfInProgressThings: _p, numberOfTimedOutThings: _t, ...finished } = counts;
  return {
    eventType: 'JOB',
    eventId: randomUUID(),
    timestamp: now,
    operation: op,
    jobId: job.jobId,
    status: job.status,
    targetSelection: job.targetSelection,
    targets: job.targets,
    ...(job.description !== undefined ? { description: job.description } : {}),
    ...(job.comment !== undefined ? { comment: job.comment } : {}),
    ...(job.reasonCode !== undefined ? { reasonCode: job.reasonCode } : {}),
    createdAt: job.createdAt,
    lastUpdatedAt: job.lastUpdatedAt,
    ...(job.completedAt !== undefined ? { completedAt: job.completedAt } : {}),
    ...(op === 'completed' ? { jobProcessDetails: { ...finished, numberOfTimedOutThings: counts.numberOfTimedOutThings } } : {}),
  };
}

/** The JOB_EXECUTION event payload. */
export function executionEvent(e: ExecutionRecord, op: ExecutionOperation, now: number) {
  return {
    eventType: 'JOB_EXECUTION',
    eventId: randomUUID(),
    timestamp: now,
    operation: op,
    jobId: e.jobId,
    thingArn: iotArn(`thing/${e.thingName}`),
    status: e.status,
    ...(Object.keys(e.statusDetails).length ? { statusDetails: e.statusDetails } : {}),
  };
}

/** The execution event of a status the execution just reached (terminal ones only). */
export function executionOperation(e: ExecutionRecord): ExecutionOperation | undefined {
  switch (e.status) {
    case 'SUCCEEDED': return 'succeeded';
    case 'FAILED': return 'failed';
    case 'REJECTED': return 'rejected';
    case 'CANCELED': return 'canceled';
    case 'TIMED_OUT': return 'timed_out';
    case 'REMOVED': return 'removed';
    default: return undefined;
  }
}
