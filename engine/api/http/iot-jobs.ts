/**
 * AWS IoT control plane (`iot`, restJson1) Jobs operations at AWS's REST paths [CP-model]: CreateJob, DescribeJob,
 * ListJobs, UpdateJob, CancelJob, DeleteJob, GetJobDocument, DescribeJobExecution, ListJobExecutionsForJob,
 * ListJobExecutionsForThing, CancelJobExecution, DeleteJobExecution, AssociateTargetsWithJob. The jobs service
 * validates; this file reads the wire members and writes AWS's response shapes.
 *
 * LIMITATIONS:
 * - `namespaceId` and `destinationPackageVersions` are accepted and kept or ignored (`tags`: iot-resource-tags.ts);
 *   `schedulingConfig` is refused (engine/jobs/job-preparation.ts); job templates are iot-control-job-templates.ts.
 * - `beforeSubstitution` of DescribeJob returns the stored document either way.
 * - List operations without `maxResults` return pages of 50.
 */
import { EngineError, iotArn } from '../../core/index.js';
import { EXECUTION_STATUSES, type ExecutionRecord, type ExecutionStatus, type JobRecord, type JobsService, type JobStatus, type TargetSelection } from '../../jobs/index.js';
import type { HttpHandler, HttpRequest, Route } from './http-server.js';
import {
  controlRoutes, decodeNextToken, encodeNextToken, epochSeconds, jsonBody, maxResults, optionalInteger, optionalObject, optionalString, queryBoolean,
} from './iot-control-shared.js';

export type JobOperations = Pick<JobsService,
  | 'createJob' | 'describeJob' | 'listJobs' | 'updateJob' | 'cancelJob' | 'deleteJob' | 'jobDocument' | 'describeExecution'
  | 'listExecutionsForJob' | 'listExecutionsForThing' | 'cancelExecution' | 'deleteExecution' | 'associateTargets'>;

const JOBS_MAX_RESULTS = 250;
const DEFAULT_PAGE = 50;
const JOB_STATUSES: JobStatus[] = ['IN_PROGRESS', 'CANCELED', 'COMPLETED', 'DELETION_IN_PROGRESS'];

const invalid = (message: string) => new EngineError('InvalidInput', message);

function stringList(body: Record<string, unknown>, key: string, required: boolean): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw invalid(`1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (!Array.isArray(v) || v.some((t) => typeof t !== 'string')) throw invalid(`${key} must be a list of strings`);
  return v as string[];
}

function stringMap(body: Record<string, unknown>, key: string): Record<string, string> | undefined {
  const v = optionalObject(body, key);
  if (v && Object.values(v).some((x) => typeof x !== 'string')) throw invalid(`${key} must be a map of strings`);
  return v as Record<string, string> | undefined;
}

function enumQuery<T extends string>(req: HttpRequest, key: string, values: readonly T[]): T | undefined {
  const v = req.query.get(key);
  if (v === null) return undefined;
  if (!(values as readonly string[]).includes(v)) {
    throw invalid(`1 validation error detected: Value '${v}' at '${key}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`);
  }
  return v as T;
}

const paging = (req: HttpRequest, kind: string) => ({
  limit: maxResults(req.query.get('maxResults'), JOBS_MAX_RESULTS, DEFAULT_PAGE), after: decodeNextToken(kind, req.query.get('nextToken')),
});

const withToken = <T extends object>(json: T, kind: string, after?: string) => {
  const nextToken = encodeNextToken(kind, after);
  return nextToken ? { ...json, nextToken } : json;
};

const thingArn = (thing: string) => iotArn(`thing/${thing}`);

