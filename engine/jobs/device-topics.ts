/**
 * The Jobs device API over MQTT [DG:jobs-mqtt-api]: requests on `$aws/things/{thing}/jobs/get`, `…/start-next`,
 * `…/{jobId}/get` (`$next` too) and `…/{jobId}/update`, answered on the request topic + `/accepted` or `/rejected`
 * to the requesting client; the rejected document is `{code, message, clientToken, timestamp, executionState?}` with
 * AWS's codes (InvalidTopic, InvalidJson, InvalidRequest, InvalidStateTransition, ResourceNotFound, VersionMismatch,
 * TerminalStateReached, RequestThrottled, InternalError). Timestamps are epoch seconds.
 *
 * LIMITATIONS:
 * - Replies go to the requesting client alone (directed delivery), whether or not it subscribed; a request the engine
 *   made itself (the UI) is answered with a normal publish on the reply topic.
 * - Who may act for a thing is what the policies say about the request topics (iot:Publish); nothing else is checked.
 */
import { EngineError, isEngineError, type Disposable, type Logger } from '../core/index.js';
import { deviceExecution, deviceExecutionState, deviceExecutionSummary, epochSeconds } from './device-shapes.js';
import type { DeviceJobs } from './device-jobs.js';
import type { ExecutionRecord } from './job-types.js';

/** A request as the broker's tap gives it. */
export interface JobRequest {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  clientId: string | null;
  origin: 'engine' | 'client';
  will?: true;
}

export interface JobTopicsPort {
  tap(filter: string, handler: (msg: JobRequest) => void): Disposable;
  /** Sends a reply to the client that made the request (null: the engine itself, HTTP Publish or the UI). */
  reply(clientId: string | null, topic: string, payload: Buffer, qos: 0 | 1): void;
}

export const JOBS_FILTER = '$aws/things/+/jobs/#';

type Request =
  | { op: 'get'; thing: string }
  | { op: 'start-next'; thing: string }
  | { op: 'describe'; thing: string; jobId: string }
  | { op: 'update'; thing: string; jobId: string };

/** What a topic under `$aws/things/{thing}/jobs/` asks; `reply` for the service's own topics; undefined: invalid. */
export function parseJobTopic(topic: string): Request | 'reply' | undefined {
  const p = topic.split('/');
  if (p[0] !== '$aws' || p[1] !== 'things' || p[3] !== 'jobs' || p.length < 5) return undefined;
  const thing = p[2];
  const rest = p.slice(4);
  const last = rest[rest.length - 1];
  if (last === 'accepted' || last === 'rejected' || (rest.length === 1 && (last === 'notify' || last === 'notify-next'))) return 'reply';
  if (rest.length === 1 && last === 'get') return { op: 'get', thing };
  if (rest.length === 1 && last === 'start-next') return { op: 'start-next', thing };
  if (rest.length === 2 && rest[0] !== '' && last === 'get') return { op: 'describe', thing, jobId: rest[0] };
  if (rest.length === 2 && rest[0] !== '' && last === 'update') return { op: 'update', thing, jobId: rest[0] };
  return undefined;
}

class RequestError extends Error {
  constructor(readonly code: string, message: string, readonly execution?: ExecutionRecord) {
    super(message);
  }
}

export class JobTopics {
  private tapHandle: Disposable | undefined;

  constructor(private readonly jobs: DeviceJobs, private readonly port: JobTopicsPort, private readonly now: () => number, private readonly logger: Logger) {}

  start(): void {
    this.tapHandle = this.port.tap(JOBS_FILTER, (msg) => void this.onRequest(msg));
  }

  stop(): void {
    this.tapHandle?.dispose();
    this.tapHandle = undefined;
  }

  private async onRequest(msg: JobRequest): Promise<void> {
    if (msg.will) return; // a client's last will is nobody's request
    const request = parseJobTopic(msg.topic);
    if (request === 'reply') return;
    const qos = msg.qos === 0 ? 0 : 1;
    const clientToken = clientTokenOf(msg.payload);
    try {
      if (!request) throw new RequestError('InvalidTopic', `The topic ${msg.topic} is not a valid AWS IoT Jobs topic`);
      const body = parseBody(msg.payload);
      const token = optional(body, 'clientToken', 'string');
      if (token !== undefined && token.length > 64) throw new RequestError('InvalidRequest', 'clientToken must be at most 64 characters');
      const answer = await this.answer(request, body);
      this.send(msg, `${msg.topic}/accepted`, { ...answer, timestamp: epochSeconds(this.now()), ...(clientToken !== undefined ? { clientToken } : {}) }, qos);
    } catch (e) {
      const err = toRequestError(e);
      if (err.code === 'InternalError') this.logger.log('error', 'jobs', `${msg.topic}: ${(e as Error).stack ?? String(e)}`);
      this.send(msg, `${msg.topic}/rejected`, {
        code: err.code, message: err.message, ...(clientToken !== undefined ? { clientToken } : {}), timestamp: epochSeconds(this.now()),
        ...(err.execution ? { executionState: deviceExecutionState(err.execution) } : {}),
      }, qos);
    }
  }

