/**
 * The Jobs device API's data types [DG:jobs-mqtt-https-api] (the same on MQTT and on the Jobs data-plane HTTP API):
 * JobExecution, JobExecutionState and JobExecutionSummary. Times are epoch seconds, as the AWS IoT Device SDKs read
 * them (the guide's examples show milliseconds; the SDKs and the service use seconds).
 *
 * LIMITATIONS:
 * - `approximateSecondsBeforeTimedOut` appears only while a timeout policy has set a deadline.
 */
import type { ExecutionRecord, JobRecord } from './job-types.js';

export const epochSeconds = (ms: number) => Math.floor(ms / 1000);

export interface DeviceJobExecution {
  jobId: string;
  thingName: string;
  /** A JSON object on MQTT; its text on the HTTP API. */
  jobDocument?: unknown;
  status: string;
  statusDetails?: Record<string, string>;
  queuedAt: number;
  startedAt?: number;
  lastUpdatedAt: number;
  versionNumber: number;
  executionNumber: number;
  approximateSecondsBeforeTimedOut?: number;
}

/** JobExecution; `jobDocument` as a JSON object (MQTT) unless `documentAsText` (the HTTP API models it as a string). */
export function deviceExecution(e: ExecutionRecord, job: JobRecord | undefined, opts: { includeJobDocument: boolean; now: number; documentAsText?: boolean }): DeviceJobExecution {
  const doc = opts.includeJobDocument && job?.document !== undefined ? (opts.documentAsText ? job.document : (JSON.parse(job.document) as Record<string, unknown>)) : undefined;
  return {
    jobId: e.jobId,
    thingName: e.thingName,
    ...(doc !== undefined ? { jobDocument: doc } : {}),
    status: e.status,
    ...(Object.keys(e.statusDetails).length ? { statusDetails: e.statusDetails } : {}),
    queuedAt: epochSeconds(e.queuedAt),
    ...(e.startedAt !== undefined ? { startedAt: epochSeconds(e.startedAt) } : {}),
    lastUpdatedAt: epochSeconds(e.lastUpdatedAt),
    ...(e.timeoutAt !== undefined && (e.status === 'IN_PROGRESS' || e.status === 'QUEUED')
      ? { approximateSecondsBeforeTimedOut: Math.max(0, Math.round((e.timeoutAt - opts.now) / 1000)) } : {}),
    versionNumber: e.versionNumber,
    executionNumber: e.executionNumber,
  };
}

/** JobExecutionState: status, statusDetails, versionNumber. */
export function deviceExecutionState(e: ExecutionRecord) {
  return { status: e.status, ...(Object.keys(e.statusDetails).length ? { statusDetails: e.statusDetails } : {}), versionNumber: e.versionNumber };
}

/** JobExecutionSummary: the job id, times, version and execution number. */
export function deviceExecutionSummary(e: ExecutionRecord) {
  return {
    jobId: e.jobId,
    queuedAt: epochSeconds(e.queuedAt),
    ...(e.startedAt !== undefined ? { startedAt: epochSeconds(e.startedAt) } : {}),
    lastUpdatedAt: epochSeconds(e.lastUpdatedAt),
    versionNumber: e.versionNumber,
    executionNumber: e.executionNumber,
  };
}
