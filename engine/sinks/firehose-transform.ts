/**
 * Firehose data transformation with a Lambda processor [Firehose DG: "Transform source data in Amazon Data
 * Firehose", "Required parameters for data transformation", "Handle failure in data transformation"]. Buffered
 * records go to the function in batches of at most the processor's buffer size, as Firehose's event
 * (`invocationId`, `deliveryStreamArn`, `region`, `records: [{recordId, approximateArrivalTimestamp, data}]`). The
 * response must return every record id exactly once with `result` Ok (its `data` is delivered), Dropped (not
 * delivered) or ProcessingFailed; anything else fails the batch. An invocation that fails (the function throws, times
 * out, is missing or busy) is retried `NumberOfRetries` times (3 by default), each attempt with a new invocationId;
 * after that the batch fails. Failed records become Firehose's error records (`attemptsMade`, `arrivalTimestamp`,
 * `errorCode`, `errorMessage`, `attemptEndingTimestamp`, `rawData`, `lambdaArn`) for the error output prefix.
 */
import crypto from 'node:crypto';
import { EngineError } from '../core/index.js';
import type { FunctionRunner } from './sink-context.js';

export interface TransformSettings {
  /** The local function's name. */
  fn: string;
  /** The processor's `LambdaArn`, as configured (written into error records). */
  lambdaArn: string;
  retries: number;
  /** Largest batch per invocation, in bytes of record data (the processor's BufferSizeInMBs; at least one record). */
  batchBytes: number;
  deliveryStreamArn: string;
  region: string;
}

export interface SourceRecord { id: number; data: Buffer; time: number }

/** A failed record as Firehose writes it under the error output prefix. */
export interface ErrorRecord {
  attemptsMade: number;
  arrivalTimestamp: number;
  errorCode: string;
  errorMessage: string;
  attemptEndingTimestamp: number;
  rawData: string;
  lambdaArn: string;
}

export type TransformOutcome = { result: 'Ok'; data: Buffer } | { result: 'Dropped' } | { result: 'ProcessingFailed'; error: ErrorRecord };

interface Failure { errorCode: string; errorMessage: string }

// [Firehose DG: "Monitoring with CloudWatch Logs", Lambda invocation errors]
const FAILURES = {
  function: { errorCode: 'Lambda.FunctionError', errorMessage: 'The Lambda function was successfully invoked but it returned an error result.' },
  notFound: { errorCode: 'Lambda.ResourceNotFound', errorMessage: 'The specified Lambda function does not exist. Use a different function that does exist.' },
  busy: { errorCode: 'Lambda.InvokeLimitExceeded', errorMessage: 'The Lambda concurrent execution limit is exceeded. Increase the concurrent execution limit.' },
  json: { errorCode: 'Lambda.JsonProcessingException', errorMessage: 'There was an error parsing returned records from the Lambda function. Ensure that the returned records follow the status model required by Firehose.' },
  duplicated: { errorCode: 'Lambda.DuplicatedRecordId', errorMessage: 'Multiple records were returned with the same record ID. Ensure that the Lambda function returns unique record IDs for each record.' },
  missing: { errorCode: 'Lambda.MissingRecordId', errorMessage: 'One or more record IDs were not returned. Ensure that the Lambda function returns all received record IDs.' },
  processingFailed: { errorCode: 'Lambda.ProcessingFailedStatus', errorMessage: 'ProcessingFailed status set for record' },
} satisfies Record<string, Failure>;

/** Transforms records with the processor's function; one outcome per record, in order. Never rejects for the function's faults. */
export async function transformRecords(runner: FunctionRunner, s: TransformSettings, records: SourceRecord[], now: () => number): Promise<TransformOutcome[]> {
  const out: TransformOutcome[] = [];
  for (const batch of batches(records, s.batchBytes)) out.push(...await transformBatch(runner, s, batch, now));
  return out;
}

