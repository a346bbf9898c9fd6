/** The only error type services throw; each edge maps `code` to its own wire form (ARCHITECTURE §6). */
export type ErrorCode =
  | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'InvalidInput' | 'Unauthorized'
  | 'Forbidden' | 'TooLarge' | 'Throttled' | 'Unavailable' | 'Internal';

export class EngineError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: object) {
    super(message);
    this.name = 'EngineError';
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}
