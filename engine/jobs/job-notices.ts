/**
 * What devices and watchers are told after a change: `$aws/things/{thing}/jobs/notify` when an execution joins or
 * leaves the thing's pending list, `…/jobs/notify-next` when its next pending execution changes [DG:jobs-mqtt-api],
 * and the jobs events when enabled. A change takes a snapshot of the things' pending lists before it is written
 * (`before`) and publishes what differs once it is durable (`after`).
 */
import type { Logger } from '../core/index.js';
import { deviceExecution, deviceExecutionSummary, epochSeconds } from './device-shapes.js';
import { executionEvent, executionEventTopic, executionOperation, jobEvent, jobEventTopic, type ExecutionOperation, type JobOperation } from './job-events.js';
import type { JobStore } from './job-store.js';
import type { ExecutionRecord, JobRecord } from './job-types.js';

/** How the jobs module publishes: engine-origin messages (fire and forget; failures are logged by the publisher). */
export interface JobsPublisher {
  publish(topic: string, body: object): void;
}

export type EventKind = 'JOB' | 'JOB_EXECUTION';

const key = (e: ExecutionRecord) => `${e.jobId}\u0000${e.executionNumber}`;

export class JobNotices {
  constructor(
    private readonly db: JobStore,
    private readonly pub: JobsPublisher,
    private readonly eventsEnabled: (kind: EventKind) => boolean,
    private readonly now: () => number,
    private readonly logger: Logger,
    /** The job as a device receives it (presigned URLs filled in); the stored job otherwise. */
    private readonly shown: (job: JobRecord) => JobRecord = (job) => job,
  ) {}

  /** The pending lists of `things` now; pass the result to `after` once the change is durable. */
  before(things: Iterable<string>): Map<string, string[]> {
    const snap = new Map<string, string[]>();
    for (const t of things) snap.set(t, this.db.pending(t).map(key));
    return snap;
  }

  /** Publishes notify / notify-next for every thing whose pending list or next execution changed. */
  after(snapshot: Map<string, string[]>): void {
    for (const [thing, was] of snapshot) {
      const pending = this.db.pending(thing);
      const now = pending.map(key);
      const changedSet = was.length !== now.length || new Set([...was, ...now]).size !== now.length;
      if (changedSet) this.notify(thing, pending);
      if ((was[0] ?? '') !== (now[0] ?? '')) this.notifyNext(thing, pending[0]);
    }
  }

  private notify(thing: string, pending: ExecutionRecord[]): void {
    const jobs: Record<string, unknown[]> = {};
    for (const e of pending) (jobs[e.status] ??= []).push(deviceExecutionSummary(e));
    this.pub.publish(`$aws/things/${thing}/jobs/notify`, { timestamp: epochSeconds(this.now()), jobs });
  }

  private notifyNext(thing: string, next: ExecutionRecord | undefined): void {
    const stored = next && this.db.job(next.jobId);
    const job = stored && this.shown(stored);
    this.pub.publish(`$aws/things/${thing}/jobs/notify-next`, {
      timestamp: epochSeconds(this.now()),
      ...(next ? { execution: deviceExecution(next, job, { includeJobDocument: true, now: this.now() }) } : {}),
    });
  }

  /** The JOB_EXECUTION event of an execution's new terminal status (or `deleted`), when enabled. */
  execution(e: ExecutionRecord, op: ExecutionOperation | undefined = executionOperation(e)): void {
    if (!op || !this.eventsEnabled('JOB_EXECUTION')) return;
    this.pub.publish(executionEventTopic(e.jobId, op), executionEvent(e, op, this.now()));
  }

  /** The JOB event, when enabled. */
  job(job: JobRecord, op: JobOperation): void {
    if (!this.eventsEnabled('JOB')) return;
    this.pub.publish(jobEventTopic(job.jobId, op), jobEvent(job, op, this.db.counts(job.jobId), this.now()));
    this.logger.log('debug', 'jobs', `job ${job.jobId}: ${op}`);
  }
}
