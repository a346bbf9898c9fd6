/**
 * The contract's `jobs.changed` event: the ids of the jobs whose status, or whose executions' status, changed (through
 * the AWS API, a device, a rollout, a timeout or the UI alike), coalesced to at most one event per 250 ms, so the Jobs
 * view reads again what changed instead of polling every list.
 */
import type { JobsChanged } from '../contract/index.js';
import type { Disposable, Service, TypedEmitter } from '../core/index.js';
import type { JobsEvents } from './jobs-service-types.js';

const INTERVAL_MS = 250;

export class JobChanges implements Service {
  readonly name = 'job-changes';
  private readonly pending = new Set<string>();
  private subscriptions: Disposable[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly events: TypedEmitter<JobsEvents>, private readonly emit: (e: JobsChanged) => void, private readonly intervalMs = INTERVAL_MS) {}

  async start(): Promise<void> {
    this.subscriptions = [
      this.events.on('job', (e) => this.add(e.job.jobId)),
      this.events.on('changed', (e) => { if (e.before?.status !== e.after?.status) this.add(e.job.jobId); }),
    ];
  }

  async stop(): Promise<void> {
    this.subscriptions.forEach((s) => s.dispose());
    this.subscriptions = [];
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private add(jobId: string): void {
    this.pending.add(jobId);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs).unref();
  }

  private flush(): void {
    this.timer = undefined;
    const jobIds = [...this.pending];
    this.pending.clear();
    if (jobIds.length) this.emit({ jobIds });
  }
}
