import { EngineError } from '../core/index.js';
import type { JobExecutionCounts, JobExecutionInfo, JobInfo, JobSummaryInfo, JobTemplateInfo, ThingbenchApi } from '../contract/index.js';
import type { JobTemplate, JobTemplates } from './job-templates.js';
import type { JobsService } from './jobs-service.js';
import type { ExecutionRecord, JobCounts, JobRecord } from './job-types.js';

const LIST_MAX = 250;
const EXECUTIONS_MAX = 1000;

const counts = (c: JobCounts): JobExecutionCounts => ({
  queued: c.numberOfQueuedThings, inProgress: c.numberOfInProgressThings, succeeded: c.numberOfSucceededThings, failed: c.numberOfFailedThings,
  rejected: c.numberOfRejectedThings, timedOut: c.numberOfTimedOutThings, removed: c.numberOfRemovedThings, canceled: c.numberOfCanceledThings,
});

function summary(job: JobRecord, c: JobCounts): JobSummaryInfo {
  return {
    jobId: job.jobId, jobArn: job.jobArn, status: job.status, targetSelection: job.targetSelection, targets: job.targets,
    ...(job.description !== undefined ? { description: job.description } : {}),
    createdAt: job.createdAt, lastUpdatedAt: job.lastUpdatedAt, ...(job.completedAt !== undefined ? { completedAt: job.completedAt } : {}),
    counts: counts(c),
  };
}

const execution = (e: ExecutionRecord): JobExecutionInfo => ({
  jobId: e.jobId, thingName: e.thingName, executionNumber: e.executionNumber, status: e.status, versionNumber: e.versionNumber,
  statusDetails: e.statusDetails, queuedAt: e.queuedAt, ...(e.startedAt !== undefined ? { startedAt: e.startedAt } : {}),
  lastUpdatedAt: e.lastUpdatedAt, forceCanceled: e.forceCanceled,
});

const POLICIES = ['jobExecutionsRolloutConfig', 'abortConfig', 'timeoutConfig', 'jobExecutionsRetryConfig', 'presignedUrlConfig', 'schedulingConfig', 'documentParameters', 'jobTemplateArn'] as const;

const TEMPLATES_MAX = 250;

const template = (t: JobTemplate): JobTemplateInfo => ({
  jobTemplateId: t.jobTemplateId, jobTemplateArn: t.jobTemplateArn, description: t.description,
  ...(t.document !== undefined ? { document: t.document } : {}), ...(t.documentSource !== undefined ? { documentSource: t.documentSource } : {}),
  createdAt: t.createdAt,
  policies: Object.fromEntries(Object.entries(t.policies).filter(([, v]) => v !== undefined)),
});

/** The contract's `jobs` area over the jobs service and the job templates. */
export function jobsApi(jobs: JobsService, templates: JobTemplates): ThingbenchApi['jobs'] {
  const api: ThingbenchApi['jobs'] = {
    list: async (filter) => jobs.listJobs({ status: filter?.status, thingGroupName: filter?.thingGroup }, LIST_MAX).items
      .map((job) => summary(job, jobs.describeJob(job.jobId).counts)),
    describe: async (jobId): Promise<JobInfo> => {
      const { job, counts: c } = jobs.describeJob(jobId);
      return {
        ...summary(job, c),
        ...(job.document !== undefined ? { document: job.document } : {}),
        ...(job.documentSource !== undefined ? { documentSource: job.documentSource } : {}),
        ...(job.forceCanceled !== undefined ? { forceCanceled: job.forceCanceled } : {}),
        ...(job.reasonCode !== undefined ? { reasonCode: job.reasonCode } : {}),
        ...(job.comment !== undefined ? { comment: job.comment } : {}),
        policies: Object.fromEntries(POLICIES.filter((k) => job[k] !== undefined).map((k) => [k, job[k]])),
      };
    },
    executions: async ({ jobId, thing }) => {
      if (jobId === undefined && thing === undefined) throw new EngineError('InvalidInput', 'jobs.executions needs a jobId or a thing');
      const page = thing !== undefined
        ? jobs.listExecutionsForThing(thing, { jobId }, EXECUTIONS_MAX)
        : jobs.listExecutionsForJob(jobId as string, undefined, EXECUTIONS_MAX);
      return page.items.map(execution);
    },
    cancel: async (jobId, input) => {
      await jobs.cancelJob(jobId, input ?? {});
      return api.describe(jobId);
    },
    cancelExecution: async (jobId, thing, force) => jobs.cancelExecution(jobId, thing, { force }),
    templates: async () => templates.list(undefined, TEMPLATES_MAX).templates.map(template),
  };
  return api;
}