/** The Job structure of DescribeJob. */
function jobShape(job: JobRecord, counts: ReturnType<JobsService['describeJob']>['counts']) {
  return {
    jobArn: job.jobArn, jobId: job.jobId, targetSelection: job.targetSelection, status: job.status,
    ...(job.forceCanceled !== undefined ? { forceCanceled: job.forceCanceled } : {}),
    ...(job.reasonCode !== undefined ? { reasonCode: job.reasonCode } : {}),
    ...(job.comment !== undefined ? { comment: job.comment } : {}),
    targets: job.targets,
    ...(job.description !== undefined ? { description: job.description } : {}),
    ...(job.presignedUrlConfig ? { presignedUrlConfig: job.presignedUrlConfig } : {}),
    ...(job.jobExecutionsRolloutConfig ? { jobExecutionsRolloutConfig: job.jobExecutionsRolloutConfig } : {}),
    ...(job.abortConfig ? { abortConfig: job.abortConfig } : {}),
    createdAt: epochSeconds(job.createdAt), lastUpdatedAt: epochSeconds(job.lastUpdatedAt),
    ...(job.completedAt !== undefined ? { completedAt: epochSeconds(job.completedAt) } : {}),
    jobProcessDetails: counts,
    ...(job.timeoutConfig ? { timeoutConfig: job.timeoutConfig } : {}),
    ...(job.namespaceId !== undefined ? { namespaceId: job.namespaceId } : {}),
    ...(job.jobTemplateArn !== undefined ? { jobTemplateArn: job.jobTemplateArn } : {}),
    ...(job.jobExecutionsRetryConfig ? { jobExecutionsRetryConfig: job.jobExecutionsRetryConfig } : {}),
    ...(job.documentParameters ? { documentParameters: job.documentParameters } : {}),
    isConcurrent: false,
    ...(job.schedulingConfig ? { schedulingConfig: job.schedulingConfig } : {}),
    ...(job.destinationPackageVersions ? { destinationPackageVersions: job.destinationPackageVersions } : {}),
  };
}

/** JobExecutionSummary of the list operations. */
const executionSummary = (e: ExecutionRecord) => ({
  status: e.status, queuedAt: epochSeconds(e.queuedAt), ...(e.startedAt !== undefined ? { startedAt: epochSeconds(e.startedAt) } : {}),
  lastUpdatedAt: epochSeconds(e.lastUpdatedAt), executionNumber: e.executionNumber, retryAttempt: e.executionNumber - 1,
});

export function createJob(jobs: JobOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    const job = await jobs.createJob(req.params.jobId, {
      targets: stringList(body, 'targets', true) as string[],
      document: optionalString(body, 'document'), documentSource: optionalString(body, 'documentSource'),
      description: optionalString(body, 'description'), targetSelection: optionalString(body, 'targetSelection') as TargetSelection | undefined,
      jobTemplateArn: optionalString(body, 'jobTemplateArn'), documentParameters: stringMap(body, 'documentParameters'),
      namespaceId: optionalString(body, 'namespaceId'), destinationPackageVersions: stringList(body, 'destinationPackageVersions', false),
      presignedUrlConfig: optionalObject(body, 'presignedUrlConfig'), jobExecutionsRolloutConfig: optionalObject(body, 'jobExecutionsRolloutConfig'),
      abortConfig: optionalObject(body, 'abortConfig'), timeoutConfig: optionalObject(body, 'timeoutConfig'),
      jobExecutionsRetryConfig: optionalObject(body, 'jobExecutionsRetryConfig'), schedulingConfig: optionalObject(body, 'schedulingConfig'),
    });
    return { json: { jobArn: job.jobArn, jobId: job.jobId, ...(job.description !== undefined ? { description: job.description } : {}) } };
  };
}

export function describeJob(jobs: JobOperations): HttpHandler {
  return (req) => {
    queryBoolean(req, 'beforeSubstitution');
    const { job, counts } = jobs.describeJob(req.params.jobId);
    return { json: { ...(job.documentSource !== undefined ? { documentSource: job.documentSource } : {}), job: jobShape(job, counts) } };
  };
}

