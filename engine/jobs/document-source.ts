/**
 * A job's `documentSource`: CreateJob (and CreateJob from a template whose document has a source) reads the job
 * document from the engine's local S3, where AWS reads it from S3. The document must exist, be at most 32 KB and be a
 * JSON object, with AWS's InvalidRequestException otherwise.
 *
 * LIMITATIONS: the object is read once, when the job is created (as AWS does); the role that would read it on AWS
 * is not checked.
 */
import { EngineError } from '../core/index.js';
import { parseS3ObjectUrl, type S3ObjectRef } from './s3-object-url.js';

/** AWS's limit on a job document. */
export const MAX_JOB_DOCUMENT_BYTES = 32_768;

/** The local S3 as a document source reads it. */
export interface DocumentObjects {
  head(bucket: string, key: string): { size: number };
  readPrefix(bucket: string, key: string, max: number): Buffer;
}

const invalid = (message: string) => new EngineError('InvalidInput', message);

/** The object a `documentSource` names, or AWS's refusal of the URL. */
export function documentSourceRef(source: string): S3ObjectRef {
  if (source.length > 1350) throw invalid(`1 validation error detected: Value at 'documentSource' failed to satisfy constraint: Member must have length less than or equal to 1350`);
  const ref = parseS3ObjectUrl(source);
  if (!ref) throw invalid(`The document source is not a valid S3 object URL: ${source}`);
  return ref;
}

/** Checks a job document as AWS does: at most 32 KB, a JSON object. */
export function checkJobDocument(document: string, from = 'The job document'): void {
  if (Buffer.byteLength(document, 'utf8') > MAX_JOB_DOCUMENT_BYTES) throw invalid(`${from} is larger than the maximum size of 32 KB`);
  let value: unknown;
  try {
    value = JSON.parse(document);
  } catch {
    throw invalid(`${from} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${from} must be a JSON object`);
}

/** The job document a `documentSource` holds, read from the local S3 now. */
export function readDocumentSource(objects: DocumentObjects, source: string): string {
  const ref = documentSourceRef(source);
  let size: number;
  try {
    size = objects.head(ref.bucket, ref.key).size;
  } catch (e) {
    if (e instanceof EngineError && e.code === 'NotFound') {
      throw invalid(`Could not read the job document from ${source}: ${(e.details as { reason?: string } | undefined)?.reason === 'NoSuchBucket' ? `the bucket ${ref.bucket} does not exist` : `the object ${ref.key} does not exist in bucket ${ref.bucket}`}`);
    }
    throw e;
  }
  if (size > MAX_JOB_DOCUMENT_BYTES) throw invalid(`The job document at ${source} is larger than the maximum size of 32 KB`);
  const document = objects.readPrefix(ref.bucket, ref.key, MAX_JOB_DOCUMENT_BYTES).toString('utf8');
  checkJobDocument(document, `The job document at ${source}`);
  return document;
}
