import {
  RpcError, type JobCancelInput, type JobExecutionInfo, type JobInfo, type JobSummaryInfo, type JobTemplateInfo, type ThingbenchClient,
} from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { poll } from './poll.js';
import { readSoon } from './soon.js';

/** Job templates change only through the API, which has no event for them: read again this often while their tab is open. */
const TEMPLATES_MS = 5_000;
/** `jobs.changed` comes at most 4 times a second; a burst shares one read. */
const READ_DELAY_MS = 50;
/** More changed jobs than this in one go: the whole list is read instead of each job. */
const MAX_DESCRIBES = 10;

/**
 * AWS IoT Jobs as the Jobs view shows them: every job with its counts, the selected job's document, configurations
 * and executions, and the job templates. While the view is open, the jobs the engine reports changed
 * (`jobs.changed`: a job's or an execution's status) are read again, so a rollout moves live without polling.
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
  /** Jobs reported changed and not read again yet. */
  private changed: string[] = [];

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Follows the jobs and the selected one while the jobs tab is open; returns the stop function. */
  watch(): () => void {
    const soon = readSoon(() => this.readChanged(), READ_DELAY_MS);
    const sub = this.client.on('jobs.changed', ({ jobIds }) => {
      this.changed.push(...jobIds.filter((id) => !this.changed.includes(id)));
      soon.request();
    });
    void this.reload();
    return () => {
      sub.dispose();
      soon.dispose();
      this.changed = [];
    };
  }

  /** Reads the job templates while their tab is open (they change only through the API: no need to hurry). */
  watchTemplates(): () => void {
    return poll(() => this.readTemplates(), TEMPLATES_MS);
  }

  async reload(): Promise<void> {
    await Promise.all([this.readList(), this.readJob()]);
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

  /** Reads again the jobs reported changed: each one in place, or the whole list for a new job or a large batch. */
  private async readChanged(): Promise<void> {
    const ids = this.changed;
    this.changed = [];
    const selected = this.selected !== null && ids.includes(this.selected) ? this.readJob() : undefined;
    const known = ids.every((id) => this.jobs.some((j) => j.jobId === id));
    if (!known || ids.length > MAX_DESCRIBES) {
      await Promise.all([this.readList(), selected]);
      return;
    }
    const read = await Promise.allSettled(ids.map((id) => this.client.jobs.describe(id)));
    if (read.some((r) => r.status === 'rejected')) await this.readList(); // deleted (NotFound) or unreadable: the list says
    else {
      const fresh = read.map((r) => (r as PromiseFulfilledResult<JobInfo>).value);
      this.jobs = this.jobs.map((j) => fresh.find((f) => f.jobId === j.jobId) ?? j);
    }
    await selected;
  }

  private readList(): Promise<void> {
    return this.client.jobs.list().then((jobs) => { this.jobs = jobs; }, this.connection.reportError('Could not read the jobs'));
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
