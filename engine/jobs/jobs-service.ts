/**
 * AWS IoT Jobs [DG:iot-jobs]: jobs sent to things and thing groups, their executions and AWS's execution state
 * machine, for the control plane (CreateJob, CancelJob, …), the device API over MQTT (`device-topics.ts`) and the Jobs
 * data-plane HTTP API. Every change is durable before the call resolves; notify / notify-next and the jobs events
 * follow it (`job-notices.ts`).
 *
 * Extension points (rollouts, aborts, timeouts, retries):
 * - `opts.admit(job, things)` says which new executions devices may see now; the others are held (invisible to
 *   devices, listings and counts, as AWS has not created them yet) until `release(jobId, things)`.
 * - `events` `terminal` fires when an execution reaches a terminal status (abort evaluation); `changed` on every change.
 * - `serviceTransition()` moves a pending execution to TIMED_OUT, REMOVED or CANCELED; `requeue()` starts a new
 *   execution number (a retry); `setTimeoutAt()` records a deadline DescribeJobExecution reports.
 * - The job record keeps `jobExecutionsRolloutConfig`, `abortConfig`, `timeoutConfig`, `jobExecutionsRetryConfig`,
 *   `presignedUrlConfig`, `documentSource`, `jobTemplateArn` and `documentParameters` as given.
 *
 * LIMITATIONS:
 * - Namespaces, tags and package versions are stored or ignored, not acted on; `documentSource` needs a resolver
 *   (`opts.documentFromSource`), else CreateJob refuses it. Policies, job templates and presigned URLs are applied
 *   through `opts.prepare`, `opts.admit` and `opts.shown` (engine/jobs/job-rollouts.ts, job-preparation.ts).
 * - DELETION_IN_PROGRESS and cancellation are immediate: both events of each pair are published at once.
 * - A device may move a QUEUED execution straight to SUCCEEDED, FAILED or REJECTED, as AWS allows.
 * - A deleted thing's pending executions become REMOVED; a thing that leaves a CONTINUOUS job's group keeps its
 *   execution (AWS does not document that case).
 */
import { EngineError, TypedEmitter, iotArn, type Clock, type Disposable, type Service } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { isTerminal, serviceMayMove } from './execution-state.js';
import { checkComment, checkDescription, checkDetails, checkDocument, checkExecutionStatus, checkJobId, checkReasonCode, configObject, notFoundExecution, MAX_TARGETS } from './job-input.js';
import { resolveTargets } from './job-targets.js';
import type { CreateJobInput, JobsEvents, JobsOptions, JobsPort, JobTargets } from './jobs-service-types.js';
import { JobNotices } from './job-notices.js';
import { JobStore, type Page } from './job-store.js';
import type { ExecutionRecord, ExecutionStatus, JobCounts, JobPolicies, JobRecord, JobStatus, TargetSelection } from './job-types.js';
import { DeviceJobs } from './device-jobs.js';
import { JobTopics } from './device-topics.js';

const invalid = (message: string) => new EngineError('InvalidInput', message);
const transition = (message: string, e?: ExecutionRecord) => new EngineError('Conflict', message, { reason: 'stateTransition', ...(e ? { execution: e } : {}) });
const POLICY_KEYS = ['presignedUrlConfig', 'jobExecutionsRolloutConfig', 'abortConfig', 'timeoutConfig', 'jobExecutionsRetryConfig', 'schedulingConfig'] as const;

export class JobsService implements Service {
  readonly name = 'jobs';
  readonly events = new TypedEmitter<JobsEvents>();
  readonly device: DeviceJobs;
  private readonly db: JobStore;
  private readonly notices: JobNotices;
  private readonly topics: JobTopics;
  private membership: Disposable | undefined;
  private thingDeletions: Disposable | undefined;

  constructor(store: Store, private readonly targets: JobTargets, port: JobsPort, private readonly clock: Clock, private readonly opts: JobsOptions) {
    this.db = new JobStore(store);
    this.notices = new JobNotices(this.db, port, opts.eventsEnabled, () => clock.now(), opts.logger, opts.shown);
    this.device = new DeviceJobs(this.db, clock, (job, before, after) => this.apply(job, before, after), opts.shown, opts.deadline);
    this.topics = new JobTopics(this.device, port, () => clock.now(), opts.logger);
  }

