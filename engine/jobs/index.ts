export { JobsService, type JobsEvents, type JobsOptions, type JobTargets, type JobsPort, type CreateJobInput } from './jobs-service.js';
export type { DeviceJobs, DeviceExecutionUpdate, ExecutionWithJob } from './device-jobs.js';
export type { JobTopicsPort, JobRequest } from './device-topics.js';
export type { JobsPublisher, EventKind } from './job-notices.js';
export type { Page } from './job-store.js';
export { deviceExecution, deviceExecutionState, deviceExecutionSummary, epochSeconds } from './device-shapes.js';
export { EXECUTION_STATUSES, type ExecutionRecord, type ExecutionStatus, type JobCounts, type JobPolicies, type JobRecord, type JobStatus, type TargetSelection } from './job-types.js';
export { isTerminal, isPending, TERMINAL_STATUSES } from './execution-state.js';
export { MAX_DOCUMENT_BYTES } from './job-input.js';
