/** What the jobs service is given and emits: its ports to the broker and the registry, options, events, CreateJob's input. */
import type { Disposable, Logger } from '../core/index.js';
import type { JobTopicsPort } from './device-topics.js';
import type { EventKind, JobsPublisher } from './job-notices.js';
import type { ExecutionRecord, JobPolicies, JobRecord, TargetSelection } from './job-types.js';

/** How the jobs module reaches the broker: engine publishes, the device topics' tap and replies to one client. */
export type JobsPort = JobsPublisher & JobTopicsPort;

/** The registry as jobs see it (seam 4): things, groups and their members, membership changes. */
export interface JobTargets {
  thingExists(name: string): boolean;
  groupExists(name: string): boolean;
  /** Every thing in a static or dynamic group, child groups included. */
  groupMembers(name: string): string[];
  /** Membership changes (things added to or removed from groups), when the registry reports them. */
  onMembership?(listener: (changes: { group: string; thing: string; change: 'added' | 'removed' }[]) => void): Disposable;
  /** A thing was deleted from the registry. */
  onThingDeleted?(listener: (thing: string) => void): Disposable;
}

export interface JobsEvents {
  /** An execution was created, changed or deleted (`after` absent). */
  changed: { job: JobRecord; before?: ExecutionRecord; after?: ExecutionRecord };
  /** An execution reached a terminal status. */
  terminal: { job: JobRecord; execution: ExecutionRecord };
  /** A job's status or configuration changed (created, updated, completed, canceled, deleted). */
  job: { job: JobRecord; change: 'created' | 'updated' | 'completed' | 'canceled' | 'deleted' };
}

export interface JobsOptions {
  logger: Logger;
  /** Whether an event type is enabled (UpdateEventConfigurations): JOB and JOB_EXECUTION. */
  eventsEnabled: (kind: EventKind) => boolean;
  /** Which of a job's new target things get a visible execution now (a rollout holds the rest). Default: all. */
  admit?: (job: JobRecord, things: string[]) => string[];
  /** Reads the job document a `documentSource` URL names (the local S3). */
  documentFromSource?: (source: string) => Promise<string>;
  /** CreateJob's input once checked and completed (policies, job template defaults, document parameters). */
  prepare?: (input: CreateJobInput) => CreateJobInput;
  /** Checks UpdateJob's policies (AWS's ranges and messages). */
  checkPolicies?: (patch: Partial<JobPolicies>) => void;
  /** The job as a device receives it (presigned URLs filled in at each delivery). */
  shown?: (job: JobRecord) => JobRecord;
  /** The timeout deadline of an execution a device changed (timeout policies), kept as its `timeoutAt`. */
  deadline?: (job: JobRecord, before: ExecutionRecord, after: ExecutionRecord) => number | undefined;
}

export interface CreateJobInput extends JobPolicies {
  targets: string[];
  document?: string;
  documentSource?: string;
  description?: string;
  targetSelection?: TargetSelection;
  jobTemplateArn?: string;
  documentParameters?: Record<string, string>;
  namespaceId?: string;
  destinationPackageVersions?: string[];
}
