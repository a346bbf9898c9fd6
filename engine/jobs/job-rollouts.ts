/**
 * What makes a job a rollout, run against the jobs service's extension points: the rollout rate decides which new
 * executions devices see now (`admit`) and releases the held ones minute by minute; an IN_PROGRESS execution past its
 * in-progress or step deadline becomes TIMED_OUT; a FAILED or TIMED_OUT execution is retried as a new execution
 * number while the retry policy allows; the job is canceled once an abort criterion is met; and a job document's
 * presigned-URL placeholders become URLs of the local S3 each time a device receives it. Deadlines and rates are
 * compared with the engine's clock in a sweep on a short unref'd interval (`sweep()` runs one at once).
 *
 * LIMITATIONS:
 * - A rollout's rate and minute window live in memory: after a restart the rollout goes on at its base rate.
 * - A step timer restarts when the device names a different `stepTimeoutInMinutes` (or starts the execution); naming
 *   the same value again does not restart it.
 * - Timeouts are swept for jobs IN_PROGRESS only (not for executions left IN_PROGRESS by a canceled job).
 * - The sweep runs every second: a deadline is met up to a second late (AWS says up to 60 seconds).
 */
import type { Clock, Disposable, Logger, Service } from '../core/index.js';
import { abortComment, abortCriterionMet, ABORT_REASON_CODE } from './abort-criteria.js';
import { deadlineOf, inProgressDeadline } from './execution-deadlines.js';
import type { AbortConfig, RetryConfig, RolloutConfig, TimeoutConfig } from './job-policies.js';
import type { ExecutionRecord, JobRecord } from './job-types.js';
import type { JobsService } from './jobs-service.js';
import { DEFAULT_PRESIGNED_EXPIRY_S, resolvePresignedUrls, type Presigner } from './presigned-urls.js';
import { shouldRetry } from './retry-policy.js';
import { JobTally } from './job-tallies.js';
import { isPaced, recordNotified, rolloutAllowance, startRollout, type RolloutState } from './rollout-pacer.js';

const MINUTE = 60_000;

export type RolloutJobs = Pick<JobsService, 'events' | 'job' | 'release' | 'serviceTransition' | 'requeue' | 'executionsOf' | 'jobsInProgress' | 'cancelJob'>;

export interface JobRolloutOptions {
  logger: Logger;
  presigner: Presigner;
  /** The sweep's interval (ms); 1000 by default. */
  sweepMs?: number;
}

const rolloutOf = (job: JobRecord) => job.jobExecutionsRolloutConfig as RolloutConfig | undefined;
const key = (e: Pick<ExecutionRecord, 'jobId' | 'thingName' | 'executionNumber'>) => `${e.jobId}\u0000${e.thingName}\u0000${e.executionNumber}`;