export function listJobs(jobs: JobOperations): HttpHandler {
  return (req) => {
    const { limit, after } = paging(req, 'jobs');
    const page = jobs.listJobs({
      status: enumQuery(req, 'status', JOB_STATUSES), targetSelection: enumQuery(req, 'targetSelection', ['SNAPSHOT', 'CONTINUOUS'] as const),
      thingGroupName: req.query.get('thingGroupName') ?? undefined,
    }, limit, after);
    const summaries = page.items.map((j) => ({
      jobArn: j.jobArn, jobId: j.jobId, targetSelection: j.targetSelection, status: j.status, createdAt: epochSeconds(j.createdAt),
      lastUpdatedAt: epochSeconds(j.lastUpdatedAt), ...(j.completedAt !== undefined ? { completedAt: epochSeconds(j.completedAt) } : {}), isConcurrent: false,
    }));
    return { json: withToken({ jobs: summaries }, 'jobs', page.after) };
  };
}

export function updateJob(jobs: JobOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    await jobs.updateJob(req.params.jobId, {
      description: optionalString(body, 'description'), presignedUrlConfig: optionalObject(body, 'presignedUrlConfig'),
      jobExecutionsRolloutConfig: optionalObject(body, 'jobExecutionsRolloutConfig'), abortConfig: optionalObject(body, 'abortConfig'),
      timeoutConfig: optionalObject(body, 'timeoutConfig'), jobExecutionsRetryConfig: optionalObject(body, 'jobExecutionsRetryConfig'),
    });
    return { json: {} };
  };
}

export function cancelJob(jobs: JobOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    const job = await jobs.cancelJob(req.params.jobId, {
      force: queryBoolean(req, 'force'), reasonCode: optionalString(body, 'reasonCode'), comment: optionalString(body, 'comment'),
    });
    return { json: { jobArn: job.jobArn, jobId: job.jobId, ...(job.description !== undefined ? { description: job.description } : {}) } };
  };
}

export function deleteJob(jobs: JobOperations): HttpHandler {
  return async (req) => {
    await jobs.deleteJob(req.params.jobId, queryBoolean(req, 'force') ?? false);
    return { json: {} };
  };
}

export function getJobDocument(jobs: JobOperations): HttpHandler {
  return (req) => {
    queryBoolean(req, 'beforeSubstitution');
    return { json: { document: jobs.jobDocument(req.params.jobId) } };
  };
}

export function describeJobExecution(jobs: JobOperations, now: () => number): HttpHandler {
  return (req) => {
    const n = optionalInteger(req.query.get('executionNumber') ?? undefined, 'executionNumber');
    const { execution: e } = jobs.describeExecution(req.params.jobId, req.params.thingName, n);
    return {
      json: {
        execution: {
          jobId: e.jobId, status: e.status, forceCanceled: e.forceCanceled, statusDetails: { detailsMap: e.statusDetails }, thingArn: thingArn(e.thingName),
          queuedAt: epochSeconds(e.queuedAt), ...(e.startedAt !== undefined ? { startedAt: epochSeconds(e.startedAt) } : {}),
          lastUpdatedAt: epochSeconds(e.lastUpdatedAt), executionNumber: e.executionNumber, versionNumber: e.versionNumber,
          ...(e.timeoutAt !== undefined ? { approximateSecondsBeforeTimedOut: Math.max(0, Math.round((e.timeoutAt - now()) / 1000)) } : {}),
        },
      },
    };
  };
}

export function listJobExecutionsForJob(jobs: JobOperations): HttpHandler {
  return (req) => {
    const { limit, after } = paging(req, 'jobExecutions');
    const page = jobs.listExecutionsForJob(req.params.jobId, enumQuery(req, 'status', EXECUTION_STATUSES), limit, after);
    const executionSummaries = page.items.map((e) => ({ thingArn: thingArn(e.thingName), jobExecutionSummary: executionSummary(e) }));
    return { json: withToken({ executionSummaries }, 'jobExecutions', page.after) };
  };
}