function batches(records: SourceRecord[], maxBytes: number): SourceRecord[][] {
  const out: SourceRecord[][] = [];
  let current: SourceRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    if (current.length && bytes + r.data.length > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += r.data.length;
  }
  if (current.length) out.push(current);
  return out;
}

async function transformBatch(runner: FunctionRunner, s: TransformSettings, batch: SourceRecord[], now: () => number): Promise<TransformOutcome[]> {
  const event = (invocationId: string) => ({
    invocationId, deliveryStreamArn: s.deliveryStreamArn, region: s.region,
    records: batch.map((r) => ({ recordId: String(r.id), approximateArrivalTimestamp: r.time, data: r.data.toString('base64') })),
  });
  let attempts = 0;
  for (;;) {
    attempts++;
    let response: unknown;
    try {
      response = await runner.invoke(s.fn, event(crypto.randomUUID()));
    } catch (e) {
      if (attempts <= s.retries) continue;
      return failAll(batch, invocationFailure(e), attempts, s, now());
    }
    const checked = checkResponse(response, batch);
    if ('errorCode' in checked) return failAll(batch, checked, attempts, s, now());
    return batch.map((r) => {
      const got = checked.get(String(r.id))!;
      if (got.result === 'Ok') return { result: 'Ok', data: Buffer.from(got.data!, 'base64') };
      if (got.result === 'Dropped') return { result: 'Dropped' };
      return { result: 'ProcessingFailed', error: errorRecord(r, FAILURES.processingFailed, attempts, s, now()) };
    });
  }
}

function invocationFailure(e: unknown): Failure {
  const reason = e instanceof EngineError ? (e.details as { reason?: string } | undefined)?.reason : undefined;
  if (reason === 'NotFound') return FAILURES.notFound;
  if (reason === 'Busy') return FAILURES.busy;
  return FAILURES.function;
}

interface Returned { result: 'Ok' | 'Dropped' | 'ProcessingFailed'; data?: string }

/** The response's records by id, or why it breaks Firehose's status model. */
function checkResponse(response: unknown, batch: SourceRecord[]): Map<string, Returned> | Failure {
  const list = (response as { records?: unknown } | null)?.records;
  if (!Array.isArray(list)) return FAILURES.json;
  const byId = new Map<string, Returned>();
  for (const item of list) {
    const r = item as { recordId?: unknown; result?: unknown; data?: unknown } | null;
    if (!r || typeof r !== 'object' || typeof r.recordId !== 'string') return FAILURES.json;
    if (r.result !== 'Ok' && r.result !== 'Dropped' && r.result !== 'ProcessingFailed') return FAILURES.json;
    if (r.data !== undefined && r.data !== null && (typeof r.data !== 'string' || !isBase64(r.data))) return FAILURES.json;
    if (r.result === 'Ok' && typeof r.data !== 'string') return FAILURES.json;
    if (byId.has(r.recordId)) return FAILURES.duplicated;
    byId.set(r.recordId, { result: r.result, data: typeof r.data === 'string' ? r.data : undefined });
  }
  const sent = new Set(batch.map((r) => String(r.id)));
  if (byId.size !== sent.size || [...byId.keys()].some((id) => !sent.has(id))) return FAILURES.missing;
  return byId;
}

const isBase64 = (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;

function failAll(batch: SourceRecord[], f: Failure, attempts: number, s: TransformSettings, at: number): TransformOutcome[] {
  return batch.map((r) => ({ result: 'ProcessingFailed', error: errorRecord(r, f, attempts, s, at) }));
}

function errorRecord(r: SourceRecord, f: Failure, attemptsMade: number, s: TransformSettings, at: number): ErrorRecord {
  return {
    attemptsMade, arrivalTimestamp: r.time, errorCode: f.errorCode, errorMessage: f.errorMessage, attemptEndingTimestamp: at,
    rawData: r.data.toString('base64'), lambdaArn: s.lambdaArn,
  };
}