  private async answer(request: Request, body: Record<string, unknown>): Promise<object> {
    const now = this.now();
    switch (request.op) {
      case 'get': {
        const { inProgress, queued } = this.jobs.pending(request.thing);
        return { inProgressJobs: inProgress.map(deviceExecutionSummary), queuedJobs: queued.map(deviceExecutionSummary) };
      }
      case 'start-next': {
        const started = await this.jobs.startNext(request.thing, {
          statusDetails: body.statusDetails ?? undefined, stepTimeoutInMinutes: optional(body, 'stepTimeoutInMinutes', 'integer'),
        });
        return started ? { execution: deviceExecution(started.execution, started.job, { includeJobDocument: true, now }) } : {};
      }
      case 'describe': {
        const includeJobDocument = optional(body, 'includeJobDocument', 'boolean') ?? true;
        const found = this.jobs.describe(request.thing, request.jobId, optional(body, 'executionNumber', 'integer'));
        return found ? { execution: deviceExecution(found.execution, found.job, { includeJobDocument, now }) } : {};
      }
      case 'update': {
        if (request.jobId === '$next') throw new RequestError('InvalidRequest', '$next can be used only to describe the next pending job execution');
        const updated = await this.jobs.update(request.thing, request.jobId, {
          status: body.status, statusDetails: body.statusDetails ?? undefined,
          expectedVersion: optional(body, 'expectedVersion', 'integer'), executionNumber: optional(body, 'executionNumber', 'integer'),
          stepTimeoutInMinutes: optional(body, 'stepTimeoutInMinutes', 'integer'),
        });
        const doc = optional(body, 'includeJobDocument', 'boolean') === true && updated.job?.document !== undefined ? JSON.parse(updated.job.document) as unknown : undefined;
        return {
          ...(optional(body, 'includeJobExecutionState', 'boolean') === true ? { executionState: deviceExecutionState(updated.execution) } : {}),
          ...(doc !== undefined ? { jobDocument: doc } : {}),
        };
      }
    }
  }

  private send(msg: JobRequest, topic: string, body: object, qos: 0 | 1): void {
    this.port.reply(msg.clientId, topic, Buffer.from(JSON.stringify(body)), qos);
  }
}

/** The request's clientToken, echoed in every reply that can carry it (also when the request is refused). */
function clientTokenOf(payload: Buffer): string | undefined {
  try {
    const body = JSON.parse(payload.toString('utf8')) as unknown;
    const token = body && typeof body === 'object' && !Array.isArray(body) ? (body as { clientToken?: unknown }).clientToken : undefined;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}

function parseBody(payload: Buffer): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new RequestError('InvalidJson', 'The request payload is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RequestError('InvalidJson', 'The request payload must be a JSON object');
  return body as Record<string, unknown>;
}

function optional(body: Record<string, unknown>, key: string, type: 'string'): string | undefined;
function optional(body: Record<string, unknown>, key: string, type: 'boolean'): boolean | undefined;
function optional(body: Record<string, unknown>, key: string, type: 'integer'): number | undefined;
function optional(body: Record<string, unknown>, key: string, type: 'string' | 'boolean' | 'integer'): unknown {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  const ok = type === 'integer' ? Number.isSafeInteger(v) : typeof v === type;
  if (!ok) throw new RequestError('InvalidRequest', `${key} must be ${type === 'integer' ? 'an integer' : `a ${type}`}`);
  return v;
}

/** EngineError → the device API's error code. */
function toRequestError(e: unknown): RequestError {
  if (e instanceof RequestError) return e;
  if (!isEngineError(e)) return new RequestError('InternalError', 'Internal error');
  const details = (e.details ?? {}) as { reason?: string; execution?: ExecutionRecord };
  switch (e.code) {
    case 'NotFound': return new RequestError('ResourceNotFound', e.message);
    case 'InvalidInput': return new RequestError('InvalidRequest', e.message);
    case 'Throttled': return new RequestError('RequestThrottled', e.message);
    case 'Conflict': {
      const code = details.reason === 'version' ? 'VersionMismatch' : details.reason === 'terminal' ? 'TerminalStateReached' : 'InvalidStateTransition';
      // executionState rides only on InvalidStateTransition and VersionMismatch [DG:jobs-mqtt-api ErrorResponse]
      return new RequestError(code, e.message, code === 'TerminalStateReached' ? undefined : details.execution);
    }
    default: return new RequestError('InternalError', e instanceof EngineError && e.code !== 'Internal' ? e.message : 'Internal error');
  }
}
