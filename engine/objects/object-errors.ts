/**
 * The local S3's errors: `EngineError`s whose `details.reason` is S3's error code, with S3's own message (the HTTP
 * edge maps the reason to S3's status and XML). `details.resource` is what S3 names in `<Resource>`, and other
 * details (BucketName, Key, UploadId…) become extra XML elements as S3 sends them.
 */
import { EngineError, type ErrorCode } from '../core/index.js';

export type S3ErrorCode =
  | 'NoSuchBucket' | 'NoSuchKey' | 'NoSuchUpload' | 'BucketAlreadyOwnedByYou' | 'BucketNotEmpty' | 'InvalidBucketName'
  | 'KeyTooLongError' | 'InvalidPart' | 'InvalidPartOrder' | 'EntityTooSmall' | 'EntityTooLarge' | 'InvalidRequest'
  | 'InvalidArgument' | 'MalformedXML' | 'InvalidRange' | 'PreconditionFailed' | 'TooManyBuckets';

const table: Record<S3ErrorCode, [ErrorCode, string]> = {
  NoSuchBucket: ['NotFound', 'The specified bucket does not exist'],
  NoSuchKey: ['NotFound', 'The specified key does not exist.'],
  NoSuchUpload: ['NotFound', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'],
  BucketAlreadyOwnedByYou: ['AlreadyExists', 'Your previous request to create the named bucket succeeded and you already own it.'],
  BucketNotEmpty: ['Conflict', 'The bucket you tried to delete is not empty'],
  InvalidBucketName: ['InvalidInput', 'The specified bucket is not valid.'],
  KeyTooLongError: ['InvalidInput', 'Your key is too long'],
  InvalidPart: ['InvalidInput', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."],
  InvalidPartOrder: ['InvalidInput', 'The list of parts was not in ascending order. Parts must be ordered by part number.'],
  EntityTooSmall: ['InvalidInput', 'Your proposed upload is smaller than the minimum allowed object size.'],
  EntityTooLarge: ['TooLarge', 'Your proposed upload exceeds the maximum allowed size'],
  InvalidRequest: ['InvalidInput', 'Invalid Request'],
  InvalidArgument: ['InvalidInput', 'Invalid Argument'],
  MalformedXML: ['InvalidInput', 'The XML you provided was not well-formed or did not validate against our published schema'],
  InvalidRange: ['InvalidInput', 'The requested range is not satisfiable'],
  PreconditionFailed: ['Conflict', 'At least one of the pre-conditions you specified did not hold'],
  TooManyBuckets: ['InvalidInput', 'You have attempted to create more buckets than allowed'],
};

/** S3's error `reason` with its standard message (or `message` where S3 words it per case). */
export function s3Error(reason: S3ErrorCode, details: Record<string, string | number> = {}, message?: string): EngineError {
  const [code, text] = table[reason];
  return new EngineError(code, message ?? text, { reason, ...details });
}
