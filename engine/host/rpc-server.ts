import { isMethodName, type Disposable, type MethodName, type Transport, type WireError, type WireErrorCode, type WireMessage } from '../contract/index.js';
import { isEngineError, streamLogger, type ErrorCode, type Logger } from '../core/index.js';
import type { Engine } from '../engine-types.js';
import { checkArgs } from './rpc-args.js';
import { forwardEvents } from './event-forwarder.js';

export interface RpcServerOptions {
  /** Where unexpected failures are logged with their stack; default: warnings and errors to stderr. */
  logger?: Logger;
  /** Flow control from the transport (WebSocket `bufferedAmount`); see `forwardEvents`. */
  isCongested?: () => boolean;
}

/** Id used to answer a message too broken to carry its own id; clients number calls from 1. */
export const UNKNOWN_CALL_ID = 0;

// The rpc edge's mapping table (ARCHITECTURE §6): the wire keeps the engine's codes.
const wireCodes: Record<ErrorCode, WireErrorCode> = {
  NotFound: 'NotFound', AlreadyExists: 'AlreadyExists', Conflict: 'Conflict', InvalidInput: 'InvalidInput',
  Unauthorized: 'Unauthorized', Forbidden: 'Forbidden', TooLarge: 'TooLarge', Throttled: 'Throttled',
  Unavailable: 'Unavailable', Internal: 'Internal',
};

type Call = { id: number; method: MethodName; args: unknown[] };

/**
 * The one dispatcher for both hosts: answers `call` messages from `engine.api` and pushes engine events.
 * Never throws on malformed input; every call gets exactly one `result` or `error`.
 */
export function serveRpc(engine: Engine, transport: Transport, opts: RpcServerOptions = {}): Disposable {
  const logger = opts.logger ?? streamLogger(process.stderr, 'warn');
  let disposed = false;

  const reply = (msg: WireMessage) => {
    if (disposed) return;
    try {
      transport.send(msg);
    } catch (err) {
      logger.log('warn', 'host.rpc', 'could not send a reply', { error: String(err) });
    }
  };
  const fail = (id: number, error: WireError) => reply({ kind: 'error', id, error });

  const handle = async (msg: unknown) => {
    const parsed = parseCall(msg);
    if ('error' in parsed) return fail(parsed.id, parsed.error);
    const { id, method, args } = parsed;
    const [area, verb] = method.split('.');
    try {
      // Called as a method so service objects keep their `this`.
      const value = await (engine.api as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[area][verb](...args);
      reply({ kind: 'result', id, value });
    } catch (err) {
      if (isEngineError(err)) return fail(id, { code: wireCodes[err.code] ?? 'Internal', message: err.message, ...(err.details ? { details: err.details } : {}) });
      logger.log('error', 'host.rpc', `${method} failed`, { error: err instanceof Error ? err.stack ?? err.message : String(err) });
      fail(id, { code: 'Internal', message: 'internal error (see the engine log)' });
    }
  };

  const calls = transport.onMessage((msg) => void handle(msg));
  const events = forwardEvents(engine.events, transport, { isCongested: opts.isCongested, logger });

  return {
    dispose() {
      disposed = true;
      calls.dispose();
      events.dispose();
    },
  };
}

/** Checks the envelope, the method name and the arguments; JSON `null` for a left-out optional becomes `undefined`. */
function parseCall(msg: unknown): Call | { id: number; error: WireError } {
  const m = (typeof msg === 'object' && msg !== null ? msg : {}) as Record<string, unknown>;
  const id = Number.isSafeInteger(m.id) && (m.id as number) > 0 ? (m.id as number) : UNKNOWN_CALL_ID;
  if (m.kind !== 'call' || id === UNKNOWN_CALL_ID) {
    return { id, error: { code: 'InvalidInput', message: 'expected {kind:"call", id: positive integer, method, args}' } };
  }
  if (typeof m.method !== 'string' || !isMethodName(m.method)) {
    const name = typeof m.method === 'string' ? m.method.slice(0, 100) : typeof m.method;
    return { id, error: { code: 'NotFound', message: `unknown method "${name}"` } };
  }
  if (!Array.isArray(m.args)) return { id, error: { code: 'InvalidInput', message: `${m.method}: args must be an array` } };
  const problem = checkArgs(m.method, m.args);
  if (problem) return { id, error: { code: 'InvalidInput', message: `${m.method}: ${problem}` } };
  return { id, method: m.method, args: m.args.map((a) => (a === null ? undefined : a)) };
}
