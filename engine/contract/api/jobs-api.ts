// The fleet operations engine/jobs owns: jobs, commands, provisioning templates and streams.
import type { CommandExecutionInfo, CommandInfo } from '../command-types.js';
import type { JobCancelInput, JobExecutionInfo, JobInfo, JobListFilter, JobSummaryInfo, JobTemplateInfo } from '../job-types.js';
import type { ProvisioningTemplateDetail, ProvisioningTemplateSummary, RegistrationTaskInfo, RegistrationTaskStatus } from '../provisioning-types.js';
import type { StreamInfo } from '../stream-types.js';

/** AWS IoT Jobs (the same data as `aws iot list-jobs`, `describe-job`, `list-job-executions-for-job|thing`). */
export interface JobsApi {
  /** Jobs newest first (at most 250), filtered by status and target thing group. */
  list(filter?: JobListFilter): Promise<JobSummaryInfo[]>;
  /** One job with its document and configurations; NotFound when it does not exist. */
  describe(jobId: string): Promise<JobInfo>;
  /** Executions of a job or of a thing (at most 1000, oldest first); with both, that thing's executions of that job. */
  executions(query: { jobId?: string; thing?: string }): Promise<JobExecutionInfo[]>;
  /** CancelJob (AWS's refusals: a COMPLETED job, an already canceled one without `force`); answers the canceled job. */
  cancel(jobId: string, input?: JobCancelInput): Promise<JobInfo>;
  /** CancelJobExecution: a QUEUED execution, or an IN_PROGRESS one with `force`; a finished one is refused (Conflict). */
  cancelExecution(jobId: string, thing: string, force?: boolean): Promise<void>;
  /** Job templates by id (ListJobTemplates with each one's document and configurations). */
  templates(): Promise<JobTemplateInfo[]>;
}

/** AWS IoT Commands (the same data as `aws iot list-commands` and `list-command-executions`). */
export interface CommandsApi {
  /** Every command, newest first. */
  list(): Promise<CommandInfo[]>;
  /** Executions of a command, of a thing or of an MQTT client (at most 1000, newest first); with a command and a target, that target's runs of it. */
  executions(query: { commandId?: string; thing?: string; clientId?: string }): Promise<CommandExecutionInfo[]>;
}

/** Provisioning templates and bulk registration tasks (as `aws iot list-provisioning-templates`, `describe-provisioning-template`, `list-thing-registration-tasks` show them). */
export interface ProvisioningApi {
  /** Every template, by name. */
  templates(): Promise<ProvisioningTemplateSummary[]>;
  /** One template with its default body and its versions; NotFound when it does not exist. */
  template(name: string): Promise<ProvisioningTemplateDetail>;
  /** Bulk registration tasks, newest first (at most 250), optionally of one status. */
  tasks(status?: RegistrationTaskStatus): Promise<RegistrationTaskInfo[]>;
}

/** AWS IoT streams: files in the local S3 that devices fetch block by block over MQTT (as `aws iot list-streams` and `describe-stream` show them). */
export interface StreamsApi {
  /** Every stream, by id, with its files. */
  list(): Promise<StreamInfo[]>;
}
