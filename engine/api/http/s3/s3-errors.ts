/**
 * S3's errors on the wire: `<Error><Code>…<Message>…<Resource>…<RequestId>…</Error>` (no namespace), the status per
 * code as S3's error table gives it; a HEAD gets the status alone (S3 sends no body to a HEAD).
 */
import { EngineError } from '../../../core/index.js';
import { AwsError } from '../aws-errors.js';
import { el } from './s3-xml.js';

const statuses: Record<string, number> = {
  NoSuchBucket: 404, NoSuchKey: 404, NoSuchUpload: 404, BucketAlreadyOwnedByYou: 409, BucketNotEmpty: 409,
  InvalidBucketName: 400, KeyTooLongError: 400, InvalidPart: 400, InvalidPartOrder: 400, EntityTooSmall: 400,
  EntityTooLarge: 400, InvalidRequest: 400, InvalidArgument: 400, MalformedXML: 400, InvalidRange: 416,
  PreconditionFailed: 412, TooManyBuckets: 400, BadDigest: 400, InvalidDigest: 400, NotImplemented: 501, MethodNotAllowed: 405,
  AccessDenied: 403, SignatureDoesNotMatch: 403, InvalidAccessKeyId: 403, MissingContentLength: 411, IncompleteBody: 400,
  InternalError: 500,
};

/** An error the S3 edge raises itself (bad headers, unsupported features), with S3's code and message. */
export class S3WireError extends Error {
  constructor(readonly code: string, message: string, readonly fields: Record<string, string | number> = {}, readonly status = statuses[code] ?? 400) {
    super(message);
  }
}

export interface RenderedS3Error { status: number; code: string; message: string; body: string; unexpected: boolean }

/** Any error a handler threw → S3's status and XML. */
export function renderS3Error(err: unknown, requestId: string): RenderedS3Error {
  let code = 'InternalError';
  let message = 'We encountered an internal error. Please try again.';
  let fields: Record<string, string | number> = {};
  let status = 500;
  let unexpected = false;
  if (err instanceof S3WireError) {
    ({ code, message, fields, status } = err);
  } else if (err instanceof AwsError && err.status === 403) {
    // SigV4 refusals (security/sigv4.ts) in S3's words.
    code = signatureCodes[err.type] ?? 'AccessDenied';
    message = code === 'InvalidAccessKeyId' ? 'The AWS Access Key Id you provided does not exist in our records.' : err.message;
    if (err.message.startsWith('Signature expired')) [code, message] = ['AccessDenied', 'Request has expired'];
    status = code === 'AuthorizationQueryParametersError' || code === 'XAmzContentSHA256Mismatch' ? 400 : 403;
  } else if (err instanceof AwsError) {
    code = 'InvalidRequest';
    ({ message, status } = err);
  } else if (err instanceof EngineError && typeof (err.details as { reason?: unknown } | undefined)?.reason === 'string') {
    const { reason, resource, ...rest } = err.details as Record<string, string | number>;
    code = String(reason);
    message = err.message;
    status = statuses[code] ?? 400;
    fields = { ...rest, ...(resource !== undefined ? { Resource: resource } : {}) };
    delete fields.problem;
  } else if (err instanceof EngineError && err.code === 'TooLarge') {
    code = 'EntityTooLarge';
    message = 'Your proposed upload exceeds the maximum allowed size';
    status = 400;
  } else if (err instanceof EngineError && err.code === 'Unauthorized') {
    code = 'AccessDenied';
    message = err.message;
    status = 403;
  } else {
    unexpected = true;
  }
  const extra = Object.entries(fields).map(([k, v]) => el(k, v)).join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${el('Code', code)}${el('Message', message)}${extra}${el('RequestId', requestId)}${el('HostId', hostId(requestId))}</Error>`;
  return { status, code, message, body, unexpected };
}

const signatureCodes: Record<string, string> = {
  InvalidSignatureException: 'SignatureDoesNotMatch', UnrecognizedClientException: 'InvalidAccessKeyId',
  MissingAuthenticationTokenException: 'AccessDenied', IncompleteSignatureException: 'AuthorizationQueryParametersError',
  XAmzContentSHA256Mismatch: 'XAmzContentSHA256Mismatch', ExpiredTokenException: 'ExpiredToken', ForbiddenException: 'AccessDenied',
};

/** S3's `x-amz-id-2` (an opaque host id); derived from the request id here. */
export function hostId(requestId: string): string {
  return Buffer.from(requestId).toString('base64');
}
