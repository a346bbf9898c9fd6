/**
 * The shadow `…/rejected` edge's mapping table (ARCHITECTURE §6): EngineError → AWS's error response document
 * `{code, message, timestamp, clientToken?}` [DG:device-shadow-document#device-shadow-example-error-json].
 */
import { isEngineError, type ErrorCode } from '../core/index.js';
import { isUnsupportedEncoding } from './shadow-request.js';

const codes: Record<ErrorCode, number> = {
  InvalidInput: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, AlreadyExists: 409,
  TooLarge: 413, Throttled: 429, Unavailable: 503, Internal: 500,
};

export interface RejectedDocument {
  code: number;
  message: string;
  timestamp: number;
  clientToken?: string;
}

export function rejectedDocument(err: unknown, timestamp: number, clientToken?: string): RejectedDocument {
  let code = 500;
  let message = 'Internal service failure';
  if (isEngineError(err) && err.code !== 'Internal') {
    code = isUnsupportedEncoding(err) ? 415 : codes[err.code];
    message = err.message;
  }
  return clientToken === undefined ? { code, message, timestamp } : { code, message, timestamp, clientToken };
}
