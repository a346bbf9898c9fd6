/**
 * The records of AWS IoT Jobs as the engine keeps them [DG:iot-jobs-lifecycle]: a job (its configuration as given,
 * stored and returned even where another module acts on it) and its executions, one per target thing and execution
 * number. Times are epoch milliseconds; the edges convert them.
 */

/** A job's status. SCHEDULED (scheduling windows) is not used here. */
export type JobStatus = 'IN_PROGRESS' | 'CANCELED' | 'DELETION_IN_PROGRESS' | 'COMPLETED';

export const EXECUTION_STATUSES = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export type TargetSelection = 'SNAPSHOT' | 'CONTINUOUS';

/** The configuration members of CreateJob/UpdateJob kept as given (JSON objects); the rollout policies read them. */
export interface JobPolicies {
  presignedUrlConfig?: Record<string, unknown>;
  jobExecutionsRolloutConfig?: Record<string, unknown>;
  abortConfig?: Record<string, unknown>;
  timeoutConfig?: Record<string, unknown>;
  jobExecutionsRetryConfig?: Record<string, unknown>;
  schedulingConfig?: Record<string, unknown>;
}

export interface JobRecord extends JobPolicies {
  jobId: string;
  jobArn: string;
  status: JobStatus;
  targetSelection: TargetSelection;
  /** Thing and thing group ARNs, as given (AssociateTargetsWithJob appends). */
  targets: string[];
  /** The job document (JSON text); absent while only `documentSource` is known. */
  document?: string;
  documentSource?: string;
  description?: string;
  jobTemplateArn?: string;
  documentParameters?: Record<string, string>;
  namespaceId?: string;
  destinationPackageVersions?: string[];
  forceCanceled?: boolean;
  reasonCode?: string;
  comment?: string;
  createdAt: number;
  lastUpdatedAt: number;
  completedAt?: number;
}

export interface ExecutionRecord {
  jobId: string;
  thingName: string;
  executionNumber: number;
  status: ExecutionStatus;
  /** Version of the execution: 1 when queued, +1 on every change. */
  versionNumber: number;
  statusDetails: Record<string, string>;
  queuedAt: number;
  startedAt?: number;
  lastUpdatedAt: number;
  stepTimeoutInMinutes?: number;
  /** The deadline a timeout policy set (epoch ms), if any. */
  timeoutAt?: number;
  forceCanceled: boolean;
  /** False while a rollout holds the execution back from devices and listings. */
  visible: boolean;
  /** Creation order across every execution (the device's queue order). */
  seq: number;
}

/** `jobProcessDetails` counts of a job (visible executions only). */
export interface JobCounts {
  numberOfCanceledThings: number;
  numberOfSucceededThings: number;
  numberOfFailedThings: number;
  numberOfRejectedThings: number;
  numberOfQueuedThings: number;
  numberOfInProgressThings: number;
  numberOfRemovedThings: number;
  numberOfTimedOutThings: number;
}
