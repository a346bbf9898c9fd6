/**
 * The job execution state machine [DG:iot-jobs-lifecycle]: QUEUED → IN_PROGRESS → SUCCEEDED | FAILED | REJECTED;
 * TIMED_OUT, REMOVED and CANCELED are set by the service. A device may set only IN_PROGRESS, SUCCEEDED, FAILED
 * and REJECTED, from QUEUED or IN_PROGRESS (IN_PROGRESS → IN_PROGRESS reports progress). Pure functions.
 */
import { EXECUTION_STATUSES, type ExecutionStatus } from './job-types.js';

export const TERMINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED']);
export const DEVICE_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED']);

export const isTerminal = (s: ExecutionStatus) => TERMINAL_STATUSES.has(s);
export const isPending = (s: ExecutionStatus) => s === 'QUEUED' || s === 'IN_PROGRESS';
export const isExecutionStatus = (s: unknown): s is ExecutionStatus => typeof s === 'string' && (EXECUTION_STATUSES as readonly string[]).includes(s);

/** Whether a device may move an execution from `from` to `to`. */
export function deviceMayMove(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return isPending(from) && DEVICE_STATUSES.has(to);
}

/** Whether the service may move an execution from `from` to `to` (cancel, remove, time out): only pending ones. */
export function serviceMayMove(from: ExecutionStatus, to: ExecutionStatus, force: boolean): boolean {
  if (!isPending(from)) return false;
  if (to === 'CANCELED') return from === 'QUEUED' || force;
  return to === 'TIMED_OUT' || to === 'REMOVED';
}

/** The event operation of `$aws/events/jobExecution/{jobId}/{operation}` for a terminal status. */
export function executionEventOperation(status: ExecutionStatus): string | undefined {
  return isTerminal(status) ? status.toLowerCase() : undefined;
}

/** Key pattern and sizes of `statusDetails` [API JobExecutionState]: at most 10 pairs. */
export const STATUS_DETAILS_MAX = 10;
const DETAIL_KEY = /^[a-zA-Z0-9:_-]{1,128}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The reason `statusDetails` is refused, or undefined when it is a valid map. */
export function statusDetailsProblem(details: unknown): string | undefined {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return 'statusDetails must be a map of strings to strings';
  const entries = Object.entries(details);
  if (entries.length > STATUS_DETAILS_MAX) return `statusDetails can have at most ${STATUS_DETAILS_MAX} entries`;
  for (const [k, v] of entries) {
    if (!DETAIL_KEY.test(k)) return `Invalid statusDetails key: ${k}. Keys must be 1 to 128 characters of [a-zA-Z0-9:_-]`;
    if (typeof v !== 'string') return `The value of statusDetails key ${k} must be a string`;
    if (v.length < 1 || v.length > 1024 || CONTROL.test(v)) return `Invalid statusDetails value for key ${k}: values must be 1 to 1024 printable characters`;
  }
  return undefined;
}
