/** What the SQS edge needs of the sinks (SinkService satisfies it), and what every operation gets per request. */
import { EngineError } from '../../../core/index.js';
import type { JsonObject, SinkInfo } from '../../../contract/index.js';
import type { QueueSink } from '../../../sinks/index.js';
import { queueNameOf } from './queue-url.js';
import { sqsError } from './sqs-errors.js';

export interface SqsBackend {
  create(kind: 'queue', name: string, options?: JsonObject): Promise<SinkInfo>;
  delete(kind: 'queue', name: string): Promise<void>;
  list(kind: 'queue'): SinkInfo[];
  readonly queues: Pick<QueueSink, 'send' | 'receive' | 'delete' | 'changeVisibility' | 'purge' | 'configure' | 'checkRedrive' | 'stats' | 'tags' | 'retag' | 'has'>;
}

export interface SqsRequestContext {
  /** `http://host:port` as the client reached the engine (the Host header): queue URLs are made with it. */
  readonly endpoint: string;
  /** The request path: the query protocol may post to the queue's URL instead of naming it in `QueueUrl`. */
  readonly path?: string;
  /** Aborted when the client goes away (ends a long poll). */
  readonly signal?: AbortSignal;
}

/** The queue an operation names (QueueUrl, or the path the query protocol posted to); NonExistentQueue if missing. */
export function queueOf(backend: SqsBackend, input: { QueueUrl?: unknown }, ctx: SqsRequestContext): string {
  const url = typeof input.QueueUrl === 'string' && input.QueueUrl !== '' ? input.QueueUrl : ctx.path && ctx.path !== '/' ? ctx.path : undefined;
  if (url === undefined) throw missing('QueueUrl');
  const name = queueNameOf(url);
  if (!backend.queues.has(name)) throw new EngineError('NotFound', 'The specified queue does not exist.');
  return name;
}

export const missing = (parameter: string) => sqsError('missingParameter', `The request must contain the parameter ${parameter}.`);

/** An integer parameter (numbers arrive as numbers over JSON and may arrive as text over query). */
export function intParam(input: Record<string, unknown>, name: string): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw sqsError('invalidParameter', `Value ${String(v)} for parameter ${name} is invalid. Reason: must be an integer.`);
  return n;
}

export function stringParam(input: Record<string, unknown>, name: string, required: true): string;
export function stringParam(input: Record<string, unknown>, name: string, required?: false): string | undefined;
export function stringParam(input: Record<string, unknown>, name: string, required = false): string | undefined {
  const v = input[name];
  if (v === undefined || v === null || (required && v === '')) {
    if (required) throw missing(name);
    return undefined;
  }
  if (typeof v !== 'string') throw sqsError('invalidParameter', `Value ${JSON.stringify(v)} for parameter ${name} is invalid. Reason: must be a string.`);
  return v;
}

export function stringList(input: Record<string, unknown>, name: string): string[] | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw sqsError('invalidParameter', `Value ${JSON.stringify(v)} for parameter ${name} is invalid. Reason: must be a list of strings.`);
  return v as string[];
}

export function stringMap(input: Record<string, unknown>, name: string): Record<string, string> | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw sqsError('invalidParameter', `Value for parameter ${name} is invalid. Reason: must be a map of strings.`);
  }
  return v as Record<string, string>;
}

/** A page of names after `NextToken`, at most `MaxResults` (1–1000; without it, up to 1000 and no token). */
export function page(names: string[], input: Record<string, unknown>): { names: string[]; next?: string } {
  const max = intParam(input, 'MaxResults');
  if (max !== undefined && (max < 1 || max > 1000)) {
    throw sqsError('invalidParameter', `Value ${max} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.`);
  }
  const token = stringParam(input, 'NextToken');
  let start = 0;
  if (token !== undefined) {
    const after = Buffer.from(token, 'base64').toString('utf8');
    if (!after.startsWith('after:')) throw sqsError('invalidParameter', 'Invalid NextToken value.');
    start = names.findIndex((n) => n > after.slice(6));
    if (start < 0) start = names.length;
  }
  const limit = max ?? 1000;
  const slice = names.slice(start, start + limit);
  const more = max !== undefined && start + limit < names.length;
  return { names: slice, ...(more ? { next: Buffer.from(`after:${slice[slice.length - 1]}`).toString('base64') } : {}) };
}
