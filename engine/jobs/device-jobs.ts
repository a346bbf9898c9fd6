/**
 * The Jobs device API's operations [DG:jobs-mqtt-https-api], shared by the MQTT topics (`device-topics.ts`) and the
 * Jobs data-plane HTTP API: GetPendingJobExecutions, StartNextPendingJobExecution, DescribeJobExecution and
 * UpdateJobExecution. Errors are EngineErrors whose `details.reason` the edges turn into AWS's codes
 * (`version` → VersionMismatch, `stateTransition` → InvalidStateTransition, `terminal` → TerminalStateReached), with
 * the execution in `details.execution` for the replies that carry `executionState`.
 *
 * LIMITATIONS:
 * - Describing an execution in a terminal status is TerminalStateReached, as the error code's text says; `$next`
 *   describes the next pending execution (none: a reply without `execution`).
 * - `statusDetails` given on an update replace the stored ones; requests are never throttled.
 */
import { EngineError, type Clock } from '../core/index.js';
import { deviceMayMove, isExecutionStatus, isTerminal, statusDetailsProblem } from './execution-state.js';
import type { JobStore } from './job-store.js';
import type { ExecutionRecord, ExecutionStatus, JobRecord } from './job-types.js';

export interface DeviceExecutionUpdate {
  status: unknown;
  statusDetails?: unknown;
  expectedVersion?: number;
  executionNumber?: number;
  stepTimeoutInMinutes?: number;
}

export interface ExecutionWithJob {
  execution: ExecutionRecord;
  job: JobRecord | undefined;
}

/** AWS: a step timer of 1 to 10080 minutes (one week); -1 cancels the current one. */
const MAX_STEP_MINUTES = 10_080;

const invalid = (message: string) => new EngineError('InvalidInput', message);

export class DeviceJobs {
  constructor(
    private readonly db: JobStore,
    private readonly clock: Clock,
    private readonly apply: (job: JobRecord, before: ExecutionRecord, after: ExecutionRecord) => Promise<void>,
    /** The job as a device receives it (presigned URLs filled in); the stored job otherwise. */
    private readonly shown: (job: JobRecord) => JobRecord = (job) => job,
    /** The timeout deadline of an execution a device just changed (in-progress and step timers), if any. */
    private readonly deadline?: (job: JobRecord, before: ExecutionRecord, after: ExecutionRecord) => number | undefined,
  ) {}

  /** GetPendingJobExecutions: the thing's IN_PROGRESS and QUEUED executions, each oldest first. */
  pending(thing: string): { inProgress: ExecutionRecord[]; queued: ExecutionRecord[] } {
    const all = this.db.pending(thing);
    return { inProgress: all.filter((e) => e.status === 'IN_PROGRESS'), queued: all.filter((e) => e.status === 'QUEUED') };
  }

  /** The next pending execution: the oldest IN_PROGRESS one, else the oldest QUEUED one. */
  next(thing: string): ExecutionWithJob | undefined {
    const e = this.db.pending(thing)[0];
    const job = e && this.db.job(e.jobId);
    return e && { execution: e, job: job && this.shown(job) };
  }

  /**
   * StartNextPendingJobExecution: an IN_PROGRESS execution is returned as it is; a QUEUED one becomes IN_PROGRESS
   * with the given statusDetails and step timer. Undefined when nothing is pending.
   */
  async startNext(thing: string, input: { statusDetails?: unknown; stepTimeoutInMinutes?: number }): Promise<ExecutionWithJob | undefined> {
    const details = input.statusDetails === undefined ? undefined : checkDetails(input.statusDetails);
    checkStepTimeout(input.stepTimeoutInMinutes);
    const next = this.next(thing);
    const job = next && this.db.job(next.execution.jobId);
    if (!next || next.execution.status !== 'QUEUED' || !job) return next;
    const after = this.timed(job, next.execution, this.started(next.execution, 'IN_PROGRESS', details, input.stepTimeoutInMinutes));
    await this.apply(job, next.execution, after);
    return { execution: after, job: next.job };
  }

