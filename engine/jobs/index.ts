export { JobsService } from './jobs-service.js';
export type { JobsEvents, JobsOptions, JobTargets, JobsPort, CreateJobInput } from './jobs-service-types.js';
export type { DeviceJobs, DeviceExecutionUpdate, ExecutionWithJob } from './device-jobs.js';
export type { JobTopicsPort, JobRequest } from './device-topics.js';
export type { JobsPublisher, EventKind } from './job-notices.js';
export type { Page } from './job-store.js';
export { deviceExecution, deviceExecutionState, deviceExecutionSummary, epochSeconds } from './device-shapes.js';
export { EXECUTION_STATUSES, type ExecutionRecord, type ExecutionStatus, type JobCounts, type JobPolicies, type JobRecord, type JobStatus, type TargetSelection } from './job-types.js';
export { isTerminal, isPending, TERMINAL_STATUSES } from './execution-state.js';
export { MAX_DOCUMENT_BYTES } from './job-input.js';
// Rollout policies of AWS IoT Jobs (rollout rates, aborts, timeouts, retries, presigned URLs, document sources) and job templates.
export {
  parseJobPolicies, parseRolloutConfig, parseAbortConfig, parseTimeoutConfig, parseRetryConfig, parsePresignedUrlConfig, parseStepTimeout,
  POLICY_KEYS, MAX_TIMEOUT_MINUTES,
  type JobPolicies as RolloutPolicies, type RolloutConfig, type AbortConfig, type AbortCriteria, type TimeoutConfig, type RetryConfig, type RetryCriteria, type PresignedUrlConfig,
} from './job-policies.js';
export { isPaced, startRollout, rolloutAllowance, recordNotified, nextWindow, MAX_ROLLOUT_PER_MINUTE, type RolloutState, type RolloutProgress } from './rollout-pacer.js';
export { abortCriterionMet, abortComment, executedThings, ABORT_REASON_CODE, type OutcomeCounts } from './abort-criteria.js';
export { inProgressDeadline, stepDeadline, deadlineOf, isPastDeadline, secondsBeforeTimedOut, type ExecutionDeadlines } from './execution-deadlines.js';
export { shouldRetry, retryHistoryFor, type RetryHistory } from './retry-policy.js';
export { resolvePresignedUrls, hasPresignedPlaceholders, badPresignedPlaceholders, presignObjectUrl, DEFAULT_PRESIGNED_EXPIRY_S, type Presigner, type PresignKey } from './presigned-urls.js';
export { readDocumentSource, checkJobDocument, documentSourceRef, MAX_JOB_DOCUMENT_BYTES, type DocumentObjects } from './document-source.js';
export { applyDocumentParameters, parseDocumentParameters, documentParameterNames } from './document-parameters.js';
export { parseS3ObjectUrl, type S3ObjectRef } from './s3-object-url.js';
export {
  JobTemplates, jobTemplateArn, jobTemplateIdOf, JOB_TEMPLATE_ID,
  type JobTemplate, type JobTemplateInput, type JobTemplateExtras, type TemplateJobSource, type JobDefaults,
} from './job-templates.js';
export { jobsApi } from './jobs-api.js';
export { prepareJob, checkedPolicies, templateSourceOf } from './job-preparation.js';
export { JobRollouts, type JobRolloutOptions, type RolloutJobs } from './job-rollouts.js';
export { JobChanges } from './job-changes.js';
