/** AWS IoT Jobs as the UI and the CLI see them (`jobs.list`, `jobs.describe`, `jobs.executions`). Times are epoch ms. */

export type JobStatusName = 'IN_PROGRESS' | 'CANCELED' | 'DELETION_IN_PROGRESS' | 'COMPLETED';
export type JobExecutionStatusName = 'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'REJECTED' | 'REMOVED' | 'CANCELED';

/** How many target things' latest executions are in each status (DescribeJob's `jobProcessDetails`). */
export interface JobExecutionCounts {
  queued: number;
  inProgress: number;
  succeeded: number;
  failed: number;
  rejected: number;
  timedOut: number;
  removed: number;
  canceled: number;
}

export interface JobSummaryInfo {
  jobId: string;
  jobArn: string;
  status: JobStatusName;
  targetSelection: 'SNAPSHOT' | 'CONTINUOUS';
  /** Thing and thing group ARNs. */
  targets: string[];
  description?: string;
  createdAt: number;
  lastUpdatedAt: number;
  completedAt?: number;
  counts: JobExecutionCounts;
}

export interface JobInfo extends JobSummaryInfo {
  /** The job document (JSON text). */
  document?: string;
  documentSource?: string;
  forceCanceled?: boolean;
  reasonCode?: string;
  comment?: string;
  /** The configurations given to CreateJob/UpdateJob (rollout, abort, timeout, retry, presigned URLs), by name. */
  policies: Record<string, unknown>;
}

export interface JobExecutionInfo {
  jobId: string;
  thingName: string;
  executionNumber: number;
  status: JobExecutionStatusName;
  versionNumber: number;
  statusDetails: Record<string, string>;
  queuedAt: number;
  startedAt?: number;
  lastUpdatedAt: number;
  forceCanceled: boolean;
}

/** `jobs.list()` filters. */
export interface JobListFilter {
  status?: JobStatusName;
  /** Jobs that target this thing group. */
  thingGroup?: string;
}

/** A job template (`aws iot list-job-templates` with DescribeJobTemplate's document and configurations). */
export interface JobTemplateInfo {
  jobTemplateId: string;
  jobTemplateArn: string;
  description: string;
  /** The job document (JSON text), when given inline. */
  document?: string;
  documentSource?: string;
  createdAt: number;
  /** The configurations jobs made from it take as defaults (rollout, abort, timeout, retry, presigned URLs), by name. */
  policies: Record<string, unknown>;
}

/** `jobs.cancel()` options, as CancelJob takes them. */
export interface JobCancelInput {
  /** Also cancel the executions already IN_PROGRESS (or a canceled job's remaining ones). */
  force?: boolean;
  reasonCode?: string;
  comment?: string;
}

/** Event `jobs.changed`: jobs whose status or whose executions' status changed (at most 4 events a second): read them again. */
export interface JobsChanged {
  jobIds: string[];
}