  /** DescribeJobExecution: `$next` is the next pending execution (undefined when none). */
  describe(thing: string, jobId: string, executionNumber?: number): ExecutionWithJob | undefined {
    if (jobId === '$next') return this.next(thing);
    const job = this.db.job(jobId);
    const e = job && this.db.execution(jobId, thing, executionNumber);
    if (!job || !e) throw notFound(jobId, thing);
    if (isTerminal(e.status)) throw new EngineError('Conflict', `Job execution of ${jobId} on ${thing} is in the terminal state ${e.status}`, { reason: 'terminal', execution: e });
    return { execution: e, job: this.shown(job) };
  }

  /** UpdateJobExecution: a device's status (IN_PROGRESS, SUCCEEDED, FAILED, REJECTED), details and step timer. */
  async update(thing: string, jobId: string, input: DeviceExecutionUpdate): Promise<ExecutionWithJob> {
    if (input.status === undefined || input.status === null) throw invalid('status is required');
    if (!isExecutionStatus(input.status)) throw invalid(`Invalid status: ${String(input.status)}. Valid values are IN_PROGRESS, SUCCEEDED, FAILED and REJECTED`);
    const details = input.statusDetails === undefined ? undefined : checkDetails(input.statusDetails);
    checkStepTimeout(input.stepTimeoutInMinutes);
    const job = this.db.job(jobId);
    const e = job && this.db.execution(jobId, thing, input.executionNumber);
    if (!job || !e) throw notFound(jobId, thing);
    if (input.expectedVersion !== undefined && input.expectedVersion !== e.versionNumber) {
      throw new EngineError('Conflict', `The expected version ${input.expectedVersion} does not match the job execution's version ${e.versionNumber}`, { reason: 'version', execution: e });
    }
    if (!deviceMayMove(e.status, input.status)) {
      throw new EngineError('Conflict', `Cannot update the job execution of ${jobId} on ${thing} from ${e.status} to ${input.status}`, { reason: 'stateTransition', execution: e });
    }
    const after = this.timed(job, e, this.started(e, input.status, details, input.stepTimeoutInMinutes));
    await this.apply(job, e, after);
    return { execution: after, job: this.shown(job) };
  }

  /** The changed execution with the deadline the timeout policies give it. */
  private timed(job: JobRecord, before: ExecutionRecord, after: ExecutionRecord): ExecutionRecord {
    if (!this.deadline) return after;
    const { timeoutAt: _old, ...rest } = after;
    const timeoutAt = this.deadline(job, before, after);
    return timeoutAt === undefined ? rest : { ...rest, timeoutAt };
  }

  private started(e: ExecutionRecord, to: ExecutionStatus, details: Record<string, string> | undefined, stepTimeout: number | undefined): ExecutionRecord {
    const now = this.clock.now();
    const { stepTimeoutInMinutes: _old, ...rest } = e;
    const step = stepTimeout === undefined ? e.stepTimeoutInMinutes : stepTimeout === -1 ? undefined : stepTimeout;
    return {
      ...rest, status: to, versionNumber: e.versionNumber + 1, lastUpdatedAt: now,
      ...(e.status === 'QUEUED' && to === 'IN_PROGRESS' ? { startedAt: now } : {}),
      ...(details !== undefined ? { statusDetails: details } : {}),
      ...(step !== undefined ? { stepTimeoutInMinutes: step } : {}),
    };
  }
}

function notFound(jobId: string, thing: string): EngineError {
  return new EngineError('NotFound', `Job execution of ${jobId} on thing ${thing} does not exist`);
}

function checkDetails(details: unknown): Record<string, string> {
  const problem = statusDetailsProblem(details);
  if (problem) throw invalid(problem);
  return details as Record<string, string>;
}

function checkStepTimeout(minutes: number | undefined): void {
  if (minutes === undefined) return;
  if (!Number.isSafeInteger(minutes) || (minutes !== -1 && (minutes < 1 || minutes > MAX_STEP_MINUTES))) {
    throw invalid(`stepTimeoutInMinutes must be between 1 and ${MAX_STEP_MINUTES}, or -1 to cancel the current step timer`);
  }
}
