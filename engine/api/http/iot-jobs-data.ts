/**
 * The AWS IoT Jobs data plane (`iot-jobs-data`, restJson1) [JobsDP-model]: GetPendingJobExecutions,
 * StartNextPendingJobExecution, DescribeJobExecution and UpdateJobExecution, the device API over HTTPS (SigV4).
 * Its routes carry `signingName: 'iot-jobs-data'`: where the control plane has the same method and path
 * (`GET /things/{thingName}/jobs`, `GET /things/{thingName}/jobs/{jobId}`), a request signed for the Jobs data plane
 * comes here, an unsigned one goes to the control plane.
 *
 * LIMITATIONS:
 * - A version mismatch on UpdateJobExecution is InvalidStateTransitionException (409): the data plane models no
 *   version conflict exception (the MQTT API says VersionMismatch).
 * - `$next` is accepted by DescribeJobExecution as on MQTT.
 */
import { EngineError } from '../../core/index.js';
import { deviceExecution, deviceExecutionState, deviceExecutionSummary, type DeviceJobs } from '../../jobs/index.js';
import type { AwsErrorTable } from './aws-errors.js';
import type { HttpHandler, Route } from './http-server.js';
import { jsonBody, optionalBoolean, optionalInteger, queryBoolean } from './iot-control-shared.js';

export type JobsDataOperations = Pick<DeviceJobs, 'pending' | 'startNext' | 'describe' | 'update'>;

/** The Jobs data plane's modeled exceptions and statuses [JobsDP-model]. */
export const iotJobsDataErrors: AwsErrorTable = {
  NotFound: { status: 404, type: 'ResourceNotFoundException' },
  AlreadyExists: { status: 409, type: 'ConflictException' },
  Conflict: {
    status: 409, type: 'InvalidStateTransitionException', reasons: {
      terminal: { status: 410, type: 'TerminalStateException' },
    },
  },
  InvalidInput: { status: 400, type: 'InvalidRequestException' },
  Unauthorized: { status: 401, type: 'UnauthorizedException' },
  Forbidden: { status: 403, type: 'ForbiddenException' },
  TooLarge: { status: 413, type: 'InvalidRequestException' },
  Throttled: { status: 429, type: 'ThrottlingException' },
  Unavailable: { status: 503, type: 'ServiceUnavailableException' },
  Internal: { status: 500, type: 'InternalServerException' },
};

const SIGNING_NAME = 'iot-jobs-data';

export function getPendingJobExecutions(jobs: JobsDataOperations): HttpHandler {
  return (req) => {
    const { inProgress, queued } = jobs.pending(req.params.thingName);
    return { json: { inProgressJobs: inProgress.map(deviceExecutionSummary), queuedJobs: queued.map(deviceExecutionSummary) } };
  };
}

export function startNextPendingJobExecution(jobs: JobsDataOperations, now: () => number): HttpHandler {
  return async (req) => {
    if (req.params.jobId !== '$next') throw new EngineError('InvalidInput', 'Only the next pending job execution ($next) can be started');
    const body = jsonBody(req);
    const started = await jobs.startNext(req.params.thingName, {
      statusDetails: body.statusDetails ?? undefined, stepTimeoutInMinutes: optionalInteger(body.stepTimeoutInMinutes, 'stepTimeoutInMinutes'),
    });
    return { json: started ? { execution: deviceExecution(started.execution, started.job, { includeJobDocument: true, now: now(), documentAsText: true }) } : {} };
  };
}

export function describeJobExecution(jobs: JobsDataOperations, now: () => number): HttpHandler {
  return (req) => {
    const includeJobDocument = queryBoolean(req, 'includeJobDocument') ?? true;
    const found = jobs.describe(req.params.thingName, req.params.jobId, optionalInteger(req.query.get('executionNumber') ?? undefined, 'executionNumber'));
    return { json: found ? { execution: deviceExecution(found.execution, found.job, { includeJobDocument, now: now(), documentAsText: true }) } : {} };
  };
}

export function updateJobExecution(jobs: JobsDataOperations): HttpHandler {
  return async (req) => {
    const body = jsonBody(req);
    const updated = await jobs.update(req.params.thingName, req.params.jobId, {
      status: body.status, statusDetails: body.statusDetails ?? undefined,
      expectedVersion: optionalInteger(body.expectedVersion, 'expectedVersion'), executionNumber: optionalInteger(body.executionNumber, 'executionNumber'),
      stepTimeoutInMinutes: optionalInteger(body.stepTimeoutInMinutes, 'stepTimeoutInMinutes'),
    });
    return {
      json: {
        ...(optionalBoolean(body, 'includeJobExecutionState') === true ? { executionState: deviceExecutionState(updated.execution) } : {}),
        ...(optionalBoolean(body, 'includeJobDocument') === true && updated.job?.document !== undefined ? { jobDocument: updated.job.document } : {}),
      },
    };
  };
}

/** The Jobs data-plane routes, signed for `iot-jobs-data`. */
export function iotJobsDataRoutes(jobs: JobsDataOperations, now: () => number): Route[] {
  const routes: Route[] = [
    { method: 'GET', path: '/things/{thingName}/jobs', operation: 'GetPendingJobExecutions', handler: getPendingJobExecutions(jobs) },
    { method: 'PUT', path: '/things/{thingName}/jobs/{jobId}', operation: 'StartNextPendingJobExecution', handler: startNextPendingJobExecution(jobs, now) },
    { method: 'GET', path: '/things/{thingName}/jobs/{jobId}', operation: 'DescribeJobExecution', handler: describeJobExecution(jobs, now) },
    { method: 'POST', path: '/things/{thingName}/jobs/{jobId}', operation: 'UpdateJobExecution', handler: updateJobExecution(jobs) },
  ];
  return routes.map((r) => ({ ...r, errors: iotJobsDataErrors, signingName: SIGNING_NAME }));
}
