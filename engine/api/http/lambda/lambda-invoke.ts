/**
 * Invoke [Lambda API Reference: Invoke]: `X-Amz-Invocation-Type` RequestResponse (200 with the function's result),
 * Event (202 at once; the function runs afterwards) or DryRun (204); `X-Amz-Log-Type: Tail` returns the last 4 KB
 * of the invocation's log, base64, in `X-Amz-Log-Result`. A function error is still a 200, with
 * `X-Amz-Function-Error: Unhandled` and Lambda's error document as the payload.
 *
 * `X-Amz-Client-Context` (base64 JSON) reaches the function as `context.clientContext` (Python: `client_context`).
 *
 * LIMITATIONS: Event invocations are not retried.
 */
import { EngineError, type Logger } from '../../../core/index.js';
import type { HttpRequest, HttpResult, Route } from '../http-server.js';
import { functionName, lambdaRoute, type LambdaOperations } from './lambda-shapes.js';

/** Lambda: 6 MB for a synchronous invocation's payload (1 MB asynchronous). */
const MAX_SYNC = 6 * 1024 * 1024;
const MAX_ASYNC = 1024 * 1024;

function parsePayload(body: Buffer): unknown {
  if (!body.length) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new EngineError('InvalidInput', `Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`, { reason: 'requestContent' });
  }
}

/** `X-Amz-Client-Context`: base64 JSON, at most 3,583 bytes (Lambda's limit). */
function clientContext(req: HttpRequest): unknown {
  const raw = req.headers['x-amz-client-context'];
  if (typeof raw !== 'string' || !raw) return undefined;
  if (raw.length > 3583) throw new EngineError('InvalidInput', 'Client context must be 3583 bytes or less', { reason: 'validation' });
  try {
    return JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    throw new EngineError('InvalidInput', 'Client context must be a valid Base64-encoded JSON object.', { reason: 'requestContent' });
  }
}

export function lambdaInvokeRoutes(ops: LambdaOperations, logger: Logger): Route[] {
  return [{
    method: 'POST', path: '/2015-03-31/functions/{FunctionName}/invocations', operation: 'Invoke', rawBody: true, maxBodyBytes: MAX_SYNC, ...lambdaRoute,
    handler: async (req: HttpRequest): Promise<HttpResult> => {
      const name = functionName(ops, req);
      const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      const logType = String(req.headers['x-amz-log-type'] ?? 'None');
      if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) {
        throw new EngineError('InvalidInput', `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`, { reason: 'validation' });
      }
      if (!['None', 'Tail'].includes(logType)) {
        throw new EngineError('InvalidInput', `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]`, { reason: 'validation' });
      }
      if (!ops.exists(name)) ops.get(name); // ResourceNotFoundException, whatever the invocation type
      const event = parsePayload(req.body);
      if (type === 'DryRun') return { status: 204 };
      if (type === 'Event') {
        if (req.body.length > MAX_ASYNC) throw new EngineError('TooLarge', `Request must be smaller than ${MAX_ASYNC} bytes for the InvokeAsync operation`);
        void ops.invoke(name, event).then((r) => {
          if (!r.ok) logger.log('warn', 'functions', `${name}: the Event invocation ${r.requestId} failed: ${r.error}`);
        });
        return { status: 202 };
      }
      const r = await ops.invoke(name, event, { tail: logType === 'Tail', clientContext: clientContext(req) });
      const headers: Record<string, string> = { 'x-amz-executed-version': '$LATEST' };
      if (r.logTail !== undefined) headers['x-amz-log-result'] = r.logTail;
      if (r.ok) return { status: 200, body: Buffer.from(JSON.stringify(r.result ?? null)), headers };
      if (r.kind === 'NotFound' && r.errorBody.errorType === 'ResourceNotFoundException') throw new EngineError('NotFound', r.errorBody.errorMessage.replace(/ \(no .*$/, ''));
      if (r.kind === 'Busy') throw new EngineError('Throttled', 'Rate Exceeded.');
      if (r.kind === 'Crashed' && r.errorBody.errorType === 'ServiceException') throw new EngineError('Unavailable', r.errorBody.errorMessage);
      return { status: 200, body: Buffer.from(JSON.stringify(r.errorBody)), headers: { ...headers, 'x-amz-function-error': 'Unhandled' } };
    },
  }];
}
