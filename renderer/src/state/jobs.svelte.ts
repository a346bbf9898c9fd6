import {
  RpcError, type JobCancelInput, type JobExecutionInfo, type JobInfo, type JobSummaryInfo, type JobTemplateInfo, type ThingbenchClient,
} from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { poll } from './poll.js';

/** The jobs engine has no change event: the list and the open job are read again this often while shown (live rollouts). */
const REFRESH_MS = 1_000;

/**
 * AWS IoT Jobs as the Jobs view shows them: every job with its counts, the selected job's document, configurations
 * and executions (read again every second while the view is open, so a rollout moves live), and the job templates.
 */
export class JobsStore {
  jobs = $state.raw<readonly JobSummaryInfo[]>([]);
  loaded = $state(false);
  selected = $state<string | null>(null);
  job = $state.raw<JobInfo | null>(null);
  executions = $state.raw<readonly JobExecutionInfo[]>([]);
  /** The engine's NotFound for a selected job that does not exist (any more). */
  missing = $state<string | null>(null);
  templates = $state.raw<readonly JobTemplateInfo[]>([]);
  templatesLoaded = $state(false);

  private seq = 0;

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Follows the jobs and the selected one while the jobs tab is open; returns the stop function. */
  watch(): () => void {
    return poll(() => this.reload(), REFRESH_MS);
  }

  /** Reads the job templates while their tab is open (they change only through the API: no need to hurry). */
  watchTemplates(): () => void {
    return poll(() => this.readTemplates(), 5 * REFRESH_MS);
  }

  async reload(): Promise<void> {
    await Promise.all([
      this.client.jobs.list().then((jobs) => { this.jobs = jobs; }, this.connection.reportError('Could not read the jobs')),
      this.readJob(),
    ]);
    this.loaded = true;
  }

  select(jobId: string | null): void {
    if (jobId === this.selected) return;
    this.selected = jobId;
    this.job = null;
    this.executions = [];
    this.missing = null;
    void this.readJob();
  }

  /** CancelJob; rejects with the engine's refusal (AWS's message). */
  async cancel(jobId: string, input: JobCancelInput): Promise<void> {
    await this.client.jobs.cancel(jobId, input);
    await this.reload();
  }

  /** CancelJobExecution (`force` for one in progress); rejects with the engine's refusal. */
  async cancelExecution(jobId: string, thing: string, force: boolean): Promise<void> {
    await this.client.jobs.cancelExecution(jobId, thing, force);
    await this.reload();
  }

  private async readTemplates(): Promise<void> {
    try {
      this.templates = await this.client.jobs.templates();
    } catch (err) {
      this.connection.reportError('Could not read the job templates')(err);
    }
    this.templatesLoaded = true;
  }

  private async readJob(): Promise<void> {
    const id = this.selected;
    if (!id) return;
    const seq = ++this.seq;
    const [job, executions] = await Promise.allSettled([this.client.jobs.describe(id), this.client.jobs.executions({ jobId: id })]);
    if (seq !== this.seq || id !== this.selected) return;
    if (job.status === 'fulfilled') {
      this.job = job.value;
      this.missing = null;
    } else if (job.reason instanceof RpcError && job.reason.code === 'NotFound') {
      this.job = null;
      this.missing = job.reason.message;
    } else this.connection.reportError('Could not read the job')(job.reason);
    if (executions.status === 'fulfilled') this.executions = executions.value;
  }
}