  async start(): Promise<void> {
    this.topics.start();
    this.membership = this.targets.onMembership?.((changes) => {
      for (const c of changes) if (c.change === 'added') void this.addContinuousTarget(c.group, c.thing);
    });
    this.thingDeletions = this.targets.onThingDeleted?.((thing) => void this.removeThing(thing));
  }

  async stop(): Promise<void> {
    this.topics.stop();
    this.membership?.dispose();
    this.thingDeletions?.dispose();
    this.membership = this.thingDeletions = undefined;
  }

  // ── jobs ──

  /** CreateJob: resolves the targets to things now (SNAPSHOT) and queues one execution per thing. */
  async createJob(jobId: string, given: CreateJobInput): Promise<JobRecord> {
    checkJobId(jobId);
    const input = this.opts.prepare ? this.opts.prepare(given) : given;
    checkDescription(input.description);
    if (input.document !== undefined && input.documentSource !== undefined) throw invalid('Only one of document and documentSource can be specified');
    if (input.document === undefined && input.documentSource === undefined) throw invalid('Either document or documentSource must be specified');
    let document = input.document;
    if (document === undefined && input.documentSource !== undefined) {
      if (!this.opts.documentFromSource) throw invalid(`Thingbench cannot read job documents from a documentSource yet: ${input.documentSource}`);
      document = await this.opts.documentFromSource(input.documentSource);
    }
    checkDocument(document as string);
    const targetSelection = input.targetSelection ?? 'SNAPSHOT';
    if (targetSelection !== 'SNAPSHOT' && targetSelection !== 'CONTINUOUS') throw invalid(`Invalid targetSelection: ${String(targetSelection)}. Valid values are SNAPSHOT and CONTINUOUS`);
    for (const k of POLICY_KEYS) configObject(input[k], k);
    const things = resolveTargets(this.targets, input.targets);
    if (this.db.job(jobId)) throw new EngineError('AlreadyExists', `Job with id ${jobId} already exists`, { resourceId: jobId, resourceArn: iotArn(`job/${jobId}`) });
    const now = this.clock.now();
    const job: JobRecord = {
      jobId, jobArn: iotArn(`job/${jobId}`), status: 'IN_PROGRESS', targetSelection, targets: [...input.targets], document,
      ...(input.documentSource !== undefined ? { documentSource: input.documentSource } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.jobTemplateArn !== undefined ? { jobTemplateArn: input.jobTemplateArn } : {}),
      ...(input.documentParameters !== undefined ? { documentParameters: input.documentParameters } : {}),
      ...(input.namespaceId !== undefined ? { namespaceId: input.namespaceId } : {}),
      ...(input.destinationPackageVersions !== undefined ? { destinationPackageVersions: input.destinationPackageVersions } : {}),
      ...Object.fromEntries(POLICY_KEYS.filter((k) => input[k] !== undefined).map((k) => [k, input[k]])),
      createdAt: now, lastUpdatedAt: now,
    };
    const snapshot = this.notices.before(things);
    const created = this.queue(job, things, true);
    await this.db.write([this.db.putJob(job, this.db.nextSeq()), ...created.map((e) => this.db.putExecution(e))]);
    this.events.emit('job', { job, change: 'created' });
    for (const e of created) this.events.emit('changed', { job, after: e });
    this.notices.after(snapshot);
    await this.maybeComplete(job.jobId);
    return this.requireJob(jobId);
  }

  /** The job's record alone (describeJob also counts its executions). */
  job(jobId: string): JobRecord {
    return this.requireJob(jobId);
  }

  describeJob(jobId: string): { job: JobRecord; counts: JobCounts } {
    const job = this.requireJob(jobId);
    return { job, counts: this.db.counts(jobId) };
  }

  jobDocument(jobId: string): string {
    const job = this.requireJob(jobId);
    return job.document ?? '';
  }

  listJobs(filter: { status?: JobStatus; targetSelection?: TargetSelection; thingGroupName?: string }, limit: number, after?: string): Page<JobRecord> {
    const target = filter.thingGroupName !== undefined ? iotArn(`thinggroup/${filter.thingGroupName}`) : undefined;
    return this.db.listJobs({ status: filter.status, targetSelection: filter.targetSelection, target }, limit, after);
  }