export class JobRollouts implements Service {
  readonly name = 'job-rollouts';
  private readonly states = new Map<string, RolloutState>();
  /** Per job, what its executions' endings need (outcomes, retry histories, progress), kept up to date in memory. */
  private readonly tallies = new Map<string, JobTally>();
  /** When each execution's step timer runs out (epoch ms), by execution. */
  private readonly stepDeadlines = new Map<string, number>();
  private subscriptions: Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  /** Terminal executions are handled one at a time, in order (retry, then abort). */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly jobs: () => RolloutJobs, private readonly clock: Clock, private readonly opts: JobRolloutOptions) {}

  async start(): Promise<void> {
    const events = this.jobs().events;
    this.subscriptions = [
      events.on('terminal', (t) => { this.chain = this.chain.then(() => this.onTerminal(t.job, t.execution)).catch((e: Error) => this.warn(t.job.jobId, e)); }),
      events.on('changed', (c) => this.tallies.get(c.job.jobId)?.change(c.before, c.after)),
      events.on('job', (j) => {
        if (j.change !== 'deleted') return;
        this.states.delete(j.job.jobId);
        this.tallies.delete(j.job.jobId);
      }),
    ];
    this.timer = setInterval(() => void this.sweep(), this.opts.sweepMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [];
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
    await this.chain;
  }

  /** The jobs service's `admit`: which of a job's new executions devices see now under its rollout rate. */
  admit(job: JobRecord, things: string[]): string[] {
    const config = rolloutOf(job);
    if (!isPaced(config)) return things;
    const now = this.clock.now();
    const { state, allowed } = rolloutAllowance(config, this.states.get(job.jobId) ?? startRollout(config, now), now, this.progress(job.jobId));
    const admitted = things.slice(0, allowed);
    this.states.set(job.jobId, recordNotified(state, admitted.length));
    return admitted;
  }

  /** The job as a device receives it: presigned-URL placeholders replaced by URLs valid for `expiresInSec`. */
  shown(job: JobRecord): JobRecord {
    if (job.document === undefined) return job;
    const expires = (job.presignedUrlConfig as { expiresInSec?: number } | undefined)?.expiresInSec ?? DEFAULT_PRESIGNED_EXPIRY_S;
    const document = resolvePresignedUrls(job.document, this.opts.presigner, expires);
    return document === job.document ? job : { ...job, document };
  }

  /** One pass: releases what the rollout rates allow now and times out executions past their deadlines. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => { this.sweeping = undefined; });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const now = this.clock.now();
    for (const job of this.jobs().jobsInProgress()) {
      try {
        await this.releaseAllowed(job, now);
        await this.timeOut(job, now);
      } catch (e) {
        this.warn(job.jobId, e as Error);
      }
    }
  }

  private async releaseAllowed(job: JobRecord, now: number): Promise<void> {
    const config = rolloutOf(job);
    if (!isPaced(config)) return;
    const held = this.jobs().executionsOf(job.jobId, true).filter((e) => !e.visible && e.status === 'QUEUED').sort((a, b) => a.seq - b.seq);
    if (!held.length) return;
    const progress = this.progress(job.jobId);
    const start = this.states.get(job.jobId) ?? { ...startRollout(config, now), countAtIncrease: config.exponentialRate?.rateIncreaseCriteria.numberOfNotifiedThings !== undefined ? progress.notified : progress.succeeded };
    const { state, allowed } = rolloutAllowance(config, start, now, progress);
    const released = held.slice(0, allowed).map((e) => e.thingName);
    this.states.set(job.jobId, recordNotified(state, released.length));
    if (released.length) await this.jobs().release(job.jobId, released);
  }

  private async timeOut(job: JobRecord, now: number): Promise<void> {
    for (const e of this.jobs().executionsOf(job.jobId)) {
      if (e.status !== 'IN_PROGRESS' || e.timeoutAt === undefined || e.timeoutAt > now) continue;
      await this.jobs().serviceTransition(job.jobId, e.thingName, 'TIMED_OUT');
      this.opts.logger.log('info', 'jobs', `job ${job.jobId}: the execution on ${e.thingName} timed out`);
    }
  }

  /**
   * The jobs service's `deadline`: when an execution a device just changed times out (the in-progress timer from its
   * start, the step timer from the call that set it), or undefined when it is not IN_PROGRESS or no timer runs.
   */
  deadline(job: JobRecord, before: ExecutionRecord, after: ExecutionRecord): number | undefined {
    const k = key(after);
    if (after.status !== 'IN_PROGRESS') {
      this.stepDeadlines.delete(k);
      return undefined;
    }
    const now = this.clock.now();
    const started = before.status !== 'IN_PROGRESS';
    if (after.stepTimeoutInMinutes === undefined) this.stepDeadlines.delete(k);
    else if (started || after.stepTimeoutInMinutes !== before.stepTimeoutInMinutes) this.stepDeadlines.set(k, now + after.stepTimeoutInMinutes * MINUTE);
    const timeout = (job.timeoutConfig as TimeoutConfig | undefined)?.inProgressTimeoutInMinutes;
    // After a restart the step timer is known only as the deadline kept on the execution.
    const step = this.stepDeadlines.get(k) ?? (after.stepTimeoutInMinutes !== undefined ? before.timeoutAt : undefined);
    return deadlineOf({ inProgressDeadline: inProgressDeadline(after.startedAt ?? now, timeout), stepDeadline: step });
  }

  private async onTerminal(job: JobRecord, e: ExecutionRecord): Promise<void> {
    this.stepDeadlines.delete(key(e));
    const current = this.jobs().job(job.jobId);
    // A SNAPSHOT job whose last execution just failed may already be COMPLETED: a retry reopens it.
    if (current.status !== 'IN_PROGRESS' && current.status !== 'COMPLETED') return;
    const retry = current.jobExecutionsRetryConfig as RetryConfig | undefined;
    if (!retry && !current.abortConfig) return;
    const tally = this.tally(job.jobId);
    if (shouldRetry(retry, e.status, tally.history(e.thingName, e.executionNumber))) {
      await this.jobs().requeue(job.jobId, e.thingName);
      this.opts.logger.log('info', 'jobs', `job ${job.jobId}: ${e.thingName} ended ${e.status}; retrying as execution ${e.executionNumber + 1}`);
      return;
    }
    if (current.status !== 'IN_PROGRESS') return;
    const counts = { ...tally.outcomes };
    const met = abortCriterionMet(current.abortConfig as AbortConfig | undefined, counts);
    if (!met) return;
    await this.jobs().cancelJob(job.jobId, { reasonCode: ABORT_REASON_CODE, comment: abortComment(met, counts) });
    this.opts.logger.log('info', 'jobs', `job ${job.jobId}: canceled by its abort configuration (${met.failureType} ≥ ${met.thresholdPercentage}%)`);
  }

  /** Things notified so far (visible first executions) and executions succeeded, for the rate-increase criteria. */
  private progress(jobId: string): { notified: number; succeeded: number } {
    return { ...this.tally(jobId).progress };
  }

  /** The job's tally, read from the store the first time (O(executions) once), then kept by `changed` events. */
  private tally(jobId: string): JobTally {
    let t = this.tallies.get(jobId);
    if (!t) this.tallies.set(jobId, (t = new JobTally(this.jobs().executionsOf(jobId, true))));
    return t;
  }

  private warn(jobId: string, e: Error): void {
    this.opts.logger.log('warn', 'jobs', `job ${jobId}: rollout policy step failed: ${e.message}`);
  }
}