export function listJobExecutionsForThing(jobs: JobOperations): HttpHandler {
  return (req) => {
    const { limit, after } = paging(req, 'thingExecutions');
    const page = jobs.listExecutionsForThing(req.params.thingName, {
      status: enumQuery<ExecutionStatus>(req, 'status', EXECUTION_STATUSES), jobId: req.query.get('jobId') ?? undefined,
    }, limit, after);
    const executionSummaries = page.items.map((e) => ({ jobId: e.jobId, jobExecutionSummary: executionSummary(e) }));
    return { json: withToken({ executionSummaries }, 'thingExecutions', page.after) };
  };
}

export function cancelJobExecution(jobs: JobOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    await jobs.cancelExecution(req.params.jobId, req.params.thingName, {
      force: queryBoolean(req, 'force'), expectedVersion: optionalInteger(body.expectedVersion, 'expectedVersion'), statusDetails: stringMap(body, 'statusDetails'),
    });
    return { json: {} };
  };
}

export function deleteJobExecution(jobs: JobOperations): HttpHandler {
  return async (req) => {
    const n = optionalInteger(req.params.executionNumber, 'executionNumber') as number;
    await jobs.deleteExecution(req.params.jobId, req.params.thingName, n, queryBoolean(req, 'force') ?? false);
    return { json: {} };
  };
}

export function associateTargetsWithJob(jobs: JobOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    const job = await jobs.associateTargets(req.params.jobId, stringList(body, 'targets', true) as string[], optionalString(body, 'comment'));
    return { json: { jobArn: job.jobArn, jobId: job.jobId, ...(job.description !== undefined ? { description: job.description } : {}) } };
  };
}

/** The Jobs control-plane routes (list them before the Jobs data-plane routes that share their paths). */
export function iotJobsRoutes(jobs: JobOperations, now: () => number): Route[] {
  return controlRoutes([
    { method: 'PUT', path: '/jobs/{jobId}', operation: 'CreateJob', handler: createJob(jobs) },
    { method: 'GET', path: '/jobs/{jobId}', operation: 'DescribeJob', handler: describeJob(jobs) },
    { method: 'GET', path: '/jobs', operation: 'ListJobs', handler: listJobs(jobs) },
    { method: 'PATCH', path: '/jobs/{jobId}', operation: 'UpdateJob', handler: updateJob(jobs) },
    { method: 'PUT', path: '/jobs/{jobId}/cancel', operation: 'CancelJob', handler: cancelJob(jobs) },
    { method: 'DELETE', path: '/jobs/{jobId}', operation: 'DeleteJob', handler: deleteJob(jobs) },
    { method: 'GET', path: '/jobs/{jobId}/job-document', operation: 'GetJobDocument', handler: getJobDocument(jobs) },
    { method: 'GET', path: '/things/{thingName}/jobs/{jobId}', operation: 'DescribeJobExecution', handler: describeJobExecution(jobs, now) },
    { method: 'GET', path: '/jobs/{jobId}/things', operation: 'ListJobExecutionsForJob', handler: listJobExecutionsForJob(jobs) },
    { method: 'GET', path: '/things/{thingName}/jobs', operation: 'ListJobExecutionsForThing', handler: listJobExecutionsForThing(jobs) },
    { method: 'PUT', path: '/things/{thingName}/jobs/{jobId}/cancel', operation: 'CancelJobExecution', handler: cancelJobExecution(jobs) },
    { method: 'DELETE', path: '/things/{thingName}/jobs/{jobId}/executionNumber/{executionNumber}', operation: 'DeleteJobExecution', handler: deleteJobExecution(jobs) },
    { method: 'POST', path: '/jobs/{jobId}/targets', operation: 'AssociateTargetsWithJob', handler: associateTargetsWithJob(jobs) },
  ]);
}