  /** UpdateJob: the description and the policies given replace the stored ones. */
  async updateJob(jobId: string, patch: Partial<JobPolicies> & { description?: string }): Promise<JobRecord> {
    checkDescription(patch.description);
    for (const k of POLICY_KEYS) configObject(patch[k], k);
    this.opts.checkPolicies?.(patch);
    const job = this.requireJob(jobId);
    if (job.status === 'DELETION_IN_PROGRESS') throw transition(`Job ${jobId} is being deleted`);
    const updated: JobRecord = { ...job, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)), lastUpdatedAt: this.clock.now() };
    await this.db.write([this.db.putJob(updated)]);
    this.events.emit('job', { job: updated, change: 'updated' });
    return updated;
  }

  /**
   * CancelJob: QUEUED executions become CANCELED; IN_PROGRESS ones too with `force`, otherwise they may still finish.
   * A canceled job can be canceled again with `force` to cancel the executions still in progress.
   */
  async cancelJob(jobId: string, opts: { force?: boolean; reasonCode?: string; comment?: string }): Promise<JobRecord> {
    checkReasonCode(opts.reasonCode);
    checkComment(opts.comment);
    const job = this.requireJob(jobId);
    const force = opts.force === true;
    if (job.status === 'COMPLETED') throw transition(`Cannot cancel job ${jobId}: it is COMPLETED`);
    if (job.status === 'DELETION_IN_PROGRESS') throw transition(`Cannot cancel job ${jobId}: it is being deleted`);
    if (job.status === 'CANCELED' && (!force || job.forceCanceled)) throw transition(`Job ${jobId} is already canceled${force ? ' with force' : ''}`);
    const now = this.clock.now();
    const canceled: JobRecord = {
      ...job, status: 'CANCELED', forceCanceled: force || job.forceCanceled === true, lastUpdatedAt: now, completedAt: job.completedAt ?? now,
      ...(opts.reasonCode !== undefined ? { reasonCode: opts.reasonCode } : {}), ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
    };
    this.notices.job(canceled, 'cancellation_in_progress');
    const executions = this.db.executionsOfJob(jobId, true).filter((e) => serviceMayMove(e.status, 'CANCELED', force));
    const changes = executions.map((e) => ({ before: e, after: this.moved(e, 'CANCELED', now, { forceCanceled: e.status === 'IN_PROGRESS' }) }));
    const snapshot = this.notices.before(new Set(executions.map((e) => e.thingName)));
    await this.db.write([this.db.putJob(canceled), ...changes.map((c) => this.db.putExecution(c.after))]);
    this.announce(canceled, changes, snapshot);
    this.notices.job(canceled, 'canceled');
    this.events.emit('job', { job: canceled, change: 'canceled' });
    return canceled;
  }

  /** DeleteJob: an IN_PROGRESS job, or one with executions in progress, needs `force`. */
  async deleteJob(jobId: string, force = false): Promise<void> {
    const job = this.requireJob(jobId);
    const all = this.db.executionsOfJob(jobId, true);
    if (!force && job.status === 'IN_PROGRESS') throw transition(`Cannot delete job ${jobId}: it is IN_PROGRESS. Use force to delete it`);
    if (!force && all.some((e) => e.status === 'IN_PROGRESS')) throw transition(`Cannot delete job ${jobId}: it has executions IN_PROGRESS. Use force to delete it`);
    const deleting: JobRecord = { ...job, status: 'DELETION_IN_PROGRESS', lastUpdatedAt: this.clock.now() };
    this.notices.job(deleting, 'deletion_in_progress');
    const snapshot = this.notices.before(new Set(all.map((e) => e.thingName)));
    await this.db.write(this.db.deleteJob(jobId));
    for (const e of all) this.events.emit('changed', { job: deleting, before: e });
    this.notices.after(snapshot);
    this.notices.job(deleting, 'deleted');
    this.events.emit('job', { job: deleting, change: 'deleted' });
  }

  /** AssociateTargetsWithJob: more targets for a CONTINUOUS job IN_PROGRESS (at most 100 in all). */
  async associateTargets(jobId: string, targets: string[], comment?: string): Promise<JobRecord> {
    checkComment(comment);
    const job = this.requireJob(jobId);
    if (job.targetSelection !== 'CONTINUOUS') throw invalid(`Job ${jobId} is not a CONTINUOUS job: targets can be associated only with a CONTINUOUS job`);
    if (job.status !== 'IN_PROGRESS') throw invalid(`Job ${jobId} is ${job.status}: targets can be associated only with a job IN_PROGRESS`);
    const added = targets.filter((t) => !job.targets.includes(t));
    if (job.targets.length + added.length > MAX_TARGETS) throw new EngineError('InvalidInput', `A job can have at most ${MAX_TARGETS} targets`, { reason: 'limitExceeded' });
    const things = resolveTargets(this.targets, targets);
    const updated: JobRecord = { ...job, targets: [...job.targets, ...added], lastUpdatedAt: this.clock.now(), ...(comment !== undefined ? { comment } : {}) };
    const have = this.db.thingsOf(jobId);
    const fresh = things.filter((t) => !have.has(t));
    const snapshot = this.notices.before(fresh);
    const created = this.queue(updated, fresh, true);
    await this.db.write([this.db.putJob(updated), ...created.map((e) => this.db.putExecution(e))]);
    for (const e of created) this.events.emit('changed', { job: updated, after: e });
    this.notices.after(snapshot);
    this.events.emit('job', { job: updated, change: 'updated' });
    return updated;
  }

  // ── executions (control plane) ──

  describeExecution(jobId: string, thing: string, executionNumber?: number): { execution: ExecutionRecord; job: JobRecord } {
    const job = this.db.job(jobId);
    const e = job && this.db.execution(jobId, thing, executionNumber);
    if (!job || !e) throw notFoundExecution(jobId, thing);
    return { execution: e, job };
  }

  listExecutionsForJob(jobId: string, status: ExecutionStatus | undefined, limit: number, after?: string): Page<ExecutionRecord> {
    this.requireJob(jobId);
    return this.db.listForJob(jobId, checkExecutionStatus(status), limit, after);
  }

  listExecutionsForThing(thing: string, filter: { status?: ExecutionStatus; jobId?: string }, limit: number, after?: string): Page<ExecutionRecord> {
    return this.db.listForThing(thing, { ...filter, status: checkExecutionStatus(filter.status) }, limit, after);
  }

  /** CancelJobExecution: a QUEUED execution, or an IN_PROGRESS one with `force`. */
  async cancelExecution(jobId: string, thing: string, opts: { force?: boolean; expectedVersion?: number; statusDetails?: Record<string, string> }): Promise<void> {
    if (opts.statusDetails !== undefined) checkDetails(opts.statusDetails);
    const { execution: e } = this.describeExecution(jobId, thing);
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== e.versionNumber) {
      throw new EngineError('Conflict', `The expected version ${opts.expectedVersion} does not match the job execution's version ${e.versionNumber}`, { reason: 'version', execution: e });
    }
    if (isTerminal(e.status)) throw transition(`Job execution of ${jobId} on ${thing} is ${e.status} and cannot be canceled`, e);
    if (e.status === 'IN_PROGRESS' && opts.force !== true) throw transition(`Job execution of ${jobId} on ${thing} is IN_PROGRESS: cancel it with force`, e);
    await this.serviceTransition(jobId, thing, 'CANCELED', { force: true, statusDetails: opts.statusDetails });
  }

  /** DeleteJobExecution: a terminal execution, or any with `force`. */
  async deleteExecution(jobId: string, thing: string, executionNumber: number, force = false): Promise<void> {
    const job = this.requireJob(jobId);
    const e = this.db.execution(jobId, thing, executionNumber);
    if (!e) throw notFoundExecution(jobId, thing);
    if (!isTerminal(e.status) && !force) throw transition(`Job execution of ${jobId} on ${thing} is ${e.status}: only a job execution in a terminal state can be deleted without force`, e);
    const snapshot = this.notices.before([thing]);
    await this.db.write([this.db.deleteExecution(e)]);
    this.events.emit('changed', { job, before: e });
    this.notices.after(snapshot);
    this.notices.execution(e, 'deleted');
    await this.maybeComplete(jobId);
  }

  // ── extension points (rollout, timeouts, retries) ──

  /** Makes held executions visible to devices (a rollout's next step). */
  async release(jobId: string, things: string[]): Promise<void> {
    const job = this.requireJob(jobId);
    const held = things.map((t) => this.db.execution(jobId, t, undefined, true)).filter((e): e is ExecutionRecord => !!e && !e.visible);
    if (held.length === 0) return;
    const snapshot = this.notices.before(held.map((e) => e.thingName));
    const released = held.map((e) => ({ ...e, visible: true, queuedAt: this.clock.now(), lastUpdatedAt: this.clock.now() }));
    await this.db.write(released.map((e) => this.db.putExecution(e)));
    for (const e of released) this.events.emit('changed', { job, before: { ...e, visible: false }, after: e });
    this.notices.after(snapshot);
  }

  /** The service moves a pending execution to TIMED_OUT, REMOVED or CANCELED. */
  async serviceTransition(jobId: string, thing: string, to: 'TIMED_OUT' | 'REMOVED' | 'CANCELED', opts: { force?: boolean; statusDetails?: Record<string, string> } = {}): Promise<ExecutionRecord> {
    const job = this.requireJob(jobId);
    const e = this.db.execution(jobId, thing, undefined, true);
    if (!e) throw notFoundExecution(jobId, thing);
    if (!serviceMayMove(e.status, to, opts.force ?? to !== 'CANCELED')) throw transition(`Job execution of ${jobId} on ${thing} cannot move from ${e.status} to ${to}`, e);
    const after = this.moved(e, to, this.clock.now(), { forceCanceled: to === 'CANCELED' && e.status === 'IN_PROGRESS', statusDetails: opts.statusDetails });
    await this.apply(job, e, after);
    return after;
  }

  /** A new execution number for a thing whose last execution is terminal (a retry); visible unless `held`. */
  async requeue(jobId: string, thing: string, held = false): Promise<ExecutionRecord> {
    const job = this.requireJob(jobId);
    const last = this.db.execution(jobId, thing, undefined, true);
    if (last && !isTerminal(last.status)) throw transition(`Job execution of ${jobId} on ${thing} is still ${last.status}`, last);
    const [e] = this.queue(job, [thing], false, last ? last.executionNumber + 1 : 1);
    const fresh = { ...e, visible: !held };
    const snapshot = this.notices.before([thing]);
    const reopened: JobRecord = job.status === 'COMPLETED' ? { ...job, status: 'IN_PROGRESS', completedAt: undefined } : job;
    await this.db.write([...(reopened !== job ? [this.db.putJob(reopened)] : []), this.db.putExecution(fresh)]);
    this.events.emit('changed', { job: reopened, after: fresh });
    this.notices.after(snapshot);
    return fresh;
  }

  /** Records the deadline a timeout policy set for an execution (reported as approximateSecondsBeforeTimedOut). */
  async setTimeoutAt(jobId: string, thing: string, timeoutAt: number | undefined): Promise<void> {
    const e = this.db.execution(jobId, thing, undefined, true);
    if (!e) throw notFoundExecution(jobId, thing);
    await this.db.write([this.db.putExecution({ ...e, timeoutAt })]);
  }

  /** Executions of a job, held ones included (for the rollout and the UI). */
  executionsOf(jobId: string, includeHeld = false): ExecutionRecord[] {
    return this.db.executionsOfJob(jobId, includeHeld);
  }

  /** Jobs IN_PROGRESS, oldest first. */
  jobsInProgress(): JobRecord[] {
    return this.db.jobsInProgress();
  }

  // ── internals ──

  /** Writes one execution's change, then tells the listeners, devices and watchers; completes the job if it is done. */
  private async apply(job: JobRecord, before: ExecutionRecord, after: ExecutionRecord): Promise<void> {
    const snapshot = this.notices.before([after.thingName]);
    await this.db.write([this.db.putExecution(after)]);
    this.announce(job, [{ before, after }], snapshot);
    // Only an execution that just ended can complete its job (spares a count per progress report).
    if (isTerminal(after.status)) await this.maybeComplete(job.jobId);
  }

  private announce(job: JobRecord, changes: { before: ExecutionRecord; after: ExecutionRecord }[], snapshot: Map<string, string[]>): void {
    for (const c of changes) this.events.emit('changed', { job, before: c.before, after: c.after });
    this.notices.after(snapshot);
    for (const c of changes) {
      if (!isTerminal(c.after.status) || isTerminal(c.before.status)) continue;
      if (c.after.visible) this.notices.execution(c.after);
      this.events.emit('terminal', { job, execution: c.after });
    }
  }

  /** A SNAPSHOT job IN_PROGRESS whose executions are all terminal (held ones count as unfinished) is COMPLETED. */
  private async maybeComplete(jobId: string): Promise<void> {
    const job = this.db.job(jobId);
    if (!job || job.status !== 'IN_PROGRESS' || job.targetSelection !== 'SNAPSHOT' || this.db.unfinished(jobId) > 0) return;
    const now = this.clock.now();
    const done: JobRecord = { ...job, status: 'COMPLETED', completedAt: now, lastUpdatedAt: now };
    await this.db.write([this.db.putJob(done)]);
    this.notices.job(done, 'completed');
    this.events.emit('job', { job: done, change: 'completed' });
  }

  private moved(e: ExecutionRecord, to: ExecutionStatus, now: number, opts: { forceCanceled?: boolean; statusDetails?: Record<string, string> }): ExecutionRecord {
    return {
      ...e, status: to, versionNumber: e.versionNumber + 1, lastUpdatedAt: now, forceCanceled: opts.forceCanceled === true,
      ...(opts.statusDetails !== undefined ? { statusDetails: opts.statusDetails } : {}),
    };
  }

  /** New QUEUED executions of `job` for `things` (the admitted ones visible when `admit`). */
  private queue(job: JobRecord, things: string[], admit: boolean, executionNumber = 1): ExecutionRecord[] {
    const now = this.clock.now();
    const visible = new Set(admit && this.opts.admit ? this.opts.admit(job, things) : things);
    return things.map((thingName) => ({
      jobId: job.jobId, thingName, executionNumber, status: 'QUEUED', versionNumber: 1, statusDetails: {}, queuedAt: now, lastUpdatedAt: now,
      forceCanceled: false, visible: visible.has(thingName), seq: this.db.nextSeq(),
    }));
  }

  /** A thing joined a group: CONTINUOUS jobs IN_PROGRESS that target the group queue an execution for it. */
  private async addContinuousTarget(group: string, thing: string): Promise<void> {
    const arn = iotArn(`thinggroup/${group}`);
    for (const job of this.db.jobsInProgress()) {
      if (job.targetSelection !== 'CONTINUOUS' || !job.targets.includes(arn)) continue;
      const last = this.db.execution(job.jobId, thing, undefined, true);
      if (last && !isTerminal(last.status)) continue;
      try {
        if (last) await this.requeue(job.jobId, thing);
        else {
          const snapshot = this.notices.before([thing]);
          const created = this.queue(job, [thing], true);
          await this.db.write(created.map((e) => this.db.putExecution(e)));
          for (const e of created) this.events.emit('changed', { job, after: e });
          this.notices.after(snapshot);
        }
      } catch (e) {
        this.opts.logger.log('warn', 'jobs', `job ${job.jobId}: could not queue an execution for ${thing}, new in ${group}: ${(e as Error).message}`);
      }
    }
  }

  /** A deleted thing's pending executions become REMOVED [DG:iot-jobs-lifecycle]. */
  private async removeThing(thing: string): Promise<void> {
    for (const e of this.db.pending(thing, true)) {
      try {
        await this.serviceTransition(e.jobId, thing, 'REMOVED');
      } catch (err) {
        this.opts.logger.log('warn', 'jobs', `job ${e.jobId}: could not remove the execution of deleted thing ${thing}: ${(err as Error).message}`);
      }
    }
  }

  private requireJob(jobId: string): JobRecord {
    const job = this.db.job(jobId);
    if (!job) throw new EngineError('NotFound', `Job ${jobId} does not exist`);
    return job;
  }
}
